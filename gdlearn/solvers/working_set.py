"""Working sets: an L1 fit solved on a few features at a time.

An L1 penalty sets most coefficients of a wide problem to exactly zero, and a
solver that walks in every coordinate spends nearly all of its work on them.
:class:`WorkingSet` (the strategy of celer and skglm) solves the problem
restricted to a *working set* of features, the others held at zero, with
one of gdlearn's own solvers (orthant-wise Newton up to
``NEWTON_MAX_UNKNOWNS`` unknowns, else FISTA; for the squared error
orthant-wise Newton on the set's Hessian, :mod:`gdlearn.solvers._quadratic`,
which reads ``X`` only to form it), then reads the full gradient once to see
which features outside violate the optimality conditions:

.. math::
    \\mathrm{score}_j = \\max_k \\bigl(|\\nabla_{jk} F| - \\lambda_1 s_j\\bigr)_+ ,

the distance from :math:`-\\nabla F` to the L1 part's subdifferential at
:math:`V_j = 0` (:meth:`~gdlearn.penalties.ScaledL1.min_norm_subgradient`).
The next working set is the support and the features nearest to violating
(celer's priority: :math:`\\max_k |\\nabla_{jk} F| - \\lambda_1 s_j`, largest
first, negative ones included), twice the support in all (:func:`_set_size`),
and no more than the rank of a set's curvature without its L2 part
(:func:`curvature_rank`, ``n - 1`` features) while the support is smaller:
a lasso's minimizer has at most that many nonzero coefficients, and a
larger set's curvature is singular. The loop stops when no feature violates
by more than the stopping threshold of
:func:`~gdlearn.solvers.stopping_threshold`, the test every full-problem
solver meets (so a working-set fit is as accurate as a full one), or, for
the squared error, when scikit-learn's duality gap is at most
:math:`\\tfrac12 t^2` for that threshold :math:`t` (what a gradient of size
:math:`t` leaves to gain along one coordinate of curvature 1).

The restricted problem keeps the full data's coordinates
(:func:`gdlearn._objective.take_columns`),
so its ``V`` is the full ``V``'s rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .._array_api import any_nonzero, to_numpy
from .._curvature import carried_curvature
from .._design import DesignMatrix
from .._objective import Objective, take_columns
from ._quadratic import minimize_quadratic
from ._template import OptimizeResult, Progress, max_iter_message, stopping_threshold

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._typing import Array
    from ._template import Solver

#: The first working set's size, past the support of the start.
FIRST_SIZE = 20
#: Each working set is this many times the last one's support.
GROWTH = 2
#: At most this many working sets.
MAX_OUTER = 40


@dataclass
class WorkingSetResult(OptimizeResult):
    """:class:`OptimizeResult` with the last inner solver's ``name``, the
    working sets' sizes and the smooth part's point and gradient at
    ``params`` (for the duality gap, without reading ``X`` again)."""

    inner: str = ""
    sizes: list[int] | None = None
    last: tuple[Any, Array] | None = None


def applies(objective: Objective) -> bool:
    """Whether a working set can serve ``objective``: an L1 part, data in
    memory (NumPy or scipy.sparse) and more features than a first working set."""
    X = objective.design.X
    in_memory = isinstance(X, np.ndarray) or sp.issparse(X)
    return (
        objective.has_l1
        and in_memory
        and type(objective) is Objective
        and type(objective.design) is DesignMatrix
        and objective.n_features > 2 * FIRST_SIZE
    )


class WorkingSet:
    """The outer loop above; ``inner(objective, fallback)`` gives the solver
    (and its name) for a restricted objective, and with ``fallback`` one
    for a working set on which the first stalled (FISTA, which cannot be
    misled by a singular curvature as Newton's method can). ``gap(objective, point, grad)`` (or
    None), the duality gap from the smooth part's point and gradient."""

    name = "working set"

    def __init__(
        self,
        inner: Callable[[Objective], tuple[str, Solver]],
        gap: Callable[..., Any] | None = None,
    ) -> None:
        self.inner, self.gap = inner, gap

    def solve(
        self, objective: Objective, V0: Array, *, max_iter: int, tol: float, verbose=0
    ) -> WorkingSetResult:
        """Minimize ``objective`` from ``V0``; ``n_iter`` counts the inner
        solvers' iterations, all working sets together."""
        progress, p = Progress(verbose), objective.n_features
        V = np.array(V0, copy=True)
        point = objective.evaluate(V, objective.raw_start(V))
        grad, _ = objective.smooth_gradient(point)
        threshold = stopping_threshold(
            tol, objective, None if any_nonzero(V0) else grad
        )
        rank, ridge = curvature_rank(objective), bool(objective.l2.alpha)
        it, curve, sizes, stalled = 0, [], [], False
        gram = None  # (columns, Hessian) of the last set, for a quadratic
        name, message, converged = "", max_iter_message(max_iter), False
        for _ in range(MAX_OUTER):
            margin = _margin(objective, V, grad)
            wanted = threshold(point.value + objective.l1.value(V))
            if self._converged(objective, point, grad, margin, wanted):
                converged, message = True, f"converged in {it} inner iterations"
                break
            if it >= max_iter:
                break
            columns = _next_set(V[:p], margin, _set_size(V[:p], rank, ridge))
            sizes.append(int(columns.size))
            rows = _rows(columns, objective.fit_intercept, p)
            part = take_columns(objective, columns)
            name, solver = self.inner(part, stalled)
            start = (grad[rows], point.value + objective.l1.value(V))
            if objective.constant_curvature and name == "newton":
                # the Hessian of the last set carried (first-order steps need none)
                gram = carried_curvature(part, columns, gram)
                result = _quadratic(
                    part, gram[1], V[rows], start, threshold, tol, max_iter - it
                )
            else:
                result = solver.solve(
                    part, V[rows], max_iter=max_iter - it, tol=tol, threshold=threshold
                )
            V = np.zeros_like(V)
            V[rows] = result.params
            it += result.n_iter
            curve += result.loss_curve
            progress.say(f"working set of {columns.size} features: {result.message}")
            # Z from the working set's columns alone: the others are zero
            point = objective.evaluate(V, part.raw(result.params))
            grad, _ = objective.smooth_gradient(point)
            if not result.converged and (columns.size == p or stalled):
                message = result.message
                break
            # a solver that stalls on a (degenerate) working set gives the
            # next ones to the fallback
            stalled = not result.converged
        progress.say(message)
        return WorkingSetResult(
            V, it, converged, curve, 1.0, message, name, sizes, (point, grad)
        )

    def _converged(self, objective, point, grad, margin, wanted) -> bool:
        """The outer stopping test: no feature violates by more than
        ``wanted`` (the rows of ``V`` off zero included), or the duality gap
        is at most ``wanted**2 / 2``. The gap is not formed where a feature
        at zero violates by more than ``2 wanted sqrt(c)`` (``c`` the largest
        diagonal entry of the curvature): one step along it alone would gain
        more than ``wanted**2 / 2``, which the gap bounds from above (the
        factor 2 leaves room for the intercept's own rounding)."""
        score = np.max(np.abs(_violation(objective, point.V, grad)), axis=1)
        if score.max(initial=0.0) <= wanted:
            return True
        if self.gap is None:
            return False
        bound = 2 * wanted * math.sqrt(max(objective.diagonal_curvature, 0.0))
        at_zero = ~np.any(to_numpy(point.V[: objective.n_features]) != 0, axis=1)
        if margin[at_zero].max(initial=0.0) > bound:
            return False
        gap = self.gap(objective, point.V, last=(point, grad))
        return bool(np.all(to_numpy(gap) <= 0.5 * wanted * wanted))


