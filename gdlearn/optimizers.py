"""Gradient descent, built from small pieces.

One iteration of :func:`minimize` from the point ``Y`` (the current iterate,
or with momentum an extrapolation past it) is

1. **gradient**: ``grad = ∇F(Y)`` of the smooth part ``F`` (data term + L2);
2. **step**: ``X_new = l1_step(Y, grad, step)``, a gradient step
   ``Y - step * grad`` in which the L1 part is handled either by its proximal
   operator (:func:`proximal_step`) or by its subgradient
   (:func:`subgradient_step`);
3. **step size**: the ``step_rule`` accepts ``X_new`` or shrinks ``step`` and
   goes back to 2 (:class:`Backtracking`), or always accepts it
   (:class:`ConstantStep`);
4. **momentum**: the next ``Y`` is ``X_new + beta (X_new - X)`` with ``beta``
   from :class:`Nesterov` (restarted when it stops helping) or 0
   (:class:`NoMomentum`);
5. **stop** when the gradient mapping :math:`(Y - X_{new}) / \\mathrm{step}`
   is small: :math:`\\lVert\\cdot\\rVert_\\infty \\le \\mathrm{tol} \\cdot
   \\max(\\lVert \\nabla F(0) \\rVert_\\infty, 5 \\sqrt{|f|})` (see
   :func:`_threshold`). Without L1 it is the gradient itself; with L1 it is
   zero exactly at a minimizer, like the distance from :math:`-\\nabla F` to
   the subdifferential. Both references (the gradient at zero coefficients,
   and the square root of the objective) make ``tol`` independent of the
   units of the target.

:func:`minimize_newton` replaces steps 2-4: the step is ``-P^{-1} grad``
with ``P`` the curvature of the objective (orthant-wise with an L1 part),
and its length comes from a line search along that direction.
:func:`minimize_lbfgs` does the same for smooth objectives with ``P^{-1}``
approximated from the last gradient changes, so that nothing is factored,
and may hand a slow fit over to :func:`minimize_newton`.

The objective is reached through raw predictions ``Z = objective.raw(V)``,
which are linear in ``V``. The extrapolated ``Z`` is the same combination of
the iterates' ``Z``, so an iteration reads ``X`` twice (one ``raw`` and one
``smooth_gradient``) plus once per rejected step.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from scipy.linalg import LinAlgError, get_lapack_funcs

from ._array_api import (
    any_nonzero,
    astype,
    column_stack,
    copy,
    dot,
    eye,
    max_abs,
    namespace,
    vdot,
)

__all__ = [
    "Backtracking",
    "ConstantStep",
    "Nesterov",
    "NoMomentum",
    "OptimizeResult",
    "minimize",
    "minimize_lbfgs",
    "minimize_newton",
    "proximal_step",
    "subgradient_step",
]


# -- how the L1 part is handled -------------------------------------------------
def proximal_step(objective, Y, grad, step):
    """Proximal gradient step :math:`\\operatorname{prox}_{s \\lambda_1
    \\lVert\\cdot\\rVert_1}(Y - s \\nabla F(Y))`: soft-thresholding, exact zeros."""
    X = Y - step * grad
    return objective.l1_prox(X, step) if objective.has_l1 else X


def subgradient_step(objective, Y, grad, step):
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
    X = Y - step * objective.l1_min_norm_subgradient(Y, grad)
    p = objective.n_features
    crossed = xp.sign(X[:p, :]) * xp.sign(Y[:p, :]) < 0
    X[:p, :] = xp.where(crossed, 0.0, X[:p, :])
    return X


# -- step size --------------------------------------------------------------------
class Backtracking:
    """Step size by backtracking: start at ``initial``, halve until accepted.

    A step ``D = X_new - Y`` of size ``s`` is accepted when the smooth part
    lies under its quadratic model,

    .. math:: F(X_{new}) \\le F(Y) + \\nabla F(Y)^\\top D + \\tfrac{1}{2s}
              \\lVert D \\rVert^2,

    which holds for every ``s <= 1/L`` (``L`` the gradient's Lipschitz
    constant), so the accepted step never falls below ``1/(2L)`` and the
    iterates never diverge. The accepted step is kept for the next
    iteration. ``F(Y)`` arrives with its rounding error added, so that steps
    lost in the rounding of ``F`` are not mistaken for bad ones.
    """

    adaptive = True

    def __init__(self, initial: float = 1.0, shrink: float = 0.5):
        self.initial, self.shrink = initial, shrink

    def accepts(self, F_new, F_y, grad, D, step):
        return F_new <= F_y + vdot(grad, D) + vdot(D, D) / (2 * step)


class ConstantStep:
    """A fixed step size ``learning_rate``: every step is accepted."""

    adaptive = False

    def __init__(self, learning_rate: float):
        self.initial = learning_rate

    def accepts(self, F_new, F_y, grad, D, step):
        return True


# -- momentum -----------------------------------------------------------------------
class NoMomentum:
    """Plain gradient descent: the next point is the new iterate."""

    def next(self, restart):
        return 0.0


class Nesterov:
    """Nesterov / FISTA momentum with adaptive restart.

    :math:`t_{k+1} = (1 + \\sqrt{1 + 4 t_k^2}) / 2`, :math:`\\beta_k = (t_k - 1)
    / t_{k+1}`. The sequence restarts at :math:`t = 1` (no momentum) when the
    objective went up or the step opposed the momentum, the gradient test
    :math:`(Y - X_{new})^\\top (X_{new} - X) > 0` of O'Donoghue and Candès
    (2015), which recovers linear convergence on strongly convex problems
    without knowing the strong convexity constant.
    """

    def __init__(self):
        self.t = 1.0

    def next(self, restart):
        if restart:
            self.t = 1.0
            return 0.0
        t_next = (1 + (1 + 4 * self.t**2) ** 0.5) / 2
        beta = (self.t - 1) / t_next
        self.t = t_next
        return beta


# -- the loop -------------------------------------------------------------------------
@dataclass
class OptimizeResult:
    """What :func:`minimize` returns."""

    params: np.ndarray
    n_iter: int
    converged: bool
    loss_curve: list = field(default_factory=list)
    step: float = 0.0
    message: str = ""


def _max_iter_message(max_iter):
    return (
        f"did not converge in max_iter={max_iter} iterations: increase max_iter, "
        "or raise tol to accept a less exact solution"
    )


def _stop_message(it, converged, gradient, threshold):
    """Why the loop stopped when no step decreased the objective."""
    if converged:
        return f"converged in {it} iterations"
    return (
        f"stalled after {it} iterations: no step decreases the objective at this "
        f"precision (gradient {gradient:.2e} against {threshold:.2e} wanted). Raise "
        "tol, or add a penalty if the minimum is at infinity (separable classes "
        "without one)"
    )


class _Stall:
    """Counts the iterations in a row that neither change the objective by
    more than its rounding noise nor bring the gradient measure 10% below
    where the count started: ``patience`` of them means rounding, not the
    method, sets the pace, and more iterations would change nothing."""

    def __init__(self, patience):
        self.patience, self.count, self.mark = patience, 0, np.inf

    def __call__(self, decrease, noise, gradient):
        if abs(decrease) > noise or gradient < 0.9 * self.mark:
            self.count, self.mark = 0, gradient
        else:
            self.count += 1
        return self.count >= self.patience


def _unbounded(it):
    return (
        f"stopped after {it} iterations: the classes are perfectly separated, so "
        "without a penalty the objective has no minimum and the coefficients would "
        "grow without bound. Use a finite C for a solution"
    )


def _diverged(learning_rate):
    return ValueError(
        f"Gradient descent diverged: learning_rate={float(learning_rate):.6g} is too large "
        "for this data. Use learning_rate='auto' (backtracking, never diverges) "
        "or a smaller value."
    )


def minimize(
    objective,
    V0,
    *,
    step_rule,
    l1_step=proximal_step,
    momentum=None,
    max_iter=1000,
    tol=1e-4,
    verbose=0,
):
    """Minimize ``objective`` from ``V0``; see the module docstring.

    Returns an :class:`OptimizeResult` whose ``loss_curve`` holds the full
    objective (smooth part plus L1) after every iteration.

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
    momentum = momentum if momentum is not None else NoMomentum()
    started = time.perf_counter()
    # setup: iterate X, its predecessor, and their raw predictions
    X = V0
    Z = objective.raw_start(X)
    f_x = f_start = objective.smooth_value(Z, X) + objective.l1_value(X)
    X_prev, Z_prev = X, Z
    threshold = None if not any_nonzero(V0) else _threshold(tol, objective, None)
    step = step_rule.initial
    beta = 0.0
    curve = []
    converged = False
    message = _max_iter_message(max_iter)
    report = _report_schedule(verbose)
    stall = _Stall(patience=200)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for it in range(1, max_iter + 1):
            # gradient at the extrapolated point Y
            Y = X + beta * (X - X_prev) if beta else X
            Z_y = Z + beta * (Z - Z_prev) if beta else Z
            F_y, grad, noise = objective.smooth_value_and_gradient(Z_y, Y)
            if threshold is None:  # started from zero: this is the gradient at zero
                threshold = _threshold(tol, objective, grad)
            # step, shrunk until the step rule accepts it
            while True:
                X_new = l1_step(objective, Y, grad, step)
                D = X_new - Y
                stalled = not any_nonzero(D)  # no step size moves Y: rounding level
                if stalled:
                    break
                Z_new = objective.raw(X_new)
                F_new = objective.smooth_value(Z_new, X_new)
                if math.isfinite(F_new) and step_rule.accepts(
                    F_new, F_y + noise, grad, D, step
                ):
                    break
                if not step_rule.adaptive:
                    raise _diverged(step_rule.initial)
                step *= step_rule.shrink
            if stalled:
                stationarity = _stationarity(objective, Y, grad)
                f_y = F_y + objective.l1_value(Y)
                wanted = threshold(f_y)
                converged = stationarity <= wanted
                message = _stop_message(it, converged, stationarity, wanted)
                X = Y
                curve.append(f_y)
                break
            f_new = F_new + objective.l1_value(X_new)
            if not step_rule.adaptive and not f_new <= 1e4 * f_start + 1e-12:
                raise _diverged(step_rule.initial)
            curve.append(f_new)
            # momentum for the next iteration
            restart = f_new > f_x + noise or vdot(-D, X_new - X) > 0
            beta = momentum.next(restart)
            X_prev, Z_prev, f_prev = X, Z, f_x
            X, Z, f_x = X_new, Z_new, f_new
            if objective.unbounded(Z):
                message = _unbounded(it)
                break
            # convergence: the gradient mapping (Y - X_new) / step
            mapping = max_abs(D) / step
            if report(it):
                _print_progress(it, f_new, mapping, step, started)
            if mapping <= threshold(f_new):
                converged = True
                message = f"converged in {it} iterations"
                break
            if stall(f_prev - f_new, noise, mapping):
                message = _stop_message(it, False, mapping, threshold(f_new))
                break
    if verbose:
        print(message)
    return OptimizeResult(X, it, converged, curve, step, message)


