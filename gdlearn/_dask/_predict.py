"""Predictions on a dask ``X``: lazy, one task per row chunk.

Each task runs the fitted estimator's own method on its chunk (a NumPy
array or a scipy.sparse matrix), so that the predictions are the in-memory ones; the fitted
attributes travel with the graph, ``X`` stays where it is.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from ._prepare import check_X


def _apply(chunk, estimator, name):
    return getattr(estimator, name)(chunk if sp.issparse(chunk) else np.asarray(chunk))


def map_rows(estimator, method, X):
    """``method(estimator, chunk)`` for each row chunk of the dask ``X``, as a
    lazy dask array (1-D, or 2-D with the columns ``method`` gives)."""
    check_is_fitted(estimator)
    X = check_X(X, known_rows=False)
    expected = estimator.n_features_in_
    if X.shape[1] != expected:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
            f"expecting {expected} features as input."
        )
    # the output's shape and dtype, from one row of zeros
    sample = np.asarray(method(estimator, np.zeros((1, expected), dtype=X.dtype)))
    name = method.__name__
    meta = np.empty((0,) * sample.ndim, dtype=sample.dtype)
    if sample.ndim == 1:
        return X.map_blocks(
            _apply, estimator, name, drop_axis=1, dtype=sample.dtype, meta=meta
        )
    chunks = (X.chunks[0], (sample.shape[1],))
    return X.map_blocks(
        _apply, estimator, name, chunks=chunks, dtype=sample.dtype, meta=meta
    )
