"""
Lasso by proximal steps, by subgradient steps, and by Newton steps
==================================================================

``f(w) = ||Xw + b - y||^2 / (2n) + alpha ||w||_1`` has no gradient where a
coefficient is zero. Four ways to step anyway, on data where 8 of 40
features matter:

* **proximal** (``LassoGD(solver='accelerated')``): a gradient step on the
  smooth part, then soft-thresholding,
  ``prox(v) = sign(v) max(|v| - eta alpha, 0)``, which sets small
  coefficients to exactly zero;
* **gdlearn's subgradient** (``l1_method='subgradient'``): steps along the
  minimum-norm subgradient (at ``w_j = 0`` the one in ``[-alpha, alpha]``
  closest to cancelling the smooth gradient), and a coefficient that would
  cross zero stops at zero, so zeros are exact here too;
* **the textbook subgradient method**, written out below in six lines:
  ``w <- w - eta_t (X^T (Xw + b - y) / n + alpha sign(w))`` with
  ``eta_t = eta_0 / sqrt(t)``. It converges at ``O(1 / sqrt(t))`` and its
  coefficients keep jumping across zero instead of settling on it;
* **orthant-wise Newton** (``LassoGD()``, the default): the minimum-norm
  subgradient in the metric of the curvature, on the coefficients that are
  free to move, stopping at zero like the subgradient steps: the support
  settles in a step or two and the rest is Newton's method.

The left panel shows the objective against iteration, the right one the
coefficients each method ends with (on a log scale: an exact zero is drawn
at the bottom edge).

Run: ``python examples/plot_lasso_proximal_vs_subgradient.py`` (writes
``examples/figures/plot_lasso_proximal_vs_subgradient.png``, or into
``$GDLEARN_FIGURES``)
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import make_regression  # noqa: E402
from sklearn.linear_model import Lasso  # noqa: E402

from gdlearn import LassoGD  # noqa: E402

ALPHA = 1.0


def objective(w, b, X, y):
    r = X @ w + b - y
    return r @ r / (2 * len(y)) + ALPHA * np.abs(w).sum()


def textbook_subgradient(X, y, n_iter):
    """Subgradient steps with a 1/sqrt(t) schedule, sign(0) = 0."""
    n, p = X.shape
    L = np.linalg.eigvalsh(X.T @ X / n).max() + 1  # + 1: the intercept
    w, b, curve = np.zeros(p), 0.0, []
    for t in range(1, n_iter + 1):
        r = X @ w + b - y
        eta = 1 / (L * np.sqrt(t))
        w, b = w - eta * (X.T @ r / n + ALPHA * np.sign(w)), b - eta * r.mean()
        curve.append(objective(w, b, X, y))
    return w, b, np.array(curve)


def main():
    X, y = make_regression(
        n_samples=300, n_features=40, n_informative=8, noise=5.0, random_state=0
    )
    X = X * np.random.default_rng(0).uniform(0.5, 2.0, size=40)  # uneven scales
    reference = Lasso(alpha=ALPHA, tol=1e-12, max_iter=100_000).fit(X, y)
    f_star = objective(reference.coef_, reference.intercept_, X, y)

    proximal = LassoGD(alpha=ALPHA, solver="accelerated").fit(X, y)
    subgradient = LassoGD(alpha=ALPHA, l1_method="subgradient").fit(X, y)
    newton = LassoGD(alpha=ALPHA).fit(X, y)
    w_text, b_text, curve_text = textbook_subgradient(X, y, 2000)
    support = reference.coef_ != 0
    results = {
        "proximal (solver='accelerated')": (proximal.coef_, proximal.loss_curve_),
        "min-norm subgradient (l1_method='subgradient')": (
            subgradient.coef_,
            subgradient.loss_curve_,
        ),
        "textbook subgradient, eta_t = 1 / (L sqrt t)": (w_text, curve_text),
        "orthant-wise Newton (LassoGD(), the default)": (
            newton.coef_,
            newton.loss_curve_,
        ),
    }
    print(f"scikit-learn Lasso: {support.sum()} nonzero coefficients of {len(support)}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for k, (name, (coef, curve)) in enumerate(results.items()):
        same = np.array_equal(coef != 0, support)
        gap = (curve[-1] - f_star) / f_star
        print(
            f"{name:48s} {len(curve):5d} iterations, gap {gap:.1e}, "
            f"{np.sum(coef != 0):2d} nonzero, same support as Lasso: {same}"
        )
        subopt = np.maximum((curve - f_star) / f_star, 1e-16)  # at f*: on the axis
        marker = "o" if len(curve) < 20 else None
        left.loglog(np.arange(1, len(curve) + 1), subopt, marker=marker, label=name)
        shown = np.maximum(np.abs(coef), 1e-12)
        right.scatter(np.arange(len(coef)) + 0.15 * (k - 1.5), shown, s=12, label=name)
    left.set(
        xlabel="iteration",
        ylabel="relative suboptimality (f - f*) / f*",
        title=f"lasso alpha={ALPHA:g}, 300 x 40, 8 informative",
    )
    left.legend(fontsize="small", loc="upper right")
    right.set(
        yscale="log",
        ylim=(5e-13, None),
        xlabel="feature",
        ylabel="|coefficient| (exact zeros at 1e-12)",
        title="the coefficients each method ends with",
    )
    fig.tight_layout()
    folder = Path(
        os.environ.get("GDLEARN_FIGURES") or Path(__file__).parent / "figures"
    )
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / "plot_lasso_proximal_vs_subgradient.png", dpi=100)


if __name__ == "__main__":
    main()
