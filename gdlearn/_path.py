"""Regularization paths: one estimator fitted along a grid of penalties, each
fit warm-started from the last, and the fold machinery of the CV estimators.

Along a path of decreasing penalty (decreasing ``alpha``, increasing ``C``)
consecutive solutions move little, so starting each fit from the previous
``coef_`` (``warm_start=True``) saves most of the iterations a fit from zero
takes. :func:`regularization_path` is the public entry point;
:func:`fold_path` fits one cross-validation fold along a path and scores
every point on the held-out rows, and :func:`cv_paths` runs the folds with
joblib. The CV estimators of :mod:`gdlearn.linear_model` are built on them.
"""

from __future__ import annotations

import time
import warnings
from numbers import Integral
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_array, check_consistent_length

from ._compat import validate_params
from ._dask import is_dask_array
from ._gram_path import (
    compressed,
    enet_gram_path,
    fold_compressed,
    gram_problem,
    whole_gram,
)
from ._validation import check_sample_weight

__all__ = ["alpha_grid", "regularization_path"]


def alpha_grid(
    X,
    y,
    *,
    l1_ratio=1.0,
    eps=1e-3,
    n_alphas=100,
    fit_intercept=True,
    sample_weight=None,
    positive=False,
):
    """scikit-learn's grid of ``alpha`` for a lasso or elastic net path.

    :math:`\\alpha_{max} = \\max_j \\lVert x_{c,j}^\\top (sw \\odot y_c)
    \\rVert_2 / (\\sum_i sw_i\\, \\rho)`, the smallest ``alpha`` at which every
    coefficient is 0 (``x_c``, ``y_c`` centred by their weighted means when
    ``fit_intercept``), and ``n_alphas`` values from it down to ``eps``
    times it, evenly spaced on a log scale (largest first), as
    ``sklearn.linear_model.LassoCV`` and ``ElasticNetCV`` build it.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    """
    if l1_ratio == 0:
        raise ValueError(
            "alpha_grid cannot build a grid for l1_ratio=0 (alpha_max is "
            "infinite): give the alphas."
        )
    y = np.asarray(y, dtype=np.float64)
    sw = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    Y = y.reshape(X.shape[0], -1)
    if fit_intercept:
        Y = Y - np.average(Y, axis=0, weights=sw)
    Yw = Y * sw[:, None]
    Xy = np.asarray(X.T @ Yw)
    if fit_intercept:
        mean = np.asarray(X.T @ sw).ravel() / sw.sum()
        Xy = Xy - mean[:, None] * Yw.sum(axis=0)
    if positive:
        top = max(0.0, float(np.max(Xy)))
    else:
        top = float(np.sqrt(np.max(np.sum(Xy**2, axis=1))))
    alpha_max = top / (sw.sum() * l1_ratio)
    resolution = np.finfo(np.float64).resolution
    if alpha_max <= resolution:
        return np.full(n_alphas, resolution)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def _penalty_order(param, grid):
    """The grid's indices from the largest penalty to the smallest."""
    return np.argsort(grid, kind="stable") if param == "C" else np.argsort(-grid)


def _fit_along(estimator, param, grid, X, y, sample_weight, visit=None):
    """Fit ``estimator`` (cloned, ``warm_start=True``) at each value of
    ``grid`` from the largest penalty to the smallest (:func:`_fits`);
    ``visit(fit, index)`` is called after each fit. Returns the coefficients,
    intercepts and iteration counts in the grid's order (lists). One
    ConvergenceWarning for the path where some fits did not converge."""
    fit = clone(estimator).set_params(warm_start=True)
    n, order = len(grid), _penalty_order(param, grid)
    coefs, intercepts, n_iters = [None] * n, [None] * n, [0] * n
    missed = []
    fits = _fits(fit, param, [float(grid[i]) for i in order], X, y, sample_weight)
    for index, result in zip(order, fits, strict=True):
        coefs[index] = np.array(fit.coef_, dtype=np.float64, copy=True)
        intercepts[index] = np.array(fit.intercept_, dtype=np.float64, copy=True)
        n_iters[index] = int(np.max(fit.n_iter_))
        if result is not None and not result.converged:
            missed.append((float(grid[index]), result.message))
        if visit is not None:
            visit(fit, index)
    if missed:
        warnings.warn(
            f"{type(fit).__name__} did not converge at {len(missed)} of {n} "
            f"values of {param} along the path ({param}={missed[0][0]:.4g}: "
            f"{missed[0][1]}; raise max_iter or tol).",
            ConvergenceWarning,
            stacklevel=3,
        )
    return coefs, intercepts, n_iters


