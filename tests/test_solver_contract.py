"""Every solver through the narrow contract it uses, on problems whose optimum is known.

As optax tests its optimizers: each solver is run, as ``GDMixin.fit`` runs
it (``SOLVERS[name](...).solve(objective, V0, max_iter=, tol=)``), on

* :class:`Quadratic`, a test double of :class:`gdlearn._objective.Objective`
  that implements only the members the solvers call,
  :math:`f(V) = \\tfrac12 (V - C)^\\top H (V - C) + \\lambda \\lVert V_W
  \\rVert_1` (the L1 part on the rows above the intercept's), whose minimum
  is ``C`` without L1 and the soft-thresholded ``C`` with a diagonal ``H``;
* a tiny logistic regression built through the real ``Objective``, whose
  minimum scipy's L-BFGS-B finds on the same objective value.

The bound every converged fit must meet follows from what convergence means
(:func:`gdlearn.solvers.stopping_threshold`): the stationarity measure is at
most :math:`\\tau`, the threshold at the final value. For an objective
:math:`f = F + g` whose smooth part is :math:`\\mu`-strongly convex between
the iterate and the minimum, and any :math:`s \\in \\partial f(V)`,

.. math:: f(V) - f^* \\le \\lVert s \\rVert_2^2 / (2\\mu)
          \\le q k\\, \\lVert s \\rVert_\\infty^2 / (2\\mu).

Newton's method, L-BFGS and SGD measure the smallest subgradient at the
point they return, so :math:`\\lVert s \\rVert_\\infty \\le \\tau`. The
first-order methods measure the gradient mapping :math:`G = (Y - V) / t`
at the point ``Y`` they stepped from, ``t`` their last step size: then
:math:`G - \\nabla F(Y) + \\nabla F(V) \\in \\partial f(V)` (the proximal
step's optimality condition), of norm at most :math:`(1 + L t) \\lVert G
\\rVert`, ``L`` a bound on the curvature. Hence the one bound used here,

.. math:: f(V) - f^* \\le (1 + L t)^2\\, q k\\, \\tau^2 / (2 \\mu),

with ``t = 0`` for the solvers that measure at their own point.

What the double implements is the contract the solvers use: ``evaluate``
(a Point's ``V``, ``Z``, ``value``), ``smooth_gradient`` (gradient and the
value's rounding noise), ``raw_start``, ``unbounded``, ``zeros``, ``dtype``,
``has_l1`` and ``l1`` (``value``, ``prox``, ``min_norm_subgradient``);
Newton adds ``curvature_matrices``, ``constant_curvature`` and
``n_features``; L-BFGS ``raw``, ``hessian_product`` and
``constant_curvature``. SGD reaches past that contract into the finite sum
(``design.take_rows(...).matvec``, ``Y``, ``weights``, ``loss.gradient``,
``backprop``, ``n_samples``, ``canonical``, ``diagonal_curvature``), which
the double provides in a section of its own.
"""

from __future__ import annotations

import math
import signal
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize

from gdlearn._objective import Objective
from gdlearn.losses import BinaryCrossEntropy
from gdlearn.penalties import ElasticNet
from gdlearn.solvers import (
    SGD,
    SOLVERS,
    Backtracking,
    ConstantStep,
    proximal_step,
    stopping_threshold,
)
from gdlearn.solvers.schedules import VarianceReduced
from gdlearn.solvers.sgd import auto_learning_rate, curvature_metric

#: Seconds any one solve may take here before it counts as hanging.
DEADLINE = 60


class Hung(Exception):
    """A solve ran past :data:`DEADLINE`."""


@contextmanager
def deadline(seconds=DEADLINE):
    """Raise :class:`Hung` in the test if its body runs longer than ``seconds``
    (a SIGALRM timer: pytest-timeout is not among the test dependencies)."""

    def alarm(signum, frame):
        raise Hung(f"the solve did not stop within {seconds} s")

    if not hasattr(signal, "setitimer"):  # no SIGALRM (Windows): no deadline
        yield
        return
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- the test double ------------------------------------------------------------------
@dataclass
class Point:
    """What the solvers read of ``Objective.evaluate``'s Point: ``V``, ``Z``
    (raw predictions, reused for the next point by linearity) and ``value``."""

    V: np.ndarray
    Z: np.ndarray
    value: float


