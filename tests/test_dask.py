"""Fits on dask arrays (gdlearn._dask): the NumPy fit's model, X never gathered."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from gdlearn import (  # noqa: E402
    ElasticNetGD,
    LassoGD,
    LinearRegressionGD,
    LogisticRegressionGD,
    RidgeGD,
)
from gdlearn._dask import _design, _objective, _placement, _prepare  # noqa: E402

#: Uneven row chunks, a 1-row chunk among them.
CHUNKS = (60, 1, 90, 49)
N, P = sum(CHUNKS), 5
#: The rows of the chunk whose weights are all zero.
ZERO_CHUNK = slice(61, 151)


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        # pytest-xdist runs clusters side by side: the second one's scheduler
        # serves its HTTP endpoint (metrics) on another port than 8787, and says so
        warnings.filterwarnings("ignore", "Port 8787 is already in use", UserWarning)
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    with cluster, distributed.Client(cluster) as client:
        yield client


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, P)) * [1, 2, 3, 4, 5] + [0, 1, 10, 0, -3]
    w = rng.normal(size=P)
    z = X @ w + rng.normal(size=N)
    targets = {
        "reg": z,
        "binary": (z > 0).astype(int),
        "multi": np.digitize(z, [-2, 2]),
    }
    weights = {"none": None, "random": rng.uniform(size=N)}
    weights["zero_chunk"] = weights["random"].copy()
    weights["zero_chunk"][ZERO_CHUNK] = 0.0
    return X, targets, weights


X_DATA, TARGETS, WEIGHTS = _data()

ESTIMATORS = {
    "ols": (LinearRegressionGD, {}, "reg"),
    "ridge": (RidgeGD, {"alpha": 1.0}, "reg"),
    "lasso": (LassoGD, {"alpha": 0.1}, "reg"),
    "enet": (ElasticNetGD, {"alpha": 0.5, "l1_ratio": 0.5}, "reg"),
    "binary": (LogisticRegressionGD, {}, "binary"),
    "multi": (LogisticRegressionGD, {}, "multi"),
    "multi_enet": (LogisticRegressionGD, {"C": 0.5, "l1_ratio": 0.5}, "multi"),
}


def _dask_X(X):
    return da.from_array(X, chunks=(CHUNKS, 2)).persist()  # columns merged by fit


def _assert_parity(fitted, reference, permuted=()):
    """float64: rtol 1e-6. float32: within 1e-6 of the largest coefficient,
    or within 4 times the spread of NumPy fits on ``permuted`` rows."""
    for attr in ("coef_", "intercept_"):
        a, b = np.asarray(getattr(fitted, attr)), np.asarray(getattr(reference, attr))
        assert a.dtype == b.dtype and a.shape == b.shape, attr
        if a.dtype == np.float64:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-300, err_msg=attr)
            continue
        # float32 sums in another order move the NumPy fit itself by about 1e-6
        # of coef_ and 4e-5 of intercept_ (which cancels the centring offset)
        spread = [np.max(np.abs(np.asarray(getattr(f, attr)) - b)) for f in permuted]
        # (measured: 0.2 to 2.7 times the spread of three permutations; 8 here)
        limit = max([1e-6 * np.max(np.abs(b))] + [4 * d for d in spread])
        assert np.max(np.abs(a - b)) <= limit, (attr, np.max(np.abs(a - b)), limit)
    assert fitted.n_iter_ == reference.n_iter_


#: No weights and the zero-weight chunk (random weights elsewhere: a
#: superset of the random weights, which take the same path) in float64;
#: float32 (whose parity is measured against its own rounding, see
#: _assert_parity) with the zero-weight chunk
GRID = [("none", np.float64), ("zero_chunk", np.float64), ("zero_chunk", np.float32)]
#: "multi" is left out of the grid: "multi_enet" runs the same chunk tasks
#: (the softmax's coupled curvature, the same evaluation) and the L1 steps
#: on top; "multi" itself is fitted by test_class_weight (with weights),
#: test_other_solvers and test_local_scheduler_without_a_client.
GRID_CASES = [case for case in ESTIMATORS if case != "multi"]


def _fit_both(case, fit_intercept, X, weights, dtype):
    """``(dask fit, NumPy fit, NumPy fits on permuted rows)`` of ``case`` on
    ``X`` (a NumPy array or a CSR matrix, chunked as CHUNKS)."""
    cls, params, target = ESTIMATORS[case]
    X, y, sw = X.astype(dtype), TARGETS[target], WEIGHTS[weights]
    est = cls(fit_intercept=fit_intercept, **params)
    reference = cls(**est.get_params()).fit(X, y, sample_weight=sw)
    permuted = []
    for seed in range(8 if dtype == np.float32 else 0):
        order = np.random.default_rng(seed).permutation(N)
        sw_perm = None if sw is None else sw[order]
        permuted.append(cls(**est.get_params()).fit(X[order], y[order], sw_perm))
    yd = da.from_array(y, chunks=CHUNKS)
    swd = None if sw is None else da.from_array(sw, chunks=CHUNKS)
    est.fit(_dask_X(X), yd, sample_weight=swd)
    return est, reference, permuted


@pytest.mark.parametrize("weights, dtype", GRID)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("case", GRID_CASES)
def test_same_model_as_numpy(client, case, fit_intercept, weights, dtype):
    _assert_parity(*_fit_both(case, fit_intercept, X_DATA, weights, dtype))


@pytest.mark.parametrize(
    "case, solver",
    [("ridge", "lbfgs"), ("multi", "lbfgs"), ("ridge", "accelerated"), ("ridge", "gd")],
)
def test_other_solvers(client, case, solver):
    cls, params, target = ESTIMATORS[case]
    y, sw = TARGETS[target], WEIGHTS["zero_chunk"]
    max_iter = 300 if solver != "lbfgs" else 10_000
    est = cls(solver=solver, max_iter=max_iter, tol=1e-4, **params)
    reference = cls(**est.get_params()).fit(X_DATA, y, sample_weight=sw)
    est.fit(_dask_X(X_DATA), y, sample_weight=sw)  # NumPy y and weights
    _assert_parity(est, reference)


@pytest.mark.parametrize("case", ["ols", "binary", "multi"])
def test_predictions_lazy_and_equal(client, case):
    cls, params, target = ESTIMATORS[case]
    y = TARGETS[target]
    Xd = _dask_X(X_DATA)
    est = cls(**params).fit(X_DATA, y)  # the dask fits are test_same_model_as_numpy's
    methods = ["predict"]
    if cls is LogisticRegressionGD:
        methods += ["predict_proba", "predict_log_proba", "decision_function"]
    for name in methods:
        lazy = getattr(est, name)(Xd)
        assert isinstance(lazy, da.Array), name
        expected = getattr(est, name)(X_DATA)  # a 1-row chunk: BLAS rounds 1 ulp apart
        np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12, atol=0)
    assert isinstance(est.coef_, np.ndarray)
    assert isinstance(est.intercept_, np.ndarray | np.floating | float)
    assert est.score(Xd, y) == pytest.approx(est.score(X_DATA, y))


@pytest.mark.parametrize("case", ["ridge", "multi_enet"])
def test_X_never_gathered(client, case, monkeypatch):
    cls, params, target = ESTIMATORS[case]
    Xd = _dask_X(X_DATA)

    def refuse(*args, **kwargs):
        raise AssertionError("a dask array was gathered")

    compute = da.Array.compute

    def small_only(self, **kwargs):  # scalars and sums: never an array of rows
        if self.ndim and self.shape[0] == N:
            raise AssertionError(f"an array of {self.shape} was gathered")
        return compute(self, **kwargs)

    monkeypatch.setattr(da.Array, "__array__", refuse)
    monkeypatch.setattr(da.Array, "compute", small_only)
    est = cls(**params).fit(Xd, da.from_array(TARGETS[target], chunks=CHUNKS))
    assert est.n_iter_ >= 1


def test_bytes_moved_are_a_sliver_of_X(client):
    """Workers send each other partial sums only: under 1% of X.nbytes."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40_000, 20))
    y = (X @ rng.normal(size=20) > 0).astype(int)
    Xd = da.from_array(X, chunks=(5000, 20)).persist()
    distributed.wait(Xd)
    _quiet(client)
    before, logs = sum(client.run(_sent).values()), client.run(_transfers)
    LogisticRegressionGD().fit(Xd, y)  # a NumPy y goes to X's chunks in the graph
    moved = sum(client.run(_sent).values()) - before
    assert moved < 0.01 * X.nbytes, _moved_since(client, logs)


