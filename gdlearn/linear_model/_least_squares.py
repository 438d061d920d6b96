"""Least squares: :class:`LinearRegressionGD` and :class:`RidgeGD`, and the
regressors' shared target encoding and prediction.
"""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if

from .._array_api import (
    astype,
    namespace,
    to_numpy,
)
from .._base import COMMON_CONSTRAINTS, GDMixin
from .._compat import Interval, validate_params
from .._dask import lazy_on_dask
from .._sgd_fit import sgd_solver
from .._validation import numeric_input
from ..losses import (
    SquaredError,
)
from ..penalties import L2, ElasticNet
from ._docs import document

if TYPE_CHECKING:
    from typing import Self

    from numpy.typing import ArrayLike

    from .._typing import Array, MatrixLike


@lazy_on_dask("predict")
class _RegressorGD(GDMixin, RegressorMixin, BaseEstimator):
    """Squared error on 1-D or 2-D targets: ``coef_`` (p,) or (k, p)."""

    _parameter_constraints = {**COMMON_CONSTRAINTS, "positive": ["boolean"]}

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
    {positive}
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
        positive=False,
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
        self.positive = positive

    def _penalty(self, sw_sum: float) -> ElasticNet | None:
        return ElasticNet(0.0, 0.0, positive=True) if self.positive else None


@document
class RidgeGD(_RegressorGD):
    """Ridge regression by gradient descent, with :class:`~sklearn.linear_model.Ridge`'s ``alpha``.

    scikit-learn's Ridge minimizes :math:`\\sum_i sw_i (y_i - x_i^\\top w - b)^2
    + \\alpha \\lVert w \\rVert^2`. Divided by :math:`2 \\sum_i sw_i` (same
    minimizer), that is

    .. math::
        f(w, b) &= \\frac{1}{2 \\sum_i sw_i} \\sum_i sw_i (y_i - x_i^\\top w - b)^2 \\\\
                &\\quad + \\frac{\\alpha}{2 \\sum_i sw_i} \\lVert w \\rVert^2,

    with gradient :math:`X^\\top \\operatorname{diag}(sw)(Xw + b - y)/\\sum sw +
    \\alpha w / \\sum sw` (:ref:`derivations-ridge`: MSE plus :math:`\\lambda \\lVert w \\rVert^2`).

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        L2 strength, as in Ridge: it is not divided by the number of samples.
        An array gives each target (column of a 2-D ``y``) its own strength,
        as Ridge takes it; the targets are then separate problems, and
        ``fit`` solves them one after the other, each by a fit with its own
        float ``alpha`` (the same coordinates, solver choice and stopping
        rule as a one-target fit; ``n_targets`` times the passes over ``X``
        of one fit). ``partial_fit`` takes a float only.
    {positive}
    {common_parameters}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    {common_attributes}

    Notes
    -----
    With an array ``alpha``, ``n_iter_`` is an ndarray of shape (n_targets,),
    each target's iterations (as Ridge's); ``loss_curve_`` holds the sum of
    the targets' objectives (the objective of all of them) after each
    iteration, a target that stopped earlier counting with its last value;
    ``solver_`` is the list of the targets' solvers when they differ.

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
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
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
        positive=False,
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
        self.positive = positive

    def _penalty(self, sw_sum: float) -> L2:
        alphas = self._alphas()
        if alphas is not None:
            raise ValueError(
                f"alpha has {alphas.size} values, one per target: fit takes it, "
                "partial_fit takes a float alpha only."
            )
        alpha = self.alpha
        if not isinstance(alpha, Real):  # an array of one value
            alpha = np.ravel(to_numpy(alpha) if hasattr(alpha, "shape") else alpha)[0]
        return L2(float(alpha) / sw_sum, positive=self.positive)

    def _alphas(self):
        """The per-target alphas (float64, checked), or None for one alpha (a
        float, or an array of one value)."""
        if isinstance(self.alpha, Real):
            return None
        alphas = np.asarray(
            to_numpy(self.alpha) if hasattr(self.alpha, "shape") else self.alpha,
            dtype=np.float64,
        )
        if alphas.ndim > 1 or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
            raise ValueError(
                "alpha must be a nonnegative float or a 1-D array of nonnegative "
                f"finite floats, one per target; got an array of shape "
                f"{alphas.shape} with values {alphas.ravel()[:5].tolist()}..."
            )
        return None if alphas.size == 1 else alphas

    def _fit(self, X, y, sample_weight):
        validate_params(self)
        alphas = self._alphas()
        if alphas is None:
            return super()._fit(X, y, sample_weight)
        return self._fit_targets(alphas, X, y, sample_weight)

    def _fit_targets(self, alphas, X, y, sample_weight):
        """Each target of ``y`` fitted with its own ``alpha``: one fit each."""
        Y = (
            y.toarray()
            if sp.issparse(y)
            else y
            if hasattr(y, "shape")
            else np.asarray(y)
        )
        k = Y.shape[1] if Y.ndim == 2 else 1
        if Y.ndim != 2 or k != alphas.size:
            raise ValueError(
                f"alpha has {alphas.size} values, one per target, but y has {k} "
                f"target(s) (shape {tuple(Y.shape)}): give a float, or one alpha "
                "per column of y."
            )
        previous = getattr(self, "coef_", None)
        warm = self.warm_start and previous is not None and previous.shape[0] == k
        fits = []
        for c in range(k):
            fit = clone(self).set_params(alpha=float(alphas[c]))
            if warm:
                fit.coef_, fit.intercept_ = self.coef_[c], self.intercept_[c]
            column = Y.iloc[:, c] if hasattr(Y, "iloc") else Y[:, c]
            fits.append(fit.fit(X, column, sample_weight))
        xp = namespace(fits[0].coef_)
        self.coef_ = xp.stack([fit.coef_ for fit in fits])
        self.intercept_ = xp.stack([xp.asarray(fit.intercept_) for fit in fits])
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(fits[0], name):
                setattr(self, name, getattr(fits[0], name))
        self.n_iter_ = np.array([fit.n_iter_ for fit in fits])
        solvers = [fit.solver_ for fit in fits]
        self.solver_ = solvers[0] if len(set(solvers)) == 1 else solvers
        curves = [fit.loss_curve_ for fit in fits]
        length = max(len(curve) for curve in curves)
        self.loss_curve_ = [
            sum(curve[min(i, len(curve) - 1)] for curve in curves if curve)
            for i in range(length)
        ]
        self.__dict__.pop("_sgd_state", None)
        return self
