"""Penalties: gradients by finite differences, proxes against a brute-force argmin."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from gdlearn import check_gradient
from gdlearn.penalties import L1, L2, ElasticNet

PENALTIES = [
    L1(0.7),
    L2(1.3),
    ElasticNet(0.9, 0.3),
    ElasticNet(2.0, 1.0),
    ElasticNet(0.0, 0.5),
]


@pytest.mark.parametrize("penalty", PENALTIES)
def test_gradient_matches_finite_differences_away_from_zero(penalty, rng):
    W = rng.normal(size=(4, 2))
    W[np.abs(W) < 0.1] = 0.5  # the L1 part is differentiable away from 0
    assert check_gradient(penalty.value, penalty.gradient, W) < 1e-9


def test_subgradient_convention_at_zero():
    """sign(0) = 0: the subgradient of |x| at 0 taken from [-1, 1] is 0."""
    np.testing.assert_array_equal(
        L1(2.0).gradient(np.array([0.0, -3.0, 1.0])), [0.0, -2.0, 2.0]
    )


def _brute_prox(penalty, v, step):
    """argmin_w (w - v)² / (2 step) + P(w), one coordinate, by a scalar minimizer."""
    result = minimize_scalar(
        lambda w: (w - v) ** 2 / (2 * step) + penalty.value(np.array([w])),
        bracket=(v - 10, v + 10),
        tol=1e-12,
    )
    return result.x


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("step", [0.3, 1.0, 4.0])
def test_prox_is_the_argmin(penalty, step, rng):
    V = np.concatenate([rng.normal(scale=3, size=12), [0.0, 0.1, -0.1]])
    expected = [_brute_prox(penalty, v, step) for v in V]
    np.testing.assert_allclose(penalty.prox(V, step), expected, atol=1e-6)


def test_prox_with_a_step_per_coordinate(rng):
    penalty = ElasticNet(1.0, 0.6)
    V = rng.normal(scale=2, size=6)
    steps = rng.uniform(0.1, 3, size=6)
    expected = [_brute_prox(penalty, v, s) for v, s in zip(V, steps, strict=True)]
    np.testing.assert_allclose(penalty.prox(V, steps), expected, atol=1e-6)


def test_prox_does_not_return_its_input():
    """dask-glm's elastic-net prox returned its input; ours must move every nonzero entry."""
    V = np.array([3.0, -2.0, 0.5])
    assert np.all(np.abs(ElasticNet(1.0, 0.5).prox(V, 1.0)) < np.abs(V))


@pytest.mark.parametrize("penalty", PENALTIES)
def test_min_norm_subgradient(penalty, rng):
    """Where W != 0 it is G + gradient; at 0 it is the point of G + [-l1, l1] nearest 0."""
    W = np.array([0.0, 0.0, 0.0, 1.5, -2.0])
    G = np.array([0.1, -3.0, 2.5, 0.2, -0.4])
    out = penalty.min_norm_subgradient(W, G)
    np.testing.assert_allclose(out[3:], G[3:] + penalty.gradient(W)[3:])
    for j in range(3):
        grid = G[j] + np.linspace(-penalty.l1, penalty.l1, 200001)
        assert out[j] == pytest.approx(grid[np.abs(grid).argmin()], abs=1e-4)


def test_l1_and_l2_are_elastic_net_special_cases():
    W = np.array([1.0, -2.0])
    assert L1(0.5).value(W) == pytest.approx(1.5)
    assert L2(0.5).value(W) == pytest.approx(1.25)
    assert ElasticNet(1.0, 0.5).value(W) == pytest.approx(1.5 + 1.25)