def _fits(fit, param, values, X, y, sample_weight):
    """Fit ``fit`` at each of ``values`` of ``param`` in turn, each from the
    last solution (``warm_start``), yielding the solver's result after each.

    The path hook of the fit template: the parameters and the data are
    validated and the objective built once, and between values only the
    objective's penalty changes (:func:`~gdlearn._objective.with_penalty`)
    before the solver runs: what ``fit`` does at each value, without its
    per-fit setup; Newton's method starts each value from the last one's
    curvature (:class:`~gdlearn.solvers.newton.Carried`). The values come checked from :func:`path_grid`. With
    ``solver='sgd'`` (its held-out rows and stream state are a fit's own)
    and for dask arrays each value is a plain ``fit`` (result None; its own
    warnings)."""
    if fit.solver == "sgd" or is_dask_array(X):
        for value in values:
            setattr(fit, param, value)  # set_params: validated by fit
            fit.fit(X, y, sample_weight=sample_weight)
            yield None
        return
    problem = None
    for value in values:
        setattr(fit, param, value)
        if problem is None:
            validate_params(fit)
        problem = fit._setup(X, y, sample_weight, problem)
        # Newton's method keeps its last curvature on the objective, for the
        # next value's objective (with_penalty copies it) to start from
        problem.objective.carry_curvature = True
        yield fit._run(problem, warn=False)


def regularization_path(
    estimator, X, y, *, alphas=None, Cs=None, eps=1e-3, n_alphas=100, sample_weight=None
):
    """Fit ``estimator`` along a path of penalties, each fit warm-started from
    the last.

    The fits go from the largest penalty to the smallest (decreasing
    ``alpha``, increasing ``C``), each one starting from the previous
    coefficients; the results come back in the order of the grid. With
    ``fit_intercept=False`` and a tight ``tol`` (say ``1e-10``), a
    :class:`~gdlearn.LassoGD` or :class:`~gdlearn.ElasticNetGD` path is
    scikit-learn's ``lasso_path`` / ``enet_path`` on the same ``alphas``.

    Parameters
    ----------
    estimator : gdlearn estimator
        ``LassoGD``, ``ElasticNetGD``, ``RidgeGD`` (the grid is ``alpha``) or
        ``LogisticRegressionGD`` (the grid is ``C``); its other parameters
        (``l1_ratio``, ``tol``, ``fit_intercept``, ...) are kept.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    alphas : array-like or None, default=None
        The penalties of a regressor. None: :func:`alpha_grid` for a lasso or
        elastic net (``eps``, ``n_alphas``); required for ``RidgeGD``.
    Cs : int or array-like, default=None
        The inverse penalties of ``LogisticRegressionGD``; an int (or None,
        10) takes that many values from 1e-4 to 1e4 on a log scale, as
        ``LogisticRegressionCV``.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the generated grid.
    n_alphas : int, default=100
        Length of the generated grid.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    grid : ndarray of shape (n_values,)
        The ``alphas`` (or ``Cs``) in the order the results come in.
    coefs : ndarray of shape ``coef_.shape + (n_values,)``
        ``coef_`` at each value, along the last axis as ``lasso_path``'s.
    n_iters : ndarray of shape (n_values,)
        Iterations each fit took.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from gdlearn import LassoGD, regularization_path
    >>> X, y = load_diabetes(return_X_y=True)
    >>> alphas, coefs, n_iters = regularization_path(LassoGD(), X, y, n_alphas=20)
    >>> coefs.shape, int((coefs[:, 0] != 0).sum())  # all zero at alpha_max
    ((10, 20), 0)
    """
    param, grid = path_grid(
        estimator, X, y, alphas=alphas, Cs=Cs, eps=eps, n_alphas=n_alphas
    )
    coefs, _, n_iters = _fit_along(estimator, param, grid, X, y, sample_weight)
    return grid, np.stack(coefs, axis=-1), np.asarray(n_iters)


def path_grid(estimator, X, y, *, alphas=None, Cs=None, eps=1e-3, n_alphas=100):
    """The parameter a path walks (``'alpha'`` or ``'C'``) and its grid."""
    if "C" in estimator.get_params():
        if alphas is not None:
            raise ValueError(f"{type(estimator).__name__} takes Cs, not alphas.")
        return "C", c_grid(10 if Cs is None else Cs)
    if Cs is not None:
        raise ValueError(f"{type(estimator).__name__} takes alphas, not Cs.")
    if alphas is not None:
        grid = check_array(alphas, ensure_2d=False, input_name="alphas").ravel()
        if grid.size == 0 or np.any(grid < 0) or not np.all(np.isfinite(grid)):
            raise ValueError(
                f"alphas must be nonnegative finite floats, got {grid[:5].tolist()}."
            )
        return "alpha", grid
    params = estimator.get_params()
    if "l1_ratio" not in params and type(estimator).__name__ != "LassoGD":
        raise ValueError(f"{type(estimator).__name__} needs alphas: give the grid.")
    X = check_array(X, accept_sparse=["csr", "csc"], dtype=np.float64)
    check_consistent_length(X, y)
    grid = alpha_grid(
        X,
        y,
        l1_ratio=params.get("l1_ratio", 1.0),
        eps=eps,
        n_alphas=n_alphas,
        fit_intercept=params["fit_intercept"],
        positive=params.get("positive", False),
    )
    return "alpha", grid


