"""Column statistics of a dask ``X``, chunk by chunk (dense or scipy.sparse
chunks), and how the chunks' partial results combine."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs import mean_variance_axis

from .._design import row_chunks


def aligned(chunk):
    """``chunk`` as a NumPy array that BLAS reads: a chunk that arrives
    unaligned in memory (after a transfer) is copied, as NumPy would
    otherwise fall back from BLAS to its own loops. A scipy.sparse chunk is
    returned in CSR (the in-memory :class:`~gdlearn._design.DesignMatrix`
    reads it as it is)."""
    if sp.issparse(chunk):
        return chunk.tocsr()
    chunk = np.asarray(chunk)
    return chunk if chunk.flags.aligned else np.array(chunk)


def add(*parts):
    """The sum of equally shaped float64 arrays."""
    out = np.array(parts[0], dtype=np.float64)
    for part in parts[1:]:
        out += part
    return out


def moments(chunk, weights, center):
    """One chunk's ``[sum w, m, S]``, in float64: with ``center`` its own
    weighted mean ``m`` and :math:`S = \\sum w (x - m)^2`, else :math:`m =
    \\sum w x` and :math:`S = \\sum w x^2`."""
    x, w = aligned(chunk), np.asarray(weights, dtype=np.float64).ravel()
    if sp.issparse(x):
        return _sparse_moments(x, w, center)
    pieces = row_chunks(x)  # temporaries of at most CHUNK_ENTRIES entries
    total = w.sum()
    first = sum((w[rows] @ x[rows] for rows in pieces), np.zeros(x.shape[1]))
    mean = first / total if center and total > 0 else np.zeros_like(first)
    second = np.zeros(x.shape[1])
    for rows in pieces:
        second += w[rows] @ np.square(x[rows] - mean if center else x[rows])
    return np.concatenate([[total], mean if center else first, second])


def _sparse_moments(x, w, center):
    """:func:`moments` of a scipy.sparse chunk (CSR), never densified."""
    total = w.sum()
    if not center:
        first = x.T @ w
        return np.concatenate([[total], first, x.multiply(x).T @ w])
    if not total > 0:
        return np.zeros(1 + 2 * x.shape[1])
    # float64 sums (a copy of the stored values of a float32 chunk)
    mean, var = mean_variance_axis(x.astype(np.float64), axis=0, weights=w)
    return np.concatenate([[total], mean, var * total])


def stored(chunk):
    """The entries of one chunk: its stored entries when it is sparse."""
    return np.array([float(chunk.nnz if sp.issparse(chunk) else chunk.size)])


def merge_centred(*parts):
    """:func:`moments` of the union of chunks, from theirs (``center``):
    Chan's pairwise update, :math:`S = S_a + S_b + \\delta^2 s_a s_b / (s_a
    + s_b)` with :math:`\\delta` the distance between the two means."""
    p = (parts[0].shape[0] - 1) // 2
    return _chan(parts, p, np.square)


def _chan(parts, p, cross):
    """Chan's pairwise merge of ``[sum w, mean (p), second moments]`` parts:
    the second moments gain ``cross(delta) s_a s_b / (s_a + s_b)``."""
    out = np.array(parts[0], dtype=np.float64)
    for part in parts[1:]:
        s_a, s_b = out[0], part[0]
        if s_b == 0:
            continue
        if s_a == 0:
            out[:] = part
            continue
        delta = part[1 : 1 + p] - out[1 : 1 + p]
        out[1 : 1 + p] += delta * (s_b / (s_a + s_b))
        out[1 + p :] += part[1 + p :] + cross(delta) * (s_a * s_b / (s_a + s_b))
        out[0] = s_a + s_b
    return out


def scatter(chunk, weights):
    """One chunk's ``[sum w, m, C]`` in float64: its weighted mean ``m``
    and the upper triangle (row by row) of its centred scatter :math:`C =
    \\sum_i w_i (x_i - m)(x_i - m)^\\top`, from which the Gram matrix of the
    squared error follows in any coordinates (:meth:`DaskObjective.
    curvature_matrices <gdlearn._dask._objective.DaskObjective.curvature_matrices>`)."""
    x, w = aligned(chunk), np.asarray(weights, dtype=np.float64).ravel()
    p, total = x.shape[1], w.sum()
    rows, cols = np.triu_indices(p)
    if not total > 0:
        return np.zeros(1 + p + rows.size)
    # a sparse chunk is never densified: its Gram less the rank-one part of its
    # mean (which cancels where a column's mean is large beside its spread,
    # as in the in-memory sparse Gram), merged across chunks as the dense ones
    if sp.issparse(x):
        x = x.astype(np.float64)
        mean = np.asarray(x.T @ w).ravel() / total
        C = (x.T @ sp.csr_array(x.multiply(w[:, None]))).toarray()
        C -= total * np.outer(mean, mean)
        return np.concatenate([[total], mean, C[rows, cols]])
    pieces = row_chunks(x)  # temporaries of at most CHUNK_ENTRIES entries
    mean = sum((w[r] @ x[r] for r in pieces), np.zeros(p)) / total
    C = np.zeros((p, p))
    for r in pieces:
        centred = np.asarray(x[r], dtype=np.float64) - mean
        C += (w[r][:, None] * centred).T @ centred
    return np.concatenate([[total], mean, C[rows, cols]])


def merge_scatter(*parts):
    """:func:`scatter` of the union of chunks, from theirs: Chan's pairwise
    update, :math:`C = C_a + C_b + \\delta \\delta^\\top s_a s_b / (s_a +
    s_b)` with :math:`\\delta` the distance between the two means."""
    size = parts[0].shape[0]
    p = int(round((-3 + np.sqrt(9 + 8 * (size - 1))) / 2))  # 1 + p + p(p+1)/2
    rows, cols = np.triu_indices(p)
    return _chan(parts, p, lambda delta: delta[rows] * delta[cols])
