"""gdlearn against dask-ml on the same persisted dask array and cluster.

    python benchmarks/dask_ml_bench.py [--rows 1000000] [--features 50] [--chunks 8]
        [--quick]

Needs ``pip install dask-ml`` (the ``bench`` extra). On ``LocalCluster(
n_workers=2, threads_per_worker=1)`` (one BLAS thread per process), ``X``
(float64, standard normal, seeded) is generated and persisted on the
workers in ``--chunks`` row chunks, with binary labels of a logistic model
and real targets of a linear one. Each contender runs a ladder of settings
(gdlearn's ``tol``, dask-ml's ``max_iter``), cheapest first, until one
reaches a relative objective gap of 1e-8 (or the ladder ends); the *time to
1e-6* and *to 1e-8* of a solver is the fit time of its cheapest setting
that reaches that gap. The gap is taken on gdlearn's objective (the
intercept unpenalized), to the minimum: a ``tol=1e-12`` in-memory fit
(logistic, C=1) or least squares by ``numpy.linalg.lstsq`` (no penalty:
dask-ml's ``LinearRegression`` runs with ``C=1e12``; its and
``LogisticRegression``'s 'newton' fit without any penalty).

Per fit: time, iterations (gdlearn), scheduler round trips (``Client.get``
calls: each waits for results; a ``persist`` does not), bytes sent
between workers (``transfer_outgoing_bytes_total``), peak resident memory
of the worker processes (VmHWM, reset before the fit) over each worker's
share of ``X``, and its rise over the resident memory at the fit's start
(the largest of the workers'), and the gap. Then the per-iteration time of gdlearn's
fits (whole fit / iterations, and between the first and the last
iteration's progress line) over the *floor*, one pass of a task per chunk
that computes the logistic loss and gradient (``X w``, the loss, ``X^T g``)
and the per-worker sums; the empty round trip (one task per chunk doing
nothing) beside it; gdlearn in memory (gathered, contiguous); and the
gdlearn Newton fit on one worker against two (data generated afresh on a
one-worker cluster). Markdown tables go to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import time

import dask.array as da
import distributed
import numpy as np
from dask_bench import empty_round_trip, logistic_data, objective_value, sent
from dask_ml.linear_model import LinearRegression, LogisticRegression
from threadpoolctl import threadpool_limits

from gdlearn import LinearRegressionGD, LogisticRegressionGD

GAPS = (1e-6, 1e-8)
GETS = []


def count_gets():
    """Count ``distributed.Client.get`` calls (round trips) in ``GETS``."""
    original = distributed.Client.get

    def counted(self, *args, **kwargs):
        GETS.append(time.perf_counter())
        return original(self, *args, **kwargs)

    distributed.Client.get = counted


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def _peak(field="VmHWM"):
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field))
    return int(line.split()[1]) * 1024


def _one_thread():
    threadpool_limits(1)


def measured(client, est, Xd, yd):
    """``(est, seconds, round trips, bytes moved, peak worker bytes, progress)``."""
    client.run(_reset_peak)
    resident = client.run(_peak, "VmRSS")
    before, trips, out = sent(client), len(GETS), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        est.fit(Xd, yd)
    elapsed = time.perf_counter() - start
    peaks = client.run(_peak)
    peak = max(peaks[w] - resident[w] for w in peaks), max(peaks.values())
    return est, elapsed, len(GETS) - trips, sent(client) - before, peak, out.getvalue()


def steady(progress):
    """Seconds per iteration between the first and the last progress line."""
    times = [float(t) for t in re.findall(r"iter +\d+ .* ([0-9.]+)s$", progress, re.M)]
    return (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else None


def _loss_grad(x, y, w):
    z = x @ w
    g = 1 / (1 + np.exp(-z)) - y[:, 0]
    out = np.concatenate([[np.logaddexp(0, z).sum() - y[:, 0] @ z], x.T @ g])
    return out[None, :]


def floor_pass(Xd, yd, repeat=7):
    """The median time of the floor (see the module docstring)."""
    w, times = np.full(Xd.shape[1], 0.01), []
    y2 = yd.astype(float)[:, None]
    chunks = ((1,) * Xd.numblocks[0], (Xd.shape[1] + 1,))
    for _ in range(repeat):
        start = time.perf_counter()
        da.map_blocks(_loss_grad, Xd, y2, w, chunks=chunks).sum(axis=0).compute()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def gap_of(est, X, y, f_ref, classify):
    """The relative gap of ``est``'s coefficients on gdlearn's objective."""
    if not classify:  # half the mean squared residual
        coef, b = (
            np.asarray(est.coef_, float).ravel(),
            float(np.ravel(est.intercept_)[0]),
        )
        return (0.5 * float(np.mean((y - X @ coef - b) ** 2)) - f_ref) / abs(f_ref)
    probe = LogisticRegressionGD().fit(X[:50], y[:50])
    probe.coef_ = np.asarray(est.coef_, float).reshape(probe.coef_.shape)
    probe.intercept_ = np.asarray(est.intercept_, float).reshape(
        np.shape(probe.intercept_)
    )
    return (objective_value(probe, X, y) - f_ref) / abs(f_ref)


def ladders(classify):
    """``(package, solver, [(label, estimator factory)])`` per contender."""
    if classify:
        gd, ml = LogisticRegressionGD, LogisticRegression
        ml_ladders = {"lbfgs": (5, 10, 20, 40), "newton": (3, 5, 8), "admm": (1, 2)}
        ml_c = 1.0
    else:
        gd, ml = LinearRegressionGD, LinearRegression
        ml_ladders = {"newton": (1, 2, 3), "lbfgs": (5, 10, 20, 40), "admm": (1, 2)}
        ml_c = 1e12
    out = []
    for solver in ("auto", "lbfgs"):
        steps = [
            (f"tol={tol:g}", lambda tol=tol, s=solver: gd(solver=s, tol=tol, verbose=2))
            for tol in (1e-4, 1e-6, 1e-8)
        ]
        out.append(("gdlearn", solver, steps))
    for solver, budgets in ml_ladders.items():
        steps = [
            (
                f"max_iter={m}",
                lambda m=m, s=solver: ml(C=ml_c, solver=s, max_iter=m),
            )
            for m in budgets
        ]
        out.append(("dask-ml", solver, steps))
    return out


def run_ladders(client, Xd, yd, X, y, f_ref, classify):
    """Every contender's ladder; returns the rows of the fits that ran."""
    rows = []
    for package, solver, steps in ladders(classify):
        for label, make in steps:
            est, *figures, progress = measured(client, make(), Xd, yd)
            gap = gap_of(est, X, y, f_ref, classify)
            rows.append((package, solver, label, est, *figures, progress, gap))
            if gap <= GAPS[-1]:
                break
    return rows


