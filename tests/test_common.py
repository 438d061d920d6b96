"""scikit-learn's own estimator checks, at defaults and with non-default options."""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from gdlearn import (
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

ESTIMATORS = [
    LinearRegressionGD(),
    RidgeGD(),
    LassoGD(),
    ElasticNetGD(),
    LogisticRegressionGD(),
    # non-default options
    LassoGD(l1_method="subgradient"),
    ElasticNetGD(l1_method="subgradient"),
    LogisticRegressionGD(l1_ratio=0.5),
    LogisticRegressionGD(l1_ratio=1.0, l1_method="subgradient"),
    LogisticRegressionGD(C=np.inf),
    LinearRegressionGD(fit_intercept=False),
    RidgeGD(fit_intercept=False),
    LinearRegressionGD(solver="gd"),
    RidgeGD(solver="accelerated"),
    LogisticRegressionGD(solver="accelerated"),
    LogisticRegressionGD(solver="newton", learning_rate=0.5),
    LogisticRegressionGD(solver="lbfgs"),
    RidgeGD(solver="lbfgs", fit_intercept=False),
    LassoGD(fit_intercept=False, precondition=False),
    # check_sample_weight_equivalence wants predictions within 1e-7 of a fit on
    # repeated rows. The other solvers take the same path on both (weighted
    # means throughout); sgd draws different batches, so the two fits agree
    # only as far as tol takes them: 1e-4 apart at the default tol=1e-6, and
    # for logistic regression on data with more features than samples 4e-7
    # (relative) at tol=1e-8, 1e-11 at 1e-12
    RidgeGD(solver="sgd", tol=1e-8),
    LassoGD(solver="sgd", tol=1e-8),
    # cross-validated, along warm-started paths
    LassoGDCV(),
    ElasticNetGDCV(l1_ratio=[0.5, 1.0], alphas=10),
    LogisticRegressionGDCV(),
    RidgeGDCV(),
    RidgeGDCV(cv=3),
]


# sgd on logistic regression at tol=1e-12 runs its epochs to the end in every
# check: a minute of CPU, half the file's time, so README's test command leaves
# it to CI (``-m slow``, see CONTRIBUTING.md)
SLOW_ESTIMATORS = [
    LogisticRegressionGD(solver="sgd", tol=1e-12),
    LogisticRegressionGD(solver="sgd", l1_ratio=0.5, tol=1e-12),
]


# scikit-learn's checks fit with small max_iter and on separable classes
# without a penalty: the ConvergenceWarning is what those fits must say, and
# check_fit_check_is_fitted and its kin do not look at it
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(SLOW_ESTIMATORS)
def test_sklearn_compatible_slow_estimator(estimator, check):
    check(estimator)
