"""The estimators on array API inputs: array_api_strict and PyTorch (CPU, and
CUDA where there is one), against the same fits on NumPy.

scikit-learn's own array API checks run from test_common.py (the
``array_api_support`` tag turns them on); these add what those leave out:
values equal to NumPy's within 1e-6 for every estimator and option, sample
weights, string labels, mixed namespaces, and the pieces of the numeric
core (losses, the objective's gradient) one at a time.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn import clone, config_context
from sklearn.datasets import load_diabetes, load_iris, make_classification
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags

from gdlearn import (
    ElasticNetGD,
    LassoGD,
    LinearRegressionGD,
    LogisticRegressionGD,
    RidgeGD,
)
from gdlearn._array_api import to_numpy
from gdlearn._objective import Objective
from gdlearn.losses import BinaryCrossEntropy, MultinomialCrossEntropy, SquaredError
from gdlearn.penalties import ElasticNet


def _namespaces():
    """(name, module, device) for every array library and device available."""
    found = []
    strict = pytest.importorskip("array_api_strict")
    strict.set_array_api_strict_flags(api_version="2025.12")
    found += [("strict", strict, None), ("strict-device1", strict, "device1")]
    torch = pytest.importorskip("torch")
    found.append(("torch-cpu", torch, "cpu"))
    if torch.cuda.is_available():
        found.append(("torch-cuda", torch, "cuda"))
    return found


NAMESPACES = _namespaces()


@pytest.fixture(params=NAMESPACES, ids=[name for name, _, _ in NAMESPACES])
def xp_device(request):
    _, xp, device = request.param
    if xp.__name__ == "array_api_strict" and device is not None:
        device = xp.Device(device)
    return xp, device


def _to(xp, device, A):
    return None if A is None else xp.asarray(A, device=device)


def _data(kind):
    if kind == "regression":
        X, y = load_diabetes(return_X_y=True, scaled=False)  # raw: scales 1 to 300
        return X[:200], y[:200]
    if kind == "binary":
        return make_classification(n_samples=120, n_features=6, random_state=0)
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


ESTIMATORS = [
    (LinearRegressionGD(), "regression"),
    (RidgeGD(alpha=10.0), "regression"),
    (LassoGD(alpha=1.0), "regression"),
    (ElasticNetGD(alpha=1.0, l1_ratio=0.5), "regression"),
    (LassoGD(alpha=1.0, l1_method="subgradient"), "regression"),
    (RidgeGD(alpha=10.0, solver="accelerated"), "regression"),
    (LinearRegressionGD(fit_intercept=False), "regression"),
    (LogisticRegressionGD(), "binary"),
    (LogisticRegressionGD(), "multiclass"),
    (LogisticRegressionGD(l1_ratio=0.5, C=0.5), "binary"),
    (LogisticRegressionGD(l1_ratio=1.0, C=0.5), "multiclass"),
    (LogisticRegressionGD(solver="accelerated"), "multiclass"),
    (LogisticRegressionGD(class_weight="balanced"), "multiclass"),
    # the same batches (drawn by NumPy) on every library
    (RidgeGD(alpha=10.0, solver="sgd", random_state=0), "regression"),
    (LogisticRegressionGD(solver="sgd", random_state=0), "multiclass"),
]


@pytest.mark.parametrize("estimator, kind", ESTIMATORS, ids=repr)
@pytest.mark.parametrize("weighted", [False, True], ids=["", "weighted"])
def test_fit_matches_numpy(estimator, kind, weighted, xp_device):
    """Same coefficients, predictions and scores as the NumPy fit (float64),
    every fitted array in X's namespace and on its device."""
    xp, device = xp_device
    X, y = _data(kind)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y)) if weighted else None
    expected = clone(estimator).fit(X, y, sample_weight=sw)
    X_xp, y_xp = _to(xp, device, X), _to(xp, device, y)
    with config_context(array_api_dispatch=True):
        fitted = clone(estimator).fit(X_xp, y_xp, sample_weight=_to(xp, device, sw))
        outputs = {"predict": fitted.predict(X_xp)}
        for method in ("predict_proba", "predict_log_proba", "decision_function"):
            if hasattr(fitted, method):
                outputs[method] = getattr(fitted, method)(X_xp)
        score = fitted.score(X_xp, y_xp)
    for name in ("coef_", "intercept_", *outputs):
        value = outputs[name] if name in outputs else getattr(fitted, name)
        assert type(value) is type(X_xp) and value.device == X_xp.device, name
        reference = (
            getattr(expected, name)(X) if name in outputs else getattr(expected, name)
        )
        assert_allclose(to_numpy(value), reference, rtol=1e-6, atol=1e-6 * np.std(y))
    assert isinstance(score, float)
    assert score == pytest.approx(expected.score(X, y), abs=1e-6)  # float32 metrics
    assert isinstance(fitted.loss_curve_, list)
    assert fitted.n_iter_ == pytest.approx(expected.n_iter_, abs=2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_follows_x(dtype, xp_device):
    xp, device = xp_device
    X, y = _data("multiclass")
    X_xp = xp.asarray(X.astype(dtype), device=device)
    with config_context(array_api_dispatch=True):
        clf = LogisticRegressionGD().fit(X_xp, xp.asarray(y, device=device))
        proba = clf.predict_proba(X_xp)
    assert clf.coef_.dtype == getattr(xp, dtype)
    assert proba.dtype == getattr(xp, dtype)
    reference = LogisticRegressionGD().fit(X, y).coef_
    assert_allclose(to_numpy(clf.coef_), reference, rtol=1e-3, atol=1e-3)


def test_labels_that_are_not_numbers_stay_numpy(xp_device):
    xp, device = xp_device
    X, y = _data("multiclass")
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    X_xp = xp.asarray(X, device=device)
    with config_context(array_api_dispatch=True):
        clf = LogisticRegressionGD().fit(X_xp, names)
        predicted = clf.predict(X_xp)
    assert isinstance(clf.classes_, np.ndarray) and isinstance(predicted, np.ndarray)
    np.testing.assert_array_equal(
        predicted, LogisticRegressionGD().fit(X, names).predict(X)
    )
    assert type(clf.coef_) is type(X_xp)


def test_y_and_sample_weight_follow_x():
    """Everything follows X, as in scikit-learn: y and sample_weight from
    another namespace or device are moved to X's."""
    torch = pytest.importorskip("torch")
    strict = pytest.importorskip("array_api_strict")
    X, y = _data("regression")
    sw = np.linspace(0.5, 2.0, len(y))
    expected = RidgeGD().fit(X, y, sample_weight=sw)
    with config_context(array_api_dispatch=True):
        fitted = RidgeGD().fit(
            torch.asarray(X),
            strict.asarray(y, device=strict.Device("device1")),
            sample_weight=sw,
        )
    assert isinstance(fitted.coef_, torch.Tensor)
    assert_allclose(fitted.coef_.numpy(), expected.coef_, rtol=1e-9)


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "decision_function"]
)
def test_predict_from_another_namespace_is_refused(method, xp_device):
    xp, device = xp_device
    X, y = _data("binary")
    with config_context(array_api_dispatch=True):
        clf = LogisticRegressionGD().fit(
            xp.asarray(X, device=device), xp.asarray(y, device=device)
        )
        with pytest.raises(
            ValueError,
            match=rf"LogisticRegressionGD\.{method}\(\) must use the same namespace",
        ):
            getattr(clf, method)(X)


