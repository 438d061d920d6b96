"""The CV estimators and regularization_path against scikit-learn's
counterparts: the same alpha_ / C_ / l1_ratio_, held-out errors and scores to
1e-6 (relative), the same refitted coefficients."""

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from sklearn import linear_model as sk
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_wine,
    make_classification,
    make_regression,
)
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from gdlearn import (
    ElasticNetGD,
    ElasticNetGDCV,
    LassoGD,
    LassoGDCV,
    LogisticRegressionGD,
    LogisticRegressionGDCV,
    RidgeGDCV,
    alpha_grid,
    regularization_path,
)

TIGHT = dict(tol=1e-12, max_iter=100_000)  # scikit-learn's reference fits


def diabetes():
    return load_diabetes(return_X_y=True)


def generated():
    return make_regression(120, 25, n_informative=8, noise=5.0, random_state=0)


def weights(n, seed=0):
    return np.random.RandomState(seed).uniform(0.2, 3.0, n)


def relative(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("data", [diabetes, generated])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_lasso_cv_matches_sklearn(data, weighted, sparse):
    # on CSR, the folds' Gram comes from the sparse rows (centred implicitly)
    X, y = data()
    sw = weights(len(y)) if weighted else None
    ref = sk.LassoCV(cv=4, **TIGHT).fit(X, y, sample_weight=sw)
    X = csr_matrix(X) if sparse else X
    gd = LassoGDCV(cv=4).fit(X, y, sample_weight=sw)
    # the same point of the grid, whose largest alpha comes from X^T y
    # computed in another order for sparse X
    assert gd.alpha_ == pytest.approx(ref.alpha_, rel=1e-14)
    np.testing.assert_allclose(gd.alphas_, ref.alphas_, rtol=1e-12)
    assert gd.mse_path_.shape == ref.mse_path_.shape
    assert relative(gd.mse_path_, ref.mse_path_) < 1e-6
    assert relative(gd.coef_, ref.coef_) < 1e-6
    assert abs(gd.intercept_ - ref.intercept_) < 1e-6 * np.abs(y).max()
    assert gd.dual_gap_ < 1e-6 * np.var(y)


@pytest.mark.parametrize("data", [diabetes, generated])
def test_elastic_net_cv_matches_sklearn(data):
    X, y = data()
    grid = dict(l1_ratio=[0.2, 0.7, 1.0], cv=3, alphas=30)
    ref = sk.ElasticNetCV(**grid, **TIGHT).fit(X, y)
    gd = ElasticNetGDCV(**grid).fit(X, y)
    assert (gd.alpha_, gd.l1_ratio_) == (ref.alpha_, ref.l1_ratio_)
    assert gd.mse_path_.shape == ref.mse_path_.shape == (3, 30, 3)
    assert relative(gd.mse_path_, ref.mse_path_) < 1e-6
    np.testing.assert_allclose(gd.alphas_, ref.alphas_, rtol=1e-12)
    assert relative(gd.coef_, ref.coef_) < 1e-6


def test_given_alphas_sorted_decreasing_and_groups_routed():
    X, y = diabetes()
    alphas = [0.01, 1.0, 0.1]
    ref = sk.LassoCV(alphas=alphas, cv=KFold(3), **TIGHT).fit(X, y)
    gd = LassoGDCV(alphas=alphas, cv=KFold(3)).fit(X, y)
    np.testing.assert_array_equal(gd.alphas_, [1.0, 0.1, 0.01])
    assert gd.alpha_ == ref.alpha_
    assert relative(gd.mse_path_, ref.mse_path_) < 1e-6
    from sklearn.model_selection import GroupKFold

    groups = np.arange(len(y)) % 4
    fit = LassoGDCV(alphas=alphas, cv=GroupKFold(4)).fit(X, y, groups=groups)
    assert fit.mse_path_.shape == (3, 4)


@pytest.mark.parametrize("positive", [False, True])
def test_alpha_grid_is_sklearns(positive):
    X, y = generated()
    sw = weights(len(y))
    ref = sk.LassoCV(alphas=7, positive=positive, cv=2).fit(X, y, sample_weight=sw)
    ours = alpha_grid(X, y, n_alphas=7, positive=positive, sample_weight=sw)
    np.testing.assert_allclose(ours, ref.alphas_, rtol=1e-12)


@pytest.mark.parametrize(
    "Estimator, path", [(LassoGD, sk.lasso_path), (ElasticNetGD, sk.enet_path)]
)
def test_regularization_path_is_lasso_path(Estimator, path):
    X, y = diabetes()
    X, y = X - X.mean(axis=0), y - y.mean()  # lasso_path fits no intercept
    estimator = Estimator(fit_intercept=False, tol=1e-10)
    alphas, coefs, n_iters = regularization_path(estimator, X, y, n_alphas=40)
    kwargs = {} if Estimator is LassoGD else {"l1_ratio": 0.5}
    ref_alphas, ref_coefs, _ = path(X, y, alphas=alphas, **kwargs, **TIGHT)
    np.testing.assert_array_equal(alphas, ref_alphas)
    assert coefs.shape == ref_coefs.shape == (10, 40)
    assert relative(coefs, ref_coefs) < 1e-6
    # warm starts: far fewer iterations than 40 cold fits
    cold = sum(estimator.set_params(alpha=a).fit(X, y).n_iter_ for a in alphas)
    assert n_iters.sum() < cold


def test_regularization_path_logistic_equals_single_fits():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    estimator = LogisticRegressionGD(tol=1e-10)
    Cs, coefs, n_iters = regularization_path(estimator, X, y, Cs=[10.0, 0.01, 1.0])
    np.testing.assert_array_equal(Cs, [10.0, 0.01, 1.0])  # the grid's order kept
    assert coefs.shape == (1, 30, 3) and n_iters.shape == (3,)
    for j, C in enumerate(Cs):
        single = LogisticRegressionGD(C=C, tol=1e-10).fit(X, y).coef_
        assert relative(coefs[..., j], single) < 1e-6


def test_path_bad_grid():
    X, y = diabetes()
    with pytest.raises(ValueError, match="alphas"):
        regularization_path(LassoGD(), X, y, alphas=[-1.0])
    with pytest.raises(ValueError, match="Cs"):
        regularization_path(LassoGD(), X, y, Cs=3)
    with pytest.raises(ValueError, match="Cs"):
        regularization_path(LogisticRegressionGD(), X, y > 150, Cs=[0.0])
    with pytest.raises(ValueError, match="l1_ratio=0"):
        ElasticNetGDCV(l1_ratio=0.0).fit(X, y)
    with pytest.raises(ValueError, match="alphas"):
        LassoGDCV(alphas=[0.1, -1.0]).fit(X, y)


def scaled(load):
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def classes3():
    X, y = make_classification(150, 8, n_informative=5, n_classes=3, random_state=0)
    return X, y


@pytest.mark.parametrize(
    "data", [lambda: scaled(load_breast_cancer), lambda: scaled(load_wine), classes3]
)
@pytest.mark.parametrize("scoring", [None, "neg_log_loss"])
# the reference at tol=1e-14: scikit-learn's Newton hands over to its lbfgs on wine
@pytest.mark.filterwarnings("ignore:Line search of Newton solver:UserWarning")
def test_logistic_cv_matches_sklearn(data, scoring):
    X, y = data()
    grid = dict(Cs=6, cv=3, scoring=scoring, l1_ratios=(0.0,))
    ref = sk.LogisticRegressionCV(
        **grid,
        solver="newton-cholesky",
        tol=1e-14,
        max_iter=1000,
        use_legacy_attributes=False,
    ).fit(X, y)
    gd = LogisticRegressionGDCV(**grid).fit(X, y)
    assert gd.C_ == ref.C_ and gd.l1_ratio_ == ref.l1_ratio_
    np.testing.assert_array_equal(gd.Cs_, ref.Cs_)
    for name in ("scores_", "coefs_paths_", "n_iter_"):
        assert getattr(gd, name).shape == getattr(ref, name).shape, name
    assert relative(gd.scores_, ref.scores_) < 1e-6
    assert relative(gd.coefs_paths_, ref.coefs_paths_) < 1e-6
    assert relative(gd.coef_, ref.coef_) < 1e-6
    np.testing.assert_allclose(gd.predict_proba(X), ref.predict_proba(X), atol=1e-7)
    assert gd.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-7)