def print_fits(rows, share):
    print(
        "| package | solver | setting | time s | iterations | round trips "
        "| bytes between workers | peak worker memory ÷ share of X "
        "| its rise in the fit ÷ share | objective gap |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for package, solver, label, est, elapsed, trips, moved, peak, _, gap in rows:
        its = getattr(est, "n_iter_", "-") if package == "gdlearn" else "-"
        name = f"{solver} ({est.solver_})" if package == "gdlearn" else solver
        print(
            f"| {package} | {name} | {label} | {elapsed:.2f} | {its} | {trips} "
            f"| {moved:,} | {peak[1] / share:.2f} | {peak[0] / share:.2f} | {gap:.1e} |"
        )


def print_times_to_gap(rows, in_memory):
    """The time to each gap per contender, and gdlearn's ratios."""
    best = {}
    for package, solver, _, _, elapsed, *_, gap in rows:
        for target in GAPS:
            key = (package, solver, target)
            if gap <= target and key not in best:
                best[key] = elapsed
    print(
        "\n| package | solver | " + " | ".join(f"time to {g:g} s" for g in GAPS) + " |"
    )
    print("|---|---|" + "---:|" * len(GAPS))
    for package, solver in dict.fromkeys((r[0], r[1]) for r in rows):
        cells = [best.get((package, solver, g)) for g in GAPS]
        text = " | ".join("not reached" if c is None else f"{c:.2f}" for c in cells)
        print(f"| {package} | {solver} | {text} |")
    for target in GAPS:
        ours = best.get(("gdlearn", "auto", target))
        theirs = [v for (p, _, g), v in best.items() if p == "dask-ml" and g == target]
        if ours and theirs:
            print(
                f"\ntime to {target:g}: dask-ml's fastest {min(theirs):.2f} s ÷ gdlearn "
                f"{ours:.2f} s = {min(theirs) / ours:.1f}x; gdlearn ÷ in memory "
                f"{in_memory:.2f} s = {ours / in_memory:.2f}"
            )


def print_iterations(rows, floor, empty):
    print(f"\nfloor (loss and gradient, one task per chunk): {floor * 1e3:.0f} ms; ")
    print(f"empty round trip: {empty * 1e3:.0f} ms\n")
    print(
        "| solver | setting | iterations | round trips | s / iteration (fit) "
        "| ÷ floor | s / iteration (steady) | ÷ floor |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for package, solver, label, est, elapsed, trips, *_, progress, _ in rows:
        if package != "gdlearn":
            continue
        per = elapsed / est.n_iter_
        between = steady(progress)
        cells = "- | -" if between is None else f"{between:.3f} | {between / floor:.2f}"
        print(
            f"| {solver} ({est.solver_}) | {label} | {est.n_iter_} | {trips} "
            f"| {per:.3f} | {per / floor:.2f} | {cells} |"
        )


def regression_data(client, Xd):
    """Real targets of a linear model of the persisted ``Xd``, persisted."""
    w = np.random.default_rng(2).normal(size=Xd.shape[1])
    noise = da.random.RandomState(3).standard_normal(Xd.shape[0], chunks=Xd.chunks[0])
    yd = client.persist(Xd @ w + 1.0 + noise)
    distributed.wait(yd)
    return yd


def reference(X, y, classify):
    """The minimum of gdlearn's objective, in memory."""
    if classify:
        ref = LogisticRegressionGD(tol=1e-12, max_iter=100).fit(X, y)
        return objective_value(ref, X, y)
    A = np.column_stack([X, np.ones(len(X))])
    beta = np.linalg.lstsq(A, y, rcond=None)[0]
    return 0.5 * float(np.mean((y - A @ beta) ** 2))


def problem(client, Xd, yd, classify, floor, empty):
    X, y = (np.ascontiguousarray(a) for a in client.compute([Xd, yd], sync=True))
    f_ref = reference(X, y, classify)
    rows = run_ladders(client, Xd, yd, X, y, f_ref, classify)
    cls = LogisticRegressionGD if classify else LinearRegressionGD
    start = time.perf_counter()
    ref = cls().fit(X, y)
    in_memory = time.perf_counter() - start
    gap = gap_of(ref, X, y, f_ref, classify)
    print(f"\n### {'logistic, C=1' if classify else 'least squares'}\n")
    print_fits(rows, Xd.nbytes / len(client.scheduler_info()["workers"]))
    print(
        f"| gdlearn in memory | {ref.solver_} | default | {in_memory:.2f} "
        f"| {ref.n_iter_} | - | - | - | - | {gap:.1e} |"
    )
    print_times_to_gap(rows, in_memory)
    print_iterations(rows, floor, empty)


@contextlib.contextmanager
def cluster(workers):
    """A client of ``LocalCluster(n_workers=workers, threads_per_worker=1)``,
    one BLAS thread per worker."""
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        client.run(_one_thread)
        yield client


def best_of_two(Xd, yd):
    """The faster of two default ``LogisticRegressionGD`` fits, seconds."""
    times = []
    for _ in range(2):
        start = time.perf_counter()
        LogisticRegressionGD().fit(Xd, yd)
        times.append(time.perf_counter() - start)
    return min(times)


def scaling(n, p, chunks, two_worker_time):
    """The gdlearn Newton fit on one worker (fresh data, same generator)."""
    with cluster(1) as client:
        one = best_of_two(*logistic_data(client, n, p, chunks))
    print(
        f"\n1 -> 2 workers, LogisticRegressionGD() (Newton): {one:.2f} s -> "
        f"{two_worker_time:.2f} s, speed-up {one / two_worker_time:.2f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="200,000 rows")
    args = parser.parse_args()
    n, p = (200_000 if args.quick else args.rows), args.features
    count_gets()
    threadpool_limits(1)
    with cluster(2) as client:
        Xd, yd = logistic_data(client, n, p, args.chunks)
        floor, empty = floor_pass(Xd, yd), empty_round_trip(Xd)
        print(f"X: {n:,} x {p} float64 in {args.chunks} row chunks", end="")
        print(f" ({Xd.nbytes / 2**20:.0f} MiB), 2 workers x 1 thread")
        two = best_of_two(Xd, yd)
        problem(client, Xd, yd, True, floor, empty)
        problem(client, Xd, regression_data(client, Xd), False, floor, empty)
    scaling(n, p, args.chunks, two)


if __name__ == "__main__":
    main()
