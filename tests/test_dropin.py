"""scikit-learn drop-in attributes and parameters (issue 18): ``dual_gap_`` and
``sparse_coef_`` of the L1 regressors, per-target ``alpha`` of RidgeGD."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge

from gdlearn import ElasticNetGD, LassoGD, LinearRegressionGD, RidgeGD


def sklearn_gap(X, y, coef, alpha, l1_ratio, fit_intercept, sample_weight=None):
    """``ElasticNet.dual_gap_`` at ``coef``, written as scikit-learn computes
    it: weights rescaled to sum to n, data centred and multiplied by their
    square roots, ``_cd_fast``'s gap on it divided by n."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)
    n = X.shape[0]
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    sw = sw * n / sw.sum()
    if fit_intercept:
        X = X - np.average(X, axis=0, weights=sw)
        y = y - np.average(y, weights=sw)
    X, y = X * np.sqrt(sw)[:, None], y * np.sqrt(sw)
    a, b = alpha * l1_ratio * n, alpha * (1 - l1_ratio) * n
    R = y - X @ coef
    XtA = X.T @ R - b * coef
    dual_norm = np.max(np.abs(XtA))
    primal = 0.5 * (R @ R + b * coef @ coef) + a * np.abs(coef).sum()
    t = a / dual_norm if dual_norm > a else 1.0
    dual = -0.5 * t**2 * (R @ R + b * coef @ coef) + t * (R @ y)
    return (primal - dual) / n


def _data(kind):
    if kind == "diabetes":
        return load_diabetes(return_X_y=True)
    X, y = make_regression(300, 20, n_informative=6, noise=5.0, random_state=0)
    return X * np.linspace(0.1, 10, 20), y


