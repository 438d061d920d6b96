"""gdlearn against an earlier gdlearn, on the benchmark problems, in one run.

A change to the core is judged by fitting each problem of ``run.py`` with the
gdlearn estimator at its defaults, the working tree's and a base revision's
in turn (the base is exported from git and imported as ``gdlearn_base``), so
that a drift of the machine's speed slows both alike. It reports, per
problem: the median fit time of each, their ratio (new ÷ base), the
iterations of each, and the relative difference of the objectives reached.

    python benchmarks/paired.py --base HEAD~3            # quick problems
    python benchmarks/paired.py --base main --full --output benchmarks/PAIRED.md
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import gdlearn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402  (the benchmark problems and objectives)


def export_base(rev, into):
    """The package at ``rev`` as ``gdlearn_base`` under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(HERE.parent), "archive", rev, "gdlearn"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    (Path(into) / "gdlearn").rename(Path(into) / "gdlearn_base")
    sys.path.insert(0, into)
    import gdlearn_base

    return gdlearn_base


def estimator(package, kind, param):
    """The problem's gdlearn estimator at its defaults, from ``package``."""
    if kind == "ols":
        return package.LinearRegressionGD()
    if kind == "ridge":
        return package.RidgeGD(alpha=param)
    if kind == "lasso":
        return package.LassoGD(alpha=param)
    return package.LogisticRegressionGD(C=param)


def fit(package, kind, param, X, y):
    model = estimator(package, kind, param)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        elapsed = time.perf_counter() - start
    return model, elapsed


def compare_problem(base, kind, param, X, y, repeats):
    """Median times of the new and base fits, alternated, with their models."""
    times = {"new": [], "base": []}
    models = {}
    for i in range(repeats):
        order = (("new", gdlearn), ("base", base))
        for label, package in order if i % 2 == 0 else order[::-1]:
            models[label], elapsed = fit(package, kind, param, X, y)
            times[label].append(elapsed)
    return {k: statistics.median(v) for k, v in times.items()}, models


def against_base(description, argv, body, *, repeats=0, full=False):
    """The command line both paired reports share: ``--base``, ``--repeats``,
    ``--output`` (and ``--full`` with ``full``), the base exported and BLAS
    pinned to one thread, then ``body(base, args, say)``, whose lines
    ``say`` prints and, with ``--output``, writes as markdown."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--base", required=True, help="git revision to compare with")
    if full:
        parser.add_argument(
            "--full", action="store_true", help="run.py's full problems"
        )
    parser.add_argument("--repeats", type=int, default=repeats, help="0: by fit time")
    parser.add_argument("--output", help="also write the markdown here")
    args = parser.parse_args(argv)
    lines = []

    def say(line=""):
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory() as into, threadpool_limits(1):
        body(export_base(args.base, into), args, say)
    if args.output:
        Path(args.output).write_text("\n".join(lines) + "\n")


def paired_table(base, args, say):
    say(f"# gdlearn (working tree) against gdlearn at `{args.base}`")
    say()
    say("BLAS threads pinned to 1; defaults; medians of alternated fits.")
    say()
    say("| problem | kind | new ms | base ms | new ÷ base | iterations | Δf/f |")
    say("|---|---|---:|---:|---:|---|---:|")
    ratios = []
    for name, kind, X, y, param, _ in run.problems(args.full):
        _, first = fit(gdlearn, kind, param, X, y)
        repeats = args.repeats or (15 if first < 0.1 else 5 if first < 2 else 3)
        times, models = compare_problem(base, kind, param, X, y, repeats)
        f_new, f_base = (
            run.objective(kind, models[k], X, y, param) for k in ("new", "base")
        )
        ratio = times["new"] / times["base"]
        ratios.append(ratio)
        its = f"{models['new'].n_iter_} / {models['base'].n_iter_}"
        say(
            f"| {name} | {kind} | {1e3 * times['new']:.1f} | "
            f"{1e3 * times['base']:.1f} | {ratio:.2f} | {its} | "
            f"{(f_new - f_base) / abs(f_base):.1e} |"
        )
    say()
    say(
        f"median ratio {statistics.median(ratios):.2f}, "
        f"range {min(ratios):.2f} to {max(ratios):.2f}"
    )


def main(argv=None):
    against_base(__doc__.split("\n")[0], argv, paired_table, full=True)


if __name__ == "__main__":
    main()
