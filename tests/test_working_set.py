"""Working-set fits (gdlearn.solvers.working_set) against full-problem fits
and scikit-learn's coordinate descent: the same coefficients and support."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso

from gdlearn import ElasticNetGD, LassoGD, LogisticRegressionGD
from gdlearn.solvers.working_set import _next_set


def wide(seed=0, n=60, p=300, k=1, density=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if density is not None:
        X = sp.random(n, p, density=density, random_state=seed, format="csr") * 3
    W = np.zeros((p, k))
    W[:8] = rng.standard_normal((8, k)) * 3
    y = X @ W + 0.3 * rng.standard_normal((n, k)) + 1.5
    return X, (y[:, 0] if k == 1 else y)


def alpha_max(X, y, fit_intercept=True):
    X = X.toarray() if sp.issparse(X) else X
    y = y.reshape(len(y), -1)
    if fit_intercept:
        X, y = X - X.mean(0), y - y.mean(0)
    return np.abs(X.T @ y).max() / len(X)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("divide", [5, 50])
def test_working_set_lasso_matches_sklearn_and_the_full_fit(
    sparse, fit_intercept, divide
):
    X, y = wide(1, density=0.2 if sparse else None)
    alpha = alpha_max(X, y, fit_intercept) / divide
    kw = dict(alpha=alpha, fit_intercept=fit_intercept)
    sk = Lasso(tol=1e-12, max_iter=100_000, **kw).fit(X, y)
    ws = LassoGD(tol=1e-9, **kw).fit(X, y)  # 'auto': a working set
    full = LassoGD(tol=1e-9, solver="accelerated", max_iter=100_000, **kw).fit(X, y)
    assert ws.n_iter_ < full.n_iter_
    np.testing.assert_allclose(ws.coef_, sk.coef_, atol=1e-6)
    np.testing.assert_allclose(ws.intercept_, sk.intercept_, atol=1e-6)
    np.testing.assert_allclose(ws.coef_, full.coef_, atol=1e-6)
    np.testing.assert_array_equal(ws.coef_ != 0, sk.coef_ != 0)
    assert ws.dual_gap_ < 1e-9


def test_working_set_elastic_net_with_sample_weights_matches_sklearn():
    X, y = wide(2)
    weights = np.random.default_rng(3).uniform(0.2, 3.0, len(y))
    alpha = alpha_max(X, y) / 20
    kw = dict(alpha=alpha, l1_ratio=0.7)
    sk = ElasticNet(tol=1e-12, max_iter=100_000, **kw).fit(X, y, weights)
    ws = ElasticNetGD(tol=1e-9, **kw).fit(X, y, weights)
    np.testing.assert_allclose(ws.coef_, sk.coef_, atol=1e-6)
    np.testing.assert_allclose(ws.intercept_, sk.intercept_, atol=1e-6)
    np.testing.assert_array_equal(ws.coef_ != 0, sk.coef_ != 0)


def test_working_set_multi_target_and_positive_match_sklearn():
    X, Y = wide(4, k=3)
    alpha = alpha_max(X, Y) / 30
    sk = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, Y)
    ws = LassoGD(alpha=alpha, tol=1e-9).fit(X, Y)
    np.testing.assert_allclose(ws.coef_, sk.coef_, atol=1e-6)
    assert ws.dual_gap_.shape == (3,)
    skp = Lasso(alpha=alpha, positive=True, tol=1e-12, max_iter=100_000)
    wsp = LassoGD(alpha=alpha, positive=True, tol=1e-9)
    np.testing.assert_allclose(
        wsp.fit(X, Y[:, 0]).coef_, skp.fit(X, Y[:, 0]).coef_, atol=1e-6
    )


def test_working_set_float32_matches_float64():
    X, y = wide(5)
    alpha = alpha_max(X, y) / 20
    fit64 = LassoGD(alpha=alpha).fit(X, y)
    fit32 = LassoGD(alpha=alpha).fit(X.astype(np.float32), y.astype(np.float32))
    assert fit32.coef_.dtype == np.float32
    np.testing.assert_allclose(fit32.coef_, fit64.coef_, atol=1e-3)


def test_working_set_l1_logistic_matches_the_full_fit():
    X, y = wide(6)
    y = (y > np.median(y)).astype(int)
    kw = dict(l1_ratio=1.0, C=0.5, tol=1e-9)
    ws = LogisticRegressionGD(**kw).fit(X, y)
    full = LogisticRegressionGD(solver="accelerated", max_iter=100_000, **kw)
    full.fit(X, y)
    np.testing.assert_allclose(ws.coef_, full.coef_, atol=1e-5)
    np.testing.assert_array_equal(ws.coef_ != 0, full.coef_ != 0)


def test_next_set_keeps_the_support_and_adds_the_worst_violators():
    VW = np.zeros((6, 1))
    VW[4] = 1.0
    score = np.array([0.0, 3.0, 1.0, 2.0, 0.0, 0.5])
    np.testing.assert_array_equal(_next_set(VW, score, 3), [1, 3, 4])
    np.testing.assert_array_equal(_next_set(VW, score, 1), [1, 4])


def test_working_set_falls_back_to_fista_where_newton_stalls():
    # 3 samples: every working set past 3 features has a singular curvature
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3, 100)), rng.standard_normal(3)
    sk = Lasso(alpha=0.01, tol=1e-12, max_iter=10**6).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit = LassoGD(alpha=0.01).fit(X, y)
    np.testing.assert_allclose(fit.coef_, sk.coef_, atol=1e-6)


def test_working_set_multinomial_l1_matches_the_full_fit():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 300))
    y = np.argmax(X[:, :3] + 0.5 * rng.standard_normal((60, 3)), axis=1)
    kw = dict(l1_ratio=1.0, C=0.5, tol=1e-9)
    ws = LogisticRegressionGD(**kw).fit(X, y)
    full = LogisticRegressionGD(solver="accelerated", max_iter=100_000, **kw)
    full.fit(X, y)
    np.testing.assert_allclose(ws.coef_, full.coef_, atol=1e-5)
    np.testing.assert_array_equal(ws.coef_ != 0, full.coef_ != 0)


def test_auto_is_one_policy_naming_the_working_set_and_its_inner_solver():
    """auto_solver decides 'working_set' itself (wide L1 in memory), and a
    working set's own problem is decided without it."""
    from gdlearn._validation import weight_sum
    from gdlearn.solvers import auto_solver

    X, y = wide(2)
    lasso = LassoGD(alpha=alpha_max(X, y) / 10).fit(X, y)
    assert lasso.solver_ == "newton"  # the last working set's solver
    X_, _, sw, Y, loss, exponent = lasso._prepare(X, y, None, reset=False)
    objective = lasso._objective(X_, Y, sw, loss, weight_sum(sw, exponent))
    assert auto_solver(objective, learning_rate="auto") == ("working_set", None)
    inner = auto_solver(objective, learning_rate="auto", working_sets=False)
    assert inner == ("newton", None)  # the full problem: orthant-wise Newton
    tall = LassoGD(alpha=0.1).fit(X[:, :40], y)  # 40 features: no working set
    assert tall.solver_ == "newton"


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_carried_curvature_equals_the_curvature_formed_afresh(
    sparse, fit_intercept, monkeypatch
):
    """The Hessian of a working set of the squared error, its shared
    features' entries carried from the previous set, is the one
    curvature_matrices forms for that set (weights, ridge and intercept)."""
    from gdlearn import _curvature
    from gdlearn._curvature import carried_curvature, curvature_matrices

    monkeypatch.setattr(_curvature, "FRESH_WORK", 0)  # carried, however small
    from gdlearn._objective import take_columns
    from gdlearn._validation import weight_sum

    X, y = wide(7, density=0.2 if sparse else None)
    weights = np.random.default_rng(8).uniform(0.5, 2.0, len(y))
    est = ElasticNetGD(alpha=0.1, l1_ratio=0.5, fit_intercept=fit_intercept)
    X_, _, sw, Y, loss, exponent = est._prepare(X, y, weights, reset=True)
    objective = est._objective(X_, Y, sw, loss, weight_sum(sw, exponent))
    first, second = np.arange(0, 40), np.union1d(np.arange(10, 40), [55, 70, 200])
    previous = carried_curvature(take_columns(objective, first), first, None)
    part = take_columns(objective, second)
    _, carried = carried_curvature(part, second, previous)
    fresh = curvature_matrices(part, part.Y)
    np.testing.assert_allclose(carried, fresh, rtol=1e-12, atol=1e-12)


