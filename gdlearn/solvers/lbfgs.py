"""Limited-memory BFGS: gradient steps shaped by the last gradient changes.

Each iteration steps along :math:`D = -H \\nabla F(V)`, where ``H``
approximates the inverse curvature from the pairs :math:`s = V_{t+1} - V_t`,
:math:`y = \\nabla F(V_{t+1}) - \\nabla F(V_t)` of the last ``memory``
iterations (Nocedal's two-loop recursion, scaled by :math:`s^\\top y /
y^\\top y`), so that no curvature matrix is formed or factored: the method
for more unknowns than :class:`~gdlearn.solvers.newton.Newton` factors
quickly. The step size is the first of 1, 1/2, 1/4, ... that decreases the
objective enough (Armijo), and raw predictions are linear in ``V``, so trial
steps cost no pass over ``X``: an iteration reads ``X`` once for ``A D`` and
once for the gradient, the floor of any gradient method. A pair with
:math:`s^\\top y \\le 0` (no measurable curvature) is not kept. L1 penalties
are not handled here.

For a loss of constant curvature (least squares) the smooth part is a
parabola along ``D``, and the step goes to its minimum: the second pass over
``X`` computes :math:`H D` (``objective.hessian_product``) instead of the
gradient, which then follows as :math:`\\nabla F + t H D` and the value as
:math:`F + t\\, \\nabla F^\\top D / 2`, so that nothing of ``Z``'s size is
updated: this is conjugate gradients, with :math:`s^\\top y = t^2 D^\\top H
D` exactly. ``X`` is read afresh every ``REREAD`` iterations (and when a fit
stops short of ``tol``), so that rounding cannot accumulate: carried over 100
iterations it stays below the stopping threshold's floor.

With ``newton_cost``, what Newton's method would need to finish the fit
(counted in iterations of this method), L-BFGS hands the fit over to
Newton's method when its own progress predicts more iterations than that:
from the 5th iteration on, the gradient's max-norm is extrapolated at the
faster of its average rate of decrease since the start and over the last 5
iterations, down to the stopping threshold. Well-conditioned problems (after
the diagonal preconditioning) converge in 10 to 50 iterations and never hand
over; strongly correlated features (raw images, near-collinear measurements)
slow L-BFGS to hundreds of iterations, which Newton's method takes in about
ten.
"""

from __future__ import annotations

import math
from collections import deque
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .._array_api import dot, max_abs, vdot
from ._template import Outcome, Solver, relative_distance
from .newton import SMALLEST_STEP, Newton

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._objective import Objective
    from .._typing import Array, Threshold
    from ._template import OptimizeResult

#: Iterations between re-reads of ``X`` when the value and gradient are carried.
REREAD = 100


