"""gdlearn beside scikit-learn's own solvers, on the same objective.

:func:`compare` fits, on one dataset, each gdlearn estimator that applies to
the task next to its scikit-learn counterparts, with their regularization
matched so that all of them minimize the same function, and returns one row
per fit: that objective (in scikit-learn's own form), its relative gap to the
best fit of the group, the largest coefficient difference from that best
fit, the held-out score, the median fit time, the iterations and the
warnings raised. ``gdlearn compare`` (:mod:`gdlearn.cli`) prints the rows.

The groups and their objectives, for ``n`` training samples, residuals
``r = y - Xw - b`` and cross-entropies ``l_i``:

====================  ===================================================  ===========================================================
group                 objective                                            SGD counterpart with the same minimizer
====================  ===================================================  ===========================================================
LinearRegressionGD    ``||r||^2 / (2n)``                                   ``SGDRegressor(penalty=None)``
RidgeGD               ``||r||^2 + alpha ||w||^2``                          ``SGDRegressor(penalty='l2', alpha=alpha / n)``
LassoGD               ``||r||^2 / (2n) + alpha ||w||_1``                   ``SGDRegressor(penalty='l1', alpha=alpha)``
ElasticNetGD          ``... + alpha (rho ||w||_1 + (1-rho) ||w||^2 / 2)``  ``SGDRegressor(penalty='elasticnet', alpha, l1_ratio=rho)``
LogisticRegressionGD  ``C sum_i l_i + ||W||^2 / 2``                        ``SGDClassifier(loss='log_loss', alpha=1 / (C n))``
====================  ===================================================  ===========================================================

``SGDClassifier`` joins binary problems only: with more classes it fits one
binary model per class, a different objective. ``LogisticRegression
(solver='liblinear')`` also penalizes the intercept, so it lands a little
above the others on the objective without being wrong. SGD estimators do not
take 2-D targets and are left out for them.

Examples
--------
>>> from sklearn.datasets import load_diabetes
>>> from gdlearn.compare import compare
>>> X, y = load_diabetes(return_X_y=True, scaled=False)
>>> rows = compare(X, y, task="regression", estimators=["RidgeGD"])
>>> [(row["estimator"], row["gap"] < 1e-6) for row in rows][:3]
[('RidgeGD()', True), ("RidgeGD(solver='accelerated')", True), ('Ridge()', True)]
"""

from __future__ import annotations

import math
import time
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import log_expit, logsumexp
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from ._candidates import candidates

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from numpy.typing import ArrayLike
    from sklearn.base import BaseEstimator

REGRESSORS = ("LinearRegressionGD", "RidgeGD", "LassoGD", "ElasticNetGD")
CLASSIFIERS = ("LogisticRegressionGD",)
ESTIMATORS = REGRESSORS + CLASSIFIERS
COLUMNS = (
    "dataset",
    "group",
    "estimator",
    "objective",
    "gap",
    "coef_diff",
    "score",
    "scoring",
    "time_ms",
    "n_iter",
    "warnings",
    "error",
)


def estimator_names(names: Iterable[str]) -> list[str]:
    """Canonical gdlearn class names for ``names``, matched without case and
    with or without the ``GD`` suffix (``'ridge'`` is ``'RidgeGD'``); also
    'linear', 'ols', 'enet' and 'logistic'.

    >>> estimator_names(["ridge", "LogisticRegressionGD"])
    ['RidgeGD', 'LogisticRegressionGD']
    """
    lookup = {}
    for name in ESTIMATORS:
        lookup[name.lower()] = lookup[name[:-2].lower()] = name
    lookup.update(
        linear="LinearRegressionGD",
        ols="LinearRegressionGD",
        enet="ElasticNetGD",
        logistic="LogisticRegressionGD",
    )
    out = []
    for name in names:
        if name.lower() not in lookup:
            raise ValueError(
                f"unknown estimator {name!r}; choose from {', '.join(ESTIMATORS)}"
            )
        out.append(lookup[name.lower()])
    return out


def group_title(
    name: str, *, alpha: float = 1.0, l1_ratio: float = 0.5, C: float = 1.0
) -> str:
    """The objective a group shares, as the table titles it."""
    return {
        "LinearRegressionGD": "least squares",
        "RidgeGD": f"ridge alpha={alpha:g}",
        "LassoGD": f"lasso alpha={alpha:g}",
        "ElasticNetGD": f"elastic net alpha={alpha:g} l1_ratio={l1_ratio:g}",
        "LogisticRegressionGD": f"logistic C={C:g}",
    }[name]


