"""A fit on a persisted dask array, beside the in-memory fit of the same data.

    python benchmarks/dask_bench.py [--rows 1000000] [--features 50] [--chunks 8]

On ``LocalCluster(n_workers=2, threads_per_worker=1)``: ``X`` (float64,
standard normal, seeded) is generated and persisted on the workers in
``--chunks`` row chunks, ``y`` are labels of a logistic model. Reports, for
``LogisticRegressionGD`` (default solver, then ``solver='lbfgs'``): the fit
time, iterations, scheduler round trips (``dask.compute`` calls of the
backend), bytes sent between workers during the fit (each worker's
``transfer_outgoing_bytes_total``), the time of one iteration against one
empty round trip of a task per chunk (the floor), and the in-memory fit of
the same data (gathered once, before timing) with the relative difference of
the coefficients and objectives. The markdown table goes to stdout.
"""

from __future__ import annotations

import argparse
import time

import dask.array as da
import distributed
import numpy as np

import gdlearn._dask._design as design
import gdlearn._dask._objective as objective
import gdlearn._dask._prepare as prepare
from gdlearn import LogisticRegressionGD
from gdlearn._objective import Objective


def count_round_trips():
    """Wrap the backend's ``compute`` to count its calls; returns the list."""
    calls = []
    original = design.compute

    def counted(*collections):
        calls.append(time.perf_counter())
        return original(*collections)

    for module in (design, objective, prepare):
        module.compute = counted
    return calls


def sent(client):
    def total(dask_worker):
        return dask_worker.transfer_outgoing_bytes_total

    return sum(client.run(total).values())


def empty_round_trip(X, repeat=10):
    """The median time of ``sum`` over one empty task per chunk of ``X``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        parts = X.map_blocks(
            lambda x: np.zeros((1, 1)), chunks=((1,) * X.numblocks[0], (1,))
        )
        parts.sum().compute()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def reading_round_trip(X, repeat=5):
    """The median time of one pass that reads ``X``: ``X^T 1`` per chunk, summed."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        parts = X.map_blocks(
            lambda x: x.sum(axis=0, keepdims=True),
            chunks=((1,) * X.numblocks[0], X.chunks[1]),
        )
        parts.sum(axis=0).compute()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def objective_value(est, X, y):
    """The objective (data term + penalty) of ``est``'s coefficients, in memory."""
    obj = Objective(
        X, y[:, None].astype(float), np.ones(len(y)), est._loss(), est._penalty(len(y))
    )
    V = obj.from_coef(est.coef_.T, est.intercept_)
    return obj.value(V)


def logistic_data(client, n, p, chunks):
    """A persisted ``n`` x ``p`` dask X in ``chunks`` row chunks and binary
    labels drawn from a logistic model of it (generated on the workers)."""
    rs = da.random.RandomState(0)
    Xd = rs.standard_normal((n, p), chunks=(-(-n // chunks), p))
    w = np.random.default_rng(1).normal(size=p) / np.sqrt(p)
    logits = Xd @ w + 0.5
    yd = rs.uniform(size=n, chunks=Xd.chunks[0]) < 1 / (1 + da.exp(-logits))
    Xd, yd = client.persist([Xd, yd.astype(int)])
    distributed.wait([Xd, yd])
    return Xd, yd


def fit_dask(client, Xd, yd, calls, **params):
    before, first = sent(client), len(calls)
    start = time.perf_counter()
    est = LogisticRegressionGD(**params).fit(Xd, yd)
    elapsed = time.perf_counter() - start
    return est, elapsed, len(calls) - first, sent(client) - before


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=8)
    args = parser.parse_args()
    n, p = args.rows, args.features
    calls = count_round_trips()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        Xd, yd = logistic_data(client, n, p, args.chunks)
        floor, reading = empty_round_trip(Xd), reading_round_trip(Xd)
        rows = []
        for params in ({}, {"solver": "lbfgs"}):
            est, elapsed, trips, moved = fit_dask(client, Xd, yd, calls, **params)
            rows.append((params, est, elapsed, trips, moved))
        X, y = client.compute([Xd, yd], sync=True)
    X = np.ascontiguousarray(X)
    start = time.perf_counter()
    ref = LogisticRegressionGD().fit(X, y)
    in_memory = time.perf_counter() - start
    f_ref = objective_value(ref, X, y)
    print(
        f"X: {n:,} x {p} float64 in {args.chunks} row chunks ({X.nbytes / 2**20:.0f} MiB)"
    )
    print(f"empty round trip (one task per chunk, summed): {floor * 1e3:.0f} ms")
    print(f"one pass reading X (X^T 1 per chunk, summed): {reading * 1e3:.0f} ms\n")
    print(
        "| fit | solver | time s | iterations | round trips | s / iteration "
        "| ÷ empty round trip | bytes between workers | ÷ X.nbytes | objective gap "
        "| max rel. Δcoef |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for _, est, elapsed, trips, moved in rows:
        per_it = elapsed / est.n_iter_
        gap = (objective_value(est, X, y) - f_ref) / abs(f_ref)
        delta = np.max(np.abs(est.coef_ - ref.coef_)) / np.max(np.abs(ref.coef_))
        print(
            f"| dask | {est.solver_} | {elapsed:.2f} | {est.n_iter_} | {trips} "
            f"| {per_it:.3f} | {per_it / floor:.1f} | {moved:,} "
            f"| {moved / X.nbytes:.1e} | {gap:.1e} | {delta:.1e} |"
        )
    print(
        f"| in memory | {ref.solver_} | {in_memory:.2f} | {ref.n_iter_} | - "
        f"| {in_memory / ref.n_iter_:.3f} | - | - | - | 0 | 0 |"
    )


if __name__ == "__main__":
    main()