class L1:
    """The double of ``ScaledL1``: :math:`\\lambda \\lVert V_{:p} \\rVert_1`,
    the rows from ``p`` on (the intercept's) unpenalized."""

    def __init__(self, lam, p):
        self.lam, self.p = lam, p

    def value(self, V):  # every solver but L-BFGS (the full objective)
        return self.lam * float(np.abs(V[: self.p]).sum())

    def prox(self, V, step):  # the proximal steps of 'gd', 'accelerated', 'sgd'
        out = V.copy()
        W = V[: self.p]
        out[: self.p] = np.sign(W) * np.maximum(np.abs(W) - step * self.lam, 0.0)
        return out

    def min_norm_subgradient(self, V, grad):  # the stationarity measure; Newton's r
        out = grad.copy()
        W, G = V[: self.p], grad[: self.p]
        at_zero = np.sign(G) * np.maximum(np.abs(G) - self.lam, 0.0)
        out[: self.p] = np.where(W == 0, at_zero, G + self.lam * np.sign(W))
        return out


class Rows:
    """The double of ``DesignMatrix`` as far as SGD reads it: ``A V`` and a
    subset of the rows."""

    def __init__(self, A):
        self.A = A

    def matvec(self, V):
        return self.A @ V

    def take_rows(self, rows):
        return Rows(self.A[rows])


class HalfSquares:
    """The double of the loss as far as SGD reads it: the derivative of
    :math:`\\tfrac12 (z - y)^2`."""

    def gradient(self, Y, Z):
        return Z - Y


class Quadratic:
    """:math:`f(V) = \\tfrac12 (V - C)^\\top H (V - C) + \\lambda \\lVert
    V_{:p} \\rVert_1` (column by column for ``k`` columns), written as the
    finite sum :math:`\\frac{1}{2m} \\lVert A V - A C \\rVert^2` with
    :math:`H = A^\\top A / m`: raw predictions ``Z = A V`` then differ from
    ``V``, as the solvers' linear updates of ``Z`` assume, and SGD has
    samples to draw.

    Implements exactly what ``gdlearn.solvers`` calls; the members marked
    below are needed by one solver only. ``poison`` (``nan`` or ``inf``)
    turns every number the double computes non-finite once it has answered
    ``after`` calls that read its rows (:meth:`evaluate`,
    :meth:`curvature_matrices`, :meth:`hessian_product`, :meth:`backprop`:
    Newton takes a quadratic's step on its model, L-BFGS carries a quadratic's
    value by the Hessian's products, SGD's epochs run on batches).
    """

    # -- the shared loop, and most solvers ----------------------------------------------
    dtype = np.float64  # stopping_threshold's floor (300 eps)
    # Newton keeps P; L-BFGS steps to the parabola's minimum (SGD reads it only
    # with a metric, which it has not here)
    constant_curvature = True

    def __init__(self, A, C, lam=0.0, intercept=True, poison=None, after=0):
        self.A, self.C = A, C
        self.m = A.shape[0]
        self.H = A.T @ A / self.m
        self.Y = A @ C  # f(C) = 0
        # the rows the L1 part acts on: Newton's orthant-wise step, the
        # subgradient step of the first-order solvers (and the double's L1)
        self.n_features = C.shape[0] - intercept
        self.l1 = L1(lam, self.n_features)
        self.poison, self.after, self.calls = poison, after, 0
        # -- SGD only: the finite sum it draws batches from ------------------------
        self.n_samples = self.m
        self.weights = np.full(self.m, 1.0 / self.m)
        self.design = Rows(A)
        self.loss = HalfSquares()
        self.diagonal_curvature = float(np.diag(self.H).max())

    @property
    def has_l1(self):  # every solver but L-BFGS (refused an L1 part beforehand)
        return self.l1.lam > 0

    def _bad(self, X, reads=False):
        """``X``, non-finite once the poison has set in; ``reads``: counted."""
        self.calls += reads
        return X if self.poison is None or self.calls <= self.after else X + self.poison

    def zeros(self):  # stopping_threshold's gradient at zero, from a warm start
        return np.zeros_like(self.C)

    def raw(self, V):  # L-BFGS only: A D, and A V when it re-reads
        return self.A @ V

    def raw_start(self, V):  # every setup (the Objective skips X at V = 0)
        return self.raw(V)

    def evaluate(self, V, Z=None):
        """The smooth part at ``V``, from the given raw predictions ``Z``
        (every solver; FISTA and L-BFGS pass a ``Z`` made by linearity)."""
        Z = self.raw(V) if Z is None else Z
        value = 0.5 * float(np.sum((Z - self.Y) ** 2)) / self.m
        return Point(V, Z, self._bad(value, reads=True))

    def smooth_gradient(self, point):
        """:math:`A^\\top (Z - AC) / m` and a bound on the rounding of the
        value, which the line searches, the restart and the stall rule allow
        for (every solver)."""
        R = point.Z - self.Y
        grad = self.A.T @ R / self.m
        scale = np.abs(self.A) @ np.abs(point.V) + np.abs(self.Y)
        noise = (
            16
            * np.finfo(self.dtype).eps
            * (point.value + np.sum(np.abs(R) * scale) / self.m)
        )
        return self._bad(grad), noise

    # the separability test of the shared loop, for an iteration that reports
    # its Z (all but SGD, and L-BFGS on a parabola): a quadratic has a minimum
    def unbounded(self, Z):
        return False

    # -- Newton only --------------------------------------------------------------------
    def curvature_matrices(self, Z):
        """One (q, q) block shared by every column (a read of the rows: the
        real objective sums it over them)."""
        return self._bad(self.H[None, ...], reads=True)

    # -- L-BFGS only (constant_curvature) --------------------------------------------
    def hessian_product(self, U, D):
        """:math:`H D` from ``U = A D``."""
        return self._bad(self.A.T @ U / self.m, reads=True)

    # -- SGD only -------------------------------------------------------------------------
    def backprop(self, part, G, V):
        """:math:`A_B^\\top G` for the rows of ``part`` (no L2 part: ``H`` is
        all in ``A``), and the coefficients, which SGD does not read."""
        return self._bad(part.A.T @ G, reads=True), None

    def canonical(self, V):  # no flat directions to take out
        return V

    # -- for the tests, not the solvers -----------------------------------------------
    def value(self, V):
        return float(
            0.5 * np.sum((self.A @ (V - self.C)) ** 2) / self.m
        ) + self.l1.value(V)


