"""The optimizer pieces on problems whose optimum is known."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer

from gdlearn._objective import Objective
from gdlearn.losses import BinaryCrossEntropy, MultinomialCrossEntropy, SquaredError
from gdlearn.penalties import L1, L2, ElasticNet
from gdlearn.solvers import (
    Backtracking,
    ConstantStep,
    Nesterov,
    NoMomentum,
    minimize,
    minimize_lbfgs,
    minimize_newton,
    proximal_step,
    stopping_threshold,
    subgradient_step,
)


def _solve(objective, *, start=None, step_rule=None, momentum=NoMomentum, **options):
    """minimize() from zero (or ``start``) with backtracking unless told otherwise."""
    return minimize(
        objective,
        objective.zeros() if start is None else start,
        step_rule=step_rule or Backtracking(),
        momentum=momentum(),
        **options,
    )


def _least_squares(rng, n=50, p=6, alpha=0.0, precondition=True):
    X = rng.normal(size=(n, p)) @ rng.normal(size=(p, p))
    y = X @ rng.normal(size=p) + 0.1 * rng.normal(size=n)
    return (
        Objective(
            X,
            y[:, None],
            np.ones(n),
            SquaredError(),
            L1(alpha),
            fit_intercept=False,
            precondition=precondition,
        ),
        X,
        y,
    )


@pytest.mark.parametrize("momentum", [NoMomentum, Nesterov])
@pytest.mark.parametrize("precondition", [False, True])
def test_quadratic_reaches_the_normal_equations(momentum, precondition, rng):
    objective, X, y = _least_squares(rng, precondition=precondition)
    result = _solve(objective, momentum=momentum, max_iter=100_000, tol=1e-12)
    W, _ = objective.to_coef(result.params)
    assert result.converged
    np.testing.assert_allclose(W[:, 0], np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-8)


def test_gradient_descent_is_monotone(rng):
    """Backtracked (proximal) gradient descent never increases the objective."""
    for alpha in (0.0, 0.5):
        objective, _, _ = _least_squares(rng, alpha=alpha)
        result = _solve(objective, momentum=NoMomentum, max_iter=300, tol=0)
        assert np.all(np.diff(result.loss_curve) <= 1e-12 * abs(result.loss_curve[0]))


def test_constant_step_one_over_l_is_monotone(rng):
    objective, X, _ = _least_squares(rng, precondition=False)
    L = np.linalg.eigvalsh(X.T @ X / len(X)).max()
    result = _solve(
        objective,
        step_rule=ConstantStep(1 / L),
        momentum=NoMomentum,
        max_iter=500,
        tol=0,
    )
    assert np.all(np.diff(result.loss_curve) <= 0)


@pytest.mark.parametrize("l1_step", [proximal_step, subgradient_step])
@pytest.mark.parametrize("momentum", [NoMomentum, Nesterov])
def test_lasso_methods_reach_the_same_minimum(l1_step, momentum, rng):
    objective, X, y = _least_squares(rng, alpha=0.3)
    reference = _solve(objective, momentum=Nesterov, max_iter=100_000, tol=1e-13)
    result = _solve(
        objective, l1_step=l1_step, momentum=momentum, max_iter=100_000, tol=1e-10
    )
    assert result.converged
    W, W_ref = (
        objective.to_coef(result.params)[0],
        objective.to_coef(reference.params)[0],
    )
    np.testing.assert_array_equal(W == 0, W_ref == 0)
    assert (W == 0).sum() >= 1
    assert objective.value(result.params) - objective.value(
        reference.params
    ) <= 1e-10 * objective.value(reference.params)


def test_subgradient_step_keeps_zeros_and_stops_at_zero():
    objective, _, _ = _least_squares(np.random.default_rng(1), p=3, alpha=1.0)
    s = objective.coordinates[1]  # in V coordinates the L1 strength is alpha * s
    Y = np.array([[0.0], [0.5], [-2.0]])
    grad = np.array(
        [[0.4 * s[0]], [30.0], [0.5]]
    )  # 0.4 s < alpha s keeps 0; 30 crosses zero
    out = subgradient_step(objective, Y, grad, 0.1)
    assert out[0, 0] == 0.0 and out[1, 0] == 0.0
    assert out[2, 0] == pytest.approx(-2.0 - 0.1 * (0.5 - s[2]))


def test_diverging_constant_step_names_learning_rate(rng):
    objective, _, _ = _least_squares(rng, precondition=False)
    with pytest.raises(ValueError, match="learning_rate=1000 is too large"):
        _solve(objective, step_rule=ConstantStep(1000.0), max_iter=1000)


def test_minimum_at_infinity_is_not_reported_converged():
    """Unpenalized logistic regression on separable data has its minimum at infinity."""
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    Y = np.array([[0.0], [0.0], [1.0], [1.0]])
    objective = Objective(X, Y, np.ones(4), BinaryCrossEntropy())
    result = _solve(objective, momentum=Nesterov, max_iter=2000, tol=1e-8)
    assert not result.converged
    assert len(result.loss_curve) == result.n_iter
    assert np.all(np.isfinite(result.params))


def test_loss_curve_holds_the_full_objective(rng):
    objective, _, _ = _least_squares(rng, alpha=0.2)
    result = _solve(objective, momentum=Nesterov, max_iter=50, tol=0)
    assert len(result.loss_curve) == result.n_iter == 50
    assert result.loss_curve[-1] == pytest.approx(
        objective.value(result.params), rel=1e-12
    )


def test_warm_start_from_the_solution_stops_early(rng):
    objective, _, _ = _least_squares(rng, alpha=0.1)
    first = _solve(objective, momentum=Nesterov, max_iter=10_000, tol=1e-10)
    again = _solve(
        objective, start=first.params, momentum=Nesterov, max_iter=10_000, tol=1e-10
    )
    assert again.converged and again.n_iter < first.n_iter / 3


def test_verbose_prints_progress(rng, capsys):
    objective, _, _ = _least_squares(rng)
    _solve(objective, max_iter=20, tol=0, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    # the solver and its stopping threshold first, then the progress lines
    assert lines[0].startswith("solver 'gd'") and "tol=0" in lines[0]
    assert "stops when the gradient is at most" in lines[0]
    assert [line.split()[1] for line in lines[1:-1]] == ["1", "2", "5", "10", "20"]
    assert "objective" in lines[1] and "step" in lines[1]


def test_elastic_net_prox_step_on_objective(rng):
    _, X, y = _least_squares(rng)
    objective = Objective(
        X,
        y[:, None],
        np.ones(50),
        SquaredError(),
        ElasticNet(0.5, 0.5),
    )
    result = _solve(objective, momentum=Nesterov, max_iter=10_000, tol=1e-10)
    assert result.converged


@pytest.mark.parametrize("precondition", [False, True])
def test_newton_solves_least_squares_in_one_step(precondition, rng):
    objective, X, y = _least_squares(rng, precondition=precondition)
    result = minimize_newton(objective, objective.zeros(), tol=1e-12)
    W, _ = objective.to_coef(result.params)
    assert result.converged and result.n_iter == 1
    np.testing.assert_allclose(
        W[:, 0], np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10
    )


def _logistic_data(rng, name, n=300, p=5, sparse=False):
    """``(X, Y, sample_weight, loss)`` of a binary or 3-class problem whose
    features have scales from 0.1 to 100 and offsets of 10."""
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 100, size=p) + 10 * rng.normal(
        size=p
    )
    logits = (X - X.mean(0)) / X.std(0) @ rng.normal(size=(p, 3))
    labels = (logits + rng.gumbel(size=logits.shape)).argmax(axis=1)
    if name == "binary":
        loss, Y = BinaryCrossEntropy(), (labels[:, None] > 0).astype(float)
    else:
        loss, Y = MultinomialCrossEntropy(), np.eye(3)[labels]
    if sparse:
        X[rng.random(X.shape) < 0.5] = 0.0
        X = sp.csr_matrix(X)
    return X, Y, rng.uniform(0.5, 2, size=n), loss


def _logistic(rng, name, n=300, p=5, sparse=False, curvature_rows=20_000, **options):
    objective = Objective(*_logistic_data(rng, name, n, p, sparse), L2(1e-3), **options)
    objective.curvature_rows = curvature_rows
    return objective


@pytest.mark.parametrize("name", ["binary", "multinomial"])
def test_newton_is_monotone_and_reaches_the_accelerated_minimum(name, rng):
    objective = _logistic(rng, name)
    newton = minimize_newton(objective, objective.zeros(), tol=1e-10)
    accelerated = _solve(objective, momentum=Nesterov, max_iter=100_000, tol=1e-10)
    assert newton.converged and accelerated.converged
    assert newton.n_iter < accelerated.n_iter
    # monotone, up to the rounding of F that the line search allows for
    curve = np.asarray(newton.loss_curve)
    assert np.all(np.diff(curve) <= 16 * np.finfo(float).eps * curve[:-1])
    np.testing.assert_allclose(
        objective.value(newton.params), objective.value(accelerated.params), rtol=1e-12
    )
    np.testing.assert_allclose(
        objective.raw(newton.params), objective.raw(accelerated.params), atol=1e-6
    )


@pytest.mark.parametrize("name", ["binary", "multinomial"])
@pytest.mark.parametrize("precondition", [True, False])
def test_lbfgs_is_monotone_and_reaches_newtons_minimum(name, precondition, rng):
    # without preconditioning: raw coordinates, scales from 0.1 to 100, offsets of 10
    objective = _logistic(rng, name, precondition=precondition)
    newton = minimize_newton(objective, objective.zeros(), tol=1e-10)
    lbfgs = minimize_lbfgs(objective, objective.zeros(), max_iter=10_000, tol=1e-10)
    accelerated = _solve(objective, momentum=Nesterov, max_iter=100_000, tol=1e-10)
    assert lbfgs.converged
    assert lbfgs.n_iter < accelerated.n_iter
    # monotone, up to the rounding bound of F that the line search allows for
    # (in raw coordinates it includes the cancellation in z = x w)
    V = lbfgs.params
    rounding = objective.smooth_gradient(objective.evaluate(V))[1]
    assert np.all(np.diff(lbfgs.loss_curve) <= rounding)
    np.testing.assert_allclose(
        objective.value(lbfgs.params), objective.value(newton.params), rtol=1e-12
    )
    np.testing.assert_allclose(
        objective.raw(lbfgs.params), objective.raw(newton.params), atol=1e-6
    )


def test_lbfgs_solves_least_squares_and_equals_on_sparse(rng):
    X = rng.normal(size=(200, 30)) * rng.uniform(0.1, 10, size=30)
    X[rng.random(X.shape) < 0.7] = 0.0
    Y = X @ rng.normal(size=(30, 2)) + rng.normal(size=(200, 2))
    dense = Objective(X, Y, np.ones(200), SquaredError(), L2(1e-2))
    sparse = Objective(sp.csr_matrix(X), Y, np.ones(200), SquaredError(), L2(1e-2))
    exact = minimize_newton(dense, dense.zeros(), tol=1e-12)  # one exact step
    a = minimize_lbfgs(dense, dense.zeros(), tol=1e-11)
    b = minimize_lbfgs(sparse, sparse.zeros(), tol=1e-11)
    assert a.converged and b.converged
    np.testing.assert_allclose(a.params, exact.params, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(b.params, a.params, rtol=1e-8, atol=1e-10)


def test_lbfgs_on_least_squares_terminates_like_conjugate_gradients(rng):
    """With the exact step along each direction, L-BFGS on a quadratic makes
    conjugate directions: about q iterations for q unknowns, here 34 for 31
    (the fixed step of 1 with backtracking took 91 and stalled short of tol)."""
    X = rng.normal(size=(400, 30)) * rng.uniform(0.1, 10, size=30)
    Y = X @ rng.normal(size=(30, 1)) + rng.normal(size=(400, 1))
    objective = Objective(
        X, Y, np.ones(400), SquaredError(), L2(1e-2), precondition=False
    )
    result = minimize_lbfgs(objective, objective.zeros(), tol=1e-10, max_iter=1000)
    assert result.converged and result.n_iter <= 40
    exact = minimize_newton(objective, objective.zeros(), tol=1e-12)
    np.testing.assert_allclose(result.params, exact.params, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "precondition, dtype",
    [(True, np.float64), (True, np.float32), (False, np.float64)],
    ids=["float64", "float32", "raw, past 100 iterations"],
)
def test_lbfgs_on_least_squares_stops_where_x_says_it_has_converged(
    precondition, dtype, rng
):
    """On a quadratic the gradient and value are carried from step to step
    (grad + t H D, F + t slope / 2), not read from X: at the end they must
    be what X says, to rounding, and the fit must have converged by the
    gradient read from X, also across the re-reading of X every 100
    iterations."""
    X = (rng.normal(size=(400, 60)) * np.geomspace(0.05, 20, 60)).astype(dtype)
    Y = (X @ rng.normal(size=(60, 1)) + rng.normal(size=(400, 1))).astype(dtype)
    objective = Objective(
        X, Y, np.ones(400, dtype), SquaredError(), L2(1e-3), precondition=precondition
    )
    tol = 1e-9 if dtype == np.float64 else 1e-6
    result = minimize_lbfgs(objective, objective.zeros(), tol=tol, max_iter=2000)
    assert result.converged
    assert (result.n_iter > 100) == (not precondition)
    V = result.params
    point = objective.evaluate(V)
    value = point.value
    grad, noise = objective.smooth_gradient(point)
    assert abs(result.loss_curve[-1] - value) <= noise
    # converged by the carried gradient, whose rounding stays within the
    # threshold's floor (300 eps times the gradient at zero)
    zero = objective.zeros()
    base = np.abs(objective.smooth_gradient(objective.evaluate(zero))[0]).max()
    floor = 300 * np.finfo(dtype).eps * base
    assert np.abs(grad).max() <= stopping_threshold(tol, objective, None)(value) + floor
    exact = minimize_newton(objective, objective.zeros(), tol=1e-10)
    np.testing.assert_allclose(
        objective.value(V),
        objective.value(exact.params),
        rtol=1e-9 if dtype == np.float64 else 1e-5,
    )


def test_lbfgs_hands_slow_fits_over_to_newton(capsys):
    # raw breast_cancer: correlated measurements that L-BFGS takes hundreds of
    # iterations over, Newton's method about ten
    X, y = load_breast_cancer(return_X_y=True)
    Y = y[:, None].astype(float)
    objective = Objective(X, Y, np.ones(len(y)), BinaryCrossEntropy(), L2(1e-3))
    alone = minimize_lbfgs(objective, objective.zeros(), tol=1e-8, max_iter=100)
    newton = minimize_newton(objective, objective.zeros(), tol=1e-8)
    both = minimize_lbfgs(
        objective, objective.zeros(), tol=1e-8, newton_cost=20, verbose=1
    )
    assert "handed over to Newton's method after" in capsys.readouterr().out
    assert not alone.converged and newton.converged and both.converged
    assert both.n_iter < 40 and len(both.loss_curve) == both.n_iter
    assert both.message.startswith(f"converged in {both.n_iter} iterations")
    assert np.all(np.diff(both.loss_curve) <= 1e-12)  # one monotone curve
    np.testing.assert_allclose(both.loss_curve[-1], newton.loss_curve[-1], rtol=1e-9)


def test_lbfgs_keeps_fits_it_converges_fast(rng):
    X = rng.normal(size=(2000, 20))
    Y = (X @ rng.normal(size=(20, 1)) + rng.logistic(size=(2000, 1)) > 0) * 1.0
    objective = Objective(X, Y, np.ones(2000), BinaryCrossEntropy(), L2(1e-3))
    alone = minimize_lbfgs(objective, objective.zeros(), tol=1e-8)
    both = minimize_lbfgs(objective, objective.zeros(), tol=1e-8, newton_cost=20)
    assert both.message == alone.message and both.n_iter == alone.n_iter < 20
    np.testing.assert_array_equal(both.params, alone.params)


@pytest.mark.parametrize("name", ["binary", "multinomial"])
def test_newton_with_a_subsampled_curvature_reaches_the_same_minimum(name):
    """The multinomial's subsampled curvature is also summed in float32."""
    exact = _logistic(np.random.default_rng(0), name, n=2000)
    subsampled = _logistic(np.random.default_rng(0), name, n=2000, curvature_rows=200)
    a = minimize_newton(exact, exact.zeros(), tol=1e-10)
    b = minimize_newton(subsampled, subsampled.zeros(), tol=1e-10)
    assert a.converged and b.converged
    np.testing.assert_allclose(b.params, a.params, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["binary", "multinomial"])
