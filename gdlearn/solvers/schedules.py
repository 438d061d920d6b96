"""Learning-rate schedules of ``solver='sgd'``: the rate at each mini-batch step.

* :class:`Constant`: :math:`\\eta_t = \\eta_0`;
* :class:`InvScaling`: :math:`\\eta_t = \\eta_0 / (1 + e_t)^{\\mathrm{power\\_t}}`
  with :math:`e_t` the epochs done so far (fractional);
* :class:`Adaptive`: :math:`\\eta_0` while the monitored value improves,
  divided by 5 each time it has not improved for ``n_iter_no_change``
  epochs;
* :class:`VarianceReduced`: a constant rate on variance-reduced steps, the
  default of ``fit`` (see :mod:`gdlearn.solvers.sgd`);
* :class:`Averaged`: :math:`\\eta_0 / \\sqrt{1 + e_t}` and the iterates
  averaged, the default of ``partial_fit``.
"""

from __future__ import annotations

import math

__all__ = [
    "Adaptive",
    "Averaged",
    "Constant",
    "InvScaling",
    "SCHEDULES",
    "VarianceReduced",
]


class Constant:
    """The same learning rate ``eta0`` at every step."""

    average = False
    variance_reduced = False
    factor = 1.0  # of 1 / L_B, for the default eta0

    def __init__(self, eta0: float):
        self.eta0 = self.eta = float(eta0)
        self.epochs = 0.0

    def streaming(self):
        """The schedule for ``partial_fit``: this one."""
        return self

    def rate(self):
        return self.eta

    def shrink(self):
        """Nothing smaller to try: a plateau stops the fit."""
        return False


class InvScaling(Constant):
    """:math:`\\eta_0 / (1 + e)^{\\mathrm{power\\_t}}` after ``e`` epochs."""

    def __init__(self, eta0: float, power_t: float = 0.5):
        super().__init__(eta0)
        self.power_t = power_t

    def rate(self):
        return self.eta / (1 + self.epochs) ** self.power_t


class Averaged(Constant):
    """:math:`\\eta_0 / \\sqrt{1 + e}` after ``e`` epochs, and the model is an
    average of the iterates: the default of ``partial_fit``.

    The iterates go on from one call to the next; the average weighs the
    ``t``-th step by about :math:`t^3` (polynomial-decay averaging, Shamir
    and Zhang, ICML 2013): :math:`\\bar V_t = (1 - \\tfrac{4}{t + 3}) \\bar
    V_{t-1} + \\tfrac{4}{t + 3} V_t`, so that the first, far-off iterates
    fade fast.
    """

    average = True

    def __init__(self, eta0: float):
        super().__init__(eta0)
        self.iterate, self.mean, self.steps = None, None, 0

    def rate(self):
        return self.eta / math.sqrt(1 + self.epochs)

    def accumulate(self, V):
        """Count the step to ``V`` into the average."""
        self.steps += 1
        weight = 4 / (self.steps + 3)
        self.iterate = V
        self.mean = V if self.mean is None else self.mean + weight * (V - self.mean)


class VarianceReduced(Constant):
    """A constant rate on variance-reduced steps: the default of ``fit``.
    Streaming, it becomes :class:`Averaged` at the same rate."""

    variance_reduced = True
    factor = 0.25  # of 1 / L_B

    def streaming(self):
        averaged = Averaged(self.eta)
        averaged.epochs = self.epochs
        return averaged


class Adaptive(Constant):
    """``eta0`` until a plateau, then a fifth of the rate at each plateau,
    down to ``1e-6 * eta0``."""

    def shrink(self):
        self.eta /= 5
        return self.eta >= 1e-6 * self.eta0


SCHEDULES = {
    "auto": VarianceReduced,
    "constant": Constant,
    "invscaling": InvScaling,
    "adaptive": Adaptive,
}
