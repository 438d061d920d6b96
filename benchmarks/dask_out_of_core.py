"""A fit on a dask X read from a file on disk, larger than the worker's memory.

    python benchmarks/dask_out_of_core.py

X (1,500,000 x 64 float32, 366 MiB, seeded standard normal) is written to a
``.npy`` file; the dask array reads it in 100,000-row chunks, one task per
chunk (``np.load(mmap_mode='r')`` and a private copy), never persisted. On
``LocalCluster(n_workers=1, threads_per_worker=1, memory_limit='300MiB')``
(X is 1.2 times the worker's limit; the worker process alone takes about
190 MiB), ``RidgeGD(alpha=1)`` is fitted; prints the fit time, the largest
coefficient error, and after the fit the worker's resident memory, the
bytes its data holds in memory, what it spilled and how many keys it keeps.
"""

from __future__ import annotations

import os
import tempfile
import time

import dask
import dask.array as da
import distributed
import numpy as np

from gdlearn import RidgeGD


def load(path, start, stop):
    """Rows ``start:stop`` of the ``.npy`` file, read from disk (a copy)."""
    rows = np.load(path, mmap_mode="r")[start:stop]
    return np.array(rows)


def worker_memory(dask_worker):
    data = dask_worker.data
    fast = getattr(data, "fast", data)
    return {
        "rss_MiB": dask_worker.monitor.get_process_memory() / 2**20,
        "in_memory_bytes": sum(getattr(v, "nbytes", 0) for v in fast.values()),
        "spilled": getattr(data, "spilled_total", None),
        "keys": len(data),
    }


def main():
    n, p, c = 1_500_000, 64, 100_000
    path = os.path.join(tempfile.mkdtemp(), "X.npy")
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, p))
    rng = np.random.default_rng(0)
    w = rng.normal(size=p).astype(np.float32)
    y = np.empty(n, np.float32)
    for s in range(0, n, c):
        X[s : s + c] = rng.standard_normal((c, p), dtype=np.float32)
        y[s : s + c] = X[s : s + c] @ w
    X.flush()
    del X
    parts = [
        da.from_delayed(
            dask.delayed(load, pure=True)(path, s, min(s + c, n)),
            (min(s + c, n) - s, p),
            dtype=np.float32,
        )
        for s in range(0, n, c)
    ]
    Xd = da.concatenate(parts)
    print(f"X: {Xd.nbytes / 2**20:.0f} MiB on disk; worker memory limit 300 MiB")
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            memory_limit="300MiB",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        start = time.perf_counter()
        est = RidgeGD(alpha=1.0).fit(Xd, da.from_array(y, chunks=c))
        print(f"fit {time.perf_counter() - start:.1f} s, {est.n_iter_} iterations")
        print(f"largest |coef - w|: {np.abs(est.coef_ - w).max():.1e}")
        print(client.run(worker_memory))
    os.remove(path)


if __name__ == "__main__":
    main()
