"""Wide L1 problems: gdlearn beside scikit-learn, skglm and celer.

Time to relative suboptimality 1e-6: for each solver the loosest ``tol`` of
a ladder whose fit reaches it, then the median fit time over ``--repeats``,
the solvers interleaved, one BLAS thread. f* is the least objective any
solver reaches at the ladder's tightest ``tol``. Lasso and elastic net
(l1_ratio 0.5) beside scikit-learn's coordinate descent, skglm and celer;
L1 logistic regression (``LogisticRegressionGD(l1_ratio=1)``) beside
scikit-learn's saga and liblinear (its intercept penalized, made light by
``intercept_scaling=100``) and skglm (celer's has no intercept). skglm and
celer are the ``bench`` extra (``pip install gdlearn[bench]``); a missing
one is skipped.

    python benchmarks/highdim.py [--problems 200x800 500x20000] \
        [--kinds lasso enet logistic] [--divisors 10 20 100 1000] \
        [--full] [--repeats 3] [--output table.md]

``--full`` adds the sparse 10,000 x 100,000 problem (density 1e-3).
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn import linear_model as sk
from threadpoolctl import threadpool_limits

import gdlearn

TOLS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10)
TARGET = 1e-6
KINDS = {"lasso": 1.0, "enet": 0.5, "logistic": 1.0}


def data(n, p, density=None, seed=0):
    rng = np.random.default_rng(seed)
    if density is None:
        X = rng.standard_normal((n, p))
    else:
        X = sp.random(n, p, density=density, random_state=seed, format="csr")
        X.data = rng.standard_normal(X.nnz)
    w = np.zeros(p)
    w[:20] = rng.standard_normal(20)
    y = np.asarray(X @ w) + 0.5 * rng.standard_normal(n)
    return X, y


def lambda_max(X, y, l1_ratio):
    # X_c^T (y - mean y) = X^T (y - mean y): no centred copy of a sparse X
    return np.abs(X.T @ (y - y.mean())).max() / (len(y) * l1_ratio)


def objective(X, y, coef, intercept, alpha, l1_ratio, kind="lasso"):
    """The mean loss plus ``alpha`` times the elastic-net penalty: scikit-learn's
    ``ElasticNet`` objective, and for ``logistic`` (``y`` in {0, 1})
    ``LogisticRegression``'s divided by ``C n`` (``alpha = 1 / (C n)``)."""
    w = np.ravel(coef)
    z = X @ w + np.ravel(intercept)[0]
    if kind == "logistic":
        data_term = np.mean(np.logaddexp(0, z) - y * z)
    else:
        r = y - z
        data_term = 0.5 * r @ r / len(y)
    penalty = l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * w @ w
    return data_term + alpha * penalty


def makers(alpha, l1_ratio, kind="lasso", n=None):
    """name -> f(tol) returning an unfitted estimator."""
    if kind == "logistic":
        return logistic_makers(alpha, n)
    out = {}
    if l1_ratio == 1:
        out["gdlearn"] = lambda tol: gdlearn.LassoGD(alpha=alpha, tol=tol)
        out["sklearn CD"] = lambda tol: sk.Lasso(alpha=alpha, tol=tol, max_iter=10**5)
    else:
        out["gdlearn"] = lambda tol: gdlearn.ElasticNetGD(
            alpha=alpha, l1_ratio=l1_ratio, tol=tol
        )
        out["sklearn CD"] = lambda tol: sk.ElasticNet(
            alpha=alpha, l1_ratio=l1_ratio, tol=tol, max_iter=10**5
        )
    for package in ("skglm", "celer"):  # the same estimator names in both
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        if l1_ratio == 1:
            out[package] = lambda tol, m=module: m.Lasso(alpha=alpha, tol=tol)
        else:
            out[package] = lambda tol, m=module: m.ElasticNet(
                alpha=alpha, l1_ratio=l1_ratio, tol=tol
            )
    return out


def logistic_makers(alpha, n):
    """L1 logistic regression at ``alpha = 1 / (C n)``."""
    C = 1 / (alpha * n)
    out = {
        "gdlearn": lambda tol: gdlearn.LogisticRegressionGD(C=C, l1_ratio=1.0, tol=tol),
        "sklearn saga": lambda tol: sk.LogisticRegression(
            C=C, penalty="l1", solver="saga", tol=tol, max_iter=2000
        ),
        "liblinear": lambda tol: sk.LogisticRegression(
            C=C,
            penalty="l1",
            solver="liblinear",
            tol=tol,
            max_iter=10**5,
            intercept_scaling=100,
        ),
    }
    try:
        import skglm
    except ImportError:
        return out
    out["skglm"] = lambda tol: skglm.SparseLogisticRegression(
        alpha=alpha, tol=tol, max_iter=100
    )
    return out


