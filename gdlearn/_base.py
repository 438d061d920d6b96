"""The fit template shared by every gdlearn estimator.

An estimator says which loss it minimizes, how its parameters (``alpha``,
``C``, ``l1_ratio``) map onto the penalty of :class:`~gdlearn._objective.Objective`,
and how targets are encoded; :class:`GDMixin` does the rest in four phases:
setup (validation, objective), optimize, check convergence, finalize
(``coef_``, ``intercept_``, ``n_iter_``, ``loss_curve_``).
"""

from __future__ import annotations

import copy
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import __version__
from ._array_api import (
    asarray,
    astype,
    max_abs,
    namespace,
    to_numpy,
    zeros,
)
from ._compat import (
    Interval,
    StrOptions,
    check_same_namespace,
    get_namespace_and_device,
    is_array_api_obj,
    move_to,
    validate_params,
)
from ._objective import Objective
from .solvers import (
    SOLVERS,
    Backtracking,
    ConstantStep,
    auto_solver,
    check_solver,
    proximal_step,
    subgradient_step,
)
from .solvers._template import divergence_error
from .solvers.lbfgs import LBFGS
from .solvers.newton import Newton
from .solvers.schedules import SCHEDULES, Constant, InvScaling
from .solvers.sgd import SGD, auto_learning_rate, curvature_metric, sgd_epoch

L1_METHODS = {"proximal": proximal_step, "subgradient": subgradient_step}
#: solver='sgd' steps in the metric of the curvature bound up to this many
#: unknowns (features + intercept): the bound then factors in milliseconds.
METRIC_MAX_UNKNOWNS = 1000


ACCEPT_SPARSE = ("csr", "csc")

COMMON_CONSTRAINTS = {
    "fit_intercept": ["boolean"],
    "solver": [StrOptions({"auto", *SOLVERS})],
    "learning_rate": [
        StrOptions(set(SCHEDULES)),
        Interval(Real, 0, None, closed="neither"),
    ],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "precondition": ["boolean"],
    "warm_start": ["boolean"],
    "verbose": ["verbose"],
    "eta0": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
}
# 'auto' batches: this many samples, or 1/64 of the data when that is fewer
BATCH_SIZE = 256
L1_CONSTRAINT = {"l1_method": [StrOptions(set(L1_METHODS))]}


def dtypes(X):
    """The float dtypes fit and predict accept, in ``X``'s namespace."""
    if not get_config()["array_api_dispatch"]:
        return [np.float64, np.float32]
    xp, _, _ = get_namespace_and_device(X)
    return [xp.float64, xp.float32]


def follow_X(A, X):
    """``y`` or ``sample_weight`` moved to ``X``'s array namespace and device.

    With ``array_api_dispatch`` on, everything follows ``X``, as in
    scikit-learn's own estimators: a NumPy ``y`` beside a PyTorch ``X`` is
    moved to ``X``'s device (and the reverse). Labels that are not numbers
    (strings) stay NumPy arrays, and lists, scalars and data frames are left
    to validation.
    """
    if A is None or not get_config()["array_api_dispatch"] or not is_array_api_obj(A):
        return A
    xp, is_array_api, device_ = get_namespace_and_device(X)
    if not is_array_api:
        return A
    if isinstance(A, np.ndarray) and A.dtype.kind not in "biuf":
        return A
    return move_to(A, xp=xp, device=device_)


