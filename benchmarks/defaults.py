"""What the defaults reach: gap and coefficient error per problem, new and base.

For each problem of ``run.py`` and the ill-conditioned ones of issue 18
(columns scaled by 1,000; offsets up to 50 beside spreads from 0.1 to 100),
the gdlearn estimator at its defaults, the working tree's and a base
revision's in turn (``paired.py``'s alternation), against scikit-learn's
tightly converged solution: the relative gap :math:`(f - f^*) / |f^*|`, the
coefficient error :math:`\\max |w - w^*| / \\max |w^*|`, the median fit time
and the iterations.

    python benchmarks/defaults.py --base main --output benchmarks/DEFAULTS.md
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
from sklearn import linear_model as sk
from sklearn.datasets import make_classification

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paired  # noqa: E402  (the base export and the alternated fits)
import run  # noqa: E402  (the benchmark problems and objectives)


def ill_conditioned():
    """The two problems of issue 18, as (name, kind, X, y, C, skip)."""
    X, y = make_classification(20_000, 100, n_informative=30, random_state=0)
    X[:, :10] *= 1000
    yield "20,000 x 100, 10 columns x 1,000", "binary", X, y, 1.0, ()
    X, y = make_classification(60_000, 12, n_informative=8, n_classes=3, random_state=0)
    X = X * np.logspace(-1, 2, 12) + np.linspace(0, 50, 12)
    yield "60,000 x 12, offsets to 50, spreads 0.1..100", "multinomial", X, y, 1.0, ()


def reference(kind, param, X, y):
    """scikit-learn's solution, converged tightly."""
    if kind == "ols":
        return sk.LinearRegression().fit(X, y)
    if kind == "ridge":
        return sk.Ridge(alpha=param, solver="cholesky").fit(X, y)
    if kind == "lasso":
        return sk.Lasso(alpha=param, tol=1e-12, max_iter=100_000).fit(X, y)
    return sk.LogisticRegression(
        C=param, solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(X, y)


def coef_error(model, ref):
    W, W_ref = np.atleast_2d(model.coef_), np.atleast_2d(ref.coef_)
    return float(np.max(np.abs(W - W_ref)) / np.max(np.abs(W_ref)))


def defaults_table(base, args, say):
    say(f"# Defaults: the working tree (new) against gdlearn at `{args.base}`")
    say()
    say(
        "BLAS threads pinned to 1; gap (f - f*) / |f*| and coefficient error "
        "max |w - w*| / max |w*| against scikit-learn's tight solution; "
        "medians of alternated fits."
    )
    say()
    say(
        "| problem | kind | gap new | gap base | coef err new | coef err base "
        "| ms new | ms base | iterations new / base |"
    )
    say("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for name, kind, X, y, param, _ in [*run.problems(False), *ill_conditioned()]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = reference(kind, param, X, y)
        times, models = paired.compare_problem(base, kind, param, X, y, args.repeats)
        f = {k: run.objective(kind, m, X, y, param) for k, m in models.items()}
        f_star = min(run.objective(kind, ref, X, y, param), *f.values())
        gap = {k: (v - f_star) / abs(f_star) for k, v in f.items()}
        err = {k: coef_error(m, ref) for k, m in models.items()}
        say(
            f"| {name} | {kind} | {gap['new']:.1e} | {gap['base']:.1e} | "
            f"{err['new']:.1e} | {err['base']:.1e} | "
            f"{1e3 * times['new']:.1f} | {1e3 * times['base']:.1f} | "
            f"{models['new'].n_iter_} / {models['base'].n_iter_} |"
        )


def main(argv=None):
    paired.against_base(__doc__.split("\n")[0], argv, defaults_table, repeats=3)


if __name__ == "__main__":
    main()
