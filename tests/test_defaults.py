"""The defaults give scikit-learn's coefficients on ill-conditioned problems.

A small gradient is not a small error in the coefficients where the objective
is flat along some direction (scaled or offset columns, correlated features,
a weak penalty): each case here, generated and seeded, is fitted at default
parameters and compared with scikit-learn's tightly converged solution,
coefficient by coefficient, relative to the largest; and the same fit on a
Fortran-ordered copy of ``X`` and on permuted rows gives the same
coefficients.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from gdlearn import LassoGD, LogisticRegressionGD, RidgeGD
from gdlearn._objective import Objective

N = 5000


def scaled(X):
    """Columns scaled over 1e-3 .. 1e3."""
    return X * np.logspace(-3, 3, X.shape[1])


def offset(X):
    """Offsets up to 50 beside spreads from 0.1 to 10."""
    return X * np.logspace(-1, 1, X.shape[1]) + np.linspace(0, 50, X.shape[1])


def correlated(n, p, rng, rho=0.95):
    """Gaussian features of pairwise correlation ``rho``."""
    common = rng.normal(size=(n, 1))
    return np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.normal(size=(n, p))


def classification(transform, n_classes=2, seed=0):
    X, y = make_classification(
        N, 20, n_informative=8, n_classes=n_classes, flip_y=0.05, random_state=seed
    )
    return transform(X), y


def wide_scaled():
    """100 features, 10 of them scaled by 1,000 ('auto' takes L-BFGS here)."""
    X, y = make_classification(N, 100, n_informative=30, random_state=0)
    X[:, :10] *= 1000
    return X, y


def regression(transform, seed=0):
    X, y = make_regression(N, 20, n_informative=10, noise=5.0, random_state=seed)
    return transform(X), y


def rho_classification(n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = correlated(N, 20, rng)
    Z = X @ rng.normal(size=(20, n_classes)) + rng.logistic(size=(N, n_classes))
    return X, np.argmax(Z, axis=1)


def rho_regression(seed=0):
    rng = np.random.default_rng(seed)
    X = correlated(N, 20, rng)
    return X, X @ rng.normal(size=20) + rng.normal(size=N)


def logistic(C):
    ref = sk.LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=500)
    return LogisticRegressionGD(C=C), ref


CASES = {
    "logistic, columns scaled 1e-3..1e3": (
        lambda: classification(scaled),
        lambda: logistic(1.0),
    ),
    "logistic 100 features, 10 scaled by 1e3": (wide_scaled, lambda: logistic(1.0)),
    "3-class, offsets beside small spreads": (
        lambda: classification(offset, 3),
        lambda: logistic(1.0),
    ),
    "logistic, rho = 0.95": (rho_classification, lambda: logistic(1.0)),
    "3-class, rho = 0.95, C = 1e4": (
        lambda: rho_classification(3),
        lambda: logistic(1e4),
    ),
    "logistic, scaled, C = 1e4": (
        lambda: classification(scaled),
        lambda: logistic(1e4),
    ),
    "ridge, columns scaled 1e-3..1e3": (
        lambda: regression(scaled),
        lambda: (RidgeGD(alpha=1.0), sk.Ridge(alpha=1.0, solver="cholesky")),
    ),
    "ridge, offsets, alpha = 1e-4": (
        lambda: regression(offset),
        lambda: (RidgeGD(alpha=1e-4), sk.Ridge(alpha=1e-4, solver="cholesky")),
    ),
    "ridge, rho = 0.95": (
        rho_regression,
        lambda: (RidgeGD(alpha=1e-3), sk.Ridge(alpha=1e-3, solver="cholesky")),
    ),
    "lasso, rho = 0.95": (
        rho_regression,
        lambda: (LassoGD(alpha=0.01), sk.Lasso(alpha=0.01, tol=1e-12, max_iter=10**5)),
    ),
    "lasso, offsets": (
        lambda: regression(offset),
        lambda: (LassoGD(alpha=0.1), sk.Lasso(alpha=0.1, tol=1e-12, max_iter=10**5)),
    ),
}


def relative_error(W, W_ref):
    W, W_ref = np.atleast_2d(W), np.atleast_2d(W_ref)
    return np.max(np.abs(W - W_ref)) / np.max(np.abs(W_ref))


def fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(X, y)


@pytest.mark.parametrize("case", list(CASES))
def test_defaults_give_the_reference_coefficients(case):
    data, models = CASES[case]
    X, y = data()
    model, ref = models()
    ref.fit(X, y)
    fit_quietly(model, X, y)
    assert relative_error(model.coef_, ref.coef_) <= 1e-4


@pytest.mark.parametrize("case", list(CASES))
def test_memory_order_and_row_order_do_not_change_the_coefficients(case):
    data, models = CASES[case]
    X, y = data()
    W = fit_quietly(models()[0], X, y).coef_
    W_f = fit_quietly(models()[0], np.asfortranarray(X), y).coef_
    perm = np.random.default_rng(1).permutation(len(y))
    W_p = fit_quietly(models()[0], X[perm], y[perm]).coef_
    assert relative_error(W_f, W) <= 1e-6
    assert relative_error(W_p, W) <= 1e-6


@pytest.mark.parametrize("tol", [1e-6, 1e-10])
def test_an_estimated_curvature_still_reaches_the_reference(monkeypatch, tol):
    """With the curvature estimated on every 5th sample, summed in float32
    (as on more than ``curvature_rows`` samples), Newton's method makes it
    exact where the estimate stops helping (condition number 1e8 here):
    tol=1e-10 converges without a warning, and the default agrees with
    scikit-learn's coefficients."""
    monkeypatch.setattr(Objective, "curvature_rows", N // 5)
    X, y = classification(offset, 3)
    ref = logistic(1.0)[1].fit(X, y)
    model = fit_quietly(LogisticRegressionGD(tol=tol), X, y)
    assert model.solver_ == "newton"
    assert relative_error(model.coef_, ref.coef_) <= (1e-4 if tol > 1e-8 else 1e-7)