def _orthonormal(rng, m, q):
    return np.linalg.qr(rng.normal(size=(m, q)))[0]


def smooth_quadratic(k=1, m=32, q=5, seed=0):
    """``H`` with eigenvalues from 0.1 to 1 in random directions: mu = 0.1, L = 1."""
    rng = np.random.default_rng(seed)
    eigs = np.linspace(0.1, 1.0, q)
    Q = _orthonormal(rng, q, q)
    A = math.sqrt(m) * _orthonormal(rng, m, q) * np.sqrt(eigs) @ Q.T
    C = rng.normal(size=(q, k))
    return Quadratic(A, C), C, 0.0, eigs[0], eigs[-1]


def lasso_quadratic(m=32):
    """A diagonal ``H`` and L1: the minimum is ``C`` soft-thresholded by
    :math:`\\lambda / h_j` above the intercept's row, ``C`` there."""
    rng = np.random.default_rng(1)
    h = np.array([1.0, 0.5, 0.25, 0.8, 0.3])  # the last: the intercept's
    C = np.array([[1.5], [-0.05], [-0.9], [0.3], [0.7]])
    lam = 0.1
    A = math.sqrt(m) * _orthonormal(rng, m, 5) * np.sqrt(h)
    objective = Quadratic(A, C, lam)
    V_star = C.copy()
    V_star[:4] = np.sign(C[:4]) * np.maximum(np.abs(C[:4]) - lam / h[:4, None], 0.0)
    assert (V_star[:4] == 0).sum() == 1  # one coefficient thresholded away
    f_star = 0.5 * float(np.sum(h[:, None] * (V_star - C) ** 2)) + lam * float(
        np.abs(V_star[:4]).sum()
    )
    return objective, V_star, f_star, h.min(), h.max()


QUADRATICS = {
    "smooth": smooth_quadratic,
    "smooth, two columns": lambda: smooth_quadratic(k=2),
    "lasso, diagonal": lasso_quadratic,
}


# -- the solvers, as GDMixin._solver and _sgd_setup make them ------------------------
def _sgd_rate(objective, batch_size):
    """SVRG's rate (a quarter of 1 / L_B): from the double's rows (their
    largest squared norm bounds every batch's curvature), or the real
    ``auto_learning_rate``."""
    if isinstance(objective, Quadratic):
        return 0.25 / float(np.max(np.sum(objective.A**2, axis=1)))
    return 0.25 * auto_learning_rate(objective, batch_size, metric=_metric(objective))


def _metric(objective):
    """fit's metric: the curvature bound's, for a smooth real Objective."""
    if isinstance(objective, Quadratic) or objective.has_l1:
        return None
    return curvature_metric(objective)


