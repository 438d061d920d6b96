"""Properties that hold for any data, checked by hypothesis over random
shapes, weights and feature scales (and, for the errors, dtypes and
parameters)."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from gdlearn import (
    ElasticNetGD,
    LassoGD,
    LinearRegressionGD,
    LogisticRegressionGD,
    RidgeGD,
)

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
MODELS = [  # at their default tol and max_iter: the properties hold as shipped
    LinearRegressionGD(),
    RidgeGD(alpha=0.5),
    LassoGD(alpha=0.05),
    ElasticNetGD(alpha=0.05, l1_ratio=0.5),
    LogisticRegressionGD(C=1.0),
]


@st.composite
def problems(draw, classifier=False, offsets=(0.0, 1.0, 100.0)):
    """``(X, y, seed)``: 3-40 samples of 1-6 features whose scales span
    1e-3..1e3 around offsets up to 1e2; a linear target with noise, or labels
    of 2-3 classes that all occur."""
    n = draw(st.integers(3, 40))
    p = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scales = 10.0 ** np.array(
        draw(st.lists(st.integers(-3, 3), min_size=p, max_size=p))
    )
    offsets = draw(st.sampled_from(offsets)) * rng.normal(size=p)
    X = rng.normal(size=(n, p)) * scales + offsets
    if classifier:
        k = draw(st.integers(2, 3))
        y = np.r_[np.arange(k), rng.integers(0, k, size=n - k)]
        rng.shuffle(y)
        return X, y, seed
    y = (X - offsets) / scales @ rng.normal(size=p) + 0.5 * rng.normal(size=n)
    return X, y, seed


def fit(model, X, y, sample_weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(X, y, sample_weight=sample_weight)


def output(model, X):
    return (
        model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)
    )


def assert_same_predictions(a, b, X, rtol=1e-5):
    expected = output(b, X)
    np.testing.assert_allclose(
        output(a, X), expected, rtol=rtol, atol=rtol * max(1.0, np.abs(expected).max())
    )


PER_MODEL = [
    pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__),
    SETTINGS,
    given(data=st.data()),
]


def per_model(test):
    """Run ``test(model, X, y, seed)`` on every model, with problems it can fit."""

    def run(model, data):
        classifier = isinstance(model, LogisticRegressionGD)
        test(model, *data.draw(problems(classifier)))

    run.__name__, run.__doc__ = test.__name__, test.__doc__
    for mark in reversed(PER_MODEL):
        run = mark(run)
    return run


@per_model
def test_integer_weights_equal_repeated_samples(model, X, y, seed):
    weights = np.random.default_rng(seed).integers(0, 4, size=len(y))
    for label in np.unique(y) if hasattr(model, "predict_proba") else [y[0]]:
        weights[np.argmax(y == label)] += 1  # every class keeps a sample
    weighted = fit(clone(model), X, y, weights)
    repeated = fit(clone(model), np.repeat(X, weights, axis=0), np.repeat(y, weights))
    assert_same_predictions(weighted, repeated, X, rtol=1e-4)


@SETTINGS
@given(problem=problems(offsets=(0.0, 1.0)))
def test_intercept_equals_an_unpenalized_column_of_ones(problem):
    """(Offsets of 100 on features of scale 1e-3 make a column of ones and a
    feature collinear to 1e-5: the no-intercept form then has a condition
    number near 1e12, and its gradient cannot reach tol at double precision,
    which gdlearn reports with a ConvergenceWarning; the centred form is fine.)"""
    X, y, _ = problem
    with_intercept = fit(LinearRegressionGD(), X, y)
    ones = np.c_[X, np.ones(len(y))]
    with_column = fit(LinearRegressionGD(fit_intercept=False), ones, y)
    np.testing.assert_allclose(
        with_intercept.predict(X),
        with_column.predict(ones),
        rtol=1e-6,
        atol=1e-6 * np.abs(y).max(),
    )


@per_model
def test_predictions_do_not_depend_on_the_order_of_samples(model, X, y, seed):
    order = np.random.default_rng(seed).permutation(len(y))
    first = fit(clone(model), X, y)
    shuffled = fit(clone(model), X[order], y[order])
    assert_same_predictions(first, shuffled, X, rtol=1e-6)


@pytest.mark.parametrize("classifier", [False, True], ids=["least squares", "softmax"])
@SETTINGS
@given(data=st.data())
def test_gd_at_step_one_over_L_never_increases_the_objective(classifier, data):
    """Textbook gradient descent with step 1/L, L the largest eigenvalue of a
    curvature bound (A^T A / n with A = [X, 1], times 1/4 for the sigmoid or
    1/2 for the softmax, plus the L2 weight), decreases the objective at every
    iteration."""
    X, y, _ = data.draw(problems(classifier))
    n = len(y)
    A = np.c_[X, np.ones(n)]
    top = np.linalg.eigvalsh(A.T @ A / n).max()
    if classifier:
        C = 1.0
        L = (0.25 if len(np.unique(y)) == 2 else 0.5) * top + 1 / (C * n)
        model = LogisticRegressionGD(C=C)
    else:
        L = top
        model = LinearRegressionGD()
    model.set_params(
        solver="gd", learning_rate=1 / L, precondition=False, max_iter=300, tol=0.0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    curve = np.asarray(model.loss_curve_)
    rounding = 1e-12 * np.maximum(np.abs(curve[:-1]), 1e-300)
    assert np.all(np.diff(curve) <= rounding)


# -- anything else gets a clear error ------------------------------------------------------
def _garbage_arrays():
    """Arrays a user might pass by mistake: NaN/inf, strings, objects, odd shapes."""
    shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)
    numbers = st.sampled_from([0.0, 1.0, -2.5, 1e300, np.nan, np.inf, -np.inf, 1e-300])
    floats = shapes.flatmap(
        lambda s: st.lists(
            numbers, min_size=int(np.prod(s)), max_size=int(np.prod(s))
        ).map(lambda v, s=s: np.array(v, dtype=float).reshape(s))
    )
    other = st.sampled_from(
        [
            np.array([["a", "b"], ["c", "d"]]),
            np.array([[1, None], [2, 3]], dtype=object),
            np.array([[True, False], [False, True]]),
            np.array([[1, 2], [3, 4]], dtype=np.int8),
            np.array([[1 + 2j, 0], [0, 1]]),
            [[1, 2], [3]],
            "not an array",
            None,
        ]
    )
    return st.one_of(floats, other)


PARAMS = {
    "alpha": [-1.0, 0.0, 1.0, np.nan, "1", None],
    "C": [-1.0, 0.0, 1.0, np.inf, np.nan, "1"],
    "l1_ratio": [-0.5, 0.0, 0.5, 1.0, 2.0],
    "max_iter": [0, 1, 5, 2.5, -3],
    "tol": [-1.0, 0.0, 1e-4, np.nan],
    "learning_rate": ["auto", 0.0, 1e-3, 1e5, "fast", -1.0],
    "solver": ["auto", "gd", "newton", "accelerated", "sgd"],
    "fit_intercept": [True, False, "no"],
}
ESTIMATORS = [LinearRegressionGD, RidgeGD, LassoGD, ElasticNetGD, LogisticRegressionGD]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    Est=st.sampled_from(ESTIMATORS),
    X=_garbage_arrays(),
    y=_garbage_arrays(),
    weights=st.one_of(st.none(), _garbage_arrays()),
    params=st.dictionaries(st.sampled_from(sorted(PARAMS)), st.integers(0, 5)),
)
def test_any_input_gets_a_sound_model_or_a_clear_error(Est, X, y, weights, params):
    valid = Est().get_params()
    chosen = {k: PARAMS[k][i % len(PARAMS[k])] for k, i in params.items() if k in valid}
    model = Est(**chosen)
    with warnings.catch_warnings():
        # the filter added last is matched first
        warnings.simplefilter("error")  # any other warning escaping is a failure
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(X, y, sample_weight=weights)
        except (ValueError, TypeError) as error:
            assert str(error).strip()
            with pytest.raises(NotFittedError):
                model.predict(np.zeros((1, 1)))
            return
        assert np.all(np.isfinite(model.coef_)) and np.all(
            np.isfinite(model.intercept_)
        )
        try:
            model.predict(X)
        except (ValueError, TypeError) as error:  # X fitted, yet not predictable
            assert str(error).strip()


# -- extreme values inside the valid ranges -------------------------------------------
class _Deadline:
    """A fit that runs past ``seconds`` raises: every loop has a bound."""

    def __init__(self, seconds=60):
        self.seconds = seconds

    def __enter__(self):
        import signal

        def expired(signum, frame):
            raise TimeoutError(f"a fit ran past {self.seconds} s: an unbounded loop")

        self.previous = signal.signal(signal.SIGALRM, expired)
        signal.alarm(self.seconds)

    def __exit__(self, *exc):
        import signal

        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.previous)


def _ours(error):
    """An error gdlearn raised with a message, not one from inside numpy."""
    assert not isinstance(error, np.linalg.LinAlgError), error
    assert str(error).strip() and "math domain" not in str(error), error


@SETTINGS
@given(
    problem=problems(),
    scale=st.integers(-320, 300),
    weight=st.integers(-323, 307),
    solver=st.sampled_from(["auto", "newton", "lbfgs", "accelerated"]),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_least_squares_at_any_scale_is_the_scaled_model_or_refused(
    problem, scale, weight, solver, dtype
):
    """Features at 10**scale (subnormal to huge), weights at 10**weight (sums
    that underflow or overflow): least squares is the same model, coefficients
    scaled by 10**-scale, or a clear error, within a deadline."""
    X, y, seed = problem
    X, y = X.astype(dtype), y.astype(dtype)
    sw = np.random.default_rng(seed).uniform(0.5, 2.0, size=len(y))
    reference = LinearRegressionGD(solver=solver).fit(X, y, sample_weight=sw)
    model = LinearRegressionGD(solver=solver)
    with warnings.catch_warnings(), _Deadline():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # the casts of X and sw
        Xs, sws = (X * 10.0**scale).astype(dtype), sw * 10.0**weight
        if not (np.all(np.isfinite(Xs)) and np.all(np.isfinite(sws))):
            return  # outside the dtype: refused by validation, tested elsewhere
        back = Xs.astype(float) / 10.0**scale if scale > -300 else None
        if back is None or not np.allclose(back, X, rtol=1e-5, atol=0):
            return  # X itself rounded away (subnormal): another X, not this one
        try:
            model.fit(Xs, y, sample_weight=sws)
        except ValueError as error:
            _ours(error)
            return
    assert np.all(np.isfinite(model.coef_)) and np.isfinite(model.intercept_)
    got = model.coef_.astype(float) * 10.0**scale
    tol = 1e-4 if dtype == np.float64 else 2e-2
    spread = np.abs(reference.coef_).max() + abs(reference.intercept_) + 1.0
    np.testing.assert_allclose(got, reference.coef_, atol=tol * spread)
    assert abs(model.intercept_ - reference.intercept_) <= tol * spread


@SETTINGS
@given(
    problem=problems(classifier=True),
    weight=st.integers(-307, 307),
    C=st.sampled_from([0.1, 1.0, 10.0]),
)
def test_logistic_depends_on_C_per_unit_of_weight(problem, weight, C):
    """C at 10**-weight beside weights at 10**weight is the model of C with
    unit-scale weights: the weights' sum may overflow or underflow."""
    X, y, seed = problem
    sw = np.random.default_rng(seed).uniform(0.5, 2.0, size=len(y))
    reference = LogisticRegressionGD(C=C).fit(X, y, sample_weight=sw)
    model = LogisticRegressionGD(C=C * 10.0**-weight)
    with warnings.catch_warnings(), _Deadline():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=sw * 10.0**weight)
    spread = np.abs(reference.coef_).max() + np.abs(reference.intercept_).max() + 1
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-4 * spread)


