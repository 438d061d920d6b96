"""Orthant-wise Newton's method on a quadratic: the squared error's working sets.

The smooth part of a least-squares working set is a quadratic whose Hessian
``P`` (:func:`gdlearn._curvature.carried_curvature`) is formed once for the
set. Along a step ``D`` its gradient becomes :math:`G + P D` and its value
changes by :math:`\\langle G, D \\rangle + \\tfrac12 \\langle D, P D
\\rangle`, so the iterations of :class:`~gdlearn.solvers.newton.Newton` run
here without reading ``X``: the same orthant-wise steps
(:mod:`gdlearn.solvers._linalg`), the same line search (Armijo's from the
unit step, coefficients stopped at zero) and the same stopping test (the
gradient test, then the distance the next step estimates), on NumPy arrays
and without the array-API generality of the full-problem solver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._linalg import ORTHANT_ROUNDS, _solve_numpy, stop_at_zero
from ._template import DISTANCE_FACTOR, Solver, Stall, relative_distance

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._objective import Objective

#: The smallest fraction of the unit step the line search tries (Newton's).
SMALLEST_STEP = 1e-20
#: Steps in a row that change neither the value beyond its rounding noise
#: nor the gradient by 10% before the gradient test alone decides
#: (:class:`~gdlearn.solvers._template.Stall`, the solvers' own rule): on
#: a set whose curvature is singular the distance the steps estimate need
#: not fall.
PATIENCE = Solver.patience


def minimize_quadratic(
    objective: Objective,
    P: np.ndarray,
    V0: np.ndarray,
    start: tuple[np.ndarray, float],
    *,
    threshold: Callable[[float], float],
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, int, bool, list[float]]:
    """Minimize ``objective`` (an L1 part, a quadratic smooth part of
    Hessian ``P`` (1, q, q) shared by every output) from ``V0``; ``start``
    is the smooth part's gradient at ``V0`` and the objective's value
    there. Returns ``(V, iterations, converged, values)``: not converged
    where no step decreases the objective, or after ``max_iter`` steps, or
    where the steps stall (:data:`PATIENCE`) short of the gradient test."""
    H, p = P[0], objective.n_features
    weights = objective.l1.penalty.l1 * np.asarray(objective.l1.scale)  # (p, 1)
    positive = objective.l1.positive
    V, (G, F) = np.array(V0, copy=True), start
    G = np.array(G, dtype=V.dtype, copy=True)
    cache: dict = {}
    values: list[float] = []
    stall, stalled = Stall(PATIENCE), False
    for it in range(max_iter + 1):  # bounded: max_iter steps
        r = min_norm_subgradient(V, G, weights, positive)
        measure = float(np.max(np.abs(r), initial=0.0))
        met = measure <= threshold(F)
        if stalled:  # rounding sets the pace: the gradient test decides
            return V, it, met, values
        D, orthant = _orthant_step(H, V, r, p, cache)
        if met and relative_distance(objective, V, D) <= DISTANCE_FACTOR * tol:
            return V, it, True, values
        if it == max_iter:
            break
        step = _line_search(H, V, G, F, D, orthant, r, weights)
        if step is None:
            break
        V, G, F_new, noise = step
        stalled = stall(F - F_new, noise, measure)
        F = F_new
        values.append(F)
    return V, it, False, values


def min_norm_subgradient(
    V: np.ndarray, G: np.ndarray, weights: np.ndarray, positive: bool
) -> np.ndarray:
    """:meth:`gdlearn.penalties.ScaledL1.min_norm_subgradient` for NumPy,
    with the L1 part's weight :math:`\\lambda_1 s_j` of each of the first
    ``p`` rows (0 for a constant column, whose gradient is 0)."""
    p = weights.shape[0]
    Gp, Vp = G[:p], V[:p]
    if positive:  # G + (-inf, w] at zero
        at_zero = np.minimum(Gp + weights, 0.0)
    else:
        at_zero = np.sign(Gp) * np.maximum(np.abs(Gp) - weights, 0.0)
    r = G.copy()
    r[:p] = np.where(Vp == 0, at_zero, Gp + weights * np.sign(Vp))
    return r


def _orthant_step(
    H: np.ndarray, V: np.ndarray, r: np.ndarray, p: int, cache: dict
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gdlearn.solvers._linalg.orthant_step` for one block ``H``
    shared by the columns of ``V``, each column its own free set."""
    at_zero = V == 0
    at_zero[p:] = False  # the intercept is never held at 0
    free = ~at_zero | (r != 0)
    penalized = V.copy()
    penalized[p:] = 0.0
    D = np.zeros_like(V)
    for c in range(V.shape[1]):
        for _ in range(ORTHANT_ROUNDS):  # fixing some at zero can turn others
            d = _solve_numpy(H, free[:, c], r[:, c], penalized[:, c], cache)
            wrong = at_zero[:, c] & (d * r[:, c] >= 0)
            if not np.any(wrong & free[:, c]):
                break
            free[:, c] &= ~wrong
        D[:, c] = np.where(wrong, 0.0, d)  # any left after the rounds
    orthant = np.where(V != 0, np.sign(V), -np.sign(r))
    return D, orthant


def _line_search(H, V, G, F, D, orthant, r, weights):
    """Newton's backtracking line search along ``D``: the new ``(V, G, F)``
    and the rounding noise of the change of ``F``,
    or None when no step of at least ``SMALLEST_STEP`` decreases the
    objective. The change of value is summed term by term (no difference
    of two large values), and what rounding leaves in it (16 ulps of its
    terms and of the value) counts as no change."""
    p, t = weights.shape[0], 1.0
    eps = 16 * float(np.finfo(V.dtype).eps)
    while t >= SMALLEST_STEP:  # bounded: t halves
        V_new = V + t * D
        stop_at_zero(V_new, orthant, p)
        step = V_new - V
        if not np.any(step):
            return None
        HS = H @ step
        terms = (
            float(np.vdot(G, step)),
            0.5 * float(np.vdot(step, HS)),
            float(np.sum(weights * (np.abs(V_new[:p]) - np.abs(V[:p])))),
        )
        change = sum(terms)
        noise = eps * (sum(abs(x) for x in terms) + abs(F))
        if change <= 1e-4 * float(np.vdot(r, step)) + noise:
            G_new = G + HS.astype(G.dtype, copy=False)
            return V_new, G_new, F + change, noise
        t *= 0.5
    return None