def _sent(dask_worker):
    return dask_worker.transfer_outgoing_bytes_total


def _transfers(dask_worker):
    return [
        (entry["total"], sorted(entry["keys"]))
        for entry in dask_worker.transfer_outgoing_log
    ]


def _labels_beside(X):
    """``X @ w > 0`` computed where each chunk of ``X`` lies: unplaced tasks
    may copy chunks of ``X`` to the other worker, and the active memory
    manager later drops one of the two replicas, perhaps the one a fit then
    places its tasks beside (which fetch it back: 3.4 MB moved, seen)."""
    distributed.wait(X)
    homes = _placement.placement(X)
    with dask.annotate(workers=_placement._Home(homes), allow_other_workers=False):
        labels = X @ np.linspace(-1, 1, X.shape[1]) > 0
    return labels.compute()


def _quiet(client, timeout=30.0):
    """Wait until no task runs and no worker sends (what earlier tests left
    behind), so that the bytes counted next are the next fit's own."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = any(client.processing().values())
        sending = any(
            client.run(lambda dask_worker: dask_worker.transfer_outgoing_count).values()
        )
        if not (busy or sending):
            return
        time.sleep(0.05)


def _moved_since(client, logs):
    """The transfers logged after ``logs`` (an earlier ``client.run(_transfers)``),
    largest first, for an assertion's message."""
    now = client.run(_transfers)
    new = [
        entry
        for worker, entries in now.items()
        for entry in entries[len(logs[worker]) :]
    ]
    return sorted(new, reverse=True)[:5]


