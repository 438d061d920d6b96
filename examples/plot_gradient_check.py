"""
Hand-derived gradients checked against finite differences
=========================================================

The seeds derive, by hand, the gradient of the mean squared error
(``X^T (Xw + b - y) / m``), of the logistic cross-entropy
(``X^T (sigmoid(Xw + b) - y) / m``) and of the log-sum-exp (the softmax).
This script computes each one the way gdlearn does and compares it with a
five-point finite-difference quotient of the function itself, then shows
that a gradient with a mistake in it (here a lost factor of 1/2)
is caught at once.

The figure shows why the check uses a step of about 1e-3: the five-point
quotient's truncation error falls as ``h**4`` while rounding grows as
``eps / h``, so the error of a correct gradient is a V with its bottom,
about 1e-13, near h = 1e-3, far below the 0.2 to 0.5 that a gradient off by
half gives at every step.
(``gdlearn._objective`` is internal; it is used here because it is the very
code the estimators run.)

Run: ``python examples/plot_gradient_check.py`` (writes
``examples/figures/plot_gradient_check.png``, or into ``$GDLEARN_FIGURES``)
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from gdlearn import check_gradient
from gdlearn._objective import Objective
from gdlearn.losses import BinaryCrossEntropy, MultinomialCrossEntropy, SquaredError
from gdlearn.penalties import ElasticNet

rng = np.random.default_rng(0)


def check(title, X, Y, loss, penalty=None):
    objective = Objective(X, Y, np.ones(len(X)), loss, penalty, precondition=False)
    shape = objective.zeros().shape  # |V| >= 0.05 keeps clear of the kink of |.| at 0
    V = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.05, 0.1, size=shape)
    error = check_gradient(objective.value, objective.gradient, V)
    wrong = check_gradient(objective.value, lambda V: 0.5 * objective.gradient(V), V)
    print(f"{title:45s} relative error {error:.1e}   (half the gradient: {wrong:.1e})")
    return objective, V


def error_against_step(objective, V, steps):
    """Relative error of the analytic gradient (and of half of it) for each step."""
    right = [
        check_gradient(objective.value, objective.gradient, V, epsilon=h) for h in steps
    ]
    half = lambda V: 0.5 * objective.gradient(V)  # noqa: E731
    wrong = [check_gradient(objective.value, half, V, epsilon=h) for h in steps]
    return right, wrong


def main():
    X, y = load_diabetes(return_X_y=True)
    check("squared error, diabetes", X, y[:, None] / y.std(), SquaredError())
    check(
        "squared error + elastic net, diabetes",
        X,
        y[:, None] / y.std(),
        SquaredError(),
        ElasticNet(0.1, 0.5),
    )
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    check(
        "binary cross-entropy, breast_cancer",
        X,
        y[:, None].astype(float),
        BinaryCrossEntropy(),
    )
    X, y = load_wine(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    objective, V = check(
        "softmax cross-entropy, wine", X, np.eye(3)[y], MultinomialCrossEntropy()
    )

    steps = np.logspace(-8, -0.5, 30)
    right, wrong = error_against_step(objective, V, steps)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(steps, right, "o-", label="analytic gradient  X^T (P - Y) / n")
    ax.loglog(steps, wrong, "s--", label="the same, off by a factor 1/2")
    ax.axvline(1e-3, color="grey", lw=0.8, label="check_gradient's default step")
    ax.set_xlabel("finite-difference step h")
    ax.set_ylabel("relative error against the five-point quotient")
    ax.set_title("softmax cross-entropy on wine: gradient check")
    ax.legend(fontsize="small")
    fig.tight_layout()
    folder = Path(
        os.environ.get("GDLEARN_FIGURES") or Path(__file__).parent / "figures"
    )
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / "plot_gradient_check.png", dpi=100)
    print(f"smallest error {min(right):.1e} at h = {steps[np.argmin(right)]:.0e}")


if __name__ == "__main__":
    main()
