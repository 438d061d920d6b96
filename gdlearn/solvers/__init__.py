"""The solvers by name, what each one handles, and the ``'auto'`` policy.

Every solver is a :class:`~gdlearn.solvers._template.Solver`: its own setup,
direction and step rule inside one shared loop. The registry :data:`SOLVERS`
maps the names of the estimators' ``solver`` parameter to them; what each
declares (``handles_l1``, ``constant_step``, ``schedules``, ``needs_gram``) is
checked by :func:`check_solver` before any data is read.

==============  =============================================  ====  ========  =====
name            direction and step                             L1    constant  Gram
==============  =============================================  ====  ========  =====
'newton'        :math:`-P^{-1}\\nabla F`, Armijo backtracking   yes   yes       yes
'lbfgs'         two-loop recursion, Armijo / exact on a         no    no        no
                parabola
'accelerated'   FISTA momentum with restart, backtracking       yes   yes       no
'gd'            gradient steps, backtracking                    yes   yes       no
'sgd'           mini-batch epochs on a schedule                 yes   yes       no
==============  =============================================  ====  ========  =====
"""

from __future__ import annotations

from ._template import OptimizeResult, Outcome, Solver, stopping_threshold
from .first_order import (
    Backtracking,
    ConstantStep,
    FirstOrder,
    Nesterov,
    NoMomentum,
    minimize,
    proximal_step,
    subgradient_step,
)
from .lbfgs import LBFGS, minimize_lbfgs
from .newton import Newton, minimize_newton
from .sgd import SGD, minimize_sgd
from .working_set import WorkingSet, applies

__all__ = [
    "Backtracking",
    "ConstantStep",
    "FirstOrder",
    "L1_METHODS",
    "LBFGS",
    "Nesterov",
    "Newton",
    "NoMomentum",
    "OptimizeResult",
    "Outcome",
    "SGD",
    "SOLVERS",
    "Solver",
    "auto_solver",
    "check_solver",
    "minimize",
    "minimize_lbfgs",
    "minimize_newton",
    "minimize_sgd",
    "proximal_step",
    "stopping_threshold",
    "subgradient_step",
    "use_working_set",
    "WorkingSet",
]


class Accelerated(FirstOrder):
    """:class:`FirstOrder` with Nesterov momentum (FISTA with L1)."""

    name, title = "accelerated", "accelerated gradient descent"
    momentum_rule = Nesterov


class GradientDescent(FirstOrder):
    """:class:`FirstOrder` without momentum."""

    name = "gd"


#: How an L1 penalty is handled by the first-order and stochastic solvers.
L1_METHODS = {"proximal": proximal_step, "subgradient": subgradient_step}

#: The solvers by the names that the estimators' ``solver`` parameter takes
#: (``'auto'`` picks one of them: :func:`auto_solver`).
SOLVERS = {
    "newton": Newton,
    "lbfgs": LBFGS,
    "accelerated": Accelerated,
    "gd": GradientDescent,
    "sgd": SGD,
}

#: 'auto' takes 'newton' up to this many unknowns (features + intercept, times
#: classes for the softmax): its curvature matrix then factors in milliseconds.
NEWTON_MAX_UNKNOWNS = 1000
#: 'auto' starts a smooth objective with Newton's method when it needs at most
#: this many L-BFGS iterations' worth of work (see :func:`newton_cost`).
NEWTON_FIRST_COST = 15
#: How much faster a Gram product runs than a gradient's pass, per
#: multiply-add: the Gram reuses each entry of ``X`` ``q`` times while it is in
#: cache (matrix-matrix work), a pass reads each entry once (matrix-vector
#: work, bound by memory bandwidth). A ratio of 5 is the usual gap between the
#: two on a CPU; with the Gram's ``q (q + 1) / 2`` multiply-adds per row
#: against the pass's ``2 q`` (times 2 for L-BFGS's two passes), a refresh of
#: the curvature costs about ``q / (4 * 5)`` L-BFGS iterations.
GRAM_SPEEDUP = 5.0


def check_solver(solver, *, l1, learning_rate):
    """Refuse a ``solver`` that cannot run with an L1 penalty or the
    constraint ``positive=True`` (``l1``: a nonsmooth part) or with this
    ``learning_rate``, naming both: before any data is read."""
    cls = None if solver == "auto" else SOLVERS[solver]
    constant = not isinstance(learning_rate, str)
    if cls is LBFGS and (l1 or learning_rate != "auto"):
        raise ValueError(
            "solver='lbfgs' minimizes smooth objectives with learning_rate='auto' "
            "and no constraint: use solver='newton' or 'accelerated' for an L1 "
            "penalty, positive=True or a constant learning_rate."
        )
    schedule = not constant and learning_rate != "auto"
    if schedule and not (cls is not None and cls.schedules):
        raise ValueError(
            f"learning_rate={learning_rate!r} is a schedule of solver='sgd', not "
            f"of solver={solver!r}: use learning_rate='auto' or a float, or "
            "solver='sgd'."
        )