def test_without_dispatch_inputs_become_numpy():
    """With array_api_dispatch off (scikit-learn's default) a tensor is
    converted to NumPy on the way in, as every scikit-learn estimator does."""
    torch = pytest.importorskip("torch")
    X, y = _data("regression")
    fitted = RidgeGD().fit(torch.asarray(X), torch.asarray(y))
    assert isinstance(fitted.coef_, np.ndarray)
    assert_allclose(fitted.coef_, RidgeGD().fit(X, y).coef_, rtol=1e-12)


def test_every_estimator_declares_array_api_support():
    for estimator, _ in ESTIMATORS:
        assert get_tags(estimator).array_api_support


# -- the numeric core, piece by piece ------------------------------------------------
LOSSES = [
    (SquaredError(), lambda rng: rng.normal(size=(7, 2))),
    (BinaryCrossEntropy(), lambda rng: (rng.uniform(size=(7, 1)) > 0.5) * 1.0),
    (MultinomialCrossEntropy(), lambda rng: np.eye(3)[rng.integers(0, 3, 7)]),
]


@pytest.mark.parametrize("loss, targets", LOSSES, ids=lambda v: type(v).__name__)
def test_losses_match_numpy(loss, targets, xp_device):
    xp, device = xp_device
    rng = np.random.default_rng(0)
    Y = targets(rng)
    Z = 30 * rng.normal(size=Y.shape)  # large logits: the stable forms matter
    Y_xp, Z_xp = xp.asarray(Y, device=device), xp.asarray(Z, device=device)
    for name in ("pointwise", "gradient", "second_derivative", "inverse_link"):
        got = getattr(loss, name)(
            *((Z_xp,) if name == "inverse_link" else (Y_xp, Z_xp))
        )
        want = getattr(loss, name)(*((Z,) if name == "inverse_link" else (Y, Z)))
        assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-300, err_msg=name)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_objective_value_gradient_and_curvature_match_numpy(fit_intercept, xp_device):
    xp, device = xp_device
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 5)) * [1, 10, 100, 0.1, 1] + 3
    Y = np.eye(3)[rng.integers(0, 3, 40)]
    sw = rng.uniform(0.5, 2.0, 40)
    loss, penalty = MultinomialCrossEntropy(), ElasticNet(0.1, 0.3)
    reference = Objective(X, Y, sw, loss, penalty, fit_intercept=fit_intercept)
    objective = Objective(
        *(xp.asarray(A, device=device) for A in (X, Y, sw)),
        loss,
        penalty,
        fit_intercept=fit_intercept,
    )
    V = rng.normal(size=reference.zeros().shape)
    V_xp = xp.asarray(V, device=device)
    assert objective.value(V_xp) == pytest.approx(reference.value(V), rel=1e-12)
    assert_allclose(
        to_numpy(objective.gradient(V_xp)), reference.gradient(V), rtol=1e-10
    )
    assert_allclose(
        to_numpy(objective.curvature_matrices(objective.raw(V_xp))),
        reference.curvature_matrices(reference.raw(V)),
        rtol=1e-10,
        atol=1e-12,
    )
