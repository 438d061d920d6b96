"""Mini-batch stochastic gradient descent: ``solver='sgd'`` and ``partial_fit``.

An **epoch** walks once through the samples, in a new random order when
``shuffle`` is on, ``batch_size`` at a time; each mini-batch ``B`` of ``m``
of the ``n`` samples gives one step

.. math:: V \\leftarrow \\operatorname{step}(V - \\eta_t\\, g_B), \\qquad
          g_B = \\tfrac{n}{m} X_B^\\top G_B + \\lambda_2 W,

where :math:`g_B` is the unbiased estimate of the smooth part's gradient of
:meth:`~gdlearn._objective.Objective.stochastic_gradient`, and the L1 part is
handled by a proximal step (soft-thresholding) or a subgradient step, as in
:mod:`gdlearn.optimizers`. The learning rate :math:`\\eta_t` follows a
**schedule**, the textbook ones of scikit-learn's SGD estimators on plain
iterates:

* :class:`Constant`: :math:`\\eta_t = \\eta_0`;
* :class:`InvScaling`: :math:`\\eta_t = \\eta_0 / (1 + e_t)^{\\mathrm{power\\_t}}`
  with :math:`e_t` the epochs done so far (fractional);
* :class:`Adaptive`: :math:`\\eta_0` while the monitored value improves,
  divided by 5 each time it has not improved for ``n_iter_no_change``
  epochs.

Plain iterates at a constant rate jitter about the minimum by an amount that
grows with the rate, which on the benchmark's data keeps them at a
suboptimality of 1e-2 to 1e-1. The default, :class:`VarianceReduced`, takes
that noise away: :func:`minimize_sgd` computes the full gradient
:math:`\\mu = \\nabla F(\\tilde V)` at the end of every epoch anyway (for the
stopping test), and the next epoch's steps use it as a control variate
(SVRG: Johnson and Zhang, 2013),

.. math:: g_B = \\tfrac{n}{m} X_B^\\top \\bigl(G_B(V) - G_B(\\tilde V)\\bigr)
          + \\lambda_2 (W - \\tilde W) + \\mu,

still unbiased, and exact at the minimum, so a constant rate converges
linearly. For linear models :math:`G_B(\\tilde V)` needs no pass over ``X``:
it comes from the raw predictions :math:`\\tilde Z = X \\tilde V` kept from
that full gradient, so a step costs what a plain one does. ``partial_fit``
has no full gradient (the data streams past); there the default averages
each epoch's iterates (Polyak and Juditsky) at the rate
:math:`\\eta_0 / \\sqrt{1 + e_t}` (:class:`Averaged`).

After each epoch, :func:`minimize_sgd` computes the objective and its
gradient on all the training data (two passes over ``X``: an epoch costs
about two full-batch iterations). That gives ``loss_curve_`` the exact
objective, and ``tol`` the same meaning as for every other solver: the
max-norm of the (minimum-norm sub)gradient at most ``tol`` times the
larger of the gradient's at zero and :math:`5 \\sqrt{|f|}`. It also stops
when the monitored value (the objective, or with early stopping the loss on
held-out samples) has not improved for ``n_iter_no_change`` epochs and the
schedule has no smaller rate to try.

The default rate comes from the expected smoothness of a mini-batch (Gower
et al., *SGD: general analysis and improved rates*, ICML 2019),

.. math:: L_B = \\frac{n (m - 1)}{m (n - 1)} L + \\frac{n - m}{m (n - 1)} L_{max},

with :math:`L_{max}` the largest curvature of one sample's term
(:meth:`~gdlearn._objective.Objective.sample_curvature`) and :math:`L` taken
as the largest diagonal entry of the curvature bound, which is 1 in the
preconditioned coordinates: :math:`\\eta_0 = 1 / L_B` for the textbook
schedules and :math:`1 / (4 L_B)` for the variance-reduced steps, as SVRG's
analysis asks. That guess of ``L`` is a lower bound; when an epoch at the
guessed rate blows the objective up, the epoch is undone and the rate
divided by 4 (by 2 for the variance-reduced steps), so the default never
diverges. :math:`L_{max}` bounds the heaviest sample, so the guess is often
a small one: the variance-reduced rate doubles after an epoch that shrinks
the gradient by less than a factor 4/3, keeps the double if that shrinks it
faster, and halves after an epoch that makes the gradient grow.

Up to 1,000 unknowns and without an L1 part the steps are taken in the
metric of the curvature bound :math:`P` (:func:`curvature_metric`,
``P^+ g`` in place of ``g``), which takes the scales and correlations of
the features out of the rate, as Newton's method does. For a cross-entropy
the curvature near the minimum lies far below that bound (well-separated
samples), so where the gradient keeps shrinking slowly at every rate tried,
the metric becomes the curvature at the epoch's start instead, refreshed at
most every 5 epochs: raw breast_cancer then takes 35 epochs instead of 158,
digits 49 instead of 10,000.
"""

