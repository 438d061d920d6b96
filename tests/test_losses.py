"""Each loss's derivative against finite differences of its value, and its stability."""

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from gdlearn import check_gradient
from gdlearn.losses import BinaryCrossEntropy, MultinomialCrossEntropy, SquaredError


def _targets(loss, rng, n, k):
    if isinstance(loss, SquaredError):
        return rng.normal(size=(n, k))
    if isinstance(loss, BinaryCrossEntropy):
        return rng.integers(0, 2, size=(n, 1)).astype(float)
    return np.eye(k)[rng.integers(0, k, size=n)]


@pytest.mark.parametrize(
    "loss", [SquaredError(), BinaryCrossEntropy(), MultinomialCrossEntropy()]
)
def test_gradient_matches_finite_differences(loss, rng):
    k = 1 if isinstance(loss, BinaryCrossEntropy) else 3
    Y = _targets(loss, rng, 7, k)
    Z = 2 * rng.normal(size=(7, k))
    error = check_gradient(
        lambda Z: float(loss.pointwise(Y, Z).sum()), lambda Z: loss.gradient(Y, Z), Z
    )
    assert error < 1e-9
    values, grad = loss.value_and_gradient(Y, Z)
    np.testing.assert_allclose(values, loss.pointwise(Y, Z), rtol=1e-14)
    np.testing.assert_allclose(grad, loss.gradient(Y, Z), rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize(
    "loss", [SquaredError(), BinaryCrossEntropy(), MultinomialCrossEntropy()]
)
def test_curvature_bounds_the_second_derivative(loss, rng):
    """The largest eigenvalue of d²l/dz², by differences of the gradient, stays under the bound."""
    k = 1 if isinstance(loss, BinaryCrossEntropy) else 4
    for _ in range(20):
        Y = _targets(loss, rng, 1, k)
        z = rng.normal(size=(1, k))
        h = 1e-6
        H = np.array(
            [
                (loss.gradient(Y, z + h * e) - loss.gradient(Y, z - h * e))[0] / (2 * h)
                for e in np.eye(k)
            ]
        )
        assert np.linalg.eigvalsh((H + H.T) / 2).max() <= loss.curvature + 1e-6


def test_binary_cross_entropy_is_the_seed_formula(rng):
    """l = -y log a - (1 - y) log(1 - a) with a = sigmoid(z), and dl/dz = a - y (seed 004)."""
    loss = BinaryCrossEntropy()
    Y = rng.integers(0, 2, size=(9, 1)).astype(float)
    Z = rng.normal(size=(9, 1))
    a = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(
        loss.pointwise(Y, Z), (-Y * np.log(a) - (1 - Y) * np.log(1 - a))[:, 0]
    )
    np.testing.assert_allclose(loss.gradient(Y, Z), a - Y)


def test_softmax_is_the_gradient_of_log_sum_exp(rng):
    """Seed 001: the gradient of lse(z) = log sum exp(z_k) is the softmax."""
    z = rng.normal(size=(1, 5))
    assert (
        check_gradient(
            lambda z: float(logsumexp(z)), MultinomialCrossEntropy().inverse_link, z
        )
        < 1e-9
    )


def test_extreme_logits_stay_finite():
    Z = np.array([[1e4], [-1e4], [800.0], [-800.0]])
    Y = np.array([[1.0], [1.0], [0.0], [1.0]])
    loss = BinaryCrossEntropy()
    np.testing.assert_allclose(loss.pointwise(Y, Z), [0.0, 1e4, 800.0, 800.0])
    np.testing.assert_allclose(loss.gradient(Y, Z), [[0.0], [-1.0], [1.0], [-1.0]])
    multi = MultinomialCrossEntropy()
    Zm = np.array([[1e4, -1e4, 0.0], [-800.0, 800.0, 0.0]])
    Ym = np.eye(3)[[1, 1]]
    np.testing.assert_allclose(multi.pointwise(Ym, Zm), [2e4, 0.0])
    P = multi.inverse_link(Zm)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(multi.log_inverse_link(Zm)[0], [0.0, -2e4, -1e4])


def test_inverse_links(rng):
    Z = rng.normal(size=(6, 1))
    np.testing.assert_array_equal(SquaredError().inverse_link(Z), Z)
    np.testing.assert_allclose(BinaryCrossEntropy().inverse_link(Z), expit(Z))
    Zm = rng.normal(size=(6, 3))
    np.testing.assert_allclose(
        MultinomialCrossEntropy().inverse_link(Zm),
        np.exp(Zm) / np.exp(Zm).sum(1, keepdims=True),
    )


@pytest.mark.parametrize(
    "loss", [SquaredError(), BinaryCrossEntropy(), MultinomialCrossEntropy()]
)
def test_float32_in_float32_out(loss, rng):
    k = 1 if isinstance(loss, BinaryCrossEntropy) else 3
    Y = _targets(loss, rng, 5, k).astype(np.float32)
    Z = rng.normal(size=(5, k)).astype(np.float32)
    values, grad = loss.value_and_gradient(Y, Z)
    assert values.dtype == np.float32 and grad.dtype == np.float32


@pytest.mark.parametrize(
    "loss", [SquaredError(), BinaryCrossEntropy(), MultinomialCrossEntropy()]
)
def test_second_derivative_matches_finite_differences(loss, rng):
    """d²l/dz² against central differences of the (already checked) gradient."""
    k = 1 if isinstance(loss, BinaryCrossEntropy) else 3
    Y = _targets(loss, rng, 6, k)
    Z = 2 * rng.normal(size=(6, k))
    H = loss.second_derivative(Y, Z)
    h = 1e-6
    for i in range(6):
        numeric = np.array(
            [
                (loss.gradient(Y, Z + h * e)[i] - loss.gradient(Y, Z - h * e)[i])
                / (2 * h)
                for e in np.eye(k)[:, None, :] * np.eye(6)[i][:, None]
            ]
        )
        expected = H[i] if loss.coupled else np.diag(H[i])
        np.testing.assert_allclose(numeric, expected, atol=1e-8)


def test_separates_is_true_only_when_every_sample_is_on_its_side():
    binary = BinaryCrossEntropy()
    Y = np.array([[0.0], [1.0], [1.0]])
    assert binary.separates(Y, np.array([[-1.0], [0.5], [3.0]]))
    assert not binary.separates(Y, np.array([[-1.0], [-0.5], [3.0]]))
    assert not binary.separates(Y, np.array([[0.0], [0.5], [3.0]]))  # on the boundary
    multinomial = MultinomialCrossEntropy()
    Y = np.eye(3)
    assert multinomial.separates(Y, 2 * np.eye(3))
    assert not multinomial.separates(Y, 2 * np.eye(3)[[0, 2, 1]])
    assert not multinomial.separates(Y, np.ones((3, 3)))  # ties do not separate