def test_newton_sparse_equals_dense(name, rng):
    X, Y, sw, loss = _logistic_data(rng, name, sparse=True)
    sparse = Objective(X, Y, sw, loss, L2(1e-3))
    dense = Objective(X.toarray(), Y, sw, loss, L2(1e-3))
    a = minimize_newton(dense, dense.zeros(), tol=1e-10)
    b = minimize_newton(sparse, sparse.zeros(), tol=1e-10)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-8, atol=1e-10)


def test_newton_on_rank_deficient_data_matches_gradient_descent(rng):
    """Fewer samples than features: both reach the solution nearest to zero."""
    X = rng.normal(size=(8, 20))
    objective = Objective(X, rng.normal(size=(8, 1)), np.ones(8), SquaredError())
    newton = minimize_newton(objective, objective.zeros(), tol=1e-12)
    gd = _solve(objective, momentum=Nesterov, max_iter=100_000, tol=1e-12)
    np.testing.assert_allclose(newton.params, gd.params, rtol=1e-7, atol=1e-9)


def test_newton_stops_on_separated_classes_without_a_penalty():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    Y = np.array([[0.0], [0.0], [1.0], [1.0]])
    objective = Objective(X, Y, np.ones(4), BinaryCrossEntropy())
    for result in (
        minimize_newton(objective, objective.zeros(), max_iter=100),
        _solve(objective, momentum=Nesterov, max_iter=100),
    ):
        assert not result.converged and "separated" in result.message
        assert np.all(np.isfinite(result.params))


