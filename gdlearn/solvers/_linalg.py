"""Small dense linear algebra of the Newton-type steps: factor a curvature
block, solve with it, and the orthant-wise step of an L1 penalty.

A block is factored by Cholesky when it is well within full rank, else by
its eigenvalues (a pseudo-inverse); everything runs on NumPy through LAPACK
and on other array libraries through their ``linalg``.
"""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.linalg import LinAlgError, get_lapack_funcs

from .._array_api import astype, column_stack, copy, eye, max_abs, namespace
from .._kernels import diagonal

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._objective import Objective
    from .._typing import Array

#: Rounds of fixing zero coefficients that the step would move the wrong way.
ORTHANT_ROUNDS = 3


def orthant_step(
    objective: Objective, P: Array, V: Array, r: Array, cache: dict | None = None
) -> tuple[Array, Array]:
    """The orthant-wise Newton step ``D`` at ``V`` for the minimum-norm
    subgradient ``r``, and the orthant (sign of each coefficient) it keeps to.

    Free unknowns are the intercept, the nonzero coefficients, and the zero
    ones that ``r`` pushes off zero; on them ``D`` solves :math:`P_{FF} D_F =
    -r_F`. A zero coefficient whose component would move it against
    :math:`-r` is fixed at zero and the step solved again without it.
    ``cache`` (a dict kept with ``P``) holds the factors of the ``P_{FF}``
    solved with, by free set: the steps of a fit whose free set settles
    factor it once.
    """
    xp = namespace(V)
    at_zero = V == 0
    at_zero[objective.n_features :, :] = False  # the intercept is never held at 0
    free = ~at_zero | (r != 0)
    penalized = copy(V)  # the coefficients that L1 can bring to zero
    penalized[objective.n_features :, :] = 0.0
    for _ in range(ORTHANT_ROUNDS):  # fixing some at zero can turn others
        D = astype(solve_free(P, r, free, penalized, cache), V.dtype)
        wrong = at_zero & (D * r >= 0)
        if not xp.any(wrong & free):
            break
        free = free & ~wrong
    D = xp.where(wrong, 0.0, D)  # any left after the rounds
    orthant = xp.where(V != 0, xp.sign(V), -xp.sign(r))
    return D, orthant


def solve_free(
    P: Array, r: Array, free: Array, V: Array, cache: dict | None = None
) -> Array:
    """:func:`solve_block` on the unknowns ``free`` (shaped like ``r``), zero
    elsewhere; ``cache`` as for :func:`orthant_step`."""
    q, k = r.shape
    if P.shape[1] == q * k and k > 1:  # one coupled block, unknowns output by output
        xp = namespace(r)
        flat = [xp.reshape(A.T, (-1,)) for A in (free, r, V)]
        return xp.reshape(solve_block(P[0, ...], *flat, cache), (k, q)).T
    # a block per output, or one shared by all
    own = P.shape[0] == k
    blocks = [P[c, ...] if own else P[0, ...] for c in range(k)]
    caches = [
        None if cache is None else cache.setdefault(c if own else 0, {})
        for c in range(k)
    ]
    return column_stack(
        [
            solve_block(blocks[c], free[:, c], r[:, c], V[:, c], caches[c])
            for c in range(k)
        ]
    )


def solve_block(
    block: Array, mask: Array, r: Array, v: Array, cache: dict | None = None
) -> Array:
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
    if xp is np:
        return _solve_numpy(block, mask, r, v, {} if cache is None else cache)
    m = astype(mask, block.dtype)
    g, v = astype(r, block.dtype) * m, astype(v, block.dtype) * m
    n_free = float(xp.sum(m))
    if not n_free:
        return g
    level = float(xp.sum(diagonal(block) * m)) / n_free or 1.0
    sub = block * (m[:, None] * m[None, :]) + eye(m.shape[0], like=block) * (
        level * (1 - m)
    )
    (solver,) = factor(sub[None, ...])
    d = -solver(g) * m
    return _null_step(sub, g, v, d)


def _solve_numpy(
    block: np.ndarray, mask: np.ndarray, r: np.ndarray, v: np.ndarray, cache: dict
) -> np.ndarray:
    """:func:`solve_block` for NumPy, on ``P_FF`` cut out of the block (the
    decoupled unknowns of the general case give exactly zero there), its
    factors kept in ``cache`` by free set. From the second free set on,
    where at most a third of the unknowns are held out of it, by the
    inverse of the whole block instead (:func:`_held_out_solve`)."""
    free = np.flatnonzero(mask)
    out = np.zeros(mask.shape[0], dtype=block.dtype)
    if not free.size:
        return out
    key = free.tobytes()
    if key not in cache and cache and 3 * (mask.size - free.size) <= mask.size:
        inverse = _inverse(block, cache)
        if inverse is not None:
            out[free] = -_held_out_solve(inverse, mask, r)[free]
            return out
    if key not in cache:
        sub = block.take(free, 0).take(free, 1)
        cache[key] = (sub, factor(sub[None, ...])[0])
    sub, solver = cache[key]
    g, vf = r[free].astype(block.dtype), v[free].astype(block.dtype)
    out[free] = _null_step(sub, g, vf, -solver(g))
    return out


#: The whole block is inverted for :func:`_held_out_solve` only where its
#: Cholesky pivots spread less than this (far within full rank).
INVERSE_RCOND = 1e-7


def _inverse(block: np.ndarray, cache: dict) -> np.ndarray | None:
    """The inverse of ``block``, formed once and kept in ``cache``; None
    where the block is not far within full rank (:data:`INVERSE_RCOND`)."""
    if "inverse" not in cache:
        cache["inverse"] = None
        potrf, potri = get_lapack_funcs(("potrf", "potri"), (block,))
        upper, info = potrf(block, lower=False, clean=True)
        pivots = np.diag(upper) ** 2 if info == 0 else np.zeros(1)
        if pivots.min() > INVERSE_RCOND * pivots.max():
            inverse, info = potri(upper, lower=False)
            if info == 0:
                cache["inverse"] = np.triu(inverse) + np.triu(inverse, 1).T
    return cache["inverse"]


def _held_out_solve(M: np.ndarray, mask: np.ndarray, r: np.ndarray) -> np.ndarray:
    """:math:`P_{FF}^{-1} r_F` on the unknowns ``F = mask`` from the inverse
    ``M`` of the whole block ``P`` (a vector of ``P``'s length, zero off
    ``F``): with ``R`` the unknowns held out, :math:`P_{FF}^{-1} = M_{FF} -
    M_{FR} M_{RR}^{-1} M_{RF}` (the inverse of a Schur complement), which
    costs :math:`q^2 + |R|^3` against a factorization's :math:`|F|^3 / 3`."""
    x = M @ np.where(mask, r, 0.0).astype(M.dtype)
    held = np.flatnonzero(~mask)
    if held.size:
        M_R = M.take(held, 1)
        x -= M_R @ np.linalg.solve(M_R.take(held, 0), x[held])
        x[held] = 0.0
    return x


def _null_step(sub: Array, g: Array, v: Array, d: Array) -> Array:
    """The step ``d = -P^+ g`` of :func:`solve_block`, with the step along the
    part of ``g`` that ``P`` (``sub``) does not see."""
    xp = namespace(sub)
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


def stop_at_zero(V_new: Array, orthant: Array, p: int) -> bool:
    """Set to zero, in place, the coefficients of ``V_new`` that left
    ``orthant``; return whether any did."""
    xp = namespace(V_new)
    W_new = V_new[:p, :]
    crossed = (xp.sign(W_new) != orthant[:p, :]) & (W_new != 0)
    if not xp.any(crossed):
        return False
    V_new[:p, :] = xp.where(crossed, 0.0, W_new)
    return True


def factor(P: Array, rcond: float = 1e-10) -> list[Callable[[Array], Array]]:
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


def _cholesky_solver(
    block: Array, rcond: float, xp: Any
) -> Callable[[Array], Array] | None:
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


def _potrs_solve(potrs: Any, factor: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``block^-1 g`` from the Cholesky factor of ``block`` (LAPACK potrs)."""
    solution, _ = potrs(factor, g.astype(factor.dtype, copy=False), lower=False)
    return solution


def _eigen_solve(vectors: Array, inverse: Array, g: Array) -> Array:
    """``V diag(inverse) V^T g`` for ``g`` of shape (m,) or (m, k)."""
    coef = vectors.T @ astype(g, vectors.dtype)
    return vectors @ (coef * (inverse[:, None] if coef.ndim == 2 else inverse))


def solve(solvers: list[Callable[[Array], Array]], size: int, grad: Array) -> Array:
    """``-P^+ grad`` for the blocks of ``curvature_matrices``: one block shared by
    every column of ``grad`` (q, k), one per column, or one for all of them."""
    q, k = grad.shape
    if len(solvers) == k and k > 1:
        return -column_stack([f(grad[:, c]) for c, f in enumerate(solvers)])
    (solver,) = solvers
    if size == q:
        return -solver(grad)
    xp = namespace(grad)
    return -xp.reshape(solver(xp.reshape(grad.T, (-1,))), (k, q)).T