class _ReadsOfX(distributed.diagnostics.plugin.SchedulerPlugin):
    """Records each task that reads a chunk of ``X``: where it runs, where
    the chunk is, and its placement."""

    def __init__(self, scheduler, name):
        self.scheduler, self.name, self.reads = scheduler, name, []

    def transition(self, key, start, finish, *args, **kwargs):
        ts = self.scheduler.tasks.get(key)
        if finish != "processing" or ts is None:
            return
        for dep in ts.dependencies:
            if isinstance(dep.key, tuple) and dep.key[0] == self.name:
                holders = {w.address for w in dep.who_has}
                self.reads.append(
                    (key, ts.processing_on.address in holders, ts.loose_restrictions)
                )


def test_chunks_generated_on_the_workers_stay_there_with_a_worker_busy(client):
    """X generated on the workers (not sent by the client) does not move,
    even while one worker is busy: every task that reads a chunk of X is
    placed strictly where it lies (a loose placement let work stealing run
    such tasks on the idle worker, which fetched 0.67 X.nbytes in a fit of
    200,000 x 50 rows)."""
    import time

    # big enough that the reductions' own traffic (a Gram of q^2 numbers per
    # chunk that is summed on the other worker, each pass: about 160 KB a fit
    # at q = 21) is well under 1% of X: 25.6 MB here
    X = da.random.default_rng(3).standard_normal((160_000, 20), chunks=(20_000, 20))
    X = X.persist()
    y = _labels_beside(X)  # n booleans only
    homes = client.who_has(X)
    assert len(set().union(*homes.values())) == 2  # on both workers
    reads = _ReadsOfX(client.cluster.scheduler, X.name)
    client.cluster.scheduler.add_plugin(reads, name="reads-of-X")
    _quiet(client)
    before, logs = sum(client.run(_sent).values()), client.run(_transfers)
    worker = sorted(client.scheduler_info()["workers"])[0]
    busy = client.submit(time.sleep, 1.0, workers=[worker], pure=False)
    try:
        est = LogisticRegressionGD().fit(X, y)
    finally:
        client.cluster.scheduler.remove_plugin(name="reads-of-X")
    busy.result()
    moved = sum(client.run(_sent).values()) - before
    assert moved < 0.01 * X.nbytes, _moved_since(client, logs)
    assert len(reads.reads) > 8  # one per chunk per pass, at least
    assert all(beside and loose is False for _, beside, loose in reads.reads)
    for key, workers in client.who_has(X).items():  # no chunk copied either
        assert set(workers) <= set(homes[key])
    _assert_parity(est, LogisticRegressionGD().fit(X.compute(), y))


