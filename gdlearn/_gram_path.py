"""Elastic-net paths on a Gram matrix: the exact solution at each penalty by
active sets, each warm-started from the last.

For the squared error the smooth part of a fold's problem is a fixed
quadratic: with the :func:`compressed` rows ``(R, z)`` of the
fold (``r`` rows) and :math:`Q = R^\\top R / r`, :math:`c = R^\\top z / r`,
each point of the path minimizes

.. math::
    f(w) = \\tfrac12 w^\\top Q w - c^\\top w + \\tfrac{\\lambda_2}{2}
           \\lVert w \\rVert^2 + \\lambda_1 \\lVert w \\rVert_1
           \\quad (w \\ge 0 \\text{ with } \\texttt{positive}),

the objective of :class:`~gdlearn.ElasticNetGD` on ``(R, z)`` up to a
constant. ``Q`` is formed once per fold, as scikit-learn's coordinate descent
precomputes its Gram matrix (``enet_path(precompute=True)``); what changes
from one penalty to the next is only the diagonal :math:`\\lambda_2` and
the active set.

The solver is the active-set method (the feature-sign search of Lee, Battle,
Raina and Ng, 2007): on the nonzero coefficients ``A`` with signs
:math:`\\theta`, :math:`f` is the quadratic :math:`q_\\theta(w) = \\tfrac12
w^\\top H w - (c - \\lambda_1 \\theta)^\\top w` (:math:`H = Q + \\lambda_2
I`), minimized by one solve with :math:`H_{AA}`. A step towards that
minimizer stops where a coefficient first reaches zero (which leaves ``A``);
where the minimizer is reached, the zero coefficients whose gradient beats
:math:`\\lambda_1` join ``A`` with the sign that lowers :math:`f`. Each
step lowers :math:`f` and no active set repeats, so the search ends, at the
exact minimizer (the KKT conditions up to rounding); from the previous
penalty's solution a step or two suffice.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
from scipy.linalg import get_lapack_funcs

#: A zero coefficient joins the active set when its gradient beats the L1
#: strength by more than this, relative to the largest of them and ``|c|``:
#: rounding cannot make a coefficient that just left come back.
SLACK = 1e-11
#: A block whose Cholesky pivots spread wider than this is declined: its
#: minimizer is ill-determined, which the general solvers handle.
RCOND = 1e-12
#: LAPACK's Cholesky factorization and solve in float64: scipy's cho_factor
#: and cho_solve check more than the factorization of a small block costs
POTRF, POTRS = get_lapack_funcs(("potrf", "potrs"), (np.empty(1),))


def gram_problem(R, z):
    """``(Q, c)`` of the module docstring for rows ``R`` (r, p) and ``z`` (r,)."""
    r = R.shape[0]
    return R.T @ R / r, R.T @ z / r


def enet_gram_path(Q, c, penalties, *, positive=False, max_steps=1000):
    """The minimizers of :math:`f` at each ``(l1, l2)`` of ``penalties``, in
    that order, each from the last (the first from zero).

    Returns ``(W, steps)``: ``W`` of shape ``(p, len(penalties))`` and the
    solves each point took; or None where a block ``H_AA`` is not positive
    definite (a lasso on collinear features, whose minimizer is not unique)
    or a point takes more than ``max_steps`` steps: the caller then fits
    that path by its general solvers.
    """
    p = c.shape[0]
    w = np.zeros(p)
    W, steps = np.empty((p, len(penalties))), np.zeros(len(penalties), dtype=int)
    for i, (l1, l2) in enumerate(penalties):
        H = Q + l2 * np.eye(p) if l2 else Q
        done = _minimize(H, c, l1, w, positive, max_steps)
        if done is None:
            return None
        W[:, i], steps[i] = w, done
    return W, steps


def _minimize(H, c, l1, w, positive, max_steps):
    """The active-set search of the module docstring from ``w`` (changed in
    place into the minimizer): the steps it took, or None (see
    :func:`enet_gram_path`)."""
    slack = SLACK * max(l1, float(np.max(np.abs(c), initial=0.0)))
    optimal_on_active = False
    for step in range(max_steps + 1):  # bounded: max_steps solves
        g = H @ w - c
        if optimal_on_active:
            joining = _joining(g, w, l1, slack, positive)
            if joining.size == 0:
                return step
        else:
            joining = np.empty(0, dtype=int)
        if step == max_steps:
            return None
        theta = np.sign(w)
        theta[joining] = 1.0 if positive else -np.sign(g[joining])
        u = _solve_signs(H, c, l1, theta, joining, g)
        if u is None:
            return None
        optimal_on_active = _step_to(w, u, theta)
    return None


def _joining(g, w, l1, slack, positive):
    """The zero coefficients whose gradient beats the L1 strength."""
    beat = (-g if positive else np.abs(g)) - l1
    return np.flatnonzero((w == 0) & (beat > slack))


def _solve_signs(H, c, l1, theta, joining, g):
    """The minimizer of :math:`q_\\theta` on the coefficients with a sign
    (zero elsewhere). Where several join at once and one would leave the
    orthant ``theta`` gives it straight away, only the one of largest
    gradient joins (its own solve always moves it the way its sign says)."""
    u = _orthant_minimizer(H, c, l1, theta)
    if u is not None and joining.size > 1 and np.any(u[joining] * theta[joining] <= 0):
        first = joining[np.argmax(np.abs(g[joining]))]
        theta[np.setdiff1d(joining, [first])] = 0.0
        u = _orthant_minimizer(H, c, l1, theta)
    return u


def _orthant_minimizer(H, c, l1, theta):
    """:math:`u_A = H_{AA}^{-1} (c_A - \\lambda_1 \\theta_A)` on ``A`` (the
    nonzero ``theta``), 0 elsewhere; None when ``H_AA`` does not factor
    safely (its pivots spread wider than ``1 / RCOND``)."""
    active = np.flatnonzero(theta)
    u = np.zeros_like(theta)
    if active.size == 0:
        return u
    factor, info = POTRF(H[np.ix_(active, active)], lower=False, clean=False)
    pivots = np.diag(factor) ** 2 if info == 0 else np.zeros(1)
    if not pivots.min() > RCOND * pivots.max():
        return None
    u[active], _ = POTRS(factor, c[active] - l1 * theta[active], lower=False)
    if not np.all(np.isfinite(u)):
        return None
    return u


def _step_to(w, u, theta):
    """Move ``w`` (in place) towards ``u``, stopping where a coefficient
    first leaves the orthant ``theta`` (it is then exactly 0). Whether ``u``
    was reached, so that ``w`` minimizes :math:`f` on its nonzero
    coefficients."""
    # one that joined with its solve's sign reversed (by rounding) stays at 0
    u[(w == 0) & (u * theta < 0)] = 0.0
    leaving = (theta != 0) & (u * theta < 0)
    if not np.any(leaving):
        w[:] = u
        return True
    index = np.flatnonzero(leaving)
    ratios = w[index] / (w[index] - u[index])  # in (0, 1): w and u differ in sign
    first = int(np.argmin(ratios))
    w += ratios[first] * (u - w)
    w[index[first]] = 0.0
    w[theta == 0] = 0.0
    # rounding may carry a coefficient a hair across zero: it stops there
    w[(w * theta < 0)] = 0.0
    return False


def _centred_gram(X, Yc, sw, x_mean, unweighted):
    r"""``(G, g)`` of :func:`compressed`: :math:`X_c^\top S X_c` and
    :math:`X_c^\top S Y_c` for centred targets ``Yc``. Dense ``X`` is
    centred (a copy); sparse ``X`` stays sparse, its Gram corrected by
    :math:`-\sum s\, \bar x \bar x^\top` (and :math:`X_c^\top S Y_c =
    X^\top S Y_c`, as :math:`\sum_i s_i Y_{c,i} = 0`)."""
    if sp.issparse(X):
        X = sp.csr_array(X, dtype=np.float64)
        Xw = X if unweighted else sp.csr_array(X.multiply(sw[:, None]))
        gram = (X.T @ Xw).toarray() - sw.sum() * np.outer(x_mean, x_mean)
        return gram, Xw.T @ Yc
    Xc = np.asarray(X, dtype=np.float64) - x_mean
    # unweighted: the Gram of Xc itself, without a weighted copy of it
    Xw = Xc if unweighted else sw[:, None] * Xc
    return Xc.T @ Xw, Xw.T @ Yc


def _weighted_means(X, y, sample_weight, fit_intercept):
    """``(sw, Y, x_mean, y_mean)``: the weights (ones for None), ``y`` as a
    2-D float64 array, and the weighted means of ``X`` (dense or sparse) and
    ``Y``, zero without an intercept."""
    sw = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    Y = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)
    x_mean, y_mean = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    if fit_intercept:
        x_mean, y_mean = np.asarray(X.T @ sw).ravel() / sw.sum(), sw @ Y / sw.sum()
    return sw, Y, x_mean, y_mean


def compressed(X, y, sample_weight, fit_intercept):
    r"""Rows ``(R, z)`` with :math:`\lVert z - R w \rVert^2 = \sum_i s_i
    (y_i - b - x_i^\top w)^2 + c` at the optimal ``b``, for every ``w``.

    With the weighted, centred Gram :math:`G = X_c^\top S X_c = V \Lambda
    V^\top` and :math:`g = X_c^\top S y_c`: :math:`R = \Lambda_+^{1/2}
    V_+^\top`, :math:`z = \Lambda_+^{-1/2} V_+^\top g` over the positive
    eigenvalues (``g`` has no part along the others). A squared-error fit on
    ``(R, z)`` without intercept has the fit's minimizer once the L1 and L2
    strengths of a data term divided by :math:`\sum s` are multiplied by
    ``scale`` :math:`= \sum s / r` (``r`` rows of ``R``); RidgeGD's
    ``alpha``, beside an undivided sum, stays as it is. Returns ``R, z,
    (x_mean, y_mean), scale``; the intercept is ``y_mean - coef @ x_mean``.
    """
    sw, Y, x_mean, y_mean = _weighted_means(X, y, sample_weight, fit_intercept)
    gram, g = _centred_gram(X, Y - y_mean, sw, x_mean, sample_weight is None)
    return _rows_of(gram, g, x_mean, y_mean, sw.sum(), np.ndim(y))


def _rows_of(gram, g, x_mean, y_mean, total, ndim):
    """:func:`compressed`'s return from the centred Gram ``gram``, ``g``, the
    means and the weights' sum ``total``."""
    values, vectors = np.linalg.eigh(gram)
    p = gram.shape[0]
    keep = values > values.max(initial=0.0) * p * np.finfo(np.float64).eps
    root = np.sqrt(values[keep])
    R = root[:, None] * vectors[:, keep].T
    z = (vectors[:, keep].T @ g) / root[:, None]
    z = z[:, 0] if ndim == 1 else z
    return R, z, (x_mean, y_mean if ndim > 1 else y_mean[0]), total / R.shape[0]


