"""Mini-batch SGD: its gradient estimates, its rates, and the estimators' 'sgd'."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from gdlearn import (
    ElasticNetGD,
    LassoGD,
    LinearRegressionGD,
    LogisticRegressionGD,
    RidgeGD,
)
from gdlearn._objective import Objective
from gdlearn.compare import objective
from gdlearn.losses import BinaryCrossEntropy, MultinomialCrossEntropy, SquaredError
from gdlearn.penalties import ElasticNet
from gdlearn.solvers.schedules import Adaptive, Constant, InvScaling, VarianceReduced
from gdlearn.solvers.sgd import (
    auto_learning_rate,
    batch_gradient,
    curvature_metric,
    minimize_sgd,
    sample_curvature,
)

LOSSES = {
    "squared": (SquaredError, 1),
    "binary": (BinaryCrossEntropy, 1),
    "multinomial": (MultinomialCrossEntropy, 3),
}


def _data(rng, loss="squared", n=40, p=5, weights=True, l1=0.0, sparse=False):
    """``(X, Y, sample_weight, loss, penalty)`` of a small problem."""
    Loss, k = LOSSES[loss]
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 10, size=p) + rng.normal(size=p)
    if sparse:
        X[rng.uniform(size=X.shape) < 0.5] = 0.0
        X = sp.csr_matrix(X)
    if loss == "squared":
        Y = rng.normal(size=(n, 1))
    else:
        labels = rng.integers(0, max(k, 2), size=n)
        Y = labels[:, None] if k == 1 else (labels[:, None] == np.arange(k)) * 1.0
    sw = rng.uniform(0.5, 2, size=n) if weights else np.ones(n)
    return X, Y * 1.0, sw, Loss(), ElasticNet(0.1 + l1, l1 / (0.1 + l1))


def _objective(rng, *args, **kwargs):
    return Objective(*_data(rng, *args, **kwargs))


# -- the pieces ----------------------------------------------------------------------
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("sparse", [False, True])
def test_batch_gradients_average_to_the_full_gradient(loss, sparse, rng):
    """Batches that split the samples evenly are, on average, the full gradient;
    the variance-reduced estimate equals it exactly at its anchor."""
    objective = _objective(rng, loss, sparse=sparse)
    V = rng.normal(size=objective.zeros().shape)
    Z = objective.raw(V)
    full = objective.smooth_gradient(objective.evaluate(V, Z))[0]
    batches = np.array_split(rng.permutation(40), 8)
    mean = sum(batch_gradient(objective, np.sort(b), V) for b in batches) / 8
    np.testing.assert_allclose(mean, full, rtol=1e-12, atol=1e-14)
    anchor = (V, Z, full)
    for b in batches[:3]:
        np.testing.assert_allclose(
            batch_gradient(objective, b, V, anchor=anchor), full, rtol=1e-12
        )


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_curvature_bound_lies_above_the_hessian(loss, rng):
    objective = _objective(rng, loss)
    P = objective.curvature_bound()
    for _ in range(3):
        V = rng.normal(size=objective.zeros().shape)
        H = objective.curvature_matrices(objective.raw(V))
        k = objective.Y.shape[1]
        if H.shape[1] == P.shape[0] * k:  # the softmax: one coupled block
            bound = np.kron(np.eye(k), P)  # ordered output by output
            H = H[0]
        else:
            bound, H = P, H[0]
        assert np.linalg.eigvalsh(bound - H).min() > -1e-10 * np.abs(bound).max()


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("metric", [False, True])
def test_sample_curvature_bounds_each_sample(loss, metric, rng):
    """The largest eigenvalue of each sample's term, n w_i c a_i a_i^T in the
    step's metric M (curvature M^1/2 a a^T M^1/2), plus the L2 part."""
    X, Y, sw, loss_, penalty = _data(rng, loss, n=30)
    objective = Objective(X, Y, sw, loss_, penalty)
    M = curvature_metric(objective) if metric else None
    bound = sample_curvature(objective, metric=M)
    n, p = 30, objective.n_features
    offset, scale, intercept_scale = objective.coordinates  # A = [(X - c) s, s_b 1]
    A = np.hstack([(X - offset) * scale, np.full((n, 1), intercept_scale)])
    c, w = loss_.curvature, sw / sw.sum()
    root = np.linalg.cholesky(M + 1e-300 * np.eye(p + 1)) if metric else np.eye(p + 1)
    each = [n * w[i] * c * np.sum((root.T @ A[i]) ** 2) for i in range(n)]
    assert max(each) <= bound <= max(each) + 1.0 + 1e-9


