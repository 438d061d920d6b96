"""The design matrix ``A`` of :mod:`gdlearn._design` over a dask ``X``.

:class:`DaskDesignMatrix` has :class:`~gdlearn._design.DesignMatrix`'s
methods. Each product is one task per row chunk that runs the in-memory
:class:`~gdlearn._design.DesignMatrix` on its chunk, in the same
coordinates (``A``'s rows are the chunks' rows), so that chunking, float32
sums and cancellation stay handled in one place:

- :math:`A V` is a dask array of row chunks aligned with ``X``'s, lazy
  until the caller persists it;
- :math:`A^\\top G`, :math:`A^\\top \\operatorname{diag}(d) A` and the
  column statistics are sums over the chunks of each chunk's own, ``q k``
  and ``r q^2`` numbers per chunk, tree-summed in float64
  (:func:`reduce_rows`) and returned as NumPy arrays.

Every array of rows (``G``, ``D``, the weights) must have ``X``'s row
chunks and one column chunk. ``X`` must have one column chunk (the
validation merges them).
"""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import scipy.sparse as sp
from dask.base import tokenize
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph

from .._design import DesignMatrix
from ._placement import at, blocks, placed_layer, placement
from ._stats import add, aligned, merge_centred, moments, stored

#: Partial sums added together by one task of the tree sum.
FAN_IN = 8


def tree_sum(parts, merge=add, homes=None):
    """The sum (or ``merge``) of Delayed arrays, ``FAN_IN`` at a time (a
    tree of tasks); with ``homes`` (the worker of each part) each worker's
    parts first, there, so that it sends one partial sum."""
    if homes is not None:
        groups = {}
        for i, home in enumerate(homes):
            groups.setdefault(home, []).append(i)
        summed = []
        for group in groups.values():
            with at(homes, group[0]):
                summed.append(tree_sum([parts[i] for i in group], merge))
        parts = summed
    level = list(parts)
    while len(level) > 1:  # bounded: the level shrinks FAN_IN-fold each pass
        level = [
            dask.delayed(merge, pure=True)(*level[i : i + FAN_IN])
            for i in range(0, len(level), FAN_IN)
        ]
    return level[0]


def compute(*collections):
    """``dask.compute`` on the active scheduler: one round trip."""
    return dask.compute(*collections)


def reduce_rows(task, arrays, *args, per_chunk=None, merge=add, homes=None):
    """``sum_i task(chunk_i of each of arrays, *args)`` as a Delayed float64
    array: ``task`` returns a float64 array of the same shape for every
    chunk. ``per_chunk`` (a list, one entry per chunk) is passed after
    ``args``; ``merge`` combines partial results (a sum by default); with
    ``homes`` (see :func:`placement`) each chunk's task runs where the chunk
    lies, and each worker sums its own first."""
    parts = []
    columns = [blocks(A) for A in arrays]
    for i, chunks in enumerate(zip(*columns, strict=True)):
        extra = () if per_chunk is None else (per_chunk[i],)
        with at(homes, i):
            parts.append(dask.delayed(task, pure=True)(*chunks, *args, *extra))
    return tree_sum(parts, merge, homes)


def map_rows(task, X, columns, dtype, *items, args=(), homes=None):
    """The dask array (``X``'s row chunks; ``columns`` columns, or 1-D when
    None) whose chunk ``i`` is ``task(x_i, items_i..., *args)``, lazy: each
    task takes ``X``'s chunk, and runs where it lies (``homes``)."""
    name = "rows-" + tokenize(task, X, items, args, columns, dtype)
    layer, dependencies = {}, [X]
    for i, x in enumerate(blocks(X)):
        chunk = [item[i] for item in items]
        dependencies += [c for c in chunk if isinstance(c, Delayed)]
        key = (name, i) if columns is None else (name, i, 0)
        part = dask.delayed(task, pure=True)(x, *chunk, *args, dask_key_name=key)
        (own,) = part.__dask_layers__()
        layer.update(part.__dask_graph__().layers[own])
    # one layer whose keys are the chunks' (no concatenate or from_delayed
    # aliases, which the scheduler would place anywhere), each placed
    graph = HighLevelGraph.from_collections(
        name, placed_layer(layer, homes), dependencies
    )
    chunks = (X.chunks[0],) if columns is None else (X.chunks[0], (columns,))
    meta = np.empty((0,) * len(chunks), dtype=dtype)
    return da.Array(graph, name, chunks, dtype=dtype, meta=meta)


