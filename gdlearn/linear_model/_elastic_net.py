"""The L1-penalized regressors: :class:`ElasticNetGD` and :class:`LassoGD`."""

from __future__ import annotations

from numbers import Real

from .._base import L1_CONSTRAINT
from .._compat import Interval
from ..penalties import L1, ElasticNet
from ._docs import document
from ._least_squares import _RegressorGD


@document
class ElasticNetGD(_RegressorGD):
    """Elastic net by gradient descent, with :class:`~sklearn.linear_model.ElasticNet`'s parameters.

    .. math::
        f(w, b) = \\frac{1}{2 \\sum_i sw_i} \\sum_i sw_i (y_i - x_i^\\top w - b)^2
                + \\alpha \\rho \\lVert w \\rVert_1
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

    def _penalty(self, sw_sum: float) -> ElasticNet:
        return ElasticNet(self.alpha, self.l1_ratio)


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

    def _penalty(self, sw_sum: float) -> L1:
        return L1(self.alpha)