def minimize_newton(
    objective,
    V0,
    *,
    learning_rate=None,
    max_iter=100,
    tol=1e-4,
    verbose=0,
    threshold=None,
):
    """Minimize ``objective`` by gradient steps in the metric of its curvature.

    Each iteration steps along :math:`D = -P^{-1} \\nabla F(V)`, with ``P``
    the curvature of :meth:`~gdlearn._objective.Objective.curvature_matrices`
    (the Hessian, or its diagonal blocks for the softmax), and takes the
    first step size ``t`` in 1, 1/2, 1/4, ... that decreases the objective
    enough (Armijo: :math:`F(V + tD) \\le F(V) + 10^{-4}\\, t\\, \\nabla F^\\top D`),
    or the constant ``t = learning_rate`` when one is given.
    ``P`` is the exact Hessian for the squared error, so one unit step
    solves least squares. For cross-entropy it is recomputed at the current
    point only when the last step made poor progress (it had to be shortened,
    or the gradient fell by less than a factor 4); otherwise the previous ``P``
    is kept as a fixed preconditioner. With ``P`` refreshed at every
    iteration this would be Newton's method.

    An iteration reads ``X`` once for the raw predictions ``Z`` of the trial
    point, once for the gradient, and a third time (with ``p`` times the
    work) when it refreshes ``P``. A trial step that is cut short costs
    another pass for its ``Z``; the unit step is taken at almost every
    iteration, and so only one array of ``Z``'s size lives through the
    iteration (beside the targets and the loss's derivative): with many
    classes those arrays are the largest the fit makes. Stopping is the
    same as :func:`minimize`'s (:func:`_threshold`); ``threshold``, a
    function of the objective's value, replaces it when this method
    continues the fit of another (see :func:`minimize_lbfgs`).

    With an L1 part the steps are orthant-wise (Andrew and Gao's OWL-QN,
    with the exact curvature in place of L-BFGS's): the gradient is replaced
    by the minimum-norm subgradient ``r`` (zero on a coefficient at zero whose
    gradient the penalty absorbs), the step solves :math:`P_{FF} D_F = -r_F`
    on the free coefficients ``F`` (nonzero, or at zero with ``r`` pushing
    them off; one that the solution would move against :math:`-r` stays at
    zero), follows the L1 slope the curvature cannot see to the next zero,
    and a coefficient that the step carries across zero stops at zero. Zeros are
    exact, the support settles in a few steps, and from then on the steps are
    Newton's on the free coefficients.

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
    started = time.perf_counter()
    l1 = objective.has_l1
    V = V0
    Z = objective.raw_start(V)
    F, grad, noise = objective.smooth_value_and_gradient(Z, V)
    F += objective.l1_value(V)
    f_start = F
    if threshold is None:
        threshold = _threshold(tol, objective, None if any_nonzero(V0) else grad)
    r = objective.l1_min_norm_subgradient(V, grad) if l1 else grad
    gnorm = max_abs(r)
    curvature, refresh = None, True  # P's factors (P itself with L1)
    curve, converged, it = [], gnorm <= threshold(F), 0
    message = _max_iter_message(max_iter)
    report = _report_schedule(verbose)
    stall = _Stall(patience=5)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while not converged and it < max_iter:
            it += 1
            if refresh or curvature is None:
                curvature = None  # the old one goes before the new one is formed
                P = objective.curvature_matrices(Z)
                size, curvature = P.shape[1], P if l1 else _factor(P)
                del P
            if l1:
                D, orthant = _orthant_step(objective, curvature, V, r)
            else:
                D = astype(_solve(curvature, size, grad), V.dtype)
            # Each trial point's Z is read from X: Z itself is not kept beside it
            Z = None
            t = 1.0 if learning_rate is None else learning_rate
            while True:
                V_new = V + t * D
                if l1:
                    _stop_at_zero(V_new, orthant, objective.n_features)
                Z_new = objective.raw(V_new)
                F_new = objective.smooth_value(Z_new, V_new)
                F_new += objective.l1_value(V_new)
                slope = vdot(r, V_new - V)
                if learning_rate is not None:
                    if not F_new <= 1e4 * abs(f_start) + 1e-12:
                        raise _diverged(learning_rate)
                    break
                if F_new <= F + noise + 1e-4 * slope:
                    break
                t, Z_new = 0.5 * t, None  # the rejected Z goes before the next
                if not any_nonzero(V_new - V) or t < 1e-20:
                    break
            if learning_rate is None and not F_new <= F + noise + 1e-4 * slope:
                converged = gnorm <= threshold(F)
                message = _stop_message(it, converged, gnorm, threshold(F))
                curve.append(F)
                break
            V, Z, F_prev, noise_prev = V_new, Z_new, F, noise
            F, grad, noise = objective.smooth_value_and_gradient(Z, V)
            F += objective.l1_value(V)
            curve.append(F)
            if objective.unbounded(Z):
                message = _unbounded(it)
                break
            r = objective.l1_min_norm_subgradient(V, grad) if l1 else grad
            previous, gnorm = gnorm, max_abs(r)
            refresh = not objective.loss.constant_curvature and (
                t < 1 or gnorm > 0.25 * previous
            )
            if report(it):
                _print_progress(it, F, gnorm, t, started)
            converged, stop, message = _stopping(
                it, gnorm, threshold(F), stall(F_prev - F, noise_prev, gnorm), message
            )
            if stop:
                break
    if verbose:
        print(message)
    return OptimizeResult(V, it, converged, curve, 1.0, message)


def minimize_lbfgs(
    objective, V0, *, memory=10, max_iter=1000, tol=1e-4, verbose=0, newton_cost=None
):
    """Minimize a smooth ``objective`` by gradient steps shaped by the last
    ``memory`` changes of the gradient (limited-memory BFGS).

    Each iteration steps along :math:`D = -H \\nabla F(V)`, where ``H``
    approximates the inverse curvature from the pairs :math:`s = V_{t+1} -
    V_t`, :math:`y = \\nabla F(V_{t+1}) - \\nabla F(V_t)` of the last
    ``memory`` iterations (Nocedal's two-loop recursion, scaled by
    :math:`s^\\top y / y^\\top y`), so that no curvature matrix is formed or
    factored: the method for more unknowns than :func:`minimize_newton`
    factors quickly. The step size is the first of 1, 1/2, 1/4, ... that
    decreases the objective enough (Armijo), and raw predictions are linear
    in ``V``, so trial steps cost no pass over ``X``: an iteration reads
    ``X`` once for ``Z(D)`` and once for the gradient, the floor of any
    gradient method. A pair with :math:`s^\\top y \\le 0` (no measurable
    curvature) is not kept. Stopping is :func:`minimize_newton`'s. L1
    penalties are not handled here.

    For a loss of constant curvature (least squares) the smooth part is a
    parabola along ``D``, and the step goes to its minimum: the second pass
    over ``X`` computes :math:`H D` (``objective.hessian_product``) instead
    of the gradient, which then follows as :math:`\\nabla F + t H D` and
    the value as :math:`F + t\\, \\nabla F^\\top D / 2`, so that nothing
    of ``Z``'s size is updated: this is conjugate gradients, with
    :math:`s^\\top y = t^2 D^\\top H D` exactly. ``X`` is read afresh
    every 100 iterations (and when a fit stops short of ``tol``), so that
    rounding cannot accumulate: carried over 100 iterations it stays below
    the stopping threshold's floor. On the sparse benchmark problem an
    iteration went from 1.5-1.8 to 1.2-1.4 times the cost of the two
    products.

    With ``newton_cost``, what :func:`minimize_newton` would need to finish
    the fit (counted in iterations of this method), L-BFGS hands the fit
    over to Newton's method when its own progress predicts more iterations
    than that: from the 5th iteration on, the gradient's max-norm is
    extrapolated at the faster of its average rate of decrease since the
    start and over the last 5 iterations, down to the stopping threshold.
    Well-conditioned problems (after the diagonal preconditioning) converge
    in 10 to 50 iterations and never hand over; strongly correlated features
    (raw images, near-collinear measurements) slow L-BFGS to hundreds of
    iterations, which Newton's method takes in about ten.

    Examples
    --------
    >>> import numpy as np
    >>> from gdlearn._objective import Objective
    >>> from gdlearn.losses import SquaredError
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> y = X @ np.array([1.0, -1.0])
    >>> obj = Objective(X, y[:, None], np.ones(3), SquaredError(), fit_intercept=False)
    >>> res = minimize_lbfgs(obj, obj.zeros(), tol=1e-12)
    >>> res.converged, np.round(obj.to_coef(res.params)[0].ravel(), 10)
    (True, array([ 1., -1.]))
    """
    started = time.perf_counter()
    V = V0
    Z = objective.raw_start(V)
    F, grad, noise = objective.smooth_value_and_gradient(Z, V)
    threshold = _threshold(tol, objective, None if any_nonzero(V0) else grad)
    gnorm = g_start = max_abs(grad)
    marks = deque([gnorm], maxlen=6)  # the gradient's last max-norms, for the rate
    handed_over = False
    pairs = deque(maxlen=memory)
    curve, converged, it = [], gnorm <= threshold(F), 0
    message = _max_iter_message(max_iter)
    report = _report_schedule(verbose)
    stall = _Stall(patience=5)
    quadratic = objective.loss.constant_curvature
    recursed = False  # F and grad carried by the parabola since X was last read
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while not converged and it < max_iter:
            it += 1
            if it % 100 == 0:  # rounding drifts Z + t U and the recursion: read X
                Z = objective.raw(V)
                if recursed:
                    F, grad, noise = objective.smooth_value_and_gradient(Z, V)
                    recursed = False
            D = _two_loop(grad, pairs)
            slope = vdot(grad, D)
            if not slope < 0:  # rounding spoilt the memory: a plain gradient step
                pairs.clear()
                D, slope = -grad, -vdot(grad, grad)
            U = objective.raw(D)
            F_prev, noise_prev = F, noise
            if quadratic:
                HD = objective.hessian_product(U, D)
                curvature = float(vdot(D, HD))
            if quadratic and 0 < curvature < math.inf:
                # a parabola along D: step to its minimum (exact line search,
                # which makes L-BFGS conjugate gradients on a quadratic), where
                # the gradient is grad + t H D and the value F + t slope / 2:
                # the iteration reads X twice, for U and for H D, and nothing
                # of Z's size is updated
                t = -float(slope) / curvature
                step, change = t * D, t * HD
                V, grad, F = V + step, grad + change, F + 0.5 * t * float(slope)
                U = HD = Z = None
                recursed = True
            else:
                t = 1.0
                Z = objective.raw(V) if Z is None else Z
                while True:
                    V_new, Z_new = V + t * D, t * U
                    Z_new += Z  # Z + t U, with no temporary of Z's size
                    F_new = objective.smooth_value(Z_new, V_new)
                    if F_new <= F + noise + 1e-4 * t * slope or t < 1e-20:
                        break
                    t, Z_new = 0.5 * t, None  # the rejected Z goes before the next
                if not F_new <= F + noise + 1e-4 * t * slope:
                    converged = gnorm <= threshold(F)
                    message = _stop_message(it, converged, gnorm, threshold(F))
                    curve.append(F)
                    break
                grad_prev = grad
                U = Z = None  # before the gradient's temporaries
                F, grad, noise = objective.smooth_value_and_gradient(Z_new, V_new)
                step, change = V_new - V, grad - grad_prev
                V, Z = V_new, Z_new
            curvature = dot(step, change)
            if float(curvature) > 0:
                pairs.append((step, change, 1 / curvature))
            gnorm = max_abs(grad)
            # the parabola's decrease is exact, however small beside F's rounding
            stalled = stall(F_prev - F, 0.0 if recursed else noise_prev, gnorm)
            if recursed and (stalled or it == max_iter):
                # a fit that stops short says where it is from X itself. The
                # recursion's rounding, eps times the sum of the gradient's
                # changes over at most 100 iterations (about twice the sum of
                # its norms), stays below the threshold's floor of 300 eps
                # times the gradient at zero: a converged fit needs no check
                Z = objective.raw(V)
                F, grad, noise = objective.smooth_value_and_gradient(Z, V)
                gnorm, recursed = max_abs(grad), False
            curve.append(F)
            if Z is not None and objective.unbounded(Z):
                message = _unbounded(it)
                break
            marks.append(gnorm)
            if report(it):
                _print_progress(it, F, gnorm, t, started)
            converged, stop, message = _stopping(
                it, gnorm, threshold(F), stalled, message
            )
            if stop:
                break
            if newton_cost is not None and 5 <= it < max_iter:
                rate = min((gnorm / g_start) ** (1 / it), (gnorm / marks[0]) ** 0.2)
                rate = min(max(rate, 1e-300), 1 - 1e-12)
                left = math.log(threshold(F) / gnorm) / math.log(rate)
                if left > newton_cost:
                    handed_over = True
                    message = (
                        f"handed over to Newton's method after {it} iterations "
                        f"(about {left:.0f} more at L-BFGS's rate)"
                    )
                    break
    if verbose:
        print(message)
    if handed_over:
        rest = minimize_newton(
            objective,
            V,
            max_iter=max_iter - it,
            tol=tol,
            verbose=verbose,
            threshold=threshold,
        )
        total, message = it + rest.n_iter, rest.message
        if rest.converged:
            message = f"converged in {total} iterations"
        elif total >= max_iter:
            message = _max_iter_message(max_iter)
        return OptimizeResult(
            rest.params,
            total,
            rest.converged,
            curve + rest.loss_curve,
            1.0,
            f"{message} (the first {it} by L-BFGS, the rest by Newton's method)",
        )
    return OptimizeResult(V, it, converged, curve, 1.0, message)


def _two_loop(grad, pairs):
    """:math:`-H \\nabla F` by Nocedal's two-loop recursion over ``pairs`` of
    ``(s, y, 1 / s^T y)``, oldest first; the plain gradient step without any.
    The inner products stay on the array's device."""
    q, alphas = grad, []
    for s, y, rho in reversed(pairs):
        alpha = rho * dot(s, q)
        alphas.append(alpha)
        q = q - alpha * y
    if pairs:
        s, y, _ = pairs[-1]
        q = (dot(s, y) / dot(y, y)) * q
    for (s, y, rho), alpha in zip(pairs, reversed(alphas), strict=True):
        q = q + (alpha - rho * dot(y, q)) * s
    return -q