def test_replicated_chunks_of_X_do_not_move(client):
    """A fit of an ``X`` whose chunks have a copy on each worker (here by
    ``client.replicate``; an earlier computation can make them) lets the
    active memory manager drop the extra copies before it places its tasks:
    with both copies there, every chunk's tasks went to the first worker
    holding it, the same one for all chunks (the other worker idle), and
    the raw predictions moved when the manager dropped copies (8-10% of
    X.nbytes in 3 of 3 fits of a script)."""
    X = da.random.default_rng(5).standard_normal((160_000, 20), chunks=(20_000, 20))
    X = X.persist()
    distributed.wait(X)
    y = np.random.default_rng(0).integers(0, 2, X.shape[0])
    client.replicate(X)
    assert all(len(workers) == 2 for workers in client.who_has(X).values())
    # the chunks' homes are spread over both workers, not all on the first
    # holder of each (which was the same worker for every chunk)
    assert len(set(_placement.placement(X))) == 2
    _quiet(client)
    before, logs = sum(client.run(_sent).values()), client.run(_transfers)
    est = LogisticRegressionGD().fit(X, y)
    moved = sum(client.run(_sent).values()) - before
    assert moved < 0.01 * X.nbytes, _moved_since(client, logs)
    _assert_parity(est, LogisticRegressionGD().fit(X.compute(), y))


def test_line_search_trials_stay_beside_X_with_a_worker_busy(client):
    """A line search's trial ``Z + t U`` (lazy arithmetic on arrays kept
    beside ``X``) is computed where each chunk's inputs lie even while that
    worker is busy: without strict placement an idle worker steals the
    tasks and fetches both inputs (0.3-1.9 MB in 4 of 12 trials measured
    here, against 0.26 MB allowed)."""
    import time

    X = da.random.default_rng(4).standard_normal((160_000, 20), chunks=(20_000, 20))
    X = X.persist()
    y = _labels_beside(X)
    est = LogisticRegressionGD()
    X, _, weights, Y, loss, _ = est._prepare(X, y, None, reset=True)
    obj = _objective.DaskObjective(X, Y, weights, loss, est._penalty(1.0))
    rng = np.random.default_rng(0)
    V, D = rng.normal(size=(21, 1)), rng.normal(size=(21, 1))
    Z, U = obj.raw(V), obj.raw(D)
    distributed.wait([Z, U])
    homes = _placement.placement(X)
    _quiet(client)
    before, logs = sum(client.run(_sent).values()), client.run(_transfers)
    # the scheduler steals such tasks in about one trial of three: three
    points = []
    for t in (0.5, 0.6, 0.7):
        busy = client.submit(time.sleep, 1.0, workers=[homes[0]], pure=False)
        time.sleep(0.1)  # the sleep has started
        points.append((t, obj.evaluate(V + t * D, Z + t * U)))
        busy.result()
    moved = sum(client.run(_sent).values()) - before
    assert moved < 0.01 * X.nbytes, _moved_since(client, logs)
    for t, point in points:
        assert _placement.placement(point.Z) == homes
        expected = obj.evaluate(V + t * D)
        assert point.value == pytest.approx(expected.value, rel=1e-12)