def check_sample_weight(sample_weight, X):
    """``sample_weight`` as a finite, nonnegative 1-D array with a positive sum,
    of ``X``'s dtype, namespace and device.

    ``None`` means unit weights; a number means that weight for every sample.
    The array returned is a new one: the caller's is never modified.
    """
    n_samples = X.shape[0]
    if sample_weight is None:
        return zeros((n_samples,), like=X) + 1
    if isinstance(sample_weight, Real):
        sample_weight = zeros((n_samples,), like=X) + sample_weight
    sample_weight = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=X.dtype,
        copy=True,
        input_name="sample_weight",
    )
    if tuple(sample_weight.shape) != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {tuple(sample_weight.shape)}, expected "
            f"({n_samples},)."
        )
    xp = namespace(sample_weight)
    if xp.any(sample_weight < 0):
        raise ValueError("Negative values in data passed to sample_weight.")
    if not float(xp.sum(sample_weight)) > 0:
        raise ValueError(
            "All sample_weight values are zero: their sum must be positive."
        )
    return sample_weight


def _check_magnitude(A, name):
    """Refuse values whose squares, summed over the samples, overflow the dtype."""
    largest = max_abs(A)
    limit = 1e-3 * np.sqrt(float(namespace(A).finfo(A.dtype).max) / max(A.shape[0], 1))
    if largest > limit:
        raise ValueError(
            f"{name} has values up to {largest:.3g}, too large for {A.dtype} "
            f"arithmetic on their squares (the limit for {A.shape[0]} samples is "
            f"{limit:.3g}). Scale {name} down before fitting."
        )


@contextmanager
def _numeric(names):
    """Name the input when numpy cannot convert it to numbers (strings in X)."""
    try:
        yield
    except ValueError as error:
        if str(error).startswith("could not convert"):
            raise ValueError(f"{names} must be numeric: {error}") from error
        raise