@pytest.mark.parametrize("kind", ["diabetes", "generated"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_dual_gap_is_sklearns(kind, fit_intercept, weighted, l1_ratio):
    X, y = _data(kind)
    sw = np.random.default_rng(0).uniform(0.2, 3, len(y)) if weighted else None
    alpha = 0.1 * np.abs(X.T @ (y - y.mean())).max() / len(y)
    est = ElasticNetGD(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
    est.fit(X, y, sample_weight=sw)
    expected = sklearn_gap(X, y, est.coef_, alpha, l1_ratio, fit_intercept, sw)
    assert np.ndim(est.dual_gap_) == 0
    # the objective's scale: the gap is a difference of two such numbers
    scale = 0.5 * np.average((y - np.average(y, weights=sw)) ** 2, weights=sw)
    assert est.dual_gap_ == pytest.approx(expected, rel=1e-6, abs=1e-13 * scale)
    # the test's formula is sklearn's own: at sklearn's coefficients it gives
    # the dual_gap_ sklearn reports
    ref = ElasticNet(
        alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-10
    ).fit(X, y, sample_weight=sw)
    at_ref = sklearn_gap(X, y, ref.coef_, alpha, l1_ratio, fit_intercept, sw)
    assert ref.dual_gap_ == pytest.approx(at_ref, rel=1e-6, abs=1e-13 * scale)
    # away from the minimum the gap is large, and still sklearn's
    early = ElasticNetGD(
        alpha=alpha,
        l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
        max_iter=2,
        solver="accelerated",
    )
    with pytest.warns(ConvergenceWarning):
        early.fit(X, y, sample_weight=sw)
    expected = sklearn_gap(X, y, early.coef_, alpha, l1_ratio, fit_intercept, sw)
    assert early.dual_gap_ > 1e-6 * scale
    assert early.dual_gap_ == pytest.approx(expected, rel=1e-6)
    # converged: the gap is >= 0 and small beside the objective
    assert -1e-13 * scale <= est.dual_gap_ <= 1e-6 * scale


def test_dual_gap_multi_output_and_sparse():
    X, Y = make_regression(200, 8, n_targets=3, noise=1.0, random_state=1)
    est = LassoGD(alpha=1.0).fit(X, Y)
    assert est.dual_gap_.shape == (3,)
    ref = Lasso(alpha=1.0, tol=1e-10).fit(X, Y)
    assert ref.dual_gap_.shape == (3,)
    for c in range(3):
        expected = sklearn_gap(X, Y[:, c], est.coef_[c], 1.0, 1.0, True)
        scale = 0.5 * np.var(Y[:, c])
        assert est.dual_gap_[c] == pytest.approx(expected, rel=1e-6, abs=1e-13 * scale)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    est = LassoGD(alpha=0.5, solver="accelerated").fit(Xs, Y[:, 0])
    expected = sklearn_gap(Xs, Y[:, 0], est.coef_, 0.5, 1.0, True)
    scale = 0.5 * np.var(Y[:, 0])
    assert est.dual_gap_ == pytest.approx(expected, rel=1e-6, abs=1e-13 * scale)
    assert 0 <= est.dual_gap_ <= 1e-6 * scale


@pytest.mark.parametrize("Est", [LassoGD, ElasticNetGD])
def test_sparse_coef(Est):
    X, y = load_diabetes(return_X_y=True)
    est = Est(alpha=0.5).fit(X, y)
    S = est.sparse_coef_
    assert sp.issparse(S) and S.format == "csr"
    ref = Lasso(alpha=0.5).fit(X, y).sparse_coef_
    assert S.shape == ref.shape
    np.testing.assert_array_equal(S.toarray().ravel(), est.coef_)
    assert S.nnz == np.count_nonzero(est.coef_)
    _, Y = make_regression(len(y), 10, n_targets=2, random_state=0)
    est = Est(alpha=0.5).fit(X, Y)
    np.testing.assert_array_equal(est.sparse_coef_.toarray(), est.coef_)


def _ridge_data(kind):
    if kind == "diabetes":
        X, y = load_diabetes(return_X_y=True)
        rng = np.random.default_rng(0)
        return X, np.column_stack([y, y**0.5 + rng.normal(size=len(y)), -y])
    X, Y = make_regression(
        250, 15, n_informative=8, n_targets=3, noise=3.0, random_state=2
    )
    return X * np.logspace(-1, 1, 15) + 5.0, Y


@pytest.mark.parametrize("kind", ["diabetes", "generated"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_alpha_per_target(kind, fit_intercept, weighted):
    X, Y = _ridge_data(kind)
    sw = np.random.default_rng(1).uniform(0.1, 4, len(Y)) if weighted else None
    alphas = np.array([0.01, 1.0, 100.0])
    est = RidgeGD(alpha=alphas, fit_intercept=fit_intercept, tol=1e-10)
    est.fit(X, Y, sample_weight=sw)
    ref = Ridge(alpha=alphas, fit_intercept=fit_intercept).fit(X, Y, sample_weight=sw)
    assert est.coef_.shape == ref.coef_.shape == (3, X.shape[1])
    assert est.intercept_.shape == (3,)
    for c in range(3):
        top = np.abs(ref.coef_[c]).max()
        np.testing.assert_allclose(est.coef_[c], ref.coef_[c], rtol=0, atol=1e-6 * top)
    np.testing.assert_allclose(
        est.intercept_, ref.intercept_, rtol=1e-6, atol=1e-6 * np.abs(Y).max()
    )
    assert est.n_iter_.shape == (3,)
    # each target is the fit with its own float alpha
    single = RidgeGD(alpha=100.0, fit_intercept=fit_intercept, tol=1e-10)
    single.fit(X, Y[:, 2], sample_weight=sw)
    np.testing.assert_array_equal(est.coef_[2], single.coef_)
    # the same coefficients through a matrix product (2-D) and a matrix-vector
    # product (1-D): each sum rounds relative to its terms, not to its value
    expected = single.predict(X)
    np.testing.assert_allclose(
        est.predict(X)[:, 2], expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max()
    )


def test_ridge_alpha_per_target_checks():
    X, Y = _ridge_data("generated")
    with pytest.raises(ValueError, match="one per target, but y has 3"):
        RidgeGD(alpha=[1.0, 2.0]).fit(X, Y)
    with pytest.raises(ValueError, match="but y has 1"):
        RidgeGD(alpha=[1.0, 2.0]).fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="nonnegative"):
        RidgeGD(alpha=[1.0, -2.0, 1.0]).fit(X, Y)
    with pytest.raises(ValueError, match="partial_fit takes a float"):
        RidgeGD(alpha=[1.0, 2.0, 3.0], solver="sgd").partial_fit(X, Y)
    # one value in an array is a float alpha, for any y
    one = RidgeGD(alpha=[2.0]).fit(X, Y[:, 0])
    np.testing.assert_array_equal(one.coef_, RidgeGD(alpha=2.0).fit(X, Y[:, 0]).coef_)
    # a failed fit leaves the fitted model as it was
    est = RidgeGD(alpha=[1.0, 2.0, 3.0]).fit(X, Y)
    coef = est.coef_.copy()
    with pytest.raises(ValueError):
        est.set_params(alpha=[1.0, 2.0]).fit(X, Y)
    np.testing.assert_array_equal(est.coef_, coef)
    # warm start from the previous per-target fit
    est.set_params(alpha=[1.0, 2.0, 3.0], warm_start=True).fit(X, Y)
    assert (est.n_iter_ <= 1).all()


def _positive_data(kind):
    if kind == "diabetes":
        return load_diabetes(return_X_y=True)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 12)) @ rng.normal(size=(12, 12)) * 3 + 10
    coef = rng.normal(size=12) * 5
    return X, X @ coef + rng.normal(size=300) + 7


POSITIVE = [
    (LinearRegressionGD, {}, lambda: LinearRegression(positive=True)),
    (
        RidgeGD,
        {"alpha": 0.5},
        lambda: Ridge(
            alpha=0.5, positive=True, solver="lbfgs", tol=1e-14, max_iter=100_000
        ),
    ),
    (LassoGD, {"alpha": 0.2}, lambda: Lasso(alpha=0.2, positive=True, tol=1e-12)),
    (
        ElasticNetGD,
        {"alpha": 0.02, "l1_ratio": 0.7},
        lambda: ElasticNet(alpha=0.02, l1_ratio=0.7, positive=True, tol=1e-12),
    ),
]


@pytest.mark.parametrize("kind", ["diabetes", "generated"])
@pytest.mark.parametrize("Est, params, reference", POSITIVE)
@pytest.mark.parametrize("solver", ["auto", "newton", "accelerated", "gd"])
def test_positive_is_sklearns(kind, Est, params, reference, solver):
    X, y = _positive_data(kind)
    ref = reference().fit(X, y)
    tol = 1e-6 if solver in ("auto", "newton") else 1e-12
    est = Est(**params, positive=True, solver=solver, tol=tol, max_iter=100_000)
    est.fit(X, y)
    assert (est.coef_ >= 0).all() and (ref.coef_ == 0).any()
    top = np.abs(ref.coef_).max()
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-5 * top)
    assert abs(est.intercept_ - ref.intercept_) <= 1e-5 * (abs(ref.intercept_) + top)
    np.testing.assert_array_equal(est.coef_ == 0, ref.coef_ == 0)


def test_positive_details():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="positive=True"):
        RidgeGD(positive=True, solver="lbfgs").fit(X, y)
    # weighted, and without an intercept
    sw = np.random.default_rng(0).uniform(0.2, 3, len(y))
    est = LassoGD(alpha=0.1, positive=True, fit_intercept=False).fit(X, y, sw)
    ref = Lasso(alpha=0.1, positive=True, fit_intercept=False, tol=1e-12)
    ref.fit(X, y, sample_weight=sw)
    top = np.abs(ref.coef_).max()
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-5 * top)
    # the dual gap with positive: the dual norm is the largest X^T r, not |X^T r|
    Xc = X * np.sqrt(sw * len(y) / sw.sum())[:, None]
    yc = y * np.sqrt(sw * len(y) / sw.sum())
    R, a = yc - Xc @ est.coef_, 0.1 * len(y)
    t = min(1.0, a / np.max(Xc.T @ R))
    gap = 0.5 * R @ R + a * est.coef_.sum() - (t * R @ yc - 0.5 * t * t * R @ R)
    assert est.dual_gap_ == pytest.approx(gap / len(y), rel=1e-6, abs=1e-9)
    # several targets (LinearRegression's nnls, one per target)
    _, Y = make_regression(len(y), 10, n_targets=2, random_state=0)
    Y = np.column_stack([y, Y[:, 0]])
    est = LinearRegressionGD(positive=True).fit(X, Y)
    ref = LinearRegression(positive=True).fit(X, Y)
    np.testing.assert_allclose(
        est.coef_, ref.coef_, rtol=0, atol=1e-5 * np.abs(ref.coef_).max()
    )
    # warm start from an unconstrained fit starts inside the constraint
    est = RidgeGD(alpha=0.1).fit(X, y)
    assert (est.coef_ < 0).any()
    est.set_params(positive=True, warm_start=True).fit(X, y)
    assert (est.coef_ >= 0).all()
    # the subgradient steps keep to it too
    est = LassoGD(alpha=0.2, positive=True, l1_method="subgradient").fit(X, y)
    ref = Lasso(alpha=0.2, positive=True, tol=1e-12).fit(X, y)
    assert (est.coef_ >= 0).all()
    np.testing.assert_allclose(
        est.coef_, ref.coef_, rtol=0, atol=1e-3 * np.abs(ref.coef_).max()
    )
    # per-target alphas carry positive
    est = RidgeGD(alpha=[0.1, 10.0], positive=True).fit(X, Y)
    assert (est.coef_ >= 0).all()
