"""The estimators against scikit-learn's own solvers on its bundled real datasets."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_linnerud,
    load_wine,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
)
from sklearn.preprocessing import StandardScaler

from gdlearn import (
    ElasticNetGD,
    LassoGD,
    LinearRegressionGD,
    LogisticRegressionGD,
    RidgeGD,
    compare,
)
from gdlearn._objective import Objective

# Every fit in this module must converge at its settings: a ConvergenceWarning fails it.
pytestmark = pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")


def _standardized(X):
    return StandardScaler().fit_transform(X)


DIABETES = {
    "scaled": load_diabetes(return_X_y=True),
    "raw": load_diabetes(return_X_y=True, scaled=False),
}
X_BC, Y_BC = load_breast_cancer(return_X_y=True)
CLASSIFICATION = {
    "breast_cancer raw": (X_BC, Y_BC),
    "breast_cancer standardized": (_standardized(X_BC), Y_BC),
    "wine": load_wine(return_X_y=True),
    "iris": load_iris(return_X_y=True),
}


def _relative_error(coef, reference):
    return np.abs(coef - reference).max() / np.abs(reference).max()


def _sample_weight(n, seed=0):
    return np.random.default_rng(seed).uniform(0.2, 3.0, size=n)


# -- least squares -----------------------------------------------------------------
@pytest.mark.parametrize("data", list(DIABETES))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_linear_regression_matches_sklearn(data, fit_intercept, weighted):
    X, y = DIABETES[data]
    sw = _sample_weight(len(y)) if weighted else None
    ref = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    gd = LinearRegressionGD(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    assert _relative_error(gd.coef_, ref.coef_) < 1e-4
    assert gd.intercept_ == pytest.approx(ref.intercept_, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("data", list(DIABETES))
@pytest.mark.parametrize("alpha", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_matches_sklearn(data, alpha, weighted):
    X, y = DIABETES[data]
    sw = _sample_weight(len(y)) if weighted else None
    ref = Ridge(alpha=alpha).fit(X, y, sample_weight=sw)
    gd = RidgeGD(alpha=alpha).fit(X, y, sample_weight=sw)
    assert _relative_error(gd.coef_, ref.coef_) < 1e-4
    assert gd.intercept_ == pytest.approx(ref.intercept_, rel=1e-4)


def test_ridge_multi_output_matches_sklearn():
    X, Y = load_linnerud(return_X_y=True)
    ref = Ridge(alpha=10.0).fit(X, Y)
    gd = RidgeGD(alpha=10.0).fit(X, Y)
    assert gd.coef_.shape == ref.coef_.shape == (3, 3)
    assert _relative_error(gd.coef_, ref.coef_) < 1e-4
    np.testing.assert_allclose(gd.intercept_, ref.intercept_, rtol=1e-4)
    assert gd.predict(X).shape == Y.shape


def _enet_objective(X, y, coef, intercept, alpha, l1_ratio):
    r = y - X @ coef - intercept
    return (
        r @ r / (2 * len(y))
        + alpha * l1_ratio * np.abs(coef).sum()
        + 0.5 * alpha * (1 - l1_ratio) * coef @ coef
    )


@pytest.mark.parametrize(
    "data, alpha", [("scaled", 0.05), ("scaled", 0.5), ("raw", 0.3), ("raw", 10.0)]
)
@pytest.mark.parametrize("l1_method", ["proximal", "subgradient"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.7])
def test_lasso_and_elastic_net_match_sklearn(data, alpha, l1_method, l1_ratio):
    X, y = DIABETES[data]
    if l1_ratio == 1.0:
        ref = Lasso(alpha=alpha, tol=1e-12, max_iter=1_000_000).fit(X, y)
        gd = LassoGD(alpha=alpha, l1_method=l1_method).fit(X, y)
    else:
        ref = ElasticNet(
            alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=1_000_000
        ).fit(X, y)
        gd = ElasticNetGD(alpha=alpha, l1_ratio=l1_ratio, l1_method=l1_method).fit(X, y)
    f_gd = _enet_objective(X, y, gd.coef_, gd.intercept_, alpha, l1_ratio)
    f_ref = _enet_objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio)
    assert (f_gd - f_ref) / f_ref < 1e-6
    np.testing.assert_array_equal(gd.coef_ == 0, ref.coef_ == 0)
    assert gd.loss_curve_[-1] == pytest.approx(f_gd, rel=1e-9)


def test_lasso_with_sample_weight_matches_sklearn():
    X, y = DIABETES["scaled"]
    sw = _sample_weight(len(y))
    ref = Lasso(alpha=0.1, tol=1e-12, max_iter=1_000_000).fit(X, y, sample_weight=sw)
    gd = LassoGD(alpha=0.1).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(gd.coef_ == 0, ref.coef_ == 0)
    assert _relative_error(gd.coef_, ref.coef_) < 1e-4


# -- logistic regression ---------------------------------------------------------------
def _tight_logistic(**params):
    return LogisticRegression(
        solver="newton-cholesky", tol=1e-12, max_iter=1000, **params
    )


@pytest.mark.parametrize("data", list(CLASSIFICATION))
@pytest.mark.parametrize("C", [1.0, 0.05])
def test_logistic_matches_sklearn(data, C):
    X, y = CLASSIFICATION[data]
    ref = _tight_logistic(C=C).fit(X, y)
    gd = LogisticRegressionGD(C=C).fit(X, y)
    assert gd.coef_.shape == ref.coef_.shape
    np.testing.assert_allclose(gd.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    np.testing.assert_array_equal(gd.predict(X), ref.predict(X))


def test_logistic_multinomial_digits_matches_sklearn():
    X, y = load_digits(return_X_y=True)
    ref = _tight_logistic(C=0.1).fit(X, y)
    gd = LogisticRegressionGD(C=0.1).fit(X, y)
    assert gd.coef_.shape == (10, 64)
    np.testing.assert_allclose(gd.predict_proba(X), ref.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("data", ["breast_cancer standardized", "wine"])
@pytest.mark.parametrize(
    "option", ["sample_weight", "balanced", "dict", "no intercept"]
)
def test_logistic_options_match_sklearn(data, option):
    X, y = CLASSIFICATION[data]
    params, fit_params = {}, {}
    if option == "sample_weight":
        fit_params["sample_weight"] = _sample_weight(len(y))
    elif option == "balanced":
        params["class_weight"] = "balanced"
    elif option == "dict":
        params["class_weight"] = {0: 3.0, 1: 0.5}
    else:
        params["fit_intercept"] = False
    ref = _tight_logistic(**params).fit(X, y, **fit_params)
    gd = LogisticRegressionGD(**params).fit(X, y, **fit_params)
    np.testing.assert_allclose(gd.predict_proba(X), ref.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("l1_method", ["proximal", "subgradient"])
@pytest.mark.parametrize(
    "data, l1_ratio", [("wine", 1.0), ("breast_cancer standardized", 0.5)]
)
def test_logistic_l1_and_elastic_net_match_saga(data, l1_ratio, l1_method):
    X, y = CLASSIFICATION[data]
    X = _standardized(X)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", ConvergenceWarning
        )  # the reference's, at max_iter
        ref = LogisticRegression(
            solver="saga", l1_ratio=l1_ratio, tol=1e-9, max_iter=100_000
        ).fit(X, y)
    gd = LogisticRegressionGD(l1_ratio=l1_ratio, l1_method=l1_method).fit(X, y)
    np.testing.assert_array_equal(gd.coef_ == 0, ref.coef_ == 0)
    assert (gd.coef_ == 0).sum() > 0
    np.testing.assert_allclose(gd.predict_proba(X), ref.predict_proba(X), atol=1e-4)


def test_unpenalized_logistic_matches_sklearn():
    X, y = load_iris(return_X_y=True)
    X, y = X[y > 0], y[y > 0]  # versicolor vs virginica overlap: a finite optimum
    ref = _tight_logistic(C=np.inf).fit(X, y)
    gd = LogisticRegressionGD(C=np.inf).fit(X, y)
    np.testing.assert_allclose(gd.predict_proba(X), ref.predict_proba(X), atol=1e-4)


@pytest.mark.filterwarnings("default::sklearn.exceptions.ConvergenceWarning")
def test_separable_classes_without_penalty_warn_and_stay_finite():
    X, y = CLASSIFICATION["iris"]
    X, y = X[y < 2], y[y < 2]  # setosa vs versicolor: separable, minimum at infinity
    with pytest.warns(ConvergenceWarning):
        gd = LogisticRegressionGD(C=np.inf, max_iter=2000).fit(X, y)
    assert np.all(np.isfinite(gd.coef_)) and len(gd.loss_curve_) == gd.n_iter_
    assert gd.score(X, y) == 1.0


def test_string_labels_and_classes():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    gd = LogisticRegressionGD().fit(X, names)
    np.testing.assert_array_equal(gd.classes_, ["setosa", "versicolor", "virginica"])
    assert set(gd.predict(X)) <= set(names)
    proba = gd.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        gd.predict_log_proba(X), np.log(proba), rtol=1e-10, atol=1e-12
    )
    binary = LogisticRegressionGD().fit(X[y > 0], names[y > 0])
    assert binary.coef_.shape == (1, 4) and binary.decision_function(X).shape == (150,)
    # np.log(1 - p) loses digits where p is near 1; predict_log_proba does not
    np.testing.assert_allclose(
        binary.predict_log_proba(X),
        np.log(binary.predict_proba(X)),
        rtol=1e-8,
        atol=1e-12,
    )


# -- input kinds -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "Estimator, data",
    [
        (RidgeGD, "regression"),
        (LassoGD, "regression"),
        (LogisticRegressionGD, "classification"),
    ],
)
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_equals_dense(Estimator, data, fmt):
    X, y = DIABETES["raw"] if data == "regression" else CLASSIFICATION["wine"]
    rng = np.random.default_rng(0)
    X = X * (rng.random(X.shape) < 0.5)
    dense = Estimator().fit(X, y)
    sparse = Estimator().fit(sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(
        sparse.coef_, dense.coef_, rtol=1e-6, atol=1e-8 * np.abs(dense.coef_).max()
    )
    np.testing.assert_allclose(
        sparse.predict(sp.csr_matrix(X)), dense.predict(X), rtol=1e-6
    )


@pytest.mark.parametrize(
    "Estimator, data, atol",
    [
        (RidgeGD, "diabetes raw", 1e-2),
        (LassoGD, "diabetes raw", 1e-2),
        (LogisticRegressionGD, "breast_cancer raw", 1e-2),
        (LogisticRegressionGD, "breast_cancer standardized", 2e-3),
        (LogisticRegressionGD, "wine", 1e-2),
    ],
)
def test_float32_in_float32_out(Estimator, data, atol):
    X, y = DIABETES["raw"] if data == "diabetes raw" else CLASSIFICATION[data]
    regression = Estimator is not LogisticRegressionGD
    X32 = X.astype(np.float32)
    gd64 = Estimator().fit(X, y)
    gd32 = Estimator().fit(X32, y.astype(np.float32) if regression else y)
    assert gd32.coef_.dtype == np.float32
    if regression:
        assert gd32.predict(X32).dtype == np.float32
        error = np.abs(gd32.predict(X32) - gd64.predict(X)).max() / y.std()
    else:
        assert gd32.predict_proba(X32).dtype == np.float32
        error = np.abs(gd32.predict_proba(X32) - gd64.predict_proba(X)).max()
    assert error < atol


def test_inputs_are_not_modified():
    X, y = DIABETES["raw"]
    X, y = X.copy(), y.copy()
    sw = _sample_weight(len(y))
    copies = X.copy(), y.copy(), sw.copy()
    LassoGD(alpha=0.5).fit(X, y, sample_weight=sw)
    for before, after in zip(copies, (X, y, sw), strict=True):
        np.testing.assert_array_equal(before, after)


def test_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    data = load_diabetes(as_frame=True)
    gd = RidgeGD().fit(data.data, data.target)
    np.testing.assert_array_equal(gd.feature_names_in_, data.data.columns)
    with pytest.warns(UserWarning, match="feature names"):
        np.testing.assert_allclose(
            gd.predict(data.data), gd.predict(data.data.to_numpy())
        )
    renamed = data.data.rename(columns={"age": "AGE"})
    with pytest.raises(ValueError, match="feature names"):
        gd.predict(renamed)
    assert isinstance(data.target, pd.Series)


# -- behaviour -------------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["accelerated", "newton"])
def test_warm_start_along_a_regularization_path(solver):
    X, y = DIABETES["raw"]
    alphas = [1.0, 0.5, 0.25, 0.125]
    cold = [LassoGD(alpha=a, solver=solver, tol=1e-8).fit(X, y) for a in alphas]
    warm_model = LassoGD(warm_start=True, solver=solver, tol=1e-8)
    warm = []
    for a in alphas:
        warm_model.set_params(alpha=a).fit(X, y)
        warm.append((warm_model.n_iter_, warm_model.coef_.copy()))
    for c, (n_iter, coef) in zip(cold[1:], warm[1:], strict=True):
        # first-order steps gain from a close start; newton needs a handful either way
        assert n_iter < c.n_iter_ if solver == "accelerated" else n_iter <= 8
        assert _relative_error(coef, c.coef_) < 1e-4


def test_textbook_gradient_descent_is_monotone():
    X, y = DIABETES["scaled"]
    gd = RidgeGD(alpha=0.1, solver="gd").fit(X, y)
    assert np.all(np.diff(gd.loss_curve_) <= 0)
    ref = Ridge(alpha=0.1).fit(X, y)
    assert _relative_error(gd.coef_, ref.coef_) < 1e-4


def test_constant_learning_rate_without_preconditioning_is_textbook():
    """w <- w - eta * grad on the user's coordinates converges for eta < 2 / L."""
    X, y = DIABETES["scaled"]
    X = _standardized(X)
    X1 = np.column_stack([X, np.ones(len(X))])  # the intercept's coordinate counts in L
    L = np.linalg.eigvalsh(X1.T @ X1 / len(X)).max()
    gd = LinearRegressionGD(
        solver="gd", learning_rate=1 / L, precondition=False, max_iter=200_000, tol=1e-8
    ).fit(X, y)
    assert np.all(np.diff(gd.loss_curve_) <= 0)
    assert _relative_error(gd.coef_, LinearRegression().fit(X, y).coef_) < 1e-4