class InconsistentVersionWarning(UserWarning):
    """A fitted gdlearn estimator is loaded under another gdlearn version than
    the one that saved it; ``original_version`` names that version."""

    def __init__(self, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version

    def __str__(self):
        return (
            f"{self.estimator_name} was saved by gdlearn {self.original_version} and "
            f"is loaded by gdlearn {self.current_version}: it may not work the same. "
            "Refit it, or load it under the version that saved it."
        )


def sgd_solver(estimator):
    """Whether ``estimator`` streams (``partial_fit``): with ``solver='sgd'`` only."""
    if estimator.solver != "sgd":
        raise AttributeError(
            f"partial_fit needs solver='sgd', not solver={estimator.solver!r}."
        )
    return True


class GDMixin:
    """Fit by gradient descent; subclasses give the model, this gives the loop.

    A subclass defines ``_encode_targets(y, sample_weight)`` returning
    ``(Y, sample_weight, loss)`` and ``_penalty(sw_sum)`` returning an
    :class:`~gdlearn.penalties.ElasticNet` in the objective's units, and
    ``_store_coef(W, b, y)`` setting ``coef_`` and ``intercept_`` in the
    shapes its scikit-learn counterpart uses for targets ``y``.
    """

    def fit(self, X, y, sample_weight=None):
        """Fit the model by gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse CSR/CSC input is used as it is, never densified.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Nonnegative weights; a weight of 2 counts a sample twice.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        # setup: parameters first, then the data
        validate_params(self)
        l1 = (penalty := self._penalty(1.0)) is not None and penalty.l1 > 0
        check_solver(self.solver, l1=l1, learning_rate=self.learning_rate)
        X, y, sample_weight, Y, loss = self._prepare(X, y, sample_weight, reset=True)
        xp = namespace(Y)
        rows, held_out = None, None
        if self.solver == "sgd" and self.early_stopping:
            rows, sample_weight, held_out = self._hold_out(y, sample_weight)
        sw_sum = float(xp.sum(sample_weight, dtype=xp.float64))
        objective = self._objective(X, Y, sample_weight, loss, sw_sum)
        del sample_weight  # the objective holds them normalized
        V0 = self._initial_params(objective)
        self.__dict__.pop("_sgd_state", None)
        name, newton_cost = self.solver, None
        if name == "auto":
            name, newton_cost = auto_solver(
                objective,
                learning_rate=self.learning_rate,
                l1_method=getattr(self, "l1_method", "proximal"),
            )
        if name == "sgd":
            setup = self._sgd_setup(objective, rows)
            validation = None
            if held_out is not None:  # the same X, weights on the held-out rows only
                validation = Objective(
                    X,
                    Y,
                    held_out,
                    loss,
                    fit_intercept=self.fit_intercept,
                    coordinates=objective.coordinates,
                )
            solver = SGD(
                shuffle=self.shuffle,
                random_state=self.random_state,
                l1_step=L1_METHODS[getattr(self, "l1_method", "proximal")],
                n_iter_no_change=self.n_iter_no_change,
                rows=rows,
                validation=validation,
                **setup,
            )
        else:
            solver = self._solver(name, newton_cost)
        # optimize
        result = solver.solve(
            objective, V0, max_iter=self.max_iter, tol=self.tol, verbose=self.verbose
        )
        if name == "sgd":
            self._sgd_state = dict(
                setup, coordinates=objective.coordinates, sw_seen=sw_sum, backoff=False
            )
        # check convergence
        if not result.converged:
            warnings.warn(
                f"{type(self).__name__} {result.message}.",
                ConvergenceWarning,
                stacklevel=2,
            )
        # finalize
        self._finalize(objective, result.params, y)
        self.n_iter_, self.solver_ = result.n_iter, name
        # Python floats on the host, like MLPRegressor's: the history is read
        # from the device scalar by scalar anyway, and plots and prints use it there
        self.loss_curve_ = [float(value) for value in result.loss_curve]
        return self

    def _partial_fit(self, X, y, sample_weight):
        """One epoch of ``solver='sgd'`` on ``(X, y)``, from the current model.

        The first call fixes the coordinates (the preconditioning of its
        chunk) and the learning rate; each call then minimizes the objective
        of all the data seen so far, whose penalty is scaled by the sum of
        the sample weights seen so far.
        """
        validate_params(self)
        first = not hasattr(self, "coef_")
        X, y, sample_weight, Y, loss = self._prepare(
            X, y, sample_weight, reset=first, partial=True
        )
        xp = namespace(Y)
        state = None if first else getattr(self, "_sgd_state", None)
        sw_seen = float(xp.sum(sample_weight, dtype=xp.float64))
        sw_seen += state["sw_seen"] if state else 0.0
        objective = self._objective(
            X, Y, sample_weight, loss, sw_seen, state and state["coordinates"]
        )
        setup = dict(state) if state else self._sgd_setup(objective, None)
        schedule = setup["schedule"].streaming()
        batch_size, backoff, metric = (
            setup["batch_size"],
            setup["backoff"],
            setup["metric"],
        )
        V = objective.zeros() if first else self._previous_params(objective)
        if V is None:
            raise ValueError(
                f"{type(self).__name__}.partial_fit got y with {Y.shape[1]} "
                f"target(s), but the model was fitted on "
                f"{1 if self.coef_.ndim < 2 else self.coef_.shape[0]}."
            )
        f_start = objective.value(V)
        rng = check_random_state(self.random_state) if self.shuffle else None
        l1_step = L1_METHODS[getattr(self, "l1_method", "proximal")]
        while True:
            before = copy.copy(schedule)
            V_new = sgd_epoch(
                objective, V, schedule, batch_size, rng, l1_step, metric=metric
            )
            with np.errstate(over="ignore", invalid="ignore"):
                f = objective.value(V_new)
            if f <= 2 * f_start + 1e-12 * abs(f_start):
                break
            if not backoff or schedule.eta < 1e-12 * schedule.eta0:
                raise divergence_error(schedule.eta)
            schedule = before  # the guessed rate was too large: redo the epoch
            schedule.eta /= 4
        self._finalize(objective, V_new, y)
        self._sgd_state = dict(
            coordinates=objective.coordinates,
            schedule=schedule,
            batch_size=batch_size,
            metric=metric,
            backoff=False,
            sw_seen=sw_seen,
        )
        self.n_iter_ = 1 if first else getattr(self, "n_iter_", 0) + 1
        self.loss_curve_ = [*([] if first else getattr(self, "loss_curve_", [])), f]
        return self

    def _prepare(self, X, y, sample_weight, *, reset, partial=False):
        """Validated ``X``, ``y`` and ``sample_weight``, the encoded targets and the loss."""
        y, sample_weight = follow_X(y, X), follow_X(sample_weight, X)
        # scikit-learn's finiteness checks sum the input first: inf - inf there
        # is how they find it, not something to warn about
        with np.errstate(over="ignore", invalid="ignore"):
            X, y = self._validate_fit_data(X, y, reset=reset)
            sample_weight = check_sample_weight(sample_weight, X)
            Y, sample_weight, loss = self._encode_targets(y, sample_weight, partial)
        if loss.constant_curvature:  # regression: y enters squared (X: Objective)
            _check_magnitude(Y, "y")
        return X, y, sample_weight, Y, loss

    def _objective(self, X, Y, sample_weight, loss, sw_sum, coordinates=None):
        return Objective(
            X,
            Y,
            sample_weight,
            loss,
            self._penalty(sw_sum),
            fit_intercept=self.fit_intercept,
            precondition=self.precondition,
            coordinates=coordinates,
        )

    def _finalize(self, objective, V, y):
        """``coef_`` and ``intercept_`` from the optimizer's ``V``, refusing non-finite ones."""
        W, b = objective.to_coef(V)
        W = W + 0.0  # -0.0, which soft-thresholding leaves, prints as 0
        xp = namespace(W)
        if not (xp.all(xp.isfinite(W)) and xp.all(xp.isfinite(b))):
            raise FloatingPointError(
                f"{type(self).__name__} produced non-finite coefficients; "
                "check the input scale or use learning_rate='auto'."
            )
        self._store_coef(W, b, y)

    def _hold_out(self, y, sample_weight):
        """For ``early_stopping``: the training rows, and the sample weights of
        the training and of the held-out samples (zero elsewhere), split as
        scikit-learn's SGD estimators split: stratified for a classifier, unless
        its smallest class has too few samples for that."""
        n = sample_weight.shape[0]
        options = dict(
            test_size=self.validation_fraction, random_state=self.random_state
        )
        try:  # stratified, unless a class is too small for that
            if not is_classifier(self):
                raise ValueError("not a classifier")
            split = StratifiedShuffleSplit(n_splits=1, **options)
            train, held = next(split.split(np.zeros((n, 1)), to_numpy(y)))
        except ValueError:
            try:
                train, held = next(ShuffleSplit(n_splits=1, **options).split(range(n)))
            except ValueError as error:
                raise ValueError(
                    f"early_stopping cannot hold out validation_fraction="
                    f"{self.validation_fraction} of {n} samples: {error}"
                ) from error
        mask = zeros((n,), like=sample_weight)
        mask[asarray(held, like=mask, dtype=namespace(mask).int64)] = 1.0
        held_out = sample_weight * mask
        if not float(namespace(mask).sum(held_out)) > 0:
            raise ValueError(
                "early_stopping held out only samples of zero sample_weight: "
                "raise validation_fraction or turn early_stopping off."
            )
        return np.sort(train), sample_weight * (1 - mask), held_out

    def _sgd_setup(self, objective, rows):
        """``dict(batch_size, schedule, backoff, metric)`` of ``solver='sgd'``.

        With ``eta0='auto'`` the rate is estimated and may back off. With
        ``precondition`` and without an L1 part, up to ``METRIC_MAX_UNKNOWNS``
        features (+ intercept) the steps are taken in the metric of the
        curvature bound, factored once, which makes the correlations and
        scales of the features as harmless to SGD as to Newton's method.
        """
        n = objective.n_samples if rows is None else len(rows)
        batch_size = self.batch_size
        if batch_size == "auto":
            batch_size = min(BATCH_SIZE, max(1, n // 64))
        q = objective.zeros().shape[0]
        metric = None
        if self.precondition and not objective.has_l1 and q <= METRIC_MAX_UNKNOWNS:
            metric = curvature_metric(objective)
        setup = dict(batch_size=batch_size, backoff=False, metric=metric)
        lr = self.learning_rate
        if not isinstance(lr, str):
            return {**setup, "schedule": Constant(lr)}
        schedule = SCHEDULES[lr]
        eta0 = self.eta0
        if eta0 == "auto":
            eta0 = schedule.factor * auto_learning_rate(
                objective, batch_size, rows, metric
            )
        if lr == "invscaling":
            schedule = InvScaling(eta0, self.power_t)
        else:
            schedule = schedule(eta0)
        return {**setup, "schedule": schedule, "backoff": self.eta0 == "auto"}

    def __sklearn_is_fitted__(self):
        """Fitted once ``coef_`` exists: a ``fit`` that fails on bad input after
        ``validate_data`` set ``n_features_in_`` leaves the estimator unfitted."""
        return hasattr(self, "coef_")

    def __getstate__(self):
        return {**super().__getstate__(), "_gdlearn_version": __version__}

    def __setstate__(self, state):
        saved = state.pop("_gdlearn_version", "unknown (before 0.1.0)")
        if saved != __version__:
            warnings.warn(
                InconsistentVersionWarning(type(self).__name__, __version__, saved),
                stacklevel=2,
            )
        super().__setstate__(state)

    def _solver(self, name, newton_cost=None):
        """The solver ``name`` (not 'sgd') for this estimator's parameters;
        ``newton_cost`` is where 'lbfgs' hands over to Newton's method."""
        lr = self.learning_rate
        if name == "newton":
            return Newton(None if lr == "auto" else lr)
        if name == "lbfgs":
            return LBFGS(newton_cost=newton_cost)
        step_rule = Backtracking() if lr == "auto" else ConstantStep(lr)
        l1_step = L1_METHODS[getattr(self, "l1_method", "proximal")]
        return SOLVERS[name](step_rule, l1_step)

    def _validate_fit_data(self, X, y, reset=True):
        with _numeric("X and y"):
            return validate_data(
                self,
                X,
                y,
                reset=reset,
                accept_sparse=ACCEPT_SPARSE,
                dtype=dtypes(X),
                y_numeric=True,
                multi_output=True,
            )

    def _initial_params(self, objective):
        """Zero, or the previous solution when ``warm_start`` fits the new data."""
        V0 = objective.zeros()
        if self.warm_start and hasattr(self, "coef_"):
            V = self._previous_params(objective)
            return V0 if V is None else V
        return V0

    def _previous_params(self, objective):
        """``coef_`` and ``intercept_`` in ``objective``'s coordinates, or None
        when their shape does not fit its data."""
        k = objective.Y.shape[1]
        W = to_numpy(self.coef_).reshape(-1, objective.n_features).T
        b = np.broadcast_to(to_numpy(self.intercept_), (k,))
        if W.shape != (objective.n_features, k):
            return None
        V0 = objective.zeros()  # in the new data's namespace
        return objective.from_coef(asarray(W, like=V0), asarray(b, like=V0))

    def _decision(self, X, method):
        """Raw predictions ``X @ coef_.T + intercept_`` for new ``X``, for ``method``."""
        check_is_fitted(self)
        check_same_namespace(X, self, attribute="coef_", method=method)
        with _numeric("X"):
            X = validate_data(
                self, X, accept_sparse=ACCEPT_SPARSE, dtype=dtypes(X), reset=False
            )
        coef = self.coef_.T if self.coef_.ndim == 2 else self.coef_
        if namespace(X) is np:
            return np.asarray(X @ coef) + self.intercept_
        return astype(X, coef.dtype) @ coef + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags
