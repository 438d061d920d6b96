"""Bad input gets a clear error; stressed input a sound model; fitted models
persist and serve predictions from several threads.

``BAD_INPUTS`` is the table of the user guide's "Bad input" section
(docs/user_guide.rst): every row is
tried on every estimator it applies to.
"""

import pickle
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import gdlearn
from gdlearn import (
    ElasticNetGD,
    InconsistentVersionWarning,
    LassoGD,
    LinearRegressionGD,
    LogisticRegressionGD,
    RidgeGD,
)

REGRESSORS = [LinearRegressionGD, RidgeGD, LassoGD, ElasticNetGD]
ESTIMATORS = [*REGRESSORS, LogisticRegressionGD]
X_IRIS, Y_IRIS = load_iris(return_X_y=True)


def data(Est):
    """Small data the estimator can fit: iris, its classes or its 4th column."""
    if Est is LogisticRegressionGD:
        return X_IRIS[:, :3].copy(), Y_IRIS.copy()
    return X_IRIS[:, :3].copy(), X_IRIS[:, 3].copy()


def with_nan(X):
    X = X.copy()
    X[3, 1] = np.nan
    return X


# (what the user does, fit or predict arguments from (X, y), error, message)
BAD_INPUTS = [
    ("NaN in X", lambda X, y: (with_nan(X), y), ValueError, "Input X contains NaN"),
    (
        "infinity in X",
        lambda X, y: (X * np.inf, y),
        ValueError,
        "Input X contains infinity",
    ),
    (
        "NaN in y",
        lambda X, y: (X, np.r_[np.nan, y[1:]]),
        ValueError,
        "Input y contains NaN",
    ),
    (
        "infinity in y",
        lambda X, y: (X, np.r_[np.inf, y[1:]]),
        ValueError,
        "Input y contains infinity",
    ),
    (
        "strings in X",
        lambda X, y: (X.astype(str).astype(object) + "cm", y),
        ValueError,
        "must be numeric: could not convert string",
    ),
    (
        "None (missing) in X",
        lambda X, y: (np.where(X > 6, None, X), y),
        ValueError,
        "Input X contains NaN",
    ),
    ("3-D X", lambda X, y: (X[:, :, None], y), ValueError, "Found array with dim 3"),
    ("1-D X", lambda X, y: (X[:, 0], y), ValueError, "Expected 2D array, got 1D array"),
    ("empty X", lambda X, y: (X[:0], y[:0]), ValueError, "0 sample\\(s\\)"),
    ("X without columns", lambda X, y: (X[:, :0], y), ValueError, "0 feature\\(s\\)"),
    (
        "X of 1e300",
        lambda X, y: (X * 1e300, y),
        ValueError,
        "X has values too large for float64 arithmetic on their squares",
    ),
    (
        "X and y of different lengths",
        lambda X, y: (X, y[:-1]),
        ValueError,
        "inconsistent numbers of samples: \\[150, 149\\]",
    ),
]
BIG_Y = [
    (
        "y of 1e300 (regressors)",
        lambda X, y: (X, y * 1e300),
        ValueError,
        "y has values up to 2.5e\\+300, too large for float64 arithmetic on their squares",
    ),
]
BAD_WEIGHTS = [
    (
        "sample_weight with NaN",
        np.r_[np.nan, np.ones(149)],
        "Input sample_weight contains NaN",
    ),
    (
        "sample_weight with inf and -inf",
        np.r_[np.inf, -np.inf, np.ones(148)],
        "Input sample_weight contains infinity",
    ),
    (
        "sample_weight of the wrong shape",
        np.ones(3),
        "sample_weight.shape == \\(3,\\), expected \\(150,\\)",
    ),
    (
        "negative sample_weight",
        np.r_[-1.0, np.ones(149)],
        "Negative values in data passed to sample_weight",
    ),
    ("sample_weight all zero", np.zeros(150), "All sample_weight values are zero"),
]
BAD_TARGETS = [
    ("continuous y for the classifier", X_IRIS[:, 3], "Unknown label type: continuous"),
    (
        "a single class",
        np.zeros(150),
        "needs samples of at least 2 classes.*only one class: 0.0",
    ),
    ("a single string class", np.array(["setosa"] * 150), "only one class: 'setosa'"),
]
BAD_PARAMS = [
    (
        "alpha < 0",
        [RidgeGD, LassoGD, ElasticNetGD],
        {"alpha": -1.0},
        "'alpha' parameter of .* must be a float in the range \\[0.0, inf\\)",
    ),
    (
        "C <= 0",
        [LogisticRegressionGD],
        {"C": 0.0},
        "'C' parameter of LogisticRegressionGD must be a float in the range \\(0.0, inf\\]",
    ),
    (
        "l1_ratio outside [0, 1]",
        [ElasticNetGD, LogisticRegressionGD],
        {"l1_ratio": 1.5},
        "'l1_ratio' parameter",
    ),
    (
        "max_iter < 1",
        ESTIMATORS,
        {"max_iter": 0},
        "'max_iter' parameter .* must be an int in the range \\[1, inf\\)",
    ),
    ("negative tol", ESTIMATORS, {"tol": -1e-3}, "'tol' parameter"),
    (
        "unknown solver",
        ESTIMATORS,
        {"solver": "sag"},
        "'solver' parameter .* must be a str among",
    ),
    (
        "solver='lbfgs' with an L1 penalty or a constant learning_rate",
        [LassoGD, ElasticNetGD],
        {"solver": "lbfgs"},
        "solver='lbfgs' minimizes smooth objectives with learning_rate='auto'",
    ),
    (
        "unknown learning_rate",
        ESTIMATORS,
        {"learning_rate": "fast"},
        "'learning_rate' parameter",
    ),
    (
        "an SGD schedule as learning_rate of another solver",
        ESTIMATORS,
        {"learning_rate": "invscaling"},
        "learning_rate='invscaling' is a schedule of solver='sgd', not of "
        "solver='auto'",
    ),
    (
        "batch_size < 1",
        ESTIMATORS,
        {"solver": "sgd", "batch_size": 0},
        "'batch_size' parameter",
    ),
    (
        "eta0 <= 0",
        ESTIMATORS,
        {"solver": "sgd", "eta0": 0.0},
        "'eta0' parameter",
    ),
    (
        "validation_fraction outside (0, 1)",
        ESTIMATORS,
        {"solver": "sgd", "early_stopping": True, "validation_fraction": 1.0},
        "'validation_fraction' parameter",
    ),
    (
        "n_iter_no_change < 1",
        ESTIMATORS,
        {"solver": "sgd", "n_iter_no_change": 0},
        "'n_iter_no_change' parameter",
    ),
    (
        "learning_rate <= 0",
        ESTIMATORS,
        {"learning_rate": 0.0},
        "'learning_rate' parameter",
    ),
    (
        "unknown l1_method",
        [LassoGD, ElasticNetGD, LogisticRegressionGD],
        {"l1_method": "coordinate"},
        "'l1_method' parameter",
    ),
    (
        "non-numeric alpha",
        [RidgeGD, LassoGD, ElasticNetGD],
        {"alpha": "1"},
        "'alpha' parameter .* Got '1' instead",
    ),
    (
        "non-numeric C",
        [LogisticRegressionGD],
        {"C": "1"},
        "'C' parameter .* Got '1' instead",
    ),
    (
        "non-boolean fit_intercept",
        ESTIMATORS,
        {"fit_intercept": "yes"},
        "'fit_intercept' parameter",
    ),
    (
        "unknown class_weight",
        [LogisticRegressionGD],
        {"class_weight": "auto"},
        "'class_weight' parameter",
    ),
]


