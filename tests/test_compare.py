import math

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_breast_cancer, load_diabetes, load_linnerud, load_wine
from sklearn.preprocessing import StandardScaler

from gdlearn import ElasticNetGD, LassoGD, LogisticRegressionGD, RidgeGD
from gdlearn import compare as cmp

X_DIABETES, Y_DIABETES = load_diabetes(return_X_y=True, scaled=False)
SHARED = dict(alpha=1.0, l1_ratio=0.5, C=1.0)


def test_estimator_names():
    assert cmp.estimator_names(["ridge", "RIDGEGD", "lasso", "elasticnet"]) == [
        "RidgeGD",
        "RidgeGD",
        "LassoGD",
        "ElasticNetGD",
    ]
    assert cmp.estimator_names(["linear", "logistic", "LogisticRegression"]) == [
        "LinearRegressionGD",
        "LogisticRegressionGD",
        "LogisticRegressionGD",
    ]
    with pytest.raises(ValueError, match="unknown estimator 'svm'; choose from"):
        cmp.estimator_names(["svm"])


def test_label_shows_what_differs_from_defaults_and_from_the_group():
    assert cmp.label(RidgeGD(alpha=1.0), **SHARED) == "RidgeGD()"
    assert cmp.label(RidgeGD(alpha=3.0), alpha=3.0) == "RidgeGD()"
    assert (
        cmp.label(LassoGD(l1_method="subgradient"), **SHARED)
        == "LassoGD(l1_method='subgradient')"
    )
    sgd = sk.SGDRegressor(penalty="l2", alpha=1 / 442)
    assert cmp.label(sgd, **SHARED) == "SGDRegressor(alpha=0.00226)"


def _sgd_objective(model, X, y, alpha, l1_ratio=0.15, penalty="l2"):
    """scikit-learn's documented SGD objective: mean loss + alpha R(w)."""
    w = model.coef_.ravel()
    R = {
        "l2": 0.5 * w @ w,
        "l1": np.abs(w).sum(),
        "elasticnet": l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * w @ w,
        None: 0.0,
    }[penalty]
    if isinstance(model, sk.SGDClassifier):
        s = np.where(y == model.classes_[1], 1.0, -1.0)
        data = np.mean(np.logaddexp(0, -s * model.decision_function(X)))
    else:
        data = 0.5 * np.mean((y - model.predict(X)) ** 2)
    return data + alpha * R


@pytest.mark.parametrize("name", cmp.ESTIMATORS)
def test_sgd_counterpart_minimizes_the_same_objective(name, rng):
    """The matched SGD objective is a fixed positive multiple of the group's
    objective at any coefficients, so both have the same minimizer."""
    X = StandardScaler().fit_transform(X_DIABETES)
    y = Y_DIABETES if name != "LogisticRegressionGD" else Y_DIABETES > 140
    models = cmp.candidates(name, **SHARED, n_samples=len(y), n_classes=2)
    sgd = models[-1]
    assert type(sgd).__name__.startswith("SGD")
    sgd.set_params(max_iter=2, tol=None).fit(X, y)
    params = sgd.get_params()
    ratios = []
    for _ in range(3):
        sgd.coef_ = rng.normal(size=sgd.coef_.shape)
        sgd.intercept_ = rng.normal(size=sgd.intercept_.shape)
        ours = cmp.objective(name, sgd, X, y, **SHARED)
        theirs = _sgd_objective(
            sgd, X, y, params["alpha"], params["l1_ratio"], params["penalty"]
        )
        ratios.append(theirs / ours)
    assert np.allclose(ratios, ratios[0], rtol=1e-12)


@pytest.mark.parametrize(
    "name, model",
    [
        ("LinearRegressionGD", sk.LinearRegression()),
        ("RidgeGD", sk.Ridge(alpha=1.0)),
        ("LassoGD", sk.Lasso(alpha=1.0, tol=1e-12, max_iter=100_000)),
        ("ElasticNetGD", sk.ElasticNet(alpha=1.0, tol=1e-12, max_iter=100_000)),
    ],
)
def test_objective_is_minimal_at_scikit_learns_solution(name, model, rng):
    """A factor wrong in ``objective`` would move its minimum off the solution."""
    model.fit(X_DIABETES, Y_DIABETES)
    best = cmp.objective(name, model, X_DIABETES, Y_DIABETES, **SHARED)
    coef = model.coef_.copy()
    for _ in range(5):
        model.coef_ = coef + 1e-3 * rng.normal(size=coef.shape)
        assert cmp.objective(name, model, X_DIABETES, Y_DIABETES, **SHARED) > best


def test_logistic_objective_is_minimal_at_scikit_learns_solution(rng):
    X, y = load_wine(return_X_y=True)
    for target in (y, np.where(y == 0, "a", "b")):  # multinomial, binary labels
        model = sk.LogisticRegression(solver="newton-cholesky", tol=1e-12).fit(
            X, target
        )
        best = cmp.objective("LogisticRegressionGD", model, X, target, C=1.0)
        coef = model.coef_.copy()
        for _ in range(5):
            model.coef_ = coef + 1e-4 * rng.normal(size=coef.shape)
            assert cmp.objective("LogisticRegressionGD", model, X, target, C=1.0) > best