def test_logistic_cv_weights_and_no_refit():
    X, y = scaled(load_wine)
    sw = weights(len(y))
    grid = dict(Cs=[0.05, 1.0, 20.0], cv=3, scoring="neg_log_loss")
    ref = sk.LogisticRegressionCV(
        **grid,
        l1_ratios=np.array([0.0]),
        solver="newton-cholesky",
        tol=1e-14,
        class_weight="balanced",
        use_legacy_attributes=False,
    ).fit(X, y, sample_weight=sw)
    gd = LogisticRegressionGDCV(**grid, class_weight="balanced").fit(
        X, y, sample_weight=sw
    )
    assert gd.C_ == ref.C_
    assert relative(gd.scores_, ref.scores_) < 1e-6
    ref.set_params(refit=False).fit(X, y, sample_weight=sw)
    gd.set_params(refit=False).fit(X, y, sample_weight=sw)
    assert (gd.C_, gd.l1_ratio_) == (ref.C_, ref.l1_ratio_)
    assert relative(gd.coef_, ref.coef_) < 1e-6


def test_logistic_cv_l1_ratios_grid():
    X, y = scaled(load_breast_cancer)
    gd = LogisticRegressionGDCV(Cs=[0.1, 1.0], l1_ratios=(0.5, 1.0), cv=2).fit(X, y)
    assert gd.scores_.shape == gd.n_iter_.shape == (2, 2, 2)
    assert gd.coefs_paths_.shape == (2, 2, 2, 1, 31)
    best = np.unravel_index(np.argmax(gd.scores_.sum(axis=0).T), (2, 2))
    assert (gd.C_, gd.l1_ratio_) == (gd.Cs_[best[0]], gd.l1_ratios_[best[1]])
    single = LogisticRegressionGD(C=gd.C_, l1_ratio=gd.l1_ratio_, tol=1e-12).fit(X, y)
    assert relative(gd.coef_, single.coef_) < 1e-9