def test_carried_curvature_gives_the_minimum_and_support_of_the_full_fit():
    X, y = wide(9, n=80, p=400)
    alpha = alpha_max(X, y) / 100  # a large support: several sets carried
    sk = Lasso(alpha=alpha, tol=1e-12, max_iter=10**6).fit(X, y)
    ws = LassoGD(alpha=alpha, tol=1e-12).fit(X, y)
    full = LassoGD(alpha=alpha, tol=1e-12, solver="accelerated", max_iter=10**5)
    full.fit(X, y)  # FISTA on all 401 unknowns (orthant-wise Newton takes 4 s)
    np.testing.assert_allclose(ws.coef_, sk.coef_, atol=1e-8)
    np.testing.assert_allclose(ws.coef_, full.coef_, atol=1e-8)
    np.testing.assert_array_equal(ws.coef_ != 0, sk.coef_ != 0)
    np.testing.assert_array_equal(ws.coef_ != 0, full.coef_ != 0)


def _working_set_fit(est, X, y, tol):
    """The working-set result of ``est``'s problem on ``(X, y)``, with the
    sizes of its sets."""
    from gdlearn._validation import weight_sum
    from gdlearn.solvers import WorkingSet

    X_, _, sw, Y, loss, exponent = est._prepare(X, y, None, reset=True)
    objective = est._objective(X_, Y, sw, loss, weight_sum(sw, exponent))
    solver = WorkingSet(est._inner_solver, est._gap)
    result = solver.solve(objective, objective.zeros(), max_iter=10_000, tol=tol)
    return objective, result


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_weak_lasso_sets_stay_below_n_and_match_sklearn(fit_intercept):
    """At lambda_max/1000 on 50 x 300 the support is near n: the working sets
    stop at n - 1 features (n without an intercept), where the curvature
    of a set is still of full rank, and the fit reaches scikit-learn's
    minimum and support. Without an intercept the minimizer's support is
    all n (the data are interpolated): sets then pass n, their curvature
    singular, and the fit still reaches the minimum."""
    X, y = wide(10, n=50, p=300)
    alpha = alpha_max(X, y, fit_intercept) / 1000
    kw = dict(alpha=alpha, fit_intercept=fit_intercept)
    sk = Lasso(tol=1e-14, max_iter=10**6, **kw).fit(X, y)
    ws = LassoGD(tol=1e-12, **kw).fit(X, y)
    objective, result = _working_set_fit(LassoGD(tol=1e-12, **kw), X, y, 1e-12)
    assert result.converged
    assert np.count_nonzero(sk.coef_) > 40  # the sets would pass n by doubling
    if fit_intercept:
        assert max(result.sizes) <= 49 < np.count_nonzero(sk.coef_) * 2
    W, b = objective.to_coef(result.params)
    np.testing.assert_allclose(W.ravel(), sk.coef_, atol=1e-7)
    np.testing.assert_allclose(ws.coef_, sk.coef_, atol=1e-7)
    np.testing.assert_allclose(ws.intercept_, sk.intercept_, atol=1e-7)
    np.testing.assert_array_equal(ws.coef_ != 0, sk.coef_ != 0)
    residual = y - X @ ws.coef_ - ws.intercept_
    value = 0.5 * residual @ residual / len(y) + alpha * np.abs(ws.coef_).sum()
    residual = y - X @ sk.coef_ - sk.intercept_
    reference = 0.5 * residual @ residual / len(y) + alpha * np.abs(sk.coef_).sum()
    assert value <= reference + 1e-12


