"""The five gdlearn estimators.

Each one states its objective, maps its scikit-learn parameters onto the
objective of :mod:`gdlearn._objective` (data term divided by
:math:`\\sum_i sw_i`, penalties in the same units) and encodes its targets;
the fit loop is :class:`gdlearn._base.GDMixin`.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_array
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._array_api import (
    arange,
    asarray,
    astype,
    column_stack,
    expit,
    follow,
    log_expit,
    namespace,
    to_numpy,
)
from ._base import COMMON_CONSTRAINTS, L1_CONSTRAINT, GDMixin
from ._compat import Interval, StrOptions
from ._sgd_fit import sgd_solver
from ._validation import ACCEPT_SPARSE, dtypes, numeric_input
from .losses import (
    BinaryCrossEntropy,
    MultinomialCrossEntropy,
    SquaredError,
    log_softmax,
    softmax,
)
from .penalties import L1, L2, ElasticNet

__all__ = [
    "ElasticNetGD",
    "LassoGD",
    "LinearRegressionGD",
    "LogisticRegressionGD",
    "RidgeGD",
]

_COMMON_PARAMETERS = """\
    fit_intercept : bool, default=True
        Fit an unpenalized intercept. Without one the data is used as it is.
    solver : {'auto', 'newton', 'lbfgs', 'accelerated', 'gd', 'sgd'}, default='auto'
        'newton': gradient steps preconditioned by the curvature,
        ``v <- v - t P^-1 grad`` with ``P`` the Hessian of the smooth part
        (exact for least squares, estimated on a subsample of at most 20,000
        rows for cross-entropy and recomputed only when progress slows) and
        ``t`` by backtracking from 1. With an L1 penalty the steps are
        orthant-wise: the minimum-norm subgradient in the same metric, on
        the coefficients free to move, a coefficient that would cross zero
        stopping at zero (``l1_method`` does not apply). Fastest for up to
        about a thousand unknowns.
        'lbfgs': gradient steps shaped by the last 10 changes of the gradient
        (limited-memory BFGS), with backtracking from a unit step; one
        product with ``X`` and one with ``X.T`` per iteration and no matrix to
        factor, for many features or sparse ``X``. Smooth objectives only (no
        L1 penalty) and ``learning_rate='auto'``.
        'accelerated': Nesterov momentum (FISTA with L1) with adaptive restart,
        one product with ``X`` and one with ``X.T`` per iteration; for many
        features and sparse ``X``.
        'gd': plain gradient descent, the textbook update
        ``w <- w - learning_rate * grad``.
        'sgd': mini-batch stochastic gradient descent, ``batch_size`` samples
        per step, with the rate of ``learning_rate``; ``max_iter`` and
        ``n_iter_`` count epochs, and ``partial_fit`` streams (see
        :mod:`gdlearn.solvers.sgd`). Never chosen by 'auto'.
        'auto', with ``learning_rate='auto'``: 'newton' up to 1,000 unknowns
        (features + 1, times classes for multinomial) unless
        ``l1_method='subgradient'`` asks for subgradient steps, 'lbfgs'
        beyond that without an L1 penalty, else 'accelerated'; with a
        constant ``learning_rate``, 'accelerated'. For cross-entropy,
        whose curvature Newton's method must recompute, 'auto' takes
        'lbfgs' also below 1,000 unknowns where the recomputations would
        cost more than 15 L-BFGS iterations (many features on up to a few
        tens of thousands of rows), and hands the fit over to 'newton' if
        L-BFGS then progresses too slowly (strongly correlated features).
    learning_rate : {'auto', 'constant', 'invscaling', 'adaptive'} or float, \
