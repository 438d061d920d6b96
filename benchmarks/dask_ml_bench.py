"""gdlearn against dask-ml on the same persisted dask array and cluster.

    python benchmarks/dask_ml_bench.py [--rows 200000] [--features 50] [--chunks 8]

Needs ``pip install dask-ml``. The data, the cluster and the measurements
are those of ``benchmarks/dask_bench.py`` (``LocalCluster(n_workers=2,
threads_per_worker=1)``, ``X`` standard normal, labels of a logistic
model, persisted in ``--chunks`` row chunks). Fits ``LogisticRegressionGD``
(C=1) and dask-ml's ``LogisticRegression(C=1)`` with ``solver='lbfgs'``,
``'newton'`` and ``'admm'`` (``max_iter=--admm-iter``, dask-ml's default
100), and reports each fit's time, bytes sent between workers
and its relative objective gap to the minimum (an in-memory gdlearn fit
with ``tol=1e-12``), measured on gdlearn's objective (``C`` times the summed cross-entropy plus ``||w||^2 / 2``, the
intercept unpenalized; dask-ml penalizes its intercept, and its 'newton'
fits without the penalty). The markdown table goes to stdout.
"""

from __future__ import annotations

import argparse
import time

import distributed
import numpy as np
from dask_bench import logistic_data, objective_value, sent
from dask_ml.linear_model import LogisticRegression

from gdlearn import LogisticRegressionGD


def timed(client, est, Xd, yd):
    """``(est fitted, seconds, bytes sent between workers)``."""
    before = sent(client)
    start = time.perf_counter()
    est.fit(Xd, yd)
    return est, time.perf_counter() - start, sent(client) - before


def peak_memory(client):
    """Each worker process's peak resident memory (Linux VmHWM), in MB."""

    def hwm():
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM"))
        return int(line.split()[1]) / 1e3

    return sorted(round(v) for v in client.run(hwm).values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--admm-iter", type=int, default=100)
    parser.add_argument("--lbfgs-iter", type=int, default=100)
    args = parser.parse_args()
    n, p = args.rows, args.features
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        Xd, yd = logistic_data(client, n, p, args.chunks)
        fits = []
        for params in ({}, {"tol": 1e-8}, {"solver": "lbfgs"}):
            est = LogisticRegressionGD(**params)
            label = ", ".join(f"{k}={v}" for k, v in params.items()) or "auto"
            fits.append(("gdlearn", label, *timed(client, est, Xd, yd)))
        budget = {"admm": args.admm_iter, "lbfgs": args.lbfgs_iter}
        for solver in ("newton", "lbfgs", "admm"):
            est = LogisticRegression(
                C=1.0, solver=solver, max_iter=budget.get(solver, 100)
            )
            fits.append(("dask-ml", solver, *timed(client, est, Xd, yd)))
        print(f"peak worker memory (VmHWM) MB: {peak_memory(client)}")
        print(f"each worker's share of X: {Xd.nbytes / 2 / 1e6:.0f} MB")
        X, y = client.compute([Xd, yd], sync=True)
    X = np.ascontiguousarray(X)
    start = time.perf_counter()
    ref = LogisticRegressionGD().fit(X, y)
    in_memory = time.perf_counter() - start
    # the minimum, to 1e-12 or so: a tight in-memory fit (bounded iterations)
    f_ref = objective_value(
        LogisticRegressionGD(tol=1e-12, max_iter=100).fit(X, y), X, y
    )
    print(f"X: {n:,} x {p} float64 in {args.chunks} row chunks")
    print(
        "| package | solver | time s | iterations | bytes between workers "
        "| ÷ X.nbytes | objective gap |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for package, solver, est, elapsed, moved in fits:
        if package == "dask-ml":  # gdlearn's attributes, to evaluate its objective
            probe = LogisticRegressionGD().fit(X[:50], y[:50])
            probe.coef_ = np.asarray(est.coef_).reshape(1, -1)
            probe.intercept_ = np.atleast_1d(np.asarray(est.intercept_, float))
            est, iterations = probe, "-"
        else:
            iterations = est.n_iter_
        gap = (objective_value(est, X, y) - f_ref) / abs(f_ref)
        print(
            f"| {package} | {solver} | {elapsed:.2f} | {iterations} | {moved:,} "
            f"| {moved / X.nbytes:.1e} | {gap:.1e} |"
        )
    print(
        f"| gdlearn in memory | {ref.solver_} | {in_memory:.2f} | {ref.n_iter_} "
        f"| - | - | {(objective_value(ref, X, y) - f_ref) / abs(f_ref):.1e} |"
    )


if __name__ == "__main__":
    main()
