"""Where the tasks of a fit on a dask ``X`` run: beside ``X``'s chunks.

Each chunk of ``X`` has a home, the worker that holds it
(:func:`placement`); every task that reads a chunk, and every array of rows
kept beside ``X`` (the raw predictions, targets, weights, and the lazy
arithmetic on them), is placed there strictly (``allow_other_workers=False``),
so that the scheduler's work stealing cannot move chunks of ``X`` to an idle
worker.
"""

from __future__ import annotations

import contextlib
import time

import dask
from dask.highlevelgraph import MaterializedLayer


def blocks(A):
    """The row chunks of ``A`` (one column chunk), as a list of Delayed."""
    return list(A.to_delayed(optimize_graph=False).ravel())


def at(homes, i):
    """A context placing the tasks made in it on ``homes[i]``, the worker
    that holds chunk ``i`` of ``X`` (no placement when ``homes`` is None).

    The placement is strict (``allow_other_workers=False``): a loose one
    lets the scheduler's work stealing run the task on an idle worker, which
    then fetches the chunk of ``X`` (measured: 0.67 ``X.nbytes`` moved in a
    fit while one worker was busy)."""
    if homes is None:
        return contextlib.nullcontext()
    return dask.annotate(workers=[homes[i]], allow_other_workers=False)


def placed_layer(layer, homes):
    """``layer`` (a dict of tasks keyed ``(name, i, ...)``, one per row chunk)
    as a graph layer whose task ``i`` is placed as :func:`at` places it."""
    if homes is None:
        return MaterializedLayer(layer)
    annotations = {"workers": _Home(homes), "allow_other_workers": False}
    return MaterializedLayer(layer, annotations=annotations)


class _Home:
    """``key -> [the worker of chunk key[1]]``, a layer annotation (None, no
    placement, for a key that names no row chunk)."""

    def __init__(self, homes):
        self.homes = homes

    def __call__(self, key):
        row = key[1] if isinstance(key, tuple) and len(key) > 1 else None
        if isinstance(row, int) and 0 <= row < len(self.homes):
            return [self.homes[row]]
        return None


def persist_at(A, homes):
    """``A`` persisted, each row chunk's tasks placed strictly where ``X``'s
    chunk of the same rows lies (``homes``): lazy arithmetic on arrays kept
    beside ``X`` (a line search's ``Z + t U``) would otherwise be stolen
    by an idle worker while the chunk's own is busy, which then fetches its
    inputs (measured: every chunk of such a ``Z`` moved)."""
    if homes is None:
        return A.persist()
    with dask.annotate(workers=_Home(homes), allow_other_workers=False):
        return A.persist()


def placement(X):
    """The worker that holds each chunk of ``X``, a list (None without a
    ``distributed`` client, or for an ``X`` that is not persisted)."""
    try:
        from distributed import default_client

        client = default_client()
    except (ImportError, ValueError):  # no distributed, or no client
        return None
    who_has = _single_replicas(client, X)
    homes, load = [], {}  # the chunks given to each worker so far
    for chunk in blocks(X):
        workers = who_has.get(chunk.key) or who_has.get(str(chunk.key))
        if not workers:
            return None
        # of several holders (replicas left), the one given the fewest chunks
        home = min(sorted(workers), key=lambda worker: load.get(worker, 0))
        load[home] = load.get(home, 0) + 1
        homes.append(home)
    return homes


#: How long :func:`placement` waits for the replicas of ``X``'s chunks to be
#: dropped, in polls of 50 ms (5 s).
REPLICA_POLLS = 100


def _single_replicas(client, X):
    """``client.who_has(X)``, after the active memory manager has dropped the
    extra replicas of ``X``'s chunks (a copy made by an earlier computation,
    or ``client.replicate``): with a copy of every chunk on every worker, the
    first holder of each was the same worker for all (the others idle), and
    what the manager dropped during the fit moved back (8-10% of
    ``X.nbytes`` in a fit of a replicated ``X``). Waits at most
    ``REPLICA_POLLS`` polls; replicas left then (a cluster without the
    manager keeps them) are shared out by :func:`placement`."""
    who_has = client.who_has(X)
    if all(len(workers) <= 1 for workers in who_has.values()):
        return who_has
    try:
        client.amm.run_once()
    except Exception:  # noqa: BLE001 - no manager on this scheduler: keep them
        return who_has
    for _ in range(REPLICA_POLLS):  # bounded: about 5 s in all
        time.sleep(0.05)
        who_has = client.who_has(X)
        if all(len(workers) <= 1 for workers in who_has.values()):
            break
    return who_has
