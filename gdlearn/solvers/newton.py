"""Newton's method: gradient steps in the metric of the curvature.

Each iteration steps along :math:`D = -P^{-1} \\nabla F(V)`, with ``P`` the
curvature of :meth:`~gdlearn._objective.Objective.curvature_matrices` (the
Hessian, or one coupled block for the softmax), and takes the first step
size ``t`` in 1, 1/2, 1/4, ... that decreases the objective enough (Armijo:
:math:`F(V + tD) \\le F(V) + 10^{-4}\\, t\\, \\nabla F^\\top D`), or the
constant ``t = learning_rate`` when one is given. ``P`` is the exact Hessian
for the squared error, so one unit step solves least squares; without an
L1 part that step is taken on the exact quadratic model (its value and
gradient from ``P``, no pass over ``X``: an iterative refinement where the
solve's residual is not yet within tol). For
cross-entropy it is recomputed at the current point only when the last step
made poor progress (it had to be shortened, or the gradient fell by less
than a factor 4), or when the steps of the kept ``P`` converge so slowly
(the last gradient ratio ``r``) that reaching the stopping threshold would
take more iterations, :math:`\\log(g / \\tau) / \\log(1 / r)`, than a refresh
(:func:`~gdlearn.solvers.refresh_cost`) and two more; otherwise the
previous ``P`` is kept as a fixed preconditioner. With ``P`` refreshed at
every iteration this would be Newton's method exactly.

The data part of ``P`` depends on ``V`` only through ``Z``: where no raw
prediction moved by more than ``SETTLED_MOVE`` since ``P`` was formed, a
refresh would form the same matrix. A unit step of such a ``P`` that fails
to bring the gradient down is in the rounding noise, and so is a unit step
of any ``P`` that changed the objective by no more than its rounding noise
and either made poor progress or left the next step no shorter: with the
gradient test met, the fit has converged there (the step it would take
next, the distance estimate, is rounding too). Along a path of penalties
(the CV estimators' folds) the last ``P``'s data part is carried to the
next penalty's fit (:class:`Carried`), which starts where the last one
stopped: only the L2 diagonal and the coordinates' scale change, and the
first step is taken without a refresh.

An iteration reads ``X`` once for the raw predictions ``Z`` of the trial
point, once for the gradient, and a third time (with ``q`` times the work)
when it refreshes ``P``. A trial step that is cut short costs another pass
for its ``Z``; the unit step is taken at almost every iteration, and so
besides the ``Z`` that ``P`` was formed at (a reference, kept on NumPy to
tell how far the predictions moved since), only one array of ``Z``'s size
lives through the iteration (beside the targets and the loss's
derivative): with many classes those arrays are the largest the fit makes.

With an L1 part the steps are orthant-wise (Andrew and Gao's OWL-QN, with
the exact curvature in place of L-BFGS's): the gradient is replaced by the
minimum-norm subgradient ``r`` (zero on a coefficient at zero whose gradient
the penalty absorbs), the step solves :math:`P_{FF} D_F = -r_F` on the free
coefficients ``F`` (nonzero, or at zero with ``r`` pushing them off; one
that the solution would move against :math:`-r` stays at zero), follows the
L1 slope the curvature cannot see to the next zero, and a coefficient that
the step carries across zero stops at zero (:mod:`gdlearn.solvers._linalg`).
Zeros are exact, the support settles in a few steps, and from then on the
steps are Newton's on the free coefficients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from .._array_api import any_nonzero, astype, max_abs, namespace, vdot
from ._linalg import factor, orthant_step, solve, stop_at_zero
from ._template import Outcome, Solver, diverged, divergence_error, relative_distance

if TYPE_CHECKING:
    from .._objective import Objective
    from .._typing import Array, Threshold
    from ._template import OptimizeResult

#: The smallest fraction of the unit step the line search tries.
SMALLEST_STEP = 1e-20
#: Raw predictions that moved by at most this much since ``P`` was formed
#: leave it exact to about this relative error (the logistic and softmax
#: curvatures change by a factor of at most :math:`e^{2 \delta}` where ``z``
#: moves by ``delta``): a refresh there would form the same ``P``.
SETTLED_MOVE = 1e-8


class Newton(Solver):
    """Steps ``-P^{-1} grad`` (orthant-wise with L1), by backtracking from 1
    or at a constant ``learning_rate``."""

    name = "newton"
    title = "Newton's method"
    handles_l1 = True
    constant_step = True
    needs_gram = True

    def __init__(self, learning_rate: float | None = None) -> None:
        self.learning_rate = learning_rate

    def setup(self, objective: Objective, V0: Array) -> SimpleNamespace:
        point = objective.evaluate(V0, objective.raw_start(V0))
        grad, noise = objective.smooth_gradient(point)
        F = point.value + objective.l1.value(V0)
        s = SimpleNamespace(objective=objective, V=V0, Z=point.Z, f_start=F)
        s.curvature, s.refresh = None, True  # P's factors (P itself with L1)
        s.factors = {}  # with L1: P_FF's factors by free set, for this P
        s.next, s.poor = None, False  # the step kept from the distance's test
        s.P, s.Z_built = None, None  # P kept to carry; the Z it was formed at
        s.model = None  # a quadratic's Hessian, its exact model (_model_step)
        s.cost, s.fresh_ratio = None, None  # a refresh's cost; a fresh P's progress
        s.distance = math.inf  # the last step's estimate of the distance
        carried = getattr(objective, "carried_curvature", None)
        if carried is not None and carried.fits(objective):
            self._install(s, carried.at(objective), carried.Z)
        self._at(s, F, grad, noise)
        return s

    @staticmethod
    def _at(s: SimpleNamespace, F: float, grad: Array, noise: float) -> None:
        """Record the objective's value and gradient at ``s.V``."""
        objective = s.objective
        s.value, s.grad, s.noise = F, grad, noise
        s.r = objective.l1.min_norm_subgradient(s.V, grad) if objective.has_l1 else grad
        s.measure = max_abs(s.r)

    def iterate(self, s: SimpleNamespace) -> Outcome:
        objective, lr = s.objective, self.learning_rate
        l1 = objective.has_l1
        fresh = s.refresh or s.curvature is None
        if fresh and not self._curvature(s):  # a non-finite P: nothing to step on
            return Outcome(s.value, s.measure, stuck=True, non_finite=True)
        D, orthant = self._direction(s) if fresh or s.next is None else s.next
        if s.model is not None and lr is None:
            return self._model_step(s, D)
        s.Z = None  # each trial point's Z is read from X: Z is not kept beside it
        t = 1.0 if lr is None else lr
        while True:  # bounded: t halves down to SMALLEST_STEP
            V_new = s.V + t * D
            if l1:
                stop_at_zero(V_new, orthant, objective.n_features)
            trial = objective.evaluate(V_new)
            F_new = trial.value + objective.l1.value(V_new)
            slope = vdot(s.r, V_new - s.V)
            if lr is not None:
                if diverged(F_new, s.f_start):
                    raise divergence_error(lr, F_new)
                break
            if F_new <= s.value + s.noise + 1e-4 * slope:
                break
            t, trial = 0.5 * t, None  # the rejected Z goes before the next
            if not any_nonzero(V_new - s.V) or t < SMALLEST_STEP:
                lost = not math.isfinite(F_new)
                return Outcome(s.value, s.measure, stuck=True, non_finite=lost)
        F_prev, noise_prev, previous = s.value, s.noise, s.measure
        s.V, s.Z = V_new, trial.Z
        grad, noise = objective.smooth_gradient(trial)
        self._at(s, F_new, grad, noise)
        poor = t < 1 or s.measure > 0.25 * previous
        unseen = abs(F_prev - s.value) <= max(noise_prev, s.noise)
        settled = poor and t == 1 and self._in_noise(s, unseen)
        if poor and fresh and s.poor and not settled:  # an estimate that fails twice
            exact_curvature(objective)
        s.poor = poor and fresh
        if fresh:
            s.fresh_ratio = s.measure / previous if previous else 0.0
        slow = not (poor or fresh) and self._slow(s, previous)
        s.refresh = not objective.constant_curvature and (poor or slow)
        s.next, last = None, s.distance
        s.distance = distance = 0.0 if settled else self.distance(s)
        if unseen and t == 1 and last < distance < math.inf and not fresh:
            # a step the objective cannot see, and the next one no shorter:
            # the steps are rounding's, in a direction the objective cannot
            # resolve (more iterations only move the coefficients at random)
            distance = 0.0
        out = Outcome(s.value, s.measure, t, F_prev - s.value, noise_prev, s.Z)
        out.distance = distance
        return out

    def _model_step(self, s: SimpleNamespace, D: Array) -> Outcome:
        """The unit step of a quadratic smooth part (the squared error without
        an L1 part), taken on its exact model: with ``P`` its Hessian, the
        value and gradient at ``V + D`` are :math:`F + g^\\top D + \\tfrac12
        D^\\top P D` and :math:`g + P D`, with no pass over ``X``. The new
        gradient holds the solve's residual (the rounding a pass would
        measure), so a step that falls short is followed by another, an
        iterative refinement."""
        HD = astype(s.model[0] @ D, D.dtype)
        F_prev, noise_prev = s.value, s.noise
        F = F_prev + float(vdot(s.grad, D)) + 0.5 * float(vdot(D, HD))
        if not math.isfinite(F):  # a non-finite P: nothing to step on
            return Outcome(s.value, s.measure, stuck=True, non_finite=True)
        s.V, s.Z = s.V + D, None
        self._at(s, F, s.grad + HD, noise_prev)
        s.next, s.refresh = None, False
        s.distance = distance = self.distance(s)
        out = Outcome(s.value, s.measure, 1.0, F_prev - s.value, noise_prev, None)
        out.distance = distance
        return out

    @staticmethod
    def _in_noise(s: SimpleNamespace, unseen: bool) -> bool:
        """Whether the gradient test passes where the last unit step, which
        made poor progress, was rounding's: it changed the objective by no
        more than the value's rounding noise (``unseen``), or ``P`` is exact
        to rounding there (no raw prediction moved by more than
        ``SETTLED_MOVE`` since it was formed). The next step would be
        rounding's too."""
        if s.objective.constant_curvature or not s.measure <= s.threshold(s.value):
            return False
        if unseen or s.Z_built is None:
            return unseen
        return max_abs(s.Z - s.Z_built) <= SETTLED_MOVE

    @staticmethod
    def _slow(s: SimpleNamespace, previous: float) -> bool:
        """Whether the kept ``P``'s steps, converging by the gradient ratio of
        the last one, would take more iterations to reach the threshold than
        a refresh and the steps after it: two (Newton's, in their quadratic
        phase: the last fresh ``P`` brought the gradient down tenfold or
        more), or else as many as the last fresh ``P``'s ratio takes (a
        fresh ``P`` that brings no faster progress, where the curvature is
        nearly singular, is not worth forming)."""
        if s.objective.constant_curvature or not 0 < s.measure < previous:
            return False
        target = s.threshold(s.value)
        if not s.measure > target:
            return False
        if s.cost is None:
            from . import refresh_cost  # the package's cost model

            s.cost = refresh_cost(s.objective)
        gap = math.log(s.measure / target)
        fresh = 2.0
        if s.fresh_ratio is not None and s.fresh_ratio > 0.1:
            fresh = max(fresh, gap / math.log(1 / min(s.fresh_ratio, 0.5)))
        return gap / math.log(previous / s.measure) > s.cost + fresh

    def _curvature(self, s: SimpleNamespace) -> bool:
        """``P`` at ``s.V`` (its factors without L1), due for no refresh:
        whether it is finite (else none is kept)."""
        s.curvature, s.factors, s.P = None, {}, None  # the old ones go before the new
        P = s.objective.curvature_matrices(s.Z)
        if not bool(namespace(P).all(namespace(P).isfinite(P))):
            return False
        self._install(s, P, s.Z)
        return True

    @staticmethod
    def _install(s: SimpleNamespace, P: Array, Z: Array) -> None:
        """``P`` (formed at the raw predictions ``Z``) as the curvature."""
        has_l1 = s.objective.has_l1
        s.size, s.curvature, s.refresh = P.shape[1], P if has_l1 else factor(P), False
        # kept on NumPy only: a Dask Z held here would keep its chunks on the workers
        s.Z_built, s.factors = Z if isinstance(Z, np.ndarray) else None, {}
        s.P = P if getattr(s.objective, "carry_curvature", False) else None
        quadratic = s.objective.constant_curvature and not has_l1
        s.model = P if quadratic and isinstance(P, np.ndarray) else None

    @staticmethod
    def _direction(s: SimpleNamespace) -> tuple[Array, Array | None]:
        """The step at ``s.V`` for the current curvature (orthant-wise with L1)."""
        if s.objective.has_l1:
            return orthant_step(s.objective, s.curvature, s.V, s.r, s.factors)
        return astype(solve(s.curvature, s.size, s.grad), s.V.dtype), None

    def distance(self, s: SimpleNamespace) -> float:
        """Where the gradient test passes, the relative distance that the next
        step estimates (:func:`relative_distance`), with the step kept for
        the next iteration; a curvature that is only estimated is first made
        exact, which is what the distance and the steps from here need."""
        s.next = None
        if not s.measure <= s.threshold(s.value):
            return math.inf
        # formed here, at s.V (no refresh due); non-finite: the next iteration says so
        due = exact_curvature(s.objective) or s.curvature is None
        if due and not self._curvature(s):
            return math.inf
        s.next = self._direction(s)
        return relative_distance(s.objective, s.V, s.next[0])

    def finalize(self, s: SimpleNamespace) -> Array:
        """``s.V``; where the objective asks for it (``carry_curvature``, a
        path's fits), the last ``P`` kept on it for the next fit."""
        if s.P is not None:
            s.objective.carried_curvature = Carried.of(s.objective, s.P, s.Z_built)
        return s.V


