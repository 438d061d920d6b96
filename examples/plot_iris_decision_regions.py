"""
Multinomial (softmax) logistic regression: decision regions on iris
===================================================================

With ``K = 3`` classes ``LogisticRegressionGD`` fits one row of ``coef_`` per
class and predicts ``P(k | x) = softmax(W x + b)_k``; its gradient is
``X^T (P - Y) / n`` plus the penalty, the softmax being the gradient of
log-sum-exp. The regions where each class has the largest probability are
bounded by straight lines, where two rows of ``W x + b`` tie.

On two iris features (petal length and width, raw centimetres) the figure
draws the regions and the probability of the winning class for gdlearn's fit
and for scikit-learn's ``LogisticRegression`` at the same ``C``: the two are
the same model, to the printed coefficient difference.

Run: ``python examples/plot_iris_decision_regions.py`` (writes
``examples/figures/plot_iris_decision_regions.png``, or into ``$GDLEARN_FIGURES``)
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.inspection import DecisionBoundaryDisplay  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from gdlearn import LogisticRegressionGD  # noqa: E402


def main():
    iris = load_iris()
    X, y = iris.data[:, 2:], iris.target  # petal length, petal width (cm)
    C = 10.0
    ours = LogisticRegressionGD(C=C).fit(X, y)
    theirs = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-10).fit(X, y)
    print(f"LogisticRegressionGD(C={C:g}): {ours.n_iter_} iterations")
    print(
        f"coef_:\n{np.round(ours.coef_, 4)}\nintercept_: {np.round(ours.intercept_, 4)}"
    )
    print(
        f"largest coefficient difference from scikit-learn: {np.abs(ours.coef_ - theirs.coef_).max():.1e}"
    )
    print(
        f"training accuracy: {ours.score(X, y):.3f} (scikit-learn: {theirs.score(X, y):.3f})"
    )

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for ax, model, title in zip(
        axes,
        (ours, theirs),
        ("gdlearn LogisticRegressionGD", "scikit-learn LogisticRegression"),
        strict=True,
    ):
        DecisionBoundaryDisplay.from_estimator(
            model,
            X,
            response_method="predict",
            multiclass_colors=["tab:blue", "tab:orange", "tab:green"],
            alpha=0.25,
            ax=ax,
            xlabel=iris.feature_names[2],
            ylabel=iris.feature_names[3],
        )
        grid = np.stack(
            np.meshgrid(
                np.linspace(*ax.get_xlim(), 300), np.linspace(*ax.get_ylim(), 300)
            ),
            axis=-1,
        )
        top = model.predict_proba(grid.reshape(-1, 2)).max(axis=1).reshape(300, 300)
        lines = ax.contour(
            grid[..., 0],
            grid[..., 1],
            top,
            levels=[0.6, 0.8, 0.95],
            colors="grey",
            linewidths=0.7,
        )
        ax.clabel(lines, fontsize=7)
        for k, name in enumerate(iris.target_names):
            ax.scatter(*X[y == k].T, s=14, edgecolor="k", linewidth=0.4, label=name)
        ax.set_title(f"{title}, C={C:g}")
        ax.legend(fontsize="small", loc="upper left")
    fig.tight_layout()
    folder = Path(
        os.environ.get("GDLEARN_FIGURES") or Path(__file__).parent / "figures"
    )
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / "plot_iris_decision_regions.png", dpi=100)


if __name__ == "__main__":
    main()