def make_solver(name, objective, L):
    """The solver ``name`` of :data:`SOLVERS` as ``fit`` makes it:
    'gd-constant' is ``learning_rate=1.5 / L``, 'newton-0.5'
    ``learning_rate=0.5``, 'sgd' the default (variance-reduced steps at an
    estimated rate, which backs off), 'sgd-eta0' the same at a given
    ``eta0`` (no back-off)."""
    if name == "newton":
        return SOLVERS["newton"](None)
    if name == "newton-0.5":
        return SOLVERS["newton"](0.5)
    if name == "lbfgs":
        return SOLVERS["lbfgs"](newton_cost=None)
    if name in ("accelerated", "gd"):
        return SOLVERS[name](Backtracking(), proximal_step)
    if name == "gd-constant":
        return SOLVERS["gd"](ConstantStep(1.5 / L), proximal_step)
    assert name in ("sgd", "sgd-eta0")
    batch_size = 8
    return SGD(
        schedule=VarianceReduced(_sgd_rate(objective, batch_size)),
        batch_size=batch_size,
        random_state=0,
        backoff=name == "sgd",
        metric=_metric(objective),
    )


SMOOTH_ONLY = {"lbfgs"}  # check_solver refuses it an L1 part
FIRST_ORDER = {"accelerated", "gd", "gd-constant"}  # they measure the gradient mapping
CONSTANT = {"newton-0.5", "gd-constant", "sgd-eta0"}  # no line search, no back-off
NAMES = [
    "newton",
    "newton-0.5",
    "lbfgs",
    "accelerated",
    "gd",
    "gd-constant",
    "sgd",
    "sgd-eta0",
]


def suboptimality_bound(name, objective, result, tol, mu, L):
    """The module docstring's bound, at the threshold of the final value."""
    tau = stopping_threshold(tol, objective, None)(objective.value(result.params))
    t = result.step if name in FIRST_ORDER else 0.0
    return (1 + L * t) ** 2 * result.params.size * tau**2 / (2 * mu)


def solve(name, objective, L, *, max_iter, tol, V0=None):
    V0 = objective.zeros() if V0 is None else V0
    with deadline():
        return make_solver(name, objective, L).solve(
            objective, V0, max_iter=max_iter, tol=tol
        )


def _check_bounds(result, max_iter):
    """What every result promises: at most ``max_iter`` iterations, each on
    the loss curve, finite coordinates, one message."""
    assert 0 <= result.n_iter <= max_iter
    assert len(result.loss_curve) == result.n_iter
    assert np.all(np.isfinite(result.params))
    assert result.message


# -- (a) the double --------------------------------------------------------------------
#: A loose and a tight tol: the bound grows as tol**2, so at 1e-4 it is far
#: above rounding and tells a solver that stops early from one that does not.
TOLS = [1e-4, 1e-8]
EPS = np.finfo(np.float64).eps


def rounding(*values):
    """The rounding error of objective values computed as sums of squares
    (or of logs) of a few dozen terms: 16 eps each, as ``smooth_gradient``'s
    noise has it."""
    return sum(16 * EPS * abs(v) for v in values)


@pytest.mark.parametrize("tol", TOLS)
@pytest.mark.parametrize("problem", list(QUADRATICS))
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("start", ["zero", "warm"])
def test_each_solver_reaches_the_known_minimum_of_a_quadratic(
    name, problem, start, tol
):
    objective, V_star, f_star, mu, L = QUADRATICS[problem]()
    if name in SMOOTH_ONLY and objective.has_l1:
        pytest.skip(f"{name} refuses an L1 part")
    # a warm start off zero: the threshold's gradient at zero is computed anew
    V0 = objective.zeros() if start == "zero" else V_star + 0.3
    f0 = objective.value(V0)
    result = solve(name, objective, L, max_iter=10_000, tol=tol, V0=V0)
    _check_bounds(result, 10_000)
    assert result.converged, result.message
    f = objective.value(result.params)
    bound = suboptimality_bound(name, objective, result, tol, mu, L)
    assert -rounding(f0) <= f - f_star <= bound + rounding(f0)
    # the loss curve is the objective (L-BFGS carries a quadratic's value by
    # F + t slope / 2: its rounding, eps times the start's value, per iteration)
    assert abs(result.loss_curve[-1] - f) <= result.n_iter * rounding(f0)
    if objective.has_l1 and tol == TOLS[-1]:  # the closed form's exact zeros
        zeros = V_star[: objective.n_features] == 0
        np.testing.assert_array_equal(result.params[: objective.n_features] == 0, zeros)