def test_graph_does_not_grow(client, monkeypatch):
    """Each round trip's graph has the same size at iteration 2 and at 20."""
    sizes = []

    def counting(*collections):
        sizes.append(sum(len(c.__dask_graph__()) for c in collections))
        return original(*collections)

    original = _design.compute
    monkeypatch.setattr(_objective, "compute", counting)
    Xd = _dask_X(X_DATA)
    y = TARGETS["binary"]
    with pytest.warns(ConvergenceWarning):  # tol=0: it runs all 20 iterations
        LogisticRegressionGD(solver="lbfgs", max_iter=20, tol=0).fit(Xd, y)
    assert len(sizes) > 20
    assert max(sizes[-10:]) <= max(sizes[1:4])


def _count_round_trips(monkeypatch):
    """The scheduler round trips (``Client.get``: a computation waited for;
    a persist is not one), counted: returns the list they fill."""
    calls = []
    original = distributed.Client.get

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(distributed.Client, "get", counting)
    return calls


@pytest.mark.parametrize("sparse", [False, True])
def test_least_squares_in_two_round_trips(client, monkeypatch, sparse):
    """The validation summary (with y's largest magnitude) and the column
    statistics (with the weights' sum, the value and gradient at zero and
    the centred scatter, which gives the Gram matrix): Newton's step is
    taken on the exact quadratic model; dense or CSR chunks."""
    X = X_CSR if sparse else X_DATA
    calls = _count_round_trips(monkeypatch)
    y, sw = TARGETS["reg"], WEIGHTS["random"]
    est = LinearRegressionGD().fit(_dask_X(X), y, sample_weight=sw)
    assert len(calls) == 2
    _assert_parity(est, LinearRegressionGD().fit(X, y, sample_weight=sw))