@pytest.mark.parametrize("solver", ["newton", "accelerated", "gd"])
def test_non_convergence_warns(solver):
    X, y = CLASSIFICATION["breast_cancer raw"]
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        LogisticRegressionGD(solver=solver, max_iter=2).fit(X, y)


def test_diverging_learning_rate_raises_naming_it():
    X, y = DIABETES["raw"]
    with pytest.raises(ValueError, match="learning_rate=10 is too large.*'auto'"):
        RidgeGD(learning_rate=10.0, solver="gd").fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"alpha": -1.0}, "'alpha' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"tol": -1.0}, "'tol' parameter"),
        ({"learning_rate": "fast"}, "'learning_rate' parameter"),
        ({"learning_rate": 0.0}, "'learning_rate' parameter"),
        ({"solver": "sag"}, "'solver' parameter"),
        ({"solver": "lbfgs"}, "solver='lbfgs' minimizes smooth objectives"),
        ({"l1_method": "lars"}, "'l1_method' parameter"),
    ],
)
def test_invalid_parameters_name_themselves(params, match):
    X, y = DIABETES["scaled"]
    with pytest.raises(ValueError, match=match):
        LassoGD(**params).fit(X, y)


def test_parameter_validation_is_skipped_where_scikit_learn_skips_it():
    """sklearn.config_context(skip_parameter_validation=True) skips the
    constraint checks for gdlearn's estimators as for scikit-learn's."""
    X, y = DIABETES["scaled"]
    with pytest.raises(ValueError, match="'precondition' parameter"):
        RidgeGD(precondition="yes").fit(X, y)
    with sklearn.config_context(skip_parameter_validation=True):
        model = RidgeGD(precondition="yes").fit(X, y)
    np.testing.assert_allclose(model.coef_, RidgeGD().fit(X, y).coef_)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"C": 0.0}, "'C' parameter"),
        ({"l1_ratio": 1.5}, "'l1_ratio' parameter"),
        ({"class_weight": "auto"}, "'class_weight' parameter"),
    ],
)
def test_invalid_classifier_parameters_name_themselves(params, match):
    X, y = CLASSIFICATION["iris"]
    with pytest.raises(ValueError, match=match):
        LogisticRegressionGD(**params).fit(X, y)