def _orthant_step(objective, P, V, r):
    """The orthant-wise Newton step ``D`` at ``V`` for the minimum-norm
    subgradient ``r``, and the orthant (sign of each coefficient) it keeps to.

    Free unknowns are the intercept, the nonzero coefficients, and the zero
    ones that ``r`` pushes off zero; on them ``D`` solves :math:`P_{FF} D_F =
    -r_F`. A zero coefficient whose component would move it against
    :math:`-r` is fixed at zero and the step solved again without it.
    """
    xp = namespace(V)
    at_zero = V == 0
    at_zero[objective.n_features :, :] = False  # the intercept is never held at 0
    free = ~at_zero | (r != 0)
    penalized = copy(V)  # the coefficients that L1 can bring to zero
    penalized[objective.n_features :, :] = 0.0
    for _ in range(3):  # fixing some at zero can turn others: a few rounds
        D = astype(_solve_free(P, r, free, penalized), V.dtype)
        wrong = at_zero & (D * r >= 0)
        if not xp.any(wrong & free):
            break
        free = free & ~wrong
    D = xp.where(wrong, 0.0, D)  # any left after the rounds
    orthant = xp.where(V != 0, xp.sign(V), -xp.sign(r))
    return D, orthant


def _solve_free(P, r, free, V):
    """:func:`_solve_block` on the unknowns ``free`` (shaped like ``r``), zero elsewhere."""
    q, k = r.shape
    if P.shape[1] == q * k and k > 1:  # one coupled block, unknowns output by output
        xp = namespace(r)
        flat = [xp.reshape(A.T, (-1,)) for A in (free, r, V)]
        return xp.reshape(_solve_block(P[0, ...], *flat), (k, q)).T
    # a block per output, or one shared by all
    blocks = [P[c, ...] if P.shape[0] == k else P[0, ...] for c in range(k)]
    return column_stack(
        [_solve_block(blocks[c], free[:, c], r[:, c], V[:, c]) for c in range(k)]
    )