def test_schedules():
    assert Constant(0.5).rate() == 0.5
    inv = InvScaling(0.5, power_t=0.5)
    inv.epochs = 3.0
    assert inv.rate() == pytest.approx(0.25)
    adaptive = Adaptive(1.0)
    shrinks = [adaptive.shrink() for _ in range(9)]
    assert adaptive.eta == pytest.approx(5.0**-9)
    assert shrinks == [True] * 8 + [False]  # below 1e-6 of eta0: nothing left
    assert not Constant(1.0).shrink()
    streaming = VarianceReduced(0.3).streaming()
    assert streaming.average and streaming.eta == 0.3


# -- the loop ---------------------------------------------------------------------------
def test_interpolation_is_reached_exactly(rng):
    """Without noise every sample's gradient vanishes at the solution, so even
    plain constant-rate SGD converges to it."""
    X = rng.normal(size=(500, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0])
    objective = Objective(X, y[:, None], np.ones(500), SquaredError())
    result = minimize_sgd(
        objective,
        objective.zeros(),
        schedule=Constant(auto_learning_rate(objective, 10)),
        batch_size=10,
        random_state=0,
        tol=1e-12,
    )
    assert result.converged and result.message.startswith("converged")
    W, b = objective.to_coef(result.params)
    np.testing.assert_allclose(W[:, 0], [1.0, -2.0, 0.5, 3.0], rtol=1e-10)


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("l1", [0.0, 0.05])
def test_variance_reduced_sgd_reaches_newtons_minimum(loss, l1, rng):
    objective = _objective(rng, loss, n=200, l1=l1)
    from gdlearn.solvers import minimize_newton

    exact = minimize_newton(objective, objective.zeros(), tol=1e-13, max_iter=200)
    result = minimize_sgd(
        objective,
        objective.zeros(),
        schedule=VarianceReduced(0.25 * auto_learning_rate(objective, 8)),
        batch_size=8,
        random_state=0,
        tol=1e-10,
        max_iter=5000,
        backoff=True,
    )
    f_star = objective.value(exact.params)
    assert result.converged
    assert objective.value(result.params) - f_star <= 1e-12 * abs(f_star)
    W, b = objective.to_coef(result.params)
    W_star, b_star = objective.to_coef(exact.params)
    np.testing.assert_allclose(W, W_star, atol=1e-6 * np.abs(W_star).max())


def test_a_rate_that_blows_up_is_an_error_or_backs_off(rng):
    objective = _objective(rng, "squared", n=100)
    options = dict(batch_size=4, random_state=0, max_iter=30)
    with pytest.raises(ValueError, match="learning_rate=1000 is too large"):
        minimize_sgd(objective, objective.zeros(), schedule=Constant(1e3), **options)
    result = minimize_sgd(
        objective, objective.zeros(), schedule=Constant(1e3), backoff=True, **options
    )
    assert np.all(np.isfinite(result.params)) and result.step < 1e3