def test_bad_inputs_get_clear_errors():
    X, y = CLASSIFICATION["iris"]
    with pytest.raises(ValueError, match="only one class"):
        LogisticRegressionGD().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegressionGD().fit(X, X[:, 0])
    with pytest.raises(ValueError, match="NaN"):
        RidgeGD().fit(np.where(X > 5, np.nan, X), y)
    with pytest.raises(
        ValueError, match="Negative values in data passed to sample_weight"
    ):
        RidgeGD().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="sample_weight.shape"):
        RidgeGD().fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="zero"):
        RidgeGD().fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(NotFittedError):
        RidgeGD().predict(X)
    with pytest.raises(ValueError, match="4 features"):
        RidgeGD().fit(X, y).predict(X[:, :3])


def test_no_convergence_warning_at_defaults_on_raw_data():
    """The issue's bar: defaults converge on unscaled data (the module's filter turns warnings into errors)."""
    X, y = DIABETES["raw"]
    for Estimator in (LinearRegressionGD, RidgeGD, LassoGD, ElasticNetGD):
        Estimator().fit(X, y)
    LogisticRegressionGD().fit(X_BC, Y_BC)


@pytest.mark.parametrize(
    "Estimator",
    [LinearRegressionGD, RidgeGD, LassoGD, ElasticNetGD, LogisticRegressionGD],
)
def test_docstring_sections_are_filled_and_aligned(Estimator):
    """The shared parameter text is substituted at the docstring's own indentation."""
    doc = Estimator.__doc__
    assert "{common" not in doc
    for section in ("Parameters", "Attributes", "Examples"):
        assert f"\n    {section}\n    {'-' * len(section)}\n" in doc
    assert "\n    max_iter : int, default=10000\n" in doc
    assert "\n    n_iter_ : int\n" in doc