def _solve_block(block, mask, r, v):
    """``-P_FF^+ r_F`` for the unknowns ``mask`` of one curvature block (zero
    elsewhere), plus a step along the part of ``r_F`` that ``P_FF`` does not see.

    The unknowns outside ``mask`` are decoupled rather than cut out: their
    rows and columns of the block become a multiple of the identity and
    their right-hand side zero, so the solve keeps its shape (and runs as is
    on any array library) and gives exactly zero there.

    Where the smooth part is flat (fewer samples than features, duplicated
    columns) the L1 part still slopes, and the pseudo-inverse's step ignores
    that slope. Along that flat part the objective is linear until a
    coefficient of ``v`` reaches zero, so the step goes exactly that far (or
    :math:`1/L`, ``L`` a bound on :math:`P_{FF}`'s largest eigenvalue, when
    no coefficient shrinks along it).
    """
    xp = namespace(block)
    m = astype(mask, block.dtype)
    g, v = astype(r, block.dtype) * m, astype(v, block.dtype) * m
    n_free = float(xp.sum(m))
    if not n_free:
        return g
    diagonal = np.diag(block) if xp is np else xp.linalg.diagonal(block)
    level = float(xp.sum(diagonal * m)) / n_free or 1.0
    sub = block * (m[:, None] * m[None, :]) + eye(m.shape[0], like=block) * (
        level * (1 - m)
    )
    (solve,) = _factor(sub[None, ...])
    d = -solve(g) * m
    unseen = g + sub @ d  # g - P P^+ g: the component of g in P's null space
    if max_abs(unseen) > 1e-8 * max_abs(g):
        ratio = xp.where(unseen * v > 0, v / unseen, xp.inf)
        first = int(xp.argmin(ratio))
        if math.isfinite(float(ratio[first])):
            d = d - ratio[first] * unseen
            d[first] = -v[first]  # exactly: a unit step ends at zero, not an ulp off
        else:
            d = d - unseen / float(xp.max(xp.sum(xp.abs(sub), axis=1)))
    return d


