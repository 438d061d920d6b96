"""Dask arrays: the second backend of the design-matrix seam.

A ``dask.array`` ``X`` (row chunks on the workers of a ``distributed``
cluster, or on dask's local scheduler) is fitted where it lies: every pass
over ``X`` is one task per row chunk that returns a few numbers (``p k`` for
a gradient, ``q^2`` per block for a curvature), tree-summed, and ``X`` never
leaves its workers. The raw predictions ``Z``, the encoded targets and the
sample weights are persisted beside ``X``'s chunks (each is computed by a
task that reads the chunk of ``X``, so the scheduler places it there).

Solvers: 'newton' (its curvature summed chunk by chunk, orthant-wise steps
with L1), 'lbfgs', and the first-order 'accelerated' and 'gd', each with one
scheduler round trip per evaluation of the objective (its value and gradient
come from the same tasks). ``solver='auto'`` decides as it does in memory:
its inputs (unknowns, rows, the curvature's cost) are global figures.
``solver='sgd'`` and ``partial_fit`` do not take dask arrays.

This module imports nothing from dask: :func:`is_dask_array` recognizes a
dask array without importing dask (none can exist before ``dask.array`` is
imported), and the backend (:mod:`gdlearn._dask._design`, :mod:`gdlearn._dask._placement`,
:mod:`gdlearn._dask._objective`, :mod:`gdlearn._dask._prepare`) is imported
when the first one arrives, so that ``import gdlearn`` works without dask.
"""

from __future__ import annotations

import functools
import sys


def is_dask_array(A) -> bool:
    """Whether ``A`` is a ``dask.array.Array`` (dask itself is not imported)."""
    module = sys.modules.get("dask.array")
    return module is not None and isinstance(A, module.Array)


def prepare(estimator, X, y, sample_weight, *, reset, partial=False):
    """:meth:`GDMixin._prepare` for a dask ``X``: see :func:`._prepare.prepare`."""
    from ._prepare import prepare as _prepare

    return _prepare(estimator, X, y, sample_weight, reset=reset, partial=partial)


def objective_class(X):
    """The objective for data ``X``: :class:`~gdlearn._objective.Objective`, or
    :class:`~gdlearn._dask._objective.DaskObjective` for a dask ``X``."""
    if is_dask_array(X):
        from ._objective import DaskObjective

        return DaskObjective
    from .._objective import Objective

    return Objective


def lazy_on_dask(*names):
    """Decorate a class whose ``predict``-like methods ``names`` (each
    ``method(self, X)``) return, on a dask ``X``, a lazy dask array: the
    method applied to each row chunk."""

    def decorate(cls):
        for name in names:
            setattr(cls, name, rows_of_dask(cls.__dict__[name]))
        return cls

    return decorate


def rows_of_dask(method):
    """``method(self, X)``, returning on a dask ``X`` a lazy dask array:
    ``method`` applied to each row chunk."""

    @functools.wraps(method)
    def wrapper(self, X):
        if is_dask_array(X):
            from ._predict import map_rows

            return map_rows(self, method, X)
        return method(self, X)

    return wrapper