#: Orthant-wise Newton steps on one least-squares set before it counts as
#: stalled (its next sets then go to FISTA): a set of full rank takes 1-15;
#: one past the rank (its support filled it, and a violator joined) can
#: wander along the flat directions for thousands.
QUADRATIC_MAX_ITER = 200


def _quadratic(part, P, V0, start, threshold, tol, max_iter) -> OptimizeResult:
    """A squared error's set solved by orthant-wise Newton on its Hessian
    ``P`` (:func:`~gdlearn.solvers._quadratic.minimize_quadratic`)."""
    max_iter = min(max_iter, QUADRATIC_MAX_ITER)
    V, n_iter, converged, values = minimize_quadratic(
        part, P, V0, start, threshold=threshold, tol=tol, max_iter=max_iter
    )
    message = f"converged in {n_iter} iterations" if converged else "stalled"
    return OptimizeResult(V, n_iter, converged, values, 1.0, message)


def curvature_rank(objective: Objective) -> int:
    """The rank of a working set's curvature without its L2 part, at most:
    ``n - 1`` features (``n`` samples of positive weight; ``n`` without an
    intercept) per output. The minimizer of a generic lasso has at most
    that many nonzero coefficients per output (Tibshirani, 2013)."""
    n = int(np.count_nonzero(to_numpy(objective.weights)))
    per_output = max(1, n - int(objective.fit_intercept))
    return min(objective.n_features, per_output * objective.Y.shape[1])