def test_early_stopping_keeps_the_best_validation_epoch(rng):
    X, y = load_diabetes(return_X_y=True)
    model = RidgeGD(
        alpha=1e-6,
        solver="sgd",
        learning_rate="constant",
        early_stopping=True,
        n_iter_no_change=3,
        random_state=0,
    ).fit(X, y)
    assert model.n_iter_ < 10_000  # stopped by the held-out loss, not max_iter
    # the held-out 10% is the split scikit-learn's SGD makes
    from sklearn.model_selection import ShuffleSplit

    train, held = next(ShuffleSplit(1, test_size=0.1, random_state=0).split(X))
    held_loss = 0.5 * np.mean((model.predict(X[held]) - y[held]) ** 2)
    other = RidgeGD(alpha=1e-6, solver="sgd", learning_rate="constant", random_state=0)
    other.set_params(max_iter=model.n_iter_, early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        last = other.fit(X[train], y[train])
    assert held_loss <= 0.5 * np.mean((last.predict(X[held]) - y[held]) ** 2) + 1e-9


# -- the estimators --------------------------------------------------------------------
def _std(X):
    return StandardScaler().fit_transform(X)


@pytest.mark.parametrize(
    "make, data",
    [
        (lambda **kw: LinearRegressionGD(**kw), "diabetes"),
        (lambda **kw: RidgeGD(alpha=10.0, **kw), "diabetes"),
        (lambda **kw: LassoGD(alpha=0.5, **kw), "diabetes"),
        (lambda **kw: ElasticNetGD(alpha=0.5, **kw), "diabetes"),
        (lambda **kw: LogisticRegressionGD(**kw), "iris"),
        (lambda **kw: LogisticRegressionGD(C=0.5, l1_ratio=1.0, **kw), "iris"),
        (lambda **kw: LogisticRegressionGD(**kw), "breast_cancer"),
    ],
)
def test_sgd_fits_the_same_model_as_the_default_solver(make, data):
    """Variance-reduced SGD is exact: the model of the default solver, on real
    (unscaled) data, to the precision tol asks for."""
    load = {
        "diabetes": lambda: load_diabetes(return_X_y=True, scaled=False),
        "iris": lambda: load_iris(return_X_y=True),
        "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    }[data]
    X, y = load()
    sgd = make(solver="sgd", random_state=0, tol=1e-10).fit(X, y)
    ref = make(tol=1e-12).fit(X, y)
    assert sgd.loss_curve_[-1] <= ref.loss_curve_[-1] * (1 + 1e-10)
    np.testing.assert_allclose(
        sgd.coef_, ref.coef_, atol=1e-5 * np.abs(ref.coef_).max()
    )


@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "adaptive", 0.01])
def test_textbook_schedules_get_close_and_the_default_gets_there(learning_rate):
    """Plain SGD with scikit-learn's schedules, reproducible with random_state:
    in 200 epochs on standardized breast_cancer they come within 2-30% of
    the minimum (the noise of plain iterates); the variance-reduced default
    reaches it, in fewer epochs."""
    X, y = load_breast_cancer(return_X_y=True)
    X = _std(X)
    options = dict(solver="sgd", learning_rate=learning_rate, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = LogisticRegressionGD(max_iter=200, **options).fit(X, y)
        b = LogisticRegressionGD(max_iter=200, **options).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    f_star = LogisticRegressionGD(tol=1e-12).fit(X, y).loss_curve_[-1]
    f_zero = np.log(2)
    assert f_star < min(a.loss_curve_) <= f_star + 0.3 * (f_star + 0.1 * f_zero)
    assert np.all(np.diff(a.loss_curve_[:20]) < 0)  # far from the noise: descent
    default = LogisticRegressionGD(solver="sgd", random_state=0).fit(X, y)
    assert default.loss_curve_[-1] <= f_star * (1 + 1e-8)
    reached = np.nonzero(np.array(default.loss_curve_) <= min(a.loss_curve_))[0]
    assert reached[0] < 100


def test_sparse_and_dense_fit_the_same_model(rng):
    X = rng.normal(size=(300, 8))
    X[rng.uniform(size=X.shape) < 0.6] = 0.0
    y = X @ rng.normal(size=8) + rng.normal(size=300)
    options = dict(alpha=1.0, solver="sgd", random_state=0, tol=1e-10)
    dense = RidgeGD(**options).fit(X, y)
    for container in (sp.csr_matrix, sp.csc_matrix):
        sparse = RidgeGD(**options).fit(container(X), y)
        np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-7)