RIDGE_ALPHAS = np.logspace(-4, 2, 13)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"fit_intercept": False},
        {"scoring": "r2"},
        {"cv": 5},
        {"cv": 4, "scoring": "neg_mean_absolute_error"},
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_cv_matches_sklearn(options, weighted):
    X, y = diabetes()
    fit = {"sample_weight": weights(len(y))} if weighted else {}
    ref = sk.RidgeCV(alphas=RIDGE_ALPHAS, **options).fit(X, y, **fit)
    gd = RidgeGDCV(alphas=RIDGE_ALPHAS, **options).fit(X, y, **fit)
    assert gd.alpha_ == ref.alpha_
    assert gd.best_score_ == pytest.approx(ref.best_score_, rel=1e-9)
    assert relative(gd.coef_, ref.coef_) < 1e-8
    assert gd.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"alpha_per_target": True},
        {"store_cv_results": True},
        {"store_cv_results": True, "scoring": "r2"},
    ],
)
def test_ridge_loo_wide_multi_target(options):
    X, Y = make_regression(40, 60, n_targets=3, noise=20.0, random_state=0)
    ref = sk.RidgeCV(alphas=RIDGE_ALPHAS * 1e3, **options).fit(X, Y)
    gd = RidgeGDCV(alphas=RIDGE_ALPHAS * 1e3, **options).fit(X, Y)
    np.testing.assert_array_equal(gd.alpha_, ref.alpha_)
    np.testing.assert_allclose(gd.best_score_, ref.best_score_, rtol=1e-8)
    assert relative(gd.coef_, ref.coef_) < 1e-8
    if "store_cv_results" in options:
        assert gd.cv_results_.shape == ref.cv_results_.shape
        assert relative(gd.cv_results_, ref.cv_results_) < 1e-8


