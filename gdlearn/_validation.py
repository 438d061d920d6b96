"""Input validation beyond scikit-learn's own: dtypes, the namespace that ``y``
and ``sample_weight`` follow, sample weights, magnitudes, and errors that
name a non-numeric input; and the guarantee that a fit that fails changes
nothing (:func:`unchanged_on_failure`)."""

from __future__ import annotations

import math
from contextlib import contextmanager
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils import check_array

from ._array_api import astype, max_abs, namespace, zeros
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
    scikit-learn's own estimators: a NumPy ``y``, a list or a pandas Series
    beside a PyTorch ``X`` is moved to ``X``'s device (and the reverse).
    Labels that are not numbers (strings) stay NumPy arrays.
    """
    if A is None or sp.issparse(A) or not get_config()["array_api_dispatch"]:
        return A
    xp, is_array_api, device_ = get_namespace_and_device(X)
    if not is_array_api:
        return A
    if not is_array_api_obj(A):  # a list, a pandas Series: as scikit-learn reads it
        A = np.asarray(A)
    if isinstance(A, np.ndarray) and A.dtype.kind not in "biuf":
        return A
    return move_to(detached(A, "y and sample_weight"), xp=xp, device=device_)


def detached(A, name="X", detach=True):
    """A PyTorch tensor that records gradients, as plain data (a fit takes no
    part in autograd); anything else as it is. A sparse tensor is refused by
    name: scipy.sparse is the sparse input gdlearn reads."""
    if not type(A).__module__.startswith("torch"):
        return A
    import torch  # imported already: A is one of its tensors

    if A.layout != torch.strided:
        raise TypeError(
            f"{name} is a sparse torch tensor ({A.layout}): pass a dense tensor, "
            "or a scipy.sparse matrix."
        )
    return A.detach() if detach and A.requires_grad else A


def check_sample_weight(sample_weight, X):
    """``(weights, exponent)``: ``sample_weight`` as a finite, nonnegative 1-D
    array of ``X``'s dtype, namespace and device, and the power of two it was
    divided by (see :func:`rescale`).

    ``None`` means unit weights; a number means that weight for every sample.
    The array returned is a new one: the caller's is never modified.
    """
    n_samples = X.shape[0]
    if sample_weight is None:
        return zeros((n_samples,), like=X) + 1, 0
    if isinstance(sample_weight, Real):
        sample_weight = zeros((n_samples,), like=X) + sample_weight
    if sp.issparse(sample_weight):
        raise TypeError(
            "sample_weight must be a dense array-like, got a sparse matrix: "
            "convert it with .toarray()."
        )
    # validated in the widest float, so that weights a float32 X cannot hold
    # (1e-300) are rescaled before they are rounded to it
    sample_weight = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=dtypes(X),
        copy=True,
        input_name="sample_weight",
    )
    if tuple(sample_weight.shape) != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {tuple(sample_weight.shape)}, expected "
            f"({n_samples},)."
        )
    if namespace(sample_weight).any(sample_weight < 0):
        raise ValueError("Negative values in data passed to sample_weight.")
    sample_weight, exponent = rescale(sample_weight, "sample_weight", X.dtype)
    return astype(sample_weight, X.dtype), exponent


def rescale(weights, name, dtype=None):
    """``(weights * 2**-e, e)``: nonnegative ``weights`` divided by a power of
    two where their largest is out of the middle of ``dtype``'s range
    (``weights``' own by default: between :math:`2^{\\pm 44}` for float32,
    :math:`2^{\\pm 492}` for float64), where their sum could overflow or
    dividing by it lose digits; else ``(weights, 0)``.

    The objective divides the data term by the sum of the weights, so the
    rescaled weights give the same objective; only the penalties, which
    scikit-learn states in units of the weights' sum, need ``e`` back (see
    :func:`weight_sum`). Dividing by a power of two is exact.
    """
    xp = namespace(weights)
    largest = float(xp.max(weights)) if weights.shape[0] else 0.0
    if not largest > 0:
        raise ValueError(f"All {name} values are zero: their sum must be positive.")
    biggest = float(namespace(weights).finfo(dtype or weights.dtype).max)
    limit = math.frexp(biggest)[1] // 2 - 20
    exponent = math.frexp(largest)[1]
    if -limit < exponent < limit:
        return weights, 0
    half = -exponent // 2  # two factors, each a normal float
    return weights * 2.0**half * 2.0 ** (-exponent - half), exponent


def weight_sum(weights, exponent):
    """The sum of the weights before :func:`rescale`: a float that may be
    ``inf`` or 0 where it is out of float64's range."""
    xp = namespace(weights)
    return unscaled(float(xp.sum(weights, dtype=xp.float64)), exponent)


def unscaled(total, exponent):
    """``total * 2**exponent``, ``inf`` where that overflows float64."""
    try:
        return math.ldexp(total, exponent)
    except OverflowError:
        return math.inf


def check_class_weight(class_weight):
    """Refuse a ``class_weight`` dict whose weights are not finite nonnegative
    numbers, naming the class."""
    if not isinstance(class_weight, dict):
        return
    for label, weight in class_weight.items():
        number = isinstance(weight, Real) and not isinstance(weight, bool)
        if not (number and math.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"class_weight[{label!r}] = {weight!r}: class weights must be "
                "finite nonnegative numbers."
            )


def check_column_scales(mean, square, dtype, n):
    """Refuse columns of ``X`` whose values are so small that their squares
    (``square``, their weighted mean), weighted by ``1/n``, lose precision to
    underflow: every such column would look constant and the model be zero
    without a word."""
    xp = namespace(square)
    finfo = xp.finfo(dtype)
    limit = float(finfo.smallest_normal) / float(finfo.eps) * max(n, 1)
    small = (square < limit) & ((square > 0) | (mean != 0))
    if bool(xp.any(small)):
        j = int(xp.argmax(astype(small, xp.int32)))
        size = math.sqrt(float(square[j])) or abs(float(mean[j]))
        raise ValueError(
            f"X has columns (column {j} first) whose values, about {size:.3g}, "
            f"are too small for {dtype} arithmetic on their squares. Scale X up "
            "before fitting (StandardScaler, or a power of 10)."
        )


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


@contextmanager
def unchanged_on_failure(estimator):
    """Put back every attribute of ``estimator`` as it was if the block raises
    (a KeyboardInterrupt included): a failed fit leaves the previous model, or
    an unfitted estimator, never half of each."""
    state = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(state)
        raise
