"""The objective of every gdlearn estimator, and its gradient by the chain rule.

For data ``X`` (n, p), targets ``Y`` (n, k), sample weights ``sw`` and a
pointwise loss :math:`\\ell`, coefficients ``W`` (p, k) and intercept ``b``
(k,) give raw predictions :math:`Z = X W + \\mathbf{1} b^\\top` and

.. math::
    f(W, b) = \\underbrace{\\frac{1}{\\sum_i sw_i} \\sum_i sw_i\\,
              \\ell(y_i, z_i)}_{\\text{data term}}
              + \\tfrac{\\lambda_2}{2} \\lVert W \\rVert^2
              + \\lambda_1 \\lVert W \\rVert_1 .

The optimizer walks in coordinates ``V`` (q, k) in which the raw predictions
are :math:`Z = A V`, with ``A`` the centred, column-scaled design matrix of
:mod:`gdlearn._design`: :math:`W = \\operatorname{diag}(s) V_W`, :math:`b =
s_b v_b - c^\\top W`. The chain rule :math:`\\nabla_x z = (\\partial y /
\\partial x)^\\top \\nabla_y z` with :math:`\\partial Z / \\partial V = A`
gives, in three steps,

1. :math:`\\partial \\ell / \\partial Z` from the loss (``loss.value_and_gradient``);
2. :math:`G = \\operatorname{diag}(sw / \\textstyle\\sum sw)\\, \\partial \\ell
   / \\partial Z`, the derivative weighted;
3. :math:`\\nabla_V f = A^\\top G + \\operatorname{diag}(s) \\lambda_2 W
   \\;(+\\, \\operatorname{diag}(s) \\lambda_1 \\partial \\lVert W \\rVert_1)`,
   the penalties acting on ``W`` only: the intercept is never penalized.

For the squared error this is :math:`\\nabla_w J = \\frac1m X^\\top (h - y)` of
:math:`J = \\frac{1}{2m} \\lVert h - y \\rVert^2`, and for the sigmoid
cross-entropy :math:`\\frac1m X^\\top (a - y)`. ``A^\\top G`` is one pass over
``X``; ``X`` is never copied or densified.

Preconditioning (``precondition=True``) changes variables, never the data:
``c`` is the weighted column mean (when there is an intercept) and
:math:`s_j = (\\kappa\\,\\mathrm{var}_j + \\lambda_2)^{-1/2}` with
:math:`\\kappa` the loss's curvature bound, which puts a 1 on each diagonal
entry of the curvature bound and so removes each feature's scale from the
step size. The optimum is the same; only the coordinates change. Without
preconditioning ``V`` is ``[W; b]`` itself.

This module is the only place where the division by :math:`\\sum sw` and the
chain rule appear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._array_api import (
    any_nonzero,
    astype,
    copy,
    dot,
    floats,
    namespace,
    rowdot,
    size,
    total,
    zeros,
)
from ._curvature import curvature_bound, curvature_matrices
from ._design import DesignMatrix
from ._validation import check_column_scales
from .penalties import ElasticNet, ScaledL1

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._typing import Array, Coordinates, Loss, Matrix


@dataclass
class Point:
    """The smooth part of the objective evaluated at ``V``.

    ``value`` is the data term plus the L2 penalty, ``Z = A V`` the raw
    predictions and ``dloss`` the loss's derivative at ``Z``, kept so that the
    gradient at an accepted trial point costs no second evaluation of the
    loss. :meth:`Objective.smooth_gradient` uses ``dloss``'s memory for the
    weighted derivatives and leaves ``dloss`` None.
    """

    V: Array
    Z: Array
    value: float
    data: float
    dloss: Array | None


class Objective:
    """The objective ``f`` above, in the optimizer's coordinates ``V``.

    ``V`` has shape ``(p + 1, k)`` with the intercept as its last row, or
    ``(p, k)`` without one. ``f`` splits into a smooth part (data term and L2
    penalty), evaluated at a :class:`Point`, and the L1 part, which the
    optimizer handles by proximal, subgradient or orthant-wise steps.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n, p)
    Y : ndarray of shape (n, k)
    sample_weight : ndarray of shape (n,), nonnegative with a positive sum
    loss : a loss from :mod:`gdlearn.losses`
    penalty : ElasticNet, or a function of ``sw_sum`` giving one, optional
        Penalty on ``W`` in the data term's units: its ``l2`` and ``l1``
        strengths are :math:`\\lambda_2` and :math:`\\lambda_1`.
    fit_intercept : bool
    precondition : bool
        Change variables as described in the module docstring.
    coordinates : tuple, optional
        ``(offset, scale, intercept_scale)`` of another objective (its
        :attr:`coordinates`), to walk in the same coordinates as that one
        rather than in this data's own: for held-out data, and for the later
        chunks of a stream.

    Examples
    --------
    >>> import numpy as np
    >>> from gdlearn.losses import SquaredError
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> obj = Objective(X, (X @ [1.0, -1.0])[:, None], np.ones(3), SquaredError())
    >>> point = obj.evaluate(obj.zeros())
    >>> round(point.value, 6)
    0.833333
    >>> grad, noise = obj.smooth_gradient(point)
    >>> grad.shape
    (3, 1)
    """

    curvature_rows = 20_000
    curvature_single = True
    #: Hessian blocks known already (:func:`gdlearn._curvature.carried_curvature`)
    known_curvature: Array | None = None

    def __init__(
        self,
        X: Matrix,
        Y: Array,
        sample_weight: Array,
        loss: Loss,
        penalty: ElasticNet | Callable[[float], ElasticNet | None] | None = None,
        *,
        fit_intercept: bool = True,
        precondition: bool = True,
        coordinates: Coordinates | None = None,
    ) -> None:
        if isinstance(Y, np.ndarray) and Y.shape[1] > 1:
            # each output's column contiguous, as A V returns Z: the softmax's
            # reductions across a row's classes run 10-20x faster so
            Y = np.asfortranarray(Y)
        self.Y, self.loss, self.fit_intercept = Y, loss, fit_intercept
        center = fit_intercept and precondition
        design, mean, moment = self._statistics(X, sample_weight, center)
        penalty = penalty(self.sw_sum) if callable(penalty) else penalty
        self._kept = (design, mean, moment, center, precondition, coordinates)
        self._settle(design, mean, moment, center, penalty, precondition, coordinates)

    def _statistics(self, X, sample_weight, center):
        """``(design, mean, moment)`` of ``X`` (:meth:`DesignMatrix.column_stats
        <gdlearn._design.DesignMatrix.column_stats>`), ``sw_sum`` and the
        normalized ``weights``: what a backend reads from its data."""
        xp = namespace(self.Y)  # numpy, or X's array API namespace (X may be sparse)
        self.sw_sum = float(xp.sum(sample_weight, dtype=xp.float64))
        self.weights = astype(sample_weight / self.sw_sum, X.dtype)
        design = DesignMatrix(X, fit_intercept=self.fit_intercept)
        with np.errstate(over="ignore", invalid="ignore"):  # checked by _settle
            mean, moment = design.column_stats(self.weights, center=center)
        return design, mean, moment

    def _settle(self, design, mean, moment, center, penalty, precondition, coordinates):
        """The coordinates, the L1 part and the curvature's scale, from the
        column statistics: the same for every backend. Refuses columns whose
        squares overflow or underflow the dtype."""
        penalty = penalty if penalty is not None else ElasticNet(0.0, 0.0)
        self.l2 = penalty.smooth_part
        xp, dtype, n = namespace(mean), design.dtype, design.n_samples
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            square = moment + mean**2 if center else moment
            total_square = float(xp.sum(square, dtype=xp.float64))
        if not math.isfinite(total_square * n * 1e6):
            raise ValueError(
                f"X has values too large for {dtype} arithmetic on their squares "
                "(sums of squares over the samples overflow). Scale X down before "
                "fitting."
            )
        check_column_scales(mean, square, dtype, n)
        self.column_mean = astype(mean, dtype)  # X.T @ weights, for the Gram
        if coordinates is None:
            coordinates = preconditioner(
                design, mean, moment, self.loss.curvature, self.l2.alpha, precondition
            )
        # sum_i w_i ||x_i||^2 over the columns that can move (a constant one
        # has scale 0), for the noise of the value
        moving = xp.where(coordinates[1] > 0, square, 0.0)
        self._mean_square = float(xp.sum(moving, dtype=xp.float64))
        variance = xp.where(moment < square, square - mean**2, moment)
        self.design = design.with_coordinates(*coordinates, spread=variance)
        self.l1 = ScaledL1(penalty.prox_part, self.design.scale)
        self.diagonal_curvature = _largest_diagonal(
            self.design, moment, self.loss.curvature, self.l2.alpha
        )

    @property
    def coordinates(self) -> Coordinates:
        """``(offset, scale, intercept_scale)``: what ``V`` means (see above)."""
        design = self.design
        return design.offset, design.scale, design.intercept_scale

    @property
    def n_samples(self) -> int:
        return self.design.n_samples

    @property
    def n_features(self) -> int:
        return self.design.n_features

    @property
    def dtype(self) -> Any:
        """The floating-point type of the data, and of ``V``."""
        return self.design.dtype

    @property
    def constant_curvature(self) -> bool:
        """Whether the smooth part is a quadratic (its Hessian never changes)."""
        return self.loss.constant_curvature

    # -- coordinates ---------------------------------------------------------
    def zeros(self) -> Array:
        """The starting point ``W = 0, b = 0``."""
        shape = (self.design.n_columns, self.Y.shape[1])
        return zeros(shape, like=self.Y, dtype=self.design.dtype)

    def to_coef(self, V: Array) -> tuple[Array, Array]:
        """``(W, b)`` from optimizer coordinates; ``b`` is zero without intercept."""
        return self.design.to_coef(V)

    def from_coef(self, W: Array, b: Array) -> Array:
        """Optimizer coordinates of ``(W, b)``: the inverse of :meth:`to_coef`."""
        return self.design.from_coef(W, b, self.zeros())

    # -- smooth part ---------------------------------------------------------
    def raw(self, V: Array) -> Array:
        """Raw predictions :math:`Z = A V = X W + \\mathbf 1 b^\\top`: one pass
        over ``X``."""
        return self.design.matvec(V)

    def raw_start(self, V: Array) -> Array:
        """:meth:`raw`, without reading ``X`` when ``V`` is zero (a cold start)."""
        if any_nonzero(V):
            return self.raw(V)
        xp = namespace(self.Y)
        return np.zeros_like(self.Y) if xp is np else xp.zeros_like(self.Y)

    def evaluate(self, V: Array, Z: Array | None = None) -> Point:
        """The smooth part (data term plus L2 penalty) at ``V`` as a
        :class:`Point`, from its raw predictions ``Z`` (read from ``X`` when
        not given). The loss's value and derivative share their work (one
        log-softmax for the multinomial)."""
        Z = self.raw(V) if Z is None else Z
        values, dloss = self.loss.value_and_gradient(self.Y, Z)
        data = float(self.weights @ values)
        del values
        W = self.design.scale[:, None] * V[: self.n_features, :]
        return Point(V, Z, data + self.l2.value(W), data, dloss)

    def smooth_gradient(self, point: Point) -> tuple[Array, float]:
        """The gradient of the smooth part at ``point`` (with respect to ``V``)
        and the rounding noise of its value: ``(grad, noise)``.

        The gradient is the chain rule of the module docstring: one pass over
        ``X.T``. The noise bounds the rounding error of the value to first
        order: ``Z`` itself is only known to a relative ``eps``, which moves
        the value by up to :math:`\\epsilon \\sum_i |G_i|\\,|z_i|`, much more
        than :math:`\\epsilon |f|` when the residuals are small beside ``Z``;
        and where :math:`z_i = x_i^\\top w` cancels (many features, or the
        centring) its error is :math:`\\epsilon \\lVert x_i \\rVert \\lVert w
        \\rVert` rather than :math:`\\epsilon |z_i|`, which adds
        :math:`\\epsilon \\sum_i |G_i| \\lVert x_i \\rVert \\lVert W \\rVert`,
        bounded through :math:`\\sum_i w_i \\lVert x_i \\rVert^2` (the column
        statistics) so that weighted and repeated samples agree.
        """
        Z, dloss, xp = point.Z, point.dloss, namespace(point.Z)
        if dloss is None:
            raise ValueError("this Point's gradient was taken already")
        point.dloss = None
        spread = self.weights @ rowdot(dloss, dloss)  # sum_i w_i ||d_i||^2
        # NumPy: G, then |G * Z|, in dloss's own memory (no other array of Z's size)
        if xp is np:
            G = np.multiply(dloss, self.weights[:, None], out=dloss)  # type: ignore[call-overload]
        else:
            G = self.weights[:, None] * dloss
        grad, W = self.backprop(self.design, G, point.V)
        # |error of z_i| <~ eps ||x_i|| ||w||, and by Cauchy-Schwarz
        # sum_i w_i |d_i| ||x_i|| <= (sum_i w_i d_i^2)^(1/2) (sum_i w_i ||x_i||^2)^(1/2)
        GZ = np.multiply(G, Z, out=G) if xp is np else G * Z
        spread, along_z, w_square = floats(
            spread, total(np.abs(GZ, out=GZ) if xp is np else xp.abs(GZ)), dot(W, W)
        )
        noise = (
            16
            * xp.finfo(Z.dtype).eps
            * (
                abs(point.value)
                + along_z
                + math.sqrt(spread * self._mean_square * w_square)
            )
        )
        return grad, noise

    def backprop(self, design: DesignMatrix, G: Array, V: Array) -> tuple[Array, Array]:
        """Step 3 of the chain rule: :math:`A^\\top G` plus the L2 penalty's
        gradient in ``V`` coordinates, and ``W``, for the weighted loss
        derivatives ``G`` at the rows of ``design`` (this objective's, or its
        rows for a mini-batch)."""
        p, s = self.n_features, design.scale[:, None]
        W = s * V[:p, :]
        grad = design.rmatvec(G)
        if self.l2.alpha:
            grad[:p, :] += s * self.l2.gradient(W)
        return grad, W

    def hessian_product(self, U: Array, D: Array) -> Array:
        """For a loss of constant curvature ``c`` (the squared error), the
        smooth part's Hessian times ``D``, from ``U = raw(D)``: the chain rule
        above with the weighted loss derivatives ``G`` replaced by their change
        along ``D``, :math:`c\\, w_i u_i`, so that :math:`\\nabla F(V + tD) =
        \\nabla F(V) + t H D` at every ``V`` and ``t``. The smooth part is a
        parabola along ``D`` with second derivative :math:`D^\\top H D`. One
        pass over ``X.T``."""
        G = self.loss.curvature * (self.weights[:, None] * U)  # exact where c = 1
        return self.backprop(self.design, G, D)[0]

    def curvature_matrices(self, Z: Array) -> Array:
        """The Hessian of the smooth part at ``Z`` in blocks:
        :func:`gdlearn._curvature.curvature_matrices` (or those known)."""
        known = self.known_curvature
        return curvature_matrices(self, Z) if known is None else known

    def curvature_bound(self) -> Array:
        """A bound above the Hessian everywhere:
        :func:`gdlearn._curvature.curvature_bound`."""
        return curvature_bound(self)

    def canonical(self, V: Array) -> Array:
        """``V`` with the drift along the softmax's flat directions taken out.

        The softmax does not change when the same number is added to every
        class's raw prediction, so the objective is flat along "the same
        change of an unpenalized coefficient (the intercept; every coefficient
        without a penalty) in every class". Gradients have no component
        there, yet rounding errors, summed over thousands of stochastic steps,
        do; the solution is the one whose unpenalized coefficients sum to zero
        over the classes, where gradient steps from zero stay. The identity
        for other losses.
        """
        if not self.loss.coupled:
            return V
        xp = namespace(V)
        free = 0 if self.l2.alpha == 0 and self.l1.alpha == 0 else self.n_features
        if free == V.shape[0]:
            return V
        V = copy(V)
        V[free:, :] -= xp.mean(V[free:, :], axis=1, keepdims=True)
        return V

    def unbounded(self, Z: Array) -> bool:
        """Whether the objective has no minimum: no penalty, and ``Z`` separates
        the classes of the samples with a positive weight. Any separating
        ``Z`` shows that the loss goes to zero along it, so the search for a
        minimum would only make the coefficients grow."""
        separates = getattr(self.loss, "separates", None)
        if separates is None or self.l2.alpha > 0 or self.l1.alpha > 0:
            return False
        return separates(self.Y, Z, self.weights > 0)

    @property
    def has_l1(self) -> bool:
        """Whether there is a nonsmooth part: L1, or ``positive`` (L1's orthant at +)."""
        return self.l1.alpha > 0 or self.l1.positive

    # -- whole objective, for checking and for learners ----------------------
    def value(self, V: Array) -> float:
        """The full objective :math:`f` at ``V``."""
        return self.evaluate(V).value + self.l1.value(V)

    def gradient(self, V: Array) -> Array:
        """The (sub)gradient of :math:`f` at ``V``, with ``sign(0) = 0`` for L1."""
        grad, _ = self.smooth_gradient(self.evaluate(V))
        return grad + self.l1.gradient(V)


def preconditioner(design, mean, moment, curvature, l2, precondition) -> Coordinates:
    """``(offset, scale, intercept_scale)`` of the module docstring, for a loss
    of ``curvature`` beside an L2 strength ``l2``. A feature constant up to
    rounding (with an intercept) has scale 0: its coefficient is 0 whatever
    ``V``, the model that of the data without that column, however large its
    value (a timestamp)."""
    if not precondition:
        return design.offset, design.scale, 1.0
    xp, dtype, n = namespace(mean), design.dtype, design.n_samples
    constant = moment <= (n * xp.finfo(dtype).eps * mean) ** 2
    curv = curvature * xp.where(constant, 0.0, moment) + l2
    scale = 1 / xp.sqrt(xp.where(curv > 0, curv, 1.0))
    if design.fit_intercept:
        scale = xp.where(constant & (mean != 0), 0.0, scale)
    scale = astype(scale, dtype)
    offset = astype(mean, dtype) if design.fit_intercept else design.offset
    return offset, scale, 1 / math.sqrt(curvature)


def _largest_diagonal(design, moment, curvature, l2) -> float:
    """The largest diagonal entry of the curvature bound in ``V`` coordinates:
    1 when preconditioned, a lower bound on the largest eigenvalue."""
    s = design.scale
    entries = (curvature * moment + l2) * s**2
    return max(
        float(namespace(s).max(entries)) if size(entries) else 0.0,
        curvature * design.intercept_scale**2 if design.fit_intercept else 0.0,
    )


def take_columns(objective: Objective, columns: np.ndarray) -> Objective:
    """``objective`` restricted to the features ``columns`` (sorted indices;
    the intercept is kept), the others held at zero: the problem of a
    working set. The coordinates are ``objective``'s, so that the restricted
    ``V`` is the full ``V``'s rows ``columns`` (and the intercept's row),
    with the same values, gradients and L1 part there. For data in memory
    (NumPy or scipy.sparse)."""
    part = type(objective).__new__(type(objective))
    part.__dict__.update(objective.__dict__)
    part.design = objective.design.take_columns(columns)
    part.column_mean = objective.column_mean[columns]
    part.l1 = ScaledL1(objective.l1.penalty, part.design.scale)
    return part


def with_penalty(objective: Objective, penalty: ElasticNet | None) -> Objective:
    """``objective`` with another ``penalty``, as if built anew on its data but
    without reading ``X`` (the path hook's step): statistics shared, coordinates
    and L1 part settled anew, what a fit set on it (Newton's exact rows) dropped."""
    other = type(objective).__new__(type(objective))
    other.__dict__.update(objective.__dict__)
    for name in ("curvature_rows", "curvature_single"):  # a fit's own
        other.__dict__.pop(name, None)
    design, mean, moment, center, precondition, coordinates = objective._kept
    other._settle(design, mean, moment, center, penalty, precondition, coordinates)
    return other