def _set_size(VW: Array, rank: int, ridge: bool) -> int:
    """The next working set's size: ``GROWTH`` times the support (at least
    ``FIRST_SIZE``), and past ``rank`` (:func:`curvature_rank`) only by a
    quarter of the support with an L2 part (``ridge``), not at all
    without. Beyond that rank a lasso's set has a singular curvature, and
    an elastic net's is held up by its L2 part alone, along which Newton's
    steps cross zero many times: 200 x 800 at lambda_max/1000, l1_ratio
    0.5, sets twice the support took 125 ms, these 52 ms (CD 14 ms). Not
    all the features once that is half of them, as a first-order inner
    solver would: the inner solvers here factor the set's curvature, whose
    cost grows as the cube of its size (a last set of all 800 features
    there took 55 ms)."""
    support = int(np.count_nonzero(np.any(VW != 0, axis=1)))
    past = support + support // 4 if ridge else support
    size = min(max(FIRST_SIZE, GROWTH * support), max(rank, past))
    return min(size, VW.shape[0])


def _margin(objective: Objective, V: Array, grad: Array) -> np.ndarray:
    """For each feature, by how much its gradient passes the L1 part's
    subdifferential at zero, :math:`\\max_k |\\nabla_{jk} F| - \\lambda_1
    s_j` (negative inside it; ``-inf`` for a constant column, which never
    moves): the working sets' priority, celer's distance to the dual
    constraint in the optimizer's coordinates."""
    p, l1 = objective.n_features, objective.l1
    s = np.asarray(to_numpy(l1.scale))[:, 0].astype(np.float64)
    G = np.asarray(to_numpy(grad[:p]), dtype=np.float64)
    G = -G if l1.positive else np.abs(G)
    out = np.max(G, axis=1) - l1.alpha * s
    out[s == 0] = -np.inf
    return out


def _violation(objective: Objective, V: Array, grad: Array) -> Array:
    """The smallest element of the subgradient, row by row (see above)."""
    return objective.l1.min_norm_subgradient(V, grad)


def _next_set(VW: Array, score: np.ndarray, size: int) -> np.ndarray:
    """The support of ``VW`` and the features of largest ``score`` outside
    it (:func:`_margin`; those of ``-inf`` never), ``size`` in all (or the
    support, if larger), sorted. Where the support fills the set, the one
    of largest positive score joins it."""
    chosen = np.any(VW != 0, axis=1)
    room = size - int(np.count_nonzero(chosen))
    score = np.where(chosen, -np.inf, score)
    candidates = np.flatnonzero(score > -np.inf)
    if room > 0 and candidates.size:
        if candidates.size > room:
            top = np.argpartition(-score[candidates], room - 1)[:room]
            candidates = candidates[top]
        chosen[candidates] = True
    elif score.max(initial=-np.inf) > 0:  # the support fills the set
        chosen[np.argmax(score)] = True
    return np.flatnonzero(chosen)


def _rows(columns: np.ndarray, fit_intercept: bool, p: int) -> np.ndarray:
    """The rows of ``V`` for ``columns``, and the intercept's."""
    return np.append(columns, p) if fit_intercept else columns
