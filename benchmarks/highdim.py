"""Wide L1 problems: gdlearn beside scikit-learn CD, skglm and celer.

Time to relative suboptimality 1e-6 (the cheapest ``tol`` of a ladder whose
fit reaches it, median fit time over ``--repeats``, fits interleaved), one
BLAS thread. f* is the least objective any solver reaches at its tightest
``tol``. Quick pass: the dense problems at lambda_max/10, /20, /100; ``--full``
adds /1000 and the sparse 10,000 x 100,000 problem. skglm and celer are the
``bench`` extra (``pip install gdlearn[bench]``); a missing one is skipped.

    python benchmarks/highdim.py [--full] [--repeats 3] [--output HIGHDIM.md]
"""

from __future__ import annotations

import argparse
import importlib
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


def objective(X, y, coef, intercept, alpha, l1_ratio):
    r = y - X @ np.ravel(coef) - intercept
    w = np.ravel(coef)
    return (
        0.5 * r @ r / len(y)
        + alpha * l1_ratio * np.abs(w).sum()
        + 0.5 * alpha * (1 - l1_ratio) * w @ w
    )


def makers(alpha, l1_ratio):
    """name -> f(tol) returning an unfitted estimator."""
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


def fit(make, tol, X, y):
    est = make(tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - start, est


def row(X, y, alpha, l1_ratio, repeats):
    """{name: (seconds to TARGET or None, fstar-relative subopt at defaults)}."""
    ests = makers(alpha, l1_ratio)
    values = {}
    for name, make in ests.items():
        for tol in TOLS:
            _, est = fit(make, tol, X, y)
            f = objective(X, y, est.coef_, est.intercept_, alpha, l1_ratio)
            values[name, tol] = f
    fstar = min(values.values())
    times = {}
    for name in ests:
        ok = [t for t in TOLS if (values[name, t] - fstar) / abs(fstar) <= TARGET]
        times[name] = ok[0] if ok else None
    samples = {name: [] for name in ests}
    for _ in range(repeats):  # interleaved
        for name, make in ests.items():
            if times[name] is not None:
                samples[name].append(fit(make, times[name], X, y)[0])
    return {name: statistics.median(s) if s else None for name, s in samples.items()}


def problems(full):
    yield "200x800", data(200, 800)
    yield "500x20,000", data(500, 20_000)
    if full:
        yield "10,000x100,000 sparse 1e-3", data(10_000, 100_000, density=1e-3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output")
    args = parser.parse_args()
    divisors = (10, 20, 100, 1000) if args.full else (10, 20, 100)
    names = ["gdlearn", "sklearn CD", "skglm", "celer"]
    lines = [
        "| problem | penalty | alpha | "
        + " | ".join(f"{n} (ms)" for n in names)
        + " | gdlearn / fastest other |",
        "|---" * (len(names) + 4) + "|",
    ]
    with threadpool_limits(1):
        for label, (X, y) in problems(args.full):
            for l1_ratio in (1.0, 0.5):
                top = lambda_max(X, y, l1_ratio)
                for div in divisors:
                    times = row(X, y, top / div, l1_ratio, args.repeats)
                    others = [t for n, t in times.items() if n != "gdlearn" and t]
                    ratio = (
                        f"{times['gdlearn'] / min(others):.2f}"
                        if times.get("gdlearn") and others
                        else "-"
                    )
                    cells = [
                        f"{times[n] * 1e3:.1f}" if times.get(n) else "-" for n in names
                    ]
                    pen = "lasso" if l1_ratio == 1 else "enet 0.5"
                    line = f"| {label} | {pen} | λmax/{div} | " + " | ".join(cells)
                    lines.append(line + f" | {ratio} |")
                    print(lines[-1], flush=True)
    if args.output:
        with open(args.output, "w") as handle:
            handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
