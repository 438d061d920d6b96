"""gdlearn: scikit-learn compatible linear models fitted by gradient descent.

Every gradient is written by hand from its derivation (see each module's
docstring) and checked against finite differences with
:func:`gdlearn.check_gradient`.
"""

__version__ = "0.1.0"

from ._base import InconsistentVersionWarning
from ._path import alpha_grid, regularization_path
from .gradcheck import check_gradient, numerical_gradient
from .linear_model import (
    ElasticNetGD,
    ElasticNetGDCV,
    LassoGD,
    LassoGDCV,
    LinearRegressionGD,
    LogisticRegressionGD,
    LogisticRegressionGDCV,
    RidgeGD,
    RidgeGDCV,
)

__all__ = [
    "ElasticNetGD",
    "ElasticNetGDCV",
    "InconsistentVersionWarning",
    "LassoGD",
    "LassoGDCV",
    "LinearRegressionGD",
    "LogisticRegressionGD",
    "LogisticRegressionGDCV",
    "RidgeGD",
    "RidgeGDCV",
    "__version__",
    "alpha_grid",
    "check_gradient",
    "numerical_gradient",
    "regularization_path",
]
