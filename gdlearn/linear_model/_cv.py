"""Cross-validated lasso and elastic net: :class:`LassoGDCV`, :class:`ElasticNetGDCV`.

Each fold is fitted along a warm-started path (:func:`gdlearn._path.fold_path`),
the folds in parallel; the ``alpha`` (and ``l1_ratio``) of lowest mean
held-out squared error is refitted on all the data.
"""

from __future__ import annotations

from numbers import Integral, Real
from types import SimpleNamespace

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import check_cv
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .._compat import Interval, StrOptions
from .._path import alpha_grid, as_float_array, cv_paths, fit_weights
from .._validation import ACCEPT_SPARSE
from ._docs import DOC_LINK_TEMPLATE
from ._elastic_net import ElasticNetGD, LassoGD

#: the inner fits' ``tol`` by default: their held-out errors then agree with
#: scikit-learn's exact path to about 1e-9 relative (Newton's method stops
#: past it anyway on problems up to a thousand features)
CV_TOL = 1e-8

_CV_PARAMETERS = """\
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    alphas : int or array-like, default=100
        An int: that many alphas from ``alpha_max`` (every coefficient 0,
        :func:`gdlearn.alpha_grid`) down to ``eps * alpha_max`` on a log
        scale, built on all the data; an array: those alphas, sorted
        decreasing, as scikit-learn 1.7+ takes them (``n_alphas`` is gone).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    max_iter : int, default=10000
        Iterations of each inner fit.
    tol : float, default=1e-8
        ``tol`` of each inner fit (see :class:`LassoGD`), tighter than the
        single estimators' 1e-6 so that ``mse_path_`` is the exact path's to
        about 1e-9 (relative): the choice of ``alpha`` then rests on the
        data, not on where a solver stopped.
    cv : int, cross-validation generator or iterable, default=None
        None: 5-fold :class:`~sklearn.model_selection.KFold`; an int: that
        many folds; or any splitter, as scikit-learn's ``cv``.
    verbose : int, default=0
        Print one line per fold path (fits, iterations, seconds).
    n_jobs : int, default=None
        Folds fitted in parallel (joblib threads); None is 1, -1 all cores.
    positive : bool, default=False
        Constrain the coefficients to be nonnegative.
    solver : str, default='auto'
        The inner fits' ``solver`` (see :class:`LassoGD`)."""

_CV_ATTRIBUTES = """\
    alpha_ : float
        The alpha chosen (lowest mean held-out squared error).
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The grid of each ``l1_ratio``.
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
        Held-out mean squared error (weighted by ``sample_weight``) of each
        fold at each alpha.
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    dual_gap_ : float
        Duality gap of the refit (scikit-learn's units).
    n_iter_ : int
        Iterations of the refit.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)"""