@dataclass
class Carried:
    r"""The data part of a curvature ``P`` formed at raw predictions ``Z``,
    for the next fit on the same data with another L2 strength (a path):
    :meth:`at` gives that fit's ``P`` at the same ``Z``, the coordinates'
    scale ``s`` changed and the ridge :math:`\lambda_2 s^2` replaced, without
    reading ``X``. For NumPy data and losses whose outputs are not coupled
    (the softmax's one block holds a shift that depends on the penalty,
    :func:`gdlearn._curvature.curvature_matrices`)."""

    X: Any
    Y: Any
    offset: Array
    scale: Array
    intercept_scale: float
    ridge: Array
    P: Array
    Z: Array

    @classmethod
    def of(cls, objective: Objective, P: Array, Z: Array) -> Carried | None:
        design = objective.design
        if namespace(P) is not np or objective.loss.coupled:
            return None  # the softmax's block also carries a shift (_couple)
        return cls(
            design.X,
            objective.Y,
            design.offset,
            design.scale,
            design.intercept_scale,
            _ridge(objective),
            P,
            Z,
        )

    def fits(self, objective: Objective) -> bool:
        """Whether ``objective`` has this one's data, targets and offsets."""
        design = objective.design
        return (
            design.X is self.X
            and objective.Y is self.Y
            and design.intercept_scale == self.intercept_scale
            and design.scale.shape == self.scale.shape
            and bool(np.array_equal(design.offset, self.offset))
        )

    def at(self, objective: Objective) -> Array:
        """``P`` in ``objective``'s coordinates and with its L2 strength."""
        design = objective.design
        p, q = design.n_features, design.n_columns
        ratio = np.ones(q)
        old = np.asarray(self.scale, dtype=np.float64)
        ratio[:p] = np.where(old > 0, design.scale / np.where(old > 0, old, 1.0), 0.0)
        data = self.P - np.diag(self.ridge)[None, ...]  # one (q, q) block per output
        return data * np.outer(ratio, ratio)[None, ...] + np.diag(_ridge(objective))