def _with_l1(X, Y, sample_weight, loss, l1, l2=0.0, fit_intercept=True):
    """The objective of the data with an L1 weight ``l1`` beside an L2 weight ``l2``."""
    penalty = ElasticNet(l1 + l2, l1 / (l1 + l2))
    return Objective(X, Y, sample_weight, loss, penalty, fit_intercept=fit_intercept)


@pytest.mark.parametrize(
    "name", ["lasso", "multi-output lasso", "binary", "multinomial"]
)
def test_newton_with_l1_reaches_the_proximal_minimum_with_exact_zeros(name, rng):
    """Orthant-wise Newton steps and FISTA's proximal steps reach the same
    minimum and the same zeros; Newton's objective never goes up."""
    if name == "lasso":  # without an intercept, as _least_squares has it
        _, X, y = _least_squares(rng, n=80, p=12)
        objective = _with_l1(
            X, y[:, None], np.ones(80), SquaredError(), 0.3, fit_intercept=False
        )
    elif name == "multi-output lasso":
        _, X, _ = _least_squares(rng, n=80, p=12)
        W = rng.normal(size=(12, 3)) * (rng.random((12, 3)) < 0.5)
        Y = X @ W + 0.1 * rng.normal(size=(80, 3))
        objective = _with_l1(X, Y, np.ones(80), SquaredError(), 0.3)
    else:
        l1 = 0.05 if name == "multinomial" else 1.0
        objective = _with_l1(*_logistic_data(rng, name), l1, 1e-3)
    newton = minimize_newton(objective, objective.zeros(), tol=1e-12, max_iter=200)
    proximal = _solve(objective, momentum=Nesterov, max_iter=100_000, tol=1e-12)
    assert newton.converged and proximal.converged
    assert newton.n_iter < proximal.n_iter / 5
    W_newton, _ = objective.to_coef(newton.params)
    W_proximal, _ = objective.to_coef(proximal.params)
    zeros = W_proximal == 0
    assert zeros.any() and not zeros.all()
    np.testing.assert_array_equal(W_newton == 0, zeros)
    np.testing.assert_allclose(
        W_newton, W_proximal, rtol=1e-6, atol=1e-8 * np.abs(W_proximal).max()
    )
    curve = np.array(newton.loss_curve)
    assert np.all(np.diff(curve) <= 1e-12 * np.abs(curve[1:]))


