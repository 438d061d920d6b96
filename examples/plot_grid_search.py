"""
Tuning ``C`` and the learning rate in a ``Pipeline`` with ``GridSearchCV``
==========================================================================

gdlearn estimators are scikit-learn estimators, so they drop into a
``Pipeline`` and their parameters, the learning rate included, into a grid
search. The lesson is in the two panels:

* ``C`` changes the model: the cross-validated accuracy moves with it;
* the learning rate changes only how the same model is reached: where the
  fit converges, the accuracy is the same for every rate and only the time
  differs. A constant rate too large for the data either stalls (here within
  a budget of 1,000 iterations, which costs time and accuracy) or diverges,
  which gdlearn reports as an error naming ``learning_rate``: the grid search
  records it as a failed fit (NaN, the blank cells). ``'auto'``
  (backtracking steps shaped by the curvature) needs no tuning and is the
  fastest everywhere.

Run: ``python examples/plot_grid_search.py`` (writes
``examples/figures/plot_grid_search.png``, or into ``$GDLEARN_FIGURES``)
"""

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from gdlearn import LogisticRegressionGD  # noqa: E402


def main():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), LogisticRegressionGD(max_iter=1000))
    grid = {
        "logisticregressiongd__C": [0.01, 1.0, 100.0],
        "logisticregressiongd__learning_rate": ["auto", 0.5, 2.0, 5.0],
    }
    search = GridSearchCV(pipe, grid, cv=3, error_score=np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the stalled and diverged fits, shown below
        search.fit(X, y)
    print(f"best: {search.best_params_}, accuracy {search.best_score_:.4f}")

    Cs, rates = grid.values()
    shape = (len(Cs), len(rates))  # GridSearchCV varies the last key fastest
    score = search.cv_results_["mean_test_score"].reshape(shape)
    time_ms = 1e3 * search.cv_results_["mean_fit_time"].reshape(shape)
    time_ms[np.isnan(score)] = np.nan
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, values, title, fmt in (
        (axes[0], score, "mean CV accuracy", "{:.3f}"),
        (axes[1], time_ms, "mean fit time (ms)", "{:.0f}"),
    ):
        image = ax.imshow(values, cmap="YlGn")
        fig.colorbar(image, ax=ax)
        for (i, j), value in np.ndenumerate(values):
            text = "failed" if np.isnan(value) else fmt.format(value)
            ax.text(j, i, text, ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(rates)), [str(r) for r in rates])
        ax.set_yticks(range(len(Cs)), [f"{C:g}" for C in Cs])
        ax.set(xlabel="learning_rate", ylabel="C", title=title)
    fig.suptitle("StandardScaler + LogisticRegressionGD(max_iter=1000), breast_cancer")
    fig.tight_layout()
    folder = Path(
        os.environ.get("GDLEARN_FIGURES") or Path(__file__).parent / "figures"
    )
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / "plot_grid_search.png", dpi=100)
    print("accuracy / fit time for learning_rate =", ", ".join(map(str, rates)))
    for i, C in enumerate(Cs):
        row = "  ".join(
            f"{s:.3f} / {t:5.0f} ms" for s, t in zip(score[i], time_ms[i], strict=True)
        )
        print(f"C={C:<6g} {row}")


if __name__ == "__main__":
    main()
