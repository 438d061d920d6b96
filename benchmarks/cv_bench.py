"""Cross-validated estimators: gdlearn's CV estimators beside scikit-learn's.

Each gdlearn CV estimator (folds fitted along warm-started paths) beside its
scikit-learn counterpart, at the same grid and folds, on bundled and
generated data: fit time (median over ``--repeats``, the two fitted in
alternation, one BLAS thread), the ratio gdlearn / scikit-learn, and the
parity of the choice: ``alpha_`` (``C_``) equal, the largest relative
difference of ``mse_path_`` (``scores_``, ``best_score_``) and of ``coef_``
from scikit-learn at its defaults and from a tight scikit-learn reference
(tol 1e-12; ``newton-cholesky`` for logistic regression).

    python benchmarks/cv_bench.py [--quick] [--repeats 3] [--output benchmarks/CV.md]
        [--only Lasso Logistic]  # the cases whose estimator names contain these
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn import linear_model as sk
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gdlearn
from gdlearn import ElasticNetGDCV, LassoGDCV, LogisticRegressionGDCV, RidgeGDCV

RIDGE_ALPHAS = np.logspace(-3, 3, 13)


def datasets(quick):
    n = 5_000 if quick else 20_000
    X, y = load_diabetes(return_X_y=True)
    Xr, yr = make_regression(n, 100, n_informative=30, noise=30.0, random_state=0)
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xc, yc = make_classification(n, 50, n_informative=20, random_state=0)
    scale = StandardScaler().fit_transform
    return {
        "diabetes": (X, y),
        f"regression {n}x100": (Xr, yr),
        "breast_cancer (scaled)": (scale(Xb), yb),
        f"classification {n}x50": (Xc, yc),
    }


def cases(names):
    """(data, label, sklearn estimator, tight sklearn, gdlearn estimator, attr)."""
    reg, _, clf_small, clf_big = names
    lasso = dict(cv=5, alphas=100)
    enet = dict(cv=5, alphas=100, l1_ratio=[0.5, 0.9])
    logit = dict(Cs=10, cv=5, l1_ratios=(0.0,), scoring="neg_log_loss")
    tight_logit = dict(solver="newton-cholesky", tol=1e-12, use_legacy_attributes=False)
    out = []
    for data in names[:2]:
        out += [
            (
                data,
                "LassoCV",
                sk.LassoCV(**lasso),
                sk.LassoCV(**lasso, tol=1e-12, max_iter=100_000),
                LassoGDCV(**lasso),
                "mse_path_",
            ),
            (
                data,
                "ElasticNetCV",
                sk.ElasticNetCV(**enet),
                sk.ElasticNetCV(**enet, tol=1e-12, max_iter=100_000),
                ElasticNetGDCV(**enet),
                "mse_path_",
            ),
            (
                data,
                "RidgeCV (LOO)",
                sk.RidgeCV(RIDGE_ALPHAS),
                None,
                RidgeGDCV(RIDGE_ALPHAS),
                "best_score_",
            ),
            (
                data,
                "RidgeCV (cv=5)",
                sk.RidgeCV(RIDGE_ALPHAS, cv=5),
                None,
                RidgeGDCV(RIDGE_ALPHAS, cv=5),
                "best_score_",
            ),
        ]
    for data in (clf_small, clf_big):
        out.append(
            (
                data,
                "LogisticRegressionCV",
                sk.LogisticRegressionCV(**logit, use_legacy_attributes=False),
                sk.LogisticRegressionCV(**logit, **tight_logit),
                LogisticRegressionGDCV(**logit),
                "scores_",
            )
        )
    del reg
    return out


def relative(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def chosen(model):
    return model.C_ if hasattr(model, "C_") else model.alpha_


def timed(model, X, y):
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def run_case(case, data, repeats):
    name, label, ref, tight, gd, attr = case
    X, y = data[name]
    times = {"sk": [], "gd": []}
    for _ in range(repeats):  # interleaved
        times["sk"].append(timed(ref, X, y))
        times["gd"].append(timed(gd, X, y))
    row = {
        "data": name,
        "estimator": label,
        "sk": statistics.median(times["sk"]),
        "gd": statistics.median(times["gd"]),
    }
    row["ratio"] = row["gd"] / row["sk"]
    for key, other in (("default", ref), ("tight", tight)):
        if other is None:
            continue
        if key == "tight":
            other.fit(X, y)
        row[f"{key}_same"] = bool(np.all(chosen(other) == chosen(gd)))
        row[f"{key}_path"] = relative(getattr(gd, attr), getattr(other, attr))
        row[f"{key}_coef"] = relative(gd.coef_, other.coef_)
    return row


def fmt(value):
    return "—" if value is None else f"{value:.1e}"


def table(rows):
    lines = [
        "| data | estimator | sklearn s | gdlearn s | ratio | same choice (default / tight) "
        "| path diff vs default | vs tight | coef diff vs default | vs tight |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        same = f"{r['default_same']} / {r.get('tight_same', '—')}"
        lines.append(
            f"| {r['data']} | {r['estimator']} | {r['sk']:.3f} | {r['gd']:.3f} "
            f"| {r['ratio']:.2f} | {same} | {fmt(r['default_path'])} "
            f"| {fmt(r.get('tight_path'))} | {fmt(r['default_coef'])} "
            f"| {fmt(r.get('tight_coef'))} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output")
    parser.add_argument("--only", nargs="*", help="estimator name substrings")
    args = parser.parse_args(argv)
    data = datasets(args.quick)
    rows, load = [], os.getloadavg()[0]
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for case in cases(list(data)):
            if args.only and not any(word in case[1] for word in args.only):
                continue
            rows.append(run_case(case, data, args.repeats))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    header = (
        f"gdlearn {gdlearn.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, Python {platform.python_version()}; one BLAS "
        f"thread; medians of {args.repeats} interleaved fits; finished "
        f"{time.strftime('%H:%M UTC', time.gmtime())}, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (from {load:.1f})."
    )
    text = header + "\n\n" + table(rows) + "\n"
    print(text)
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
