"""The one place gdlearn touches scikit-learn beyond its public API.

scikit-learn's parameter-constraint machinery (``Interval``, ``StrOptions``
and the validation that reads ``_parameter_constraints``) lives in the private
``sklearn.utils._param_validation``; it is what scikit-learn's own estimators
and ``check_estimator`` use, so gdlearn uses it too, through this module only.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import (  # noqa: F401  (re-exported)
    Interval,
    StrOptions,
    validate_parameter_constraints,
)

__all__ = ["Interval", "StrOptions", "check_sample_weight", "validate_params"]


def validate_params(estimator):
    """Check ``estimator.get_params()`` against its ``_parameter_constraints``.

    Raises ``InvalidParameterError`` (a ``ValueError`` and ``TypeError``)
    whose message names the parameter and what it accepts.
    """
    validate_parameter_constraints(
        estimator._parameter_constraints,
        estimator.get_params(deep=False),
        caller_name=type(estimator).__name__,
    )


def check_sample_weight(sample_weight, n_samples, dtype):
    """``sample_weight`` as a finite, nonnegative 1-D array with a positive sum.

    ``None`` means unit weights; a number means that weight for every sample.
    The array returned is a new one: the caller's is never modified.
    """
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype)
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_samples, sample_weight, dtype=dtype)
    sample_weight = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=dtype,
        copy=True,
        input_name="sample_weight",
    )
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected ({n_samples},)."
        )
    if np.any(sample_weight < 0):
        raise ValueError("Negative values in data passed to sample_weight.")
    if not np.sum(sample_weight) > 0:
        raise ValueError(
            "All sample_weight values are zero: their sum must be positive."
        )
    return sample_weight
