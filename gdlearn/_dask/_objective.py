"""The objective of :mod:`gdlearn._objective` over dask arrays.

:class:`DaskObjective` is :class:`~gdlearn._objective.Objective` with ``X``,
the targets ``Y``, the weights and the raw predictions ``Z`` held as dask
arrays in row chunks aligned with ``X``'s; the coordinates ``V``, gradients
and curvature matrices are NumPy arrays, as in memory. The losses are
pointwise, so one task per chunk does all that an evaluation needs:

- :meth:`evaluate` persists ``Z`` beside ``X``'s chunks (``A V``, or the
  ``Z + t A D`` of a line search, which reads no ``X``) and in the same
  round trip sums each chunk's loss, the chunk's :math:`A^\\top G` and the
  two sums of the gradient's rounding noise: the value and the gradient
  come back together, ``q k + 3`` numbers per chunk, and
  :meth:`smooth_gradient` only adds the penalty;
- :meth:`curvature_matrices` sums each chunk's Gram blocks at ``Z``, on the
  same subsample of rows as in memory (every ``n // curvature_rows``-th
  row of the whole data, picked chunk by chunk);
- :meth:`hessian_product` and :meth:`unbounded` are one round trip each.

Rounding aside, every number is the one the in-memory objective computes.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from .._array_api import any_nonzero, dot, rowdot
from .._curvature import _couple, _with_ridge
from .._objective import Objective, Point
from ._design import (
    DaskDesignMatrix,
    aligned,
    compute,
    map_rows,
    on,
    pack,
    unpack,
)
from ._placement import persist_at
from ._stats import merge_scatter, scatter

#: The squared error's Gram matrix comes with the column statistics up to
#: this many columns of ``A`` (the unknowns Newton's method takes on a
#: problem, ``gdlearn.solvers.NEWTON_MAX_UNKNOWNS``): ``q^2 / 2`` numbers
#: per chunk.
SCATTER_MAX_COLUMNS = 1000


def _normalized(sums, p):
    """``(mean, C)`` from :func:`~gdlearn._dask._stats.scatter`'s merged
    sums, ``C`` for weights summing to one."""
    total, mean = sums[0], sums[1 : 1 + p]
    C = unpack(sums[1 + p :], 1, p)[0]
    return mean, C / total if total > 0 else C


def _moments(sums, p, center):
    """:func:`~gdlearn._dask._stats.moments`' merged ``[sum w, m, S]`` from
    :func:`~gdlearn._dask._stats.scatter`'s: ``S`` is the scatter's diagonal
    (centred), or ``S + sum w m^2`` with ``sum w m`` for ``m`` (not)."""
    total, mean = sums[0], sums[1 : 1 + p]
    rows, cols = np.triu_indices(p)
    second = sums[1 + p :][rows == cols]
    if center:
        return np.concatenate([[total], mean, second])
    return np.concatenate([[total], total * mean, second + total * mean**2])


def persisted(A, homes=None):
    """``A`` computed and kept on the workers (``A`` when it already is), each
    row chunk where ``X``'s lies (:func:`~gdlearn._dask._placement.persist_at`)."""
    if len(A.__dask_graph__()) <= A.npartitions:
        return A
    return persist_at(A, homes)


def _evaluate(x, y, w, z, coords, loss, bounded):
    """One chunk's ``[data, spread, along_z, open, A^T G]`` (see the module
    docstring; ``open`` is :func:`_open`'s, 0 when ``bounded``)."""
    y, w, z = np.asarray(y), np.asarray(w), np.asarray(z)
    opened = 0.0 if bounded else _open(y, z, w, loss)[0]
    values, dloss = loss.value_and_gradient(y, z)
    data = w @ values
    spread = w @ rowdot(dloss, dloss)
    G = np.multiply(dloss, w[:, None], out=dloss)
    grad = on(x, coords).rmatvec(G)
    along_z = np.abs(G * z).sum()
    return np.concatenate([[data, spread, along_z, opened], grad.ravel()])