def c_grid(Cs):
    """``Cs`` as an array: an int takes that many from 1e-4 to 1e4 (log scale)."""
    if isinstance(Cs, Integral):
        return np.logspace(-4, 4, Cs)
    grid = check_array(Cs, ensure_2d=False, input_name="Cs").ravel()
    if grid.size == 0 or np.any(grid <= 0):
        raise ValueError(f"Cs must be positive floats, got {grid[:5].tolist()}.")
    return grid


#: Sparse folds with up to this many features are compressed to their Gram
#: (a dense ``p x p`` matrix, 32 MiB here); wider ones are fitted as they are.
SPARSE_GRAM_FEATURES = 2048


def _gram_fits_in(X):
    return not sp.issparse(X) or X.shape[1] <= SPARSE_GRAM_FEATURES


def fold_data(estimator, param, X, y, sample_weight, train, test, whole=None):
    """One fold's rows for :func:`fold_path`, shared by every estimator of
    the fold (a CV estimator's ``l1_ratio`` values): the held-out rows and
    weights, and the training rows, :func:`compressed` where
    :func:`fold_path` fits on them (``shift``, ``scale``: their means and
    units; None otherwise), once per fold; from ``whole``
    (:func:`~gdlearn._gram_path.whole_gram` of every row, for a dense ``X``)
    without taking the training rows."""
    sw = None if sample_weight is None else sample_weight[train]
    data = SimpleNamespace(
        X_test=X[test], y_test=y[test], X_train=None, y_train=None, sw=sw,
        sw_test=None if sample_weight is None else sample_weight[test],
        shift=None, scale=None, fit_intercept=None,
    )  # fmt: skip
    if param == "alpha" and len(train) > X.shape[1] and _gram_fits_in(X):
        data.fit_intercept = estimator.get_params()["fit_intercept"]
        if whole is not None and whole.fit_intercept == data.fit_intercept:
            rows = fold_compressed(whole, test, np.ndim(y))
        else:
            rows = compressed(X[train], y[train], sw, data.fit_intercept)
        data.X_train, data.y_train, data.shift, data.scale = rows
        data.sw = None
    else:
        data.X_train, data.y_train = X[train], y[train]
    return data


def fold_path(
    estimator, param, grid, X, y, sample_weight, train, test, score, data=None
):
    """Fit one fold along ``grid`` (:func:`_fit_along` on the ``train``
    rows) and ``score(fit, X_test, y_test, sw_test)`` each fit on the ``test``
    rows, or where ``score`` has one, ``score.many(coefs, intercepts, X_test,
    y_test, sw_test)`` every point at once after the path. Returns ``(scores, coefs, intercepts, n_iters, seconds)``, the
    first four in the grid's order. ``data``: the fold's :func:`fold_data`,
    taken for another estimator on the same fold.

    A squared-error fold with more rows than features (sparse ones up to
    :data:`SPARSE_GRAM_FEATURES` features) is fitted on :func:`compressed`
    rows instead (the same minimizers, the intercept recovered from the
    means), as scikit-learn's coordinate descent uses the Gram matrix: one
    pass over the fold's rows in all."""
    start = time.perf_counter()
    fit_intercept = estimator.get_params().get("fit_intercept")
    if data is None or data.shift is not None and data.fit_intercept != fit_intercept:
        data = fold_data(estimator, param, X, y, sample_weight, train, test)
    X_train, y_train, sw = data.X_train, data.y_train, data.sw
    X_test, y_test, sw_test, shift = data.X_test, data.y_test, data.sw_test, data.shift
    scores, gram = np.empty(len(grid)), None
    if shift is not None:
        if "l1_ratio" in estimator.get_params() or hasattr(estimator, "l1_method"):
            grid = np.asarray(grid) * data.scale  # L1 and L2 in the data term's units
            gram = estimator.solver == "auto" and np.ndim(y_train) == 1
        estimator = clone(estimator).set_params(fit_intercept=False)
    intercepts, many = [None] * len(grid), getattr(score, "many", None)

    def visit(fit, index):
        zero = fit.intercept_
        if shift is not None:  # the intercept of the centred problem
            x_mean, y_mean = shift
            fit.intercept_ = y_mean - np.asarray(fit.coef_) @ x_mean
        intercepts[index] = np.array(fit.intercept_, dtype=np.float64, copy=True)
        if many is None:
            scores[index] = score(fit, X_test, y_test, sw_test)
        fit.intercept_ = zero

    path = _gram_fits(estimator, grid, X_train, y_train, visit) if gram else None
    if path is None:
        coefs, _, n_iters = _fit_along(
            estimator, param, grid, X_train, y_train, sw, visit
        )
    else:
        coefs, n_iters = path
    if many is not None:  # every point's score at once (one product)
        scores = many(coefs, intercepts, X_test, y_test, sw_test)
    return scores, coefs, intercepts, n_iters, time.perf_counter() - start


