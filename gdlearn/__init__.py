"""gdlearn: scikit-learn compatible linear models fitted by gradient descent.

Every gradient is written by hand from its derivation (see each module's
docstring) and checked against finite differences with
:func:`gdlearn.check_gradient`.
"""

__version__ = "0.1.0"

from ._base import InconsistentVersionWarning
from .gradcheck import check_gradient, numerical_gradient
from .linear_model import (
    ElasticNetGD,
    LassoGD,
    LinearRegressionGD,
    LogisticRegressionGD,
    RidgeGD,
)

__all__ = [
    "ElasticNetGD",
    "InconsistentVersionWarning",
    "LassoGD",
    "LinearRegressionGD",
    "LogisticRegressionGD",
    "RidgeGD",
    "__version__",
    "check_gradient",
    "numerical_gradient",
]