def objective(
    name: str,
    model: BaseEstimator,
    X: ArrayLike,
    y: np.ndarray,
    *,
    alpha: float = 1.0,
    l1_ratio: float = 0.5,
    C: float = 1.0,
) -> float:
    """The objective of gdlearn's ``name`` (the module docstring's table) at
    the fitted ``model``, written the way its scikit-learn counterpart does."""
    W = np.atleast_2d(model.coef_)
    if name == "LogisticRegressionGD":
        Z = model.decision_function(X)
        if Z.ndim == 1:  # binary: Z is the logit of classes_[1]
            data = -np.sum(
                np.where(y == model.classes_[1], log_expit(Z), log_expit(-Z))
            )
        else:
            rows = np.arange(len(y)), np.searchsorted(model.classes_, y)
            data = np.sum(logsumexp(Z, axis=1) - Z[rows])
        return data if math.isinf(C) else C * data + 0.5 * np.sum(W**2)
    r = np.asarray(y, dtype=float) - model.predict(X)
    rss = float(np.sum(r**2))
    if name == "RidgeGD":
        return rss + alpha * np.sum(W**2)
    mse = rss / (2 * len(y))
    if name == "LinearRegressionGD":
        return mse
    rho = 1.0 if name == "LassoGD" else l1_ratio
    return mse + alpha * (rho * np.abs(W).sum() + 0.5 * (1 - rho) * np.sum(W**2))


def fit_once(
    model: BaseEstimator, X: ArrayLike, y: ArrayLike
) -> tuple[float, list[str]]:
    """Fit ``model``, timed: ``(seconds, names of the warning classes raised)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(X, y)
        elapsed = time.perf_counter() - start
    return elapsed, sorted({w.category.__name__ for w in caught})


def label(model: BaseEstimator, **shared: Any) -> str:
    """``Class(param=value, ...)`` with the parameters that differ from the
    class defaults, leaving out those equal to the group's ``shared`` ones."""
    defaults = type(model)().get_params(deep=False)
    changed = []
    for key, value in model.get_params(deep=False).items():
        if _same(value, defaults[key]) or _same(value, shared.get(key, object())):
            continue
        changed.append(
            f"{key}={value:.3g}" if isinstance(value, float) else f"{key}={value!r}"
        )
    return f"{type(model).__name__}({', '.join(changed)})"


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and (a == b or a is b)


def compare(X: ArrayLike, y: ArrayLike, **parameters: Any) -> list[dict[str, Any]]:
    """Every row of :func:`compare_groups` in one list: one row per fit, a dict
    with keys :data:`COLUMNS` and the fitted ``model``.

    ``parameters`` are those of :func:`compare_groups` (``task`` is required).
    """
    return [row for group in compare_groups(X, y, **parameters) for row in group]