def test_least_squares_lbfgs_takes_hessian_products_without_round_trips(
    client, monkeypatch
):
    """L-BFGS's exact line search on the squared error multiplies by the
    Gram matrix of the statistics: one round trip per iteration, its
    evaluation."""
    calls = _count_round_trips(monkeypatch)
    y = TARGETS["reg"]
    est = RidgeGD(alpha=1.0, solver="lbfgs").fit(_dask_X(X_DATA), y)
    assert len(calls) <= 2 + est.n_iter_
    _assert_parity(est, RidgeGD(alpha=1.0, solver="lbfgs").fit(X_DATA, y))


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weights", ["none", "zero_chunk"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True])
def test_gram_from_the_scatter_is_exact(client, fit_intercept, weights, dtype, sparse):
    """The squared error's curvature from the centred scatter (Chan-merged
    over the chunks), with the ridge's diagonal, equals :math:`A^\\top
    \\operatorname{diag}(w) A + \\lambda_2 \\operatorname{diag}(s^2, 0)`
    formed in extended precision from the same coordinates, to 1e-12, on a
    column offset 300 spreads from zero (where the in-memory Gram, formed
    from uncentred sums, is 1.3e-11 off); so do the bound and a Hessian
    product. CSR chunks (half their entries zero) are centred chunk by chunk
    without densifying them."""
    from gdlearn.losses import SquaredError
    from gdlearn.penalties import ElasticNet

    X = (X_CSR.toarray() if sparse else X_DATA + [0, 0, 1e3, 0, 0]).astype(dtype)
    Xd = da.from_array(sp.csr_matrix(X) if sparse else X, chunks=(CHUNKS, -1))
    sw = WEIGHTS[weights]
    sw = (np.ones(N) if sw is None else sw).astype(dtype)
    Y = TARGETS["reg"][:, None].astype(dtype)
    ours = _objective.DaskObjective(
        Xd, da.from_array(Y, chunks=(CHUNKS, 1)),
        da.from_array(sw, chunks=(CHUNKS,)), SquaredError(), ElasticNet(0.3, 0.0),
        fit_intercept=fit_intercept,
    )  # fmt: skip
    assert ours._scatter is not None
    design, ld = ours.design, np.longdouble
    A = X.astype(ld) * design.scale.astype(ld)
    if fit_intercept:
        A = A - design.offset.astype(ld) * design.scale.astype(ld)
        A = np.column_stack([A, np.full(N, design.intercept_scale, ld)])
    w = sw.astype(ld) / sw.astype(ld).sum()
    exact = A.T @ (w[:, None] * A)
    exact[:P, :P] += 0.3 * np.diag(design.scale.astype(ld) ** 2)
    exact = exact.astype(np.float64)
    P_ours = ours.curvature_matrices(None)
    np.testing.assert_allclose(P_ours[0], exact, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.curvature_bound(), P_ours[0], rtol=1e-15)
    D = np.linspace(-1, 1, exact.shape[0])[:, None]
    expected = exact @ D
    got = ours.hessian_product(None, D.astype(dtype))
    rtol = 1e-12 if dtype == np.float64 else 1e-6  # returned in the data's dtype
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("case", ["ridge", "binary", "multi"])
def test_value_and_gradient_at_zero_from_the_statistics(client, case):
    """At ``V = 0`` the sums that came with the column statistics give the
    value, gradient and noise that one evaluation's round trip gives."""
    cls, params, target = ESTIMATORS[case]
    est = cls(**params)
    Xd, y, sw = _dask_X(X_DATA), TARGETS[target], WEIGHTS["zero_chunk"]
    X, _, weights, Y, loss, _ = est._prepare(Xd, y, sw, reset=True)
    obj = _objective.DaskObjective(X, Y, weights, loss, est._penalty(1.0))
    V = obj.zeros()
    cached = obj.evaluate(V, obj.raw_start(V))
    obj._zero = (None, None)  # no sums at zero: the evaluation's round trip
    read = obj.evaluate(V)
    assert cached.value == pytest.approx(read.value, rel=1e-12)
    for a, b in zip(
        obj.smooth_gradient(cached), obj.smooth_gradient(read), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_separation_tested_in_the_evaluation(client, monkeypatch):
    """Without a penalty the test of separated classes comes with each
    evaluation (no round trip of its own), and still stops the fit."""
    calls = _count_round_trips(monkeypatch)
    X = np.r_[X_DATA[:100] - 20, X_DATA[100:] + 20]
    y = np.r_[np.zeros(100, int), np.ones(N - 100, int)]
    with pytest.warns(ConvergenceWarning, match="perfectly separated"):
        reference = LogisticRegressionGD(C=np.inf).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="perfectly separated"):
        est = LogisticRegressionGD(C=np.inf).fit(_dask_X(X), y)
    assert est.n_iter_ == reference.n_iter_ < 100
    # the summary, the weights' sum and the statistics, one curvature per
    # iteration at most, and the evaluations (the start's from the statistics)
    assert len(calls) <= 3 + 2 * est.n_iter_ + 1


def test_local_scheduler_without_a_client():
    X, y = X_DATA, TARGETS["multi"]
    reference = LogisticRegressionGD().fit(X, y)
    with dask.config.set(scheduler="threads"):
        est = LogisticRegressionGD().fit(da.from_array(X, chunks=(CHUNKS, P)), y)
    _assert_parity(est, reference)


