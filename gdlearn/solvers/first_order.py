"""First-order solvers: gradient descent and its accelerated (FISTA) form.

One iteration from the point ``Y`` (the current iterate ``V``, or with
momentum an extrapolation past it) is

1. **gradient**: ``grad = ∇F(Y)`` of the smooth part ``F`` (data term + L2);
2. **step**: ``V_new = l1_step(Y, grad, step)``, a gradient step
   ``Y - step * grad`` in which the L1 part is handled either by its proximal
   operator (:func:`proximal_step`) or by its subgradient
   (:func:`subgradient_step`);
3. **step size**: the ``step_rule`` accepts ``V_new`` or shrinks ``step`` and
   goes back to 2 (:class:`Backtracking`, at most ``MAX_HALVINGS`` times), or
   always accepts it (:class:`ConstantStep`);
4. **momentum**: the next ``Y`` is ``V_new + beta (V_new - V)`` with ``beta``
   from :class:`Nesterov` (restarted when it stops helping) or 0
   (:class:`NoMomentum`);
5. **stop** when the gradient mapping :math:`(Y - V_{new}) / \\mathrm{step}`
   is small (see :func:`~gdlearn.solvers._template.stopping_threshold`).
   Without L1 it is the gradient itself; with L1 it is zero exactly at a
   minimizer, like the distance from :math:`-\\nabla F` to the
   subdifferential.

Raw predictions ``Z = A V`` are linear in ``V``: the extrapolated ``Z`` is the
same combination of the iterates' ``Z``, so an iteration reads ``X`` twice
(one ``A V`` and one ``A^T G``) plus once per rejected step.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TYPE_CHECKING, Literal, TypeAlias

from .._array_api import any_nonzero, max_abs, namespace, positive_part, vdot
from ._template import (
    Outcome,
    Solver,
    diverged,
    divergence_error,
    stationarity,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._objective import Objective
    from .._typing import Array
    from ._template import OptimizeResult

    #: How a step handles the L1 part: :func:`proximal_step` or :func:`subgradient_step`.
    L1Step: TypeAlias = Callable[[Objective, Array, Array, float], Array]

#: Step halvings one iteration may try before it counts as stuck: from a
#: unit step, past the smallest float64.
MAX_HALVINGS = 1100


# -- how the L1 part is handled -------------------------------------------------
def proximal_step(objective: Objective, Y: Array, grad: Array, step: float) -> Array:
    """Proximal gradient step :math:`\\operatorname{prox}_{s \\lambda_1
    \\lVert\\cdot\\rVert_1}(Y - s \\nabla F(Y))`: soft-thresholding, exact zeros."""
    U = Y - step * grad
    return objective.l1.prox(U, step) if objective.has_l1 else U


def subgradient_step(objective: Objective, Y: Array, grad: Array, step: float) -> Array:
    """Explicit subgradient step :math:`Y - s\\, d`, :math:`d \\in \\nabla F(Y)
    + \\lambda_1 \\partial \\lVert W \\rVert_1`.

    ``d`` is the subgradient of smallest norm: at a coefficient equal to zero
    it takes the value in :math:`[-\\lambda_1, \\lambda_1]` that cancels as
    much of the gradient as it can, so a coefficient whose gradient is within
    :math:`\\lambda_1` of zero stays at zero. A coefficient that the step
    would carry across zero is stopped at zero: without that the iterates
    oscillate around zero by about :math:`s \\lambda_1` and the method
    converges only as fast as its step shrinks, :math:`O(1/\\sqrt{t})` for
    the classical :math:`s_t \\propto 1/\\sqrt{t}` schedule, never reaching
    an exact zero.
    """
    if not objective.has_l1:
        return Y - step * grad
    xp = namespace(Y)
    U = Y - step * objective.l1.min_norm_subgradient(Y, grad)
    p = objective.n_features
    crossed = xp.sign(U[:p, :]) * xp.sign(Y[:p, :]) < 0
    U[:p, :] = xp.where(crossed, 0.0, U[:p, :])
    if objective.l1.positive:  # a momentum point may lie outside W >= 0
        U[:p, :] = positive_part(U[:p, :])
    return U


# -- step size --------------------------------------------------------------------
class Backtracking:
    """Step size by backtracking: start at ``initial``, halve until accepted.

    A step ``D = V_new - Y`` of size ``s`` is accepted when the smooth part
    lies under its quadratic model,

    .. math:: F(V_{new}) \\le F(Y) + \\nabla F(Y)^\\top D + \\tfrac{1}{2s}
              \\lVert D \\rVert^2,

    which holds for every ``s <= 1/L`` (``L`` the gradient's Lipschitz
    constant), so the accepted step never falls below ``1/(2L)`` and the
    iterates never diverge. The accepted step is kept for the next
    iteration. ``F(Y)`` arrives with its rounding error added, so that steps
    lost in the rounding of ``F`` are not mistaken for bad ones.
    """

    adaptive: Literal[True] = True

    def __init__(self, initial: float = 1.0, shrink: float = 0.5) -> None:
        self.initial, self.shrink = initial, shrink

    def accepts(
        self, F_new: float, F_y: float, grad: Array, D: Array, step: float
    ) -> bool:
        return F_new <= F_y + vdot(grad, D) + vdot(D, D) / (2 * step)


class ConstantStep:
    """A fixed step size ``learning_rate``: every step is accepted."""

    adaptive: Literal[False] = False

    def __init__(self, learning_rate: float) -> None:
        self.initial = learning_rate

    def accepts(
        self, F_new: float, F_y: float, grad: Array, D: Array, step: float
    ) -> bool:
        return True


# -- momentum -----------------------------------------------------------------------
class NoMomentum:
    """Plain gradient descent: the next point is the new iterate."""

    def next(self, restart: bool) -> float:
        return 0.0


class Nesterov:
    """Nesterov / FISTA momentum with adaptive restart.

    :math:`t_{k+1} = (1 + \\sqrt{1 + 4 t_k^2}) / 2`, :math:`\\beta_k = (t_k - 1)
    / t_{k+1}`. The sequence restarts at :math:`t = 1` (no momentum) when the
    objective went up or the step opposed the momentum, the gradient test
    :math:`(Y - V_{new})^\\top (V_{new} - V) > 0` of O'Donoghue and Candès
    (2015), which recovers linear convergence on strongly convex problems
    without knowing the strong convexity constant.
    """

    def __init__(self) -> None:
        self.t = 1.0

    def next(self, restart: bool) -> float:
        if restart:
            self.t = 1.0
            return 0.0
        t_next = (1 + (1 + 4 * self.t**2) ** 0.5) / 2
        beta = (self.t - 1) / t_next
        self.t = t_next
        return beta


class FirstOrder(Solver):
    """Gradient steps with a step rule, a way to handle L1, and momentum."""

    name, title = "gd", "gradient descent"
    handles_l1 = True
    constant_step = True
    patience = 200
    checks_start = False  # the first step's gradient mapping says it instead
    momentum_rule: type[NoMomentum | Nesterov] = NoMomentum

    def __init__(
        self,
        step_rule: Backtracking | ConstantStep | None = None,
        l1_step: L1Step | None = None,
        momentum: NoMomentum | Nesterov | None = None,
    ) -> None:
        self.step_rule = step_rule if step_rule is not None else Backtracking()
        self.l1_step = l1_step if l1_step is not None else proximal_step
        self.momentum = momentum if momentum is not None else self.momentum_rule()

    def setup(self, objective: Objective, V0: Array) -> SimpleNamespace:
        point = objective.evaluate(V0, objective.raw_start(V0))
        Z, F = point.Z, point.value
        grad, noise = objective.smooth_gradient(point)
        f = F + objective.l1.value(V0)
        return SimpleNamespace(
            objective=objective,
            V=V0,
            Z=Z,
            V_prev=V0,
            Z_prev=Z,
            value=f,
            f_start=f,
            grad=grad,
            measure=stationarity(objective, V0, grad),
            at_V=(F, grad, noise),  # the smooth part's value and gradient at V
            point=None,  # or the accepted trial at V, its gradient not yet taken
            step=self.step_rule.initial,
            beta=0.0,
        )

    def iterate(self, s: SimpleNamespace) -> Outcome:
        objective, rule = s.objective, self.step_rule
        Y, (F_y, grad, noise) = self._gradient(s)
        step, lost = s.step, False
        for _ in range(MAX_HALVINGS):  # shrunk until the step rule accepts it
            V_new = self.l1_step(objective, Y, grad, step)
            D = V_new - Y
            if not any_nonzero(D):  # no step size moves Y: the rounding level
                s.V, s.value = Y, F_y + objective.l1.value(Y)
                measure = stationarity(objective, Y, grad)
                return Outcome(s.value, measure, stuck=True, non_finite=lost)
            trial = objective.evaluate(V_new)
            lost = not math.isfinite(trial.value)
            if math.isfinite(trial.value) and rule.accepts(
                trial.value, F_y + noise, grad, D, step
            ):
                break
            if not rule.adaptive:
                raise divergence_error(rule.initial, trial.value)
            step *= rule.shrink
        else:  # no acceptable value along the gradient: the fit cannot go on
            s.V, s.value = Y, F_y + objective.l1.value(Y)
            measure = stationarity(objective, Y, grad)
            return Outcome(s.value, measure, stuck=True, non_finite=lost)
        s.step = step
        f_new = trial.value + objective.l1.value(V_new)
        if not rule.adaptive and diverged(f_new, s.f_start):
            raise divergence_error(rule.initial, f_new)
        # momentum for the next iteration
        restart = f_new > s.value + noise or vdot(-D, V_new - s.V) > 0
        s.beta = self.momentum.next(restart)
        decrease = s.value - f_new
        s.V_prev, s.Z_prev = s.V, s.Z
        s.V, s.Z, s.value, s.point = V_new, trial.Z, f_new, trial
        # convergence: the gradient mapping (Y - V_new) / step
        return Outcome(f_new, max_abs(D) / step, step, decrease, noise, trial.Z)

    @staticmethod
    def _gradient(s: SimpleNamespace) -> tuple[Array, tuple[float, Array, float]]:
        """The point ``Y`` of this iteration and the smooth part's ``(value,
        gradient, noise)`` there, from what the last iteration kept."""
        objective, beta = s.objective, s.beta
        if beta:  # extrapolated: Z is the same combination of the iterates' Z
            s.point = None
            Y = s.V + beta * (s.V - s.V_prev)
            point = objective.evaluate(Y, s.Z + beta * (s.Z - s.Z_prev))
        elif s.at_V is not None:
            Y, at_V, s.at_V = s.V, s.at_V, None
            return Y, at_V
        else:
            Y, point, s.point = s.V, s.point, None
        return Y, (point.value, *objective.smooth_gradient(point))


def minimize(
    objective: Objective,
    V0: Array,
    *,
    step_rule: Backtracking | ConstantStep,
    l1_step: L1Step = proximal_step,
    momentum: NoMomentum | Nesterov | None = None,
    max_iter: int = 1000,
    tol: float = 1e-4,
    verbose: int = 0,
) -> OptimizeResult:
    """Minimize ``objective`` from ``V0`` by first-order steps; see the module
    docstring.

    Returns an :class:`~gdlearn.solvers.OptimizeResult` whose ``loss_curve``
    holds the full objective (smooth part plus L1) after every iteration.

    Examples
    --------
    A least-squares problem with a known optimum:

    >>> import numpy as np
    >>> from gdlearn._objective import Objective
    >>> from gdlearn.losses import SquaredError
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> y = X @ np.array([1.0, -1.0])
    >>> obj = Objective(X, y[:, None], np.ones(3), SquaredError(), fit_intercept=False)
    >>> res = minimize(obj, obj.zeros(), step_rule=Backtracking(), momentum=Nesterov(),
    ...                tol=1e-10)
    >>> res.converged, np.round(obj.to_coef(res.params)[0].ravel(), 6)
    (True, array([ 1., -1.]))
    """
    solver = FirstOrder(step_rule, l1_step, momentum)
    return solver.solve(objective, V0, max_iter=max_iter, tol=tol, verbose=verbose)
