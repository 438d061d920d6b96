"""Validation and target encoding of a fit on a dask ``X``, chunk by chunk.

What :meth:`gdlearn._base.GDMixin._prepare` does with scikit-learn's
``validate_data`` and the estimator's ``_encode_targets``, done where the
chunks lie: ``X`` is checked by its metadata (its values are checked by the
objective's column statistics, whose sums are not finite when ``X`` holds
NaN or infinity); ``y`` and ``sample_weight`` (dask arrays with ``X``'s row
chunks, or NumPy arrays, cut into those chunks) are summarized in one round
trip (the labels and their weighted counts, or ``y``'s finiteness; the
weights' sign, sum and finiteness), then encoded by one task per chunk that
also takes ``X``'s chunk, so that the scheduler runs it, and keeps the
encoded chunk, where ``X``'s chunk lies.
"""

from __future__ import annotations

import math
import warnings
from numbers import Real

import dask
import dask.array as da
import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets

from .._validation import check_magnitude, rescale
from ..linear_model._logistic import class_weights
from ..losses import SquaredError
from ._design import compute, map_rows
from ._objective import persisted
from ._placement import blocks, placement

#: The solvers that take a dask ``X`` (every one but 'sgd').
DASK_SOLVERS = ("auto", "newton", "lbfgs", "accelerated", "gd")


def check_X(X, *, known_rows=True):
    """``X`` as a 2-D dask array of float chunks (NumPy, or scipy.sparse:
    each is read in CSR) with one column chunk."""
    if X.ndim != 2:
        raise ValueError(f"Expected a 2D dask array for X, got {X.ndim}D.")
    if known_rows and any(math.isnan(c) for c in X.chunks[0]):
        raise ValueError(
            "X has row chunks of unknown size (after a boolean mask, or from a "
            "dataframe): call X.compute_chunk_sizes() before fit."
        )
    if not (isinstance(X._meta, np.ndarray) or sp.issparse(X._meta)):
        raise TypeError(
            f"X's chunks are {type(X._meta).__name__}: a dask X takes NumPy or "
            "scipy.sparse chunks only."
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must be numeric, not of dtype {X.dtype}.")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if X.shape[1] == 0 or (known_rows and X.shape[0] == 0):
        raise ValueError(
            f"Found array with shape {X.shape}: X needs samples and features."
        )
    return X.rechunk({1: -1}) if len(X.chunks[1]) > 1 else X


def _rows(A, X, name):
    """``A``'s row chunks, one per chunk of ``X``: Delayed for a dask ``A``
    (whose rows must be chunked as ``X``'s), NumPy slices otherwise."""
    if A is None or isinstance(A, Real):
        return [A] * X.numblocks[0]
    n = X.shape[0]
    if isinstance(A, da.Array):
        if A.shape[0] != n or any(math.isnan(c) for c in A.chunks[0]):
            raise ValueError(
                f"{name} has {A.shape[0]} rows, X has {n}: they must have the same."
            )
        if A.chunks[0] != X.chunks[0]:
            raise ValueError(
                f"{name}'s row chunks {A.chunks[0]} do not line up with X's "
                f"{X.chunks[0]}: rechunk it, {name}.rechunk({{0: X.chunks[0]}})."
            )
        return blocks(A.rechunk({1: -1}) if A.ndim == 2 else A)
    A = np.asarray(A)
    if A.ndim == 0 or A.shape[0] != n:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: X has "
            f"{n}, {name} has {A.shape[0] if A.ndim else 'none'}."
        )
    stops = np.cumsum(X.chunks[0])
    return [
        A[stop - size : stop] for stop, size in zip(stops, X.chunks[0], strict=True)
    ]


def _summary(y, sw, classify, dtype):
    """One chunk's labels and their weighted counts (or ``y``'s finiteness
    and largest magnitude in ``dtype``), and its weights' smallest value,
    sum and finiteness."""
    y = np.asarray(y)
    out = {}
    if classify:
        labels, inverse = np.unique(y, return_inverse=True)
        weights = None if sw is None else np.broadcast_to(sw, y.shape).astype(float)
        out["labels"] = labels
        out["counts"] = np.bincount(inverse.ravel(), weights, len(labels))
    else:
        out["finite"] = bool(np.all(np.isfinite(y.astype(np.float64))))
        out["largest"] = float(np.max(np.abs(y.astype(dtype)), initial=0.0))
    if sw is not None and not isinstance(sw, Real):
        sw = np.asarray(sw, dtype=np.float64)
        out["sw"] = (
            sw.min(initial=np.inf),
            sw.sum(),
            bool(np.all(np.isfinite(sw))),
            sw.max(initial=0.0),
        )
    return out


def _check_weights(parts, sample_weight, dtype):
    """The errors of :func:`gdlearn._validation.check_sample_weight`, and the
    power of two the weights are divided by (:func:`gdlearn._validation.rescale`)."""
    if sample_weight is None:
        return 0
    if isinstance(sample_weight, Real):
        smallest = largest = sample_weight
        finite = math.isfinite(sample_weight)
    else:
        smallest = min(part["sw"][0] for part in parts)
        largest = max(part["sw"][3] for part in parts)
        finite = all(part["sw"][2] for part in parts)
    if not finite:
        raise ValueError("Input sample_weight contains NaN or infinity.")
    if smallest < 0:
        raise ValueError("Negative values in data passed to sample_weight.")
    return rescale(np.array([float(largest)]), "sample_weight", dtype)[1]


def _pinned(task, X, columns, dtype, *items, args=(), homes=None):
    """:func:`gdlearn._dask._design.map_rows`, persisted beside ``X``'s chunks."""
    return persisted(map_rows(task, X, columns, dtype, *items, args=args, homes=homes))