def test_errors_name_what_is_wrong(client):
    Xd = _dask_X(X_DATA)
    y = TARGETS["binary"]
    with pytest.raises(ValueError, match="unknown size"):
        LogisticRegressionGD().fit(Xd[Xd[:, 0] > -100], y)
    with pytest.raises(ValueError, match="y's row chunks .* do not line up"):
        LogisticRegressionGD().fit(Xd, da.from_array(y, chunks=100))
    with pytest.raises(ValueError, match="sample_weight's row chunks"):
        RidgeGD().fit(Xd, TARGETS["reg"], sample_weight=da.ones(N, chunks=50))
    with pytest.raises(ValueError, match="solver='sgd' does not run on dask"):
        RidgeGD(solver="sgd").fit(Xd, TARGETS["reg"])
    with pytest.raises(ValueError, match="partial_fit does not take dask"):
        RidgeGD(solver="sgd").partial_fit(Xd, TARGETS["reg"])
    with pytest.raises(ValueError, match="y has values up to .*Scale y down"):
        RidgeGD().fit(Xd, TARGETS["reg"] * 1e160)
    with pytest.raises(ValueError, match="Negative values in data passed to sample"):
        RidgeGD().fit(Xd, TARGETS["reg"], sample_weight=-np.ones(N))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        RidgeGD().fit(Xd, TARGETS["reg"][:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        LogisticRegressionGD().fit(Xd, np.zeros(N))
    bad = X_DATA.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        RidgeGD().fit(_dask_X(bad), TARGETS["reg"])
    est = RidgeGD().fit(Xd, TARGETS["reg"])
    with pytest.raises(
        ValueError, match="X has 4 features, but RidgeGD is expecting 5"
    ):
        est.predict(Xd[:, :4])


@pytest.mark.parametrize("class_weight", ["balanced", {0: 2.0, 2: 0.5}])
def test_class_weight(client, class_weight):
    """The NumPy fit's model; the input arrays (NumPy X under the dask
    array, NumPy weights) are not modified."""
    X, y, sw = X_DATA.copy(), TARGETS["multi"].copy(), WEIGHTS["random"].copy()
    est = LogisticRegressionGD(class_weight=class_weight)
    reference = LogisticRegressionGD(class_weight=class_weight).fit(X_DATA, y, sw)
    balanced = class_weight == "balanced"  # a NumPy y, else a dask y
    est.fit(_dask_X(X), y if balanced else da.from_array(y, chunks=CHUNKS), sw)
    _assert_parity(est, reference)
    np.testing.assert_array_equal(X, X_DATA)
    np.testing.assert_array_equal(y, TARGETS["multi"])
    np.testing.assert_array_equal(sw, WEIGHTS["random"])


@pytest.mark.parametrize("scale", [1e-300, 1e300])
@pytest.mark.parametrize("case", ["ridge", "binary"])
def test_weights_at_the_ends_of_float64(client, case, scale):
    """Weights whose sum overflows or that underflow are rescaled by a power
    of two as in memory, with the penalty per unit of weight kept."""
    Est, params, target = ESTIMATORS[case]
    y, sw = TARGETS[target], WEIGHTS["random"] * scale
    params = dict(params)
    if case == "ridge":
        params["alpha"] = params["alpha"] * scale
    else:
        params["C"] = 1.0 / scale
    reference = Est(**params).fit(X_DATA, y, sample_weight=sw)
    est = Est(**params).fit(
        _dask_X(X_DATA), da.from_array(y, chunks=CHUNKS), da.from_array(sw, CHUNKS)
    )
    _assert_parity(est, reference)


def test_import_without_dask():
    """``import gdlearn`` and a NumPy fit need no dask."""
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None\n"
        "import numpy as np, gdlearn\n"
        "gdlearn.RidgeGD().fit(np.eye(3), np.ones(3)).predict(np.eye(3))\n"
        "assert 'dask.array' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


#: X_DATA with about half its entries zero, as CSR
X_CSR = sp.csr_matrix(
    np.where(np.random.default_rng(3).uniform(size=X_DATA.shape) < 0.5, 0.0, X_DATA)
)

#: scipy.sparse chunks: each estimator's kind of fit (squared error, L1,
#: binary, multinomial with L1), with and without intercept, the zero-weight
#: chunk, float64; and float32 for the binary case
SPARSE_GRID = [
    (case, fit_intercept, np.float64)
    for case in ["ridge", "lasso", "binary", "multi_enet"]
    for fit_intercept in [True, False]
] + [("binary", True, np.float32)]


@pytest.mark.parametrize("case, fit_intercept, dtype", SPARSE_GRID)
def test_sparse_chunks_same_model_as_numpy(client, case, fit_intercept, dtype):
    """CSR chunks (``da.from_array`` of a CSR matrix): the in-memory CSR fit."""
    est, reference, permuted = _fit_both(
        case, fit_intercept, X_CSR, "zero_chunk", dtype
    )
    _assert_parity(est, reference, permuted)
    dense = ESTIMATORS[case][0](**est.get_params()).fit(
        X_CSR.toarray().astype(dtype),
        TARGETS[ESTIMATORS[case][2]],
        WEIGHTS["zero_chunk"],
    )
    _assert_parity(est, dense, permuted)


def test_sparse_chunks_from_map_blocks_and_lazy_predictions(client):
    """Dense chunks made CSR by ``map_blocks``; predictions on them lazy."""
    y = TARGETS["multi"]
    Xd = da.from_array(X_CSR.toarray(), chunks=(CHUNKS, P)).map_blocks(sp.csr_matrix)
    est = LogisticRegressionGD().fit(Xd, y)
    _assert_parity(est, LogisticRegressionGD().fit(X_CSR, y))
    for name in ["predict", "predict_proba", "decision_function"]:
        lazy = getattr(est, name)(Xd)
        assert isinstance(lazy, da.Array), name
        expected = getattr(est, name)(X_CSR)
        np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12, atol=0)
    assert est.score(Xd, y) == pytest.approx(est.score(X_CSR, y))


class _OddChunk:
    """A chunk type that is neither a NumPy array nor scipy.sparse."""

    dtype, ndim, shape = np.dtype(np.float64), 2, (0, 0)

    def __getitem__(self, key):
        return self


def test_chunks_neither_numpy_nor_sparse_are_refused():
    Xd = da.from_array(X_DATA, chunks=(CHUNKS, P))
    odd = Xd.map_blocks(np.asarray, meta=_OddChunk())
    with pytest.raises(TypeError, match="NumPy or scipy.sparse chunks only"):
        _prepare.check_X(odd)


def _load_rows(path, start, stop):
    """Rows ``start:stop`` of the ``.npy`` file at ``path``, read from disk."""
    rows = np.load(path, mmap_mode="r")[start:stop]
    return np.array(rows)  # a private copy: the map is closed on return


def test_out_of_core_X_read_from_disk_at_each_pass(client, tmp_path):
    """An X that lives in a file (each chunk loaded by a task, not persisted)
    is read from disk pass by pass: the fit is the in-memory fit, and no
    chunk of X stays in a worker's memory or is spilled."""
    rng = np.random.default_rng(4)
    n, p, size = 20_000, 8, 5000
    X = rng.normal(size=(n, p))
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    path = str(tmp_path / "X.npy")
    np.save(path, X)
    parts = [
        da.from_delayed(
            dask.delayed(_load_rows, pure=True)(path, s, s + size),
            (size, p),
            dtype=np.float64,
        )
        for s in range(0, n, size)
    ]
    Xd = da.concatenate(parts)

    def kept(dask_worker):
        """The largest array a worker holds, and the bytes it spilled."""
        data = dask_worker.data
        spilled = getattr(data, "spilled_total", None)
        largest = max((getattr(v, "nbytes", 0) for v in data.values()), default=0)
        return largest, 0 if spilled is None else spilled.disk

    est = RidgeGD(alpha=1.0).fit(Xd, da.from_array(y, chunks=size))
    for largest, disk in client.run(kept).values():
        # Z, the targets and the weights (size numbers) stay; no chunk of X
        assert largest < size * p * 8 / 2 and disk == 0
    _assert_parity(est, RidgeGD(alpha=1.0).fit(X, y))
