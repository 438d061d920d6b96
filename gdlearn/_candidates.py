"""The fits of each group of :mod:`gdlearn.compare`, and the solver names
that ``gdlearn compare --solver`` and ``--sklearn-solver`` take.

gdlearn's solvers are named as the estimators' ``solver`` parameter names
them (:data:`gdlearn.solvers.SOLVERS` and 'auto'). scikit-learn's are named
by the ``solver`` parameter of the group's estimator where it has one
(``Ridge``, ``LogisticRegression``: checked against its parameter
constraint), 'lstsq' for ``LinearRegression``, 'cd' (coordinate descent)
for ``Lasso`` and ``ElasticNet``, and 'sgd' for ``SGDRegressor`` /
``SGDClassifier``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import sklearn.linear_model as sk

from .linear_model import (
    ElasticNetGD,
    LassoGD,
    LinearRegressionGD,
    LogisticRegressionGD,
    RidgeGD,
)
from .solvers import SOLVERS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sklearn.base import BaseEstimator

#: What ``--solver`` takes: gdlearn's solvers.
GDLEARN_SOLVERS = ("auto", *SOLVERS)
GDLEARN_CLASSES = {
    "LinearRegressionGD": LinearRegressionGD,
    "RidgeGD": RidgeGD,
    "LassoGD": LassoGD,
    "ElasticNetGD": ElasticNetGD,
    "LogisticRegressionGD": LogisticRegressionGD,
}
#: Each group's scikit-learn estimator (not SGD).
SKLEARN_CLASSES = {
    "LinearRegressionGD": sk.LinearRegression,
    "RidgeGD": sk.Ridge,
    "LassoGD": sk.Lasso,
    "ElasticNetGD": sk.ElasticNet,
    "LogisticRegressionGD": sk.LogisticRegression,
}
#: The name of a scikit-learn estimator without a ``solver`` parameter.
_FIXED = {sk.LinearRegression: "lstsq", sk.Lasso: "cd", sk.ElasticNet: "cd"}
#: scikit-learn's solvers run when ``--sklearn-solver`` is not given
#: ('lbfgs' is left out of Ridge's: it takes positive=True only).
DEFAULT_SKLEARN = {
    "RidgeGD": ("auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga"),
    "LogisticRegressionGD": (
        "lbfgs",
        "newton-cholesky",
        "newton-cg",
        "sag",
        "saga",
        "liblinear",
    ),
}


def sklearn_solver_names(name: str) -> tuple[str, ...]:
    """The scikit-learn solver names of group ``name``: those its estimator's
    ``solver`` constraint allows (or its one fixed name), then 'sgd'."""
    cls = SKLEARN_CLASSES[name]
    if cls in _FIXED:
        return (_FIXED[cls], "sgd")
    (options,) = (
        c for c in cls._parameter_constraints["solver"] if hasattr(c, "options")
    )
    return (*sorted(options.options), "sgd")


def check_solvers(
    names: Sequence[str], estimators: Sequence[str], option: str, sklearn: bool
) -> None:
    """Refuse a solver name that none of ``estimators``' groups takes, in one
    line naming ``option`` and the names it takes."""
    valid = (
        dict.fromkeys(s for e in estimators for s in sklearn_solver_names(e))
        if sklearn
        else dict.fromkeys(GDLEARN_SOLVERS)
    )
    for solver in names:
        if solver not in valid:
            raise ValueError(
                f"{option}: unknown solver {solver!r} for "
                f"{', '.join(estimators)}; choose from {', '.join(valid)}"
            )


def candidates(
    name: str,
    *,
    alpha: float = 1.0,
    l1_ratio: float = 0.5,
    C: float = 1.0,
    n_samples: int,
    n_classes: int = 0,
    n_outputs: int = 1,
    solvers: Sequence[str] | None = None,
    sklearn_solvers: Sequence[str] | None = None,
) -> list[BaseEstimator]:
    """Unfitted estimators minimizing the objective of gdlearn's ``name``:
    gdlearn's own first, then scikit-learn's solvers, then gdlearn's and
    scikit-learn's SGD (with matched regularization).

    ``solvers`` names gdlearn's solvers to run (default: 'auto',
    'accelerated', the subgradient method for an L1 penalty, and 'sgd');
    ``sklearn_solvers`` scikit-learn's (module docstring; default: all that
    apply, and SGD where it minimizes the same objective); names the group
    does not take are skipped.
    """
    params = {
        "RidgeGD": {"alpha": alpha},
        "LassoGD": {"alpha": alpha},
        "ElasticNetGD": {"alpha": alpha, "l1_ratio": l1_ratio},
        "LogisticRegressionGD": {"C": C},
    }.get(name, {})
    gd, cls = GDLEARN_CLASSES[name], SKLEARN_CLASSES[name]
    l1 = name in ("LassoGD", "ElasticNetGD")
    default = solvers is None
    ours = [
        gd(**params, solver=s, **({"random_state": 0} if s == "sgd" else {}))
        for s in (("auto", "accelerated") if default else solvers)
    ]
    if default and l1:
        ours.append(gd(**params, l1_method="subgradient"))
    theirs_names = (
        DEFAULT_SKLEARN.get(name, (_FIXED.get(cls),))
        if sklearn_solvers is None
        else [s for s in sklearn_solvers if s in sklearn_solver_names(name)]
    )
    theirs = [
        cls(**params) if cls in _FIXED else cls(**params, solver=s)
        for s in theirs_names
        if s != "sgd" and (s != "liblinear" or n_classes == 2)
    ]
    sgd = []
    if default:
        sgd.append(gd(**params, solver="sgd", random_state=0))
    matched = n_outputs == 1 and (name != "LogisticRegressionGD" or n_classes == 2)
    if matched and (sklearn_solvers is None or "sgd" in sklearn_solvers):
        sgd.append(_sgd(name, alpha, l1_ratio, C, n_samples))
    return [*ours, *theirs, *sgd]


def _sgd(name, alpha, l1_ratio, C, n):
    """scikit-learn's SGD estimator with the group's minimizer."""
    if name == "LogisticRegressionGD":
        penalty = {"penalty": None} if math.isinf(C) else {"alpha": 1 / (C * n)}
        return sk.SGDClassifier(loss="log_loss", **penalty)
    return {
        "LinearRegressionGD": lambda: sk.SGDRegressor(penalty=None),
        "RidgeGD": lambda: sk.SGDRegressor(penalty="l2", alpha=alpha / n),
        "LassoGD": lambda: sk.SGDRegressor(penalty="l1", alpha=alpha),
        "ElasticNetGD": lambda: sk.SGDRegressor(
            penalty="elasticnet", alpha=alpha, l1_ratio=l1_ratio
        ),
    }[name]()


def short_label(model: BaseEstimator) -> str:
    """The fit in the words of ``--solver`` / ``--sklearn-solver``: 'gdlearn
    auto (newton)' (with the solver 'auto' chose, once fitted), 'gdlearn
    subgradient' (``l1_method='subgradient'``), 'sklearn saga', 'sklearn sgd'."""
    if type(model).__module__.startswith("gdlearn"):
        solver, chosen = model.solver, getattr(model, "solver_", None)
        if getattr(model, "l1_method", "proximal") == "subgradient":
            return "gdlearn " + (
                "subgradient" if solver == "auto" else f"{solver}, subgradient"
            )
        if solver == "auto" and chosen is not None:
            return f"gdlearn auto ({chosen})"
        return f"gdlearn {solver}"
    if type(model).__name__.startswith("SGD"):
        return "sklearn sgd"
    return f"sklearn {_FIXED.get(type(model)) or model.solver}"
