"""The chain rule of gdlearn._objective, checked by finite differences and by equivalences."""

import numpy as np
import pytest
import scipy.sparse as sp

from gdlearn import check_gradient
from gdlearn._objective import Objective
from gdlearn.losses import BinaryCrossEntropy, MultinomialCrossEntropy, SquaredError
from gdlearn.penalties import ElasticNet

LOSSES = {
    "squared": (SquaredError(), 1),
    "multi-output": (SquaredError(), 3),
    "binary": (BinaryCrossEntropy(), 1),
    "multinomial": (MultinomialCrossEntropy(), 4),
}


def _problem(name, rng, n=30, p=5, sparse=False):
    loss, k = LOSSES[name]
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 10, size=p) + rng.normal(size=p)
    if sparse:
        X[rng.random(X.shape) < 0.6] = 0.0
        X = sp.csr_matrix(X)
    if name in ("squared", "multi-output"):
        Y = rng.normal(size=(n, k))
    elif name == "binary":
        Y = rng.integers(0, 2, size=(n, 1)).astype(float)
    else:
        Y = np.eye(k)[rng.integers(0, k, size=n)]
    return X, Y, loss


def _random_params(objective, rng):
    V = rng.normal(size=objective.zeros().shape)
    V[np.abs(V) < 0.1] = 0.3  # keep away from the kink of |.|
    return V


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("precondition", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_gradient_matches_finite_differences(
    name, fit_intercept, weighted, precondition, sparse, rng
):
    X, Y, loss = _problem(name, rng, sparse=sparse)
    sw = rng.uniform(0, 3, size=X.shape[0]) if weighted else np.ones(X.shape[0])
    objective = Objective(
        X,
        Y,
        sw,
        loss,
        ElasticNet(0.3, 0.4),
        fit_intercept=fit_intercept,
        precondition=precondition,
    )
    V = _random_params(objective, rng)
    assert check_gradient(objective.value, objective.gradient, V) < 1e-8


def _smooth_gradient(objective, V):
    return objective.smooth_gradient(objective.evaluate(V))[0]


def _numerical_hessian(objective, V, h=1e-5):
    """Central differences of the smooth gradient, ordered output by output."""
    q, k = V.shape
    columns = []
    for m in range(k):
        for j in range(q):
            E = np.zeros_like(V)
            E[j, m] = h
            diff = _smooth_gradient(objective, V + E) - _smooth_gradient(
                objective, V - E
            )
            columns.append(diff.T.ravel() / (2 * h))
    return np.array(columns).T


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("precondition", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_curvature_matrices_match_finite_differences(
    name, fit_intercept, precondition, sparse, rng
):
    """The Hessian blocks, against differences of the checked gradient: exact for one
    output, the whole Hessian for the softmax, the shared block for multi-output."""
    X, Y, loss = _problem(name, rng, sparse=sparse)
    sw = rng.uniform(0, 3, size=X.shape[0])
    objective = Objective(
        X,
        Y,
        sw,
        loss,
        ElasticNet(0.3, 0.0),
        fit_intercept=fit_intercept,
        precondition=precondition,
    )
    V = _random_params(objective, rng)
    P = objective.curvature_matrices(objective.raw(V))
    H = _numerical_hessian(objective, V)
    q, k = V.shape
    assert P.shape[0] == 1
    if loss.coupled:  # the softmax: the whole Hessian, off its null space
        # (one change to a coefficient of every class, the intercept's here,
        # leaves the softmax alone; P is made invertible along it)
        null = np.zeros((q * k, 1))
        null[np.arange(k) * q + q - 1] = 1.0 if fit_intercept else 0.0
        project = np.eye(q * k) - null @ null.T / max(k * fit_intercept, 1)
        np.testing.assert_allclose(
            project @ P[0] @ project, H, rtol=1e-6, atol=1e-7 * np.abs(H).max()
        )
    else:  # outputs uncoupled and sharing one block: H is block-diagonal
        np.testing.assert_allclose(
            np.kron(np.eye(k), P[0]), H, rtol=1e-6, atol=1e-7 * np.abs(H).max()
        )


def test_softmax_curvature_in_single_precision_estimates_the_hessian(rng):
    X, Y, loss = _problem("multinomial", rng, n=3000, p=6)
    objective = Objective(X, Y, np.ones(3000), loss)
    objective.curvature_rows = 1000  # a subsample: every 3rd row, then float32
    Z = objective.raw(0.1 * _random_params(objective, rng))
    estimate = objective.curvature_matrices(Z)
    objective.curvature_single = False
    exact = objective.curvature_matrices(Z)
    assert not np.array_equal(estimate, exact)
    np.testing.assert_allclose(estimate, exact, atol=1e-5 * np.abs(exact).max())


def test_curvature_on_a_subsample_estimates_the_hessian(rng):
    X, Y, loss = _problem("binary", rng, n=4000, p=4)
    objective = Objective(X, Y, np.ones(4000), loss)
    V = 0.1 * _random_params(objective, rng)
    exact = objective.curvature_matrices(objective.raw(V))
    objective.curvature_rows = 1000  # every 4th row
    estimate = objective.curvature_matrices(objective.raw(V))
    assert not np.allclose(estimate, exact)
    np.testing.assert_allclose(estimate, exact, atol=0.1 * np.abs(exact).max())


def test_unbounded_only_without_penalty_on_separated_classes():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    Y = np.array([[0.0], [0.0], [1.0], [1.0]])
    sw = np.array([1.0, 1.0, 1.0, 0.0])
    objective = Objective(X, Y, sw, BinaryCrossEntropy(), fit_intercept=False)
    Z = X.copy()
    Z[3] = -5.0  # wrong, but its weight is zero
    assert objective.unbounded(Z)
    assert not objective.unbounded(-Z)
    penalized = Objective(X, Y, sw, BinaryCrossEntropy(), ElasticNet(0.1, 0.0))
    assert not penalized.unbounded(Z)
    assert not Objective(X, X, sw, SquaredError()).unbounded(Z)


@pytest.mark.parametrize("name", ["binary", "squared"])
def test_gradient_is_the_seed_formula(name, rng):
    """Seed 004: grad_w J = (1/m) X (a - y)^T and grad_b J = (1/m) sum (a - y), X holding samples in columns."""
    X, Y, loss = _problem(name, rng)
    objective = Objective(X, Y, np.ones(len(X)), loss, precondition=False)
    w, b = rng.normal(size=X.shape[1]), 0.7
    V = np.append(w, b)[:, None]
    a = 1 / (1 + np.exp(-(X @ w + b))) if name == "binary" else X @ w + b
    m, y = len(X), Y[:, 0]
    grad = objective.gradient(V)[:, 0]
    np.testing.assert_allclose(grad[:-1], X.T @ (a - y) / m, rtol=1e-12)
    np.testing.assert_allclose(grad[-1], np.sum(a - y) / m, rtol=1e-12)


def test_ridge_gradient_is_mse_plus_penalty(rng):
    """Seed 001: grad of (1/2m)||y - Xw||² + (lam/2)||w||² is X^T(Xw - y)/m + lam w."""
    X, Y, loss = _problem("squared", rng)
    lam = 0.4
    objective = Objective(
        X,
        Y,
        np.ones(len(X)),
        loss,
        ElasticNet(lam, 0.0),
        fit_intercept=False,
        precondition=False,
    )
    w = rng.normal(size=(X.shape[1], 1))
    np.testing.assert_allclose(
        objective.gradient(w), X.T @ (X @ w - Y) / len(X) + lam * w, rtol=1e-12
    )


@pytest.mark.parametrize("name", list(LOSSES))
def test_preconditioning_changes_coordinates_not_the_objective(name, rng):
    X, Y, loss = _problem(name, rng)
    sw = rng.uniform(0.5, 2, size=len(X))
    plain = Objective(X, Y, sw, loss, ElasticNet(0.2, 0.5), precondition=False)
    scaled = Objective(X, Y, sw, loss, ElasticNet(0.2, 0.5), precondition=True)
    V = _random_params(scaled, rng)
    W, b = scaled.to_coef(V)
    assert scaled.value(V) == pytest.approx(
        plain.value(plain.from_coef(W, b)), rel=1e-12
    )
    np.testing.assert_allclose(scaled.from_coef(W, b), V, rtol=1e-10)


def test_preconditioned_hessian_bound_has_unit_diagonal(rng):
    X, Y, loss = _problem("binary", rng)
    sw = rng.uniform(0.5, 2, size=len(X))
    objective = Objective(X, Y, sw, loss, ElasticNet(0.1, 0.0))
    offset, scale, _ = objective.coordinates
    A = (X - offset) * scale
    weights = sw / sw.sum()
    diagonal = loss.curvature * (weights @ A**2) + 0.1 * scale**2
    np.testing.assert_allclose(diagonal, 1.0)


@pytest.mark.parametrize("name", list(LOSSES))
def test_sample_weights_equal_repeated_rows(name, rng):
    X, Y, loss = _problem(name, rng, n=12)
    counts = rng.integers(0, 4, size=12)
    weighted = Objective(X, Y, counts.astype(float), loss, ElasticNet(0.1, 0.5))
    repeated = Objective(
        np.repeat(X, counts, axis=0),
        np.repeat(Y, counts, axis=0),
        np.ones(counts.sum()),
        loss,
        ElasticNet(0.1, 0.5),
    )
    V = _random_params(weighted, rng)
    assert weighted.value(V) == pytest.approx(repeated.value(V), rel=1e-12)
    np.testing.assert_allclose(weighted.gradient(V), repeated.gradient(V), rtol=1e-10)


@pytest.mark.parametrize("name", list(LOSSES))
def test_intercept_equals_an_unpenalized_column_of_ones(name, rng):
    X, Y, loss = _problem(name, rng)
    sw = np.ones(len(X))
    with_intercept = Objective(X, Y, sw, loss, fit_intercept=True, precondition=False)
    ones = Objective(
        np.column_stack([X, np.ones(len(X))]),
        Y,
        sw,
        loss,
        fit_intercept=False,
        precondition=False,
    )
    V = _random_params(with_intercept, rng)
    assert with_intercept.value(V) == pytest.approx(ones.value(V), rel=1e-12)
    np.testing.assert_allclose(with_intercept.gradient(V), ones.gradient(V), rtol=1e-12)


@pytest.mark.parametrize("name", list(LOSSES))
def test_sparse_equals_dense(name, rng):
    X, Y, loss = _problem(name, rng, sparse=True)
    sw = rng.uniform(0.5, 2, size=X.shape[0])
    sparse = Objective(X, Y, sw, loss, ElasticNet(0.1, 0.5))
    dense = Objective(X.toarray(), Y, sw, loss, ElasticNet(0.1, 0.5))
    np.testing.assert_allclose(sparse.coordinates[1], dense.coordinates[1], rtol=1e-10)
    V = _random_params(dense, rng)
    assert sparse.value(V) == pytest.approx(dense.value(V), rel=1e-12)
    np.testing.assert_allclose(
        sparse.gradient(V), dense.gradient(V), rtol=1e-10, atol=1e-14
    )


def test_raw_is_linear(rng):
    """The optimizer extrapolates raw predictions; which is valid because raw is linear in V."""
    X, Y, loss = _problem("multinomial", rng)
    objective = Objective(X, Y, np.ones(len(X)), loss)
    U, V = _random_params(objective, rng), _random_params(objective, rng)
    np.testing.assert_allclose(
        objective.raw(U + 2.5 * V), objective.raw(U) + 2.5 * objective.raw(V)
    )


@pytest.mark.parametrize("name", ["squared", "multi-output"])
@pytest.mark.parametrize("sparse", [False, True])
def test_hessian_product_is_the_change_of_the_gradient(name, sparse, rng):
    """L-BFGS's conjugate-gradient steps for the squared error: the gradient
    changes by t H D along t D, and the smooth part is a parabola with
    second derivative D'HD."""
    X, Y, loss = _problem(name, rng, sparse=sparse)
    sw = rng.uniform(0, 3, size=X.shape[0])
    objective = Objective(X, Y, sw, loss, ElasticNet(0.3, 0.0))
    V, D = _random_params(objective, rng), _random_params(objective, rng)

    def along(t):
        return objective.evaluate(V + t * D).value

    def gradient(t):
        return _smooth_gradient(objective, V + t * D)

    HD = objective.hessian_product(objective.raw(D), D)
    second = along(1.0) - 2 * along(0.0) + along(-1.0)  # exact for a parabola
    assert np.vdot(D, HD) == pytest.approx(second)
    change = gradient(0.7) - gradient(0.0)
    np.testing.assert_allclose(
        change, 0.7 * HD, rtol=1e-9, atol=1e-12 * np.abs(HD).max()
    )


def test_l1_prox_and_subgradient_in_scaled_coordinates(rng):
    """The prox in V-coordinates is the argmin of its definition, checked by brute force."""
    X, Y, loss = _problem("squared", rng)
    objective = Objective(X, Y, np.ones(len(X)), loss, ElasticNet(0.5, 1.0))
    U = rng.normal(size=objective.zeros().shape)
    step = 0.7
    out = objective.l1.prox(U, step)
    assert out[-1, 0] == U[-1, 0]  # the intercept is not penalized
    s, lam = objective.coordinates[1], 0.5
    for j in range(X.shape[1]):
        grid = np.linspace(-5, 5, 200001)
        cost = (grid - U[j, 0]) ** 2 / (2 * step) + lam * np.abs(s[j] * grid)
        assert out[j, 0] == pytest.approx(grid[cost.argmin()], abs=1e-4)


def test_a_point_keeps_the_loss_derivative_for_one_gradient(rng):
    """evaluate() then smooth_gradient() equals the gradient read afresh, and a
    Point's derivative serves one gradient only (its memory holds G after)."""
    X, Y, loss = _problem("multinomial", rng)
    objective = Objective(X, Y, rng.uniform(0.5, 2, len(X)), loss, ElasticNet(0.2, 0.0))
    V = _random_params(objective, rng)
    point = objective.evaluate(V)
    assert point.value == pytest.approx(objective.value(V), rel=1e-14)
    grad, noise = objective.smooth_gradient(point)
    np.testing.assert_allclose(grad, objective.gradient(V), rtol=1e-13)
    assert 0 < noise < 1e-12 * max(1.0, point.value) * 1e3
    with pytest.raises(ValueError, match="taken already"):
        objective.smooth_gradient(point)
    again = objective.evaluate(V, point.Z)  # Z survives the gradient
    assert again.value == point.value