def _stop_at_zero(V_new, orthant, p):
    """Set to zero, in place, the coefficients of ``V_new`` that left
    ``orthant``; return whether any did."""
    xp = namespace(V_new)
    W_new = V_new[:p, :]
    crossed = (xp.sign(W_new) != orthant[:p, :]) & (W_new != 0)
    if not xp.any(crossed):
        return False
    V_new[:p, :] = xp.where(crossed, 0.0, W_new)
    return True


def _factor(P, rcond=1e-10):
    """A solver ``g -> P^+ g`` for each block of ``P`` (b, m, m).

    Cholesky when the block is well within full rank. When it is not (a
    constant or duplicated feature, fewer samples than features, or the
    softmax's shift along all classes, without a penalty) the block's
    eigenvalues below ``rcond`` times the largest count as zero and the step
    is the pseudo-inverse's: it leaves the null space, along which the
    objective is flat, alone, so that gradient descent and this method both
    reach the solution closest to their start. NumPy blocks factor with
    LAPACK's ``potrf``; other array libraries with their own Cholesky,
    whose triangular factor is inverted once per factorization (the array
    API has no triangular solve), so that each solve is two products.
    """
    xp = namespace(P)
    solvers = []
    for b in range(P.shape[0]):
        block = P[b, ...]
        solver = _cholesky_solver(block, rcond, xp)
        if solver is None:
            values, vectors = xp.linalg.eigh(block)
            keep = values > rcond * max(float(values[-1]), 0.0)
            inverse = xp.where(keep, 1 / xp.where(keep, values, 1.0), 0.0)
            solver = partial(_eigen_solve, vectors, inverse)
        solvers.append(solver)
    return solvers


