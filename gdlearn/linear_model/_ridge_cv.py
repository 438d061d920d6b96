"""Cross-validated ridge: :class:`RidgeGDCV`, leave-one-out in closed form or
k-fold along warm-started paths."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import get_scorer
from sklearn.model_selection import check_cv
from sklearn.utils.validation import validate_data

from .._compat import Interval, StrOptions
from .._path import as_float_array, cv_paths, fit_weights
from .._validation import ACCEPT_SPARSE
from ._cv import CV_TOL, LinearRegressorCV
from ._least_squares import RidgeGD


class RidgeGDCV(LinearRegressorCV):
    """Ridge regression with ``alpha`` chosen by cross-validation, with
    :class:`~sklearn.linear_model.RidgeCV`'s parameters.

    With ``cv=None``, efficient leave-one-out in closed form, as RidgeCV's.
    With weights :math:`s_i` the problem is least squares on
    :math:`\\tilde X = \\operatorname{diag}(\\sqrt{s})(X - 1 \\bar x^\\top)`,
    :math:`\\tilde y = \\sqrt{s} \\odot (y - \\bar y)` (weighted means: the
    intercept is then the column :math:`\\sqrt{s}`, orthogonal to both).
    With the thin SVD :math:`\\tilde X = U \\Sigma V^\\top` the solution is
    :math:`w = V \\operatorname{diag}(\\sigma / (\\sigma^2 + \\alpha)) U^\\top
    \\tilde y`, its residual :math:`r = \\tilde y - U D U^\\top \\tilde y`
    with :math:`D = \\operatorname{diag}(\\sigma^2 / (\\sigma^2 + \\alpha))`,
    and the hat matrix's diagonal :math:`h_i = \\sum_j U_{ij}^2 D_j + s_i /
    \\sum s` (the intercept's column adds its own projection). Removing row
    :math:`i` changes its residual to :math:`e_i = r_i / (1 - h_i)` (the
    Sherman-Morrison identity), so one SVD gives every alpha's leave-one-out
    errors; ``best_score_`` is :math:`-\\operatorname{mean}_i e_i^2`
    (RidgeCV's, in the weighted units :math:`\\sqrt{s_i}` times the error).
    One SVD of the n-by-p data, :math:`O(np\\min(n, p))`; a sparse ``X`` is
    densified for it.

    With ``cv`` given, each fold fits :class:`RidgeGD` along the alphas,
    largest first, each fit warm-started from the last, and scores it with
    ``scoring`` (R² if None, unweighted, as RidgeCV's grid search); the best
    mean score's alpha is refitted on all the data.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
        The penalties to try, in RidgeGD's units (``alpha ||w||^2`` beside
        the sum of squares).
    fit_intercept : bool, default=True
    scoring : str, callable or None, default=None
        None: negative mean squared leave-one-out error (``cv=None``) or R²
        (``cv`` given).
    cv : int, cross-validation generator, iterable or None, default=None
        None: leave-one-out in closed form.
    store_cv_results : bool, default=False
        Keep ``cv_results_`` (``cv=None`` only).
    alpha_per_target : bool, default=False
        One alpha per target (``cv=None`` only).
    tol : float, default=1e-8
        ``tol`` of the inner RidgeGD fits (``cv`` given).
    max_iter : int, default=10000
    n_jobs : int, default=None
        Folds fitted in parallel (``cv`` given).
    verbose : int, default=0
        A line per fold path (``cv`` given).
    solver : str, default='auto'
        The inner fits' ``solver``.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
    best_score_ : float or ndarray of shape (n_targets,)
    cv_results_ : ndarray of shape (n_samples, n_alphas) or (n_samples, n_targets, n_alphas)
        Squared leave-one-out errors (``scoring=None``) or leave-one-out
        predictions, with ``store_cv_results``.
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int
        Iterations of the refit (``cv`` given); 1 for the closed form.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from gdlearn import RidgeGDCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = RidgeGDCV(alphas=[0.001, 0.01, 0.1, 1.0]).fit(X, y)
    >>> reg.alpha_, round(reg.best_score_, 1)  # RidgeCV's
    (0.01, -3000.4)
    """

    _parameter_constraints = {
        "alphas": ["array-like", Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "scoring": [str, callable, None],
        "cv": ["cv_object"],
        "store_cv_results": ["boolean"],
        "alpha_per_target": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "solver": [StrOptions({"auto", "newton", "lbfgs", "accelerated", "gd"})],
    }

    def __init__(
        self,
        alphas=(0.1, 1.0, 10.0),
        *,
        fit_intercept=True,
        scoring=None,
        cv=None,
        store_cv_results=False,
        alpha_per_target=False,
        tol=CV_TOL,
        max_iter=10_000,
        n_jobs=None,
        verbose=0,
        solver="auto",
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.solver = solver

    def fit(self, X, y, sample_weight=None, **params):
        """Choose ``alpha_`` by leave-one-out (``cv=None``) or k-fold paths, and fit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None
        **params : dict
            Passed to the splitter's ``split`` (``cv`` given).

        Returns
        -------
        self : object
        """
        self._validate_params()
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=ACCEPT_SPARSE,
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
        )
        y = y.astype(np.float64, copy=False)
        sample_weight = fit_weights(sample_weight, X)
        alphas = np.atleast_1d(np.asarray(self.alphas, dtype=np.float64)).ravel()
        if alphas.size == 0 or np.any(alphas <= 0) or not np.all(np.isfinite(alphas)):
            raise ValueError(f"alphas must be positive floats, got {self.alphas!r}.")
        if self.cv is None:
            return self._fit_loo(X, y, sample_weight, alphas)
        if self.store_cv_results or self.alpha_per_target:
            raise ValueError(
                "store_cv_results and alpha_per_target need cv=None "
                "(leave-one-out), as in RidgeCV."
            )
        return self._fit_folds(X, y, sample_weight, alphas, params)

    def _fit_folds(self, X, y, sample_weight, alphas, params):
        X = as_float_array(X)
        folds = list(check_cv(self.cv).split(X, y, **params))
        inner = RidgeGD(
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            solver=self.solver,
        )
        results = cv_paths(
            [inner],
            "alpha",
            [alphas],
            X,
            y,
            sample_weight,
            folds,
            self._fold_score,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
        )
        mean = np.mean([r[0] for r in results], axis=0)
        best = int(np.argmax(mean))
        self.alpha_, self.best_score_ = float(alphas[best]), float(mean[best])
        final = inner.set_params(alpha=self.alpha_).fit(
            X, y, sample_weight=sample_weight
        )
        self.coef_, self.intercept_ = final.coef_, final.intercept_
        self.n_iter_ = final.n_iter_
        return self

    def _fold_score(self, fit, X, y, sample_weight):
        if self.scoring is None:
            return RegressorMixin.score(fit, X, y, sample_weight=sample_weight)
        return get_scorer(self.scoring)(fit, X, y, **_weights(sample_weight))

    def _fit_loo(self, X, y, sample_weight, alphas):
        n = X.shape[0]
        sw = np.ones(n) if sample_weight is None else sample_weight
        Y = y.reshape(n, -1)
        X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
        x_mean, y_mean = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
        if self.fit_intercept:
            x_mean, y_mean = sw @ X / sw.sum(), sw @ Y / sw.sum()
        root = np.sqrt(sw)[:, None]
        Xs, Ys = root * (X - x_mean), root * (Y - y_mean)
        U, sigma, Vt = np.linalg.svd(Xs, full_matrices=False)
        UtY, U2 = U.T @ Ys, U * U
        h0 = sw / sw.sum() if self.fit_intercept else np.zeros(n)
        scores, coefs, stored = [], [], []
        for alpha in alphas:
            shrink = sigma**2 / (sigma**2 + alpha)
            loo = (Ys - U @ (shrink[:, None] * UtY)) / (1 - U2 @ shrink - h0)[:, None]
            coefs.append(Vt.T @ ((sigma / (sigma**2 + alpha))[:, None] * UtY))
            if self.scoring is None:
                scores.append(-np.mean(loo**2, axis=0))
                stored.append(loo**2)
            else:
                predictions = (Ys - loo) / root + y_mean
                scores.append(self._loo_score(predictions, Y, sample_weight))
                stored.append(predictions)
        self._store_loo(np.array(scores), coefs, alphas, stored, y, x_mean, y_mean)
        self.n_iter_ = 1  # one SVD
        return self

    def _loo_score(self, predictions, Y, sample_weight):
        scorer, kwargs = get_scorer(self.scoring), _weights(sample_weight)
        if self.alpha_per_target:
            return np.array(
                [
                    scorer(_Identity(), predictions[:, [k]], Y[:, k], **kwargs)
                    for k in range(Y.shape[1])
                ]
            )
        one = Y.shape[1] == 1
        return np.full(
            Y.shape[1],
            scorer(_Identity(), predictions, Y[:, 0] if one else Y, **kwargs),
        )

    def _store_loo(self, scores, coefs, alphas, stored, y, x_mean, y_mean):
        """``alpha_``, ``best_score_``, ``coef_`` from the per-alpha scores
        (n_alphas, n_targets); the first alpha wins ties, as RidgeCV's."""
        if self.alpha_per_target and scores.shape[1] > 1:
            best = np.argmax(scores, axis=0)
            columns = np.arange(scores.shape[1])
            self.alpha_, self.best_score_ = alphas[best], scores[best, columns]
            W = np.stack(
                [coefs[b][:, k] for k, b in zip(columns, best, strict=True)], 1
            )
        else:
            total = scores.mean(axis=1)
            best = int(np.argmax(total))
            self.alpha_, self.best_score_ = float(alphas[best]), float(total[best])
            W = coefs[best]
        if self.store_cv_results:
            results = np.stack(stored, axis=-1)  # (n, k, n_alphas)
            self.cv_results_ = results[:, 0] if y.ndim == 1 else results
        intercept = y_mean - x_mean @ W if self.fit_intercept else np.zeros(W.shape[1])
        if y.ndim == 1:
            self.coef_, self.intercept_ = W[:, 0], float(intercept[0])
        else:
            self.coef_, self.intercept_ = W.T, intercept

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _weights(sample_weight):
    """The scorer's keyword for ``sample_weight`` (none without weights)."""
    return {} if sample_weight is None else {"sample_weight": sample_weight}


class _Identity(RegressorMixin, BaseEstimator):
    """A regressor whose predictions are its input, for scoring leave-one-out
    predictions with a scorer."""

    def predict(self, X):  # noqa: D102
        return X[:, 0] if X.ndim == 2 and X.shape[1] == 1 else X


RidgeGDCV.__module__ = "gdlearn.linear_model"
