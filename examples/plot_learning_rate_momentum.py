"""
The learning rate and momentum, on a least-squares problem
==========================================================

Gradient descent on ``f(w) = ||Xw + b - y||^2 / (2n)`` (``LinearRegressionGD``,
standardized diabetes data, ``precondition=False`` so a step is taken in the
user's own coordinates) with a constant learning rate ``eta``. The Hessian is
``A^T A / n`` with ``A = [X, 1]``; its largest eigenvalue ``L`` sets the
scale: the error along the eigenvector of eigenvalue ``lam`` is multiplied by
``1 - eta * lam`` at every step, so

* ``eta < 2 / L`` converges, at a rate set by the smallest eigenvalue
  ``mu``: about ``L / mu`` (the condition number) iterations per digit at
  ``eta = 1 / L``;
* ``eta > 2 / L`` diverges, and gdlearn stops with an error naming
  ``learning_rate`` instead of returning NaN;
* Nesterov momentum (``solver='accelerated'``) needs about ``sqrt(L / mu)``
  iterations per digit; with adaptive restart it is monotone in the long run;
* ``learning_rate='auto'`` (backtracking) needs no ``L`` at all, and the
  default ``solver='newton'`` (steps shaped by the Hessian) solves a
  quadratic in one step.

Run: ``python examples/plot_learning_rate_momentum.py`` (writes
``examples/figures/plot_learning_rate_momentum.png``, or into ``$GDLEARN_FIGURES``)
"""

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from gdlearn import LinearRegressionGD  # noqa: E402
from gdlearn.plotting import LossCurveDisplay  # noqa: E402


def main():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    n = len(y)
    A = np.column_stack([X, np.ones(n)])
    eigenvalues = np.linalg.eigvalsh(A.T @ A / n)
    L, mu = eigenvalues.max(), eigenvalues.min()
    print(f"L = {L:.2f}, mu = {mu:.4f}, condition number L / mu = {L / mu:.0f}")

    exact = LinearRegression().fit(X, y)
    r = y - exact.predict(X)
    f_star = r @ r / (2 * n)

    settings = {
        "gd, eta = 0.2 / L": dict(solver="gd", learning_rate=0.2 / L),
        "gd, eta = 1 / L": dict(solver="gd", learning_rate=1 / L),
        "gd, eta = 1.9 / L": dict(solver="gd", learning_rate=1.9 / L),
        "accelerated, eta = 1 / L": dict(solver="accelerated", learning_rate=1 / L),
        "gd, eta = 'auto'": dict(solver="gd"),
        "accelerated, eta = 'auto'": dict(solver="accelerated"),
        "newton (the default)": dict(solver="newton"),
    }
    fits, names = [], []
    for name, params in settings.items():
        model = LinearRegressionGD(precondition=False, max_iter=3000, tol=1e-10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.set_params(**params).fit(X, y)
        gap = (model.loss_curve_[-1] - f_star) / f_star
        print(f"{name:28s} {model.n_iter_:5d} iterations, relative gap {gap:.1e}")
        fits.append(model)
        names.append(name)
    try:
        LinearRegressionGD(precondition=False, solver="gd", learning_rate=2.1 / L).fit(
            X, y
        )
    except ValueError as error:
        print(f"gd, eta = 2.1 / L: {error}")

    fig, ax = plt.subplots(figsize=(7, 4.5))
    display = LossCurveDisplay.from_estimators(
        fits, names=names, kind="suboptimality", reference=f_star, ax=ax
    )
    display.lines_[-1].set(marker="o", markersize=8)  # newton: a single iteration
    ax.legend(fontsize="small")
    ax.set_xscale("log")
    ax.set_ylim(1e-17, 10)
    ax.set_title(f"least squares, diabetes standardized (L/mu = {L / mu:.0f})")
    fig.tight_layout()
    folder = Path(
        os.environ.get("GDLEARN_FIGURES") or Path(__file__).parent / "figures"
    )
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / "plot_learning_rate_momentum.png", dpi=100)


if __name__ == "__main__":
    main()
