"""The objective of every gdlearn estimator, and its gradient by the chain rule.

For data ``X`` (n, p), targets ``Y`` (n, k), sample weights ``sw`` and a
pointwise loss :math:`\\ell`, coefficients ``W`` (p, k) and intercept ``b``
(k,) give raw predictions :math:`Z = X W + \\mathbf{1} b^\\top` and

.. math::
    f(W, b) = \\underbrace{\\frac{1}{\\sum_i sw_i} \\sum_i sw_i\\,
              \\ell(y_i, z_i)}_{\\text{data term}}
              + \\tfrac{\\lambda_2}{2} \\lVert W \\rVert^2
              + \\lambda_1 \\lVert W \\rVert_1 .

With :math:`G = \\operatorname{diag}(sw / \\textstyle\\sum sw)\\,
\\partial \\ell / \\partial Z` (the loss's derivative at each sample, weighted),
the chain rule :math:`\\nabla_x z = (\\partial y / \\partial x)^\\top \\nabla_y z`
of seed 004 with :math:`\\partial Z / \\partial W = X` gives

.. math::
    \\nabla_W f = X^\\top G + \\lambda_2 W \\;(+\\, \\lambda_1 \\partial
    \\lVert W \\rVert_1), \\qquad \\nabla_b f = G^\\top \\mathbf{1}.

For the squared error this is seed 004's :math:`\\nabla_w J = \\frac1m X (h - y)^\\top`
and for the sigmoid cross-entropy its :math:`\\frac1m X (a - y)^\\top` (there
``X`` holds samples in columns). The intercept is never penalized.

Preconditioning (``precondition=True``) changes variables, never the data:
with the weighted column means :math:`\\bar x` (when there is an intercept)
and a scale :math:`s_j > 0` per feature,

.. math::
    W = \\operatorname{diag}(s)\\, V_W, \\qquad
    b = s_b\\, v_b - \\bar x^\\top W,

so that :math:`Z = (X - \\mathbf{1} \\bar x^\\top) \\operatorname{diag}(s) V_W
+ \\mathbf{1} s_b v_b`. The optimum is the same; only the coordinates the
optimizer walks in change. ``s_j = (c\\,\\mathrm{var}_j + \\lambda_2)^{-1/2}``
(``c`` the loss curvature) puts a 1 on each diagonal entry of the Hessian
bound, which removes the scale of each feature from the step size. By the
chain rule again, :math:`\\nabla_{V_W} f = \\operatorname{diag}(s) (X^\\top G
- \\bar x\\, \\mathbf{1}^\\top G + \\lambda_2 W)` and :math:`\\nabla_{v_b} f
= s_b \\mathbf{1}^\\top G`: still one product with ``X`` and one with
``X.T`` per gradient, and ``X`` is never copied or densified.

This module is the only place where ``X.T`` and the division by
:math:`\\sum sw` appear.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs import mean_variance_axis

from ._array_api import (
    any_nonzero,
    astype,
    column_stack,
    copy,
    device,
    dot,
    eye,
    floats,
    namespace,
    rowdot,
    size,
    take_rows,
    total,
    zeros,
)
from ._compat import max_float_dtype
from .penalties import L1, L2, ElasticNet


def row_chunks(X):
    """Slices of about 2**18 entries of ``X`` (stored entries for sparse ``X``):
    the largest temporary a pass makes."""
    n, p = X.shape
    per_row = X.nnz / max(n, 1) if sp.issparse(X) else p
    rows = max(1, int(2**18 // max(per_row, 1)))
    return [slice(start, min(start + rows, n)) for start in range(0, n, rows)]


def weighted_column_stats(X, weights, *, center):
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


def _two_pass_stats(X, weights, center):
    """:func:`weighted_column_stats` by two passes: the mean, then the moments
    of row chunks with the mean subtracted (no cancellation)."""
    mean = weights @ X
    moment = namespace(X).zeros_like(mean)
    shift = mean if center else 0.0
    for rows in row_chunks(X):
        chunk = X[rows, :] - shift
        moment += weights[rows] @ (chunk * chunk)
    return mean, moment


def weighted_gram(X, D, center, u=None, single=False, heavy=False):
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
    the expansion finds cancellation and sums the columns again exactly. A small dense ``X`` (``r`` times its size at
    most 2**16: the bundled datasets) is centred as a copy and all its
    blocks taken in one batched product: there the calls cost more than the
    arithmetic.
    """
    r, p = D.shape[1], X.shape[1]
    xp = namespace(D)
    totals = xp.sum(D, axis=0)
    if not (single or sp.issparse(X)) and r * size(X) <= 2**16:
        Xc = X - center
        return Xc.T @ (D.T[:, :, None] * Xc[None, :, :]), (Xc.T @ D).T, totals
    M = zeros((r, p, p), like=D)
    u = (X.T @ D).T if u is None else u
    gram = None  # X.T @ X, shared by every constant column (the softmax at zero)
    constant = [bool(c) for c in xp.all(D[:1, :] == D, axis=0)]
    varying = []
    for j in range(r):
        if sp.issparse(X):
            M[j, ...] = (X.T @ X.multiply(D[:, j : j + 1]).tocsc()).toarray()
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
    diagonals = np.diagonal(M, 0, 1, 2) if xp is np else xp.linalg.diagonal(M)
    centred = diagonals - 2 * center * u + shift
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