def _cholesky_solver(block, rcond, xp):
    """``g -> block^-1 g`` by Cholesky, or None when the block is not safely
    positive definite (its pivots spread wider than ``1 / rcond``)."""
    try:
        if xp is np:
            # LAPACK's own potrf/potrs: scipy's cho_factor and cho_solve wrap
            # them in checks that cost more than the factorization of a
            # small block (the pivots are checked below)
            potrf, potrs = get_lapack_funcs(("potrf", "potrs"), (block,))
            factor, info = potrf(block, lower=False, clean=False)
            if info != 0:
                return None
            pivots = np.diag(factor) ** 2
        else:
            L = xp.linalg.cholesky(block)
            pivots = xp.linalg.diagonal(L) ** 2
    except (LinAlgError, RuntimeError, ValueError):  # numpy, torch, others
        return None
    smallest, largest = float(xp.min(pivots)), float(xp.max(pivots))
    if not smallest > rcond * largest or not math.isfinite(largest):
        return None
    if xp is np:
        return partial(_potrs_solve, potrs, factor)
    L_inv = xp.linalg.inv(L)
    return lambda g: L_inv.T @ (L_inv @ astype(g, L_inv.dtype))


def _potrs_solve(potrs, factor, g):
    """``block^-1 g`` from the Cholesky factor of ``block`` (LAPACK potrs)."""
    solution, _ = potrs(factor, g.astype(factor.dtype, copy=False), lower=False)
    return solution


