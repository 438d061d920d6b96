"""Finite-difference checking of hand-written gradients.

The derivative is the limit of a difference quotient
(:ref:`derivations-gradcheck` in ``docs/derivations.rst``), so a
gradient can be checked against quotients of the function itself. The
five-point stencil

.. math::
    \\frac{\\partial f}{\\partial x_j} \\approx
    \\frac{-f(x + 2h e_j) + 8 f(x + h e_j) - 8 f(x - h e_j) + f(x - 2h e_j)}{12 h}

has error :math:`O(h^4)`, against :math:`O(h)` for the forward difference of
:func:`scipy.optimize.check_grad`: a correct gradient agrees to about 1e-9
and a wrong one stands out by orders of magnitude.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["check_gradient", "numerical_gradient"]


def numerical_gradient(
    func: Callable[[np.ndarray], float], x: np.ndarray, *, epsilon: float = 1e-3
) -> np.ndarray:
    """Gradient of ``func`` at ``x`` by the five-point stencil, any shape of ``x``.

    Parameters
    ----------
    func : callable
        Maps an array shaped like ``x`` to a float.
    x : ndarray
        Where to differentiate. Not modified.
    epsilon : float, default=1e-3
        Relative step: coordinate ``j`` moves by ``epsilon * max(1, |x_j|)``.

    Returns
    -------
    grad : ndarray of the shape of ``x``, dtype float64

    Examples
    --------
    The gradient of the squared norm is ``2 x`` (:ref:`derivations-rules`):

    >>> import numpy as np
    >>> numerical_gradient(lambda w: float(w @ w), np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for j in range(flat.size):
        h = epsilon * max(1.0, abs(flat[j]))
        original = flat[j]
        values = []
        for offset in (2 * h, h, -h, -2 * h):
            flat[j] = original + offset
            values.append(func(x))
        flat[j] = original
        out[j] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * h)
    return grad


@overload
def check_gradient(
    func: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    *,
    epsilon: float = ...,
) -> float: ...
@overload
def check_gradient(
    func: Callable[[np.ndarray], tuple[float, np.ndarray]],
    grad: None,
    x: np.ndarray,
    *,
    epsilon: float = ...,
) -> float: ...
def check_gradient(
    func: Callable[[np.ndarray], Any],
    grad: Callable[[np.ndarray], np.ndarray] | None,
    x: np.ndarray,
    *,
    epsilon: float = 1e-3,
) -> float:
    """Relative error of ``grad(x)`` against the finite-difference gradient.

    Parameters
    ----------
    func : callable
        The function, ``x -> float``. If ``grad`` is None it returns the pair
        ``(value, gradient)`` instead.
    grad : callable or None
        The gradient, ``x -> array shaped like x``.
    x : ndarray
        Where to check.
    epsilon : float, default=1e-3
        Relative finite-difference step, see :func:`numerical_gradient`.

    Returns
    -------
    error : float
        :math:`\\max_j |g_j - \\hat g_j| / \\max(1, \\max_j |\\hat g_j|)`, with
        :math:`\\hat g` the numerical gradient: about 1e-9 or less for a correct
        gradient of a smooth function.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> f = lambda w: float(w @ A @ w)
    >>> check_gradient(f, lambda w: 2 * A @ w, np.array([1.0, -1.0])) < 1e-9
    True
    >>> check_gradient(f, lambda w: A @ w, np.array([1.0, -1.0])) > 0.1
    True
    """
    if grad is None:
        value = func
        func = lambda x: value(x)[0]  # noqa: E731
        grad = lambda x: value(x)[1]  # noqa: E731
    expected = numerical_gradient(func, x, epsilon=epsilon)
    actual = np.asarray(grad(np.array(x, dtype=np.float64)), dtype=np.float64)
    if actual.shape != expected.shape:
        raise ValueError(
            f"grad returned shape {actual.shape}, expected {expected.shape} (that of x)."
        )
    return float(np.max(np.abs(actual - expected)) / max(1.0, np.max(np.abs(expected))))