def compare_groups(
    X: ArrayLike,
    y: ArrayLike,
    *,
    task: str,
    estimators: Iterable[str] | None = None,
    scale: bool = False,
    alpha: float = 1.0,
    l1_ratio: float = 0.5,
    C: float = 1.0,
    test_size: float = 0.25,
    repeat: int = 1,
    random_state: int = 0,
    dataset: str = "data",
    solvers: Sequence[str] | None = None,
    sklearn_solvers: Sequence[str] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Fit each gdlearn estimator beside its scikit-learn counterparts, one
    group at a time: a list of rows (dicts with keys :data:`COLUMNS`, and the
    fitted ``model``), one per fit, yielded as soon as the group is done.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    task : {'regression', 'classification'}
        Which gdlearn estimators apply.
    estimators : list of str, default=None
        gdlearn estimators to compare (see :func:`estimator_names`); None
        takes every one that applies to ``task``.
    scale : bool, default=False
        Standardize the features first (by the training part's statistics).
    alpha, l1_ratio, C : float
        Regularization of the groups (module docstring).
    test_size : float in [0, 1), default=0.25
        Fraction of the samples held out (stratified for classification) for
        ``score``; 0 scores on the training data.
    repeat : int, default=1
        Fits per estimator; ``time_ms`` is their median.
    random_state : int, default=0
        Seed of the train/test split.
    dataset : str, default='data'
        Name in the rows.
    solvers, sklearn_solvers : list of str, default=None
        Solvers to run, named as ``gdlearn compare --solver`` and
        ``--sklearn-solver`` name them; None runs the default set.

    Yields
    ------
    group : list of dict
        ``objective`` is on the training data; ``gap`` is
        ``(objective - best) / |best|`` over the group's fits; ``coef_diff``
        is ``max |coef_ - best fit's coef_|``; ``score`` is R^2 (regression)
        or accuracy on the held-out part; ``time_ms`` the median fit time;
        ``n_iter`` None where the solver does not iterate; ``error`` the
        message when ``fit`` raised (the other values are then NaN).
    """
    if task not in ("regression", "classification"):
        raise ValueError(f"task must be 'regression' or 'classification', got {task!r}")
    applicable = REGRESSORS if task == "regression" else CLASSIFIERS
    names = applicable if estimators is None else estimator_names(estimators)
    wrong = [name for name in names if name not in applicable]
    if wrong:
        raise ValueError(f"{', '.join(wrong)} does not apply to {task} ({dataset})")
    X, X_test, y, y_test = _split(X, y, task, test_size, scale, random_state)
    shared = dict(alpha=alpha, l1_ratio=l1_ratio, C=C)
    fits = dict(
        n_samples=len(y),
        n_classes=len(np.unique(y)) if task == "classification" else 0,
        n_outputs=1 if y.ndim == 1 else y.shape[1],
        solvers=solvers,
        sklearn_solvers=sklearn_solvers,
    )
    for name in names:
        group = [
            _row(name, model, (X, y), (X_test, y_test), task, repeat, dataset, shared)
            for model in candidates(name, **shared, **fits)
        ]
        _fill_gaps(group)
        yield group


def _split(
    X, y, task: str, test_size: float, scale: bool, random_state: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X, X_test, y, y_test``: the held-out part stratified for
    classification, the training data itself when ``test_size`` is 0, and both
    standardized by the training part's statistics when ``scale``."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if test_size > 0:
        stratify = y if task == "classification" else None
        X, X_test, y, y_test = train_test_split(
            X, y, test_size=test_size, random_state=random_state, stratify=stratify
        )
    else:
        X_test, y_test = X, y
    if scale:
        scaler = StandardScaler().fit(X)
        X, X_test = scaler.transform(X), scaler.transform(X_test)
    return X, X_test, y, y_test


def _row(name, model, train, test, task, repeat, dataset, shared):
    """Fit ``model`` ``repeat`` times on ``train`` and describe it in one row."""
    row = dict.fromkeys(COLUMNS, math.nan)
    row.update(
        dataset=dataset,
        group=group_title(name, **shared),
        estimator=label(model, **shared),
        n_iter=None,
        scoring="r2" if task == "regression" else "accuracy",
        warnings="",
        error="",
        model=model,
    )
    try:
        times = []
        for _ in range(repeat):
            elapsed, caught = fit_once(model, *train)
            times.append(elapsed)
            row["warnings"] = row["warnings"] or ", ".join(caught)
        row.update(
            objective=float(objective(name, model, *train, **shared)),
            score=float(model.score(*test)),
            time_ms=1e3 * float(np.median(times)),
            n_iter=_n_iter(model),
        )
    except Exception as error:  # a solver that fails is a result too
        row["error"] = f"{type(error).__name__}: {error}".splitlines()[0]
    return row


def _n_iter(model: BaseEstimator) -> int | None:
    n_iter = getattr(model, "n_iter_", None)
    return None if n_iter is None else int(np.max(n_iter))


def _fill_gaps(group: list[dict[str, Any]]) -> None:
    """``gap`` and ``coef_diff`` of each row against the group's best finite objective."""
    finite = [row for row in group if np.isfinite(row["objective"])]
    if not finite:
        return
    best = min(finite, key=lambda row: row["objective"])
    reference = np.atleast_2d(best["model"].coef_)
    for row in finite:
        row["gap"] = (row["objective"] - best["objective"]) / max(
            abs(best["objective"]), np.finfo(float).tiny
        )
        row["coef_diff"] = float(
            np.max(np.abs(np.atleast_2d(row["model"].coef_) - reference))
        )