def whole_gram(X, y, sample_weight, fit_intercept):
    """What :func:`fold_compressed` takes from all the rows of a dense ``X``,
    once for every fold: ``X`` and ``y`` centred by their weighted means
    (copies; uncentred without an intercept) and their Gram and cross
    products :math:`X_g^\top S X_g`, :math:`X_g^\top S Y_g`."""
    sw, Y, x_mean, y_mean = _weighted_means(X, y, sample_weight, fit_intercept)
    Xg, Yg = np.asarray(X, dtype=np.float64) - x_mean, Y - y_mean
    Xw = Xg if sample_weight is None else sw[:, None] * Xg
    whole = SimpleNamespace(Xg=Xg, Yg=Yg, sw=sw, x_mean=x_mean, y_mean=y_mean)
    whole.unweighted, whole.fit_intercept = sample_weight is None, fit_intercept
    whole.gram, whole.g = Xg.T @ Xw, Xw.T @ Yg
    return whole


def fold_compressed(whole, test, ndim):
    """:func:`compressed` of the rows not in ``test`` (indices), from
    :func:`whole_gram`'s sums less the test rows' own (a pass over those
    rows only): with :math:`d`, :math:`e` the training means' distances
    from the whole data's, :math:`G = X_g^\top S X_g - E^\top S_E E -
    s_T d d^\top` and :math:`g = X_g^\top S Y_g - E^\top S_E Y_E - s_T
    d e^\top`, where ``E`` are the test rows of :math:`X_g` and
    :math:`s_T` the training weights' sum."""
    E, s, YE = whole.Xg[test], whole.sw[test], whole.Yg[test]
    Ew = E if whole.unweighted else s[:, None] * E
    total = whole.sw.sum() - s.sum()
    gram, g = whole.gram - E.T @ Ew, whole.g - Ew.T @ YE
    x_mean, y_mean = np.zeros_like(whole.x_mean), np.zeros_like(whole.y_mean)
    if whole.fit_intercept:
        d, e = -(s @ E) / total, -(s @ YE) / total
        gram -= total * np.outer(d, d)
        g -= total * np.outer(d, e)
        x_mean, y_mean = whole.x_mean + d, whole.y_mean + e
    return _rows_of(gram, g, x_mean, y_mean, total, ndim)
