"""Side-by-side speed benchmark of gdlearn against scikit-learn's own solvers.

Implements the protocol of BENCHMARKS.md: for each problem, every solver's
fit time and relative suboptimality :math:`(f - f^*) / |f^*|` at its default
parameters, its time to reach 1e-4 and 1e-6 (the cheapest ``tol`` that gets
there), the ratio of gdlearn's time to the fastest scikit-learn solver's, the
cost of one full-batch iteration against the floor of one ``X @ w`` plus one
``X.T @ r``, the peak memory of ``fit`` beside the size of ``X``, and (full
pass) the growth of fit time with n and p. The objective is computed here, in
scikit-learn's own terms, from each fitted model's ``coef_`` and
``intercept_``; ``f*`` is the best value any solver reached, including a
reference solve at tol 1e-12.

    python benchmarks/run.py --quick            # under 2 minutes
    python benchmarks/run.py --full --output benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import tracemalloc
import warnings

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn import linear_model as sk
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_wine,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

import gdlearn
from gdlearn import LassoGD, LinearRegressionGD, LogisticRegressionGD, RidgeGD, compare
from gdlearn.solvers import NEWTON_MAX_UNKNOWNS

TOLS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12]
TARGETS = (1e-4, 1e-6)


# -- objectives, in scikit-learn's terms (gdlearn.compare's, shared with the CLI) ------
GROUP = {
    "ols": "LinearRegressionGD",
    "ridge": "RidgeGD",
    "lasso": "LassoGD",
    "binary": "LogisticRegressionGD",
    "multinomial": "LogisticRegressionGD",
}


def sparse_random(n, p, density, rng):
    """CSR ``X`` (n, p) with about ``density * n * p`` uniform entries at random
    places. ``scipy.sparse.random`` draws the places without replacement from
    all ``n * p`` of them, which for 100,000 x 10,000 takes minutes and 8 GB;
    here a repeated place (one in a thousand at 0.1%) is simply summed."""
    nnz = int(density * n * p)
    rows, cols = rng.integers(0, n, nnz), rng.integers(0, p, nnz)
    X = sp.csr_matrix((rng.uniform(size=nnz), (rows, cols)), shape=(n, p))
    X.sum_duplicates()
    return X


def objective(kind, model, X, y, param):
    """The objective ``kind`` at the fitted ``model``, as scikit-learn writes it."""
    if kind in ("binary", "multinomial"):
        return compare.objective(GROUP[kind], model, X, y, C=param)
    return compare.objective(GROUP[kind], model, X, y, alpha=param or 0.0)


# -- the solvers of each kind: name -> (factory(tol or None), is gdlearn) -------------
def _tol(tol):
    return {} if tol is None else {"tol": tol}


QUICK_SKIP = {
    "Ridge(sag)",
    "LogisticRegression(sag)",
    "LogisticRegression(saga)",
    "LogisticRegression(newton-cg)",
    "LogisticRegression(liblinear)",
}


def solvers(kind, param, n):
    if kind == "ols":
        return {
            "LinearRegressionGD": (lambda tol: LinearRegressionGD(**_tol(tol)), True),
            "LinearRegression": (lambda tol: sk.LinearRegression(), False),
        }
    if kind == "ridge":
        out = {"RidgeGD": (lambda tol: RidgeGD(alpha=param, **_tol(tol)), True)}
        for s in ("auto", "cholesky", "lsqr", "sparse_cg", "sag"):
            out[f"Ridge({s})"] = (
                lambda tol, s=s: sk.Ridge(alpha=param, solver=s, **_tol(tol)),
                False,
            )
        return out
    if kind == "lasso":
        return {
            "LassoGD": (lambda tol: LassoGD(alpha=param, **_tol(tol)), True),
            "Lasso": (
                lambda tol: sk.Lasso(alpha=param, max_iter=100_000, **_tol(tol)),
                False,
            ),
        }
    out = {
        "LogisticRegressionGD": (
            lambda tol: LogisticRegressionGD(C=param, **_tol(tol)),
            True,
        )
    }
    names = ("lbfgs", "newton-cholesky", "newton-cg", "sag", "saga")
    if kind == "binary":
        names += ("liblinear",)
    for s in names:
        out[f"LogisticRegression({s})"] = (
            lambda tol, s=s: sk.LogisticRegression(
                C=param, solver=s, max_iter=100 if tol is None else 10_000, **_tol(tol)
            ),
            False,
        )
    return out


# -- data --------------------------------------------------------------------------------
def _std(X):
    return StandardScaler().fit_transform(X)


def problems(full):
    """(name, kind, X, y, param, solvers to skip) for each benchmark problem."""
    X, y = load_diabetes(return_X_y=True, scaled=False)
    yield "diabetes raw", "ols", X, y, None, ()
    yield "diabetes raw", "ridge", X, y, 1.0, ()
    yield "diabetes raw", "lasso", X, y, 0.1, ()
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast_cancer raw", "binary", X, y, 1.0, ()
    yield "breast_cancer standardized", "binary", _std(X), y, 1.0, ()
    X, y = load_wine(return_X_y=True)
    yield "wine raw", "multinomial", X, y, 1.0, ()
    X, y = load_digits(return_X_y=True)
    yield "digits raw", "multinomial", X, y, 1.0, ("LogisticRegression(newton-cg)",)
    n_tall = 100_000 if full else 20_000
    X, y = make_regression(n_tall, 100, n_informative=30, noise=10, random_state=0)
    X = _std(X)
    tall = f"tall {n_tall:,} x 100"
    yield tall, "ols", X, y, None, ()
    yield tall, "ridge", X, y, 1.0, ()
    yield tall, "lasso", X, y, 0.1, ()
    X, y = make_classification(n_tall, 100, n_informative=30, random_state=0)
    yield tall, "binary", _std(X), y, 1.0, ()
    X, y = make_classification(
        n_tall, 100, n_informative=30, n_classes=5, random_state=0
    )
    # sag and saga take minutes here and are never the fastest: the full pass
    # skips them on this problem to stay within its 10 minutes
    slow = ("LogisticRegression(sag)", "LogisticRegression(saga)") if full else ()
    yield tall, "multinomial", _std(X), y, 1.0, slow
    if not full:
        return
    X, y = make_classification(20_000, 1000, n_informative=100, random_state=0)
    wide = "wide 20,000 x 1,000"
    yield wide, "binary", _std(X), y, 1.0, ()
    Xr, yr = make_regression(20_000, 1000, n_informative=100, noise=10, random_state=0)
    yield wide, "ridge", _std(Xr), yr, 1.0, ()
    yield wide, "lasso", _std(Xr), yr, 0.1, ()
    rng = np.random.default_rng(0)
    X = sparse_random(100_000, 10_000, 0.001, rng)
    w = rng.normal(size=10_000)
    z = np.asarray(X @ w)
    sparse = "sparse 100,000 x 10,000 (0.1%)"
    # Ridge(cholesky) fits no intercept on sparse X
    yield sparse, "ridge", X, z + rng.normal(size=len(z)), 1.0, ("Ridge(cholesky)",)
    yield sparse, "lasso", X, z + rng.normal(size=len(z)), 0.001, ()
    yb = (z + rng.logistic(size=len(z)) > 0).astype(int)
    yield sparse, "binary", X, yb, 1.0, ("LogisticRegression(newton-cholesky)",)


# -- measuring ------------------------------------------------------------------------------
def fit_once(factory, tol, X, y):
    model = factory(tol)
    elapsed, caught = compare.fit_once(model, X, y)
    return model, elapsed, "ConvergenceWarning" in caught


def timed(factory, tol, X, y, budget):
    """Median fit time over repeats (5 under a second, fewer above), and the model."""
    model, first, warned = fit_once(factory, tol, X, y)
    repeats = 5 if first < 1 else (3 if first * 3 < budget else 1)
    times = [first] + [fit_once(factory, tol, X, y)[1] for _ in range(repeats - 1)]
    return model, float(np.median(times)), warned


def n_iter(model):
    it = getattr(model, "n_iter_", None)
    return "" if it is None else int(np.max(it))


def bench_problem(name, kind, X, y, param, skip, budget, full):
    rows = []
    fitted = {}
    reference = _reference(kind, param, X, y)
    for label, (factory, ours) in solvers(kind, param, X.shape[0]).items():
        if label in skip or (not full and label in QUICK_SKIP):
            continue
        model, t, warned = timed(factory, None, X, y, budget)
        values = {None: objective(kind, model, X, y, param)}
        sweep = {}
        for tol in TOLS if label != "LinearRegression" else []:
            m, elapsed, _ = fit_once(factory, tol, X, y)
            sweep[tol] = (objective(kind, m, X, y, param), elapsed)
            # more accurate tols only cost more: stop once 1e-6 is reached
            reached = reference is not None and (
                sweep[tol][0] - reference <= 1e-7 * abs(reference)
            )
            if reached:
                # a solver whose fits take 3 times this one's time to 1e-6
                # cannot be the fastest: its sweep stops there
                budget = min(budget, 3 * max(elapsed, 0.05))
            if elapsed > budget or reached:
                break
        fitted[label] = (ours, t, warned, n_iter(model), values[None], sweep)
    best = min(min([v[4]] + [f for f, _ in v[5].values()]) for v in fitted.values())
    if reference is not None:
        best = min(best, reference)

    def subopt(f):
        return max((f - best) / abs(best), 0.0)

    settings = {}  # label -> {column: the tol that column's time is taken at}
    for label, (ours, t, warned, it, f_default, sweep) in fitted.items():
        to = {}
        settings[label] = {"default": None}
        for eps in TARGETS:
            tol = next((tl for tl, (f, _) in sweep.items() if subopt(f) <= eps), None)
            if tol is None and subopt(f_default) <= eps:
                to[eps], settings[label][eps] = t, None
            elif tol is None:
                to[eps] = None
            else:
                factory = solvers(kind, param, X.shape[0])[label][0]
                to[eps], settings[label][eps] = (
                    timed(factory, tol, X, y, budget)[1],
                    tol,
                )
        rows.append([label, ours, t, subopt(f_default), warned, to[1e-4], to[1e-6], it])
    _retime_in_turn(rows, settings, kind, param, X, y)
    return [tuple(row) for row in rows]


#: fits shorter than this are timed again in turn with their rivals (below)
PAIRED_LIMIT = 0.1
PAIRED_ROUNDS = 15


def _retime_in_turn(rows, settings, kind, param, X, y):
    """Time gdlearn again beside the scikit-learn solvers within 30% of the
    fastest, for each column, one fit of each in turn, ``PAIRED_ROUNDS``
    times, and keep those medians: a machine whose speed drifts between one
    solver's repeats and the next's slows both alike. Only for fits under
    ``PAIRED_LIMIT`` seconds, where a drift of a few milliseconds is the
    whole difference (the small bundled datasets)."""
    factories = solvers(kind, param, X.shape[0])
    for col, key in ((2, "default"), (5, 1e-4), (6, 1e-6)):
        ours = next(r for r in rows if r[1])
        theirs = [
            r
            for r in rows
            if not r[1] and r[col] is not None and (col != 2 or r[3] <= 1e-6)
        ]
        if ours[col] is None or not theirs:
            continue
        best = min(r[col] for r in theirs)
        group = [ours] + [r for r in theirs if r[col] <= 1.3 * best]
        if max(r[col] for r in group) > PAIRED_LIMIT:
            continue
        times = {r[0]: [] for r in group}
        for _ in range(PAIRED_ROUNDS):
            for r in group:
                tol = settings[r[0]][key]
                times[r[0]].append(fit_once(factories[r[0]][0], tol, X, y)[1])
        for r in group:
            r[col] = float(np.median(times[r[0]]))


def _reference(kind, param, X, y):
    """f* from a tight reference solve where one is cheap and reliable."""
    if kind == "ridge" and not sp.issparse(X):
        model = sk.Ridge(alpha=param, solver="cholesky").fit(X, y)
    elif kind == "ols" and not sp.issparse(X):
        model = sk.LinearRegression().fit(X, y)
    elif kind in ("binary", "multinomial") and not sp.issparse(X):
        model = sk.LogisticRegression(
            C=param, solver="newton-cholesky", tol=1e-12, max_iter=1000
        ).fit(X, y)
    else:
        return None
    return objective(kind, model, X, y, param)


def per_iteration(kind, X, y, param):
    """gdlearn's time per iteration of the solvers 'auto' can pick here
    ('accelerated', and 'newton' or, smooth, 'lbfgs'; 20 iterations, tol=0),
    each divided by the floor X @ w + X.T @ r."""
    w, r = np.ones(X.shape[1]), np.ones(X.shape[0])
    floor = np.median([_time(lambda: (X @ w, X.T @ r)) for _ in range(7)])
    out = {}
    unknowns = (X.shape[1] + 1) * (len(np.unique(y)) if kind == "multinomial" else 1)
    # 'auto' takes newton only up to NEWTON_MAX_UNKNOWNS, lbfgs beyond (no L1)
    if unknowns <= NEWTON_MAX_UNKNOWNS:
        candidates = ("accelerated", "newton")
    else:
        candidates = ("accelerated",) if kind == "lasso" else ("accelerated", "lbfgs")
    for solver in candidates:
        factory = solvers(kind, param, X.shape[0])[next(iter(solvers(kind, param, 1)))][
            0
        ]
        model = factory(0.0).set_params(solver=solver, max_iter=20)
        times = []
        for _ in range(3):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                times.append(_time(lambda model=model: model.fit(X, y)) / model.n_iter_)
        out[solver] = float(np.median(times)) / floor
    return floor, out


def peak_memory(kind, X, y, param):
    """Peak memory traced during a default gdlearn fit, as a fraction of X's size."""
    factory = solvers(kind, param, X.shape[0])[next(iter(solvers(kind, param, 1)))][0]
    size = (
        X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
        if sp.issparse(X)
        else X.nbytes
    )
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        factory(None).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / size


