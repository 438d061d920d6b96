"""The five gdlearn estimators, one module per family.

Each one states its objective, maps its scikit-learn parameters onto the
objective of :mod:`gdlearn._objective` (data term divided by
:math:`\\sum_i sw_i`, penalties in the same units) and encodes its targets;
the fit template is :class:`gdlearn._base.GDMixin`.

================  ===========================================================
module            estimators
================  ===========================================================
_least_squares    :class:`LinearRegressionGD`, :class:`RidgeGD` (and the
                  regressors' shared base)
_elastic_net      :class:`ElasticNetGD`, :class:`LassoGD`
_logistic         :class:`LogisticRegressionGD`
_docs             the parameters and attributes all of them share
================  ===========================================================

Every estimator's ``__module__`` is ``gdlearn.linear_model``, the public name
that pickles and skops' trusted types record.
"""

from ._cv import ElasticNetGDCV, LassoGDCV
from ._elastic_net import ElasticNetGD, LassoGD
from ._least_squares import LinearRegressionGD, RidgeGD
from ._logistic import LogisticRegressionGD
from ._logistic_cv import LogisticRegressionGDCV
from ._ridge_cv import RidgeGDCV

__all__ = [
    "ElasticNetGD",
    "ElasticNetGDCV",
    "LassoGD",
    "LassoGDCV",
    "LinearRegressionGD",
    "LogisticRegressionGD",
    "LogisticRegressionGDCV",
    "RidgeGD",
    "RidgeGDCV",
]