def _weights(x, y, sw, classes, class_weight, dtype, exponent=0):
    """One chunk's sample weights divided by ``2**exponent``, times its class
    weights (classification)."""
    out = np.ones(x.shape[0]) if sw is None else np.asarray(sw, np.float64)
    half = -exponent // 2  # two factors, each a normal float (see rescale)
    out = np.broadcast_to(out * 2.0**half * 2.0 ** (-exponent - half), (x.shape[0],))
    out = out.astype(dtype)  # a copy
    if class_weight is not None:
        out *= class_weight[np.searchsorted(classes, np.asarray(y))]
    return out


def _one_hot(x, y, classes, dtype):
    """One chunk's targets: the 0/1 column of two classes, or one-hot columns
    (each contiguous)."""
    index = np.searchsorted(classes, np.asarray(y))
    if len(classes) == 2:
        return index[:, None].astype(dtype)
    return np.asfortranarray(np.arange(len(classes))[None, :] == index[:, None], dtype)


def _real(x, y, dtype):
    """One chunk's regression targets, 2-D."""
    y = np.asarray(y, dtype)
    return y.reshape(y.shape[0], -1)


def _labels(estimator, y):
    """``y`` of a classifier as 1-D, as scikit-learn's validation makes it."""
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please "
            "change the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=4,
        )
        return y.ravel() if isinstance(y, da.Array) else np.ravel(y)
    if y.ndim != 1:
        raise ValueError(
            f"y should be a 1d array, got an array of shape {y.shape} instead."
        )
    return y


def _classes(estimator, parts, sample_weight):
    """``classes_`` and the class weights (None without ``class_weight``)."""
    classes = np.unique(np.concatenate([part["labels"] for part in parts]))
    check_classification_targets(classes)
    if classes.shape[0] < 2:
        raise ValueError(
            f"{type(estimator).__name__} needs samples of at least 2 classes in the "
            "data, but the data contains only one class: "
            f"{classes[0].item()!r}."
        )
    estimator.classes_ = classes
    counts = np.zeros(classes.shape[0])
    for part in parts:
        np.add.at(counts, np.searchsorted(classes, part["labels"]), part["counts"])
    if estimator.class_weight is None:
        weights, exponent = np.ones(classes.shape[0]), 0
    else:
        # each class once, weighted by its count: scikit-learn's own formula
        weights, exponent = class_weights(
            estimator.class_weight, classes, classes, counts, np.float64
        )
    if not float(np.sum(counts * weights)) > 0:
        raise ValueError(
            "All sample_weight times class_weight values are zero: their sum "
            "must be positive."
        )
    return classes, (None if estimator.class_weight is None else weights), exponent


def prepare(estimator, X, y, sample_weight, *, reset, partial=False):
    """``(X, y, sample_weight, Y, loss, exponent)`` as :meth:`GDMixin._prepare
    <gdlearn._base.GDMixin._prepare>` returns them, for a dask ``X``: ``Y``
    and ``sample_weight`` dask arrays with ``X``'s row chunks, persisted."""
    name = type(estimator).__name__
    if partial:
        raise ValueError(
            f"{name}.partial_fit does not take dask arrays: use fit, which runs on "
            "X's chunks where they lie, or pass each chunk as a NumPy array."
        )
    if estimator.solver not in DASK_SOLVERS:
        raise ValueError(
            f"solver={estimator.solver!r} does not run on dask arrays: use "
            "solver='auto', 'newton' or 'lbfgs' (one round trip per iteration), "
            "or 'accelerated' / 'gd'."
        )
    X = check_X(X)
    if reset:
        estimator.n_features_in_ = X.shape[1]
        estimator.__dict__.pop("feature_names_in_", None)
    classify = is_classifier(estimator)
    y = _labels(estimator, y) if classify else y
    ys, sws = _rows(y, X, "y"), _rows(sample_weight, X, "sample_weight")
    tasks = [
        dask.delayed(_summary)(a, b, classify, X.dtype)
        for a, b in zip(ys, sws, strict=True)
    ]
    parts = compute(tasks)[0]
    dtype, homes = X.dtype, placement(X)
    exponent = _check_weights(parts, sample_weight, dtype)
    if classify:
        if sample_weight is not None and not isinstance(sample_weight, Real):
            for part in parts:  # the weighted counts in the rescaled units
                part["counts"] = part["counts"] * 2.0**-exponent
        classes, class_weight, by_class = _classes(estimator, parts, sample_weight)
        cw = None if class_weight is None else class_weight.astype(dtype)
        args = (classes, cw, dtype, exponent)
        weights = _pinned(_weights, X, None, dtype, ys, sws, args=args, homes=homes)
        k = 1 if len(classes) == 2 else len(classes)
        Y = _pinned(_one_hot, X, k, dtype, ys, args=(classes, dtype), homes=homes)
        return X, y, weights, Y, estimator._loss(), exponent + by_class
    if not all(part["finite"] for part in parts):
        raise ValueError("Input y contains NaN or infinity.")
    if sample_weight is not None and not sum(part["sw"][1] for part in parts) > 0:
        raise ValueError(
            "All sample_weight values are zero: their sum must be positive."
        )
    args = (None, None, dtype, exponent)
    weights = _pinned(_weights, X, None, dtype, ys, sws, args=args, homes=homes)
    k = 1 if y.ndim == 1 else y.shape[1]
    Y = _pinned(_real, X, k, dtype, ys, args=(dtype,), homes=homes)
    # Y's largest magnitude, from the summary, as many times as Y has rows
    largest = max(part["largest"] for part in parts)
    check_magnitude(np.broadcast_to(np.asarray(largest, dtype), (X.shape[0],)), "y")
    return X, y, weights, Y, SquaredError(), exponent