def _gram_fits(estimator, grid, R, z, visit):
    """A lasso or elastic-net path on compressed rows by
    :func:`~gdlearn._gram_path.enet_gram_path` (the exact minimizers, what
    ``'auto'`` fits converge to), ``visit(fit, index)`` after each point
    with ``fit`` an ``estimator`` carrying that point's ``coef_``. Returns
    the coefficients and steps in the grid's order, or None where the Gram
    path declines (then the general fits run)."""
    fit = clone(estimator)
    order = _penalty_order("alpha", grid)
    penalties = []
    for index in order:
        fit.alpha = float(grid[index])
        penalty = fit._penalty(1.0)
        penalties.append((penalty.l1, penalty.l2))
    Q, c = gram_problem(R, z)
    out = enet_gram_path(
        Q, c, penalties, positive=penalty.positive, max_steps=fit.max_iter
    )
    if out is None:
        return None
    W, steps = out
    n = len(grid)
    coefs, n_iters = [None] * n, [0] * n
    fit.n_features_in_, fit.intercept_ = R.shape[1], 0.0
    for j, index in enumerate(order):
        fit.alpha, fit.coef_ = float(grid[index]), W[:, j] + 0.0
        coefs[index], n_iters[index] = fit.coef_, int(steps[j])
        visit(fit, index)
    return coefs, n_iters


def cv_paths(
    estimators,
    param,
    grids,
    X,
    y,
    sample_weight,
    folds,
    score,
    *,
    n_jobs=None,
    verbose=0,
):
    """:func:`fold_path` for every estimator (one per ``l1_ratio``, with its
    grid) and every fold, the folds in parallel with joblib (threads: the
    fits spend their time in NumPy, which releases the GIL), each fold's
    rows taken and compressed once for all the estimators. Returns the list
    of results, estimator-major, and prints a line per fit path under
    ``verbose``."""
    whole = None  # dense squared-error folds: the Gram of every row, once
    if param == "alpha" and not sp.issparse(X) and X.shape[0] > X.shape[1]:
        fit_intercept = estimators[0].get_params()["fit_intercept"]
        whole = whole_gram(X, y, sample_weight, fit_intercept)
    jobs = [
        delayed(_fold_paths)(
            estimators, param, grids, X, y, sample_weight, fold, score, whole
        )
        for fold in folds
    ]
    by_fold = Parallel(n_jobs=n_jobs, prefer="threads")(jobs)
    results = [paths[e] for e in range(len(estimators)) for paths in by_fold]
    if verbose:
        name = type(estimators[0]).__name__
        for job, (scores, _, _, n_iters, seconds) in enumerate(results):
            print(
                f"[{name} path] l1_ratio {job // len(folds) + 1}/{len(estimators)}, "
                f"fold {job % len(folds) + 1}/{len(folds)}: {len(scores)} fits, "
                f"{sum(n_iters)} iterations, {seconds:.2f} s"
            )
    return results


def _fold_paths(estimators, param, grids, X, y, sample_weight, fold, score, whole):
    """:func:`fold_path` of each estimator on one fold, its rows taken (and
    compressed) once."""
    train, test = fold
    data = fold_data(estimators[0], param, X, y, sample_weight, train, test, whole)
    return [
        fold_path(est, param, grid, X, y, sample_weight, train, test, score, data)
        for est, grid in zip(estimators, grids, strict=True)
    ]


def as_float_array(X):
    """``X`` for the folds: indexable by rows (CSR for sparse)."""
    return X.tocsr() if sp.issparse(X) else X


def fit_weights(sample_weight, X):
    """``sample_weight`` checked (finite, nonnegative, one per row) as a
    float64 NumPy array in the caller's units, or None."""
    if sample_weight is None:
        return None
    weights, exponent = check_sample_weight(sample_weight, X)
    return np.asarray(weights, dtype=np.float64) * 2.0**exponent