def test_ridge_cv_bad_options():
    X, y = diabetes()
    with pytest.raises(ValueError, match="alphas"):
        RidgeGDCV(alphas=[0.0, 1.0]).fit(X, y)
    with pytest.raises(ValueError, match="cv=None"):
        RidgeGDCV(cv=3, store_cv_results=True).fit(X, y)


def _warm_fits(estimator, param, grid, X, y, sw):
    fit, coefs = estimator.set_params(warm_start=True), []
    for value in grid:
        coefs.append(fit.set_params(**{param: value}).fit(X, y, sample_weight=sw).coef_)
    return np.stack(coefs, axis=-1)


@pytest.mark.parametrize(
    "estimator",
    [LassoGD(tol=1e-10), ElasticNetGD(l1_ratio=0.5, tol=1e-10)],
)
@pytest.mark.parametrize("sparse", [False, True])
def test_path_hook_is_warm_started_fits(estimator, sparse):
    import scipy.sparse as sparse_matrix

    X, y = generated()
    X = sparse_matrix.csr_matrix(X) if sparse else X
    sw = weights(len(y))
    grid = alpha_grid(X, y, l1_ratio=estimator.get_params().get("l1_ratio", 1.0))
    grid = grid[::10]
    alphas, coefs, _ = regularization_path(
        estimator, X, y, alphas=grid, sample_weight=sw
    )
    expected = _warm_fits(estimator, "alpha", alphas, X, y, sw)
    np.testing.assert_allclose(
        coefs, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max()
    )


