"""
A fit on a dask array, where its chunks lie
===========================================

X is never gathered on the client: each pass over it is one task per chunk.

A gradient is a sum over rows, so each worker can reduce its own rows of X
to a few numbers and send only those. This script starts a local cluster of
two worker processes (``LocalCluster(n_workers=2, threads_per_worker=1)``),
makes a 200,000 x 20 dask array on the workers (4 row chunks, persisted),
fits ``LogisticRegressionGD`` on it, and prints the iterations, the time and
the bytes the workers sent each other during the fit (the sum over workers
of ``Worker.transfer_outgoing_bytes_total``, read with ``client.run``),
then fits the same data in memory and compares the two models.

What to look for: the workers exchange some tens of kilobytes, under a
thousandth of X's 32 MB (what moves is one partial sum of ``q k`` or
``q (q + 1) / 2`` numbers per worker per round trip; here no chunk of X);
the two fits take the same iterations and their coefficients agree to
about 1e-16. On a cluster this small the dask fit is slower than the
in-memory one (each iteration is a scheduler round trip of some tens of
milliseconds); what it buys is data that need not fit in one process. The
figure shows both times and the bytes moved beside X's size.

Run: ``python examples/plot_dask.py`` (needs the ``dask`` extra: ``pip install
gdlearn[dask]``; writes ``examples/figures/plot_dask.png``, or into
``$GDLEARN_FIGURES``)
"""

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import dask.array as da  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from distributed import Client, LocalCluster, wait  # noqa: E402

from gdlearn import LogisticRegressionGD  # noqa: E402

N, P, CHUNK = 200_000, 20, 50_000


def sent(dask_worker):
    """The bytes this worker has sent to other workers so far."""
    return dask_worker.transfer_outgoing_bytes_total


def features(block_id=None):
    """One row chunk of X: columns of standard deviations 1 to 5."""
    rng = np.random.default_rng(block_id[0])
    return rng.standard_normal((CHUNK, P)) * np.linspace(1, 5, P)


def labels(x, w, block_id=None):
    """A chunk's labels, drawn from the logistic model with coefficients ``w``."""
    noise = np.random.default_rng(100 + block_id[0]).logistic(size=x.shape[0])
    return (x @ w + noise > 0).astype(np.int64)


def make_data():
    """X (N, P) and labels y, generated on the workers and kept there: one
    task per chunk of X, and each chunk of y made from (so beside) its chunk
    of X."""
    chunks = ((CHUNK,) * (N // CHUNK), (P,))
    X = da.map_blocks(features, chunks=chunks, dtype=np.float64)
    w = np.random.default_rng(1).normal(size=P)
    y = X.map_blocks(labels, w, drop_axis=1, dtype=np.int64)
    X, y = X.persist(), y.persist()
    wait([X, y])
    return X, y


def main():
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        X, y = make_data()
        before = sum(client.run(sent).values())
        start = time.perf_counter()
        on_dask = LogisticRegressionGD().fit(X, y)  # the active client runs it
        dask_time = time.perf_counter() - start
        moved = sum(client.run(sent).values()) - before
        proba = on_dask.predict_proba(X)  # lazy: a dask array, computed on demand
        print(f"predict_proba on dask: {type(proba).__name__} {proba.shape}")
        X_np, y_np = np.ascontiguousarray(X.compute()), y.compute()

    start = time.perf_counter()
    in_memory = LogisticRegressionGD().fit(X_np, y_np)
    memory_time = time.perf_counter() - start
    gap = np.max(np.abs(on_dask.coef_ - in_memory.coef_)) / np.max(
        np.abs(in_memory.coef_)
    )
    print(f"X: {N:,} x {P} float64 in {N // CHUNK} chunks, {X.nbytes:,} bytes")
    print(f"dask fit:      {on_dask.n_iter_} iterations, {dask_time:.2f} s")
    print(f"in-memory fit: {in_memory.n_iter_} iterations, {memory_time:.2f} s")
    print(f"bytes moved between workers during the fit: {moved:,}")
    print(f"  that is {moved / X.nbytes:.1e} of X.nbytes")
    print(f"largest coefficient difference / largest coefficient: {gap:.1e}")

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.bar(["dask (2 workers)", "in memory"], [dask_time, memory_time])
    left.set(ylabel="fit time (s)", title="LogisticRegressionGD, same data")
    right.bar(["X", "moved during fit"], [X.nbytes, max(moved, 1)], color="C1")
    right.set(yscale="log", ylabel="bytes", title="what moved between workers")
    fig.tight_layout()
    folder = Path(
        os.environ.get("GDLEARN_FIGURES") or Path(__file__).parent / "figures"
    )
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / "plot_dask.png", dpi=100)


if __name__ == "__main__":
    main()