def _time(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def scaling(full):
    """Fit time of default binary logistic as n grows (p=100) and as p grows (n=10,000)."""
    ns = [10_000, 30_000, 100_000, 300_000] if full else [3_000, 10_000]
    ps = [10, 100, 300, 1000] if full else [10, 30]
    out = []
    for axis, sizes in (("n", ns), ("p", ps)):
        for size in sizes:
            n, p = (size, 100) if axis == "n" else (10_000, size)
            X, y = make_classification(
                n, p, n_informative=min(p // 2, 30), random_state=0
            )
            X = _std(X)
            ours = timed(lambda tol: LogisticRegressionGD(), None, X, y, 30)[1]
            theirs = timed(lambda tol: sk.LogisticRegression(), None, X, y, 30)[1]
            out.append((axis, n, p, ours, theirs))
    return out


# -- reporting ------------------------------------------------------------------------------
def _ms(t):
    return "—" if t is None else f"{1e3 * t:,.1f}"


def report(full, budget, out, only=None):
    def say(line=""):
        print(line, file=out, flush=True)

    blas = threadpool_info()
    say("# gdlearn benchmark results\n")
    say(
        f"- pass: {'full' if full else 'quick'}; BLAS threads pinned to 1 "
        f"({', '.join(sorted({i['internal_api'] for i in blas}))})"
    )
    say(
        f"- machine: {platform.machine()}, {platform.processor() or platform.platform()}"
    )
    say(
        f"- Python {platform.python_version()}, numpy {np.__version__}, scipy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, gdlearn {gdlearn.__version__}"
    )
    say(
        "- times in ms, medians of 5 repeats (3 or 1 for fits over a second; "
        f"fits under {1e3 * PAIRED_LIMIT:.0f} ms are timed again, {PAIRED_ROUNDS} "
        "times in turn with the scikit-learn solvers within 30% of the fastest, "
        "so that a drift of the machine's speed slows them alike); "
        "suboptimality (f − f*)/|f*|; `warn`: ConvergenceWarning at defaults; "
        "ratio: gdlearn ÷ the fastest scikit-learn solver for the same column; "
        "a solver whose fits take over 3 times the best time to 1e-6 so far (or "
        "over the budget) cannot be the fastest and is not swept further: its "
        "times to 1e-4 and 1e-6 are then its default fit's if that reaches them "
        "(an upper bound), else —\n"
    )
    headline = []
    for name, kind, X, y, param, skip in problems(full):
        if only and only not in name:
            continue
        started = time.perf_counter()
        rows = bench_problem(name, kind, X, y, param, skip, budget, full)
        say(f"## {name} — {kind}" + (f" (param {param})" if param is not None else ""))
        say(
            f"\n{X.shape[0]:,} × {X.shape[1]:,}, {'sparse' if sp.issparse(X) else 'dense'}\n"
        )
        say(
            "| solver | default ms | default subopt | warn | ms to 1e-4 | ms to 1e-6 | iterations |"
        )
        say("|---|---:|---:|:-:|---:|---:|---:|")
        for label, ours, t, sub, warned, t4, t6, it in rows:
            mark = "**" if ours else ""
            say(
                f"| {mark}{label}{mark} | {_ms(t)} | {sub:.1e} | {'yes' if warned else ''} "
                f"| {_ms(t4)} | {_ms(t6)} | {it} |"
            )
        ours = next(r for r in rows if r[1])
        theirs = [r for r in rows if not r[1]]
        ratios = []
        for col, label in ((2, "default"), (5, "1e-4"), (6, "1e-6")):
            best = min(
                (
                    r[col]
                    for r in theirs
                    if r[col] is not None and (col != 2 or r[3] <= 1e-6)
                ),
                default=None,
            )
            value = None if best is None or ours[col] is None else ours[col] / best
            ratios.append(value)
            say(f"\nratio {label}: " + ("—" if value is None else f"{value:.2f}"))
        headline.append((name, kind, *ratios))
        if X.shape[0] >= 10_000 and (full or kind in ("ridge", "binary")):
            floor, per = per_iteration(kind, X, y, param)
            mem = peak_memory(kind, X, y, param)
            say(
                f"\nfloor (X @ w + X.T @ r) {1e3 * floor:.2f} ms; per iteration: "
                + ", ".join(f"{s} {v:.2f}× floor" for s, v in per.items())
                + f"; peak extra memory of fit {100 * mem:.0f}% of X"
            )
        say(f"\n<sub>{time.perf_counter() - started:.0f} s</sub>\n")
    say("## Headline: gdlearn time ÷ fastest scikit-learn time\n")
    say("default: among scikit-learn solvers whose defaults reach 1e-6\n")
    say("| problem | kind | default | to 1e-4 | to 1e-6 |")
    say("|---|---|---:|---:|---:|")
    for name, kind, *ratios in headline:
        say(
            f"| {name} | {kind} | "
            + " | ".join("—" if r is None else f"{r:.2f}" for r in ratios)
            + " |"
        )
    say("\n## Growth of default fit time (binary logistic)\n")
    say("| axis | n | p | LogisticRegressionGD ms | LogisticRegression ms |")
    say("|---|---:|---:|---:|---:|")
    rows = scaling(full)
    for axis, n, p, ours, theirs in rows:
        say(f"| {axis} | {n:,} | {p:,} | {_ms(ours)} | {_ms(theirs)} |")
    for axis in ("n", "p"):
        sel = [r for r in rows if r[0] == axis]
        size = [r[1] if axis == "n" else r[2] for r in sel]
        slopes = [
            np.polyfit(np.log(size), np.log([r[i] for r in sel]), 1)[0] for i in (3, 4)
        ]
        say(
            f"\ngrowth exponent in {axis}: gdlearn {slopes[0]:.2f}, scikit-learn {slopes[1]:.2f}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        action="store_true",
        help="bundled data and a 20,000-row set (default)",
    )
    mode.add_argument(
        "--full", action="store_true", help="every problem of the protocol"
    )
    parser.add_argument("--output", help="also write the markdown here")
    parser.add_argument(
        "--only", metavar="TEXT", help="run the problems whose name contains TEXT"
    )
    args = parser.parse_args(argv)
    budget = 20.0 if args.full else 5.0
    with threadpool_limits(1):
        if args.output:
            with open(args.output, "w") as out:
                report(args.full, budget, _Tee(out), args.only)
        else:
            report(args.full, budget, sys.stdout, args.only)


class _Tee:
    def __init__(self, out):
        self.out = out

    def write(self, text):
        self.out.write(text)
        sys.stdout.write(text)

    def flush(self):
        self.out.flush()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
