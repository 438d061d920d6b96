"""The fit loop every solver shares, in named phases.

:meth:`Solver.solve` runs

1. **setup**: the solver's state at the start, with the objective's value
   and its stationarity measure there; the stopping threshold
   (:func:`stopping_threshold`) from the gradient at zero;
2. **iterate** (the solver's own: a direction and a step size), returning an
   :class:`Outcome`;
3. **confirm**: a solver whose value and gradient are carried by a
   recursion rather than read from ``X`` refreshes them before it stops
   without converging;
4. **check**: the separability test, the progress line, convergence
   (measure at most the threshold, and the solver's estimate of the
   distance to the minimum at most ``tol`` relative to the largest
   coefficient, times ``DISTANCE_FACTOR``: :func:`relative_distance`), the
   stall rule (:class:`Stall`),
   and a hand-over to a successor solver;
5. **finalize**: an :class:`OptimizeResult`, with one message.

Every loop is bounded: ``max_iter`` iterations, and each solver's inner
loops (step halving, orthant rounds) have their own bound. One divergence
rule (:func:`diverged`) serves every solver with a constant step size.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .._array_api import any_nonzero, max_abs, namespace

if TYPE_CHECKING:
    from types import SimpleNamespace

    from .._objective import Objective
    from .._typing import Array, Threshold

#: The objective's own gradient scale, in units of sqrt(|f|): see stopping_threshold.
OBJECTIVE_SCALE = 5.0
#: Convergence needs the estimated relative distance of the coefficients to
#: the minimum at most this many times ``tol`` (see relative_distance). 10
#: stops L-BFGS at 0.3 from the minimum on 20,000 x 100 with 10 columns
#: scaled by 1,000, where its estimate read 7e-6 (benchmarks/DEFAULTS.md).
DISTANCE_FACTOR = 1.0
#: A constant step size diverges when the objective exceeds its start this many times.
DIVERGENCE_FACTOR = 1e4


@dataclass
class OptimizeResult:
    """What a solver returns: the coordinates ``params`` it stopped at."""

    params: Array
    n_iter: int
    converged: bool
    loss_curve: list[float] = field(default_factory=list)
    step: float = 0.0
    message: str = ""


@dataclass
class Outcome:
    """What one iteration reports to :meth:`Solver.solve`.

    ``value`` is the full objective and ``measure`` the stationarity measure
    after the iteration; ``decrease`` and ``noise`` (the rounding noise of the
    value before it) feed the stall rule. ``Z`` are the new raw predictions
    for the separability test, when the solver has them. ``stuck``: no step
    decreased the objective, stop here. ``rejected``: the iteration was
    undone (the iterate did not change). ``done``: the solver's own reason to
    stop, counted as converged. ``distance``: the solver's estimate of how
    far the coefficients are from the minimum, relative to the largest
    (:func:`relative_distance`; 0 where the solver has none, the first-order
    methods): convergence needs it at most ``DISTANCE_FACTOR * tol`` beside
    the gradient test.
    """

    value: float
    measure: float
    step: float = 1.0
    decrease: float = math.inf
    noise: float = 0.0
    Z: Array | None = None
    stuck: bool = False
    rejected: bool = False
    done: str = ""
    non_finite: bool = False  # stuck because every trial's value was NaN or inf
    distance: float = 0.0


class Solver:
    """A solver is its :meth:`setup` and :meth:`iterate`; :meth:`solve` is the loop.

    Subclasses declare what they handle, checked before any data is read:
    ``handles_l1`` (an L1 penalty), ``constant_step`` (a float
    ``learning_rate``), ``schedules`` (the stochastic schedules) and
    ``needs_gram`` (it forms curvature matrices, ``q`` x ``q`` or larger).
    """

    name = title = ""
    handles_l1 = False
    constant_step = False
    schedules = False
    needs_gram = False
    patience: int | None = (
        5  # stalled iterations in a row before stopping (None: no rule)
    )
    unit = "iteration"
    checks_start = True  # whether the start itself may meet the threshold

    def setup(self, objective: Objective, V0: Array) -> SimpleNamespace:
        """The state ``s`` at ``V0``: it has ``V``, ``value``, ``measure`` and ``grad``."""
        raise NotImplementedError

    def iterate(self, s: SimpleNamespace) -> Outcome:
        raise NotImplementedError

    def confirm(self, s: SimpleNamespace, outcome: Outcome) -> Outcome:
        """The outcome of a fit about to stop short, re-read from ``X``."""
        return outcome

    def hand_over(
        self,
        s: SimpleNamespace,
        it: int,
        max_iter: int,
        threshold: Threshold,
        stalled: bool = False,
    ) -> str:
        """A message when a successor should finish the fit (``stalled``: this
        solver is about to stop by the stall rule), else ``""``."""
        return ""

    def successor(self) -> Solver:
        raise NotImplementedError

    def distance(self, s: SimpleNamespace) -> float:
        """The solver's estimate of :func:`relative_distance` at ``s.V``, read
        by the start's test (``inf`` until the gradient test passes); 0 where
        the solver has none."""
        return 0.0

    def finalize(self, s: SimpleNamespace) -> Array:
        """The coordinates to return."""
        return s.V

    def solve(
        self,
        objective: Objective,
        V0: Array,
        *,
        max_iter: int,
        tol: float,
        verbose: int = 0,
        threshold: Threshold | None = None,
        first: int = 1,
    ) -> OptimizeResult:
        """Minimize ``objective`` from ``V0``; see the module docstring.
        ``threshold`` replaces the stopping threshold when this solver
        continues the fit of another, whose iterations were ``first - 1``."""
        progress = Progress(verbose)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            state = self.setup(objective, V0)
        if threshold is None:
            at_zero = None if any_nonzero(V0) else state.grad
            threshold = stopping_threshold(tol, objective, at_zero)
        state.threshold, state.tol = threshold, DISTANCE_FACTOR * tol
        progress.say(
            f"solver {self.name!r} ({self.title}) from {self.unit} {first}: stops "
            f"when the gradient is at most {threshold(state.value):.3e} (tol={tol:g})"
        )
        stall, curve, it = Stall(self.patience), [], 0
        converged = self.checks_start and state.measure <= threshold(state.value)
        converged = converged and self.distance(state) <= state.tol
        message = max_iter_message(max_iter, self.unit)
        handed_over = ""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            while not converged and it < max_iter:
                it += 1
                out = self.iterate(state)
                stalled = not (out.stuck or out.rejected) and stall(
                    out.decrease, out.noise, out.measure
                )
                if stalled or (it == max_iter and not out.stuck):
                    out = self.confirm(state, out)
                curve.append(out.value)
                wanted = threshold(out.value)
                if out.stuck:
                    converged = out.measure <= wanted and not out.non_finite
                    message = stop_message(
                        it, converged, out.measure, wanted, self.unit
                    )
                    if out.non_finite:
                        message = non_finite_message(it, self.unit)
                    break
                if out.rejected:
                    continue
                if out.Z is not None and objective.unbounded(out.Z):
                    message = unbounded_message(it, self.unit)
                    break
                out.Z = None  # not alive beside the next iteration's arrays
                progress.report(it + first - 1, out.value, out.measure, out.step)
                close = out.measure <= wanted
                if close and out.distance <= state.tol or out.done:
                    converged = True
                    message = out.done or counted("converged in", it, self.unit)
                    break
                handed_over = self.hand_over(state, it, max_iter, threshold, stalled)
                if handed_over:
                    message = handed_over
                    break
                if (
                    stalled
                ):  # gradient met: the coefficients are as exact as rounding allows
                    converged = close
                    message = stop_message(it, close, out.measure, wanted, self.unit)
                    break
        if first == 1:  # a successor's message is its predecessor's (_continue)
            progress.say(message)
        state.converged = converged
        params = self.finalize(state)
        step = float(getattr(state, "step", 1.0))
        result = OptimizeResult(params, it, converged, curve, step, message)
        if handed_over:
            return self._continue(objective, result, max_iter, tol, verbose, threshold)
        return result

    def _continue(
        self,
        objective: Objective,
        result: OptimizeResult,
        max_iter: int,
        tol: float,
        verbose: int,
        threshold: Threshold,
    ) -> OptimizeResult:
        """The fit finished by :meth:`successor` from where this one stopped."""
        it = result.n_iter
        rest = self.successor().solve(
            objective,
            result.params,
            max_iter=max_iter - it,
            tol=tol,
            verbose=verbose,
            threshold=threshold,
            first=it + 1,
        )
        total, message = it + rest.n_iter, rest.message
        if rest.converged:
            message = counted("converged in", total, self.unit)
        elif total >= max_iter:
            message = max_iter_message(max_iter, self.unit)
        message = (
            f"{message} (the first {it} by {self.title}, the rest by "
            f"{self.successor().title})"
        )
        Progress(verbose).say(message)
        return OptimizeResult(
            rest.params,
            total,
            rest.converged,
            result.loss_curve + rest.loss_curve,
            rest.step,
            message,
        )


def plural(count: int, unit: str) -> str:
    """``"3 iterations"``, ``"1 epoch"``."""
    return f"{count} {unit}" + "s" * (count != 1)


def counted(what: str, count: int, unit: str) -> str:
    """``"converged in 3 iterations"``."""
    return f"{what} {plural(count, unit)}"


def max_iter_message(max_iter: int, unit: str = "iteration") -> str:
    return (
        f"did not converge in max_iter={max_iter} {unit}s: increase max_iter, "
        "or raise tol to accept a less exact solution"
    )


def stop_message(
    it: int, converged: bool, measure: float, threshold: float, unit: str = "iteration"
) -> str:
    """Why the loop stopped when no step decreased the objective."""
    if converged:
        return counted("converged in", it, unit)
    return (
        f"stalled after {it} {unit}s: no step decreases the objective at this "
        f"precision (gradient {measure:.2e} against {threshold:.2e} wanted). Raise "
        "tol, or add a penalty if the minimum is at infinity (separable classes "
        "without one)"
    )


def unbounded_message(it: int, unit: str = "iteration") -> str:
    return (
        f"stopped after {it} {unit}s: the classes are perfectly separated, so "
        "without a penalty the objective has no minimum and the coefficients would "
        "grow without bound. Use a finite C for a solution"
    )


def non_finite_message(it: int, unit: str = "iteration") -> str:
    return (
        f"stopped at {unit} {it}: the objective is not finite (NaN or inf) at "
        "every step tried, the loss or the data overflows there"
    )


def diverged(value: float, start: float) -> bool:
    """The divergence rule of a constant step size: the objective is not
    finite, or above ``DIVERGENCE_FACTOR`` times its value at the start."""
    return not value <= DIVERGENCE_FACTOR * abs(start) + 1e-12


def divergence_error(learning_rate: float, value: float | None = None) -> ValueError:
    """The error of :func:`diverged`, naming the value reached when known."""
    reached = "" if value is None else f" (the objective reached {value:.3g})"
    return ValueError(
        f"The fit diverged{reached}: learning_rate={float(learning_rate):.6g} is "
        "too large for this data. Use learning_rate='auto' (backtracking, never "
        "diverges) or a smaller value."
    )


class Stall:
    """Counts the iterations in a row that neither change the objective by
    more than its rounding noise nor bring the gradient measure 10% below
    where the count started: ``patience`` of them means rounding, not the
    method, sets the pace, and more iterations would change nothing."""

    def __init__(self, patience: int | None) -> None:
        self.patience, self.count, self.mark = patience, 0, np.inf

    def __call__(self, decrease: float, noise: float, measure: float) -> bool:
        if self.patience is None:
            return False
        if abs(decrease) > noise or measure < 0.9 * self.mark:
            self.count, self.mark = 0, measure
        else:
            self.count += 1
        return self.count >= self.patience


def stopping_threshold(
    tol: float, objective: Objective, grad_at_zero: Array | None
) -> Threshold:
    """The stopping threshold, a function of the objective's value ``f``:
    ``tol`` times the larger of the max-norm of the smooth part's gradient at
    zero (1 if that is 0) and :math:`5 \\sqrt{|f|}`, and at least 300
    machine epsilons of the data's dtype times the former.

    In the optimizer's coordinates the curvature is about 1 along each
    coefficient, where a gradient ``g`` leaves about :math:`g^2 / 2` of the
    objective to gain: :math:`\\sqrt{|f|}` is the gradient's own scale
    beside the objective, and it keeps a fit whose objective is large beside
    its gradient at zero from going on long after the objective has stopped
    moving (the factor 5 was chosen on the benchmark problems, see
    ``benchmarks/RESULTS.md``). The floor is what rounding allows: 6.7e-14
    for float64 and 3.6e-5 for float32, where the implicitly centred
    gradient of raw (uncentred) data carries rounding errors of about 1e-5
    relative to the gradient at zero.
    """
    if grad_at_zero is None:
        grad_at_zero, _ = objective.smooth_gradient(
            objective.evaluate(objective.zeros())
        )
    base = max_abs(grad_at_zero) or 1.0
    xp = namespace(grad_at_zero)
    floor = 300 * float(xp.finfo(objective.dtype).eps) * base

    def threshold(f: float) -> float:
        scale = OBJECTIVE_SCALE * math.sqrt(abs(f)) if math.isfinite(f) else 0.0
        return max(tol * max(base, scale), floor)

    return threshold


def relative_distance(objective: Objective, V: Array, D: Array) -> float:
    """The max-norm of the coefficients' part of the step ``D`` from ``V``,
    relative to the largest coefficient of ``V`` (both in the user's units,
    the optimizer's coordinates times the preconditioner's scale): where ``D``
    is the solver's next step, the relative distance of the coefficients to
    the minimum that the solver estimates (Newton's step, exact near the
    minimum, where the gradient alone can be small along a flat direction
    of the objective while the coefficients are far from theirs)."""
    p = getattr(objective, "n_features", V.shape[0])
    design = getattr(objective, "design", None)
    scale = getattr(design, "scale", None)
    step, size = D[:p, :], V[:p, :]
    if scale is not None:
        step, size = scale[:, None] * step, scale[:, None] * size
    change, largest = max_abs(step), max_abs(size)
    if not change:
        return 0.0
    return change / largest if largest else math.inf


def stationarity(objective: Objective, V: Array, grad: Array) -> float:
    """Max-norm of the smallest element of the (sub)gradient of the objective at ``V``."""
    if objective.has_l1:
        grad = objective.l1.min_norm_subgradient(V, grad)
    return max_abs(grad)


class Progress:
    """The progress line: iterations 1, 2, 5, 10, 20, 50, ... with ``verbose``
    (every one with ``verbose > 1``), and the closing message."""

    def __init__(self, verbose: int) -> None:
        self.verbose, self.started = verbose, time.perf_counter()

    def report(self, it: int, value: float, gradient: float, step: float) -> None:
        if not self.verbose:
            return
        if self.verbose <= 1:
            mantissa = it / 10 ** int(np.log10(it))
            if mantissa not in (1, 2, 5):
                return
        print(
            f"iter {it:6d}  objective {value:.10g}  gradient {gradient:.3e}"
            f"  step {step:.3e}  {time.perf_counter() - self.started:.3f}s"
        )

    def say(self, message: str) -> None:
        if self.verbose:
            print(message)
