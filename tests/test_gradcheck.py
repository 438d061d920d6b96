import numpy as np
import pytest

from gdlearn import check_gradient, numerical_gradient


def test_numerical_gradient_of_a_quadratic_form(rng):
    """Seed 001: the gradient of w^T A w is (A + A^T) w."""
    A = rng.normal(size=(4, 4))
    w = rng.normal(size=4)
    np.testing.assert_allclose(
        numerical_gradient(lambda w: w @ A @ w, w), (A + A.T) @ w, rtol=1e-9
    )


def test_check_gradient_catches_a_wrong_gradient(rng):
    x = rng.normal(size=(3, 2))
    assert check_gradient(lambda x: float(np.sum(x**3)), lambda x: 3 * x**2, x) < 1e-9
    assert check_gradient(lambda x: float(np.sum(x**3)), lambda x: 2 * x**2, x) > 1e-2


def test_check_gradient_accepts_a_value_and_gradient_pair(rng):
    x = rng.normal(size=5)
    assert check_gradient(lambda x: (float(x @ x), 2 * x), None, x) < 1e-9


def test_norm_gradient_seed_000(rng):
    """Seed 000: the gradient of ||w||_2 is w / ||w||_2."""
    w = rng.normal(size=6)
    assert check_gradient(np.linalg.norm, lambda w: w / np.linalg.norm(w), w) < 1e-9


def test_input_is_not_modified_and_shape_is_checked(rng):
    x = rng.normal(size=3)
    copy = x.copy()
    check_gradient(lambda x: float(x @ x), lambda x: 2 * x, x)
    np.testing.assert_array_equal(x, copy)
    with pytest.raises(ValueError, match="shape"):
        check_gradient(lambda x: float(x @ x), lambda x: 2 * x[:2], x)