def _ridge(objective: Objective) -> Array:
    r"""The L2 part of a block's diagonal, :math:`\lambda_2 s^2` on the
    coefficients (0 on the intercept)."""
    design = objective.design
    ridge = np.zeros(design.n_columns)
    ridge[: design.n_features] = (
        objective.l2.alpha * np.asarray(design.scale, dtype=np.float64) ** 2
    )
    return ridge


def exact_curvature(objective: Objective) -> bool:
    """Make ``objective``'s curvature matrices exact from here on (every
    sample, summed in the data's precision) where they were an estimate
    (``curvature_rows`` and ``curvature_single``): whether they were. A
    constant curvature (the squared error) is formed from every sample
    already, so it is never an estimate."""
    rows = getattr(objective, "curvature_rows", None)
    n = getattr(objective, "n_samples", 0)
    constant = getattr(objective, "constant_curvature", False)
    estimated = rows is not None and n > rows and not constant
    if estimated:
        objective.curvature_rows, objective.curvature_single = n, False
    return estimated


def minimize_newton(
    objective: Objective,
    V0: Array,
    *,
    learning_rate: float | None = None,
    max_iter: int = 100,
    tol: float = 1e-4,
    verbose: int = 0,
    threshold: Threshold | None = None,
) -> OptimizeResult:
    """Minimize ``objective`` by Newton's method; see the module docstring.

    ``threshold``, a function of the objective's value, replaces the
    stopping threshold when this method continues the fit of another.

    Examples
    --------
    >>> import numpy as np
    >>> from gdlearn._objective import Objective
    >>> from gdlearn.losses import SquaredError
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> y = X @ np.array([1.0, -1.0])
    >>> obj = Objective(X, y[:, None], np.ones(3), SquaredError(), fit_intercept=False)
    >>> res = minimize_newton(obj, obj.zeros(), tol=1e-12)
    >>> res.n_iter, np.round(obj.to_coef(res.params)[0].ravel(), 12)
    (1, array([ 1., -1.]))
    """
    return Newton(learning_rate).solve(
        objective, V0, max_iter=max_iter, tol=tol, verbose=verbose, threshold=threshold
    )