default='auto'
        'auto' finds the step by backtracking (halving until the objective
        sits under its quadratic model); it never diverges. A float is a
        constant step in the optimizer's coordinates (see ``precondition``);
        one so large that the objective blows up raises a ValueError.
        With ``solver='sgd'``, 'auto' is the rate ``eta0 / sqrt(1 + epochs)``
        with each epoch ending at the average of its iterates, and the
        schedules of scikit-learn's SGD estimators are there too, on plain
        iterates: 'constant' (``eta0``), 'invscaling'
        (``eta0 / (1 + epochs) ** power_t``) and 'adaptive' (``eta0``, divided
        by 5 each time the objective has not improved for
        ``n_iter_no_change`` epochs).
    max_iter : int, default=10000
        Maximum number of iterations (each reads X about twice).
    tol : float, default=1e-6
        Stop when the gradient mapping, ``(v - v_new) / step`` in the
        optimizer's coordinates ('newton': the gradient, or with L1 the
        minimum-norm subgradient), has max-norm at most ``tol`` times the
        larger of the gradient's max-norm at zero coefficients and
        ``5 sqrt(|f|)``, ``f`` the objective per unit of sample weight. With
        L1 both are zero exactly at a minimum. The default stops within
        1.4e-8 (relative) of the minimum on every benchmark problem. For
        float32 data the threshold is at least 3.6e-5 times the gradient at
        zero, what rounding allows: expect float32 fits to agree with float64
        ones to about 1e-3 on standardized data and 1e-2 on raw data.
    precondition : bool, default=True
        Walk in centred, per-feature scaled coordinates ``w_j = s_j v_j``
        with :math:`s_j = (c\\,\\mathrm{var}_j + \\lambda_2)^{-1/2}`, so that
        unscaled data needs no tuning. It changes the path, not the
        solution. False gives textbook gradient descent on ``(w, b)``.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_`` instead of zero.
    verbose : int, default=0
        Print iteration, objective, gradient-mapping norm, step and time at
        iterations 1, 2, 5, 10, 20, ... (every iteration if > 1).
    eta0 : 'auto' or float, default='auto'
        Initial rate of the ``solver='sgd'`` schedules. 'auto' takes
        :math:`1 / L_B`, the expected smoothness of a mini-batch (the
        curvature of the objective and of its heaviest sample), and divides
        it by 4 after an epoch that blows the objective up; a float that does
        so raises a ValueError. Only used by 'sgd'.
    power_t : float, default=0.5
        Exponent of ``learning_rate='invscaling'``. Only used by 'sgd'.
    batch_size : int or 'auto', default='auto'
        Samples per 'sgd' step; 'auto' is ``min(256, max(1, n_samples // 64))``.
    shuffle : bool, default=True
        Draw each epoch's mini-batches in a new random order ('sgd').
    random_state : int, RandomState instance or None, default=None
        Seeds the 'sgd' shuffling and the ``early_stopping`` split.
    early_stopping : bool, default=False
        With 'sgd': hold out ``validation_fraction`` of the samples
        (stratified for a classifier), monitor the loss on them instead of
        the objective, and keep the coefficients of the epoch where it was
        lowest.
    validation_fraction : float in (0, 1), default=0.1
        The share of samples ``early_stopping`` holds out.
    n_iter_no_change : int, default=5
        'sgd' stops (without a ConvergenceWarning, as scikit-learn's SGD
        estimators do) when the objective, or the held-out loss, has not
        improved for this many epochs and the schedule has no smaller rate
        to try; the coefficients are then those of the best epoch.
"""

_COMMON_ATTRIBUTES = """\
    n_iter_ : int
        Number of iterations run.
    loss_curve_ : list of float of length n_iter_
        The objective above after each iteration (Python floats, whatever
        array library ``X`` came from).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X has string column names.
"""


def _document(cls):
    """Put the parameters and attributes all estimators share into ``cls.__doc__``."""
    cls.__doc__ = cls.__doc__.replace(
        "    {common_parameters}", _COMMON_PARAMETERS.rstrip("\n")
    ).replace("    {common_attributes}", _COMMON_ATTRIBUTES.rstrip("\n"))
    return cls


class _RegressorGD(GDMixin, RegressorMixin, BaseEstimator):
    """Squared error on 1-D or 2-D targets: ``coef_`` (p,) or (k, p)."""

    _parameter_constraints = dict(COMMON_CONSTRAINTS)

    def _encode_targets(self, y, sample_weight, partial=False):
        Y = astype(y, sample_weight.dtype)
        if not bool(namespace(Y).all(namespace(Y).isfinite(Y))):
            # y of objects ([1, None]) passes validate_data and becomes NaN only
            # here: scikit-learn's check says so in its words
            with numeric_input("y"):
                check_array(Y, ensure_2d=False, input_name="y")
        Y = namespace(Y).reshape(Y, (y.shape[0], -1))
        return Y, sample_weight, SquaredError()

    def _store_coef(self, W, b, y):
        if y.ndim == 1:
            self.coef_, self.intercept_ = W[:, 0], b[0]
        else:
            self.coef_, self.intercept_ = W.T, b

    @available_if(sgd_solver)
    def partial_fit(self, X, y, sample_weight=None):
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

    def predict(self, X):
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


@_document
class LinearRegressionGD(_RegressorGD):
    """Ordinary least squares by gradient descent.

    Minimizes the half mean squared error

    .. math::
        f(w, b) = \\frac{1}{2 \\sum_i sw_i} \\sum_i sw_i (y_i - x_i^\\top w - b)^2,

    whose gradient :math:`\\nabla_w f = X^\\top \\operatorname{diag}(sw)
    (Xw + b - y) / \\sum sw` is seed 004's :math:`\\frac1m X (h - y)^\\top`
    and vanishes at the normal equations :math:`X^\\top X w = X^\\top y`
    (seed 001). The minimizer is that of :class:`sklearn.linear_model.LinearRegression`.

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

    def _penalty(self, sw_sum):
        return None


@_document
class RidgeGD(_RegressorGD):
    """Ridge regression by gradient descent, with :class:`~sklearn.linear_model.Ridge`'s ``alpha``.

    scikit-learn's Ridge minimizes :math:`\\sum_i sw_i (y_i - x_i^\\top w - b)^2
    + \\alpha \\lVert w \\rVert^2`. Divided by :math:`2 \\sum_i sw_i` (same
    minimizer), that is

    .. math::
        f(w, b) = \\frac{1}{2 \\sum_i sw_i} \\sum_i sw_i (y_i - x_i^\\top w - b)^2
                + \\frac{\\alpha}{2 \\sum_i sw_i} \\lVert w \\rVert^2,

    with gradient :math:`X^\\top \\operatorname{diag}(sw)(Xw + b - y)/\\sum sw +
    \\alpha w / \\sum sw` (seed 001: MSE plus :math:`\\lambda \\lVert w \\rVert^2`).

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

    def _penalty(self, sw_sum):
        return L2(self.alpha / sw_sum)


@_document
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

    def _penalty(self, sw_sum):
        return ElasticNet(self.alpha, self.l1_ratio)


@_document
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

    def _penalty(self, sw_sum):
        return L1(self.alpha)


@_document
class LogisticRegressionGD(GDMixin, ClassifierMixin, BaseEstimator):
    """Logistic regression by gradient descent, with :class:`~sklearn.linear_model.LogisticRegression`'s ``C`` and ``l1_ratio``.

    scikit-learn (>= 1.8) minimizes :math:`C \\sum_i sw_i \\ell_i +
    \\rho \\lVert W \\rVert_1 + \\frac{1 - \\rho}{2} \\lVert W \\rVert_2^2`.
    Divided by :math:`C \\sum_i sw_i` (same minimizer), that is

    .. math::
        f(W, b) = \\frac{1}{\\sum_i sw_i} \\sum_i sw_i\\, \\ell(y_i, z_i)
                + \\frac{\\rho}{C \\sum_i sw_i} \\lVert W \\rVert_1
                + \\frac{1 - \\rho}{2 C \\sum_i sw_i} \\lVert W \\rVert_2^2,
        \\qquad z_i = W x_i + b .

    With two classes :math:`\\ell` is the sigmoid cross-entropy and ``coef_``
    has one row; its gradient is seed 004's :math:`\\frac1m X (a - y)^\\top`.
    With ``K > 2`` classes it is the softmax cross-entropy
    :math:`\\operatorname{lse}(z) - z_{y}` with gradient :math:`X^\\top (P - Y)`
    (softmax as the gradient of log-sum-exp, seed 001) and ``coef_`` has
    ``K`` rows. ``class_weight`` multiplies ``sample_weight``.

    Parameters
    ----------
    C : float, default=1.0
        Inverse penalty strength; ``np.inf`` fits without penalty.
    l1_ratio : float in [0, 1], default=0.0
        Elastic-net mixing :math:`\\rho`: 0 is L2, 1 is L1.
    class_weight : dict or 'balanced', default=None
        Weights per class, multiplying ``sample_weight``; 'balanced' uses
        ``sum(sw) / (n_classes * sum of sw in the class)``.
    l1_method : {'proximal', 'subgradient'}, default='proximal'
        How first-order steps ('accelerated', 'gd') treat the L1 part when
        ``l1_ratio > 0``; 'subgradient' also makes ``solver='auto'`` take
        'accelerated'.
    {common_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    {common_attributes}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from gdlearn import LogisticRegressionGD
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegressionGD().fit(X, y)
    >>> clf.coef_.shape, round(clf.score(X, y), 2)
    ((3, 4), 0.97)
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        **L1_CONSTRAINT,
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        C=1.0,
        *,
        l1_ratio=0.0,
        class_weight=None,
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
        self.C = C
        self.l1_ratio = l1_ratio
        self.class_weight = class_weight
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

    @available_if(sgd_solver)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of mini-batch steps on ``(X, y)``, from the current model.

        For data that arrives in chunks, with ``solver='sgd'``; see
        :meth:`RidgeGD.partial_fit`. The penalty ``1 / C`` is divided by the
        sum of the sample weights seen so far.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All the classes the stream can hold. Required on the first call
            (a chunk need not contain every class), ignored if equal after.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs the class counts of all the data, "
                "which partial_fit does not see: pass class_weight as a dict, "
                "or use fit."
            )
        if classes is not None:
            classes = np.unique(to_numpy(np.asarray(classes)))
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            if classes.shape[0] < 2:
                raise ValueError(
                    f"classes must hold at least 2 classes, got {classes.tolist()!r}."
                )
            self.classes_ = classes
        elif classes is not None and not np.array_equal(
            classes, to_numpy(self.classes_)
        ):
            raise ValueError(
                f"classes={classes.tolist()!r} is not the same as on the first call "
                f"to partial_fit: {to_numpy(self.classes_).tolist()!r}."
            )
        return self._partial_fit(X, y, sample_weight)

    def _validate_fit_data(self, X, y, reset=True):
        with numeric_input("X"):
            X, y = validate_data(
                self,
                X,
                y,
                reset=reset,
                accept_sparse=ACCEPT_SPARSE,
                dtype=dtypes(X),
                multi_output=False,
            )
        check_classification_targets(y)
        return X, y

    def _encode_targets(self, y, sample_weight, partial=False):
        xp = namespace(y)
        if partial:  # the classes were given on the first call
            classes, labels = to_numpy(self.classes_), to_numpy(y)
            y_index = np.searchsorted(classes, labels).clip(0, classes.shape[0] - 1)
            unknown = classes[y_index] != labels
            if unknown.any():
                raise ValueError(
                    f"y holds labels {np.unique(labels[unknown]).tolist()!r} that are "
                    f"not in classes {classes.tolist()!r}."
                )
            y_index = asarray(
                y_index, like=sample_weight, dtype=namespace(sample_weight).int64
            )
        elif xp is np:
            self.classes_, y_index = np.unique(y, return_inverse=True)
        else:
            self.classes_, y_index = xp.unique_inverse(y)
        n_classes = self.classes_.shape[0]
        if n_classes < 2:
            raise ValueError(
                "LogisticRegressionGD needs samples of at least 2 classes in the "
                "data, but the data contains only one class: "
                f"{to_numpy(self.classes_)[0].item()!r}."
            )
        # the targets in X's namespace, where the weights already are
        y_index = follow(y_index, sample_weight)
        if self.class_weight is not None:
            class_weight = compute_class_weight(
                self.class_weight,
                classes=to_numpy(self.classes_),
                y=to_numpy(y),
                sample_weight=to_numpy(sample_weight),
            )
            class_weight = asarray(class_weight, like=sample_weight)
            sample_weight = sample_weight * namespace(sample_weight).take(
                class_weight, y_index, axis=0
            )
        dtype = sample_weight.dtype
        if n_classes == 2:
            return astype(y_index[:, None], dtype), sample_weight, BinaryCrossEntropy()
        # one-hot, each class's column contiguous (the layout Objective works in)
        Y = astype(
            (arange(n_classes, like=y_index)[:, None] == y_index[None, :]).T, dtype
        )
        return Y, sample_weight, MultinomialCrossEntropy()

    def _penalty(self, sw_sum):
        if math.isinf(self.C):
            return None
        return ElasticNet(1.0 / (self.C * sw_sum), self.l1_ratio)

    def _store_coef(self, W, b, y):
        self.coef_, self.intercept_ = W.T, b

    def decision_function(self, X):
        """Raw predictions ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) for two classes (the logit of
            ``classes_[1]``), else (n_samples, n_classes).
        """
        return self._logits(X, "decision_function")

    def _logits(self, X, method):
        """:meth:`decision_function` for ``method`` (named if ``X`` is refused)."""
        Z = self._decision(X, method)
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict(self, X):
        """Predict the most probable class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,), taken from ``classes_``
        """
        Z = self._logits(X, "predict")
        xp = namespace(Z)
        index = astype(Z > 0, xp.int64) if Z.ndim == 1 else xp.argmax(Z, axis=1)
        index = follow(index, self.classes_)  # labels may be NumPy strings
        if namespace(index) is np:
            return self.classes_[index]
        return namespace(index).take(self.classes_, index, axis=0)

    def predict_proba(self, X):
        """Class probabilities: sigmoid of the logit, or softmax.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), rows summing to 1
        """
        Z = self._logits(X, "predict_proba")
        if Z.ndim == 1:
            return column_stack([expit(-Z), expit(Z)])
        return softmax(Z)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        Z = self._logits(X, "predict_log_proba")
        if Z.ndim == 1:
            return column_stack([log_expit(-Z), log_expit(Z)])
        return log_softmax(Z)
