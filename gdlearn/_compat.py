"""The one place gdlearn touches scikit-learn beyond its public API.

scikit-learn's parameter-constraint machinery (``Interval``, ``StrOptions``
and the validation that reads ``_parameter_constraints``) lives in the private
``sklearn.utils._param_validation``, and its array API helpers (which
namespace and device an input lives in, moving ``y`` and ``sample_weight`` to
``X``'s, refusing a ``predict`` input from another namespace than ``fit``'s)
in ``sklearn.utils._array_api``, over its vendored ``array_api_compat``.
They are what scikit-learn's own estimators and ``check_estimator`` use, so
gdlearn uses them too, through this module only.
"""

from __future__ import annotations

from sklearn import get_config
from sklearn.externals.array_api_compat import (  # noqa: F401  (re-exported)
    array_namespace,
    is_array_api_obj,
)
from sklearn.externals.array_api_compat import device as array_device
from sklearn.utils._array_api import (  # noqa: F401  (re-exported)
    _max_precision_float_dtype as max_float_dtype,
)
from sklearn.utils._array_api import (  # noqa: F401  (re-exported)
    check_same_namespace,
    get_namespace_and_device,
    move_to,
)
from sklearn.utils._param_validation import (  # noqa: F401  (re-exported)
    Interval,
    StrOptions,
    validate_parameter_constraints,
)

__all__ = [
    "Interval",
    "StrOptions",
    "array_device",
    "array_namespace",
    "is_array_api_obj",
    "check_same_namespace",
    "get_namespace_and_device",
    "max_float_dtype",
    "move_to",
    "validate_params",
]


def validate_params(estimator):
    """Check ``estimator.get_params()`` against its ``_parameter_constraints``.

    Raises ``InvalidParameterError`` (a ``ValueError`` and ``TypeError``)
    whose message names the parameter and what it accepts. Skipped, as for
    scikit-learn's own estimators, under
    ``sklearn.config_context(skip_parameter_validation=True)``.
    """
    if get_config()["skip_parameter_validation"]:
        return
    validate_parameter_constraints(
        estimator._parameter_constraints,
        estimator.get_params(deep=False),
        caller_name=type(estimator).__name__,
    )