def pack(blocks):
    """The upper triangles of symmetric blocks (r, q, q), flat."""
    rows, cols = np.triu_indices(blocks.shape[-1])
    return blocks[:, rows, cols].ravel()


def unpack(values, r, q):
    """The blocks (r, q, q) whose upper triangles :func:`pack` gave."""
    rows, cols = np.triu_indices(q)
    out = np.zeros((r, q, q))
    out[:, rows, cols] = values.reshape(r, -1)
    out[:, cols, rows] = out[:, rows, cols]
    return out


def on(chunk, coords):
    """The :class:`~gdlearn._design.DesignMatrix` of one chunk of ``X`` in
    the coordinates ``coords`` (see :attr:`DaskDesignMatrix.coords`)."""
    fit_intercept, offset, scale, intercept_scale, spread = coords
    return DesignMatrix(
        aligned(chunk),
        fit_intercept=fit_intercept,
        offset=offset,
        scale=scale,
        intercept_scale=intercept_scale,
        spread=spread,
    )


def _matvec(chunk, coords, V):
    return on(chunk, coords).matvec(V)


def _rmatvec(chunk, G, coords):
    return on(chunk, coords).rmatvec(np.asarray(G)).astype(np.float64)


def _gram(chunk, D, coords, single):
    if chunk.shape[0] == 0:
        q = chunk.shape[1] + int(coords[0])
        return pack(np.zeros((D.shape[1], q, q)))
    return pack(on(chunk, coords).gram(np.asarray(D), None, single))