@pytest.mark.parametrize("data", ["breast_cancer raw", "wine"])
@pytest.mark.parametrize("solver", ["newton", "lbfgs", "accelerated"])
def test_each_solver_is_within_1e_minus_6_of_the_minimum_at_default_tol(data, solver):
    """Issue 3's bar for the defaults: relative suboptimality at most 1e-6."""
    X, y = CLASSIFICATION[data]
    ref = _tight_logistic().fit(X, y)
    gd = LogisticRegressionGD(solver=solver).fit(X, y)
    f_star = compare.objective("LogisticRegressionGD", ref, X, y, C=1.0)
    f = compare.objective("LogisticRegressionGD", gd, X, y, C=1.0)
    assert (f - f_star) / f_star <= 1e-6


@pytest.mark.parametrize("data", ["breast_cancer raw", "wine"])
@pytest.mark.parametrize("solver, atol", [("newton", 1e-7), ("accelerated", 1e-5)])
def test_each_solver_matches_sklearn_at_tol_1e_minus_9(data, solver, atol):
    """Newton's fast final convergence leaves it far closer at the same tol."""
    X, y = CLASSIFICATION[data]
    ref = _tight_logistic().fit(X, y)
    gd = LogisticRegressionGD(solver=solver, tol=1e-9).fit(X, y)
    np.testing.assert_allclose(gd.predict_proba(X), ref.predict_proba(X), atol=atol)


