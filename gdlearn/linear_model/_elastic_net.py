"""The L1-penalized regressors: :class:`ElasticNetGD` and :class:`LassoGD`."""

from __future__ import annotations

from numbers import Real

import numpy as np
import scipy.sparse as sp

from .._array_api import namespace, to_numpy, total
from .._base import L1_CONSTRAINT
from .._compat import Interval
from ..penalties import L1, ElasticNet
from ._docs import document
from ._least_squares import _RegressorGD


@document
class ElasticNetGD(_RegressorGD):
    """Elastic net by gradient descent, with :class:`~sklearn.linear_model.ElasticNet`'s parameters.

    .. math::
        f(w, b) &= \\frac{1}{2 \\sum_i sw_i} \\sum_i sw_i (y_i - x_i^\\top w - b)^2 \\\\
                &\\quad + \\alpha \\rho \\lVert w \\rVert_1
                + \\frac{\\alpha (1 - \\rho)}{2} \\lVert w \\rVert_2^2 .

    The squared error and L2 parts take gradient steps; the L1 part takes
    either proximal steps (soft-thresholding, ``l1_method='proximal'``) or
    subgradient steps (``l1_method='subgradient'``), see
    :func:`gdlearn.solvers.subgradient_step`.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength :math:`\\alpha`.
    l1_ratio : float in [0, 1], default=0.5
        Mixing :math:`\\rho`: 1 is the lasso, 0 ridge.
    l1_method : {'proximal', 'subgradient'}, default='proximal'
        How first-order steps ('accelerated', 'gd') treat the L1 part;
        'subgradient' also makes ``solver='auto'`` take 'accelerated'.
    {positive}
    {common_parameters}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    {common_attributes}

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from gdlearn import ElasticNetGD
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = ElasticNetGD(alpha=0.002, l1_ratio=0.9).fit(X, y)
    >>> int((reg.coef_ == 0).sum())  # one exact zero, as sklearn's ElasticNet
    1
    """

    _parameter_constraints = {
        **_RegressorGD._parameter_constraints,
        **L1_CONSTRAINT,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        l1_method="proximal",
        fit_intercept=True,
        solver="auto",
        learning_rate="auto",
        max_iter=10_000,
        tol=1e-6,
        precondition=True,
        warm_start=False,
        verbose=0,
        eta0="auto",
        power_t=0.5,
        batch_size="auto",
        shuffle=True,
        random_state=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        positive=False,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.l1_method = l1_method
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.precondition = precondition
        self.warm_start = warm_start
        self.verbose = verbose
        self.eta0 = eta0
        self.power_t = power_t
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.positive = positive

    def _penalty(self, sw_sum: float) -> ElasticNet:
        return ElasticNet(self.alpha, self.l1_ratio, positive=self.positive)

    def _finalize(self, objective, V, y, last=None):
        super()._finalize(objective, V, y)
        gap = self._gap(objective, V, last=last)
        self.dual_gap_ = gap[0] if y.ndim == 1 else gap

    def _gap(self, objective, V, last=None):
        """The duality gap: ``dual_gap_``, and the outer stopping test of a
        working set."""
        return dual_gap(objective, V, last=last)

    @property
    def sparse_coef_(self):
        """``coef_`` as a SciPy CSR matrix, as scikit-learn's ElasticNet gives it."""
        return sp.csr_matrix(to_numpy(self.coef_))


def dual_gap(objective, V, *, last=None):
    r"""scikit-learn's duality gap of :class:`~sklearn.linear_model.ElasticNet`
    at ``V``, one per target, in the units of ``ElasticNet.dual_gap_`` (the
    objective's, that of ``_cd_fast`` divided by ``n_samples``): a NumPy
    float64 array of shape (k,).

    With the normalized weights :math:`w_i`, the residuals :math:`r = y_c -
    X_c W` of the centred data (the data as it is without an intercept),
    :math:`q = \sum_i w_i r_i^2 + \lambda_2 \lVert W \rVert^2` and
    :math:`a = X_c^\top (w \odot r) - \lambda_2 W`, the dual point is the
    residual rescaled by :math:`t = \min(1, \lambda_1 / \lVert a
    \rVert_\infty)`, and the gap is :math:`\tfrac12 q + \lambda_1 \lVert W
    \rVert_1 - (t\, \sum_i w_i r_i y_{c,i} - \tfrac{t^2}{2} q)`: formulation
    A of scikit-learn's ``_cd_fast``, whose sample weights sum to
    ``n_samples``. Without L1 its formulation B (ridge), and without any
    penalty ``n_samples`` times :math:`\lVert X_c^\top (w \odot r)
    \rVert^2`. Each output is its own problem, as in ``ElasticNet`` with 2-D
    ``y``. One pass over ``X`` for the residuals and one over ``X.T``, or
    none when ``last`` is the smooth part's ``(point, gradient)`` at ``V``
    in centred coordinates (what a working-set fit ends with): the
    gradient's feature rows are then :math:`\operatorname{diag}(s)
    (\lambda_2 W - X_c^\top (w \odot r))`.
    """
    design, p, weights = objective.design, objective.n_features, objective.weights
    xp = namespace(V)
    W, _ = objective.to_coef(V)
    Y = objective.Y
    centred = not objective.fit_intercept or bool(
        xp.all(design.offset == objective.column_mean)
    )
    reuse = last is not None and centred and objective.loss.curvature == 1
    # an intercept off its optimum is centred out below
    R = Y - (last[0].Z if reuse else objective.raw(V))
    if objective.fit_intercept:
        R = R - (weights @ R)[None, :]
        Y = Y - (weights @ Y)[None, :]
    G = weights[:, None] * R
    scale = design.scale[:, None]
    l1, l2 = objective.l1.alpha, objective.l2.alpha
    # X_c^T (w r) from A^T G = diag(s) X_c^T G; a constant column (s = 0),
    # centred, is zero
    moving = scale > 0
    AtG = l2 * (scale * W) - last[1][:p, :] if reuse else design.rmatvec(G)[:p, :]
    XtR = xp.where(moving, AtG / xp.where(moving, scale, 1.0), 0.0)
    XtA = XtR - l2 * W  # positive: only its positive part is constrained
    XtA = XtA if objective.l1.positive else abs(XtA)
    quad, Ry, l1_norm, l2_norm, XtR_norm, XtA_max = (
        np.asarray(to_numpy(A), dtype=np.float64)
        for A in (
            total(G * R, axis=0),
            total(G * Y, axis=0),
            total(abs(W), axis=0),
            total(W * W, axis=0),
            total(XtR * XtR, axis=0),
            xp.max(XtA, axis=0) if p else total(XtA, axis=0),
        )
    )
    quad = quad + l2 * l2_norm
    if l1 > 0:
        t = np.where(XtA_max > l1, l1 / np.where(XtA_max > 0, XtA_max, 1.0), 1.0)
        return 0.5 * quad + l1 * l1_norm - (t * Ry - 0.5 * t * t * quad)
    if l2 > 0:
        return quad - 0.5 * l2 * l2_norm - Ry + XtR_norm / (2 * l2)
    return objective.n_samples * XtR_norm


@document
class LassoGD(ElasticNetGD):
    """Lasso by gradient descent, with :class:`~sklearn.linear_model.Lasso`'s ``alpha``.

    .. math::
        f(w, b) = \\frac{1}{2 \\sum_i sw_i} \\sum_i sw_i (y_i - x_i^\\top w - b)^2
                + \\alpha \\lVert w \\rVert_1 .

    The default solver takes orthant-wise Newton steps (see ``solver``). With
    ``solver='accelerated'`` or ``'gd'``, ``l1_method='proximal'`` takes
    proximal gradient steps,
    :math:`w \\leftarrow \\operatorname{sign}(u) \\max(|u| - s\\alpha, 0)` with
    :math:`u = w - s \\nabla` (FISTA, or ISTA with ``'gd'``), and
    ``l1_method='subgradient'`` (which 'auto' runs with 'accelerated') steps
    along the subgradient :math:`\\nabla + \\alpha \\operatorname{sign}(w)` of
    smallest norm and stops a coefficient that would cross zero at zero. All
    give exact zeros.

    Parameters
    ----------
    alpha : float, default=1.0
        L1 strength :math:`\\alpha`.
    l1_method : {'proximal', 'subgradient'}, default='proximal'
        How first-order steps ('accelerated', 'gd') treat the L1 part;
        'subgradient' also makes ``solver='auto'`` take 'accelerated'.
    {positive}
    {common_parameters}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    {common_attributes}

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from gdlearn import LassoGD
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = LassoGD(alpha=0.5).fit(X, y)
    >>> [int(j) for j in (reg.coef_ != 0).nonzero()[0]]  # as sklearn's Lasso(alpha=0.5)
    [2, 3, 6, 8]
    """

    _parameter_constraints = {
        k: v for k, v in ElasticNetGD._parameter_constraints.items() if k != "l1_ratio"
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_method="proximal",
        fit_intercept=True,
        solver="auto",
        learning_rate="auto",
        max_iter=10_000,
        tol=1e-6,
        precondition=True,
        warm_start=False,
        verbose=0,
        eta0="auto",
        power_t=0.5,
        batch_size="auto",
        shuffle=True,
        random_state=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        positive=False,
    ):
        self.alpha = alpha
        self.l1_method = l1_method
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.precondition = precondition
        self.warm_start = warm_start
        self.verbose = verbose
        self.eta0 = eta0
        self.power_t = power_t
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.positive = positive

    def _penalty(self, sw_sum: float) -> L1:
        return L1(self.alpha, positive=self.positive)