def test_unpenalized_logistic_objective_is_the_sum_of_cross_entropies():
    X, y = load_breast_cancer(return_X_y=True)
    model = LogisticRegressionGD(C=1e-2).fit(X, y)
    p = model.predict_proba(X)[np.arange(len(y)), y]
    value = cmp.objective("LogisticRegressionGD", model, X, y, C=math.inf)
    assert value == pytest.approx(-np.log(p).sum(), rel=1e-12)


def test_compare_regression_groups_agree_on_raw_diabetes():
    rows = cmp.compare(X_DIABETES, Y_DIABETES, task="regression")
    assert [list(row)[: len(cmp.COLUMNS)] for row in rows] == [list(cmp.COLUMNS)] * len(
        rows
    )
    groups = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    assert list(groups) == [
        "least squares",
        "ridge alpha=1",
        "lasso alpha=1",
        "elastic net alpha=1 l1_ratio=0.5",
    ]
    for group in groups.values():
        ours = group[0]
        assert ours["estimator"].split("(")[0] in cmp.ESTIMATORS
        assert ours["gap"] < 1e-9 and not ours["warnings"] and not ours["error"]
        assert ours["n_iter"] >= 1 and ours["time_ms"] > 0
        assert 0.3 < ours["score"] < 0.4  # held-out R^2 of diabetes
        assert min(row["gap"] for row in group) == 0
        assert all(row["scoring"] == "r2" for row in group)
    exact = {row["estimator"]: row for row in groups["ridge alpha=1"]}
    assert exact["Ridge(solver='cholesky')"]["gap"] < 1e-12
    assert exact["Ridge(solver='cholesky')"]["n_iter"] is None


def test_compare_classification_binary_and_multiclass():
    X, y = load_breast_cancer(return_X_y=True)
    binary = cmp.compare(X, y, task="classification", scale=True, test_size=0)
    names = [row["estimator"] for row in binary]
    assert "LogisticRegression(solver='liblinear')" in names
    assert any(name.startswith("SGDClassifier(") for name in names)
    assert binary[0]["gap"] < 1e-9 and binary[0]["scoring"] == "accuracy"
    X, y = load_wine(return_X_y=True)
    multi = cmp.compare(X, y, task="classification", C=math.inf, repeat=2)
    names = [row["estimator"] for row in multi]
    assert names[0] == "LogisticRegressionGD()"
    assert multi[0]["group"] == "logistic C=inf"
    assert not any("liblinear" in n or n.startswith("SGD") for n in names)


def test_compare_two_dimensional_targets_leave_out_sgd():
    X, Y = load_linnerud(return_X_y=True)
    rows = cmp.compare(X, Y, task="regression", estimators=["ridge", "lasso"])
    assert rows and not any(row["estimator"].startswith("SGD") for row in rows)
    assert all(row["gap"] < 1e-6 for row in rows if "GD(" in row["estimator"])


def test_compare_reports_a_failing_fit_as_a_row(monkeypatch):
    class Broken(sk.Ridge):
        def fit(self, X, y):
            raise ValueError("no\nsecond line")

    original = cmp.candidates
    monkeypatch.setattr(
        cmp, "candidates", lambda *a, **k: [*original(*a, **k)[:1], Broken()]
    )
    rows = cmp.compare(X_DIABETES, Y_DIABETES, task="regression", estimators=["ridge"])
    assert rows[1]["error"] == "ValueError: no"
    assert math.isnan(rows[1]["objective"]) and math.isnan(rows[1]["gap"])
    assert rows[0]["gap"] == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"task": "clustering"}, "task must be"),
        ({"task": "classification"}, "RidgeGD does not apply to classification"),
        ({"task": "regression", "estimators": ["nope"]}, "unknown estimator"),
    ],
)
def test_compare_bad_arguments(kwargs, message):
    kwargs.setdefault("estimators", ["ridge"])
    with pytest.raises(ValueError, match=message):
        cmp.compare(X_DIABETES, Y_DIABETES, **kwargs)


def test_compare_leaves_inputs_alone():
    X, y = X_DIABETES.copy(), Y_DIABETES.copy()
    cmp.compare(X, y, task="regression", estimators=["enet"], scale=True)
    np.testing.assert_array_equal(X, X_DIABETES)
    np.testing.assert_array_equal(y, Y_DIABETES)


def test_candidates_are_unfitted_and_gdlearn_first():
    for name in cmp.ESTIMATORS:
        models = cmp.candidates(name, **SHARED, n_samples=100, n_classes=2)
        assert type(models[0]).__name__ == name
        assert all(not hasattr(m, "coef_") for m in models)
    enet = cmp.candidates("ElasticNetGD", alpha=0.3, l1_ratio=0.2, n_samples=10)
    assert isinstance(enet[0], ElasticNetGD)
    assert enet[0].get_params()["l1_ratio"] == 0.2
    assert enet[-1].get_params()["l1_ratio"] == 0.2