from __future__ import annotations

import math
import time

import numpy as np
from sklearn.utils import check_random_state

from ._array_api import any_nonzero, astype, eye, namespace
from .optimizers import (
    OptimizeResult,
    _diverged,
    _factor,
    _max_iter_message,
    _print_progress,
    _report_schedule,
    _stationarity,
    _threshold,
    proximal_step,
)

__all__ = [
    "Adaptive",
    "Averaged",
    "Constant",
    "InvScaling",
    "SCHEDULES",
    "VarianceReduced",
    "auto_learning_rate",
    "curvature_metric",
    "minimize_sgd",
    "sgd_epoch",
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


def auto_learning_rate(objective, batch_size, rows=None, metric=None):
    """:math:`1 / L_B` of the module docstring for mini-batches of ``batch_size``
    drawn from ``rows`` (all samples by default), for steps in ``metric``."""
    n = objective.X.shape[0] if rows is None else len(rows)
    m = min(batch_size, n)
    largest = objective.sample_curvature(n, metric)
    spread = (n - m) / (m * max(n - 1, 1))
    whole = 1.0 if metric is not None else objective.diagonal_curvature
    return 1.0 / ((1 - spread) * whole + spread * largest)


def curvature_metric(objective, Z=None):
    """The pseudo-inverse of :meth:`~gdlearn._objective.Objective.curvature_bound`
    (q, q): steps ``-eta * metric @ g`` see a curvature of at most 1 in every
    direction, however correlated or unevenly scaled the features are.

    With raw predictions ``Z``, the pseudo-inverse of the curvature there
    instead (:meth:`~gdlearn._objective.Objective.curvature_matrices`; (kq,
    kq) for the softmax, which couples its classes): near the minimum of a
    cross-entropy that is far below the bound, and the steps Newton's.
    """
    P = objective.curvature_bound()[None, ...] if Z is None else None
    if P is None:
        P = objective.curvature_matrices(Z)
        if P.shape[0] > 1:  # one block per output would need a metric each
            return None
    (solve,) = _factor(P)
    metric = solve(eye(P.shape[1], like=P))
    return 0.5 * (metric + metric.T)


def _in_metric(metric, grad):
    """``metric @ grad`` for ``grad`` (q, k): the same metric for every output,
    or one (kq, kq) for all of them, ordered output by output."""
    xp = namespace(grad)
    g = astype(grad, metric.dtype)
    q, k = grad.shape
    if metric.shape[0] == q:
        return astype(metric @ g, grad.dtype)
    flat = metric @ xp.reshape(g.T, (-1,))
    return astype(xp.reshape(flat, (k, q)).T, grad.dtype)


def batches(n, batch_size, rng, rows=None):
    """Mini-batches of ``rows`` (default ``0 .. n - 1``): in order, as slices
    when they can be, without ``rng``; else of a random permutation, each
    sorted (which makes gathering sparse rows cheaper)."""
    if rows is None and rng is None:
        return [slice(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
    rows = np.arange(n) if rows is None else rows
    order = rows if rng is None else rng.permutation(rows)
    return [np.sort(order[s : s + batch_size]) for s in range(0, len(rows), batch_size)]


def sgd_epoch(
    objective,
    V,
    schedule,
    batch_size,
    rng=None,
    l1_step=proximal_step,
    rows=None,
    anchor=None,
    metric=None,
):
    """One pass over the samples ``rows`` (default all) of ``objective``, a
    mini-batch step at a time; the last iterate, or their average when the
    schedule averages. ``anchor``, ``(V, Z, grad)`` at the start of the
    epoch, makes the steps variance-reduced; ``metric`` (q, q) turns each
    gradient ``g`` into ``metric @ g`` (no L1 part then)."""
    n = objective.X.shape[0]
    pool = n if rows is None else len(rows)
    chunks = batches(n, batch_size, rng, rows)
    if schedule.average and schedule.iterate is not None:
        V = schedule.iterate  # the iterates go on where they were
    with np.errstate(over="ignore", invalid="ignore"):
        for batch in chunks:
            grad = objective.stochastic_gradient(batch, V, pool, anchor)
            if metric is not None:
                grad = _in_metric(metric, grad)
            V = l1_step(objective, V, grad, schedule.rate())
            schedule.epochs += 1 / len(chunks)
            if schedule.average:
                schedule.accumulate(V)
    return objective.canonical(schedule.mean if schedule.average else V)


def minimize_sgd(
    objective,
    V0,
    *,
    schedule,
    batch_size,
    shuffle=True,
    random_state=None,
    l1_step=proximal_step,
    max_iter=1000,
    tol=1e-4,
    n_iter_no_change=5,
    rows=None,
    validation=None,
    backoff=False,
    metric=None,
    verbose=0,
):
    """Minimize ``objective`` by epochs of mini-batch steps; see the module docstring.

    The batches are drawn from ``rows`` (all samples by default). Early
    stopping passes the training samples there, an ``objective`` whose
    weights are zero elsewhere, and as ``validation`` an objective on the
    same ``X`` in the same coordinates with weights on the held-out samples
    only: its value is then monitored in place of the training objective, at
    no extra pass over ``X``, and the coefficients returned are those of its
    best epoch. With ``backoff`` (the rate was estimated) an epoch that blows
    the objective up is undone and the rate lowered, and variance-reduced
    rates adapt as the module docstring says; without, such an epoch raises
    the error that names ``learning_rate``. ``metric`` is :func:`sgd_epoch`'s. ``n_iter`` of the result counts epochs.

    Examples
    --------
    >>> import numpy as np
    >>> from gdlearn._objective import Objective
    >>> from gdlearn.losses import SquaredError
    >>> X = np.random.default_rng(0).normal(size=(1000, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5])  # no noise: the gradient goes to 0
    >>> obj = Objective(X, y[:, None], np.ones(1000), SquaredError())
    >>> res = minimize_sgd(obj, obj.zeros(), schedule=Constant(0.5), batch_size=32,
    ...                    random_state=0, tol=1e-10)
    >>> res.message, np.round(obj.to_coef(res.params)[0].ravel(), 8)
    ('converged in 1 epoch', array([ 1. , -2. ,  0.5]))
    """
    started = time.perf_counter()
    rng = check_random_state(random_state) if shuffle else None
    # the full-batch step: in the metric of the curvature bound, 1
    max_rate = 1.0 if metric is not None else 1 / objective.diagonal_curvature
    probe = None  # the gradient's shrink factor before the rate was doubled
    refresh = metric is not None and not objective.loss.constant_curvature
    refreshed = 0
    V = V0
    Z = objective.raw_start(V)
    F, grad, noise = objective.smooth_value_and_gradient(Z, V)
    f = f_start = F + objective.l1_value(V)
    threshold = _threshold(tol, objective, None if any_nonzero(V0) else grad)
    gnorm = _stationarity(objective, V, grad)
    best, best_V, unchanged, mark = math.inf, V, 0, math.inf
    curve, converged = [], False
    message = _max_iter_message(max_iter).replace("iterations", "epochs")
    report = _report_schedule(verbose)
    monitored = "validation loss" if validation is not None else "objective"
    for it in range(1, max_iter + 1):
        V_prev, Z_prev, grad_prev, f_prev = V, Z, grad, f
        epochs = schedule.epochs
        anchor = (V, Z, grad) if schedule.variance_reduced else None
        V = sgd_epoch(
            objective, V, schedule, batch_size, rng, l1_step, rows, anchor, metric
        )
        with np.errstate(over="ignore", invalid="ignore"):
            Z = objective.raw(V)
            F, grad, noise = objective.smooth_value_and_gradient(Z, V)
            f = F + objective.l1_value(V)
        # Variance-reduced steps decrease the objective when the rate suits. The
        # estimated rate is a safe one, often a small one: an epoch that shrinks
        # the gradient by less than a factor 4/3 is followed by one at twice the
        # rate, which is kept if it shrinks the gradient by more, and halved
        # back otherwise; an epoch that increases the objective is undone, and
        # one that increases the gradient halves the rate.
        bold = backoff and schedule.variance_reduced
        worse = (
            f > f_prev + noise if bold else not f <= 2 * max(f_prev, f_start) + noise
        )
        if worse or not math.isfinite(f):
            if not backoff:
                raise _diverged(schedule.eta)
            schedule.eta /= 2 if bold else 4
            schedule.epochs, probe = epochs, None
            V, Z, grad, f = V_prev, Z_prev, grad_prev, f_prev
            curve.append(f)
            continue
        curve.append(f)
        gnorm_prev, gnorm = gnorm, _stationarity(objective, V, grad)
        if bold:
            shrink = gnorm / gnorm_prev if gnorm_prev > 0 else 0.0
            if shrink >= 1 or (probe is not None and shrink >= probe):
                schedule.eta /= 2  # too fast for the noise, or no faster than half
                probe = None
            elif shrink > 0.75 and 2 * schedule.eta <= max_rate:
                schedule.eta *= 2
                probe = shrink
            else:
                probe = None
            # Slow progress that a faster rate does not cure: a cross-entropy far
            # below its curvature bound. Steer by its curvature here instead
            # (refreshed at most every 5 epochs), which near the minimum makes
            # the steps Newton's.
            slow = shrink > 0.75 and probe is None
            if slow and refresh and it >= refreshed + 5:
                steered = curvature_metric(objective, Z)
                metric = metric if steered is None else steered
                refreshed = it
        if report(it):
            _print_progress(it, f, gnorm, schedule.rate(), started)
        if gnorm <= threshold(f):
            converged, message = True, f"converged in {_epochs(it)}"
            break
        value = f if validation is None else validation.smooth_value(Z, V)
        slack = max(noise, 1e-12 * abs(best)) if math.isfinite(best) else 0.0
        # where the objective is flat to its rounding, variance-reduced steps
        # still sharpen the coefficients: a gradient 10% smaller counts too
        sharper = schedule.variance_reduced and validation is None
        sharper = sharper and gnorm < 0.9 * mark
        if value < best - slack or sharper:
            best, best_V, unchanged, mark = min(value, best), V, 0, gnorm
        else:
            unchanged += 1
        if unchanged >= n_iter_no_change:
            if not schedule.shrink():
                converged = True
                message = (
                    f"stopped after {_epochs(it)}: the {monitored} did not improve "
                    f"in the last {n_iter_no_change} epochs"
                )
                break
            unchanged = 0
    if not converged or unchanged:  # the best epoch's, not the plateau's last
        V = best_V
    if verbose:
        print(message)
    return OptimizeResult(V, it, converged, curve, schedule.rate(), message)


def _epochs(count):
    return f"{count} epoch" + "s" * (count != 1)