@pytest.mark.parametrize("data", [lambda: scaled(load_breast_cancer), classes3])
def test_path_hook_logistic_is_warm_started_fits(data):
    X, y = data()
    Cs = [0.01, 0.1, 1.0, 10.0]
    _, coefs, _ = regularization_path(LogisticRegressionGD(tol=1e-10), X, y, Cs=Cs)
    expected = _warm_fits(LogisticRegressionGD(tol=1e-10), "C", Cs, X, y, None)
    np.testing.assert_allclose(
        coefs, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max()
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_gram_fold_path_is_newton_fold_path(weighted, positive, sparse):
    from gdlearn._path import fold_path
    from gdlearn.linear_model._cv import _mse

    X, y = diabetes()
    X = X + 1.0  # an offset the sparse Gram's centring must remove
    sw = weights(len(y)) if weighted else None
    train, test = np.arange(300), np.arange(300, len(y))
    grid = alpha_grid(X, y, l1_ratio=0.7, n_alphas=30, positive=positive)
    out = []
    for solver in ("auto", "newton"):  # the Gram path, the general fits
        est = ElasticNetGD(l1_ratio=0.7, tol=1e-12, positive=positive, solver=solver)
        Xs = csr_matrix(X) if sparse and solver == "auto" else X
        out.append(fold_path(est, "alpha", grid, Xs, y, sw, train, test, _mse))
    (s1, c1, b1, *_), (s2, c2, b2, *_) = out
    assert relative(np.array(c1), np.array(c2)) < 1e-8
    assert relative(np.array(b1), np.array(b2)) < 1e-8
    assert relative(s1, s2) < 1e-10


@pytest.mark.parametrize(
    "data", [lambda: scaled(load_breast_cancer), lambda: scaled(load_wine)]
)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("C", [1e-3, 1.0, 1e4])
def test_held_out_score_is_the_scorers(data, weighted, sparse, C):
    from sklearn.base import ClassifierMixin
    from sklearn.metrics import get_scorer

    from gdlearn.linear_model._logistic_cv import held_out_score

    X, y = data()
    fit = LogisticRegressionGD(C=C).fit(X[::2], y[::2])
    X_test, y_test = X[1::2], y[1::2]
    X_test = csr_matrix(X_test) if sparse else X_test
    sw = weights(len(y_test)) if weighted else None
    kwargs = {} if sw is None else {"sample_weight": sw}
    accuracy = ClassifierMixin.score(fit, X_test, y_test, **kwargs)
    log_loss = get_scorer("neg_log_loss")(fit, X_test, y_test, **kwargs)
    assert held_out_score(None, fit, X_test, y_test, sw) == accuracy
    ours = held_out_score("neg_log_loss", fit, X_test, y_test, sw)
    assert ours == pytest.approx(log_loss, rel=1e-14, abs=0)
    # other scorings, and held-out rows short of a class, go to the scorer
    assert held_out_score("accuracy", fit, X_test, y_test, sw) is None
    some = y_test != fit.classes_[0]
    assert held_out_score("neg_log_loss", fit, X_test[some], y_test[some], None) is None


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_carried_curvature_is_the_curvature_at_the_new_penalty(classes, l1_ratio):
    from gdlearn._compat import validate_params
    from gdlearn.solvers.newton import Carried

    X, y = make_classification(
        300, 6, n_informative=4, n_classes=classes, random_state=0
    )
    X = X * [1.0, 10.0, 0.1, 1.0, 3.0, 1.0] + 2.0  # scales the C changes
    fit = LogisticRegressionGD(C=0.01, l1_ratio=l1_ratio)
    validate_params(fit)
    problem = fit._setup(X, y, None)
    before = problem.objective
    V = before.from_coef(*[np.asarray(a) for a in _random_coef(before)])
    Z = before.raw(V)
    carried = Carried.of(before, before.curvature_matrices(Z), Z)
    if classes > 2:  # the softmax's block, shifted by a penalty's level
        assert carried is None
        return
    fit.C = 100.0
    after = fit._setup(X, y, None, problem).objective
    assert carried.fits(after) and not np.allclose(
        after.design.scale, before.design.scale
    )
    expected = after.curvature_matrices(Z)
    np.testing.assert_allclose(
        carried.at(after), expected, rtol=1e-12, atol=1e-13 * np.abs(expected).max()
    )
    other = LogisticRegressionGD(C=100.0, l1_ratio=l1_ratio)
    validate_params(other)
    assert not carried.fits(other._setup(X.copy(), y, None).objective)


def _random_coef(objective):
    rng = np.random.RandomState(0)
    p, k = objective.n_features, objective.Y.shape[1]
    return rng.normal(size=(p, k)) * 0.3, rng.normal(size=k)


def test_path_fits_start_from_the_carried_curvature():
    from gdlearn.solvers import newton

    X, y = scaled(load_breast_cancer)
    started = []
    original = newton.Newton.setup

    def setup(self, objective, V0):
        s = original(self, objective, V0)
        started.append(s.curvature is not None)  # a curvature before any refresh
        return s

    Cs = np.logspace(-3, 3, 7)
    newton.Newton.setup = setup
    try:
        _, coefs, _ = regularization_path(LogisticRegressionGD(tol=1e-12), X, y, Cs=Cs)
        LogisticRegressionGD(tol=1e-12).fit(X, y)  # a single fit carries nothing
    finally:
        newton.Newton.setup = original
    assert started == [False] + [True] * (len(Cs) - 1) + [False]
    for j, C in enumerate(Cs):
        ref = sk.LogisticRegression(
            C=C, solver="newton-cholesky", tol=1e-14, max_iter=1000
        ).fit(X, y)
        assert relative(coefs[..., j], ref.coef_) < 1e-8


@pytest.mark.parametrize("C", [1e2, 1e4])
def test_weak_penalty_on_redundant_features_converges_to_the_minimum(C):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    # 2 redundant features: a nearly flat direction where the last steps
    # are rounding's, which stops the fit rather than the stall rule
    X, y = make_classification(4000, 12, n_informative=5, random_state=0)
    ref = sk.LogisticRegression(
        C=C, solver="newton-cholesky", tol=1e-14, max_iter=1000
    ).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        gd = LogisticRegressionGD(C=C, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(
        gd.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-9
    )
    assert relative(gd.coef_, ref.coef_) < 1e-6


def test_gram_path_past_max_steps_falls_back_to_the_general_fits(monkeypatch):
    from gdlearn import _path
    from gdlearn._gram_path import compressed, enet_gram_path, gram_problem
    from gdlearn.linear_model._cv import _mse

    X, y = diabetes()
    train, test = np.arange(300), np.arange(300, len(y))
    grid = alpha_grid(X, y, l1_ratio=0.7, n_alphas=30)
    R, z, _, scale = compressed(X[train], y[train], None, True)
    Q, c = gram_problem(R, z)
    penalties = [(0.7 * a * scale, 0.3 * a * scale) for a in grid]
    assert enet_gram_path(Q, c, penalties, max_steps=1) is None  # too few
    assert enet_gram_path(Q, c, penalties, max_steps=1000) is not None
    declined = []

    def one_step(Q, c, penalties, *, positive=False, max_steps=1000):
        out = enet_gram_path(Q, c, penalties, positive=positive, max_steps=1)
        declined.append(out is None)
        return out

    monkeypatch.setattr(_path, "enet_gram_path", one_step)
    out = []
    for solver in ("auto", "newton"):  # the declined Gram path, the general fits
        est = ElasticNetGD(l1_ratio=0.7, tol=1e-12, solver=solver)
        out.append(_path.fold_path(est, "alpha", grid, X, y, None, train, test, _mse))
    assert declined == [True]
    (s1, c1, b1, *_), (s2, c2, b2, *_) = out
    np.testing.assert_array_equal(np.array(c1), np.array(c2))
    np.testing.assert_array_equal(s1, s2)
    # and both are the minimizers the Gram path finds with enough steps
    W, _ = enet_gram_path(Q, c, penalties)
    assert relative(np.array(c1).T, W) < 1e-8


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_fold_scores_at_once_are_the_fits_scores(weighted, sparse):
    from gdlearn._path import fold_path
    from gdlearn.linear_model._cv import _mse

    X, y = generated()
    X = csr_matrix(X) if sparse else X
    sw = weights(len(y)) if weighted else None
    train, test = np.arange(80), np.arange(80, len(y))
    grid = alpha_grid(X, y, l1_ratio=0.5, n_alphas=20)
    est = ElasticNetGD(l1_ratio=0.5, tol=1e-10)

    def one_by_one(fit, X, y, sample_weight):  # _mse without its many
        return _mse(fit, X, y, sample_weight)

    at_once = fold_path(est, "alpha", grid, X, y, sw, train, test, _mse)
    each = fold_path(est, "alpha", grid, X, y, sw, train, test, one_by_one)
    np.testing.assert_allclose(at_once[0], each[0], rtol=1e-13)
    for c1, c2 in zip(at_once[1], each[1], strict=True):
        np.testing.assert_array_equal(c1, c2)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("targets", [1, 3])
def test_fold_rows_from_the_whole_gram_are_the_fold_own(
    fit_intercept, weighted, targets
):
    """A fold's compressed rows from the whole data's Gram less the test
    rows' part solve the same least-squares problem as the fold's own: the
    same centred Gram and cross products (R^T R, R^T z), means and scale, on
    columns offset far from their spread."""
    from gdlearn._gram_path import compressed, fold_compressed, whole_gram

    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 12)) * rng.uniform(0.1, 10, 12) + rng.uniform(-50, 50, 12)
    y = X @ rng.normal(size=(12, targets)) + rng.normal(size=(300, targets))
    y = y[:, 0] if targets == 1 else y
    sw = weights(300) if weighted else None
    test = np.arange(40, 100)
    train = np.setdiff1d(np.arange(300), test)
    R, z, (xm, ym), scale = compressed(
        X[train], y[train], None if sw is None else sw[train], fit_intercept
    )
    whole = whole_gram(X, y, sw, fit_intercept)
    R2, z2, (xm2, ym2), scale2 = fold_compressed(whole, test, np.ndim(y))
    G, G2 = R.T @ R, R2.T @ R2
    np.testing.assert_allclose(G2, G, rtol=1e-10, atol=1e-10 * np.abs(G).max())
    c, c2 = R.T @ z, R2.T @ z2
    np.testing.assert_allclose(c2, c, rtol=1e-10, atol=1e-10 * np.abs(c).max())
    np.testing.assert_allclose(xm2, xm, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ym2, ym, rtol=1e-12, atol=1e-12)
    assert scale2 == pytest.approx(scale, rel=1e-12)