def fit(make, tol, X, y):
    est = make(tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - start, est


#: Contenders whose tightest fits are too slow to take part in f* (saga's
#: epochs); they still walk the ladder up to TARGET.
NOT_REFERENCE = ("sklearn saga",)


def row(X, y, alpha, l1_ratio, repeats, kind="lasso"):
    """{name: median seconds to TARGET, or None where no tol reaches it}."""
    ests = makers(alpha, l1_ratio, kind, X.shape[0])

    def value(name, tol):
        est = fit(ests[name], tol, X, y)[1]
        return objective(X, y, est.coef_, est.intercept_, alpha, l1_ratio, kind)

    fstar = min(value(name, TOLS[-1]) for name in ests if name not in NOT_REFERENCE)
    times = {}
    for name in ests:  # the loosest tol that reaches TARGET
        times[name] = None
        for tol in TOLS:
            f = value(name, tol)
            fstar = min(fstar, f)
            if (f - fstar) / abs(fstar) <= TARGET:
                times[name] = tol
                break
    samples = {name: [] for name in ests}
    for _ in range(repeats):  # interleaved
        for name, make in ests.items():
            if times[name] is not None:
                samples[name].append(fit(make, times[name], X, y)[0])
    return {name: statistics.median(s) if s else None for name, s in samples.items()}


PROBLEMS = {
    "200x800": (200, 800, None),
    "500x20000": (500, 20_000, None),
    "10000x100000": (10_000, 100_000, 1e-3),
}


def problem(label, kind):
    n, p, density = PROBLEMS[label]
    X, y = data(n, p, density)
    if kind == "logistic":
        y = (y > np.median(y)).astype(float)
    return X, y


COLUMNS = {
    "lasso": ["gdlearn", "sklearn CD", "skglm", "celer"],
    "logistic": ["gdlearn", "sklearn saga", "liblinear", "skglm"],
}


def table(kinds, labels, divisors, repeats):
    """The markdown lines of one table (least squares, or logistic)."""
    names = COLUMNS["logistic" if kinds == ["logistic"] else "lasso"]
    lines = [
        "| problem | penalty | alpha | "
        + " | ".join(f"{n} (ms)" for n in names)
        + " | gdlearn / fastest other |",
        "|---" * (len(names) + 4) + "|",
    ]
    for label in labels:
        for kind in kinds:
            X, y = problem(label, kind)
            l1_ratio = KINDS[kind]
            top = lambda_max(X, y, l1_ratio)
            for div in divisors:
                times = row(X, y, top / div, l1_ratio, repeats, kind)
                others = [t for n, t in times.items() if n != "gdlearn" and t]
                ratio = (
                    f"{times['gdlearn'] / min(others):.2f}"
                    if times.get("gdlearn") and others
                    else "-"
                )
                cells = [
                    f"{times[n] * 1e3:.1f}" if times.get(n) else "-" for n in names
                ]
                pen = {"lasso": "lasso", "enet": "enet 0.5", "logistic": "L1 logistic"}
                line = f"| {label} | {pen[kind]} | λmax/{div} | " + " | ".join(cells)
                lines.append(line + f" | {ratio} |")
                print(lines[-1], flush=True)
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--problems", nargs="+", default=["200x800", "500x20000"])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--divisors", nargs="+", type=int, default=[10, 20, 100, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output")
    args = parser.parse_args()
    labels = args.problems + (["10000x100000"] if args.full else [])
    started, lines = time.time(), []
    with threadpool_limits(1):
        squares = [k for k in args.kinds if k != "logistic"]
        if squares:
            lines += table(squares, labels, args.divisors, args.repeats)
        if "logistic" in args.kinds:
            lines += [""] if lines else []
            # L1 logistic on the smallest problem only unless asked for
            small = [lab for lab in args.problems if lab == "200x800"] or labels
            lines += table(["logistic"], small, args.divisors, args.repeats)
    load = os.getloadavg()[0]
    lines.append(f"\n{time.time() - started:.0f} s, load {load:.2f} at the end.")
    print(lines[-1])
    if args.output:
        with open(args.output, "w") as handle:
            handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
