"""The data as the optimizer sees it: the centred, column-scaled design matrix.

For data ``X`` (n, p), an offset :math:`c` (the weighted column means, when
there is an intercept), column scales :math:`s_j \\ge 0` (0 for a constant column) and an intercept scale
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
the sparse and array-API branches live here and in the passes over ``X`` it
is built on (:mod:`gdlearn._kernels`), and nowhere else. A second backend
(Dask arrays) implements the same methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ._array_api import (
    astype,
    device,
    namespace,
    total,
    zeros,
)
from ._array_api import take_rows as _take_rows
from ._compat import max_float_dtype
from ._kernels import (
    CHUNK_ENTRIES,
    _batched,
    row_chunks,
    weighted_column_stats,
    weighted_gram,
)

if TYPE_CHECKING:
    from ._typing import Array, Matrix


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

    def take_columns(self, columns: np.ndarray) -> DesignMatrix:
        """``A`` restricted to the features ``columns`` (sorted indices) and
        the intercept's column, in the same coordinates: the full data's
        offset and scale on those columns, so that ``V`` restricted to their
        rows means what it means for the whole ``A``. For a NumPy or
        scipy.sparse ``X`` (the columns are copied)."""
        part = DesignMatrix.__new__(DesignMatrix)
        part.__dict__.update(self.__dict__)
        X = self.X
        if sp.issparse(X):  # one conversion for every working set
            if "_csc" not in self.__dict__:
                self._csc = X.tocsc()
            X = self._csc
        part.X = X[:, columns]
        part.__dict__.pop("_csc", None)
        part.offset, part.scale = self.offset[columns], self.scale[columns]
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

    def cross_gram(self, d: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The rows ``rows`` (feature indices) of :math:`A^\\top
        \\operatorname{diag}(d) A` against every feature (the intercept's
        column left out), float64: a Gram matrix's new rows where the others
        are known. A dense ``X``'s columns are centred as a copy; a sparse
        ``X``'s product is centred by expanding it. For a NumPy or
        scipy.sparse ``X``."""
        X, c = self.X, self.offset.astype(np.float64)
        d = np.asarray(d, dtype=np.float64)
        if sp.issparse(X):
            u = np.asarray(X.T @ d).ravel()
            M = (X[:, rows].multiply(d[:, None]).T @ X).toarray()
            M -= c[rows, None] * u[None, :] + u[rows, None] * c[None, :]
            M += d.sum() * c[rows, None] * c[None, :]
        else:
            Xc = X - c  # float64: the offset is
            M = (Xc[:, rows] * d[:, None]).T @ Xc
        s = self.scale.astype(np.float64)
        return M * s[rows, None] * s[None, :]

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