def _eigen_solve(vectors, inverse, g):
    """``V diag(inverse) V^T g`` for ``g`` of shape (m,) or (m, k)."""
    coef = vectors.T @ astype(g, vectors.dtype)
    return vectors @ (coef * (inverse[:, None] if coef.ndim == 2 else inverse))


def _solve(solvers, size, grad):
    """``-P^+ grad`` for the blocks of ``curvature_matrices``: one block shared by
    every column of ``grad`` (q, k), one per column, or one for all of them."""
    q, k = grad.shape
    if len(solvers) == k and k > 1:
        return -column_stack([f(grad[:, c]) for c, f in enumerate(solvers)])
    (solve,) = solvers
    if size == q:
        return -solve(grad)
    xp = namespace(grad)
    return -xp.reshape(solve(xp.reshape(grad.T, (-1,))), (k, q)).T


def _print_progress(it, value, gradient, step, started):
    print(
        f"iter {it:6d}  objective {value:.10g}  gradient {gradient:.3e}"
        f"  step {step:.3e}  {time.perf_counter() - started:.3f}s"
    )


def _stopping(it, gnorm, threshold, stalled, message):
    """``(converged, stop, message)`` after iteration ``it`` of the Newton and
    L-BFGS loops: converged when the gradient measure meets ``threshold``,
    stopped without converging when rounding has stalled the progress."""
    if gnorm <= threshold:
        return True, True, f"converged in {it} iterations"
    if stalled:
        return False, True, _stop_message(it, False, gnorm, threshold)
    return False, False, message


