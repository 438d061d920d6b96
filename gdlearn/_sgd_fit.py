"""What ``solver='sgd'`` adds to the fit template: ``partial_fit``, early
stopping's held-out samples, and the batch size, schedule and metric."""

from __future__ import annotations

import copy

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import check_random_state

from ._array_api import asarray, namespace, to_numpy, zeros
from ._compat import validate_params
from ._objective import Objective
from ._validation import unchanged_on_failure, weight_sum
from .solvers import L1_METHODS
from .solvers._template import divergence_error
from .solvers.schedules import SCHEDULES, Constant, InvScaling
from .solvers.sgd import SGD, auto_learning_rate, curvature_metric, sgd_epoch

#: 'auto' batches: this many samples, or 1/64 of the data when that is fewer.
BATCH_SIZE = 256
#: solver='sgd' steps in the metric of the curvature bound up to this many
#: unknowns (features + intercept): the bound then factors in milliseconds.
METRIC_MAX_UNKNOWNS = 1000


def sgd_solver(estimator):
    """Whether ``estimator`` streams (``partial_fit``): with ``solver='sgd'`` only."""
    if estimator.solver != "sgd":
        raise AttributeError(
            f"partial_fit needs solver='sgd', not solver={estimator.solver!r}."
        )
    return True


class StochasticMixin:
    """The ``solver='sgd'`` part of :class:`gdlearn._base.GDMixin`."""

    def _sgd_solver(self, objective, rows, held_out, X, Y, loss):
        """The SGD solver of a ``fit``, and its setup (kept for ``partial_fit``)."""
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
        return solver, setup

    def _partial_fit(self, X, y, sample_weight):
        """One epoch of ``solver='sgd'`` on ``(X, y)``, from the current model.

        The first call fixes the coordinates (the preconditioning of its
        chunk) and the learning rate; each call then minimizes the objective
        of all the data seen so far, whose penalty is scaled by the sum of
        the sample weights seen so far. A call that raises leaves the model
        as it was.
        """
        with unchanged_on_failure(self):
            return self._partial_epoch(X, y, sample_weight)

    def _partial_epoch(self, X, y, sample_weight):
        """:meth:`_partial_fit`, which restores the estimator if this raises."""
        validate_params(self)
        first = not hasattr(self, "coef_")
        X, y, sample_weight, Y, loss, exponent = self._prepare(
            X, y, sample_weight, reset=first, partial=True
        )
        state = None if first else getattr(self, "_sgd_state", None)
        sw_seen = weight_sum(sample_weight, exponent)
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
                raise divergence_error(schedule.eta, f)
            schedule = before  # the guessed rate was too large: redo the epoch
            schedule.eta /= 4
        self._finalize(objective, V_new, y)
        self._sgd_state = dict(
            coordinates=objective.coordinates,
            schedule=schedule,
            batch_size=batch_size,
            metric=metric,
            backoff=backoff,  # an estimated rate may back off again (a new penalty)
            sw_seen=sw_seen,
        )
        self.n_iter_ = 1 if first else getattr(self, "n_iter_", 0) + 1
        self.loss_curve_ = [*([] if first else getattr(self, "loss_curve_", [])), f]
        return self

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
