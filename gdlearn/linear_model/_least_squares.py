"""Least squares: :class:`LinearRegressionGD` and :class:`RidgeGD`, and the
regressors' shared target encoding and prediction.
"""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING

import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if

from .._array_api import (
    astype,
    namespace,
)
from .._base import COMMON_CONSTRAINTS, GDMixin
from .._compat import Interval
from .._dask import lazy_on_dask
from .._sgd_fit import sgd_solver
from .._validation import numeric_input
from ..losses import (
    SquaredError,
)
from ..penalties import L2
from ._docs import document

if TYPE_CHECKING:
    from typing import Self

    from numpy.typing import ArrayLike

    from .._typing import Array, MatrixLike


@lazy_on_dask("predict")
class _RegressorGD(GDMixin, RegressorMixin, BaseEstimator):
    """Squared error on 1-D or 2-D targets: ``coef_`` (p,) or (k, p)."""

    _parameter_constraints = dict(COMMON_CONSTRAINTS)

    def _encode_targets(self, y, sample_weight, partial=False):
        if sp.issparse(y):  # n by k numbers: small beside X, and read densely
            y = y.toarray()
        Y = astype(y, sample_weight.dtype)
        if not bool(namespace(Y).all(namespace(Y).isfinite(Y))):
            # y of objects ([1, None]) passes validate_data and becomes NaN only
            # here: scikit-learn's check says so in its words
            with numeric_input("y"):
                check_array(Y, ensure_2d=False, input_name="y")
        Y = namespace(Y).reshape(Y, (y.shape[0], -1))
        return Y, sample_weight, SquaredError(), 0

    def _store_coef(self, W, b, y):
        if y.ndim == 1:
            self.coef_, self.intercept_ = W[:, 0], b[0]
        else:
            self.coef_, self.intercept_ = W.T, b

    @available_if(sgd_solver)
    def partial_fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Self:
        """One epoch of mini-batch steps on ``(X, y)``, from the current model.

        For data that arrives in chunks, with ``solver='sgd'``. The first call
        fixes the coordinates (centring and scaling from its chunk) and the
        learning rate. Each call minimizes the objective of all the data seen
        so far: the L2 penalty of Ridge-like ``alpha`` is divided by the sum
        of the sample weights seen so far, as one fit on all of it would.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._partial_fit(X, y, sample_weight)

    def predict(self, X: MatrixLike) -> Array:
        """Predict ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        return self._decision(X, "predict")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


@document
class LinearRegressionGD(_RegressorGD):
    """Ordinary least squares by gradient descent.

    Minimizes the half mean squared error

    .. math::
        f(w, b) = \\frac{1}{2 \\sum_i sw_i} \\sum_i sw_i (y_i - x_i^\\top w - b)^2,

    whose gradient :math:`\\nabla_w f = X^\\top \\operatorname{diag}(sw)
    (Xw + b - y) / \\sum sw` is :math:`\\frac1m X (h - y)^\\top` with samples
    as columns (:ref:`derivations-squared-error`) and vanishes at the normal
    equations :math:`X^\\top X w = X^\\top y`. The minimizer is that of :class:`sklearn.linear_model.LinearRegression`.

    Parameters
    ----------
    {common_parameters}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients :math:`w`.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept :math:`b`, 0 when ``fit_intercept=False``.
    {common_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from gdlearn import LinearRegressionGD
    >>> X = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 3.0]])
    >>> y = X @ np.array([1.0, 2.0]) + 3.0
    >>> reg = LinearRegressionGD().fit(X, y)
    >>> np.round(reg.coef_, 4), round(float(reg.intercept_), 4)
    (array([1., 2.]), 3.0)
    """

    def __init__(
        self,
        *,
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

    def _penalty(self, sw_sum: float) -> None:
        return None


@document
class RidgeGD(_RegressorGD):
    """Ridge regression by gradient descent, with :class:`~sklearn.linear_model.Ridge`'s ``alpha``.

    scikit-learn's Ridge minimizes :math:`\\sum_i sw_i (y_i - x_i^\\top w - b)^2
    + \\alpha \\lVert w \\rVert^2`. Divided by :math:`2 \\sum_i sw_i` (same
    minimizer), that is

    .. math::
        f(w, b) = \\frac{1}{2 \\sum_i sw_i} \\sum_i sw_i (y_i - x_i^\\top w - b)^2
                + \\frac{\\alpha}{2 \\sum_i sw_i} \\lVert w \\rVert^2,

    with gradient :math:`X^\\top \\operatorname{diag}(sw)(Xw + b - y)/\\sum sw +
    \\alpha w / \\sum sw` (:ref:`derivations-ridge`: MSE plus :math:`\\lambda \\lVert w \\rVert^2`).

    Parameters
    ----------
    alpha : float, default=1.0
        L2 strength, as in Ridge: it is not divided by the number of samples.
    {common_parameters}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    {common_attributes}

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from gdlearn import RidgeGD
    >>> X, y = load_diabetes(return_X_y=True)
    >>> gd, ref = RidgeGD(alpha=0.1).fit(X, y), Ridge(alpha=0.1).fit(X, y)
    >>> bool(abs(gd.coef_ - ref.coef_).max() < 1e-4 * abs(ref.coef_).max())
    True
    """

    _parameter_constraints = {
        **_RegressorGD._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
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

    def _penalty(self, sw_sum: float) -> L2:
        return L2(self.alpha / sw_sum)
