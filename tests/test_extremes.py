"""Extreme values inside the parameters' valid ranges, and awkward state
between fits: a sound model or a clear error, never a silent zero model, and
a failed fit that leaves the estimator as it was."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from gdlearn import (
    ElasticNetGD,
    LassoGD,
    LinearRegressionGD,
    LogisticRegressionGD,
    RidgeGD,
)
from gdlearn.solvers.newton import Newton


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) * [1.0, 3.0, 0.5] + [0.0, 5.0, -2.0]
    y = X @ [1.0, 2.0, -1.0] + rng.normal(size=200)
    # labels that overlap (a minimum exists without a penalty)
    labels = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    return X, y, labels, rng.uniform(0.5, 2.0, size=200)


def _close(a, b, rtol=1e-6):
    a, b = np.asarray(a), np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


# -- weights whose sums overflow or underflow -----------------------------------
@pytest.mark.parametrize("c", [1e-300, 1e-200, 1e200, 1e300])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ridge_depends_on_alpha_per_unit_of_weight_only(data, c, dtype):
    """Ridge's alpha is in units of the weights' sum: scaling both by ``c``
    gives the same model, wherever the sum of the weights would overflow or
    the weights underflow the dtype."""
    X, y, _, sw = data
    X, y = X.astype(dtype), y.astype(dtype)
    want = RidgeGD(alpha=10.0).fit(X, y, sample_weight=sw)
    got = RidgeGD(alpha=10.0 * c).fit(X, y, sample_weight=sw * c)
    rtol = 1e-6 if dtype == np.float64 else 1e-3
    _close(got.coef_, want.coef_, rtol)
    _close(got.intercept_, want.intercept_, rtol)


@pytest.mark.parametrize("c", [1e-300, 1e300])
def test_logistic_depends_on_C_times_weight_only(data, c):
    X, _, labels, sw = data
    want = LogisticRegressionGD(C=0.1).fit(X, labels, sample_weight=sw)
    got = LogisticRegressionGD(C=0.1 / c).fit(X, labels, sample_weight=sw * c)
    _close(got.coef_, want.coef_)


def test_weights_whose_sum_overflows_give_the_unpenalized_model(data):
    """Ridge with weights of 1e307 (their sum is inf): alpha per unit of
    weight is 0, the model is least squares, not zeros."""
    X, y, _, _ = data
    got = RidgeGD(alpha=1.0).fit(X, y, sample_weight=np.full(200, 1e307))
    _close(got.coef_, LinearRegressionGD().fit(X, y).coef_)


def test_class_weights_near_the_float64_limit(data):
    X, _, labels, _ = data
    got = LogisticRegressionGD(class_weight={0: 1e308, 1: 1e308}).fit(X, labels)
    _close(got.coef_, LogisticRegressionGD(C=np.inf).fit(X, labels).coef_)


@pytest.mark.parametrize("Est", [RidgeGD, LogisticRegressionGD])
def test_weights_too_small_for_the_penalty_are_refused(data, Est):
    X, y, labels, _ = data
    target = labels if Est is LogisticRegressionGD else y
    with pytest.raises(ValueError, match="sample_weight sums to .* overflows"):
        Est().fit(X, target, sample_weight=np.full(200, 5e-324))


def test_lasso_weights_at_the_extremes(data):
    """Lasso's alpha is per unit of weight already (scikit-learn's Lasso):
    common weights of any size give the unweighted model."""
    X, y, _, _ = data
    want = LassoGD(alpha=0.1).fit(X, y)
    for c in (5e-324, 1e-300, 1e300):
        got = LassoGD(alpha=0.1).fit(X, y, sample_weight=np.full(200, c))
        _close(got.coef_, want.coef_)


# -- class_weight that is not a weight --------------------------------------------
@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({0: np.nan, 1: 1.0}, r"class_weight\[0\] = nan"),
        ({0: np.inf, 1: 1.0}, r"class_weight\[0\] = inf"),
        ({0: None, 1: 1.0}, r"class_weight\[0\] = None"),
        ({0: -1.0, 1: 1.0}, r"class_weight\[0\] = -1.0"),
        ({0: "a", 1: 1.0}, r"class_weight\[0\] = 'a'"),
        ({0: 0, 1: 0}, "every class a weight of 0"),
    ],
)
def test_bad_class_weight_is_named(data, class_weight, match):
    X, _, labels, _ = data
    with pytest.raises(ValueError, match=match):
        LogisticRegressionGD(class_weight=class_weight).fit(X, labels)


def test_balanced_with_an_empty_class_is_named(data):
    X, _, labels, _ = data
    sw = np.where(labels == 0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"class_weight='balanced'.*\[0\]"):
        LogisticRegressionGD(class_weight="balanced").fit(X, labels, sample_weight=sw)


def test_zero_weights_after_class_weight_are_named(data):
    X, _, labels, _ = data
    sw = np.where(labels == 0, 0.0, 1.0)
    with pytest.raises(ValueError, match="sample_weight times class_weight"):
        LogisticRegressionGD(class_weight={0: 1.0, 1: 0.0}).fit(
            X, labels, sample_weight=sw
        )


def test_sparse_inputs_beside_X(data):
    X, y, _, sw = data
    want = RidgeGD().fit(X, y)
    got = RidgeGD().fit(X, sp.csr_matrix(y[:, None]))
    _close(got.coef_[0], want.coef_)
    with pytest.raises(TypeError, match="sample_weight must be a dense"):
        RidgeGD().fit(X, y, sample_weight=sp.csr_matrix(sw[:, None]))


# -- state between fits ---------------------------------------------------------------
def test_warm_start_after_the_features_change_starts_cold(data):
    X, y, labels, _ = data
    for Est, target in [
        (RidgeGD, y),
        (ElasticNetGD, y),
        (LogisticRegressionGD, labels),
    ]:
        model = Est(warm_start=True).fit(X, target)
        model.fit(X[:, :2], target)
        _close(model.coef_, Est().fit(X[:, :2], target).coef_)


def test_warm_start_after_the_targets_or_classes_change_starts_cold(data):
    X, y, labels, _ = data
    model = RidgeGD(warm_start=True).fit(X, y)
    Y = np.column_stack([y, -y])
    _close(model.fit(X, Y).coef_, RidgeGD().fit(X, Y).coef_)
    model = LogisticRegressionGD(warm_start=True).fit(X, labels)
    three = labels + (X[:, 1] > 5)
    _close(model.fit(X, three).coef_, LogisticRegressionGD().fit(X, three).coef_)


def _snapshot(model):
    return {
        k: np.copy(v) if isinstance(v, np.ndarray) else v
        for k, v in vars(model).items()
    }


def _assert_same_state(model, before):
    assert vars(model).keys() == before.keys()
    for key, value in before.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(model, key), value)
        else:
            assert getattr(model, key) == value or key == "loss_curve_", key


@pytest.mark.parametrize(
    "bad",
    [
        lambda X, y: (X[:, :2], np.zeros(200, dtype=int)),  # one class, 2 features
        lambda X, y: (X[:, :2], np.full(200, np.nan)),  # NaN targets
    ],
)
def test_a_failed_refit_leaves_the_previous_model(data, bad):
    X, _, labels, _ = data
    model = LogisticRegressionGD().fit(X, labels)
    before, predicted = _snapshot(model), model.predict(X)
    with pytest.raises(ValueError):
        model.fit(*bad(X, labels))
    _assert_same_state(model, before)
    np.testing.assert_array_equal(model.predict(X), predicted)


def test_a_failed_first_fit_leaves_the_estimator_unfitted(data):
    X, _, _, _ = data
    model = LogisticRegressionGD()
    with pytest.raises(ValueError, match="at least 2 classes"):
        model.fit(X, np.zeros(200, dtype=int))
    assert not hasattr(model, "n_features_in_")
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_an_interrupted_fit_leaves_the_previous_model(data, monkeypatch):
    X, y, _, _ = data
    model = RidgeGD(solver="newton").fit(X, y)
    before = _snapshot(model)

    def interrupt(self, state):
        raise KeyboardInterrupt

    monkeypatch.setattr(Newton, "iterate", interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X[:, :2], y)
    _assert_same_state(model, before)


def test_a_failed_first_partial_fit_fixes_nothing(data):
    X, _, labels, _ = data
    model = LogisticRegressionGD(solver="sgd")
    with pytest.raises(ValueError, match="not in classes"):
        model.partial_fit(X, np.full(200, 7), classes=[0, 1])
    assert not hasattr(model, "classes_")
    model.partial_fit(X, labels, classes=[0, 1])  # and the stream can start over
    assert model.classes_.tolist() == [0, 1]


def test_penalty_changed_between_partial_fits(data):
    X, y, labels, _ = data
    """A stronger penalty set between calls: the estimated rate backs off
    again (it used to report a too large learning_rate though 'auto')."""
    for alpha in (100.0, 1e6, 1e9):
        model = RidgeGD(solver="sgd", random_state=0).partial_fit(X, y)
        model.set_params(alpha=alpha).partial_fit(X, y)
        assert np.all(np.isfinite(model.coef_))
        assert model.score(X, y) <= RidgeGD(alpha=0.0).fit(X, y).score(X, y)
    for C in (1e-3, 1e-6):
        clf = LogisticRegressionGD(solver="sgd", random_state=0)
        clf.partial_fit(X, labels, classes=[0, 1]).set_params(C=C)
        assert np.all(np.isfinite(clf.partial_fit(X, labels).coef_))
    with pytest.raises(ValueError, match="diverged"):  # a rate the user set does not
        model = RidgeGD(solver="sgd", eta0=0.05, random_state=0).partial_fit(X, y)
        model.set_params(alpha=1e9).partial_fit(X, y)


# -- features at extreme scales ----------------------------------------------------------
@pytest.mark.parametrize("value", [1e15, 1e50, -3e100])
@pytest.mark.parametrize("Est", [RidgeGD, LassoGD, LogisticRegressionGD])
def test_a_huge_constant_column_changes_nothing(data, Est, value):
    """A constant column (a timestamp in nanoseconds, say) beside an
    intercept: the model of the data without it, with a zero coefficient."""
    X, y, labels, sw = data
    target = labels if Est is LogisticRegressionGD else y
    est = Est(alpha=0.1) if Est is LassoGD else Est()
    with_it = np.column_stack([X[:, :1], np.full(200, value), X[:, 1:]])
    got = clone(est).fit(with_it, target, sample_weight=sw)
    want = clone(est).fit(X, target, sample_weight=sw)
    coef = np.atleast_2d(got.coef_)
    assert np.all(coef[:, 1] == 0)
    _close(np.delete(coef, 1, axis=1), np.atleast_2d(want.coef_))
    _close(got.intercept_, want.intercept_)
    # a warm start from a model with weight on that column starts there too
    got.set_params(warm_start=True)
    got.coef_ = got.coef_ + 1.0
    _close(
        np.delete(np.atleast_2d(got.fit(with_it, target, sw).coef_), 1, axis=1),
        np.atleast_2d(want.coef_),
        1e-5,
    )


@pytest.mark.parametrize(
    "dtype, scale", [(np.float64, 1e-160), (np.float64, 1e-200), (np.float32, 1e-25)]
)
def test_features_too_small_for_their_squares_are_refused(data, dtype, scale):
    X, y, labels, _ = data
    for Est, target in [(LinearRegressionGD, y), (LogisticRegressionGD, labels)]:
        with pytest.raises(ValueError, match="too small for .* Scale X up"):
            Est().fit((X * scale).astype(dtype), target.astype(dtype))


@pytest.mark.parametrize("dtype, scale", [(np.float64, 1e-140), (np.float32, 1e-12)])
def test_small_features_that_fit_give_the_scaled_model(data, dtype, scale):
    X, y, _, _ = data
    X, y = X.astype(dtype), y.astype(dtype)
    want = LinearRegressionGD().fit(X, y)
    got = LinearRegressionGD().fit(X * dtype(scale), y)
    _close(got.coef_ * scale, want.coef_, 1e-6 if dtype == np.float64 else 1e-3)


# -- array-API inputs beside lists, Series, autograd and sparse tensors ---------------
@pytest.fixture
def torch_dispatch():
    torch = pytest.importorskip("torch")
    from sklearn import config_context

    with config_context(array_api_dispatch=True):
        yield torch


def test_tensors_that_record_gradients_are_read_as_data(data, torch_dispatch):
    torch = torch_dispatch
    X, y, _, _ = data
    want = RidgeGD().fit(X, y).coef_
    got = RidgeGD().fit(torch.tensor(X, requires_grad=True), torch.tensor(y))
    assert not got.coef_.requires_grad
    _close(got.coef_.numpy(), want)
    got = RidgeGD().fit(torch.tensor(X), torch.tensor(y, requires_grad=True))
    _close(got.coef_.numpy(), want)


def test_sparse_tensors_are_refused_by_name(data, torch_dispatch):
    X, y, _, _ = data
    with pytest.raises(TypeError, match="X is a sparse torch tensor"):
        RidgeGD().fit(torch_dispatch.tensor(X).to_sparse(), y)


@pytest.mark.parametrize("library", ["torch", "array_api_strict"])
def test_lists_and_series_beside_array_api_X(data, library):
    pd = pytest.importorskip("pandas")
    module = pytest.importorskip(library)
    from sklearn import config_context

    X, y, labels, sw = data
    want = RidgeGD().fit(X, y, sample_weight=sw).coef_
    with config_context(array_api_dispatch=True):
        Xa = module.asarray(X)
        for target, weights in [(list(y), list(sw)), (pd.Series(y), pd.Series(sw))]:
            got = RidgeGD().fit(Xa, target, sample_weight=weights)
            _close(np.asarray(got.coef_), want)
        clf = LogisticRegressionGD().fit(Xa, pd.Series(labels))
        _close(np.asarray(clf.coef_), LogisticRegressionGD().fit(X, labels).coef_)