def test_newton_constant_learning_rate_and_divergence(rng):
    objective, _, _ = _least_squares(rng)
    exact = minimize_newton(objective, objective.zeros(), tol=1e-12)  # one exact step
    f_star = objective.value(exact.params)
    tol = 1e-10
    half = minimize_newton(objective, objective.zeros(), learning_rate=0.5, tol=tol)
    assert half.converged
    # the error V - V* halves each step, so on a quadratic f - f* falls by 4
    gaps = np.array(half.loss_curve[:10]) - f_star
    np.testing.assert_allclose(gaps[1:] / gaps[:-1], 0.25, rtol=1e-6)
    # converged: the gradient's max-norm at most the threshold tau, hence
    # f - f* <= |grad|^2 / (2 mu) <= q tau^2 / (2 mu), mu the Hessian's least eigenvalue
    f = objective.value(half.params)
    mu = np.linalg.eigvalsh(objective.curvature_matrices(objective.raw(half.params)))
    tau = stopping_threshold(tol, objective, None)(f)
    rounding = 16 * np.finfo(float).eps * f_star
    assert (
        -rounding <= f - f_star <= half.params.size * tau**2 / (2 * mu.min()) + rounding
    )
    with pytest.raises(ValueError, match="learning_rate=3 is too large"):
        minimize_newton(objective, objective.zeros(), learning_rate=3.0, max_iter=100)