def newton_cost(objective):
    """What Newton's method needs to finish a fit of ``objective`` whose
    curvature changes, in L-BFGS iterations: about 5 iterations and 3
    refreshes of the curvature.

    A refresh reads (a subsample of) ``X`` once with ``q / (4 *
    GRAM_SPEEDUP)`` times the work of an L-BFGS iteration (``q`` the
    features, or the stored entries per row of a sparse ``X``), at least
    one, times ``(K + 1) / 2`` for the softmax's ``K (K+1) / 2`` blocks of
    ``K`` outputs, halved where the blocks are summed in float32. A small
    ``X``, whose blocks are taken in one batched product, costs what its
    calls do: one.
    """
    return 5 + 3 * refresh_cost(objective)


def refresh_cost(objective):
    """A refresh of Newton's curvature, in L-BFGS iterations (the passes
    over ``X`` of a gradient; a Newton iteration takes as many): ``q / (4 *
    GRAM_SPEEDUP)``, at least one, as :func:`newton_cost` counts it."""
    design, k = objective.design, objective.Y.shape[1]
    n = design.n_samples
    per_row = design.entries_per_row + 1
    rows = min(1.0, objective.curvature_rows / max(n, 1))
    blocks = (k + 1) / 2 if objective.loss.coupled else 1.0
    single = 0.5 if objective.curvature_single and rows < 1 and k > 1 else 1.0
    if design.batched(blocks * k):
        return 1.0
    return max(1.0, per_row * blocks * rows * single / (4 * GRAM_SPEEDUP))


def auto_solver(objective, *, learning_rate, l1_method="proximal", working_sets=True):
    """``(name, newton_cost)``: the solver ``'auto'`` runs on ``objective``,
    and for 'lbfgs' the cost past which it hands over to Newton's method
    (None: never). The one place where ``'auto'`` is decided.

    ``'working_set'`` where :func:`use_working_set` holds (and
    ``working_sets``; a working set's own problem is decided without them).
    With a constant ``learning_rate``: 'accelerated'. Else up to
    ``NEWTON_MAX_UNKNOWNS`` unknowns 'newton' (a first-order method for an
    L1 penalty by ``l1_method='subgradient'``, which is one by definition),
    unless the curvature changes (cross-entropy) and Newton's method would
    cost more than ``NEWTON_FIRST_COST`` L-BFGS iterations
    (:func:`newton_cost`): then 'lbfgs', which hands over to Newton's
    method if its own progress turns out slower than that. Beyond
    ``NEWTON_MAX_UNKNOWNS`` unknowns 'lbfgs' for smooth objectives and
    'accelerated' with L1.
    """
    if working_sets and use_working_set(
        objective, learning_rate=learning_rate, l1_method=l1_method
    ):
        return "working_set", None
    if learning_rate != "auto":
        return "accelerated", None
    # the order of the matrix Newton's method factors: one block shared by
    # every target of the squared error, the softmax's classes coupled
    k = objective.Y.shape[1] if objective.loss.coupled else 1
    unknowns = objective.design.n_columns * k
    if unknowns > NEWTON_MAX_UNKNOWNS:
        return ("accelerated" if objective.has_l1 else "lbfgs"), None
    if objective.has_l1:
        return ("accelerated" if l1_method == "subgradient" else "newton"), None
    if objective.constant_curvature:
        return "newton", None
    cost = newton_cost(objective)
    return ("lbfgs", cost) if cost > NEWTON_FIRST_COST else ("newton", None)


def use_working_set(objective, *, learning_rate, l1_method="proximal"):
    """Whether ``'auto'`` solves ``objective`` by working sets
    (:class:`~gdlearn.solvers.working_set.WorkingSet`): an L1 part taken
    by proximal or orthant-wise steps, ``learning_rate='auto'``, data in
    memory (NumPy or scipy.sparse), more than ``WORKING_SET_MIN_FEATURES``
    features, and either more features than samples or more unknowns than
    Newton's method takes on the full problem (``NEWTON_MAX_UNKNOWNS``).

    Measured (``benchmarks/HIGHDIM.md``, one BLAS thread): on 300 x 800 at
    lambda_max/20 the full orthant-wise Newton fit took 204 ms, the working
    sets 4.8 ms; on 500 x 20,000 FISTA took 2.1 s, working sets 73 ms. On
    tall data (10,000 x 100, 2,000 x 300) a weak penalty (lambda_max/100)
    keeps so many features that the rounds cost more than one full Newton
    fit (98 against 56 ms, 79 against 63 ms): full Newton there.
    """
    k = objective.Y.shape[1] if objective.loss.coupled else 1
    p = objective.n_features
    wide = p > objective.n_samples or (p + 1) * k > NEWTON_MAX_UNKNOWNS
    return (
        learning_rate == "auto"
        and l1_method == "proximal"
        and wide
        and p > WORKING_SET_MIN_FEATURES
        and applies(objective)
    )


#: 'auto' takes working sets past this many features (see use_working_set).
WORKING_SET_MIN_FEATURES = 50