def _columns(D, columns):
    """The ``columns`` (a list) of ``D``: ``D`` itself when that is all of them."""
    if len(columns) == D.shape[1]:
        return D
    return column_stack([D[:, j] for j in columns])


def _place(M, blocks, grams):
    """``M[blocks[i]] = grams[i]``."""
    for i, j in enumerate(blocks):
        M[j, ...] = grams[i, ...]


def _chunked_gram(X, D, center, single=False):
    """:math:`(X - \\mathbf 1 c^\\top)^\\top \\operatorname{diag}(d) (X - \\mathbf 1
    c^\\top)` and :math:`(X - \\mathbf 1 c^\\top)^\\top d` for dense ``X`` and
    each column ``d`` of ``D`` (n, r), stacked (r, p, p) and (r, p) (the
    latter zeros when ``center`` is the float 0.0). ``X`` is read once, a
    row chunk at a time, each chunk used for every column while it is in
    cache. A column of one sign (the softmax's
    cross-class curvature is never positive) takes a symmetric rank-k
    update, half the work of a general product."""
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


class Objective:
    """The objective ``f`` above, in the optimizer's coordinates ``V``.

    ``V`` has shape ``(p + 1, k)`` with the intercept as its last row, or
    ``(p, k)`` without an intercept. ``f`` splits into a smooth part (data
    term and L2 penalty), reached through the raw predictions
    ``Z = raw(V)``, and the L1 part, which the optimizer handles by proximal
    or subgradient steps.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n, p)
    Y : ndarray of shape (n, k)
    sample_weight : ndarray of shape (n,), nonnegative with a positive sum
    loss : a loss from :mod:`gdlearn.losses`
    penalty : ElasticNet, optional
        Penalty on ``W`` in the data term's units: its ``l2`` and ``l1``
        strengths are :math:`\\lambda_2` and :math:`\\lambda_1`.
    fit_intercept : bool
    precondition : bool
        Change variables as described in the module docstring. Without it
        ``V`` is ``[W; b]`` itself.
    coordinates : tuple, optional
        ``(offset, scale, intercept_scale)`` of another objective (its
        :attr:`coordinates`), to walk in the same coordinates as that one
        rather than in this data's own: for held-out data, and for the later
        chunks of a stream.
    """

    curvature_rows = 20_000
    curvature_single = True

    def __init__(
        self,
        X,
        Y,
        sample_weight,
        loss,
        penalty=None,
        *,
        fit_intercept=True,
        precondition=True,
        coordinates=None,
    ):
        penalty = penalty if penalty is not None else ElasticNet(0.0, 0.0)
        if isinstance(Y, np.ndarray) and Y.shape[1] > 1:
            # each output's column contiguous, as raw() returns Z: the softmax
            # reduces across the classes of a row, which NumPy does 10 to 20
            # times faster over contiguous columns than along short rows
            Y = np.asfortranarray(Y)
        self.X, self.Y, self.loss = X, Y, loss
        self._pending = None  # see smooth_value
        self.l2, self.l1 = L2(penalty.l2), L1(penalty.l1)
        self.fit_intercept = fit_intercept
        dtype = X.dtype
        xp = namespace(Y)  # numpy, or X's array API namespace (X may be sparse)
        self.n_features = X.shape[1]
        self.sw_sum = float(xp.sum(sample_weight, dtype=xp.float64))
        self.weights = astype(sample_weight / self.sw_sum, dtype)

        p = self.n_features
        self.offset = zeros((p,), like=Y, dtype=dtype)
        self.scale = zeros((p, 1), like=Y, dtype=dtype) + 1
        self.intercept_scale = 1.0
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            mean, moment = weighted_column_stats(
                X, self.weights, center=fit_intercept and precondition
            )
            square = moment + mean**2 if fit_intercept and precondition else moment
            # sum_i w_i ||x_i||^2, for the noise of the value (and the check below)
            self._mean_square = float(xp.sum(square, dtype=xp.float64))
            too_large = not math.isfinite(self._mean_square * X.shape[0] * 1e6)
        if too_large:
            raise ValueError(
                f"X has values too large for {dtype} arithmetic on their squares "
                "(sums of squares over the samples overflow). Scale X down before "
                "fitting."
            )
        if precondition:
            # A feature constant up to rounding keeps scale 1: after centring
            # it is zero and its coefficient stays where it starts.
            eps = xp.finfo(dtype).eps
            constant = moment <= (X.shape[0] * eps * mean) ** 2
            curv = loss.curvature * xp.where(constant, 0.0, moment) + self.l2.alpha
            self.scale = astype(1 / xp.sqrt(xp.where(curv > 0, curv, 1.0)), dtype)
            self.scale = self.scale[:, None]
            self.intercept_scale = 1 / math.sqrt(loss.curvature)
            if fit_intercept:
                self.offset = astype(mean, dtype)
        self._column_mean = astype(mean, dtype)  # X.T @ weights, for weighted_gram
        if coordinates is not None:
            self.offset, self.scale, self.intercept_scale = coordinates
        # an offset large beside its column's spread: Gram matrices about it
        # are centred as X is read (see weighted_gram)
        variance = xp.where(moment < square, square - mean**2, moment)
        self._offset_heavy = bool(xp.any(self.offset**2 > 100 * variance))
        # the largest diagonal entry of the curvature bound in V coordinates:
        # 1 when preconditioned, a lower bound on the largest eigenvalue
        diagonal = (loss.curvature * moment + self.l2.alpha) * self.scale[:, 0] ** 2
        self.diagonal_curvature = max(
            float(xp.max(diagonal)) if p else 0.0,
            loss.curvature * self.intercept_scale**2 if fit_intercept else 0.0,
        )

    @property
    def coordinates(self):
        """``(offset, scale, intercept_scale)``: what ``V`` means (see above)."""
        return self.offset, self.scale, self.intercept_scale

    # -- coordinates ---------------------------------------------------------
    def zeros(self):
        """The starting point ``W = 0, b = 0``."""
        rows = self.n_features + int(self.fit_intercept)
        return zeros((rows, self.Y.shape[1]), like=self.Y, dtype=self.X.dtype)

    def to_coef(self, V):
        """``(W, b)`` from optimizer coordinates; ``b`` is zero without intercept."""
        p = self.n_features
        W = self.scale * V[:p, :]
        if not self.fit_intercept:
            return W, zeros((V.shape[1],), like=V)
        return W, self.intercept_scale * V[p, :] - self.offset @ W

    def from_coef(self, W, b):
        """Optimizer coordinates of ``(W, b)``: the inverse of :meth:`to_coef`."""
        V = self.zeros()
        p = self.n_features
        V[:p, :] = W / self.scale
        if self.fit_intercept:
            V[p, :] = (b + self.offset @ W) / self.intercept_scale
        return V

    # -- smooth part ---------------------------------------------------------
    def raw(self, V):
        """Raw predictions :math:`Z = X W + \\mathbf 1 b^\\top`: one pass over ``X``."""
        return self._raw(self.X, V)

    def raw_start(self, V):
        """:meth:`raw`, without reading ``X`` when ``V`` is zero (a cold start)."""
        if any_nonzero(V):
            return self.raw(V)
        xp = namespace(self.Y)
        return np.zeros_like(self.Y) if xp is np else xp.zeros_like(self.Y)

    def _raw(self, X, V):
        p = self.n_features
        W = self.scale * V[:p, :]
        # for several outputs, the same product in Y's (Fortran) layout
        Z = (W.T @ X.T).T if isinstance(X, np.ndarray) and W.shape[1] > 1 else X @ W
        if self.fit_intercept:
            Z += self.intercept_scale * V[p, :] - self.offset @ W
        return Z

    def smooth_value(self, Z, V):
        """Data term plus L2 penalty, from raw predictions ``Z = raw(V)``.

        The loss's derivative at ``Z`` comes out of the same work (one
        log-softmax for the multinomial), and is kept for a
        :meth:`smooth_value_and_gradient` at this very ``Z``: the trial point
        of a line search that is accepted, which is most of them.
        """
        W = self.scale * V[: self.n_features, :]
        self._pending = None  # an earlier trial's, gone before this one's
        values, dloss = self.loss.value_and_gradient(self.Y, Z)
        data = self.weights @ values
        self._pending = (Z, data, dloss)
        return float(data) + self.l2.value(W)

    def smooth_value_and_gradient(self, Z, V):
        """:meth:`smooth_value`, its gradient with respect to ``V``, and its noise.

        The gradient costs one pass over ``X.T``; the loss's value and
        derivative at ``Z`` share their work. The noise bounds the rounding
        error of the value to first order: ``Z`` itself is only known to a
        relative ``eps``, which moves the value by up to
        :math:`\\epsilon \\sum_i |G_i|\\,|z_i|`, much more than
        :math:`\\epsilon |f|` when the residuals are small beside ``Z``; and
        where :math:`z_i = x_i^\\top w` cancels (many features, or the
        centring) its error is :math:`\\epsilon \\lVert x_i \\rVert
        \\lVert w \\rVert` rather than :math:`\\epsilon |z_i|`, which adds
        :math:`\\epsilon \\sum_i |G_i| \\lVert x_i \\rVert \\lVert W \\rVert`,
        bounded through :math:`\\sum_i w_i \\lVert x_i \\rVert^2` (the column
        statistics) so that weighted and repeated samples agree.
        """
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] is Z:
            data, dloss = pending[1:]
        else:
            values, dloss = self.loss.value_and_gradient(self.Y, Z)
            data = self.weights @ values
            del values
        xp = namespace(Z)
        spread = self.weights @ rowdot(dloss, dloss)  # sum_i w_i ||d_i||^2
        # NumPy: G, then |G * Z|, in dloss's own memory (no other array of Z's size)
        if xp is np:
            G = np.multiply(dloss, self.weights[:, None], out=dloss)
        else:
            G = self.weights[:, None] * dloss
        grad, W = self._backprop(self.X, G, V)
        # |error of z_i| <~ eps ||x_i|| ||w||, and by Cauchy-Schwarz
        # sum_i w_i |d_i| ||x_i|| <= (sum_i w_i d_i^2)^(1/2) (sum_i w_i ||x_i||^2)^(1/2):
        # the cancellation in z_i = x_i w (p terms, or the centring) that makes Z
        # less exact than |Z| says
        GZ = np.multiply(G, Z, out=G) if xp is np else G * Z
        data, spread, along_z, w_square = floats(
            data,
            spread,
            total(np.abs(GZ, out=GZ) if xp is np else xp.abs(GZ)),
            dot(W, W),
        )
        value = data + self.l2.value(W)
        noise = (
            16
            * xp.finfo(Z.dtype).eps
            * (abs(value) + along_z + math.sqrt(spread * self._mean_square * w_square))
        )
        return value, grad, noise

    def _backprop(self, X, G, V):
        """The gradient with respect to ``V`` from the weighted loss derivatives
        ``G`` at the samples ``X`` (the chain rule above), and ``W``."""
        p = self.n_features
        W = self.scale * V[:p, :]
        grad_W = X.T @ G + self.l2.gradient(W)
        grad = namespace(G).empty_like(V)
        if self.fit_intercept:
            grad_b = total(G, axis=0)
            grad_W -= self.offset[:, None] * grad_b[None, :]
            grad[p, :] = self.intercept_scale * grad_b
        grad[:p, :] = self.scale * grad_W
        return grad, W

    def hessian_product(self, U, D):
        """For a loss of constant curvature ``c`` (the squared error), the
        smooth part's Hessian times ``D``, from ``U = raw(D)``: the chain rule
        above with the weighted loss derivatives ``G`` replaced by their change
        along ``D``, :math:`c\\, w_i u_i`, so that :math:`\\nabla F(V + tD) =
        \\nabla F(V) + t H D` at every ``V`` and ``t``. The smooth part is a
        parabola along ``D`` with second derivative :math:`D^\\top H D`. One
        pass over ``X.T``."""
        G = self.weights[:, None] * U
        if self.loss.curvature != 1:
            G = self.loss.curvature * G
        return self._backprop(self.X, G, D)[0]

    def smooth_gradient(self, Z, V):
        """Gradient of :meth:`smooth_value` with respect to ``V``."""
        return self.smooth_value_and_gradient(Z, V)[1]

    def stochastic_gradient(self, rows, V, pool=None, anchor=None):
        """An unbiased estimate of :meth:`smooth_gradient` from the samples ``rows``.

        For a mini-batch :math:`B` of :math:`m` samples drawn uniformly, the
        data term's sum over all :math:`n` samples is replaced by
        :math:`\\frac{n}{m} \\sum_{i \\in B}`, whose expectation it is (``n`` is
        ``pool``, the number of samples the batches are drawn from, all by
        default):

        .. math:: g_B = \\frac{n}{m} X_B^\\top G_B + \\lambda_2 W,

        the chain rule above on the batch's rows only. It reads the ``m``
        rows of ``X`` twice (``Z_B`` and ``X_B^\\top G_B``), so an epoch of
        mini-batches costs what one full gradient does.

        With ``anchor = (V~, Z~, grad~)`` (a point, its raw predictions and
        its full gradient) it is the variance-reduced estimate
        :math:`g_B(V) - g_B(\\tilde V) + \\nabla F(\\tilde V)`: the chain rule
        is linear in ``G`` and in ``W``, so that is one product with
        :math:`G_B(V) - G_B(\\tilde V)` at ``V - V~``, and :math:`G_B(\\tilde
        V)` comes from the rows of ``Z~`` without reading ``X``.
        """
        X, Y = take_rows(self.X, rows), take_rows(self.Y, rows)
        pool = self.X.shape[0] if pool is None else pool
        weights = take_rows(self.weights, rows) * (pool / Y.shape[0])
        dloss = self.loss.gradient(Y, self._raw(X, V))
        if anchor is None:
            return self._backprop(X, weights[:, None] * dloss, V)[0]
        V_anchor, Z_anchor, grad_anchor = anchor
        dloss = dloss - self.loss.gradient(Y, take_rows(Z_anchor, rows))
        return (
            self._backprop(X, weights[:, None] * dloss, V - V_anchor)[0] + grad_anchor
        )

    def sample_curvature(self, pool=None, metric=None):
        """A bound on the curvature of one sample's term, in ``V`` coordinates.

        Sample ``i`` enters the data term as :math:`n w_i \\ell(y_i, a_i^\\top V)`
        (``w`` the normalized weights, ``a_i`` the row of the effective design
        of :meth:`curvature_matrices`), whose curvature is at most
        :math:`n w_i c \\lVert a_i \\rVert^2` with ``c`` the loss's bound, or
        :math:`n w_i c\\, a_i^\\top M a_i` for steps taken in the metric ``M``
        (``M`` times the gradient); the L2 part adds at most
        :math:`\\lambda_2 \\max_j s_j^2` (1 in the metric of
        :meth:`curvature_bound`). ``n`` is ``pool`` (see
        :meth:`stochastic_gradient`). Returns the largest over the samples.
        One pass over ``X``, in row chunks.
        """
        X = self.X
        n = X.shape[0] if pool is None else pool
        xp = namespace(self.weights)
        s = self.scale[:, 0]
        norms = []
        if sp.issparse(X) and metric is None:  # without densifying rows
            s2 = s**2
            for rows in row_chunks(X):
                chunk = X[rows, :]
                norms.append(
                    chunk.multiply(chunk) @ s2
                    - 2 * (chunk @ (s2 * self.offset))
                    + s2 @ self.offset**2
                )
            norms = np.concatenate(norms)
            if self.fit_intercept:
                norms = norms + self.intercept_scale**2
        else:
            q = self.n_features + int(self.fit_intercept)
            size = max(1, 2**18 // q)
            for start in range(0, X.shape[0], size):
                chunk = X[start : min(start + size, X.shape[0]), :]
                chunk = chunk.toarray() if sp.issparse(chunk) else chunk
                A = (chunk - self.offset) * s
                if self.fit_intercept:
                    ones = zeros((A.shape[0], 1), like=A) + self.intercept_scale
                    A = (
                        xp.concat([A, ones], axis=1)
                        if xp is not np
                        else np.hstack([A, ones])
                    )
                AM = A if metric is None else astype(A, metric.dtype) @ metric
                norms.append(total(AM * A, axis=1))
            norms = xp.concat(norms) if xp is not np else np.concatenate(norms)
        curvature = n * self.weights * (self.loss.curvature * norms)
        ridge = 1.0 if metric is not None else self.l2.alpha * float(xp.max(s * s))
        return float(xp.max(curvature)) + ridge * (self.l2.alpha > 0)

    def curvature_matrices(self, Z):
        """The Hessian of the smooth part with respect to ``V``, in blocks.

        With :math:`H_i = \\partial^2 \\ell / \\partial z_i^2` at ``Z`` and
        the effective design :math:`A = [(X - \\mathbf 1 \\bar x^\\top)
        \\operatorname{diag}(s),\\; s_b \\mathbf 1]` (so that ``Z = A V``),
        the chain rule twice gives the block of outputs ``k, m``

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
        p, n = self.n_features, self.X.shape[0]
        loss = self.loss
        xp = namespace(Z)
        stride = 1 if loss.constant_curvature else max(1, n // self.curvature_rows)
        rows = slice(None, None, stride)
        weights = self.weights[rows] / xp.sum(self.weights[rows])
        H = loss.second_derivative(self.Y[rows, :], Z[rows, :])
        k = Z.shape[1]
        if loss.constant_curvature:
            H, k = H[:, :1], 1
        pairs = (
            [(j, m) for j in range(k) for m in range(j, k)]
            if loss.coupled
            else [(j, j) for j in range(k)]
        )
        D = column_stack(
            [weights * (H[:, j, m] if loss.coupled else H[:, j]) for j, m in pairs]
        )
        # a constant curvature h: D = h * weights, so X.T @ D is h times the
        # weighted column mean, already known
        known = (
            self._column_mean[None, :] * H[0, 0] if loss.constant_curvature else None
        )
        del H  # (n, k, k) for the softmax: gone before the products' temporaries
        # an estimate already where subsampled: its sums in float32 too
        single = self.curvature_single and stride > 1
        blocks = self._blocks(self.X[rows, :], D, pairs, known, single)
        if not loss.coupled:
            return blocks
        q = blocks.shape[1]
        # The softmax does not change when one number is added to every class's
        # raw prediction: P is singular along "the same change of an unpenalized
        # coefficient in every class". The gradient is orthogonal to those
        # directions, so adding a multiple of all-ones there (the same entry
        # of every class's block) leaves the step P^+ grad as it is and lets P
        # factor by Cholesky. Not for penalized coefficients: an L1 penalty
        # slopes along those directions, and the orthant-wise step must see them
        # as flat to follow that slope (see optimizers._solve_block).
        free = zeros((q,), like=blocks)
        if self.l2.alpha == 0 and self.l1.alpha == 0:
            free += 1.0
        elif self.fit_intercept:
            free[p] = 1.0
        diagonal = np.diagonal if xp is np else xp.linalg.diagonal
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

    def _blocks(self, X, D, pairs, u=None, single=False):
        """The blocks of :meth:`curvature_matrices` for the weighted curvatures
        ``D`` (n, len(pairs)) of the output ``pairs``, in float64 where the
        device has it."""
        p, xp = self.n_features, namespace(D)
        M, u, totals = weighted_gram(
            X, D, self.offset, u, single=single, heavy=self._offset_heavy
        )
        # in float64 whatever X's dtype, where the device has float64
        dtype = xp.float64 if xp is np else max_float_dtype(xp, device(D))
        M, u, totals = astype(M, dtype), astype(u, dtype), astype(totals, dtype)
        s = astype(self.scale[:, 0], dtype)
        q = p + int(self.fit_intercept)
        blocks = zeros((len(pairs), q, q), like=M)
        blocks[:, :p, :p] = M * (s[:, None] * s[None, :])
        if self.fit_intercept:
            cross = self.intercept_scale * u * s
            blocks[:, :p, p] = cross
            blocks[:, p, :p] = cross
            blocks[:, p, p] = self.intercept_scale**2 * totals
        ridge = zeros((q,), like=M)
        ridge[:p] = self.l2.alpha * s * s
        # exactly symmetric: a float32 Gram product need not be, and a solve
        # that uses one triangle must see the matrix the residuals are taken with;
        # the L2 term on the diagonal of each output's own block
        ridge = eye(q, like=M) * ridge
        for i, (j, m) in enumerate(pairs):
            blocks[i, ...] = 0.5 * (blocks[i, ...] + blocks[i, ...].T)
            if j == m:
                blocks[i, ...] += ridge
        return blocks

    def curvature_bound(self):
        """The curvature bound :math:`c A^\\top \\operatorname{diag}(w) A +
        \\lambda_2 \\operatorname{diag}(s^2, 0)` (q, q), with ``c`` the loss's
        bound: it lies above the Hessian everywhere (Böhning's bound for the
        softmax, shared by every class), so steps in its metric have a
        curvature of at most 1. One pass over ``X`` with ``q`` times the
        work of a product."""
        D = self.loss.curvature * self.weights[:, None]
        u = self.loss.curvature * self._column_mean[None, :]
        return self._blocks(self.X, D, [(0, 0)], u)[0, ...]

    def canonical(self, V):
        """``V`` with the drift along the softmax's flat directions taken out.

        The softmax does not change when the same number is added to every
        class's raw prediction, so the objective is flat along "the same
        change of an unpenalized coefficient (the intercept; every coefficient
        without a penalty) in every class". Gradients have no component
        there, yet rounding errors, summed over thousands of stochastic steps,
        do; the solution is the one whose unpenalized coefficients sum to zero
        over the classes, where gradient steps from zero stay. The identity
        for other losses.
        """
        if not self.loss.coupled:
            return V
        xp = namespace(V)
        p = self.n_features
        free = 0 if self.l2.alpha == 0 and self.l1.alpha == 0 else p
        if free == V.shape[0]:
            return V
        V = copy(V)
        V[free:, :] -= xp.mean(V[free:, :], axis=1, keepdims=True)
        return V

    def unbounded(self, Z):
        """Whether the objective has no minimum: no penalty, and ``Z`` separates
        the classes of the samples with a positive weight. Any separating
        ``Z`` shows that the loss goes to zero along it, so the search for a
        minimum would only make the coefficients grow."""
        separates = getattr(self.loss, "separates", None)
        if separates is None or self.l2.alpha > 0 or self.l1.alpha > 0:
            return False
        return separates(self.Y, Z, self.weights > 0)

    # -- L1 part -------------------------------------------------------------
    @property
    def has_l1(self):
        return self.l1.alpha > 0

    def l1_value(self, V):
        """:math:`\\lambda_1 \\lVert W \\rVert_1`."""
        return self.l1.value(self.scale * V[: self.n_features, :])

    def l1_prox(self, V, step):
        """:math:`\\operatorname{argmin}_U \\tfrac{1}{2\\,\\mathrm{step}}
        \\lVert U - V \\rVert^2 + \\lambda_1 \\lVert W(U) \\rVert_1`.

        In ``W = s V`` coordinates the quadratic term reads
        :math:`\\sum_j (W_j - s_j V_j)^2 / (2\\,\\mathrm{step}\\, s_j^2)`, so the
        answer is the penalty's own prox at :math:`s V` with step
        :math:`\\mathrm{step}\\, s^2`, divided by :math:`s`. The intercept row
        is left as it is.
        """
        p, s = self.n_features, self.scale
        out = copy(V)
        out[:p, :] = self.l1.prox(s * V[:p, :], step * s * s) / s
        return out

    def l1_min_norm_subgradient(self, V, grad):
        """Smallest element of ``grad`` + the subdifferential of the L1 part in ``V``.

        The subdifferential in ``V`` is ``s`` times that in ``W``, so this is
        ``s`` times the penalty's own answer for the gradient ``grad / s``.
        """
        p, s = self.n_features, self.scale
        out = copy(grad)
        out[:p, :] = s * self.l1.min_norm_subgradient(s * V[:p, :], grad[:p, :] / s)
        return out

    # -- whole objective, for checking and for learners ----------------------
    def value(self, V):
        """The full objective :math:`f` at ``V``."""
        return self.smooth_value(self.raw(V), V) + self.l1_value(V)

    def gradient(self, V):
        """The (sub)gradient of :math:`f` at ``V``, with ``sign(0) = 0`` for L1."""
        grad = self.smooth_gradient(self.raw(V), V)
        p = self.n_features
        grad[:p, :] += self.scale * self.l1.gradient(self.scale * V[:p, :])
        return grad
