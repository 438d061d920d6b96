"""gdlearn beside scikit-learn's own solvers on bundled, unscaled datasets.

Each gdlearn estimator is fitted at its defaults next to its scikit-learn
counterpart(s), on the same objective. The table shows each fit's objective
(written in scikit-learn's own form), its gap to the best of the row group,
the largest coefficient difference from the group's best fit, fit time, iterations and whether a ConvergenceWarning was raised.

Run: ``python examples/compare_with_sklearn.py``
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge

from gdlearn import LassoGD, LinearRegressionGD, LogisticRegressionGD, RidgeGD


def least_squares(model, X, y, alpha=0.0, l1=False):
    r = y - model.predict(X)
    if l1:  # Lasso: 1/(2n) ||r||² + alpha ||w||_1
        return r @ r / (2 * len(y)) + alpha * np.abs(model.coef_).sum()
    return r @ r + alpha * model.coef_ @ model.coef_  # Ridge: ||r||² + alpha ||w||²


def logistic(model, X, y, C=1.0):
    """C * sum of cross-entropies + ||W||² / 2, as LogisticRegression defines it."""
    log_p = model.predict_log_proba(X)[
        np.arange(len(y)), np.searchsorted(model.classes_, y)
    ]
    return -C * log_p.sum() + 0.5 * np.sum(model.coef_**2)


X_diabetes, y_diabetes = load_diabetes(return_X_y=True, scaled=False)
X_cancer, y_cancer = load_breast_cancer(return_X_y=True)
X_wine, y_wine = load_wine(return_X_y=True)
PROBLEMS = [
    (
        "OLS, diabetes raw",
        X_diabetes,
        y_diabetes,
        least_squares,
        [LinearRegressionGD(), LinearRegression()],
    ),
    (
        "ridge alpha=1, diabetes raw",
        X_diabetes,
        y_diabetes,
        lambda m, X, y: least_squares(m, X, y, 1.0),
        [RidgeGD(alpha=1.0), Ridge(alpha=1.0)],
    ),
    (
        "lasso alpha=1, diabetes raw",
        X_diabetes,
        y_diabetes,
        lambda m, X, y: least_squares(m, X, y, 1.0, l1=True),
        [
            LassoGD(alpha=1.0),
            LassoGD(alpha=1.0, l1_method="subgradient"),
            Lasso(alpha=1.0),
        ],
    ),
    (
        "logistic C=1, breast_cancer raw",
        X_cancer,
        y_cancer,
        logistic,
        [
            LogisticRegressionGD(),
            LogisticRegression(),
            LogisticRegression(solver="newton-cholesky"),
        ],
    ),
    (
        "multinomial C=1, wine raw",
        X_wine,
        y_wine,
        logistic,
        [
            LogisticRegressionGD(),
            LogisticRegression(),
            LogisticRegression(solver="newton-cholesky"),
        ],
    ),
]


def describe(model):
    params = {
        k: v for k, v in model.get_params().items() if k in ("solver", "l1_method")
    }
    return (
        f"{type(model).__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())})"
    )


def main():
    header = f"{'estimator':66s} {'objective':>14s} {'rel. gap':>9s} {'max |dcoef|':>11s} {'time ms':>8s} {'iter':>6s}  warning"
    for title, X, y, objective, models in PROBLEMS:
        rows = []
        for model in models:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                start = time.perf_counter()
                model.fit(X, y)
                elapsed = time.perf_counter() - start
            warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
            n_iter = int(np.max(getattr(model, "n_iter_", None) or 0))  # Ridge: None
            rows.append(
                (
                    describe(model),
                    objective(model, X, y),
                    model.coef_,
                    elapsed,
                    n_iter,
                    warned,
                )
            )
        best = min(row[1] for row in rows)
        reference = min(rows, key=lambda row: row[1])[2]
        print(f"\n{title}\n{header}")
        for name, value, coef, elapsed, n_iter, warned in rows:
            gap = (value - best) / abs(best)
            print(
                f"{name:66s} {value:14.8g} {gap:9.1e} {np.abs(coef - reference).max():11.2e}"
                f" {1e3 * elapsed:8.1f} {n_iter:6d}  {'ConvergenceWarning' if warned else ''}"
            )


if __name__ == "__main__":
    main()