def _at_zero(x, y, w, loss):
    """One chunk's ``[data, spread, X^T G, 1^T G]`` at ``Z = 0`` for its
    weights ``w`` as they are (not yet divided by their sum): what
    :func:`_evaluate` gives at ``V = 0`` before the coordinates are known
    (:math:`A^\\top G = \\operatorname{diag}(s) (X^\\top G - c\\, \\mathbf
    1^\\top G)`, above :math:`s_b \\mathbf 1^\\top G`)."""
    y, w = np.asarray(y), np.asarray(w)
    values, dloss = loss.value_and_gradient(y, np.zeros_like(y))
    data = w @ values
    spread = w @ rowdot(dloss, dloss)
    G = np.multiply(dloss, w[:, None], out=dloss)
    XG = np.asarray(aligned(x).T @ G, dtype=np.float64)
    return np.concatenate([[data, spread], XG.ravel(), G.sum(axis=0, dtype=np.float64)])


def _zeros(x, k, dtype):
    return np.zeros((x.shape[0], k), dtype)


def _hessian_product(x, w, u, coords, curvature):
    G = np.asarray(w)[:, None] * np.asarray(u)
    if curvature != 1:
        G = curvature * G
    return on(x, coords).rmatvec(G).astype(np.float64)


def _curvature(x, y, w, z, coords, loss, stride, single, pairs, start):
    """One chunk's ``[sum of w, Gram blocks]`` on its rows of the subsample
    (every ``stride``-th row of the data; ``start`` is the chunk's first)."""
    rows = slice((-start) % stride, None, stride)
    x, w = aligned(x)[rows], np.asarray(w)[rows]
    H = loss.second_derivative(np.asarray(y)[rows], np.asarray(z)[rows])
    q = x.shape[1] + int(coords[0])
    if x.shape[0] == 0:
        return np.zeros(1 + len(pairs) * q * (q + 1) // 2)
    if loss.constant_curvature:
        H = H[:, :1]
    D = np.column_stack(
        [w * (H[:, j, m] if loss.coupled else H[:, j]) for j, m in pairs]
    )
    blocks = on(x, coords).gram(D, None, single)
    return np.concatenate([[w.sum(dtype=np.float64)], pack(blocks)])


def _open(y, z, w, loss):
    """1.0 where some sample of the chunk with a positive weight is on the
    wrong side (``Z`` does not separate the chunk), else 0.0."""
    rows = np.asarray(w) > 0
    return np.array(
        [0.0 if loss.separates(np.asarray(y), np.asarray(z), rows) else 1.0]
    )


class DaskObjective(Objective):
    """:class:`~gdlearn._objective.Objective` for a dask ``X``; ``Y`` and
    ``sample_weight`` are dask arrays with ``X``'s row chunks (see
    :func:`gdlearn._dask._prepare.prepare`).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from gdlearn.losses import SquaredError
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> Y = (X @ [1.0, -1.0])[:, None]
    >>> obj = DaskObjective(
    ...     da.from_array(X, chunks=(2, 2)), da.from_array(Y, chunks=(2, 1)),
    ...     da.ones(3, chunks=2), SquaredError())
    >>> round(obj.evaluate(obj.zeros()).value, 6)
    0.833333
    """

    def _statistics(self, X, sample_weight, center):
        """The design matrix and column statistics of a dask ``X``, with the
        weights' sum, in one round trip; the normalized weights persisted."""
        design = DaskDesignMatrix(X, fit_intercept=self.fit_intercept)
        at_zero = design.reduce(_at_zero, [X, self.Y, sample_weight], self.loss)
        p, scattered = design.n_features, self._scatter_wanted(design)
        own = design.sparse or not scattered  # sparse chunks: exact moments too
        wanted = [at_zero]
        if scattered:  # dense chunks: the moments follow from the scatter
            wanted.append(
                design.reduce(scatter, [X, sample_weight], merge=merge_scatter)
            )
        if own:
            wanted.append(design.stats_sum(sample_weight, center))
        at_zero, *out = compute(*wanted)
        self._scatter = _normalized(out[0], p) if scattered else None
        sums = out[-1] if own else _moments(out[0], p, center)
        self.sw_sum = float(sums[0])
        self.weights = persisted(
            (sample_weight / self.sw_sum).astype(X.dtype), design.homes
        )
        self._zero = (X, at_zero / self.sw_sum)
        self._open = None  # (Z's name, whether Z separates the classes)
        if self.loss.constant_curvature:  # every row's curvature is summed already
            self.curvature_rows = max(self.curvature_rows, X.shape[0])
        mean, moment = design.finish_stats(sums, center)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(moment))):
            raise ValueError("Input X contains NaN or infinity.")
        return design, mean, moment

    def _scatter_wanted(self, design):
        """Whether the statistics' round trip also sums ``X``'s centred
        scatter, from which the squared error's Gram matrix follows in any
        coordinates, so that its curvature needs no round trip of its own."""
        small = design.n_features + 1 <= SCATTER_MAX_COLUMNS
        return self.loss.constant_curvature and small

    def _scatter_gram(self):
        """The squared error's curvature :math:`c A^\\top \\operatorname{diag}(w)
        A` (1, q, q) in the current coordinates, from the centred scatter
        ``C`` and the mean ``m`` of ``X`` (weights summing to one): with
        :math:`d = m - c`, the features' block is :math:`S (C + d d^\\top)
        S` and their cross term with the intercept :math:`s_b S d` (without
        an intercept, :math:`S (C + m m^\\top) S`)."""
        mean, C = self._scatter
        design, p = self.design, self.n_features
        s = np.asarray(design.scale, dtype=np.float64)
        d = mean - np.asarray(design.offset, np.float64) if self.fit_intercept else mean
        blocks = np.zeros((1, design.n_columns, design.n_columns))
        blocks[0, :p, :p] = (C + np.outer(d, d)) * (s[:, None] * s[None, :])
        if self.fit_intercept:
            b = design.intercept_scale
            blocks[0, :p, p] = blocks[0, p, :p] = b * d * s
            blocks[0, p, p] = b * b
        blocks *= self.loss.curvature
        return _with_ridge(self, blocks, [(0, 0)])

    # -- coordinates ---------------------------------------------------------
    def zeros(self):
        """The starting point ``W = 0, b = 0`` (a NumPy array)."""
        return np.zeros((self.design.n_columns, self.Y.shape[1]), self.dtype)

    # -- smooth part ---------------------------------------------------------
    def raw(self, V):
        """:math:`Z = A V`, persisted beside ``X``'s chunks (not waited for)."""
        return persisted(self.design.matvec(V), self.design.homes)

    def raw_start(self, V):
        """:meth:`raw`; zeros, at ``V = 0``, made beside ``X``'s chunks
        without reading them."""
        if any_nonzero(V):
            return self.raw(V)
        design = self.design
        k, dtype = V.shape[1], self.dtype
        return persisted(
            map_rows(_zeros, design.X, k, dtype, args=(k, dtype), homes=design.homes)
        )

    def evaluate(self, V, Z=None):
        """The smooth part at ``V`` as a :class:`~gdlearn._objective.Point`
        whose ``dloss`` holds the chunks' summed :math:`A^\\top G` and noise
        sums: one round trip (``Z``, lazy or not, is persisted first), none
        at ``V = 0``, whose sums came with the column statistics."""
        if not any_nonzero(V) and self._zero[0] is self.design.X:
            Z = self.raw_start(V) if Z is None else persisted(Z, self.design.homes)
            return self._point(V, Z, self._gradient_at_zero())
        Z = self.raw(V) if Z is None else persisted(Z, self.design.homes)
        arrays = [self.design.X, self.Y, self.weights, Z]
        bounded = not self._separable()
        args = (self.design.coords, self.loss, bounded)
        sums = compute(self.design.reduce(_evaluate, arrays, *args))[0]
        if not bounded:
            self._open = (Z.name, bool(sums[3] > 0))
        return self._point(V, Z, sums[:3], sums[4:])

    def _point(self, V, Z, sums, grad=None):
        """The :class:`~gdlearn._objective.Point` of :meth:`evaluate` from its
        sums ``[data, spread, along_z]`` and :math:`A^\\top G` (or ``sums``
        a pair of those)."""
        if grad is None:
            sums, grad = sums
        data = float(sums[0])
        grad = grad.reshape(V.shape).astype(self.dtype)
        dloss = SimpleNamespace(grad=grad, spread=sums[1], along_z=sums[2])
        W = self.design.scale[:, None] * V[: self.n_features, :]
        return Point(V, Z, data + self.l2.value(W), data, dloss)

    def _gradient_at_zero(self):
        """``([data, spread, along_z], A^T G)`` at ``V = 0``, from the sums of
        :func:`_at_zero`, in the current coordinates."""
        sums, design = self._zero[1], self.design
        p, k = self.n_features, self.Y.shape[1]
        XG, g_b = sums[2 : 2 + p * k].reshape(p, k), sums[2 + p * k :]
        grad = np.zeros((design.n_columns, k))
        if self.fit_intercept:
            XG = XG - design.offset[:, None] * g_b[None, :]
            grad[p, :] = design.intercept_scale * g_b
        grad[:p, :] = design.scale[:, None] * XG
        return np.array([sums[0], sums[1], 0.0]), grad

    def smooth_gradient(self, point):
        """``(grad, noise)`` as :meth:`Objective.smooth_gradient
        <gdlearn._objective.Objective.smooth_gradient>` gives them, from the
        sums :meth:`evaluate` brought back: no round trip."""
        parts = point.dloss
        if parts is None:
            raise ValueError("this Point's gradient was taken already")
        point.dloss = None
        p, s = self.n_features, self.design.scale[:, None]
        W = s * point.V[:p, :]
        grad = parts.grad
        if self.l2.alpha:
            grad[:p, :] += s * self.l2.gradient(W)
        w_square = float(dot(W, W))
        noise = (
            16
            * float(np.finfo(self.dtype).eps)
            * (
                abs(point.value)
                + float(parts.along_z)
                + math.sqrt(float(parts.spread) * self._mean_square * w_square)
            )
        )
        return grad, noise

    def hessian_product(self, U, D):
        """:meth:`Objective.hessian_product
        <gdlearn._objective.Objective.hessian_product>`: one round trip, none
        for the squared error (its Gram came with the statistics)."""
        if self._scatter is not None:
            return (self._scatter_gram()[0] @ D).astype(self.dtype)
        arrays = [self.design.X, self.weights, U]
        total = self.design.reduce(
            _hessian_product, arrays, self.design.coords, self.loss.curvature
        )
        grad = compute(total)[0].astype(self.dtype)
        if self.l2.alpha:
            p, s = self.n_features, self.design.scale[:, None]
            grad[:p, :] += s * self.l2.gradient(s * D[:p, :])
        return grad

    def curvature_matrices(self, Z):
        """:func:`gdlearn._curvature.curvature_matrices`, summed chunk by chunk
        on the same subsample of rows: one round trip, none for the squared
        error (:meth:`_scatter_gram`)."""
        if self._scatter is not None:
            return self._scatter_gram()
        loss, n, k = self.loss, self.n_samples, Z.shape[1]
        stride = 1 if loss.constant_curvature else max(1, n // self.curvature_rows)
        if loss.constant_curvature:
            k = 1
        pairs = (
            [(j, m) for j in range(k) for m in range(j, k)]
            if loss.coupled
            else [(j, j) for j in range(k)]
        )
        single = self.curvature_single and stride > 1
        arrays = [self.design.X, self.Y, self.weights, Z]
        args = (self.design.coords, loss, stride, single, pairs)
        total = self.design.reduce(
            _curvature, arrays, *args, per_chunk=self.design.starts
        )
        sums = compute(total)[0]
        q = self.design.n_columns
        blocks = unpack(sums[1:], len(pairs), q) / sums[0]
        blocks = _with_ridge(self, blocks, pairs)
        return _couple(self, blocks, pairs, k) if loss.coupled else blocks

    def curvature_bound(self):
        """:func:`gdlearn._curvature.curvature_bound`: one round trip, none
        for the squared error (:meth:`_scatter_gram`)."""
        if self._scatter is not None:
            return self._scatter_gram()[0]
        D = self.loss.curvature * self.weights[:, None]
        return _with_ridge(self, self.design.gram(D), [(0, 0)])[0, ...]

    def _separable(self):
        """Whether :meth:`unbounded` can hold: a loss that separates classes,
        no penalty."""
        if getattr(self.loss, "separates", None) is None:
            return False
        return not (self.l2.alpha > 0 or self.l1.alpha > 0)

    def unbounded(self, Z):
        """:meth:`Objective.unbounded <gdlearn._objective.Objective.unbounded>`:
        for the ``Z`` of the last :meth:`evaluate`, no round trip (its tasks
        tested it), else one, when there is no penalty."""
        if not self._separable():
            return False
        if self._open is not None and self._open[0] == Z.name:
            return not self._open[1]
        total = self.design.reduce(_open, [self.Y, Z, self.weights], self.loss)
        return not compute(total)[0][0] > 0