class LinearRegressorCV(RegressorMixin, BaseEstimator):
    """Predictions and tags of the CV regressors, from ``coef_`` and ``intercept_``."""

    _doc_link_module, _doc_link_template = "gdlearn", DOC_LINK_TEMPLATE

    def predict(self, X):
        """Predictions ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=ACCEPT_SPARSE, reset=False)
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _PathCV(LinearRegressorCV):
    """The CV machinery of :class:`LassoGDCV` and :class:`ElasticNetGDCV`."""

    _parameter_constraints = {
        "eps": [Interval(Real, 0, None, closed="neither")],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "cv": ["cv_object"],
        "verbose": ["verbose"],
        "n_jobs": [Integral, None],
        "positive": ["boolean"],
        "solver": [StrOptions({"auto", "newton", "accelerated", "gd"})],
    }

    def _inner(self, l1_ratio):
        params = dict(
            fit_intercept=self.fit_intercept,
            max_iter=self.max_iter,
            tol=self.tol,
            positive=self.positive,
            solver=self.solver,
        )
        if l1_ratio is None:
            return LassoGD(**params)
        return ElasticNetGD(l1_ratio=float(l1_ratio), **params)

    def fit(self, X, y, sample_weight=None, **params):
        """Fit each fold along the path, choose ``alpha_``, refit on all of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the inner fits (each fold's share) and of the held-out
            squared errors.
        **params : dict
            Passed to the splitter's ``split`` (e.g. ``groups``).

        Returns
        -------
        self : object
        """
        self._validate_params()
        X, y = validate_data(
            self, X, y, accept_sparse=ACCEPT_SPARSE, dtype=[np.float64, np.float32]
        )
        y = column_or_1d(y, warn=True).astype(np.float64, copy=False)
        sample_weight = fit_weights(sample_weight, X)
        X = as_float_array(X)
        l1_ratios = self._l1_ratios()
        grids = self._grids(X, y, sample_weight, l1_ratios)
        folds = list(check_cv(self.cv).split(X, y, **params))
        estimators = [self._inner(r) for r in l1_ratios]
        results = cv_paths(
            estimators,
            "alpha",
            grids,
            X,
            y,
            sample_weight,
            folds,
            _mse,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
        )
        mse = np.array([r[0] for r in results]).reshape(len(l1_ratios), len(folds), -1)
        self.mse_path_ = np.squeeze(np.moveaxis(mse, 2, 1))
        mean = mse.mean(axis=1)  # (n_l1_ratio, n_alphas)
        best = np.unravel_index(np.argmin(mean), mean.shape)
        self.alpha_ = float(grids[best[0]][best[1]])
        self.alphas_ = np.asarray(grids)
        if len(l1_ratios) == 1:
            self.alphas_ = self.alphas_[0]
        final = self._inner(l1_ratios[best[0]]).set_params(alpha=self.alpha_)
        final.fit(X, y, sample_weight=sample_weight)
        self._store(final, l1_ratios[best[0]])
        return self

    def _grids(self, X, y, sample_weight, l1_ratios):
        if isinstance(self.alphas, Integral):
            return [
                alpha_grid(
                    X,
                    y,
                    l1_ratio=1.0 if r is None else float(r),
                    eps=self.eps,
                    n_alphas=self.alphas,
                    fit_intercept=self.fit_intercept,
                    sample_weight=sample_weight,
                    positive=self.positive,
                )
                for r in l1_ratios
            ]
        alphas = np.asarray(self.alphas, dtype=np.float64).ravel()
        if alphas.size == 0 or np.any(alphas < 0) or not np.all(np.isfinite(alphas)):
            raise ValueError(f"alphas must be nonnegative floats, got {self.alphas!r}.")
        return [np.sort(alphas)[::-1]] * len(l1_ratios)

    def _store(self, final, l1_ratio):
        self.coef_, self.intercept_ = final.coef_, final.intercept_
        self.dual_gap_, self.n_iter_ = final.dual_gap_, final.n_iter_
        if l1_ratio is not None:
            self.l1_ratio_ = float(l1_ratio)


def _mse(fit, X, y, sample_weight):
    """Held-out mean squared error, weighted as scikit-learn's ``_path_residuals``
    (``X``: rows of the data the CV estimator validated, so not validated again)."""
    residual = np.asarray(X @ fit.coef_) + fit.intercept_ - y
    return float(np.average(residual**2, weights=sample_weight))


def _mse_many(coefs, intercepts, X, y, sample_weight):
    """:func:`_mse` of every point of a fold's path: for a single target from
    one product ``X @ W``, the coefficients side by side."""
    if np.ndim(y) > 1:
        return np.array(
            [
                _mse(SimpleNamespace(coef_=c, intercept_=b), X, y, sample_weight)
                for c, b in zip(coefs, intercepts, strict=True)
            ]
        )
    W = np.stack([np.ravel(c) for c in coefs], axis=1)
    residual = np.asarray(X @ W) + np.ravel(intercepts) - np.asarray(y)[:, None]
    return np.average(residual**2, axis=0, weights=sample_weight)


_mse.many = _mse_many


class LassoGDCV(_PathCV):
    __doc__ = f"""Lasso with ``alpha`` chosen by cross-validation along warm-started paths,
    with :class:`~sklearn.linear_model.LassoCV`'s parameters.

    Each fold fits :class:`LassoGD` at every alpha of the grid, largest first,
    each fit starting from the previous coefficients
    (:func:`gdlearn.regularization_path`); the alpha of lowest mean held-out
    squared error is refitted on all the data. ``precompute``, ``copy_X``,
    ``selection`` and ``random_state`` of ``LassoCV`` belong to coordinate
    descent and are not taken.

    Parameters
    ----------
{_CV_PARAMETERS}

    Attributes
    ----------
{_CV_ATTRIBUTES}

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from gdlearn import LassoGDCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = LassoGDCV(cv=5).fit(X, y)  # the alpha_ of sklearn's LassoCV(cv=5)
    >>> round(reg.alpha_, 4), reg.mse_path_.shape
    (0.0038, (100, 5))
    """

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        max_iter=10_000,
        tol=CV_TOL,
        cv=None,
        verbose=0,
        n_jobs=None,
        positive=False,
        solver="auto",
    ):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.solver = solver

    def _l1_ratios(self):
        return [None]


class ElasticNetGDCV(_PathCV):
    __doc__ = f"""Elastic net with ``alpha`` and ``l1_ratio`` chosen by cross-validation
    along warm-started paths, with :class:`~sklearn.linear_model.ElasticNetCV`'s
    parameters.

    For each ``l1_ratio`` each fold fits :class:`ElasticNetGD` along that
    ratio's grid of alphas, largest first, warm-started; the pair of lowest
    mean held-out squared error is refitted on all the data.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        The mixings :math:`\\rho` to try (0 < rho <= 1 with a generated grid).
{_CV_PARAMETERS}

    Attributes
    ----------
    l1_ratio_ : float
        The l1_ratio chosen.
{_CV_ATTRIBUTES}

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from gdlearn import ElasticNetGDCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = ElasticNetGDCV(l1_ratio=[0.5, 1.0], cv=3).fit(X, y)
    >>> reg.l1_ratio_, reg.mse_path_.shape
    (1.0, (2, 100, 3))
    """

    _parameter_constraints = {
        **_PathCV._parameter_constraints,
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
    }

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        max_iter=10_000,
        tol=CV_TOL,
        cv=None,
        verbose=0,
        n_jobs=None,
        positive=False,
        solver="auto",
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.solver = solver

    def _l1_ratios(self):
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))
        if ratios.ndim != 1 or ratios.size == 0 or np.any((ratios < 0) | (ratios > 1)):
            raise ValueError(
                f"l1_ratio must be floats in [0, 1], got {self.l1_ratio!r}."
            )
        return list(ratios)


for _cls in (LassoGDCV, ElasticNetGDCV):
    _cls.__module__ = "gdlearn.linear_model"