def _cases(rows, estimators):
    return [
        pytest.param(Est, *row[1:], id=f"{Est.__name__}-{row[0]}")
        for row in rows
        for Est in estimators
    ]


@pytest.mark.parametrize("Est, make, error, message", _cases(BAD_INPUTS, ESTIMATORS))
def test_bad_input_to_fit(Est, make, error, message):
    X, y = make(*data(Est))
    with pytest.raises(error, match=message):
        Est().fit(X, y)


@pytest.mark.parametrize(
    "Est, make, error, message",
    _cases([row for row in BAD_INPUTS if row[0].endswith(" X")], ESTIMATORS),
)
def test_bad_input_to_predict(Est, make, error, message):
    X, y = data(Est)
    model = Est().fit(X, y)
    X_bad = make(X, y)[0]
    with pytest.raises(error, match=message.replace("X and y", "X")):
        model.predict(X_bad)


@pytest.mark.parametrize("Est, make, error, message", _cases(BIG_Y, REGRESSORS))
def test_target_too_large_for_regression(Est, make, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no overflow warning on the way
        with pytest.raises(error, match=message):
            Est().fit(*make(*data(Est)))


@pytest.mark.parametrize("Est, weights, message", _cases(BAD_WEIGHTS, ESTIMATORS))
def test_bad_sample_weight(Est, weights, message):
    with pytest.raises(ValueError, match=message):
        Est().fit(*data(Est), sample_weight=weights)


@pytest.mark.parametrize(
    "Est, target, message", _cases(BAD_TARGETS, [LogisticRegressionGD])
)
def test_bad_classification_target(Est, target, message):
    with pytest.raises(ValueError, match=message):
        Est().fit(X_IRIS, target)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_not_fitted_and_wrong_features(Est):
    X, y = data(Est)
    with pytest.raises(
        NotFittedError, match=f"This {Est.__name__} instance is not fitted yet"
    ):
        Est().predict(X)
    model = Est().fit(X, y)
    with pytest.raises(
        ValueError, match=f"X has 4 features, but {Est.__name__} is expecting 3"
    ):
        model.predict(X_IRIS)
    named = Est().fit(pd.DataFrame(X, columns=["a", "b", "c"]), y)
    with pytest.raises(ValueError, match="The feature names should match"):
        named.predict(pd.DataFrame(X, columns=["a", "b", "d"]))


@pytest.mark.parametrize(
    "Est, params, message",
    [
        pytest.param(Est, params, message, id=f"{Est.__name__}-{name}")
        for name, estimators, params, message in BAD_PARAMS
        for Est in estimators
    ],
)
def test_bad_parameters_raise_at_fit_and_after_set_params(Est, params, message):
    X, y = data(Est)
    with pytest.raises((ValueError, TypeError), match=message):
        Est(**params).fit(X, y)
    model = Est().fit(X, y)
    model.set_params(**params)  # scikit-learn's contract: set_params stores, fit checks
    with pytest.raises((ValueError, TypeError), match=message):
        model.fit(X, y)


def test_diverging_constant_step_and_max_iter_say_what_to_change():
    X, y = data(RidgeGD)
    with pytest.raises(ValueError, match="learning_rate=100 is too large.*'auto'"):
        RidgeGD(solver="gd", learning_rate=100.0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="increase max_iter, or raise tol"):
        LassoGD(alpha=1e-3, solver="accelerated", max_iter=3).fit(X, y)


def _first_cells(rst):
    """The first column of the reStructuredText grid tables in ``rst``, each
    cell's lines joined, backticks dropped."""
    cells, parts = [], []
    for line in rst.splitlines():
        if line.startswith("+"):
            if parts:
                cells.append(" ".join(parts))
            parts = []
        elif line.startswith("|"):
            text = line.split("|")[1].strip()
            if text:
                parts.append(text)
    return {cell.replace("`", "") for cell in cells}


def test_bad_input_table_is_in_the_user_guide():
    guide = (Path(__file__).parent.parent / "docs" / "user_guide.rst").read_text()
    rows = [r[0] for r in BAD_INPUTS + BIG_Y + BAD_WEIGHTS + BAD_TARGETS + BAD_PARAMS]
    cells = _first_cells(guide)
    missing = [row for row in rows if row.replace("`", "") not in cells]
    assert not missing


# -- numerical stress: a sound model --------------------------------------------------
def _fit(model, X, y, **kwargs):
    """Fit with numpy warnings as errors; return the model and the warnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            model.fit(X, y, **kwargs)
    assert all(np.isfinite(model.coef_).ravel()) and all(
        np.isfinite(np.ravel(model.intercept_))
    )
    return (
        model,
        [w for w in caught if not issubclass(w.category, ConvergenceWarning)],
        [w for w in caught if issubclass(w.category, ConvergenceWarning)],
    )


def test_huge_logits_give_finite_probabilities():
    X, y = make_classification(200, 5, n_classes=3, n_informative=3, random_state=0)
    for target in (y, y == 0):
        model = LogisticRegressionGD().fit(X, target)
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            proba = model.predict_proba(X * 1e6)
            log_proba = model.predict_log_proba(X * 1e6)
        assert np.all(np.isfinite(proba)) and np.allclose(proba.sum(axis=1), 1)
        assert np.all(np.isfinite(log_proba)) and np.all(log_proba <= 0)


@pytest.mark.parametrize("C", [1e10, np.inf])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_separable_classes_with_little_or_no_penalty(C, n_classes, rng):
    centres = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 8.0]])[:n_classes]
    X = np.repeat(centres, 40, axis=0) + rng.normal(scale=0.5, size=(40 * n_classes, 2))
    y = np.repeat(np.arange(n_classes), 40)
    model, others, convergence = _fit(LogisticRegressionGD(C=C), X, y)
    assert not others and model.score(X, y) == 1.0
    if np.isinf(C):
        assert "perfectly separated" in str(convergence[0].message)


def counterpart(Est):
    """scikit-learn's estimator for the same objective, tightly converged."""
    return {
        LinearRegressionGD: sk.LinearRegression(),
        RidgeGD: sk.Ridge(),
        LassoGD: sk.Lasso(tol=1e-12, max_iter=100_000),
        ElasticNetGD: sk.ElasticNet(tol=1e-12, max_iter=100_000),
        LogisticRegressionGD: sk.LogisticRegression(
            solver="newton-cholesky", tol=1e-12, max_iter=1000
        ),
    }[Est]


def assert_same_model(model, reference, X):
    """Predictions (probabilities for the classifier) agree with the reference's."""
    method = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    expected = getattr(reference, method)(X)
    actual = getattr(model, method)(X)
    np.testing.assert_allclose(
        actual, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max()
    )


# the reference's newton-cholesky falls back to lbfgs on these scales, and says so
@pytest.mark.filterwarnings("ignore:Line search of Newton solver")
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_feature_scales_from_1e_minus_6_to_1e6(Est):
    X, y = make_regression(300, 6, noise=1.0, random_state=0)
    if Est is LogisticRegressionGD:
        y = y > np.median(y)
    scaled = X * np.logspace(-6, 6, 6)
    model, others, convergence = _fit(Est(), scaled, y)
    assert not others and not convergence
    if Est is LinearRegressionGD:
        # least squares does not depend on the scales; scikit-learn's
        # LinearRegression (lstsq) on the scaled X does: residuals 5,000x larger
        expected = sk.LinearRegression().fit(X, y).predict(X)
        np.testing.assert_allclose(model.predict(scaled), expected, rtol=1e-6)
    else:
        assert_same_model(model, counterpart(Est).fit(scaled, y), scaled)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_constant_and_duplicated_columns(Est):
    X, y = data(Est)
    X = np.c_[X, np.full(len(X), 3.0), X[:, :1]]
    model, others, convergence = _fit(Est(), X, y)
    assert not others and not convergence
    assert np.allclose(model.coef_.reshape(-1, 5)[:, 3], 0)  # the constant column
    # the same minimum, to the precision of a tight tol (the default stops
    # within 1e-6 of the objective, 4e-5 apart in small probabilities here)
    tight = Est(tol=1e-9).fit(X, y)
    assert_same_model(tight, counterpart(Est).fit(X, y), X)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_many_more_features_than_samples(Est, rng):
    X = rng.normal(size=(10, 2000))
    y = (
        np.r_[np.zeros(5), np.ones(5)]
        if Est is LogisticRegressionGD
        else rng.normal(size=10)
    )
    model, others, convergence = _fit(Est(), X, y)
    assert not others and not convergence
    if Est is LogisticRegressionGD:
        reference = sk.LogisticRegression(tol=1e-12, max_iter=10_000).fit(X, y)
        tight = Est(tol=1e-9).fit(X, y)
        np.testing.assert_allclose(tight.coef_, reference.coef_, atol=1e-6)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_single_sample_and_odd_dtypes_and_layouts(Est, tmp_path):
    X, y = data(Est)
    if Est is LogisticRegressionGD:
        _fit(Est(), X[[0, 100]], y[[0, 100]])
    else:
        model, _, _ = _fit(Est(), X[:1], y[:1])
        assert model.predict(X[:1]) == pytest.approx(y[:1])
    reference = Est().fit(X, y)
    read_only = X.copy()
    read_only.flags.writeable = False
    path = tmp_path / "X.dat"
    np.memmap(path, dtype=float, mode="w+", shape=X.shape)[:] = X
    memmap = np.memmap(path, dtype=float, mode="r", shape=X.shape)
    for variant in (
        read_only,
        memmap,
        np.asfortranarray(X),
        sp.csr_matrix(X),
        sp.csc_matrix(X),
    ):
        model, others, _ = _fit(Est(), variant, y)
        assert not others
        np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-9, atol=1e-12)
    for variant in ((X * 10).astype(np.int64), X.mean(axis=0) < X):
        model, others, convergence = _fit(Est(), variant, y)
        assert not others and not convergence and model.coef_.dtype == np.float64
    single, _, _ = _fit(Est(), X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32
    np.testing.assert_allclose(single.coef_, reference.coef_, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_inputs_are_never_modified_and_fits_are_deterministic(Est, rng):
    X, y = data(Est)
    weights = rng.uniform(0.5, 2.0, size=len(y))
    copies = X.copy(), y.copy(), weights.copy()
    first = Est().fit(X, y, sample_weight=weights)
    first.predict(X)
    for original, copy in zip((X, y, weights), copies, strict=True):
        np.testing.assert_array_equal(original, copy)
    second = Est().fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(first.coef_, second.coef_)  # bit for bit
    np.testing.assert_array_equal(first.intercept_, second.intercept_)


def _peak_memory_of_fit(model, X, y):
    """Peak memory traced during ``model.fit(X, y)``, in bytes."""
    tracemalloc.start()
    try:
        model.fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "model, classes",
    [
        (LinearRegressionGD(), 0),
        (RidgeGD(solver="lbfgs"), 0),
        (LassoGD(alpha=0.1), 0),
        (LogisticRegressionGD(), 2),
        (LogisticRegressionGD(), 3),
        (LogisticRegressionGD(solver="lbfgs"), 3),
    ],
    ids=repr,
)
def test_fit_makes_no_copy_of_dense_x(model, classes):
    # the preconditioning is applied to the coefficients, not to a scaled
    # copy of X: what a fit allocates stays under a quarter of X's size, beside
    # the curvature's weights on every row that Newton's stopping test forms
    # (one column per pair of classes, n k (k + 1) / 2 numbers: 6% of X here)
    if classes:
        X, y = make_classification(
            60_000, 100, n_informative=10, n_classes=classes, random_state=0
        )
    else:
        X, y = make_regression(60_000, 100, noise=1.0, random_state=0)
    k = classes if classes > 2 else 1
    weights = X.shape[0] * k * (k + 1) // 2 * X.itemsize
    assert _peak_memory_of_fit(model, X, y) <= 0.25 * X.nbytes + weights


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_fit_never_densifies_sparse_x(Est):
    rng = np.random.default_rng(0)  # 10 entries a row (sp.random is slow here)
    columns = rng.integers(0, 5_000, size=500_000)
    X = sp.csr_matrix(
        (rng.normal(size=500_000), columns, np.arange(0, 500_001, 10)),
        shape=(50_000, 5_000),
    )
    X.sum_duplicates()
    y = X @ rng.normal(size=5_000) + rng.normal(size=50_000)
    y = (y > np.median(y)).astype(int) if Est is LogisticRegressionGD else y
    stored = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    # the data's own n-vectors (targets, predictions, weights) are 13% of X
    # each here; a dense copy of X would be 250 times X
    assert _peak_memory_of_fit(Est(), X, y) <= stored


# -- persistence and threads ---------------------------------------------------------------
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_pickle_round_trip(Est):
    X, y = data(Est)
    model = Est().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params() == model.get_params()


def test_loading_under_another_version_names_the_saving_version(monkeypatch):
    model = RidgeGD().fit(*data(RidgeGD))
    saved = pickle.dumps(model)
    monkeypatch.setattr(gdlearn._base, "__version__", "9.9.9")
    with pytest.warns(
        InconsistentVersionWarning,
        match="saved by gdlearn 0.1.0 and is loaded by gdlearn 9.9.9",
    ) as record:
        loaded = pickle.loads(saved)
    assert record[0].message.original_version == gdlearn.__version__
    np.testing.assert_array_equal(loaded.coef_, model.coef_)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_skops_round_trip_with_the_documented_trusted_types(Est):
    sio = pytest.importorskip("skops.io")
    X, y = data(Est)
    model = Est().fit(X, y)
    dumped = sio.dumps(model)
    assert sio.get_untrusted_types(data=dumped) == [
        f"gdlearn.linear_model.{Est.__name__}"
    ]
    loaded = sio.loads(dumped, trusted=[f"gdlearn.linear_model.{Est.__name__}"])
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_predict_from_many_threads_at_once(Est):
    X, y = data(Est)
    model = Est().fit(X, y)
    method = model.predict_proba if Est is LogisticRegressionGD else model.predict
    expected = method(X)
    chunks = [X[i::7] for i in range(7)] * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(method, chunks))
    for chunk, result in zip(chunks, results, strict=True):
        np.testing.assert_array_equal(result, method(chunk))
    np.testing.assert_array_equal(method(X), expected)