def test_auto_solver_picks_newton_only_where_it_applies():
    X, y = DIABETES["raw"]
    ridge = RidgeGD().fit(X, y)
    assert ridge.solver_ == "newton" and ridge.n_iter_ == 1  # least squares: one step
    constant = RidgeGD(learning_rate=0.1).fit(X, y)
    assert constant.solver_ == "accelerated" and constant.n_iter_ > 1
    # L1: orthant-wise newton, unless subgradient steps are asked for
    lasso = LassoGD(alpha=0.1).fit(X, y)
    assert lasso.solver_ == "newton" and lasso.n_iter_ < 10
    subgradient = LassoGD(alpha=0.1, l1_method="subgradient").fit(X, y)
    assert subgradient.solver_ == "accelerated" and subgradient.n_iter_ > 50
    assert RidgeGD(solver="gd").fit(X, y).solver_ == "gd"  # as asked


def test_auto_solver_weighs_newtons_curvature_against_lbfgs(rng, monkeypatch):
    # Newton's refreshes of the curvature cost about q / 20 L-BFGS iterations
    # each: cheap on small data and on a subsample of tall data, not at q=101
    # on 10,000 rows, where L-BFGS converges in fewer iterations' worth of work
    for X, y in CLASSIFICATION.values():
        assert LogisticRegressionGD().fit(X, y).solver_ == "newton"
    X = rng.normal(size=(10_000, 100))
    y = (X @ rng.normal(size=100) + rng.logistic(size=10_000) > 0).astype(int)
    assert RidgeGD().fit(X, y).solver_ == "newton"  # one refresh: one step
    auto = LogisticRegressionGD().fit(X, y)  # fast: no hand-over to Newton
    lbfgs = LogisticRegressionGD(solver="lbfgs").fit(X, y)
    assert auto.solver_ == "lbfgs"
    assert auto.n_iter_ == lbfgs.n_iter_ < 30
    np.testing.assert_array_equal(auto.coef_, lbfgs.coef_)
    # the curvature on a subsample of 500 rows: Newton's refreshes are cheap
    monkeypatch.setattr(Objective, "curvature_rows", 500)
    assert LogisticRegressionGD().fit(X, y).solver_ == "newton"


def test_auto_takes_one_newton_step_for_many_targets():
    """The squared error's curvature is one block shared by every target:
    'auto' counts the block's order (features + 1), not times the targets,
    and least squares with 50 targets is one factorization and one step."""
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 30))
    Y = X @ rng.normal(size=(30, 50)) + rng.normal(size=(2000, 50))
    model = RidgeGD(alpha=1.0).fit(X, Y)
    assert (model.solver_, model.n_iter_) == ("newton", 1)
    ref = Ridge(alpha=1.0).fit(X, Y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
