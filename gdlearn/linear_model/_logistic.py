"""Logistic regression, binary (sigmoid) and multinomial (softmax)."""

from __future__ import annotations

import math
from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .._array_api import (
    arange,
    asarray,
    astype,
    follow,
    namespace,
    to_numpy,
)
from .._base import COMMON_CONSTRAINTS, L1_CONSTRAINT, GDMixin
from .._compat import Interval, StrOptions
from .._dask import lazy_on_dask
from .._sgd_fit import sgd_solver
from .._validation import (
    ACCEPT_SPARSE,
    check_class_weight,
    dtypes,
    numeric_input,
    rescale,
    unchanged_on_failure,
)
from ..losses import (
    BinaryCrossEntropy,
    MultinomialCrossEntropy,
)
from ..penalties import ElasticNet
from ._docs import document

if TYPE_CHECKING:
    from typing import Self

    from numpy.typing import ArrayLike

    from .._typing import Array, MatrixLike


@lazy_on_dask("decision_function", "predict", "predict_proba", "predict_log_proba")
@document
class LogisticRegressionGD(GDMixin, ClassifierMixin, BaseEstimator):
    """Logistic regression by gradient descent, with :class:`~sklearn.linear_model.LogisticRegression`'s ``C`` and ``l1_ratio``.

    scikit-learn (>= 1.8) minimizes :math:`C \\sum_i sw_i \\ell_i +
    \\rho \\lVert W \\rVert_1 + \\frac{1 - \\rho}{2} \\lVert W \\rVert_2^2`.
    Divided by :math:`C \\sum_i sw_i` (same minimizer), that is

    .. math::
        f(W, b) &= \\frac{1}{\\sum_i sw_i} \\sum_i sw_i\\, \\ell(y_i, z_i) \\\\
                &\\quad + \\frac{\\rho \\lVert W \\rVert_1}{C \\sum_i sw_i}
                + \\frac{(1 - \\rho) \\lVert W \\rVert_2^2}{2 C \\sum_i sw_i}

    with :math:`z_i = W x_i + b`.

    With two classes :math:`\\ell` is the sigmoid cross-entropy and ``coef_``
    has one row; its gradient is :math:`\\frac1m X (a - y)^\\top` in the row convention
    of :ref:`derivations-sigmoid`.
    With ``K > 2`` classes it is the softmax cross-entropy
    :math:`\\operatorname{lse}(z) - z_{y}` with gradient
    :math:`X^\\top \\operatorname{diag}(sw) (P - Y) / \\sum sw`
    (softmax as the gradient of log-sum-exp, :ref:`derivations-softmax`) and ``coef_`` has
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
    def partial_fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> Self:
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
        with unchanged_on_failure(self):  # classes_ too
            return self._partial_fit_classes(X, y, classes, sample_weight)

    def _partial_fit_classes(self, X, y, classes, sample_weight):
        """:meth:`partial_fit`, which restores the estimator if this raises."""
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs the class counts of all the data, "
                "which partial_fit does not see: pass class_weight as a dict, "
                "or use fit."
            )
        known = to_numpy(self.classes_) if hasattr(self, "classes_") else None
        self.classes_ = stream_classes(classes, known)
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
        exponent = 0
        if self.class_weight is not None:
            sample_weight, exponent = self._weigh_classes(y, y_index, sample_weight)
        dtype = sample_weight.dtype
        if n_classes == 2:
            Y = astype(y_index[:, None], dtype)
            return Y, sample_weight, self._loss(), exponent
        # one-hot, each class's column contiguous (the layout Objective works in)
        Y = astype(
            (arange(n_classes, like=y_index)[:, None] == y_index[None, :]).T, dtype
        )
        return Y, sample_weight, self._loss(), exponent

    def _weigh_classes(self, y, y_index, sample_weight):
        """``sample_weight`` times each sample's class weight (see
        :func:`weigh_classes`)."""
        return weigh_classes(
            self.class_weight, to_numpy(self.classes_), y, y_index, sample_weight
        )

    def _penalty(self, sw_sum: float) -> ElasticNet | None:
        if math.isinf(self.C):
            return None
        return ElasticNet(1.0 / (self.C * sw_sum), self.l1_ratio)

    def _store_coef(self, W, b, y):
        self.coef_, self.intercept_ = W.T, b

    def decision_function(self, X: MatrixLike) -> Array:
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

    def _logits(self, X: MatrixLike, method: str) -> Array:
        """:meth:`decision_function` for ``method`` (named if ``X`` is refused)."""
        Z = self._decision(X, method)
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict(self, X: MatrixLike) -> Array:
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

    def predict_proba(self, X: MatrixLike) -> Array:
        """Class probabilities: the loss's inverse link (sigmoid or softmax) of
        the raw predictions.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), rows summing to 1
        """
        Z = self._decision(X, "predict_proba")  # checks that self is fitted
        return self._loss().probabilities(Z)

    def predict_log_proba(self, X: MatrixLike) -> Array:
        """Log of :meth:`predict_proba`, computed stably from the raw predictions.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        Z = self._decision(X, "predict_log_proba")
        return self._loss().log_probabilities(Z)

    def _loss(self) -> BinaryCrossEntropy | MultinomialCrossEntropy:
        """The loss the fit minimized, known from the number of classes."""
        if self.classes_.shape[0] == 2:
            return BinaryCrossEntropy()
        return MultinomialCrossEntropy()


def weigh_classes(class_weight, classes, y, y_index, sample_weight):
    """``sample_weight`` times each sample's class weight, divided by a
    power of two where the class weights would overflow (their exponent
    returned beside; see :func:`gdlearn._validation.rescale`)."""
    dtype = to_numpy(sample_weight[:0]).dtype  # the weights' float, in NumPy
    weights, exponent = class_weights(
        class_weight, classes, to_numpy(y), to_numpy(sample_weight), dtype
    )
    weights = asarray(weights, like=sample_weight)
    xp = namespace(sample_weight)
    return sample_weight * xp.take(weights, y_index, axis=0), exponent


def class_weights(class_weight, classes, y, sample_weight, dtype):
    """``(weights, exponent)``: each class's weight (NumPy) divided by
    ``2**exponent``, where they would overflow ``dtype``; a ``class_weight``
    that gives no class a weight, or 'balanced' beside a class of zero
    weight, refused by name."""
    check_class_weight(class_weight)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = compute_class_weight(
            class_weight,
            classes=classes,
            y=y,
            sample_weight=sample_weight,
        )
    if not np.all(np.isfinite(weights)):
        empty = classes[~np.isfinite(weights)].tolist()
        raise ValueError(
            f"class_weight='balanced' divides by each class's sum of "
            f"sample_weight, and class(es) {empty!r} have a sum of 0."
        )
    if not weights.max() > 0:
        raise ValueError(
            f"class_weight={class_weight!r} gives every class a weight "
            "of 0: at least one class weight must be positive."
        )
    return rescale(weights, "class_weight", dtype)


def stream_classes(classes, known):
    """The classes of a stream: ``classes`` sorted, required on the first call
    (``known`` None) and equal to ``known`` on later ones where given."""
    if classes is not None:
        classes = np.unique(to_numpy(np.asarray(classes)))
    if known is None:
        if classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes.shape[0] < 2:
            raise ValueError(
                f"classes must hold at least 2 classes, got {classes.tolist()!r}."
            )
        return classes
    if classes is not None and not np.array_equal(classes, known):
        raise ValueError(
            f"classes={classes.tolist()!r} is not the same as on the first call "
            f"to partial_fit: {known.tolist()!r}."
        )
    return known
