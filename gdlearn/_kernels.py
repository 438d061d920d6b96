"""The passes over an ``X`` held in memory that :class:`~gdlearn._design.DesignMatrix`
is built on: row chunks, weighted column statistics and the weighted Gram
matrices, with their float32 sums and their handling of cancellation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs import mean_variance_axis

from ._array_api import (
    any_nonzero,
    astype,
    column_stack,
    namespace,
    size,
    zeros,
)

if TYPE_CHECKING:
    from ._typing import Array, Matrix


#: The most entries (stored entries for sparse ``X``) one pass reads at a time.
CHUNK_ENTRIES = 2**18
#: A dense ``X`` whose Gram blocks, all together, have at most this many
#: entries of ``X`` is centred as a copy and its blocks taken in one batched
#: product: there the calls cost more than the arithmetic.
SMALL_GRAM = 2**16


def row_chunks(X: Matrix) -> list[slice]:
    """Slices of about ``CHUNK_ENTRIES`` entries of ``X`` (stored entries for
    sparse ``X``): the largest temporary a pass makes."""
    n, p = X.shape
    per_row = X.nnz / max(n, 1) if sp.issparse(X) else p  # type: ignore[union-attr]
    rows = max(1, int(CHUNK_ENTRIES // max(per_row, 1)))
    return [slice(start, min(start + rows, n)) for start in range(0, n, rows)]


def weighted_column_stats(
    X: Matrix, weights: Array, *, center: bool
) -> tuple[Array, Array]:
    """Weighted column means and second moments of ``X``, without copying ``X``.

    ``weights`` sum to one. Returns ``(mean, moment)`` where ``moment`` is the
    variance about ``mean`` when ``center`` is true and the raw second moment
    :math:`\\sum_i w_i x_{ij}^2` otherwise. Dense NumPy ``X`` is read once, in
    row chunks, for both sums; a column whose mean is so large beside its
    spread that the variance :math:`\\overline{x^2} - \\bar x^2` would lose
    more than a millionth to cancellation is read again with its mean
    subtracted first (as other arrays are).
    """
    if sp.issparse(X):
        mean, var = mean_variance_axis(X, axis=0, weights=weights)
        return mean, var if center else var + mean**2
    if not isinstance(X, np.ndarray):
        return _two_pass_stats(X, weights, center)
    mean, square = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for rows in row_chunks(X):
        chunk = X[rows, :]
        mean += weights[rows] @ chunk
        square += weights[rows] @ np.square(chunk)
    mean, square = mean.astype(X.dtype, copy=False), square.astype(X.dtype, copy=False)
    if not center:
        return mean, square
    var = np.maximum(square - mean**2, 0.0)
    cancelled = np.flatnonzero(var <= 1e-6 * square)
    if len(cancelled):
        var[cancelled] = 0.0
        for rows in row_chunks(X):
            chunk = X[rows, :][:, cancelled] - mean[cancelled]
            var[cancelled] += weights[rows] @ np.square(chunk, out=chunk)
    return mean, var


def _two_pass_stats(X: Array, weights: Array, center: bool) -> tuple[Array, Array]:
    """:func:`weighted_column_stats` by two passes: the mean, then the moments
    of row chunks with the mean subtracted (no cancellation)."""
    mean = weights @ X
    moment = namespace(X).zeros_like(mean)
    shift = mean if center else 0.0
    for rows in row_chunks(X):
        chunk = X[rows, :] - shift
        moment += weights[rows] @ (chunk * chunk)
    return mean, moment


def weighted_gram(
    X: Matrix,
    D: Array,
    center: Array,
    u: Array | None = None,
    single: bool = False,
    heavy: bool = False,
) -> tuple[Array, Array, Array]:
    """Weighted Gram matrices of the centred ``X``, one per column ``d`` of ``D``.

    Returns ``(M, u, t)`` stacked along a first axis of length ``r`` (the
    columns of ``D``, shape (n, r)): :math:`M = (X - \\mathbf 1 c^\\top)^\\top
    \\operatorname{diag}(d) (X - \\mathbf 1 c^\\top)`, :math:`u = (X -
    \\mathbf 1 c^\\top)^\\top d` and :math:`t = \\sum_i d_i`.

    ``X`` is never copied or densified. A constant ``d`` (the curvature at
    zero, or of the squared error) needs no temporary: the product is taken
    with ``X`` as it is and centred afterwards by expanding it,
    :math:`M = X^\\top D X - c u^\\top - u c^\\top + t\\, c c^\\top` with the
    uncentred ``u``, which may be given when it is known (it saves a pass
    over ``X``); where that expansion would cancel (a column whose mean is
    large beside its spread, for a dense ``X``) the columns are centred
    chunk by chunk instead. A varying ``d`` reads ``X`` in row chunks
    scaled by ``d``; when ``heavy`` says that some column's mean is large
    beside its spread (raw data), each chunk is centred as it is read,
    rather than summed twice. With ``single`` the varying columns of a
    float64 ``X`` are summed in float32 (an estimate, twice as fast) and
    centred by the expansion: float32 sums of the centred chunks would
    swamp the tiny eigenvalues that raw data's curvature can have, where
    the expansion finds cancellation and sums the columns again exactly. A
    small dense ``X`` (``r`` times its size at most ``SMALL_GRAM``) is
    centred as a copy and all its blocks taken in one batched product.
    """
    r, p = D.shape[1], X.shape[1]
    xp = namespace(D)
    totals = xp.sum(D, axis=0)
    if not single and _batched(X, r):
        Xc = X - center
        return Xc.T @ (D.T[:, :, None] * Xc[None, :, :]), (Xc.T @ D).T, totals
    M = zeros((r, p, p), like=D)
    u = (X.T @ D).T if u is None else u
    gram = None  # X.T @ X, shared by every constant column (the softmax at zero)
    constant = [bool(c) for c in xp.all(D[:1, :] == D, axis=0)]
    varying = []
    for j in range(r):
        if sp.issparse(X):
            M[j, ...] = (X.T @ X.multiply(D[:, j : j + 1]).tocsc()).toarray()  # type: ignore[union-attr]
        elif constant[j]:  # one symmetric rank-k update on X itself
            gram = X.T @ X if gram is None else gram
            M[j, ...] = D[0, j] * gram
        else:
            varying.append(j)
    exact = list(varying) if heavy and not single else []  # centred as read
    if varying and not exact:  # X as it is, centred by the expansion
        grams, _ = _chunked_gram(X, _columns(D, varying), 0.0, single)
        _place(M, varying, grams)
    shift = totals[:, None] * center**2
    centred = diagonal(M) - 2 * center * u + shift
    cancelled = xp.any(xp.abs(shift) > 1e4 * xp.abs(centred), axis=1)
    M += center[None, :, None] * (totals[:, None] * center - u)[:, None, :]
    M -= u[:, :, None] * center[None, None, :]
    if not sp.issparse(X):
        exact += [j for j in range(r) if bool(cancelled[j]) and j not in exact]
    u = u - totals[:, None] * center
    if exact:  # all in one pass over X, u with them
        grams, sums = _chunked_gram(X, _columns(D, exact), center)
        _place(M, exact, grams)
        _place(u, exact, sums)
    return M, u, totals


def _batched(X: Matrix, blocks: int) -> bool:
    """Whether ``blocks`` Gram blocks of ``X`` are taken in one batched product."""
    return not sp.issparse(X) and blocks * size(X) <= SMALL_GRAM


def diagonal(M: Array) -> Array:
    """The diagonals of the matrices stacked in ``M`` (..., m, m), shape (..., m)."""
    xp = namespace(M)
    return np.diagonal(M, 0, -2, -1) if xp is np else xp.linalg.diagonal(M)


def _columns(D: Array, columns: list[int]) -> Array:
    """The ``columns`` (a list) of ``D``: ``D`` itself when that is all of them."""
    if len(columns) == D.shape[1]:
        return D
    return column_stack([D[:, j] for j in columns])


def _place(M: Array, blocks: list[int], grams: Array) -> None:
    """``M[blocks[i]] = grams[i]``."""
    for i, j in enumerate(blocks):
        M[j, ...] = grams[i, ...]


def _chunked_gram(
    X: Array, D: Array, center: Array | float, single: bool = False
) -> tuple[Array, Array]:
    """:math:`(X - \\mathbf 1 c^\\top)^\\top \\operatorname{diag}(d) (X - \\mathbf 1
    c^\\top)` and :math:`(X - \\mathbf 1 c^\\top)^\\top d` for dense ``X`` and
    each column ``d`` of ``D`` (n, r), stacked (r, p, p) and (r, p) (the
    latter zeros when ``center`` is the float 0.0). ``X`` is read once, a
    row chunk at a time, each chunk used for every column while it is in
    cache. A column of one sign (the softmax's cross-class curvature is
    never positive) takes a symmetric rank-k update, half the work of a
    general product."""
    xp = namespace(D)
    r, p = D.shape[1], X.shape[1]
    M = zeros((r, p, p), like=D)
    u = zeros((r, p), like=D)
    signs = [
        1.0 if positive else -1.0 if negative else 0.0
        for positive, negative in zip(
            xp.all(D >= 0, axis=0), xp.all(D <= 0, axis=0), strict=True
        )
    ]
    sums = not isinstance(center, float)  # else the caller has u already
    centred = sums and any_nonzero(center)
    for rows in row_chunks(X):
        chunk = X[rows, :] - center if centred else X[rows, :]
        if single and r > 1 and isinstance(chunk, np.ndarray):
            chunk = chunk.astype(np.float32)  # once for all r columns
        for j, sign in enumerate(signs):
            d = astype(D[rows, j], chunk.dtype)
            if sums:
                u[j, ...] += chunk.T @ d
            if sign:
                root = xp.sqrt(sign * d)[:, None] * chunk
                M[j, ...] += sign * (root.T @ root)
            else:
                M[j, ...] += chunk.T @ (d[:, None] * chunk)
    return M, u
