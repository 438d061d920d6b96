"""Input validation beyond scikit-learn's own: dtypes, the namespace that ``y``
and ``sample_weight`` follow, sample weights, magnitudes, and errors that
name a non-numeric input."""

from __future__ import annotations

from contextlib import contextmanager
from numbers import Real

import numpy as np
from sklearn import get_config
from sklearn.utils import check_array

from ._array_api import max_abs, namespace, zeros
from ._compat import get_namespace_and_device, is_array_api_obj, move_to

ACCEPT_SPARSE = ("csr", "csc")


def dtypes(X):
    """The float dtypes fit and predict accept, in ``X``'s namespace."""
    if not get_config()["array_api_dispatch"]:
        return [np.float64, np.float32]
    xp, _, _ = get_namespace_and_device(X)
    return [xp.float64, xp.float32]


def follow_X(A, X):
    """``y`` or ``sample_weight`` moved to ``X``'s array namespace and device.

    With ``array_api_dispatch`` on, everything follows ``X``, as in
    scikit-learn's own estimators: a NumPy ``y`` beside a PyTorch ``X`` is
    moved to ``X``'s device (and the reverse). Labels that are not numbers
    (strings) stay NumPy arrays, and lists, scalars and data frames are left
    to validation.
    """
    if A is None or not get_config()["array_api_dispatch"] or not is_array_api_obj(A):
        return A
    xp, is_array_api, device_ = get_namespace_and_device(X)
    if not is_array_api:
        return A
    if isinstance(A, np.ndarray) and A.dtype.kind not in "biuf":
        return A
    return move_to(A, xp=xp, device=device_)


def check_sample_weight(sample_weight, X):
    """``sample_weight`` as a finite, nonnegative 1-D array with a positive sum,
    of ``X``'s dtype, namespace and device.

    ``None`` means unit weights; a number means that weight for every sample.
    The array returned is a new one: the caller's is never modified.
    """
    n_samples = X.shape[0]
    if sample_weight is None:
        return zeros((n_samples,), like=X) + 1
    if isinstance(sample_weight, Real):
        sample_weight = zeros((n_samples,), like=X) + sample_weight
    sample_weight = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=X.dtype,
        copy=True,
        input_name="sample_weight",
    )
    if tuple(sample_weight.shape) != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {tuple(sample_weight.shape)}, expected "
            f"({n_samples},)."
        )
    xp = namespace(sample_weight)
    if xp.any(sample_weight < 0):
        raise ValueError("Negative values in data passed to sample_weight.")
    if not float(xp.sum(sample_weight)) > 0:
        raise ValueError(
            "All sample_weight values are zero: their sum must be positive."
        )
    return sample_weight


def check_magnitude(A, name):
    """Refuse values whose squares, summed over the samples, overflow the dtype."""
    largest = max_abs(A)
    limit = 1e-3 * np.sqrt(float(namespace(A).finfo(A.dtype).max) / max(A.shape[0], 1))
    if largest > limit:
        raise ValueError(
            f"{name} has values up to {largest:.3g}, too large for {A.dtype} "
            f"arithmetic on their squares (the limit for {A.shape[0]} samples is "
            f"{limit:.3g}). Scale {name} down before fitting."
        )


@contextmanager
def numeric_input(names):
    """Name the input when numpy cannot convert it to numbers (strings in X)."""
    try:
        yield
    except ValueError as error:
        if str(error).startswith("could not convert"):
            raise ValueError(f"{names} must be numeric: {error}") from error
        raise
