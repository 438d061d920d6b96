"""Mini-batch stochastic gradient descent: ``solver='sgd'`` and ``partial_fit``.

An **epoch** walks once through the samples, in a new random order when
``shuffle`` is on, ``batch_size`` at a time; each mini-batch ``B`` of ``m``
of the ``n`` samples gives one step

.. math:: V \\leftarrow \\operatorname{step}(V - \\eta_t\\, g_B), \\qquad
          g_B = \\tfrac{n}{m} X_B^\\top G_B + \\lambda_2 W,

where :math:`g_B` is the unbiased estimate of the smooth part's gradient of
:func:`batch_gradient`, and the L1 part is
handled by a proximal step (soft-thresholding) or a subgradient step, as in
:mod:`gdlearn.solvers.first_order`. The learning rate :math:`\\eta_t` follows a
**schedule** (:mod:`gdlearn.solvers.schedules`), the textbook ones of
scikit-learn's SGD estimators on plain iterates:

* :class:`Constant`: :math:`\\eta_t = \\eta_0`;
* :class:`InvScaling`: :math:`\\eta_t = \\eta_0 / (1 + e_t)^{\\mathrm{power\\_t}}`
  with :math:`e_t` the epochs done so far (fractional);
* :class:`Adaptive`: :math:`\\eta_0` while the monitored value improves,
  divided by 5 each time it has not improved for ``n_iter_no_change``
  epochs.

Plain iterates at a constant rate jitter about the minimum by an amount that
grows with the rate, which on the benchmark's data keeps them at a
suboptimality of 1e-2 to 1e-1. The default, :class:`VarianceReduced`, takes
that noise away: :func:`minimize_sgd` computes the full gradient
:math:`\\mu = \\nabla F(\\tilde V)` at the end of every epoch anyway (for the
stopping test), and the next epoch's steps use it as a control variate
(SVRG: Johnson and Zhang, 2013),

.. math:: g_B = \\tfrac{n}{m} X_B^\\top \\bigl(G_B(V) - G_B(\\tilde V)\\bigr)
          + \\lambda_2 (W - \\tilde W) + \\mu,

still unbiased, and exact at the minimum, so a constant rate converges
linearly. For linear models :math:`G_B(\\tilde V)` needs no pass over ``X``:
it comes from the raw predictions :math:`\\tilde Z = X \\tilde V` kept from
that full gradient, so a step costs what a plain one does. ``partial_fit``
has no full gradient (the data streams past); there the default averages
each epoch's iterates (Polyak and Juditsky) at the rate
:math:`\\eta_0 / \\sqrt{1 + e_t}` (:class:`Averaged`).

After each epoch, :func:`minimize_sgd` computes the objective and its
gradient on all the training data (two passes over ``X``: an epoch costs
about two full-batch iterations). That gives ``loss_curve_`` the exact
objective, and ``tol`` the same meaning as for every other solver: the
max-norm of the (minimum-norm sub)gradient at most ``tol`` times the
larger of the gradient's at zero and :math:`5 \\sqrt{|f|}`. It also stops
when the monitored value (the objective, or with early stopping the loss on
held-out samples) has not improved for ``n_iter_no_change`` epochs and the
schedule has no smaller rate to try.

The default rate comes from the expected smoothness of a mini-batch (Gower
et al., *SGD: general analysis and improved rates*, ICML 2019),

.. math:: L_B = \\frac{n (m - 1)}{m (n - 1)} L + \\frac{n - m}{m (n - 1)} L_{max},

with :math:`L_{max}` the largest curvature of one sample's term
(:func:`sample_curvature`) and :math:`L` taken
as the largest diagonal entry of the curvature bound, which is 1 in the
preconditioned coordinates: :math:`\\eta_0 = 1 / L_B` for the textbook
schedules and :math:`1 / (4 L_B)` for the variance-reduced steps, as SVRG's
analysis asks. That guess of ``L`` is a lower bound; when an epoch at the
guessed rate blows the objective up, the epoch is undone and the rate
divided by 4 (by 2 for the variance-reduced steps), so the default never
diverges. :math:`L_{max}` bounds the heaviest sample, so the guess is often
a small one: the variance-reduced rate doubles after an epoch that shrinks
the gradient by less than a factor 4/3, keeps the double if that shrinks it
faster, and halves after an epoch that makes the gradient grow.

Up to 1,000 unknowns and without an L1 part the steps are taken in the
metric of the curvature bound :math:`P` (:func:`curvature_metric`,
``P^+ g`` in place of ``g``), which takes the scales and correlations of
the features out of the rate, as Newton's method does. For a cross-entropy
the curvature near the minimum lies far below that bound (well-separated
samples), so where the gradient keeps shrinking slowly at every rate tried,
the metric becomes the curvature at the epoch's start instead, refreshed at
most every 5 epochs (``benchmarks/SGD.md`` measures what that saves).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
from sklearn.utils import check_random_state

from .._array_api import astype, eye, namespace, take_rows
from ._linalg import factor
from ._template import (
    Outcome,
    Solver,
    diverged,
    divergence_error,
    plural,
    stationarity,
)
from .first_order import proximal_step

__all__ = [
    "SGD",
    "auto_learning_rate",
    "batch_gradient",
    "curvature_metric",
    "minimize_sgd",
    "sample_curvature",
    "sgd_epoch",
]


def batch_gradient(objective, rows, V, pool=None, anchor=None):
    """An unbiased estimate of the smooth part's gradient from the samples ``rows``.

    For a mini-batch :math:`B` of :math:`m` samples drawn uniformly, the
    data term's sum over all :math:`n` samples is replaced by
    :math:`\\frac{n}{m} \\sum_{i \\in B}`, whose expectation it is (``n`` is
    ``pool``, the number of samples the batches are drawn from, all by
    default):

    .. math:: g_B = \\frac{n}{m} A_B^\\top G_B + \\lambda_2 W,

    the chain rule of :mod:`gdlearn._objective` on the batch's rows only. It reads the ``m``
    rows of ``X`` twice (``Z_B`` and ``A_B^\\top G_B``), so an epoch of
    mini-batches costs what one full gradient does.

    With ``anchor = (V~, Z~, grad~)`` (a point, its raw predictions and
    its full gradient) it is the variance-reduced estimate
    :math:`g_B(V) - g_B(\\tilde V) + \\nabla F(\\tilde V)`: the chain rule
    is linear in ``G`` and in ``W``, so that is one product with
    :math:`G_B(V) - G_B(\\tilde V)` at ``V - V~``, and :math:`G_B(\\tilde
    V)` comes from the rows of ``Z~`` without reading ``X``.
    """
    part, Y = objective.design.take_rows(rows), take_rows(objective.Y, rows)
    pool = objective.n_samples if pool is None else pool
    weights = take_rows(objective.weights, rows) * (pool / Y.shape[0])
    dloss = objective.loss.gradient(Y, part.matvec(V))
    if anchor is None:
        return objective.backprop(part, weights[:, None] * dloss, V)[0]
    V_anchor, Z_anchor, grad_anchor = anchor
    dloss = dloss - objective.loss.gradient(Y, take_rows(Z_anchor, rows))
    grad = objective.backprop(part, weights[:, None] * dloss, V - V_anchor)[0]
    return grad + grad_anchor


def sample_curvature(objective, pool=None, metric=None):
    """A bound on the curvature of one sample's term, in ``V`` coordinates.

    Sample ``i`` enters the data term as :math:`n w_i \\ell(y_i, a_i^\\top V)`
    (``w`` the normalized weights, ``a_i`` the row of ``A``), whose
    curvature is at most :math:`n w_i c \\lVert a_i \\rVert^2` with ``c``
    the loss's bound, or :math:`n w_i c\\, a_i^\\top M a_i` for steps taken
    in the metric ``M`` (``M`` times the gradient); the L2 part adds at
    most :math:`\\lambda_2 \\max_j s_j^2` (1 in the metric of
    :meth:`~gdlearn._objective.Objective.curvature_bound`). ``n`` is ``pool`` (see
    :func:`batch_gradient`). Returns the largest over the samples.
    One pass over ``X``, in row chunks.
    """
    n = objective.n_samples if pool is None else pool
    xp, s = namespace(objective.weights), objective.design.scale
    norms = objective.design.row_norms(metric)
    curvature = n * objective.weights * (objective.loss.curvature * norms)
    ridge = 1.0 if metric is not None else objective.l2.alpha * float(xp.max(s * s))
    return float(xp.max(curvature)) + ridge * (objective.l2.alpha > 0)


def auto_learning_rate(objective, batch_size, rows=None, metric=None):
    """:math:`1 / L_B` of the module docstring for mini-batches of ``batch_size``
    drawn from ``rows`` (all samples by default), for steps in ``metric``."""
    n = objective.n_samples if rows is None else len(rows)
    m = min(batch_size, n)
    largest = sample_curvature(objective, n, metric)
    spread = (n - m) / (m * max(n - 1, 1))
    whole = 1.0 if metric is not None else objective.diagonal_curvature
    return 1.0 / ((1 - spread) * whole + spread * largest)


def curvature_metric(objective, Z=None):
    """The pseudo-inverse of :meth:`~gdlearn._objective.Objective.curvature_bound`
    (q, q): steps ``-eta * metric @ g`` see a curvature of at most 1 in every
    direction, however correlated or unevenly scaled the features are.

    With raw predictions ``Z``, the pseudo-inverse of the curvature there
    instead (:meth:`~gdlearn._objective.Objective.curvature_matrices`; (kq,
    kq) for the softmax, which couples its classes): near the minimum of a
    cross-entropy that is far below the bound, and the steps Newton's.
    """
    P = objective.curvature_bound()[None, ...] if Z is None else None
    if P is None:
        P = objective.curvature_matrices(Z)
        if P.shape[0] > 1:  # one block per output would need a metric each
            return None
    (solver,) = factor(P)
    metric = solver(eye(P.shape[1], like=P))
    return 0.5 * (metric + metric.T)


def _in_metric(metric, grad):
    """``metric @ grad`` for ``grad`` (q, k): the same metric for every output,
    or one (kq, kq) for all of them, ordered output by output."""
    xp = namespace(grad)
    g = astype(grad, metric.dtype)
    q, k = grad.shape
    if metric.shape[0] == q:
        return astype(metric @ g, grad.dtype)
    flat = metric @ xp.reshape(g.T, (-1,))
    return astype(xp.reshape(flat, (k, q)).T, grad.dtype)


def batches(n, batch_size, rng, rows=None):
    """Mini-batches of ``rows`` (default ``0 .. n - 1``): in order, as slices
    when they can be, without ``rng``; else of a random permutation, each
    sorted (which makes gathering sparse rows cheaper)."""
    if rows is None and rng is None:
        return [slice(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
    rows = np.arange(n) if rows is None else rows
    order = rows if rng is None else rng.permutation(rows)
    return [np.sort(order[s : s + batch_size]) for s in range(0, len(rows), batch_size)]


def sgd_epoch(
    objective,
    V,
    schedule,
    batch_size,
    rng=None,
    l1_step=proximal_step,
    rows=None,
    anchor=None,
    metric=None,
):
    """One pass over the samples ``rows`` (default all) of ``objective``, a
    mini-batch step at a time; the last iterate, or their average when the
    schedule averages. ``anchor``, ``(V, Z, grad)`` at the start of the
    epoch, makes the steps variance-reduced; ``metric`` (q, q) turns each
    gradient ``g`` into ``metric @ g`` (no L1 part then)."""
    n = objective.n_samples
    pool = n if rows is None else len(rows)
    chunks = batches(n, batch_size, rng, rows)
    if schedule.average and schedule.iterate is not None:
        V = schedule.iterate  # the iterates go on where they were
    with np.errstate(over="ignore", invalid="ignore"):
        for batch in chunks:
            grad = batch_gradient(objective, batch, V, pool, anchor)
            if metric is not None:
                grad = _in_metric(metric, grad)
            V = l1_step(objective, V, grad, schedule.rate())
            schedule.epochs += 1 / len(chunks)
            if schedule.average:
                schedule.accumulate(V)
    return objective.canonical(schedule.mean if schedule.average else V)


class SGD(Solver):
    """Epochs of mini-batch steps, monitored on the whole training objective."""

    name = title = "sgd"
    handles_l1 = True
    constant_step = True
    schedules = True
    patience = None  # the plateau rule (n_iter_no_change) stops it instead
    unit = "epoch"
    checks_start = False

    def __init__(self, schedule, batch_size, **options):
        self.schedule, self.batch_size = schedule, batch_size
        self.shuffle = options.get("shuffle", True)
        self.random_state = options.get("random_state")
        self.l1_step = options.get("l1_step", proximal_step)
        self.n_iter_no_change = options.get("n_iter_no_change", 5)
        self.rows = options.get("rows")
        self.validation = options.get("validation")
        self.backoff = options.get("backoff", False)
        self.metric = options.get("metric")

    def setup(self, objective, V0):
        point = objective.evaluate(V0, objective.raw_start(V0))
        grad, _ = objective.smooth_gradient(point)
        f = point.value + objective.l1.value(V0)
        metric = self.metric
        return SimpleNamespace(
            objective=objective,
            rng=check_random_state(self.random_state) if self.shuffle else None,
            # the full-batch step: in the metric of the curvature bound, 1
            max_rate=1.0 if metric is not None else 1 / objective.diagonal_curvature,
            probe=None,  # the gradient's shrink factor before the rate was doubled
            refresh=metric is not None and not objective.constant_curvature,
            refreshed=0,
            metric=metric,
            V=V0,
            Z=point.Z,
            grad=grad,
            value=f,
            f_start=f,
            measure=stationarity(objective, V0, grad),
            best=math.inf,
            best_V=V0,
            unchanged=0,
            mark=math.inf,
            it=0,
        )

    def iterate(self, s) -> Outcome:
        objective, schedule = s.objective, self.schedule
        s.it += 1
        epochs = schedule.epochs
        anchor = (s.V, s.Z, s.grad) if schedule.variance_reduced else None
        V = sgd_epoch(
            objective,
            s.V,
            schedule,
            self.batch_size,
            s.rng,
            self.l1_step,
            self.rows,
            anchor,
            s.metric,
        )
        point = objective.evaluate(V)
        grad, noise = objective.smooth_gradient(point)
        f = point.value + objective.l1.value(V)
        # A rate the user gave meets the template's one divergence rule. An
        # estimated rate is a guess, checked as a line search checks a step:
        # an epoch that increases the objective (textbook schedules: that
        # more than doubles it) is undone and the rate lowered
        bold = self.backoff and schedule.variance_reduced
        if not self.backoff and diverged(f, s.f_start):
            raise divergence_error(schedule.eta, f)
        limit = s.value if bold else 2 * max(s.value, s.f_start)
        if self.backoff and not f <= limit + noise:
            if schedule.eta < 1e-12 * schedule.eta0:  # no rate makes progress
                lost = not math.isfinite(f)
                return Outcome(s.value, s.measure, stuck=True, non_finite=lost)
            schedule.eta /= 2 if bold else 4
            schedule.epochs, s.probe = epochs, None
            return Outcome(s.value, s.measure, rejected=True)
        gnorm_prev = s.measure
        s.V, s.Z, s.grad, s.value = V, point.Z, grad, f
        s.measure = stationarity(objective, V, grad)
        if bold:
            self._adapt(s, gnorm_prev)
        if s.measure <= s.threshold(f):
            return Outcome(f, s.measure, schedule.rate())
        return Outcome(f, s.measure, schedule.rate(), done=self._plateau(s, noise))

    def _adapt(self, s, gnorm_prev):
        """The variance-reduced rate: an epoch that shrinks the gradient by
        less than a factor 4/3 is followed by one at twice the rate, kept if
        it shrinks the gradient by more and halved back otherwise; an epoch
        that increases the gradient halves the rate. Slow progress that a
        faster rate does not cure (a cross-entropy far below its curvature
        bound) steers by the curvature instead, refreshed at most every 5
        epochs, which near the minimum makes the steps Newton's."""
        schedule = self.schedule
        shrink = s.measure / gnorm_prev if gnorm_prev > 0 else 0.0
        if shrink >= 1 or (s.probe is not None and shrink >= s.probe):
            schedule.eta /= 2  # too fast for the noise, or no faster than half
            s.probe = None
        elif shrink > 0.75 and 2 * schedule.eta <= s.max_rate:
            schedule.eta *= 2
            s.probe = shrink
        else:
            s.probe = None
        slow = shrink > 0.75 and s.probe is None
        if slow and s.refresh and s.it >= s.refreshed + 5:
            steered = curvature_metric(s.objective, s.Z)
            s.metric = s.metric if steered is None else steered
            s.refreshed = s.it

    def _plateau(self, s, noise):
        """The message that stops the fit when the monitored value has not
        improved for ``n_iter_no_change`` epochs and the schedule has no
        smaller rate to try, else ``""``."""
        validation = self.validation
        value = s.value if validation is None else validation.evaluate(s.V, s.Z).value
        slack = max(noise, 1e-12 * abs(s.best)) if math.isfinite(s.best) else 0.0
        # where the objective is flat to its rounding, variance-reduced steps
        # still sharpen the coefficients: a gradient 10% smaller counts too
        sharper = self.schedule.variance_reduced and validation is None
        sharper = sharper and s.measure < 0.9 * s.mark
        if value < s.best - slack or sharper:
            s.best, s.best_V, s.unchanged = min(value, s.best), s.V, 0
            s.mark = s.measure
        else:
            s.unchanged += 1
        if s.unchanged < self.n_iter_no_change:
            return ""
        if self.schedule.shrink():
            s.unchanged = 0
            return ""
        monitored = "validation loss" if validation is not None else "objective"
        return (
            f"stopped after {plural(s.it, 'epoch')}: the {monitored} did "
            f"not improve in the last {self.n_iter_no_change} epochs"
        )

    def finalize(self, s):
        """The best epoch's coordinates, not the plateau's last."""
        s.step = self.schedule.rate()
        return s.best_V if not s.converged or s.unchanged else s.V