def test_newton_solves_the_quadratic_in_one_step():
    """Newton's step with the exact Hessian lands on ``C``: one iteration."""
    objective, C, _, _, L = smooth_quadratic()
    result = solve("newton", objective, L, max_iter=100, tol=1e-12)
    assert result.converged and result.n_iter == 1
    np.testing.assert_allclose(result.params, C, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("problem", ["smooth", "lasso, diagonal"])
@pytest.mark.parametrize("name", [n for n in NAMES if n != "newton"])
def test_each_solver_stops_at_max_iter_and_says_so(name, problem):
    """Plain Newton solves a quadratic in one step (above): every other
    solver needs more than 2 iterations at tol=1e-14."""
    objective, _, _, _, L = QUADRATICS[problem]()
    if name in SMOOTH_ONLY and objective.has_l1:
        pytest.skip(f"{name} refuses an L1 part")
    result = solve(name, objective, L, max_iter=2, tol=1e-14)
    _check_bounds(result, 2)
    assert not result.converged and result.n_iter == 2
    assert "max_iter=2" in result.message


def _poisoned(name, problem, poison, after, max_iter=50):
    """The solve of a double that turns non-finite: its result, or the
    ValueError it raised."""
    objective, _, _, _, L = QUADRATICS[problem]()
    if name in SMOOTH_ONLY and objective.has_l1:
        pytest.skip(f"{name} refuses an L1 part")
    objective.poison, objective.after = poison, after
    try:
        return objective, solve(name, objective, L, max_iter=max_iter, tol=1e-14)
    except ValueError as error:
        return objective, error


@pytest.mark.parametrize("after", [1, 4])
@pytest.mark.parametrize("poison", [np.nan, np.inf], ids=["nan", "inf"])
@pytest.mark.parametrize("problem", ["smooth", "lasso, diagonal"])
@pytest.mark.parametrize("name", NAMES)
def test_a_value_that_turns_non_finite_stops_every_solver(name, problem, poison, after):
    """From the ``after``-th read of its rows on (1: the first after the
    setup's) every number the objective gives is NaN (or inf): each solver
    stops within its bounds (the deadline catches a hang), either with the
    error of its divergence rule (a constant step, no back-off) or with a
    result that is not converged, finite, at most max_iter iterations;
    converged only where it converged before the poison set in."""
    max_iter = 50
    objective, result = _poisoned(name, problem, poison, after, max_iter)
    if isinstance(result, ValueError):
        assert name in CONSTANT, result
        assert "diverged" in str(result) and "learning_rate" in str(result)
        return
    _check_bounds(result, max_iter)
    if result.converged:  # Newton's one step, before the 4th read
        assert after > 1 and math.isfinite(result.loss_curve[-1]), result.message
    else:
        assert all(map(math.isfinite, result.loss_curve[:-1]))  # no NaN accepted


# A non-finite objective is named: by the message of a line search that found
# no finite value, by the divergence error of a constant step, by SGD's
# back-off once no rate is left to try
@pytest.mark.parametrize("name", NAMES)
def test_a_non_finite_value_is_named_as_such(name):
    _, result = _poisoned(name, "smooth", np.nan, 1)
    message = str(result) if isinstance(result, ValueError) else result.message
    assert "finite" in message or "nan" in message.lower()


# -- (b) a tiny logistic regression through the real Objective -------------------------
def tiny_logistic(l1_ratio=0.0, seed=0):
    """60 samples, 3 features of unequal scales, weighted, an L2 (and L1) part."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3)) * [1.0, 5.0, 0.2] + [0.0, 2.0, -1.0]
    logits = X @ np.array([1.0, -0.3, 2.0]) + 0.5
    Y = (logits + rng.logistic(size=60) > 0)[:, None] * 1.0
    penalty = ElasticNet(0.05, l1_ratio)
    return Objective(X, Y, rng.uniform(0.5, 2.0, 60), BinaryCrossEntropy(), penalty)


def smooth_gradient(objective, V):
    return objective.smooth_gradient(objective.evaluate(V))[0]


def scipy_minimum(objective):
    """The minimum by L-BFGS-B on the objective's value and gradient, to gtol
    1e-12 (restarted from where it stops on an unchanged value, which the
    rounding of the value decides, until stationary to 1e-11); an L1 part by
    the split :math:`V = V^+ - V^-` with both parts
    nonnegative, where it is linear, :math:`c^\\top (V^+ + V^-)`."""
    shape, p = objective.zeros().shape, objective.n_features
    size = int(np.prod(shape))
    if not objective.has_l1:

        def fun(x):
            V = x.reshape(shape)
            return objective.value(V), objective.gradient(V).ravel()

        x0, bounds = np.zeros(size), None
    else:
        penalized = np.zeros(shape)
        penalized[:p] = 1.0
        c = objective.l1.gradient(penalized)  # the L1 part's slope where V > 0

        def fun(x):
            plus, minus = x[:size].reshape(shape), x[size:].reshape(shape)
            point = objective.evaluate(plus - minus)
            grad, _ = objective.smooth_gradient(point)
            value = point.value + float(np.sum(c * (plus + minus)))
            return value, np.concatenate([(grad + c).ravel(), (c - grad).ravel()])

        x0 = np.zeros(2 * size)
        half = [(0, None) if f else (None, None) for f in penalized.ravel()]
        bounds = half + half
    options = dict(gtol=1e-12, ftol=0.0, maxiter=100_000, maxcor=20)
    for _ in range(4):  # L-BFGS-B also stops where a step leaves f unchanged
        res = scipy_minimize(
            fun, x0, jac=True, method="L-BFGS-B", bounds=bounds, options=options
        )
        x0 = res.x  # restarted there, with a fresh memory, until stationary
        x = res.x if not objective.has_l1 else res.x[:size] - res.x[size:]
        if stationarity(objective, x.reshape(shape)) <= 1e-11:
            break
    return x.reshape(shape)


def stationarity(objective, V):
    """The max-norm of the smallest subgradient of the objective at ``V``."""
    grad = smooth_gradient(objective, V)
    if objective.has_l1:
        grad = objective.l1.min_norm_subgradient(V, grad)
    return float(np.abs(grad).max())


def logistic_bound_terms(objective, V, V_ref):
    """``(mu, L)`` on the segment from ``V`` to the minimum: the logistic
    loss's second derivative changes by at most a factor :math:`e^{|\\delta|}`
    when its raw prediction moves by :math:`\\delta` (:math:`|\\sigma''| \\le
    \\sigma'`), so the Hessian there lies above :math:`e^{-\\delta} H(V_{ref})`,
    ``delta`` the largest change of a raw prediction (``V_ref`` is within
    1e-10 of the minimum, which the bound neglects); ``L`` is the largest
    eigenvalue of the curvature bound, which lies above the Hessian everywhere."""
    delta = float(np.max(np.abs(objective.raw(V) - objective.raw(V_ref))))
    H = objective.curvature_matrices(objective.raw(V_ref))[0]
    mu = math.exp(-delta) * float(np.linalg.eigvalsh(H)[0])
    L = float(np.linalg.eigvalsh(objective.curvature_bound())[-1])
    return mu, L


@pytest.mark.parametrize("tol", TOLS)
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5], ids=["L2", "elastic net"])
@pytest.mark.parametrize("name", NAMES)
def test_each_solver_is_within_its_bound_of_scipys_minimum(name, l1_ratio, tol):
    objective = tiny_logistic(l1_ratio)
    if name in SMOOTH_ONLY and objective.has_l1:
        pytest.skip(f"{name} refuses an L1 part")
    V_ref = scipy_minimum(objective)
    f_ref, r_ref = objective.value(V_ref), stationarity(objective, V_ref)
    assert r_ref <= 1e-10  # the reference is a minimum to rounding
    L = float(np.linalg.eigvalsh(objective.curvature_bound())[-1])
    result = solve(name, objective, L, max_iter=10_000, tol=tol)
    _check_bounds(result, 10_000)
    assert result.converged, result.message
    mu, L = logistic_bound_terms(objective, result.params, V_ref)
    f = objective.value(result.params)
    # f_ref >= f*, so f - f_ref <= f - f* <= the bound; and f_ref is no
    # further above f* than its own bound
    bound = suboptimality_bound(name, objective, result, tol, mu, L)
    ref_bound = V_ref.size * r_ref**2 / (2 * mu)
    assert -ref_bound - rounding(f_ref) <= f - f_ref <= bound + rounding(f, f_ref)


@pytest.mark.parametrize("name", NAMES)
def test_each_solver_stops_at_max_iter_on_the_logistic(name):
    objective = tiny_logistic()
    L = float(np.linalg.eigvalsh(objective.curvature_bound())[-1])
    result = solve(name, objective, L, max_iter=2, tol=1e-14)
    _check_bounds(result, 2)
    assert not result.converged and result.n_iter == 2
    assert "max_iter=2" in result.message