def test_float32_is_kept(rng):
    X = rng.normal(size=(200, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegressionGD(solver="sgd", random_state=0).fit(X, y)
    assert model.coef_.dtype == np.float32
    ref = LogisticRegressionGD(solver="sgd", random_state=0).fit(X.astype(float), y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-2)


def test_max_iter_reached_warns():
    X, y = load_diabetes(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="max_iter=2 epochs"):
        model = RidgeGD(solver="sgd", max_iter=2, random_state=0).fit(X, y)
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2


def test_sgd_never_overwrites_the_input(rng):
    X = rng.normal(size=(100, 3))
    y = X @ np.ones(3)
    sw = rng.uniform(size=100)
    copies = X.copy(), y.copy(), sw.copy()
    RidgeGD(solver="sgd", early_stopping=True, random_state=0).fit(X, y, sw)
    for before, after in zip(copies, (X, y, sw), strict=True):
        np.testing.assert_array_equal(before, after)


# -- streaming -----------------------------------------------------------------------
def test_partial_fit_streams_to_the_fitted_model():
    """One pass over a stream of 20 chunks: within 0.1% of the objective of the
    fit on all of it (measured: 0.06%), and its accuracy within half a point."""
    X, y = make_classification(20_000, 20, n_informative=10, random_state=0)
    model = LogisticRegressionGD(solver="sgd", random_state=0)
    for chunk in np.array_split(np.arange(len(y)), 20):
        model.partial_fit(X[chunk], y[chunk], classes=[0, 1])
    assert model.n_iter_ == 20 and len(model.loss_curve_) == 20
    assert model._sgd_state["sw_seen"] == len(y)  # the penalty of all of it
    ref = LogisticRegressionGD().fit(X, y)
    assert abs(model.score(X, y) - ref.score(X, y)) <= 0.005
    ratio = objective("LogisticRegressionGD", model, X, y) / objective(
        "LogisticRegressionGD", ref, X, y
    )
    assert 1 <= ratio <= 1.001


def test_partial_fit_after_fit_continues():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegressionGD(solver="sgd", random_state=0, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    coef, n_iter, curve = model.coef_.copy(), model.n_iter_, list(model.loss_curve_)
    model.partial_fit(X, y)
    assert model.n_iter_ == n_iter + 1 and model.loss_curve_[:-1] == curve
    assert not np.array_equal(model.coef_, coef)
    assert model.loss_curve_[-1] < 2 * curve[-1]  # from the fitted model, not zero
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        clone.partial_fit(X, y).coef_, model.partial_fit(X, y).coef_
    )


def test_partial_fit_needs_sgd_and_the_classes():
    X, y = load_iris(return_X_y=True)
    assert not hasattr(LogisticRegressionGD(), "partial_fit")
    assert not hasattr(RidgeGD(solver="newton"), "partial_fit")
    model = LogisticRegressionGD(solver="sgd")
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(X, y)
    model.partial_fit(X[:10], y[:10], classes=[0, 1, 2])  # one class in the chunk
    assert model.coef_.shape == (3, 4)
    with pytest.raises(ValueError, match="not the same as on the first call"):
        model.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes"):
        model.partial_fit(X[:3], [0, 7, 1])
    with pytest.raises(ValueError, match="X has 3 features"):
        model.partial_fit(X[:, :3], y)
    balanced = LogisticRegressionGD(solver="sgd", class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight='balanced' needs the class"):
        balanced.partial_fit(X, y, classes=[0, 1, 2])
    ridge = RidgeGD(solver="sgd").partial_fit(X, y)
    with pytest.raises(ValueError, match="got y with 2 target"):
        ridge.partial_fit(X, np.c_[y, y])


def test_repeated_partial_fit_passes_reach_the_fitted_model():
    """Many passes over the same data (the lasso's alpha does not depend on
    how much data was seen): the fitted model."""
    X, y = load_diabetes(return_X_y=True)
    model = LassoGD(alpha=0.1, solver="sgd", random_state=0)
    for _ in range(60):
        model.partial_fit(X[:221], y[:221]).partial_fit(X[221:], y[221:])
    ref = LassoGD(alpha=0.1).fit(X, y)
    np.testing.assert_allclose(model.predict(X), ref.predict(X), rtol=0.02)
    ratio = objective("LassoGD", model, X, y, alpha=0.1) / objective(
        "LassoGD", ref, X, y, alpha=0.1
    )
    assert 1 <= ratio <= 1.001
