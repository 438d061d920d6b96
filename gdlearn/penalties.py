"""Penalties on the coefficients: value, (sub)gradient and proximal operator.

A penalty knows the coefficient array ``W`` (any shape) and nothing else: not
the data, not the loss, and not the intercept, which is never penalized (the
objective hands only the coefficients to the penalty).

Every penalty gives

* ``value(W)``;
* ``gradient(W)``: the gradient, or for the L1 part the subgradient with the
  convention ``sign(0) = 0`` (:ref:`derivations-l1`: any value in [-1, 1] is a subgradient
  of :math:`|x|` at 0, and 0 is the one of smallest norm);
* ``min_norm_subgradient(W, G)``: the element of smallest magnitude of
  :math:`G + \\partial P(W)`, coordinate by coordinate. Its norm is the
  distance from :math:`-G` to the subdifferential, zero exactly at a minimum
  of ``f + P`` when ``G`` is the gradient of a smooth ``f``;
* ``prox(V, step)``: :math:`\\operatorname{argmin}_W \\sum_j
  \\frac{1}{2\\,\\mathrm{step}_j} (W_j - V_j)^2 + P(W)`, where ``step`` is a
  scalar or an array broadcasting against ``V``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._array_api import copy, namespace, positive_part, total, vdot

if TYPE_CHECKING:
    from ._typing import Array

__all__ = ["L1", "L2", "ElasticNet", "ScaledL1"]


class ElasticNet:
    """Elastic net, :math:`P(W) = \\alpha \\rho \\lVert W \\rVert_1
    + \\tfrac{\\alpha (1 - \\rho)}{2} \\lVert W \\rVert_2^2`.

    ``alpha`` is :math:`\\alpha \\ge 0` and ``l1_ratio`` is :math:`\\rho \\in
    [0, 1]`, as in scikit-learn's ``ElasticNet``. The L2 part is smooth with
    gradient :math:`\\alpha (1 - \\rho) W` (:ref:`derivations-l2`: :math:`\\nabla \\lVert w
    \\rVert^2 = 2 w`); the L1 part has the subgradient :math:`\\alpha \\rho
    \\operatorname{sign}(W)`, taking 0 at 0.

    The proximal operator soft-thresholds, then shrinks:

    .. math::
        \\operatorname{prox}(V, s) = \\operatorname{argmin}_W
        \\tfrac{1}{2s} \\lVert W - V \\rVert^2 + P(W)
        = \\frac{\\operatorname{sign}(V) \\max(|V| - s \\alpha \\rho, 0)}
               {1 + s \\alpha (1 - \\rho)}.

    Examples
    --------
    >>> import numpy as np
    >>> pen = ElasticNet(alpha=1.0, l1_ratio=0.5)
    >>> W = np.array([-2.0, 0.0, 1.0])
    >>> float(pen.value(W))
    2.75
    >>> pen.gradient(W)
    array([-1.5,  0. ,  1. ])
    >>> pen.prox(np.array([-2.0, 0.3, 1.0]), 1.0)
    array([-1.        ,  0.        ,  0.33333333])
    """

    def __init__(
        self, alpha: float = 1.0, l1_ratio: float = 0.5, positive: bool = False
    ) -> None:
        self.alpha = float(alpha)
        self.l1_ratio = float(l1_ratio)
        #: Coefficients constrained to be >= 0 (scikit-learn's ``positive``):
        #: the penalty is then :math:`P + \\iota_{W \\ge 0}`, its prox the
        #: projection after the shrinkage, its subdifferential at 0 the
        #: interval :math:`(-\\infty, \\alpha\\rho]`.
        self.positive = bool(positive)

    @property
    def l1(self) -> float:
        """Strength of the L1 part, :math:`\\alpha \\rho`."""
        return self.alpha * self.l1_ratio

    @property
    def l2(self) -> float:
        """Strength of the L2 part, :math:`\\alpha (1 - \\rho)`."""
        return self.alpha * (1.0 - self.l1_ratio)

    @property
    def smooth_part(self) -> L2:
        """The L2 part as an :class:`L2` penalty: what gradient steps see."""
        return L2(self.l2)

    @property
    def prox_part(self) -> L1:
        """The L1 part as an :class:`L1` penalty: what proximal,
        subgradient and orthant-wise steps handle."""
        return L1(self.l1, positive=self.positive)

    def value(self, W: Array) -> float:
        """:math:`\\alpha \\rho \\lVert W \\rVert_1 + \\tfrac{\\alpha(1-\\rho)}{2}
        \\lVert W \\rVert^2`."""
        value = 0.0
        if self.l1:
            xp = namespace(W)
            value += self.l1 * float(total(xp.abs(W)))
        if self.l2:
            value += 0.5 * self.l2 * vdot(W, W)
        return value

    def gradient(self, W: Array) -> Array:
        """:math:`\\alpha \\rho \\operatorname{sign}(W) + \\alpha (1 - \\rho) W`,
        with :math:`\\operatorname{sign}(0) = 0`."""
        return self.l1 * namespace(W).sign(W) + self.l2 * W

    def min_norm_subgradient(self, W: Array, G: Array) -> Array:
        """Smallest element of :math:`G + \\partial P(W)`, coordinate by coordinate.

        Where :math:`W_j \\ne 0` the penalty is differentiable and the answer is
        :math:`G_j + \\alpha\\rho \\operatorname{sign}(W_j) + \\alpha(1-\\rho)
        W_j`. Where :math:`W_j = 0` the subdifferential of the L1 part is the
        interval :math:`[-\\alpha\\rho, \\alpha\\rho]`, and the element of
        :math:`G_j + [-\\alpha\\rho, \\alpha\\rho]` closest to zero is
        :math:`\\operatorname{sign}(G_j) \\max(|G_j| - \\alpha\\rho, 0)`.
        """
        G = G + self.l2 * W
        if not self.l1 and not self.positive:
            return G
        xp = namespace(G)
        if self.positive:  # G + (-inf, l1] at zero: 0 unless G + l1 < 0
            at_zero = -positive_part(-(G + self.l1))
        else:
            at_zero = xp.sign(G) * positive_part(xp.abs(G) - self.l1)
        return xp.where(W == 0, at_zero, G + self.l1 * xp.sign(W))

    def prox(self, V: Array, step: float | Array) -> Array:
        """:math:`\\operatorname{argmin}_W \\sum_j \\frac{1}{2 s_j}
        (W_j - V_j)^2 + P(W)` for ``step`` :math:`s` (scalar or array)."""
        W = V
        if self.positive:  # shrink, then project onto W >= 0
            W = positive_part(V - step * self.l1)
        elif self.l1:
            xp = namespace(V)
            W = xp.sign(V) * positive_part(xp.abs(V) - step * self.l1)
        if self.l2:
            W = W / (1.0 + step * self.l2)
        return W


class L1(ElasticNet):
    """Lasso penalty, :math:`P(W) = \\alpha \\lVert W \\rVert_1`.

    Subgradient :math:`\\alpha \\operatorname{sign}(W)` with
    :math:`\\operatorname{sign}(0) = 0`; proximal operator (soft-thresholding)

    .. math::
        \\operatorname{argmin}_W \\tfrac{1}{2s} \\lVert W - V \\rVert^2
        + \\alpha \\lVert W \\rVert_1
        = \\operatorname{sign}(V) \\max(|V| - s\\alpha, 0).

    Examples
    --------
    >>> import numpy as np
    >>> L1(alpha=0.5).prox(np.array([-2.0, 0.3, 1.0]), 1.0)
    array([-1.5,  0. ,  0.5])
    >>> L1(alpha=0.5).min_norm_subgradient(np.zeros(3), np.array([-2.0, 0.3, 1.0]))
    array([-1.5,  0. ,  0.5])
    """

    def __init__(self, alpha: float = 1.0, positive: bool = False) -> None:
        super().__init__(alpha, l1_ratio=1.0, positive=positive)


class L2(ElasticNet):
    """Ridge penalty, :math:`P(W) = \\tfrac{\\alpha}{2} \\lVert W \\rVert_2^2`.

    Gradient :math:`\\alpha W`; proximal operator

    .. math::
        \\operatorname{argmin}_W \\tfrac{1}{2s} \\lVert W - V \\rVert^2
        + \\tfrac{\\alpha}{2} \\lVert W \\rVert^2 = \\frac{V}{1 + s \\alpha}.

    Examples
    --------
    >>> import numpy as np
    >>> L2(alpha=2.0).gradient(np.array([1.0, -3.0]))
    array([ 2., -6.])
    >>> L2(alpha=1.0).prox(np.array([1.0, -3.0]), 1.0)
    array([ 0.5, -1.5])
    """

    def __init__(self, alpha: float = 1.0, positive: bool = False) -> None:
        super().__init__(alpha, l1_ratio=0.0, positive=positive)


class ScaledL1:
    """The L1 part in the optimizer's coordinates: :math:`\\lambda_1 \\lVert W
    \\rVert_1` with :math:`W = \\operatorname{diag}(s) V_W`; the intercept
    row of ``V`` is not penalized. Each method is the penalty's own in ``W``
    coordinates, by the chain rule.

    Examples
    --------
    >>> import numpy as np
    >>> from gdlearn.penalties import L1
    >>> l1 = ScaledL1(L1(0.5), np.array([2.0]))
    >>> V = np.array([[1.0], [3.0]])  # a coefficient, then the intercept
    >>> l1.value(V), l1.prox(V, 0.25).ravel().tolist()
    (1.0, [0.75, 3.0])
    """

    def __init__(self, penalty: L1, scale: Array) -> None:
        self.penalty, self.scale = penalty, scale[:, None]
        self.alpha, self.positive = penalty.alpha, penalty.positive

    def value(self, V: Array) -> float:
        """:math:`\\lambda_1 \\lVert W \\rVert_1`."""
        return self.penalty.value(self.scale * V[: self.scale.shape[0], :])

    def gradient(self, V: Array) -> Array:
        """The subgradient in ``V`` with ``sign(0) = 0``: ``s`` times that in ``W``."""
        p, s = self.scale.shape[0], self.scale
        out = namespace(V).zeros_like(V)
        out[:p, :] = s * self.penalty.gradient(s * V[:p, :])
        return out

    def prox(self, V: Array, step: float) -> Array:
        """:math:`\\operatorname{argmin}_U \\tfrac{1}{2\\,\\mathrm{step}}
        \\lVert U - V \\rVert^2 + \\lambda_1 \\lVert W(U) \\rVert_1`.

        In ``W = s V`` coordinates the quadratic term reads
        :math:`\\sum_j (W_j - s_j V_j)^2 / (2\\,\\mathrm{step}\\, s_j^2)`, so the
        answer is the penalty's own prox at :math:`s V` with step
        :math:`\\mathrm{step}\\, s^2`, divided by :math:`s`. The intercept row
        is left as it is.
        """
        p, s, xp = self.scale.shape[0], self.scale, namespace(V)
        out = copy(V)
        moving = s > 0  # scale 0 (a constant column): no penalty on V there
        shrunk = self.penalty.prox(s * V[:p, :], step * s * s)
        out[:p, :] = xp.where(moving, shrunk / xp.where(moving, s, 1.0), V[:p, :])
        return out

    def min_norm_subgradient(self, V: Array, grad: Array) -> Array:
        """Smallest element of ``grad`` + the subdifferential of the L1 part in ``V``.

        The subdifferential in ``V`` is ``s`` times that in ``W``, so this is
        ``s`` times the penalty's own answer for the gradient ``grad / s``.
        """
        p, s, xp = self.scale.shape[0], self.scale, namespace(V)
        out = copy(grad)
        moving = s > 0  # scale 0 (a constant column): the gradient, 0, as it is
        part = self.penalty.min_norm_subgradient(
            s * V[:p, :], grad[:p, :] / xp.where(moving, s, 1.0)
        )
        out[:p, :] = xp.where(moving, s * part, grad[:p, :])
        return out
