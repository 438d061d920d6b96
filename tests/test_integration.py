"""gdlearn estimators as drop-ins for scikit-learn's in its meta-estimators."""

import pickle

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gdlearn import LassoGD, LogisticRegressionGD, RidgeGD

pytestmark = pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")


def _grid_scores(estimator, grid, X, y, scoring, **fit_params):
    search = GridSearchCV(
        make_pipeline(StandardScaler(), estimator),
        grid,
        cv=KFold(5, shuffle=True, random_state=0),
        scoring=scoring,
    )
    return search.fit(X, y, **fit_params).cv_results_["mean_test_score"]


def test_grid_search_over_alpha_scores_like_ridge():
    X, y = load_diabetes(return_X_y=True, scaled=False)
    grid = {"ridge__alpha": [0.1, 1.0, 10.0, 100.0]}
    ours = _grid_scores(RidgeGD(), {"ridgegd__alpha": grid["ridge__alpha"]}, X, y, "r2")
    theirs = _grid_scores(Ridge(), grid, X, y, "r2")
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_grid_search_over_alpha_scores_like_lasso():
    X, y = load_diabetes(return_X_y=True, scaled=False)
    alphas = [0.1, 1.0, 5.0]
    ours = _grid_scores(LassoGD(), {"lassogd__alpha": alphas}, X, y, "r2")
    theirs = _grid_scores(
        Lasso(tol=1e-10, max_iter=100_000), {"lasso__alpha": alphas}, X, y, "r2"
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_grid_search_over_C_scores_like_logistic_regression():
    X, y = load_breast_cancer(return_X_y=True)
    Cs = [0.01, 0.1, 1.0]
    ours = _grid_scores(
        LogisticRegressionGD(), {"logisticregressiongd__C": Cs}, X, y, "neg_log_loss"
    )
    theirs = _grid_scores(
        LogisticRegression(solver="newton-cholesky", tol=1e-12),
        {"logisticregression__C": Cs},
        X,
        y,
        "neg_log_loss",
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_grid_search_over_the_learning_rate():
    X, y = load_diabetes(return_X_y=True)
    search = GridSearchCV(
        RidgeGD(solver="gd", max_iter=100_000),
        {"learning_rate": ["auto", 0.05, 0.1]},
        cv=3,
    )
    search.fit(X, y)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"],
        search.cv_results_["mean_test_score"][0],
        rtol=1e-6,
    )


def test_cross_validate_in_parallel():
    X, y = load_iris(return_X_y=True)
    result = cross_validate(
        LogisticRegressionGD(), X, y, cv=5, n_jobs=2, return_estimator=True
    )
    assert result["test_score"].mean() > 0.9
    assert all(est.coef_.shape == (3, 4) for est in result["estimator"])


@pytest.mark.parametrize(
    "estimator", [RidgeGD(alpha=0.5), LassoGD(alpha=0.5), LogisticRegressionGD()]
)
def test_pickle_round_trip(estimator):
    X, y = load_iris(return_X_y=True)
    fitted = estimator.fit(X, y)
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))
    np.testing.assert_array_equal(loaded.coef_, fitted.coef_)


def test_sample_weight_routed_through_grid_search():
    X, y = load_diabetes(return_X_y=True)
    sw = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    cv = KFold(3, shuffle=True, random_state=0)
    with config_context(enable_metadata_routing=True):
        ours = GridSearchCV(
            RidgeGD()
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True),
            {"alpha": [0.1, 1.0]},
            cv=cv,
        )
        theirs = GridSearchCV(
            Ridge()
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True),
            {"alpha": [0.1, 1.0]},
            cv=cv,
        )
        ours.fit(X, y, sample_weight=sw)
        theirs.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"],
        theirs.cv_results_["mean_test_score"],
        rtol=1e-6,
    )
    unweighted = GridSearchCV(RidgeGD(), {"alpha": [0.1, 1.0]}, cv=cv).fit(X, y)
    assert not np.allclose(
        ours.cv_results_["mean_test_score"], unweighted.cv_results_["mean_test_score"]
    )