#: The objective's own gradient scale, in units of sqrt(|f|): see _threshold.
OBJECTIVE_SCALE = 5.0


def _threshold(tol, objective, grad_at_zero):
    """The stopping threshold, a function of the objective's value ``f``:
    ``tol`` times the larger of the max-norm of the smooth part's gradient at
    zero (1 if that is 0) and :math:`5 \\sqrt{|f|}`, and at least 300
    machine epsilons of the data's dtype times the former.

    In the optimizer's coordinates the curvature is about 1 along each
    coefficient, where a gradient ``g`` leaves about :math:`g^2 / 2` of the
    objective to gain: :math:`\\sqrt{|f|}` is the gradient's own scale
    beside the objective, and it keeps a fit whose objective is large beside
    its gradient at zero from going on long after the objective has stopped
    moving. The factor 5 was set on the benchmark problems: with
    ``tol=1e-6`` every one stops within 1.4e-8 (relative) of its minimum, 1
    to 6 iterations sooner than the gradient at zero alone allows. The floor
    is what rounding allows: 6.7e-14 for float64 and 3.6e-5 for float32,
    where the implicitly centred gradient of raw (uncentred) data carries
    rounding errors of about 1e-5 relative to the gradient at zero.
    """
    if grad_at_zero is None:
        start = objective.zeros()
        grad_at_zero = objective.smooth_gradient(objective.raw(start), start)
    base = max_abs(grad_at_zero) or 1.0
    xp = namespace(objective.Y)
    floor = 300 * float(xp.finfo(objective.Y.dtype).eps) * base

    def threshold(f):
        scale = OBJECTIVE_SCALE * math.sqrt(abs(f)) if math.isfinite(f) else 0.0
        return max(tol * max(base, scale), floor)

    return threshold


def _stationarity(objective, V, grad):
    """Max-norm of the smallest element of the (sub)gradient of the objective at ``V``."""
    if objective.has_l1:
        grad = objective.l1_min_norm_subgradient(V, grad)
    return max_abs(grad)


def _report_schedule(verbose):
    """Which iterations to print: 1, 2, 5, 10, 20, 50, ... (more with verbose > 1)."""
    if not verbose:
        return lambda it: False
    if verbose > 1:
        return lambda it: True

    def report(it):
        mantissa = it / 10 ** int(np.log10(it))
        return mantissa in (1, 2, 5)

    return report