class LBFGS(Solver):
    """L-BFGS with backtracking, or the exact step on a parabola."""

    name = "lbfgs"
    title = "L-BFGS"

    def __init__(self, memory: int = 10, newton_cost: float | None = None) -> None:
        self.memory, self.newton_cost = memory, newton_cost

    def setup(self, objective: Objective, V0: Array) -> SimpleNamespace:
        point = objective.evaluate(V0, objective.raw_start(V0))
        grad, noise = objective.smooth_gradient(point)
        gnorm = max_abs(grad)
        return SimpleNamespace(
            objective=objective,
            V=V0,
            Z=point.Z,
            value=point.value,
            grad=grad,
            noise=noise,
            measure=gnorm,
            g_start=gnorm,
            marks=deque([gnorm], maxlen=6),  # the last max-norms, for the rate
            pairs=deque(maxlen=self.memory),
            recursed=False,  # value and gradient carried since X was last read
            it=0,
            next=None,  # the next step, where the distance's test took it
        )

    def iterate(self, s: SimpleNamespace) -> Outcome:
        objective = s.objective
        s.it += 1
        if s.it % REREAD == 0:  # rounding drifts Z + t U and the recursion: read X
            s.Z = objective.raw(s.V)
            if s.recursed:
                self._read(s)
        D = two_loop(s.grad, s.pairs) if s.next is None else s.next
        s.next = None
        slope = vdot(s.grad, D)
        if not slope < 0:  # rounding spoilt the memory: a plain gradient step
            s.pairs.clear()
            D, slope = -s.grad, -vdot(s.grad, s.grad)
        U = objective.raw(D)
        F_prev, noise_prev = s.value, s.noise
        if objective.constant_curvature:
            HD = objective.hessian_product(U, D)
            curvature = float(vdot(D, HD))
        if objective.constant_curvature and 0 < curvature < math.inf:
            # a parabola along D: step to its minimum (exact line search, which
            # makes L-BFGS conjugate gradients on a quadratic), where the
            # gradient is grad + t H D and the value F + t slope / 2: nothing
            # of Z's size is updated
            t = -float(slope) / curvature
            step, change = t * D, t * HD
            s.V, s.grad = s.V + step, s.grad + change
            s.value += 0.5 * t * float(slope)
            U = HD = s.Z = None
            s.recursed = True
        else:
            t = 1.0
            Z = objective.raw(s.V) if s.Z is None else s.Z
            while True:  # bounded: t halves down to SMALLEST_STEP
                Z_new = t * U
                Z_new += Z  # Z + t U, with no temporary of Z's size
                trial = objective.evaluate(s.V + t * D, Z_new)
                accepted = trial.value <= s.value + s.noise + 1e-4 * t * slope
                if accepted or t < SMALLEST_STEP:
                    break
                t, Z_new, trial = 0.5 * t, None, None  # the rejected Z goes first
            if not accepted:
                s.Z = Z
                lost = not math.isfinite(trial.value)
                return Outcome(s.value, s.measure, stuck=True, non_finite=lost)
            U = Z = s.Z = None  # before the gradient's temporaries
            grad_prev, V_prev = s.grad, s.V
            s.V, s.Z, s.value = trial.V, trial.Z, trial.value
            s.grad, s.noise = objective.smooth_gradient(trial)
            step, change = s.V - V_prev, s.grad - grad_prev
        curvature = dot(step, change)
        if float(curvature) > 0:
            s.pairs.append((step, change, 1 / curvature))
        s.measure = max_abs(s.grad)
        s.marks.append(s.measure)
        # the parabola's decrease is exact, however small beside F's rounding
        noise = 0.0 if s.recursed else noise_prev
        out = Outcome(s.value, s.measure, t, F_prev - s.value, noise, s.Z)
        out.distance = self.distance(s)
        return out

    def distance(self, s: SimpleNamespace) -> float:
        """Where the gradient test passes, the relative distance that the next
        step estimates, with the step kept for the next iteration."""
        s.next = None
        if not s.measure <= s.threshold(s.value):
            return math.inf
        s.next = two_loop(s.grad, s.pairs)
        s.distance = relative_distance(s.objective, s.V, s.next)
        return s.distance

    def _read(self, s: SimpleNamespace) -> None:
        """The value and gradient at ``s.V`` from ``X`` itself."""
        point = s.objective.evaluate(s.V, s.Z)
        s.value = point.value
        s.grad, s.noise = s.objective.smooth_gradient(point)
        s.measure, s.recursed, s.next = max_abs(s.grad), False, None

    def confirm(self, s: SimpleNamespace, outcome: Outcome) -> Outcome:
        """A fit that stops short says where it is from ``X`` itself. The
        recursion's rounding, eps times the sum of the gradient's changes over
        at most ``REREAD`` iterations (about twice the sum of its norms),
        stays below the threshold's floor of 300 eps times the gradient at
        zero: a converged fit needs no check."""
        if not s.recursed:
            return outcome
        s.Z = s.objective.raw(s.V)
        self._read(s)
        outcome.value, outcome.measure, outcome.Z = s.value, s.measure, s.Z
        return outcome

    def hand_over(
        self,
        s: SimpleNamespace,
        it: int,
        max_iter: int,
        threshold: Threshold,
        stalled: bool = False,
    ) -> str:
        if self.newton_cost is None or it >= max_iter:
            return ""
        if stalled:
            return (
                f"handed over to Newton's method after {it} iterations (L-BFGS stalled)"
            )
        if it < 5:
            return ""
        gnorm = s.measure
        rate = min((gnorm / s.g_start) ** (1 / it), (gnorm / s.marks[0]) ** 0.2)
        rate = min(max(rate, 1e-300), 1 - 1e-12)
        if s.next is None:  # the gradient's way to the threshold
            left = math.log(threshold(s.value) / gnorm) / math.log(rate)
        else:  # gradient met: the distance's way to tol, at the same rate
            left = math.log(s.tol / s.distance) / math.log(rate)
        if left <= self.newton_cost:
            return ""
        return (
            f"handed over to Newton's method after {it} iterations "
            f"(about {left:.0f} more at L-BFGS's rate)"
        )

    def successor(self) -> Newton:
        return Newton()


def two_loop(grad: Array, pairs: Sequence[tuple[Array, Array, Any]]) -> Array:
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


def minimize_lbfgs(
    objective: Objective,
    V0: Array,
    *,
    memory: int = 10,
    max_iter: int = 1000,
    tol: float = 1e-4,
    verbose: int = 0,
    newton_cost: float | None = None,
) -> OptimizeResult:
    """Minimize a smooth ``objective`` by L-BFGS; see the module docstring.

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
    solver = LBFGS(memory, newton_cost)
    return solver.solve(objective, V0, max_iter=max_iter, tol=tol, verbose=verbose)
