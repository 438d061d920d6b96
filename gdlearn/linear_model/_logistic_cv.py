"""Cross-validated logistic regression: :class:`LogisticRegressionGDCV`."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import get_scorer
from sklearn.model_selection import check_cv
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .._compat import Interval, StrOptions
from .._path import as_float_array, c_grid, cv_paths, fit_weights
from .._validation import ACCEPT_SPARSE
from ._docs import DOC_LINK_TEMPLATE
from ._logistic import LogisticRegressionGD


class _FinalModel:
    """Predictions of a CV classifier by its final model, ``self._final``."""

    def decision_function(self, X):
        """Raw predictions ``X @ coef_.T + intercept_`` (1-D for two classes).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._model().decision_function(self._check(X))

    def predict(self, X):
        """Class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self._model().predict(self._check(X))

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._model().predict_proba(self._check(X))

    def predict_log_proba(self, X):
        """Logarithms of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return np.log(self.predict_proba(X))

    def _model(self):
        check_is_fitted(self)
        return self._final

    def _check(self, X):
        check_is_fitted(self)
        return validate_data(self, X, accept_sparse=ACCEPT_SPARSE, reset=False)


class LogisticRegressionGDCV(_FinalModel, ClassifierMixin, BaseEstimator):
    """Logistic regression with ``C`` (and ``l1_ratio``) chosen by
    cross-validation along warm-started paths, with
    :class:`~sklearn.linear_model.LogisticRegressionCV`'s parameters.

    For each ``l1_ratio`` each fold fits :class:`LogisticRegressionGD` at
    every ``C`` from the smallest (strongest penalty) up, each fit starting
    from the previous coefficients, and scores it on the held-out rows; the
    pair of best mean score is refitted on all the data (``refit=True``), or
    the folds' best coefficients are averaged (``refit=False``), as
    scikit-learn does. The attributes take scikit-learn 1.8's new shapes
    (``use_legacy_attributes=False``): ``C_`` and ``l1_ratio_`` floats,
    ``scores_`` an array. ``dual``, ``penalty``, ``intercept_scaling`` and
    ``random_state`` belong to scikit-learn's solvers and are not taken.

    Parameters
    ----------
    Cs : int or array-like, default=10
        The inverse penalties to try; an int takes that many from 1e-4 to
        1e4 on a log scale.
    l1_ratios : array-like, default=(0.0,)
        The elastic-net mixings to try (0: L2, 1: L1), scikit-learn 1.10's
        default.
    fit_intercept : bool, default=True
    cv : int, cross-validation generator or iterable, default=None
        None: 5-fold :class:`~sklearn.model_selection.StratifiedKFold`.
    scoring : str, callable or None, default=None
        Held-out score, as scikit-learn's ``scoring``; None is accuracy
        (scikit-learn 1.9's default), weighted by ``sample_weight``.
    tol : float, default=1e-12
        ``tol`` of each inner fit, tight so that ``scores_`` is that of the
        exact path: with ``Cs=10, cv=5`` the held-out log-losses agree with
        scikit-learn's ``newton-cholesky`` at tol 1e-14 to 1.2e-12
        (relative) on breast_cancer at 1e-12, to 1.1e-7 at 1e-8 (3.6e-8 on
        wine at both, where that reference hands over to its lbfgs);
        Newton's steps make the tighter tol cost few iterations (383
        against 371 on breast_cancer).
    max_iter : int, default=10000
    class_weight : dict or 'balanced', default=None
        'balanced' is computed once on all of ``y`` (and ``sample_weight``)
        and the same weights used in every fold, as scikit-learn does.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib threads).
    verbose : int, default=0
        Print one line per fold path.
    refit : bool, default=True
    solver : str, default='auto'
        The inner fits' ``solver`` (see :class:`LogisticRegressionGD`).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    Cs_ : ndarray of shape (n_cs,)
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
    C_ : float
        The C chosen (``refit=False``: the mean of the folds' best).
    l1_ratio_ : float
    coefs_paths_ : ndarray of shape (n_folds, n_l1_ratios, n_cs, n_rows, n_dof)
        Each fold's coefficients, the intercept last (``n_dof`` is
        ``n_features + 1`` with an intercept); ``n_rows`` is 1 for two
        classes.
    scores_ : ndarray of shape (n_folds, n_l1_ratios, n_cs)
    n_iter_ : ndarray of shape (n_folds, n_l1_ratios, n_cs)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from gdlearn import LogisticRegressionGDCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegressionGDCV(scoring="neg_log_loss").fit(X, y)
    >>> round(clf.C_, 3), clf.scores_.shape
    (0.359, (5, 1, 10))
    """

    _parameter_constraints = {
        "Cs": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "l1_ratios": ["array-like"],
        "fit_intercept": ["boolean"],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "refit": ["boolean"],
        "solver": [StrOptions({"auto", "newton", "lbfgs", "accelerated", "gd"})],
    }
    _doc_link_module, _doc_link_template = "gdlearn", DOC_LINK_TEMPLATE

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios=(0.0,),
        fit_intercept=True,
        cv=None,
        scoring=None,
        tol=1e-12,
        max_iter=10_000,
        class_weight=None,
        n_jobs=None,
        verbose=0,
        refit=True,
        solver="auto",
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.scoring = scoring
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.solver = solver

    def _inner(self, l1_ratio, class_weight, C=1.0):
        return LogisticRegressionGD(
            C=C,
            l1_ratio=float(l1_ratio),
            class_weight=class_weight,
            fit_intercept=self.fit_intercept,
            max_iter=self.max_iter,
            tol=self.tol,
            solver=self.solver,
        )

    def fit(self, X, y, sample_weight=None, **params):
        """Fit each fold along the path of ``Cs``, choose ``C_``, refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the inner fits and of the held-out scores.
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
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(
                f"y has one class only ({self.classes_[0]!r}): "
                "LogisticRegressionGDCV needs at least 2."
            )
        sample_weight = fit_weights(sample_weight, X)
        X, class_weight = as_float_array(X), self._class_weight(y, sample_weight)
        ratios = np.asarray(self.l1_ratios, dtype=np.float64).ravel()
        if ratios.size == 0 or np.any((ratios < 0) | (ratios > 1)):
            raise ValueError(
                f"l1_ratios must be floats in [0, 1], got {self.l1_ratios!r}."
            )
        self.Cs_, self.l1_ratios_ = c_grid(self.Cs), ratios
        folds = list(check_cv(self.cv, y, classifier=True).split(X, y, **params))
        results = cv_paths(
            [self._inner(r, class_weight) for r in ratios],
            "C",
            [self.Cs_] * ratios.size,
            X,
            y,
            sample_weight,
            folds,
            self._fold_score,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
        )
        shape = (ratios.size, len(folds), self.Cs_.size)
        scores = np.array([r[0] for r in results]).reshape(shape)
        self.scores_ = np.swapaxes(scores, 0, 1)
        self.n_iter_ = np.swapaxes(
            np.array([r[3] for r in results]).reshape(shape), 0, 1
        )
        paths = np.array(
            [
                [
                    _with_intercept(c, b, self.fit_intercept)
                    for c, b in zip(r[1], r[2], strict=True)
                ]
                for r in results
            ]
        )  # (n_l1 * n_folds, n_cs, n_rows, n_dof)
        self.coefs_paths_ = np.swapaxes(paths.reshape(*shape, *paths.shape[2:]), 0, 1)
        final = self._choose(X, y, sample_weight, class_weight)
        self.coef_, self.intercept_, self._final = final.coef_, final.intercept_, final
        return self

    def _class_weight(self, y, sample_weight):
        if self.class_weight != "balanced":
            return self.class_weight
        values = compute_class_weight(
            "balanced", classes=self.classes_, y=y, sample_weight=sample_weight
        )
        return dict(zip(self.classes_, values, strict=True))

    def _choose(self, X, y, sample_weight, class_weight):
        """``C_`` and ``l1_ratio_``, and the final model (refitted or averaged)."""
        n_dof = self.coefs_paths_.shape[-1]
        if self.refit:
            mean = self.scores_.sum(axis=0).T  # (n_cs, n_l1), scikit-learn's order
            c, r = np.unravel_index(np.argmax(mean), mean.shape)
            self.C_, self.l1_ratio_ = float(self.Cs_[c]), float(self.l1_ratios_[r])
            final = self._inner(self.l1_ratio_, class_weight, self.C_)
            return final.fit(X, y, sample_weight=sample_weight)
        n_folds = self.scores_.shape[0]
        flat = np.swapaxes(self.scores_, 1, 2).reshape(n_folds, -1)
        best = np.unravel_index(
            np.argmax(flat, axis=1), (self.Cs_.size, self.l1_ratios_.size)
        )
        W = np.mean(
            [
                self.coefs_paths_[i, r, c]
                for i, (c, r) in enumerate(zip(*best, strict=True))
            ],
            axis=0,
        )
        self.C_ = float(np.mean(self.Cs_[best[0]]))
        self.l1_ratio_ = float(np.mean(self.l1_ratios_[best[1]]))
        final = self._inner(self.l1_ratio_, class_weight, self.C_)
        p = n_dof - int(self.fit_intercept)
        final.coef_ = W[:, :p]
        final.intercept_ = W[:, p] if self.fit_intercept else np.zeros(W.shape[0])
        final.classes_, final.n_features_in_ = self.classes_, self.n_features_in_
        return final

    def _fold_score(self, fit, X, y, sample_weight):
        """A fold fit's held-out score: :func:`held_out_score` from its
        decision values where it computes this ``scoring``, else the
        scorer's."""
        score = held_out_score(self.scoring, fit, X, y, sample_weight)
        return self._score_fit(fit, X, y, sample_weight) if score is None else score

    def _score_fit(self, fit, X, y, sample_weight):
        if self.scoring is None:
            return ClassifierMixin.score(fit, X, y, sample_weight=sample_weight)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return get_scorer(self.scoring)(fit, X, y, **kwargs)

    def score(self, X, y, sample_weight=None):
        """The ``scoring`` (accuracy if None) of the model on ``(X, y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        return self._score_fit(self, X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def held_out_score(scoring, fit, X, y, sample_weight):
    r"""The accuracy (``scoring=None``) or the negated log-loss
    (``'neg_log_loss'``) of the fitted ``fit`` on validated float64 rows
    ``(X, y)``, from its decision values :math:`Z = X W^\top + b` alone (one
    product, no validation): what scikit-learn's scorers compute from
    ``predict`` and ``predict_proba``, with the log-loss's probabilities
    clipped to :math:`[\epsilon, 1 - \epsilon]` as ``log_loss`` clips them
    (and for two classes the negative one's as :math:`1 - p`, from the
    positive one's, as the scorer passes them),
    both weighted by ``sample_weight``. None for another ``scoring``, other
    data, or held-out rows whose classes are not the fit's (the scorer's
    own checks then apply)."""
    if scoring not in (None, "neg_log_loss"):
        return None
    coef, classes = fit.coef_, fit.classes_
    dense = isinstance(X, np.ndarray)
    if not (dense or sp.issparse(X)) or X.dtype != np.float64:
        return None
    if not isinstance(coef, np.ndarray) or coef.dtype != np.float64:
        return None
    Z = np.asarray(X @ coef.T) + fit.intercept_
    if scoring is None:
        index = (Z[:, 0] > 0).astype(np.int64) if Z.shape[1] == 1 else Z.argmax(1)
        return float(np.average(classes[index] == y, weights=sample_weight))
    labels = np.searchsorted(classes, y)
    if np.any(labels >= classes.size) or not np.array_equal(classes[labels], y):
        return None  # a class unknown to the fit
    if not np.all(np.bincount(labels, minlength=classes.size)):
        return None  # a class missing from the held-out rows
    eps = np.finfo(np.float64).eps
    proba = fit._loss().probabilities(Z)
    if classes.size == 2:  # the scorer takes the positive class's, as 1 - p, p
        proba[:, 0] = 1 - proba[:, 1]
    proba = np.clip(proba, eps, 1 - eps)
    losses = -np.log(proba[np.arange(labels.size), labels])
    return -float(np.average(losses, weights=sample_weight))


def _with_intercept(coef, intercept, fit_intercept):
    """``coef_`` rows with the intercept appended (scikit-learn's ``n_dof``)."""
    coef = np.atleast_2d(coef)
    if not fit_intercept:
        return coef
    return np.hstack([coef, np.reshape(intercept, (-1, 1))])


LogisticRegressionGDCV.__module__ = "gdlearn.linear_model"
