"""Fit times of this checkout against an earlier commit, on NumPy input.

For changes that must not slow the NumPy path (the array API port, issue 6):
the same fits, at default parameters, timed by the working tree and by the
tree of ``--ref``, in alternating child processes (BLAS pinned to one
thread), so that both meet the same machine load. Reports each version's
median time and the ratio now / ref, with the two models' largest
coefficient difference as a check that they fit the same thing.

    python benchmarks/versions.py --ref 4fe4dfb              # the working tree against it
    python benchmarks/versions.py --ref 4fe4dfb --now 244b04d  # a commit against another
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time, warnings
import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits
sys.path.insert(0, sys.argv[1])
import gdlearn
from sklearn.datasets import (load_breast_cancer, load_diabetes, load_digits, load_wine,
                              make_classification, make_regression)

def data(name):
    if name.startswith("diabetes"):
        return load_diabetes(return_X_y=True, scaled=False)
    if name.startswith("breast_cancer"):
        return load_breast_cancer(return_X_y=True)
    if name.startswith("wine"):
        return load_wine(return_X_y=True)
    if name.startswith("digits"):
        return load_digits(return_X_y=True)
    if name.startswith("tall regression"):
        return make_regression(100_000, 100, noise=10, random_state=0)
    if name.startswith("tall binary"):
        return make_classification(100_000, 100, random_state=0)
    if name.startswith("tall multinomial"):
        return make_classification(
            100_000, 100, n_informative=20, n_classes=5, random_state=0
        )
    if name.startswith("wide"):
        return make_regression(20_000, 1_000, noise=10, random_state=0)
    if name.startswith("sparse"):
        rng = np.random.default_rng(0)  # as benchmarks/run.py's sparse_random
        rows, cols = rng.integers(0, 100_000, 10**6), rng.integers(0, 10_000, 10**6)
        X = sp.csr_matrix((rng.uniform(size=10**6), (rows, cols)), shape=(100_000, 10_000))
        z = X @ rng.normal(size=10_000)
        if name.startswith("sparse binary"):
            return X, (z + rng.logistic(size=100_000) > 0).astype(int)
        return X, z + rng.normal(size=100_000)
    raise ValueError(name)

problems, repeat = json.loads(sys.argv[2]), int(sys.argv[3])
out = {}
with threadpool_limits(1), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for name, estimator, params in problems:
        X, y = data(name)
        times = []
        for _ in range(repeat):
            model = getattr(gdlearn, estimator)(**params)
            start = time.perf_counter()
            model.fit(X, y)
            times.append(time.perf_counter() - start)
        out[name] = [min(times), np.asarray(model.coef_).ravel().tolist()]
print(json.dumps(out))
"""

PROBLEMS = [
    ("diabetes OLS", "LinearRegressionGD", {}),
    ("diabetes ridge", "RidgeGD", {"alpha": 1.0}),
    ("diabetes lasso", "LassoGD", {"alpha": 1.0}),
    ("diabetes lasso, FISTA", "LassoGD", {"alpha": 1.0, "solver": "accelerated"}),
    ("breast_cancer logistic", "LogisticRegressionGD", {}),
    (
        "breast_cancer logistic, FISTA",
        "LogisticRegressionGD",
        {"solver": "accelerated", "tol": 1e-4},
    ),
    ("wine multinomial", "LogisticRegressionGD", {}),
    ("digits multinomial", "LogisticRegressionGD", {}),
    ("tall regression ridge", "RidgeGD", {"alpha": 1.0}),
    ("tall regression lasso", "LassoGD", {"alpha": 1.0}),
    ("tall binary logistic", "LogisticRegressionGD", {}),
    ("tall multinomial logistic", "LogisticRegressionGD", {}),
    ("wide ridge (FISTA)", "RidgeGD", {"alpha": 1.0}),
    ("sparse lasso (FISTA)", "LassoGD", {"alpha": 0.001}),
    ("sparse binary logistic (FISTA)", "LogisticRegressionGD", {}),
]


def export(ref, into):
    """The tree of commit ``ref`` under ``into``, by ``git archive``."""
    archive = subprocess.run(
        ["git", "archive", ref, "gdlearn"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", required=True, help="the commit to compare with")
    parser.add_argument("--now", help="a commit to time instead of the working tree")
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternations per version"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="fits per child (best kept)"
    )
    parser.add_argument("--only", default="", help="problems whose name contains this")
    args = parser.parse_args(argv)
    problems = [p for p in PROBLEMS if args.only in p[0]]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as ref, tempfile.TemporaryDirectory() as now:
        export(args.ref, ref)
        if args.now:
            export(args.now, now)
        trees = {"ref": ref, "now": now if args.now else str(ROOT)}
        times = {version: {name: [] for name, _, _ in problems} for version in trees}
        coefs = {}
        for _ in range(args.rounds):
            for version, tree in trees.items():
                result = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        CHILD,
                        tree,
                        json.dumps(problems),
                        str(args.repeat),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                )
                for name, (seconds, coef) in json.loads(result.stdout).items():
                    times[version][name].append(seconds)
                    coefs[version, name] = coef
    label = args.now or f"{ROOT.name} working tree"
    print(
        f"now: {label}; ref: {args.ref}; {args.rounds} rounds x best of {args.repeat}"
    )
    print("| problem | ref ms | now ms | now / ref | max abs coef diff |")
    print("|---|---:|---:|---:|---:|")
    for name, _, _ in problems:
        ref, now = (statistics.median(times[v][name]) for v in ("ref", "now"))
        diff = max(
            abs(a - b)
            for a, b in zip(coefs["ref", name], coefs["now", name], strict=True)
        )
        print(
            f"| {name} | {1e3 * ref:.2f} | {1e3 * now:.2f} | {now / ref:.2f} | {diff:.1e} |"
        )


if __name__ == "__main__":
    main()
