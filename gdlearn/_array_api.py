"""The few array operations that NumPy and the array API standard spell differently.

gdlearn's numeric core (losses, penalties, objective, optimizers) is written
against the namespace ``xp`` of its input: ``numpy`` itself for NumPy arrays
(and scipy.sparse ``X``), so that the NumPy path runs exactly the NumPy calls
it always did, and the array API namespace (``array_api_compat``'s wrapper,
as scikit-learn uses it) for PyTorch, CuPy, array_api_strict and other
arrays, which then stay on their device through the whole fit. What both
spell the same (``xp.sum``, ``xp.exp``, ``@``, slicing, ``xp.where``) is
written once; the helpers here cover the rest: creating arrays on the
input's device, casting, moving between namespaces, Python floats from
device scalars, and the functions where NumPy has a faster or more exact
spelling (``einsum`` row dots, ``vdot``, scipy's ``expit``) or where the
array API takes no Python scalar (``maximum``, ``logaddexp`` in PyTorch).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.special import expit as _np_expit
from scipy.special import log_expit as _np_log_expit

from ._compat import array_device, array_namespace, move_to


def namespace(A):
    """``numpy`` for a NumPy array or scalar or a scipy.sparse matrix, else
    ``A``'s array API namespace."""
    if type(A) is np.ndarray:  # the common case first: this runs a lot
        return np
    if isinstance(A, (np.ndarray, np.generic)) or sp.issparse(A):
        return np
    return array_namespace(A)


def device(A):
    """The device of ``A`` (None for NumPy arrays, as NumPy needs none)."""
    return None if namespace(A) is np else array_device(A)


def zeros(shape, like, dtype=None):
    """Zeros of ``like``'s namespace and device, of ``like``'s dtype by default."""
    xp = namespace(like)
    dtype = like.dtype if dtype is None else dtype
    if xp is np:
        return np.zeros(shape, dtype=dtype)
    return xp.zeros(shape, dtype=dtype, device=array_device(like))


def eye(n, like):
    """The ``n`` x ``n`` identity, of ``like``'s namespace, device and dtype."""
    xp = namespace(like)
    if xp is np:
        return np.eye(n, dtype=like.dtype)
    return xp.eye(n, dtype=like.dtype, device=array_device(like))


def arange(n, like):
    """``0, 1, ..., n - 1`` (integers) on ``like``'s device."""
    xp = namespace(like)
    return np.arange(n) if xp is np else xp.arange(n, device=array_device(like))


def asarray(values, like, dtype=None):
    """Python numbers or a NumPy array as an array of ``like``'s namespace and device."""
    xp = namespace(like)
    dtype = like.dtype if dtype is None else dtype
    if xp is np:
        return np.asarray(values, dtype=dtype)
    return xp.asarray(values, dtype=dtype, device=array_device(like))


def take_rows(A, rows):
    """The rows ``rows`` (a slice or an array of indices) of ``A``: dense,
    sparse, NumPy or not."""
    if isinstance(rows, slice) or namespace(A) is np:
        return A[rows]
    xp = namespace(A)
    return xp.take(A, asarray(rows, like=A, dtype=xp.int64), axis=0)


def copy(A):
    """A new array equal to ``A``."""
    xp = namespace(A)
    return A.copy() if xp is np else xp.asarray(A, copy=True)


def astype(A, dtype):
    """``A`` as ``dtype``, without a copy when it already is."""
    if isinstance(A, np.ndarray):
        return A.astype(dtype, copy=False)
    return A if A.dtype == dtype else namespace(A).astype(A, dtype)


def total(A, axis=None, keepdims=False):
    """``xp.sum``; for NumPy arrays the method, which skips NumPy's dispatch
    layer (a microsecond a call, and the small problems make many calls)."""
    if isinstance(A, np.ndarray):
        return A.sum(axis, keepdims=keepdims)
    return namespace(A).sum(A, axis=axis, keepdims=keepdims)


def rowdot(A, B):
    """Row-wise dot products :math:`\\sum_j a_{ij} b_{ij}`, shape (n,)."""
    if isinstance(A, np.ndarray):
        return np.einsum("ij,ij->i", A, B)
    return namespace(A).sum(A * B, axis=1)


def dot(A, B):
    """:math:`\\sum a b` over all entries, left on the device (a 0-d array, or
    a NumPy scalar)."""
    if isinstance(A, np.ndarray):
        if A.flags.f_contiguous and B.flags.f_contiguous:
            # np.vdot flattens in C order: column-major arrays would be
            # copied, their transposes are read as they lie
            return np.vdot(A.T, B.T)
        return np.vdot(A, B)
    return namespace(A).sum(A * B)


def vdot(A, B):
    """:math:`\\sum a b` over all entries, as a Python float."""
    return float(dot(A, B))


def size(A):
    """The number of entries of ``A`` (PyTorch's ``size`` is a method)."""
    return math.prod(A.shape)


def max_abs(A):
    """:math:`\\max |a|` over all entries, as a Python float (0 for an empty array)."""
    if isinstance(A, np.ndarray):
        return float(np.max(np.abs(A))) if A.size else 0.0
    xp = namespace(A)
    return float(xp.max(xp.abs(A))) if size(A) else 0.0


def floats(*scalars):
    """0-d arrays as Python floats, in one transfer from the device."""
    xp = namespace(scalars[0])
    if xp is np:
        return tuple(float(s) for s in scalars)
    return tuple(to_numpy(xp.stack(scalars)).tolist())


def any_nonzero(A):
    """Whether some entry of ``A`` is nonzero, as a Python bool."""
    if isinstance(A, np.ndarray):
        return bool(np.any(A))
    return bool(namespace(A).any(A != 0))


def positive_part(A):
    """:math:`\\max(a, 0)`, entry by entry."""
    xp = namespace(A)
    return np.maximum(A, 0.0) if xp is np else xp.where(A > 0, A, 0.0)


def softplus(Z):
    """:math:`\\log(1 + e^{z}) = \\max(z, 0) + \\log(1 + e^{-|z|})`, finite
    for any ``z`` (NumPy: the right side, three times as fast as
    ``logaddexp``)."""
    xp = namespace(Z)
    if xp is np:
        out = np.log1p(np.exp(-np.abs(Z)))
        out += np.maximum(Z, 0.0)
        return out
    return xp.logaddexp(xp.zeros_like(Z), Z)


def expit(Z):
    """The sigmoid :math:`1 / (1 + e^{-z})`, exact in relative terms for any ``z``."""
    xp = namespace(Z)
    if xp is np:
        return _np_expit(Z)
    return 1 / (1 + xp.exp(-Z))


def log_expit(Z):
    """:math:`\\log \\sigma(z) = -\\log(1 + e^{-z})`, finite for any ``z``."""
    return _np_log_expit(Z) if namespace(Z) is np else -softplus(-Z)


def column_stack(columns):
    """1-D arrays of one namespace as the columns of a 2-D array."""
    xp = namespace(columns[0])
    return np.column_stack(columns) if xp is np else xp.stack(columns, axis=1)


def follow(A, like):
    """``A`` in ``like``'s namespace and on its device; ``A`` itself when it
    already is."""
    xp = namespace(like)
    if namespace(A) is xp and device(A) == device(like):
        return A
    return to_numpy(A) if xp is np else move_to(A, xp=xp, device=device(like))


def to_numpy(A):
    """``A`` as a NumPy array, on the host (a copy only where it must be)."""
    xp = namespace(A)
    if xp is np:
        return A
    return np.asarray(move_to(A, xp=np, device="cpu"))
