"""The data as the optimizer sees it: the centred, column-scaled design matrix.

For data ``X`` (n, p), an offset :math:`c` (the weighted column means, when
there is an intercept), column scales :math:`s_j > 0` and an intercept scale
:math:`s_b`, the optimizer's coordinates ``V`` (q, k) meet the data only as

.. math::
    A = \\bigl[(X - \\mathbf 1 c^\\top) \\operatorname{diag}(s),\\;
    s_b \\mathbf 1\\bigr] \\qquad (q = p + 1;\\ \\text{without an intercept }
    A = X \\operatorname{diag}(s),\\ q = p),

so that the raw predictions are :math:`Z = A V = X W + \\mathbf 1 b^\\top`
with :math:`W = \\operatorname{diag}(s) V_W` and :math:`b = s_b v_b - c^\\top
W`. :class:`DesignMatrix` is the one place that reads ``X``, through a few
operations: :math:`A V`, :math:`A^\\top G`, the weighted Gram matrix
:math:`A^\\top \\operatorname{diag}(d) A`, weighted column statistics of
``X`` and the row norms of ``A``. ``A`` is never formed: ``X`` is never
copied or densified, and the centring and scaling are applied to the
``(p, k)`` results. Chunking, float32 sums, the handling of cancellation and
the sparse and array-API branches live here and nowhere else. A second
backend (Dask arrays) implements the same methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs import mean_variance_axis

from ._array_api import (
    any_nonzero,
    astype,
    column_stack,
    device,
    namespace,
    size,
    total,
    zeros,
)
from ._array_api import take_rows as _take_rows
from ._compat import max_float_dtype

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


class DesignMatrix:
    """:math:`A = [(X - \\mathbf 1 c^\\top) \\operatorname{diag}(s), s_b
    \\mathbf 1]` for an ``X`` in memory: a NumPy array, a scipy.sparse
    matrix, or an array of an array API library (PyTorch, CuPy, ...).

    Parameters
    ----------
    X : array or sparse matrix of shape (n, p)
    fit_intercept : bool
        Whether ``A`` has its last column :math:`s_b \\mathbf 1`.
    offset : array of shape (p,), optional
        :math:`c`; zeros by default.
    scale : array of shape (p,), optional
        :math:`s`; ones by default.
    intercept_scale : float, default=1.0
        :math:`s_b`.
    spread : array of shape (p,), optional
        The columns' variance about their mean: where some ``offset`` is
        large beside it, Gram matrices are centred as ``X`` is read (see
        :func:`weighted_gram`).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [3.0, 6.0]])
    >>> A = DesignMatrix(X, fit_intercept=True, offset=np.array([2.0, 4.0]))
    >>> A.matvec(np.array([[1.0], [0.5], [3.0]])).ravel()
    array([1., 5.])
    >>> A.rmatvec(np.array([[1.0], [1.0]])).ravel()
    array([0., 0., 2.])
    """

    def __init__(
        self,
        X: Matrix,
        *,
        fit_intercept: bool,
        offset: Array | None = None,
        scale: Array | None = None,
        intercept_scale: float = 1.0,
        spread: Array | None = None,
    ) -> None:
        p = X.shape[1]
        like = X if not sp.issparse(X) else np.empty(0, dtype=X.dtype)
        self.X, self.fit_intercept = X, fit_intercept
        self.offset = zeros((p,), like=like) if offset is None else offset
        self.scale = zeros((p,), like=like) + 1 if scale is None else scale
        self.intercept_scale = float(intercept_scale)
        self.heavy = spread is not None and bool(
            namespace(self.offset).any(self.offset**2 > 100 * spread)
        )

    # -- shape ----------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def n_columns(self) -> int:
        """``q``, the columns of ``A``: the features, and the intercept's."""
        return self.X.shape[1] + int(self.fit_intercept)

    @property
    def dtype(self) -> Any:
        return self.X.dtype

    @property
    def entries_per_row(self) -> float:
        """The entries a pass reads per row: stored entries for sparse ``X``."""
        n, p = self.X.shape
        return self.X.nnz / max(n, 1) if sp.issparse(self.X) else float(p)  # type: ignore[union-attr]

    def batched(self, blocks: int) -> bool:
        """Whether :meth:`gram` takes ``blocks`` blocks of a small dense ``X``
        (at most ``SMALL_GRAM`` entries in all) in one batched product."""
        return _batched(self.X, blocks)

    def with_coordinates(
        self,
        offset: Array,
        scale: Array,
        intercept_scale: float,
        spread: Array | None = None,
    ) -> DesignMatrix:
        """The same ``X`` in other coordinates (no copy of ``X``)."""
        return DesignMatrix(
            self.X,
            fit_intercept=self.fit_intercept,
            offset=offset,
            scale=scale,
            intercept_scale=intercept_scale,
            spread=spread,
        )

    def take_rows(self, rows: slice | Array) -> DesignMatrix:
        """``A`` restricted to the samples ``rows`` (a slice or indices)."""
        part = DesignMatrix.__new__(DesignMatrix)
        part.__dict__.update(self.__dict__)
        part.X = _take_rows(self.X, rows)
        return part

    # -- coefficients -----------------------------------------------------------
    def to_coef(self, V: Array) -> tuple[Array, Array]:
        """``(W, b)`` with :math:`A V = X W + \\mathbf 1 b^\\top` (``b`` zero
        without an intercept)."""
        p = self.n_features
        W = self.scale[:, None] * V[:p, :]
        if not self.fit_intercept:
            return W, zeros((V.shape[1],), like=V)
        return W, self.intercept_scale * V[p, :] - self.offset @ W

    def from_coef(self, W: Array, b: Array, V: Array) -> Array:
        """``V`` (written into the given array, of ``A``'s shape by ``k``) with
        :math:`A V = X W + \\mathbf 1 b^\\top`: the inverse of :meth:`to_coef`."""
        p, xp = self.n_features, namespace(W)
        moving = self.scale[:, None] > 0  # a column of scale 0 has coefficient 0
        W = xp.where(moving, W, 0.0)
        V[:p, :] = W / xp.where(moving, self.scale[:, None], 1.0)
        if self.fit_intercept:
            V[p, :] = (b + self.offset @ W) / self.intercept_scale
        return V

    # -- products -----------------------------------------------------------------
    def matvec(self, V: Array) -> Array:
        """:math:`A V` (n, k) for ``V`` (q, k): one pass over ``X``. For several
        outputs of a NumPy ``X``, in column-major order (each output's column
        contiguous)."""
        p, X = self.n_features, self.X
        W = self.scale[:, None] * V[:p, :]
        Z = (W.T @ X.T).T if isinstance(X, np.ndarray) and W.shape[1] > 1 else X @ W
        if self.fit_intercept:
            Z += self.intercept_scale * V[p, :] - self.offset @ W
        return Z

    def rmatvec(self, G: Array) -> Array:
        """:math:`A^\\top G` (q, k) for ``G`` (n, k): one pass over ``X.T``,
        :math:`\\operatorname{diag}(s) (X^\\top G - c\\, \\mathbf 1^\\top G)`
        above :math:`s_b \\mathbf 1^\\top G`."""
        p = self.n_features
        XG = self.X.T @ G
        out = zeros((self.n_columns, G.shape[1]), like=G)
        if self.fit_intercept:
            g_b = total(G, axis=0)
            XG -= self.offset[:, None] * g_b[None, :]
            out[p, :] = self.intercept_scale * g_b
        out[:p, :] = self.scale[:, None] * XG
        return out

    def gram(self, D: Array, known: Array | None = None, single: bool = False) -> Array:
        """:math:`A^\\top \\operatorname{diag}(d) A` (r, q, q) for each column
        ``d`` of ``D`` (n, r), in float64 where the device has it, exactly
        symmetric.

        ``known`` is :math:`X^\\top D` (r, p) when the caller knows it (a
        ``D`` proportional to the weights of :meth:`column_stats`): it saves
        a pass. With ``single`` varying columns are summed in float32 (see
        :func:`weighted_gram`). One pass over ``X`` with ``p`` times the work
        of a product, per column of ``D``.
        """
        p, xp = self.n_features, namespace(D)
        M, u, totals = weighted_gram(
            self.X, D, self.offset, known, single=single, heavy=self.heavy
        )
        dtype = xp.float64 if xp is np else max_float_dtype(xp, device(D))
        M, u, totals = astype(M, dtype), astype(u, dtype), astype(totals, dtype)
        s = astype(self.scale, dtype)
        blocks = zeros((D.shape[1], self.n_columns, self.n_columns), like=M)
        blocks[:, :p, :p] = M * (s[:, None] * s[None, :])
        if self.fit_intercept:
            cross = self.intercept_scale * u * s
            blocks[:, :p, p] = cross
            blocks[:, p, :p] = cross
            blocks[:, p, p] = self.intercept_scale**2 * totals
        # a float32 Gram product need not be symmetric, and a solve that uses
        # one triangle must see the matrix the residuals are taken with
        for i in range(blocks.shape[0]):
            blocks[i, ...] = 0.5 * (blocks[i, ...] + blocks[i, ...].T)
        return blocks

    # -- statistics -----------------------------------------------------------------
    def column_stats(self, weights: Array, *, center: bool) -> tuple[Array, Array]:
        """:func:`weighted_column_stats` of ``X`` (not of ``A``)."""
        return weighted_column_stats(self.X, weights, center=center)

    def row_norms(self, metric: Array | None = None) -> Array:
        """:math:`\\lVert a_i \\rVert^2`, or :math:`a_i^\\top M a_i` for a
        ``metric`` ``M`` (q, q), for every row of ``A``: one pass over ``X``
        in row chunks, without densifying a sparse ``X`` when there is no
        metric."""
        X, s, xp = self.X, self.scale, namespace(self.scale)
        norms = []
        if sp.issparse(X) and metric is None:
            s2 = s**2
            for rows in row_chunks(X):
                chunk = X[rows, :]
                norms.append(
                    chunk.multiply(chunk) @ s2
                    - 2 * (chunk @ (s2 * self.offset))
                    + s2 @ self.offset**2
                )
            stacked = np.concatenate(norms)
            return stacked + self.intercept_scale**2 if self.fit_intercept else stacked
        per_chunk = max(1, CHUNK_ENTRIES // self.n_columns)
        for start in range(0, X.shape[0], per_chunk):
            chunk = X[start : min(start + per_chunk, X.shape[0]), :]
            chunk = chunk.toarray() if sp.issparse(chunk) else chunk
            A = (chunk - self.offset) * s
            if self.fit_intercept:
                ones = zeros((A.shape[0], 1), like=A) + self.intercept_scale
                A = np.hstack([A, ones]) if xp is np else xp.concat([A, ones], axis=1)
            AM = A if metric is None else astype(A, metric.dtype) @ metric
            norms.append(total(AM * A, axis=1))
        return np.concatenate(norms) if xp is np else xp.concat(norms)
