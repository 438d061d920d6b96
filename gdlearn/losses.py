"""Pointwise losses and their derivatives with respect to the raw prediction.

A loss knows one sample at a time. With the raw prediction (the "logit" or
"linear predictor") :math:`z_i = x_i^\\top W + b \\in \\mathbb{R}^k` of sample
:math:`i` and its target :math:`y_i`, each loss gives

* ``pointwise(Y, Z)``: the values :math:`\\ell(y_i, z_i)`, shape ``(n,)``;
* ``gradient(Y, Z)``: the derivatives :math:`\\partial \\ell / \\partial z_i`,
  shape ``(n, k)``;
* ``curvature``: a bound on the largest eigenvalue of
  :math:`\\partial^2 \\ell / \\partial z_i^2`, used to scale step sizes;
* ``second_derivative(Y, Z)``: :math:`\\partial^2 \\ell / \\partial z_i^2`,
  the curvature at ``Z`` that the 'newton' solver preconditions with: shape
  ``(n, k)`` (its diagonal) when the outputs are uncoupled
  (``coupled = False``), ``(n, k, k)`` for the softmax;
* ``separates(Y, Z)`` (classification losses): whether ``Z`` classifies
  every sample correctly, in which case the loss has no minimum, only an
  infimum of 0 as ``Z`` grows along the separating direction;
* ``inverse_link(Z)``: the prediction (identity, sigmoid or softmax); the
  classification losses also give ``probabilities(Z)`` and
  ``log_probabilities(Z)``, one column per class, for ``predict_proba``.

A loss never sees ``X``: the chain rule that turns
:math:`\\partial \\ell / \\partial z` into a gradient with respect to the
coefficients lives in one place, :mod:`gdlearn._objective`.

Targets and raw predictions are always 2-D, ``(n, k)``: ``k`` outputs for
regression, ``k = 1`` for binary classification (``Y`` in {0, 1}) and
``k = K`` one-hot columns for ``K``-class classification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._array_api import column_stack, namespace, rowdot, softplus, total
from ._array_api import expit as _expit
from ._array_api import log_expit as _log_expit

if TYPE_CHECKING:
    from ._typing import Array

__all__ = ["BinaryCrossEntropy", "MultinomialCrossEntropy", "SquaredError"]


def log_softmax(Z: Array) -> Array:
    """Row-wise :math:`z_k - \\operatorname{lse}(z)`, with the row maximum
    subtracted first so that no exponential overflows."""
    xp = namespace(Z)
    shifted = Z - xp.max(Z, axis=1, keepdims=True)
    return shifted - xp.log(total(xp.exp(shifted), axis=1, keepdims=True))


def softmax(Z: Array) -> Array:
    """Row-wise :math:`e^{z_k} / \\sum_j e^{z_j}`, computed stably."""
    xp = namespace(Z)
    E = xp.exp(Z - xp.max(Z, axis=1, keepdims=True))
    return E / total(E, axis=1, keepdims=True)


class SquaredError:
    """Half squared error, :math:`\\ell(y, z) = \\tfrac12 \\lVert z - y \\rVert^2`.

    The factor one half makes the derivative exactly the residual,
    :math:`\\partial \\ell / \\partial z = z - y`, as in the cost
    :math:`J = \\frac{1}{2m} \\lVert h - y \\rVert^2` whose gradient is
    :math:`\\nabla_h J = \\frac1m (h - y)` (:ref:`derivations-squared-error`). The second derivative is the
    identity, so ``curvature = 1``.

    Examples
    --------
    >>> import numpy as np
    >>> loss = SquaredError()
    >>> Y, Z = np.array([[1.0], [2.0]]), np.array([[0.0], [4.0]])
    >>> loss.pointwise(Y, Z)
    array([0.5, 2. ])
    >>> loss.gradient(Y, Z)
    array([[-1.],
           [ 2.]])
    """

    curvature = 1.0
    constant_curvature = True
    coupled = False

    def pointwise(self, Y: Array, Z: Array) -> Array:
        """Per-sample loss, :math:`\\tfrac12 \\sum_k (z_{ik} - y_{ik})^2`."""
        R = Z - Y
        return 0.5 * rowdot(R, R)

    def gradient(self, Y: Array, Z: Array) -> Array:
        """Derivative with respect to ``Z``: the residual ``Z - Y``."""
        return Z - Y

    def value_and_gradient(self, Y: Array, Z: Array) -> tuple[Array, Array]:
        """``(pointwise(Y, Z), gradient(Y, Z))`` sharing the residual."""
        R = Z - Y
        return 0.5 * rowdot(R, R), R

    def second_derivative(self, Y: Array, Z: Array) -> Array:
        """:math:`\\partial^2 \\ell / \\partial z^2 = 1`, whatever ``Z``."""
        return namespace(Z).ones_like(Z)

    def inverse_link(self, Z: Array) -> Array:
        """The identity: a regression predicts its raw prediction."""
        return Z


class BinaryCrossEntropy:
    """Cross-entropy of a sigmoid, for targets in {0, 1}.

    With :math:`a = \\sigma(z) = 1 / (1 + e^{-z})`,

    .. math::
        \\ell(y, z) = -y \\log a - (1 - y) \\log(1 - a)
                   = \\log(1 + e^{z}) - y z,

    evaluated as ``logaddexp(0, z) - y * z``, finite for any ``z``. Its
    derivative is :math:`\\partial J / \\partial z = a - y`
    (from :math:`\\sigma' = a (1 - a)`), and :math:`\\sigma' \\le 1/4` gives
    ``curvature = 0.25`` (:ref:`derivations-sigmoid`).

    Examples
    --------
    >>> import numpy as np
    >>> loss = BinaryCrossEntropy()
    >>> Y, Z = np.array([[1.0], [0.0]]), np.array([[0.0], [1e4]])
    >>> loss.pointwise(Y, Z)
    array([6.93147181e-01, 1.00000000e+04])
    >>> loss.gradient(Y, Z)
    array([[-0.5],
           [ 1. ]])
    """

    curvature = 0.25
    constant_curvature = False
    coupled = False

    def pointwise(self, Y: Array, Z: Array) -> Array:
        """Per-sample loss :math:`\\log(1 + e^{z}) - y z`."""
        return (softplus(Z) - Y * Z)[:, 0]

    def gradient(self, Y: Array, Z: Array) -> Array:
        """Derivative with respect to ``Z``: :math:`\\sigma(z) - y`."""
        return _expit(Z) - Y

    def value_and_gradient(self, Y: Array, Z: Array) -> tuple[Array, Array]:
        """``(pointwise(Y, Z), gradient(Y, Z))``, each updated in place (the
        fewest arrays of ``Z``'s size alive at once). On NumPy both from one
        :math:`e = e^{-|z|}`: :math:`(\\max(z, 0) - y z) + \\log(1 + e)`
        (the bracket exact for 0/1 targets, so that a tiny loss is not
        lost beside ``z``) and
        :math:`\\sigma(z) = 1 / (1 + e)` for :math:`z \\ge 0`, :math:`e / (1 +
        e)` below."""
        if not isinstance(Z, np.ndarray):
            values = softplus(Z)
            values -= Y * Z
            dloss = _expit(Z)
            dloss -= Y
            return values[:, 0], dloss
        e = np.exp(-np.abs(Z))
        values = np.maximum(Z, 0.0)
        values -= Y * Z  # exact for 0/1 targets: max(-z, 0) or max(z, 0)
        values += np.log1p(e)
        dloss = np.add(e, 1.0)
        np.divide(1.0, dloss, out=dloss)
        np.multiply(dloss, e, out=dloss, where=Z < 0)
        dloss -= Y
        return values[:, 0], dloss

    def second_derivative(self, Y: Array, Z: Array) -> Array:
        """:math:`\\sigma'(z) = a (1 - a)`, at most 1/4 and tiny where ``|z|`` is large."""
        a = _expit(Z)
        return a * (1 - a)

    def separates(self, Y: Array, Z: Array, rows: Array | None = None) -> bool:
        """Whether every row of ``Z`` (those selected by the boolean ``rows``)
        is on its target's side of 0."""
        right = (((Z > 0) == (Y > 0.5)) & (Z != 0))[:, 0]
        return bool(namespace(Z).all(right if rows is None else right | ~rows))

    def inverse_link(self, Z: Array) -> Array:
        """The sigmoid :math:`\\sigma(z)`, the probability of the positive class."""
        return _expit(Z)

    def log_inverse_link(self, Z: Array) -> Array:
        """:math:`\\log \\sigma(z) = -\\log(1 + e^{-z})`, finite for any ``z``."""
        return _log_expit(Z)

    def probabilities(self, Z: Array) -> Array:
        """Both classes' probabilities from the raw predictions ``Z`` of shape
        ``(n, 1)``: ``[inverse_link(-z), inverse_link(z)]``, since
        :math:`1 - \\sigma(z) = \\sigma(-z)` (which keeps a small probability
        of the negative class exact where ``1 - a`` would round to 0)."""
        return column_stack([self.inverse_link(-Z[:, 0]), self.inverse_link(Z[:, 0])])

    def log_probabilities(self, Z: Array) -> Array:
        """Log of :meth:`probabilities`, computed stably."""
        return column_stack(
            [self.log_inverse_link(-Z[:, 0]), self.log_inverse_link(Z[:, 0])]
        )


class MultinomialCrossEntropy:
    """Cross-entropy of a softmax over ``K`` classes, for one-hot targets.

    The log-sum-exp :math:`\\operatorname{lse}(z) = \\log \\sum_k e^{z_k}` has
    the softmax as its gradient, :math:`\\partial \\operatorname{lse} /
    \\partial z_k = e^{z_k} / \\sum_j e^{z_j} = p_k` (:ref:`derivations-softmax`), so

    .. math::
        \\ell(y, z) = \\operatorname{lse}(z) - y^\\top z, \\qquad
        \\frac{\\partial \\ell}{\\partial z} = p - y.

    ``lse`` is evaluated with its maximum subtracted, finite for any ``z``.
    The Hessian :math:`\\operatorname{diag}(p) - p p^\\top` has eigenvalues at
    most 1/2 (Böhning's bound), so ``curvature = 0.5``.

    Examples
    --------
    >>> import numpy as np
    >>> loss = MultinomialCrossEntropy()
    >>> Y, Z = np.array([[0.0, 1.0, 0.0]]), np.array([[0.0, 0.0, 0.0]])
    >>> loss.pointwise(Y, Z)
    array([1.09861229])
    >>> loss.gradient(Y, Z)
    array([[ 0.33333333, -0.66666667,  0.33333333]])
    """

    curvature = 0.5
    constant_curvature = False
    coupled = True

    def pointwise(self, Y: Array, Z: Array) -> Array:
        """Per-sample loss :math:`\\operatorname{lse}(z) - y^\\top z
        = -y^\\top \\log \\operatorname{softmax}(z)` (rows of ``Y`` sum to 1)."""
        return -rowdot(Y, log_softmax(Z))

    def gradient(self, Y: Array, Z: Array) -> Array:
        """Derivative with respect to ``Z``: ``softmax(Z) - Y``."""
        return softmax(Z) - Y

    def value_and_gradient(self, Y: Array, Z: Array) -> tuple[Array, Array]:
        """``(pointwise(Y, Z), gradient(Y, Z))`` from one exponential of ``Z``:
        with :math:`m` the row maximum and :math:`E = e^{z - m}`, the loss is
        :math:`\\log \\sum_k E_k - y^\\top (z - m)` and the softmax is
        :math:`E / \\sum_k E_k`."""
        xp = namespace(Z)
        shifted = Z - xp.max(Z, axis=1, keepdims=True)
        target = rowdot(Y, shifted)
        # E, then the softmax, then its derivative, in one array
        E = np.exp(shifted, out=shifted) if xp is np else xp.exp(shifted)
        sums = total(E, axis=1, keepdims=True)
        E /= sums
        E -= Y
        return xp.log(sums[:, 0]) - target, E

    def second_derivative(self, Y: Array, Z: Array) -> Array:
        """The Hessian :math:`\\operatorname{diag}(p) - p p^\\top` of each sample, (n, K, K)."""
        P = softmax(Z)
        H = (-P)[:, :, None] * P[:, None, :]  # the one array of this size
        for k in range(P.shape[1]):
            H[:, k, k] += P[:, k]
        return H

    def separates(self, Y: Array, Z: Array, rows: Array | None = None) -> bool:
        """Whether the target's class has the largest raw prediction in every
        row (of those selected by the boolean ``rows``)."""
        xp = namespace(Z)
        right = rowdot(Y, Z) > xp.max(xp.where(Y > 0.5, -xp.inf, Z), axis=1)
        return bool(xp.all(right if rows is None else right | ~rows))

    def inverse_link(self, Z: Array) -> Array:
        """The softmax, class probabilities summing to one in each row."""
        return softmax(Z)

    def log_inverse_link(self, Z: Array) -> Array:
        """Log of the softmax, computed without forming the softmax."""
        return log_softmax(Z)

    def probabilities(self, Z: Array) -> Array:
        """The classes' probabilities, one column per class: the inverse link."""
        return self.inverse_link(Z)

    def log_probabilities(self, Z: Array) -> Array:
        """Log of :meth:`probabilities`, computed stably."""
        return self.log_inverse_link(Z)
