"""The fit template shared by every gdlearn estimator.

An estimator says which loss it minimizes, how its parameters (``alpha``,
``C``, ``l1_ratio``) map onto the penalty of :class:`~gdlearn._objective.Objective`,
and how targets are encoded; :class:`GDMixin` does the rest in four phases:
setup (validation, objective), optimize, check convergence, finalize
(``coef_``, ``intercept_``, ``n_iter_``, ``loss_curve_``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import partial
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from . import __version__
from ._array_api import (
    asarray,
    astype,
    namespace,
    positive_part,
    to_numpy,
)
from ._compat import (
    Interval,
    StrOptions,
    check_same_namespace,
    validate_params,
)
from ._dask import is_dask_array, objective_class
from ._dask import prepare as prepare_dask
from ._objective import with_penalty
from ._sgd_fit import StochasticMixin
from ._validation import (
    ACCEPT_SPARSE,
    check_magnitude,
    check_sample_weight,
    detached,
    dtypes,
    follow_X,
    numeric_input,
    rescale,
    unchanged_on_failure,
    unscaled,
    weight_sum,
)
from .penalties import ElasticNet
from .solvers import (
    L1_METHODS,
    SOLVERS,
    Backtracking,
    ConstantStep,
    auto_solver,
    check_solver,
)
from .solvers.lbfgs import LBFGS
from .solvers.newton import Newton
from .solvers.schedules import SCHEDULES
from .solvers.working_set import WorkingSet

if TYPE_CHECKING:
    from typing import Self

    from numpy.typing import ArrayLike

    from ._typing import Array, MatrixLike

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
L1_CONSTRAINT = {"l1_method": [StrOptions(set(L1_METHODS))]}


class InconsistentVersionWarning(UserWarning):
    """A fitted gdlearn estimator is loaded under another gdlearn version than
    the one that saved it; ``original_version`` names that version."""

    def __init__(
        self, estimator_name: str, current_version: str, original_version: str
    ) -> None:
        super().__init__(estimator_name, current_version, original_version)
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version

    def __str__(self) -> str:
        return (
            f"{self.estimator_name} was saved by gdlearn {self.original_version} and "
            f"is loaded by gdlearn {self.current_version}: it may not work the same. "
            "Refit it, or load it under the version that saved it."
        )


def _penalty_of_sum(estimator, exponent, total):
    """``estimator._scaled_penalty`` for weights summing to ``total * 2**exponent``."""
    return estimator._scaled_penalty(unscaled(total, exponent))


@dataclass
class Problem:
    """What :meth:`GDMixin._setup` prepares for :meth:`GDMixin._run`: the
    validated data, the encoded targets and loss, sgd's held-out rows, the
    sum of the weights (in their own units) and the objective. A path
    (:mod:`gdlearn._path`) reuses one, changing only the objective's
    penalty."""

    X: Any
    y: Any
    Y: Any
    loss: Any
    rows: Any  # sgd's training rows with early_stopping, else None
    held_out: Any  # sgd's validation rows with early_stopping, else None
    sw_sum: float
    objective: Any


class GDMixin(StochasticMixin):
    """Fit by gradient descent; subclasses give the model, this gives the loop.

    A subclass defines ``_encode_targets(y, sample_weight)`` returning
    ``(Y, sample_weight, loss, exponent)`` (``exponent``: the power of two
    the weights were divided by, see :func:`~gdlearn._validation.rescale`) and ``_penalty(sw_sum)`` returning an
    :class:`~gdlearn.penalties.ElasticNet` in the objective's units, and
    ``_store_coef(W, b, y)`` setting ``coef_`` and ``intercept_`` in the
    shapes its scikit-learn counterpart uses for targets ``y``.
    """

    coef_: Array  # set by fit, through _store_coef
    intercept_: Array | float

    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Self:
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
        with unchanged_on_failure(self):
            return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        """:meth:`fit`, which restores the estimator if this raises."""
        validate_params(self)
        self._run(self._setup(X, y, sample_weight))
        return self

    def _setup(self, X, y, sample_weight, problem=None):
        """Setup: the solver checked against the penalty, then the data
        validated and the objective built, as a :class:`Problem` for :meth:`_run`.
        With the ``problem`` of an earlier setup on the same data, only its
        objective's penalty changes (the path hook of :mod:`gdlearn._path`)."""
        penalty = self._penalty(1.0)
        l1 = penalty is not None and (penalty.l1 > 0 or penalty.positive)
        check_solver(self.solver, l1=l1, learning_rate=self.learning_rate)
        if problem is not None:
            penalty = self._scaled_penalty(problem.sw_sum)
            problem.objective = with_penalty(problem.objective, penalty)
            return problem
        X, y, sample_weight, Y, loss, exponent = self._prepare(
            X, y, sample_weight, reset=True
        )
        rows, held_out = None, None
        if self.solver == "sgd" and self.early_stopping:
            rows, sample_weight, held_out = self._hold_out(y, sample_weight)
        # a dask X sums its weights with its column statistics, in the
        # objective's first round trip: the penalty follows from that sum there
        dask = is_dask_array(X)
        sw_sum = None if dask else weight_sum(sample_weight, exponent)
        objective = self._objective(
            X, Y, sample_weight, loss, sw_sum, exponent=exponent
        )
        if dask:
            sw_sum = unscaled(objective.sw_sum, exponent)
        del sample_weight  # the objective holds them normalized
        return Problem(X, y, Y, loss, rows, held_out, sw_sum, objective)

    def _run(self, problem, warn=True):
        """Optimize ``problem`` (from :meth:`_setup`), check convergence (a
        ConvergenceWarning unless not ``warn``) and finalize: ``coef_``,
        ``intercept_``, ``n_iter_``, ``solver_``, ``loss_curve_``. Returns the
        solver's result."""
        objective = problem.objective
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
            solver, setup = self._sgd_solver(
                objective,
                problem.rows,
                problem.held_out,
                problem.X,
                problem.Y,
                problem.loss,
            )
        else:
            solver = self._solver(name, newton_cost)
        # optimize
        result = solver.solve(
            objective, V0, max_iter=self.max_iter, tol=self.tol, verbose=self.verbose
        )
        if name == "sgd":
            self._sgd_state = dict(
                setup,
                coordinates=objective.coordinates,
                sw_seen=problem.sw_sum,
                backoff=self.eta0 == "auto",
            )
        # check convergence
        if warn and not result.converged:
            warnings.warn(
                f"{type(self).__name__} {result.message}.",
                ConvergenceWarning,
                stacklevel=3,  # where _fit is called, as before the split
            )
        # finalize
        last = getattr(result, "last", None)  # a working set's last point
        self._finalize(objective, result.params, problem.y, last=last)
        # inside a working set, the solver of the last one
        name = getattr(result, "inner", None) or name
        self.n_iter_, self.solver_ = result.n_iter, name
        # Python floats on the host, like MLPRegressor's: the history is read
        # from the device scalar by scalar anyway, and plots and prints use it there
        self.loss_curve_ = [float(value) for value in result.loss_curve]
        return result

    def _prepare(self, X, y, sample_weight, *, reset, partial=False):
        """Validated ``X``, ``y`` and ``sample_weight``, the encoded targets and the loss."""
        if is_dask_array(X):  # dask: validated chunk by chunk, X never gathered
            return prepare_dask(self, X, y, sample_weight, reset=reset, partial=partial)
        X = detached(X)
        y, sample_weight = follow_X(y, X), follow_X(sample_weight, X)
        # scikit-learn's finiteness checks sum the input first: inf - inf there
        # is how they find it, not something to warn about
        with np.errstate(over="ignore", invalid="ignore"):
            X, y = self._validate_fit_data(X, y, reset=reset)
            sample_weight, exponent = check_sample_weight(sample_weight, X)
            Y, sample_weight, loss, by_class = self._encode_targets(
                y, sample_weight, partial
            )
        if getattr(self, "class_weight", None) is not None:
            name = "sample_weight times class_weight"
            sample_weight, again = rescale(sample_weight, name)
            exponent += by_class + again
        if loss.constant_curvature:  # regression: y enters squared (X: Objective)
            check_magnitude(Y, "y")
        return X, y, sample_weight, Y, loss, exponent

    def _objective(
        self, X, Y, sample_weight, loss, sw_sum, coordinates=None, exponent=0
    ):
        """The objective on the validated data; for ``sw_sum`` None (a dask
        ``X``) its penalty is settled from the weights' sum it computes (in
        units of ``2**exponent``: see :func:`~gdlearn._validation.rescale`)."""
        if sw_sum is None:
            penalty = partial(_penalty_of_sum, self, exponent)
        else:
            penalty = self._scaled_penalty(sw_sum)
        return objective_class(X)(  # Objective, or DaskObjective for a dask X
            X,
            Y,
            sample_weight,
            loss,
            penalty,
            fit_intercept=self.fit_intercept,
            precondition=self.precondition,
            coordinates=coordinates,
        )

    def _scaled_penalty(self, sw_sum):
        """The penalty in the objective's units, refused where the sum of the
        weights is so small that dividing by it overflows."""
        try:
            penalty = self._penalty(sw_sum)
        except ZeroDivisionError:
            penalty = ElasticNet(math.inf, 0.0)
        if penalty is not None and not math.isfinite(penalty.alpha):
            raise ValueError(
                f"sample_weight sums to {sw_sum:.3g}: the penalty of "
                f"{type(self).__name__}, stated per unit of that sum, overflows "
                "float64 divided by it, and every coefficient would be 0. Use "
                "larger weights or a weaker penalty."
            )
        return penalty

    def _finalize(self, objective, V, y, last=None):
        """``coef_`` and ``intercept_`` from the optimizer's ``V``, refusing
        non-finite ones; ``last`` is the smooth part's point and gradient at
        ``V`` where the solver has them."""
        W, b = objective.to_coef(V)
        W = W + 0.0  # -0.0, which soft-thresholding leaves, prints as 0
        xp = namespace(W)
        if not (xp.all(xp.isfinite(W)) and xp.all(xp.isfinite(b))):
            raise FloatingPointError(
                f"{type(self).__name__} produced non-finite coefficients; "
                "check the input scale or use learning_rate='auto'."
            )
        self._store_coef(W, b, y)

    def __sklearn_is_fitted__(self) -> bool:
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
        if name == "working_set":
            return WorkingSet(self._inner_solver, getattr(self, "_gap", None))
        if name == "newton":
            return Newton(None if lr == "auto" else lr)
        if name == "lbfgs":
            return LBFGS(newton_cost=newton_cost)
        step_rule = Backtracking() if lr == "auto" else ConstantStep(lr)
        l1_step = L1_METHODS[getattr(self, "l1_method", "proximal")]
        return SOLVERS[name](step_rule, l1_step)

    def _inner_solver(self, objective, fallback=False):
        """``(name, solver)`` for a working set's problem ``objective``: what
        ``'auto'`` runs on it, or with ``fallback`` 'accelerated'."""
        if fallback:
            return "accelerated", self._solver("accelerated")
        name, cost = auto_solver(
            objective,
            learning_rate=self.learning_rate,
            l1_method=getattr(self, "l1_method", "proximal"),
            working_sets=False,
        )
        return name, self._solver(name, cost)

    def _validate_fit_data(self, X, y, reset=True):
        with numeric_input("X and y"):
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
            if V is not None and objective.l1.positive:  # from a fit without it
                p = objective.n_features
                V[:p, :] = positive_part(V[:p, :])
            return V0 if V is None else V
        return V0

    def _previous_params(self, objective):
        """``coef_`` and ``intercept_`` in ``objective``'s coordinates, or None
        when their shape does not fit its data."""
        k, p = objective.Y.shape[1], objective.n_features
        coef, intercept = to_numpy(self.coef_), np.ravel(to_numpy(self.intercept_))
        if coef.shape[-1] != p or coef.size != p * k or intercept.size != k:
            return None  # features, targets or classes changed: a cold start
        W, b = coef.reshape(k, p).T, intercept
        V0 = objective.zeros()  # in the new data's namespace
        return objective.from_coef(asarray(W, like=V0), asarray(b, like=V0))

    def _decision(self, X: MatrixLike, method: str) -> Array:
        """Raw predictions ``X @ coef_.T + intercept_`` for new ``X``, for ``method``."""
        check_is_fitted(self)
        X = detached(X, detach=False)  # predictions may take part in autograd
        check_same_namespace(X, self, attribute="coef_", method=method)
        with numeric_input("X"):
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
