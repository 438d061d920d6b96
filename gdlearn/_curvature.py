"""The curvature of the objective: the chain rule of :mod:`gdlearn._objective` applied twice.

With :math:`H_i = \\partial^2 \\ell / \\partial z_i^2` (the loss's second
derivative at sample ``i``, (k, k)) and the design matrix ``A`` of
:mod:`gdlearn._design`, the Hessian of the smooth part with respect to ``V``
has the blocks

.. math:: P_{km} = A^\\top \\operatorname{diag}(w \\odot H_{:km}) A
          + \\delta_{km} \\lambda_2 \\operatorname{diag}(s^2, 0),

one weighted Gram matrix of ``A`` per pair of outputs: what Newton's method
steps with, and, with the loss's curvature bound in place of ``H``, the
metric of the stochastic solver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._array_api import astype, eye, namespace, zeros
from ._kernels import diagonal

if TYPE_CHECKING:
    from ._objective import Objective
    from ._typing import Array


def curvature_matrices(objective: Objective, Z: Array) -> Array:
    """The Hessian of the smooth part with respect to ``V``, in blocks.

    With :math:`H_i = \\partial^2 \\ell / \\partial z_i^2` at ``Z``, the
    chain rule twice gives the block of outputs ``k, m``

    .. math:: P_{km} = A^\\top \\operatorname{diag}(w \\odot H_{:km}) A
              + \\delta_{km} \\lambda_2 \\operatorname{diag}(s^2, 0),

    with ``w`` the normalized sample weights. Returns ``P`` of shape
    ``(k, q, q)``, one block per output, when the loss does not couple its
    outputs (one shared block for the squared error, whose curvature is
    the same for every output), or ``(1, kq, kq)`` ordered output by
    output for the softmax. Costs one pass over ``X`` with ``q`` (softmax:
    ``q k (k+1) / 2``) times the work of a product. On more than
    ``curvature_rows`` samples a non-constant curvature is estimated on
    every ``n // curvature_rows``-th sample, and with ``curvature_single``
    the softmax's blocks of a float64 ``X`` are then summed in float32
    (twice as fast, to about 1e-6): the step is preconditioned by an
    estimate, and the line search and the exact gradient keep the method
    correct.
    """
    loss, n = objective.loss, objective.n_samples
    stride = 1 if loss.constant_curvature else max(1, n // objective.curvature_rows)
    rows = slice(None, None, stride)
    k = 1 if loss.constant_curvature else Z.shape[1]
    pairs = (
        [(j, m) for j in range(k) for m in range(j, k)]
        if loss.coupled
        else [(j, j) for j in range(k)]
    )
    D, h = _curvature_weights(objective, Z, rows, pairs)
    # a constant curvature h: D = h * weights, so X.T @ D is h times the
    # weighted column mean, already known
    known = objective.column_mean[None, :] * h if loss.constant_curvature else None
    # an estimate already where subsampled: its sums in float32 too
    single = objective.curvature_single and stride > 1
    part = objective.design.take_rows(rows) if stride > 1 else objective.design
    blocks = _with_ridge(objective, part.gram(D, known, single), pairs)
    return _couple(objective, blocks, pairs, k) if loss.coupled else blocks


#: Rows of the loss's second derivatives formed at a time: the softmax's
#: ``(n, k, k)`` array, with its temporaries, is never formed whole.
WEIGHT_ROWS = 8192


def _curvature_weights(
    objective: Objective, Z: Array, rows: slice, pairs: list[tuple[int, int]]
) -> tuple[Array, Array | None]:
    """``D``, one column :math:`w \\odot H_{:jm}` per pair of outputs on the
    sampled ``rows`` (weights normalized there), formed ``WEIGHT_ROWS`` rows
    at a time; and the first sample's :math:`H_{0,0}` (a constant
    curvature's value; None for the softmax)."""
    loss, xp = objective.loss, namespace(Z)
    weights = objective.weights[rows] / xp.sum(objective.weights[rows])
    Y, Z = objective.Y[rows, :], Z[rows, :]
    n = Z.shape[0]
    D = zeros((n, len(pairs)), like=Z)
    h = None
    for start in range(0, n, WEIGHT_ROWS):  # bounded: n / WEIGHT_ROWS chunks
        chunk = slice(start, min(n, start + WEIGHT_ROWS))
        H = loss.second_derivative(Y[chunk, :], Z[chunk, :])
        if h is None and not loss.coupled:
            h = H[0, 0]
        for i, (j, m) in enumerate(pairs):
            D[chunk, i] = weights[chunk] * (H[:, j, m] if loss.coupled else H[:, j])
    return D, h


def _with_ridge(
    objective: Objective, blocks: Array, pairs: list[tuple[int, int]]
) -> Array:
    """The L2 penalty's curvature :math:`\\lambda_2 \\operatorname{diag}(s^2,
    0)` added to each output's own block."""
    if not objective.l2.alpha:
        return blocks
    p, q = objective.n_features, blocks.shape[1]
    s = astype(objective.design.scale, blocks.dtype)
    ridge = zeros((q,), like=blocks)
    ridge[:p] = objective.l2.alpha * s * s
    ridge = eye(q, like=blocks) * ridge
    for i, (j, m) in enumerate(pairs):
        if j == m:
            blocks[i, ...] += ridge
    return blocks


def curvature_bound(objective: Objective) -> Array:
    """The curvature bound :math:`c A^\\top \\operatorname{diag}(w) A +
    \\lambda_2 \\operatorname{diag}(s^2, 0)` (q, q), with ``c`` the loss's
    bound: it lies above the Hessian everywhere (Böhning's bound for the
    softmax, shared by every class), so steps in its metric have a
    curvature of at most 1. One pass over ``X`` with ``q`` times the
    work of a product."""
    D = objective.loss.curvature * objective.weights[:, None]
    known = objective.loss.curvature * objective.column_mean[None, :]
    return _with_ridge(objective, objective.design.gram(D, known), [(0, 0)])[0, ...]


def _couple(
    objective: Objective, blocks: Array, pairs: list[tuple[int, int]], k: int
) -> Array:
    """The softmax's blocks (one per pair of classes) as one (1, kq, kq) matrix.

    The softmax does not change when one number is added to every class's
    raw prediction: ``P`` is singular along "the same change of an
    unpenalized coefficient in every class". The gradient is orthogonal to
    those directions, so adding a multiple of all-ones there (the same entry
    of every class's block) leaves the step ``P^+ grad`` as it is and lets
    ``P`` factor by Cholesky. Not for penalized coefficients: an L1 penalty
    slopes along those directions, and the orthant-wise step must see them
    as flat to follow that slope (see :func:`gdlearn.solvers._linalg.solve_block`).
    """
    xp, q, p = namespace(blocks), blocks.shape[1], objective.n_features
    free = zeros((q,), like=blocks)
    if objective.l2.alpha == 0 and objective.l1.alpha == 0:
        free += 1.0
    elif objective.fit_intercept:
        free[p] = 1.0
    own = [i for i, (j, m) in enumerate(pairs) if j == m]  # each class's block
    trace = sum(xp.sum(diagonal(blocks[i, ...])) for i in own)
    level = float(trace) / (k * q) or 1.0
    shift = eye(q, like=blocks) * (level * free)
    P = zeros((k * q, k * q), like=blocks)
    for i, (j, m) in enumerate(pairs):
        block = blocks[i, ...] + shift
        P[j * q : (j + 1) * q, m * q : (m + 1) * q] = block
        P[m * q : (m + 1) * q, j * q : (j + 1) * q] = block.T
    return P[None, ...]


#: A working set's Hessian is formed afresh, not carried, up to this many
#: products (samples times the set's size squared): below it the
#: bookkeeping of the carried entries costs more than they save (200 x 800,
#: one BLAS thread: 20 features 62 against 152 us, 100 features 176
#: against 250 us, 199 features 532 against 435 us).
FRESH_WORK = 4_000_000


def carried_curvature(
    part: Objective, columns: np.ndarray, previous: tuple | None
) -> tuple[np.ndarray, Array]:
    """``(columns, P)``: the Hessian blocks (1, q, q) of ``part``, a working
    set ``columns`` (sorted) of an objective of constant curvature, with the
    entries of the features it shares with the set ``previous`` (its
    ``(columns, P)``, or None) taken from there: only the new features' rows
    (:meth:`~gdlearn._design.DesignMatrix.cross_gram`) read ``X``. The
    Hessian does not change with ``V``, so the entries are those a fresh
    :func:`curvature_matrices` forms, up to rounding. Small sets
    (:data:`FRESH_WORK`) and sets of mostly new features are formed afresh."""
    m = columns.size
    if previous is None or part.n_samples * m * m <= FRESH_WORK:
        return columns, curvature_matrices(part, part.Y)
    old_columns, old = previous
    p_old = old_columns.size
    kept = np.isin(columns, old_columns, assume_unique=True)
    new = np.flatnonzero(~kept)
    if new.size * 2 > m:  # mostly new: formed afresh
        return columns, curvature_matrices(part, part.Y)
    D, h = _curvature_weights(part, part.Y, slice(None), [(0, 0)])
    here = np.flatnonzero(kept)
    there = np.searchsorted(old_columns, columns[here])
    intercept = [m] if part.fit_intercept else []
    here = np.append(here, intercept).astype(np.intp)
    there = np.append(there, [p_old] * len(intercept)).astype(np.intp)
    P = np.zeros((1, m + len(intercept), m + len(intercept)))
    B = P[0]  # a view
    B[here[:, None], here[None, :]] = old[0][there[:, None], there[None, :]]
    if new.size:
        rows = part.design.cross_gram(D[:, 0], new)
        rows[:, new] = 0.5 * (rows[:, new] + rows[:, new].T)  # exactly symmetric
        s = part.design.scale.astype(np.float64)[new]
        rows[np.arange(new.size), new] += part.l2.alpha * s * s
        B[new, :m], B[:m, new] = rows, rows.T
        if part.fit_intercept:  # the centred column sums, as curvature_matrices
            t = float(np.sum(D[:, 0]))
            u = part.column_mean[new] * float(h) - t * part.design.offset[new]
            cross = part.design.intercept_scale * u * s
            B[new, m], B[m, new] = cross, cross
    return columns, P
