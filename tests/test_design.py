"""The design matrix A = [(X - 1 c^T) diag(s), s_b 1], checked against A formed explicitly."""

import numpy as np
import pytest
import scipy.sparse as sp

from gdlearn._design import DesignMatrix
from gdlearn._kernels import weighted_column_stats, weighted_gram


def _design(rng, *, sparse=False, fit_intercept=True, n=40, p=5):
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 10, size=p) + rng.normal(size=p)
    if sparse:
        X[rng.random(X.shape) < 0.6] = 0.0
    offset, scale = rng.normal(size=p), rng.uniform(0.2, 3, size=p)
    data = sp.csr_matrix(X) if sparse else X
    design = DesignMatrix(
        data,
        fit_intercept=fit_intercept,
        offset=offset if fit_intercept else np.zeros(p),
        scale=scale,
        intercept_scale=1.7,
    )
    A = (X - (offset if fit_intercept else 0.0)) * scale
    if fit_intercept:
        A = np.column_stack([A, np.full(n, 1.7)])
    return design, A


CASES = pytest.mark.parametrize(
    "sparse, fit_intercept",
    [(False, True), (False, False), (True, True), (True, False)],
)


@CASES
def test_products_are_those_of_a_formed_explicitly(sparse, fit_intercept, rng):
    design, A = _design(rng, sparse=sparse, fit_intercept=fit_intercept)
    V, G = rng.normal(size=(A.shape[1], 3)), rng.normal(size=(A.shape[0], 3))
    assert design.n_columns == A.shape[1]
    np.testing.assert_allclose(design.matvec(V), A @ V, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(design.rmatvec(G), A.T @ G, rtol=1e-12, atol=1e-12)
    # adjoint: <A V, G> = <V, A^T G>
    assert np.vdot(design.matvec(V), G) == pytest.approx(
        np.vdot(V, design.rmatvec(G)), rel=1e-12
    )


@CASES
def test_gram_and_row_norms_are_those_of_a_formed_explicitly(
    sparse, fit_intercept, rng
):
    design, A = _design(rng, sparse=sparse, fit_intercept=fit_intercept)
    D = np.column_stack([rng.random(A.shape[0]), np.full(A.shape[0], 0.3)])
    blocks = design.gram(D)
    for j in range(2):
        np.testing.assert_allclose(
            blocks[j], A.T @ (D[:, j : j + 1] * A), rtol=1e-10, atol=1e-10
        )
        np.testing.assert_array_equal(blocks[j], blocks[j].T)
    np.testing.assert_allclose(design.row_norms(), np.sum(A * A, axis=1), rtol=1e-10)
    M = np.cov(rng.normal(size=(A.shape[1], 2 * A.shape[1])))
    np.testing.assert_allclose(
        design.row_norms(M), np.einsum("ij,jk,ik->i", A, M, A), rtol=1e-10
    )


@CASES
def test_coefficients_round_trip_and_give_the_same_predictions(
    sparse, fit_intercept, rng
):
    design, A = _design(rng, sparse=sparse, fit_intercept=fit_intercept)
    V = rng.normal(size=(A.shape[1], 2))
    W, b = design.to_coef(V)
    X = design.X.toarray() if sparse else design.X
    np.testing.assert_allclose(X @ W + b, A @ V, rtol=1e-12, atol=1e-12)
    back = design.from_coef(W, b, np.zeros_like(V))
    np.testing.assert_allclose(back, V, rtol=1e-12, atol=1e-12)


def test_rows_of_a_design_keep_its_coordinates(rng):
    design, A = _design(rng)
    rows = np.array([3, 7, 8, 20])
    V = rng.normal(size=(A.shape[1], 1))
    part = design.take_rows(rows)
    np.testing.assert_allclose(part.matvec(V), A[rows] @ V, rtol=1e-12)
    assert part.n_samples == 4 and design.n_samples == A.shape[0]


@pytest.mark.parametrize(
    "n, sparse, heavy",
    [
        (50, False, False),
        (30_000, False, False),
        (30_000, False, True),
        (50, True, False),
    ],
    ids=["small dense", "dense", "dense centred as read", "sparse"],
)
def test_weighted_gram_centres_without_copying_x(n, sparse, heavy, rng):
    # Dense X is centred chunk by chunk (a small one as a copy), exact even far
    # from the origin; sparse X by expanding the product, which loses
    # eps * (mean / std)^2: keep it near 0.
    X = rng.normal(size=(n, 3)) + (1.0 if sparse else 100.0)
    D = np.column_stack([rng.random(n), rng.normal(size=n)])  # any sign
    center = X.mean(axis=0)
    M, u, totals = weighted_gram(
        sp.csr_matrix(X) if sparse else X, D, center, heavy=heavy
    )
    Xc = X - center
    for j in range(2):
        np.testing.assert_allclose(M[j], Xc.T @ (D[:, j : j + 1] * Xc), rtol=1e-9)
        np.testing.assert_allclose(u[j], Xc.T @ D[:, j], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(totals, D.sum(axis=0))


def test_weighted_column_stats(rng):
    X = rng.normal(size=(10000, 3)) * [1, 10, 1e-3] + [1e6, 0, 5]
    w = rng.uniform(size=10000)
    w /= w.sum()
    mean, var = weighted_column_stats(X, w, center=True)
    np.testing.assert_allclose(mean, np.average(X, axis=0, weights=w))
    np.testing.assert_allclose(
        var, np.average((X - mean) ** 2, axis=0, weights=w), rtol=1e-8
    )
    _, moment = weighted_column_stats(X, w, center=False)
    np.testing.assert_allclose(moment, w @ X**2)
    sparse_mean, sparse_var = weighted_column_stats(sp.csc_matrix(X), w, center=True)
    np.testing.assert_allclose(sparse_var, var, rtol=1e-6)
