"""
A regularization path with ``warm_start``
=========================================

Model selection fits the same model for many penalties. Along a path of
decreasing ``alpha`` the solutions move little from one ``alpha`` to the next,
so starting each fit from the previous solution (``warm_start=True``) saves
iterations; :func:`gdlearn.regularization_path` walks such a path. The left
panel draws the lasso coefficient paths on diabetes (gdlearn's as lines,
scikit-learn's ``lasso_path`` as dots: the same path); the right one the
iterations each fit took, from zero and warm-started.

Run: ``python examples/plot_regularization_path.py`` (writes
``examples/figures/plot_regularization_path.png``, or into ``$GDLEARN_FIGURES``)
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.linear_model import lasso_path  # noqa: E402

from gdlearn import LassoGD, regularization_path  # noqa: E402


def main():
    data = load_diabetes()
    X, y = data.data, data.target
    Xc, yc = X - X.mean(axis=0), y - y.mean()  # lasso_path fits no intercept
    alpha_max = np.max(np.abs(Xc.T @ yc)) / len(y)  # above it every coefficient is 0
    alphas = alpha_max * np.logspace(0, -3, 40)
    _, reference, _ = lasso_path(Xc, yc, alphas=alphas, tol=1e-12, max_iter=100_000)

    # each fit warm-started from the last, largest alpha first
    _, coefs, warm = regularization_path(LassoGD(), X, y, alphas=alphas)
    iterations = {
        "from zero": [LassoGD(alpha=alpha).fit(X, y).n_iter_ for alpha in alphas],
        "warm_start=True": list(warm),
    }
    diff, scale = np.abs(coefs - reference).max(), np.abs(reference).max()
    print(
        f"largest difference from lasso_path: {diff:.1e} (coefficients up to {scale:.0f})"
    )
    for name, counts in iterations.items():
        print(f"{name:16s} {sum(counts):5d} iterations along {len(alphas)} alphas")

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for j, name in enumerate(data.feature_names):
        (line,) = left.semilogx(alphas, coefs[j], label=name)
        left.semilogx(alphas[::3], reference[j, ::3], ".", color=line.get_color())
    left.invert_xaxis()
    left.set(xlabel="alpha", ylabel="coefficient", title="lasso path, diabetes")
    left.legend(fontsize="x-small", ncol=2)
    for name, counts in iterations.items():
        right.semilogx(
            alphas, counts, "o-", ms=3, label=f"{name}: {sum(counts)} in all"
        )
    right.invert_xaxis()
    right.set(xlabel="alpha", ylabel="iterations", title="LassoGD iterations per fit")
    right.legend(fontsize="small")
    fig.tight_layout()
    folder = Path(
        os.environ.get("GDLEARN_FIGURES") or Path(__file__).parent / "figures"
    )
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / "plot_regularization_path.png", dpi=100)


if __name__ == "__main__":
    main()