class DaskDesignMatrix:
    """:math:`A = [(X - \\mathbf 1 c^\\top) \\operatorname{diag}(s), s_b
    \\mathbf 1]` for a dask ``X`` of NumPy or scipy.sparse row chunks (one column chunk).

    Parameters are those of :class:`~gdlearn._design.DesignMatrix`.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> X = da.from_array(np.array([[1.0, 2.0], [3.0, 6.0]]), chunks=(1, 2))
    >>> A = DaskDesignMatrix(X, fit_intercept=True, offset=np.array([2.0, 4.0]))
    >>> A.matvec(np.array([[1.0], [0.5], [3.0]])).compute().ravel()
    array([1., 5.])
    >>> A.rmatvec(X[:, :1] * 0 + 1).ravel()
    array([0., 0., 2.])
    """

    def __init__(
        self,
        X,
        *,
        fit_intercept: bool,
        offset=None,
        scale=None,
        intercept_scale: float = 1.0,
        spread=None,
    ):
        self.X, self.spread = X, spread
        # A of no rows in these coordinates: the coefficients' algebra
        self.local = DesignMatrix(
            np.empty((0, X.shape[1]), dtype=X.dtype),
            fit_intercept=fit_intercept,
            offset=offset,
            scale=scale,
            intercept_scale=intercept_scale,
            spread=spread,
        )

    # -- shape and coordinates ------------------------------------------------
    @property
    def fit_intercept(self) -> bool:
        return self.local.fit_intercept

    @property
    def offset(self):
        return self.local.offset

    @property
    def scale(self):
        return self.local.scale

    @property
    def intercept_scale(self) -> float:
        return self.local.intercept_scale

    @property
    def heavy(self) -> bool:
        return self.local.heavy

    @property
    def coords(self):
        """What a chunk's task needs to build its rows of ``A``."""
        local = self.local
        return (
            local.fit_intercept,
            local.offset,
            local.scale,
            local.intercept_scale,
            self.spread,
        )

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def n_columns(self) -> int:
        return self.local.n_columns

    @property
    def dtype(self):
        return self.X.dtype

    @property
    def sparse(self) -> bool:
        """Whether ``X``'s chunks are scipy.sparse matrices."""
        return sp.issparse(self.X._meta)

    @property
    def entries_per_row(self) -> float:
        """The entries a pass reads per row: for sparse chunks their stored
        entries, counted once (one round trip), as in memory."""
        if not self.sparse:
            return float(self.X.shape[1])
        if "_entries" not in self.__dict__:
            count = compute(self.reduce(stored, [self.X]))[0][0]
            self._entries = float(count) / max(self.n_samples, 1)
        return self._entries

    @property
    def starts(self):
        """The first row of each chunk."""
        return np.concatenate([[0], np.cumsum(self.X.chunks[0])[:-1]]).tolist()

    def batched(self, blocks) -> bool:
        """Never: the Gram blocks are summed chunk by chunk."""
        return False

    def with_coordinates(self, offset, scale, intercept_scale, spread=None):
        """The same ``X`` in other coordinates."""
        other = DaskDesignMatrix(
            self.X,
            fit_intercept=self.fit_intercept,
            offset=offset,
            scale=scale,
            intercept_scale=intercept_scale,
            spread=spread,
        )
        kept = ("_homes", "_entries")
        other.__dict__.update({k: v for k, v in self.__dict__.items() if k in kept})
        return other

    def take_rows(self, rows):
        """``A`` restricted to the samples ``rows`` (a slice)."""
        return DaskDesignMatrix(
            self.X[rows],
            fit_intercept=self.fit_intercept,
            offset=self.offset,
            scale=self.scale,
            intercept_scale=self.intercept_scale,
            spread=self.spread,
        )

    def to_coef(self, V):
        """:meth:`DesignMatrix.to_coef <gdlearn._design.DesignMatrix.to_coef>`."""
        return self.local.to_coef(V)

    def from_coef(self, W, b, V):
        """:meth:`DesignMatrix.from_coef <gdlearn._design.DesignMatrix.from_coef>`."""
        return self.local.from_coef(W, b, V)

    # -- products ----------------------------------------------------------------
    def matvec(self, V):
        """:math:`A V` (n, k), lazy, in row chunks aligned with ``X``'s."""
        args = (self.coords, V)
        return map_rows(
            _matvec, self.X, V.shape[1], self.dtype, args=args, homes=self.homes
        )

    def rmatvec(self, G):
        """:math:`A^\\top G` (q, k) for a dask ``G`` (n, k): one round trip."""
        total = self.reduce(_rmatvec, [self.X, G], self.coords)
        return compute(total)[0].astype(self.dtype)

    def gram(self, D, known=None, single=False):
        """:math:`A^\\top \\operatorname{diag}(d) A` (r, q, q) in float64 for
        each column ``d`` of a dask ``D`` (n, r): one round trip. ``known``
        is not used (each chunk's task computes its own ``X^\\top D``)."""
        r, q = D.shape[1], self.n_columns
        return unpack(compute(self.gram_sum(D, single))[0], r, q)

    def gram_sum(self, D, single=False):
        """:meth:`gram`'s upper triangles, as a Delayed sum (not computed)."""
        return self.reduce(_gram, [self.X, D], self.coords, single)

    @property
    def homes(self):
        """:func:`placement` of ``X``'s chunks, found once."""
        if "_homes" not in self.__dict__:
            self._homes = placement(self.X)
        return self._homes

    def reduce(self, task, arrays, *args, **kwargs):
        """:func:`reduce_rows` where ``X``'s chunks lie."""
        return reduce_rows(task, arrays, *args, homes=self.homes, **kwargs)

    # -- statistics -------------------------------------------------------------
    def column_stats(self, weights, *, center):
        """:func:`gdlearn._design.weighted_column_stats` of ``X``, for dask
        ``weights`` summing to one: one round trip."""
        return self.finish_stats(compute(self.stats_sum(weights, center))[0], center)

    def stats_sum(self, weights, center):
        """The chunks' moments (see :func:`_moments`), combined, as a Delayed."""
        merge = merge_centred if center else add
        return self.reduce(moments, [self.X, weights], center, merge=merge)

    def finish_stats(self, sums, center):
        """``(mean, moment)`` of ``X``'s dtype from :meth:`stats_sum`'s result,
        for weights of any positive sum (divided by it here)."""
        p, total = self.n_features, sums[0]
        mean, moment = sums[1 : 1 + p], sums[1 + p :] / total
        mean = mean if center else mean / total
        return mean.astype(self.dtype), moment.astype(self.dtype)

    def row_norms(self, metric=None):
        """:math:`\\lVert a_i \\rVert^2` (or :math:`a_i^\\top M a_i`), lazy."""
        return self.X.map_blocks(
            _row_norms,
            self.coords,
            metric,
            drop_axis=1,
            dtype=self.dtype,
            meta=np.empty(0, dtype=self.dtype),
        )


def _row_norms(chunk, coords, metric):
    return on(chunk, coords).row_norms(metric)