def test_weak_elastic_net_sets_grow_past_n_and_match_sklearn():
    """With an L2 part the curvature is of full rank however large the set:
    no cap, and at lambda_max/1000 the minimum and support of ElasticNet."""
    X, y = wide(11, n=50, p=300)
    alpha = alpha_max(X, y) / 1000 / 0.5
    kw = dict(alpha=alpha, l1_ratio=0.5)
    sk = ElasticNet(tol=1e-14, max_iter=10**6, **kw).fit(X, y)
    ws = ElasticNetGD(tol=1e-12, **kw).fit(X, y)
    _, result = _working_set_fit(ElasticNetGD(tol=1e-12, **kw), X, y, 1e-12)
    assert result.converged and max(result.sizes) > 50
    np.testing.assert_allclose(ws.coef_, sk.coef_, atol=1e-7)
    np.testing.assert_array_equal(ws.coef_ != 0, sk.coef_ != 0)


def test_weak_lasso_multi_target_matches_sklearn():
    X, Y = wide(12, n=40, p=200, k=2)
    alpha = alpha_max(X, Y) / 1000
    sk = Lasso(alpha=alpha, tol=1e-14, max_iter=10**6).fit(X, Y)
    ws = LassoGD(alpha=alpha, tol=1e-12).fit(X, Y)
    np.testing.assert_allclose(ws.coef_, sk.coef_, atol=1e-7)
    np.testing.assert_array_equal(ws.coef_ != 0, sk.coef_ != 0)


def test_held_out_solve_equals_the_factored_free_block():
    """P_FF^-1 r_F from the inverse of the whole block (a Schur complement)
    equals the solve with P_FF cut out and factored."""
    from gdlearn.solvers._linalg import _held_out_solve, _inverse

    rng = np.random.default_rng(13)
    A = rng.standard_normal((40, 30))
    P = A.T @ A / 40
    r = rng.standard_normal(30)
    for held in ([], [3], [0, 7, 8, 29]):
        mask = np.ones(30, dtype=bool)
        mask[held] = False
        F = np.flatnonzero(mask)
        direct = np.zeros(30)
        direct[F] = np.linalg.solve(P[np.ix_(F, F)], r[F])
        cache = {}
        np.testing.assert_allclose(
            _held_out_solve(_inverse(P, cache), mask, r), direct, atol=1e-10
        )
    singular = np.outer(r, r)  # rank one: no inverse, the factored path serves
    assert _inverse(singular, {}) is None