EXTREMES = {
    "alpha": [0.0, 5e-324, 1e-300, 1e300, 1.7e308],
    "C": [5e-324, 1e-300, 1e300, 1.7e308, np.inf],
    "l1_ratio": [0.0, 1e-300, 1.0],
    "tol": [0.0, 1e-300, 1e300],
    "learning_rate": ["auto", 5e-324, 1e-300, 1e300],
    "solver": ["auto", "newton", "lbfgs", "accelerated", "gd", "sgd"],
    "eta0": ["auto", 5e-324, 1e300],
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    Est=st.sampled_from(ESTIMATORS),
    params=st.dictionaries(st.sampled_from(sorted(EXTREMES)), st.integers(0, 4)),
    weight=st.sampled_from([None, 5e-324, 1e-300, 1e300, 1.7e308]),
    seed=st.integers(0, 2**16),
)
def test_extreme_parameters_give_a_sound_model_or_a_clear_error(
    Est, params, weight, seed
):
    """Every parameter at the ends of its valid range, with weights that
    underflow or overflow: within a deadline, finite coefficients or an error
    that gdlearn raised with a message (never one from inside numpy)."""
    valid = Est().get_params()
    chosen = {k: EXTREMES[k][i % len(EXTREMES[k])] for k, i in params.items()}
    chosen = {k: v for k, v in chosen.items() if k in valid}
    model = Est(max_iter=100, **chosen)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 3)) * [1.0, 10.0, 0.1]
    y = X @ [1.0, -1.0, 2.0] + rng.normal(size=30)
    if Est is LogisticRegressionGD:
        y = (y > np.median(y)).astype(int)
    sw = None if weight is None else np.full(30, weight)
    with warnings.catch_warnings(), _Deadline():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(X, y, sample_weight=sw)
        except ValueError as error:
            _ours(error)
            return
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    assert np.all(np.isfinite(model.predict(X)))