def minimize_sgd(
    objective,
    V0,
    *,
    schedule,
    batch_size,
    max_iter=1000,
    tol=1e-4,
    verbose=0,
    **options,
):
    """Minimize ``objective`` by epochs of mini-batch steps; see the module docstring.

    ``options`` are ``shuffle`` (default True), ``random_state``, ``l1_step``,
    ``n_iter_no_change`` (default 5), ``rows``, ``validation``, ``backoff``
    and ``metric``. The batches are drawn from ``rows`` (all samples by
    default). Early stopping passes the training samples there, an
    ``objective`` whose weights are zero elsewhere, and as ``validation`` an
    objective on the same ``X`` in the same coordinates with weights on the
    held-out samples only: its value is then monitored in place of the
    training objective, at no extra pass over ``X``, and the coefficients
    returned are those of its best epoch. With ``backoff`` (the rate was
    estimated) an epoch that blows the objective up is undone and the rate
    lowered, and variance-reduced rates adapt as the module docstring says;
    without, such an epoch raises the error that names ``learning_rate``.
    ``metric`` is :func:`sgd_epoch`'s. ``n_iter`` of the result counts epochs.

    Examples
    --------
    >>> import numpy as np
    >>> from gdlearn._objective import Objective
    >>> from gdlearn.losses import SquaredError
    >>> from gdlearn.solvers.schedules import Constant
    >>> X = np.random.default_rng(0).normal(size=(1000, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5])  # no noise: the gradient goes to 0
    >>> obj = Objective(X, y[:, None], np.ones(1000), SquaredError())
    >>> res = minimize_sgd(obj, obj.zeros(), schedule=Constant(0.5), batch_size=32,
    ...                    random_state=0, tol=1e-10)
    >>> res.message, np.round(obj.to_coef(res.params)[0].ravel(), 8)
    ('converged in 1 epoch', array([ 1. , -2. ,  0.5]))
    """
    solver = SGD(schedule, batch_size, **options)
    return solver.solve(objective, V0, max_iter=max_iter, tol=tol, verbose=verbose)
