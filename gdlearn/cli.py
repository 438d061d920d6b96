"""``gdlearn compare``: gdlearn and scikit-learn side by side, from the shell.

::

    gdlearn compare                                  # diabetes, breast_cancer, wine, raw
    gdlearn compare --dataset digits --scale --repeat 5
    gdlearn compare --csv data.csv --target price --estimator ridge lasso
    gdlearn compare --format markdown --plot loss_curves.png
    gdlearn compare --estimator logistic --solver newton lbfgs --sklearn-solver lbfgs

``python -m gdlearn`` is the same command. See :mod:`gdlearn.compare` for
what each row means and how the regularization is matched.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
import sklearn.datasets as datasets

from . import __version__
from ._candidates import GDLEARN_SOLVERS, check_solvers, sklearn_solver_names
from ._progress import Progress
from ._render import WIDTH, render
from ._tables import read_frame, read_npz
from .compare import (
    CLASSIFIERS,
    ESTIMATORS,
    REGRESSORS,
    compare_groups,
    estimator_names,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator, Sequence
    from typing import TextIO

BUNDLED = {
    "breast_cancer": ("classification", datasets.load_breast_cancer),
    "diabetes": ("regression", lambda: datasets.load_diabetes(scaled=False)),
    "digits": ("classification", datasets.load_digits),
    "iris": ("classification", datasets.load_iris),
    "linnerud": ("regression", datasets.load_linnerud),
    "wine": ("classification", datasets.load_wine),
}
DEFAULT_DATASETS = ("diabetes", "breast_cancer", "wine")
FORMATS = ("table", "markdown", "csv", "json")


class UsageError(Exception):
    """A bad argument or an unreadable input: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gdlearn",
        description="gdlearn: linear models fitted by gradient descent.",
    )
    parser.add_argument("--version", action="version", version=f"gdlearn {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )
    cmp = commands.add_parser(
        "compare",
        help="fit gdlearn and scikit-learn side by side on the same objectives",
        description=(
            "Fit each gdlearn estimator beside its scikit-learn counterparts "
            "(regularization matched to the same objective) and print the "
            "objective, its relative gap to the best fit, the largest "
            "coefficient difference, the held-out score, the fit time, the "
            "iterations and the warnings."
        ),
    )
    _data_arguments(cmp)
    _model_arguments(cmp)
    _output_arguments(cmp)
    return parser


def _data_arguments(cmp: argparse.ArgumentParser) -> None:
    """Where the data comes from, and what to predict."""
    data = cmp.add_mutually_exclusive_group()
    data.add_argument(
        "--dataset",
        nargs="+",
        action="extend",
        choices=sorted(BUNDLED),
        metavar="NAME",
        help=f"bundled scikit-learn datasets: {', '.join(sorted(BUNDLED))} "
        f"(default: {' '.join(DEFAULT_DATASETS)}); diabetes is the unscaled one",
    )
    data.add_argument(
        "--csv",
        metavar="PATH",
        help="a table with a header row: CSV with any delimiter, gzipped, or "
        "parquet (read by pandas where installed; categorical columns one-hot "
        "encoded, missing values filled with the median), or an .npz with X",
    )
    cmp.add_argument("--target", metavar="COL", help="the CSV column to predict")
    cmp.add_argument(
        "--task",
        choices=("auto", "regression", "classification"),
        default="auto",
        help="for --csv: 'auto' classifies a non-numeric target or one with at "
        "most 10 integer values, and regresses otherwise",
    )
    cmp.add_argument(
        "--estimator",
        nargs="+",
        action="extend",
        metavar="NAME",
        help=f"gdlearn estimators to compare ({', '.join(ESTIMATORS)}; case and "
        "the GD suffix optional); default: every one that applies",
    )


def _model_arguments(cmp: argparse.ArgumentParser) -> None:
    """The estimators' preprocessing and regularization."""
    cmp.add_argument(
        "--scale",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="standardize the features first (default: fit the raw features)",
    )
    cmp.add_argument(
        "--alpha",
        type=float,
        default=1.0,
        help="ridge, lasso and elastic-net alpha (default: 1)",
    )
    cmp.add_argument(
        "--l1-ratio",
        type=float,
        default=0.5,
        help="elastic-net l1_ratio (default: 0.5)",
    )
    cmp.add_argument(
        "--C",
        type=float,
        default=1.0,
        help="logistic regression C; inf for no penalty (default: 1)",
    )
    cmp.add_argument(
        "--solver",
        nargs="+",
        action="extend",
        metavar="NAME",
        help=f"gdlearn solvers to run: {', '.join(GDLEARN_SOLVERS)} "
        "(default: auto, accelerated, the subgradient method for lasso and "
        "elastic net, sgd)",
    )
    names: dict[tuple[str, ...], list[str]] = {}
    for e in ESTIMATORS:
        names.setdefault(sklearn_solver_names(e), []).append(e[:-2])
    cmp.add_argument(
        "--sklearn-solver",
        nargs="+",
        action="extend",
        metavar="NAME",
        help="scikit-learn solvers to run, each in the groups that take it: "
        + "; ".join(f"{', '.join(e)}: {', '.join(n)}" for n, e in names.items())
        + " (cd: coordinate descent, sgd: SGDRegressor/SGDClassifier; "
        "default: all but Ridge's lbfgs)",
    )


def _output_arguments(cmp: argparse.ArgumentParser) -> None:
    """How the fits are scored, timed and reported."""
    cmp.add_argument(
        "--test-size",
        type=float,
        default=0.25,
        help="held-out fraction for the score (default: 0.25; 0 scores on the training data)",
    )
    cmp.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="fits per estimator; the time is their median (default: 3)",
    )
    cmp.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="output format (default: table)",
    )
    cmp.add_argument(
        "--wide",
        action="store_true",
        help=f"name each fit by its class and parameters, at full width "
        f"(default: a table within {WIDTH} columns)",
    )
    cmp.add_argument(
        "--output",
        metavar="FILE",
        help="write the comparison to FILE instead of standard output",
    )
    cmp.add_argument(
        "--plot",
        metavar="PATH",
        help="save the loss curves of the gdlearn fits to PATH (needs matplotlib)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        _check(args)
        if args.plot:
            from .plotting import _pyplot

            _pyplot()
        wanted = estimator_names(args.estimator or ESTIMATORS)
        check_solvers(args.solver or (), wanted, "--solver", sklearn=False)
        check_solvers(
            args.sklearn_solver or (), wanted, "--sklearn-solver", sklearn=True
        )
        with _destination(args.output) as out:
            rows = _run(args, wanted, out)
        if args.plot:
            _save_plot(rows, args.plot)
    except (UsageError, ValueError, ImportError, OSError) as error:
        print(f"gdlearn: error: {error}", file=sys.stderr)
        return 2
    return 0


@contextlib.contextmanager
def _destination(path: str | None) -> Iterator[TextIO]:
    """Standard output, or the file ``--output`` names (written as it comes)."""
    if path is None:
        yield sys.stdout
        return
    try:
        file = open(path, "w")  # noqa: SIM115 (closed below, also on errors)
    except OSError as error:
        raise UsageError(f"--output: cannot write {path}: {error.strerror}") from None
    with file:
        yield file


def _run(args: argparse.Namespace, wanted: list[str], out: TextIO) -> list[dict]:
    """Every dataset's comparison; a table (or markdown) printed group by
    group as each is done, CSV and JSON at the end; the progress on a
    terminal's stderr (:mod:`gdlearn._progress`)."""
    rows: list[dict[str, Any]] = []
    streaming = args.format in ("table", "markdown")
    style = dict(scaled=args.scale, wide=args.wide)
    for name, X, y, task in _datasets(args):
        applicable = REGRESSORS if task == "regression" else CLASSIFIERS
        estimators = [e for e in wanted if e in applicable]
        progress = Progress(sys.stderr, len(estimators), name)
        groups = compare_groups(
            X,
            y,
            task=task,
            estimators=estimators,
            scale=args.scale,
            alpha=args.alpha,
            l1_ratio=args.l1_ratio,
            C=args.C,
            test_size=args.test_size,
            repeat=args.repeat,
            dataset=name,
            solvers=args.solver,
            sklearn_solvers=args.sklearn_solver,
        )
        try:
            for group in groups:
                if streaming:
                    progress.clear()
                    text = render(group, args.format, **style)
                    print(("\n" if rows else "") + text, end="", file=out, flush=True)
                progress.update()
                rows += group
        finally:
            progress.close()
    if not rows:
        raise UsageError(
            f"no dataset given suits {', '.join(wanted)} (the classifier needs "
            "a classification dataset, the regressors a regression one)"
        )
    if not streaming:
        print(render(rows, args.format, **style), end="", file=out)
    return rows


def _check(args: argparse.Namespace) -> None:
    if args.csv is None and args.target is not None:
        raise UsageError("--target goes with --csv")
    if args.csv is not None and args.target is None:
        raise UsageError("--csv needs --target COL, the column to predict")
    if args.plot and not Path(args.plot).resolve().parent.is_dir():
        raise UsageError(f"--plot: the folder of {args.plot} does not exist")
    for name, value, ok, expected in (
        ("--alpha", args.alpha, args.alpha >= 0, ">= 0"),
        ("--l1-ratio", args.l1_ratio, 0 <= args.l1_ratio <= 1, "in [0, 1]"),
        ("--C", args.C, args.C > 0, "> 0"),
        ("--test-size", args.test_size, 0 <= args.test_size < 1, "in [0, 1)"),
        ("--repeat", args.repeat, args.repeat >= 1, ">= 1"),
    ):
        if not ok:
            raise UsageError(f"{name} must be {expected}, got {value:g}")


def _datasets(args: argparse.Namespace) -> Iterator[tuple[str, Any, Any, str]]:
    """``(name, X, y, task)`` for each dataset asked for."""
    if args.csv is not None:
        X, y = read_table(args.csv, args.target)
        task = infer_task(y) if args.task == "auto" else args.task
        if task == "regression":
            y = y.astype(float)
        yield args.csv, X, y, task
        return
    for name in args.dataset or DEFAULT_DATASETS:
        task, load = BUNDLED[name]
        bunch = load()
        yield name, bunch.data, bunch.target, task


def read_table(
    path: str | os.PathLike[str], target: str
) -> tuple[np.ndarray, np.ndarray]:
    """Features and target of ``--csv PATH``: a ``.npz`` archive (arrays
    ``X`` and ``target``), else a table read through pandas where it is
    installed (:mod:`gdlearn._tables`: any delimiter, compression, parquet,
    categorical columns, missing values), else by :func:`read_csv`."""
    if str(path).lower().endswith(".npz"):
        return read_npz(path, target)
    try:
        import pandas as pd
    except ImportError:
        return read_csv(path, target)
    return read_frame(path, target, pd)


def read_csv(
    path: str | os.PathLike[str], target: str
) -> tuple[np.ndarray, np.ndarray]:
    """Features and target column of a CSV file with a header row.

    Every column but ``target`` must be numeric with no missing values; the
    target may hold labels of any kind.
    """
    try:
        with open(path, newline="") as file:
            lines = list(csv.reader(file))
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a text CSV file") from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    if not lines:
        raise UsageError(f"{path} is empty")
    header, records = [h.strip() for h in lines[0]], [r for r in lines[1:] if r]
    if target not in header:
        raise UsageError(f"{path} has no column {target!r}; it has {', '.join(header)}")
    if len(header) < 2 or not records:
        raise UsageError(f"{path} needs a header, at least one feature column and rows")
    for number, record in enumerate(records, start=2):
        if len(record) != len(header):
            raise UsageError(
                f"{path}, line {number}: {len(record)} fields, the header has {len(header)}"
            )
    columns = list(zip(*records, strict=True))
    j = header.index(target)
    features = []
    for name, column in zip(header, columns, strict=True):
        if name == target:
            continue
        if any(not v.strip() for v in column):
            raise UsageError(f"{path}: column {name!r} has missing values")
        try:
            values = np.array([float(v) for v in column])
        except ValueError:
            raise UsageError(f"{path}: column {name!r} is not numeric") from None
        if not np.all(np.isfinite(values)):
            raise UsageError(f"{path}: column {name!r} has missing or infinite values")
        features.append(values)
    y = np.array([v.strip() for v in columns[j]])
    if np.any(y == ""):
        raise UsageError(f"{path}: the target column {target!r} has missing values")
    with contextlib.suppress(ValueError):  # numbers, else labels as they are
        y = y.astype(float)
    return np.column_stack(features), y


def infer_task(y: np.ndarray) -> str:
    """'classification' for labels or at most 10 distinct integers, else 'regression'."""
    if y.dtype.kind not in "fiu":
        return "classification"
    integral = np.all(np.mod(y, 1) == 0)
    return "classification" if integral and len(np.unique(y)) <= 10 else "regression"


def _save_plot(rows: list[dict[str, Any]], path: str) -> None:
    """One panel per (dataset, group): the loss curves of the gdlearn fits."""
    from .plotting import LossCurveDisplay, _pyplot

    plt = _pyplot()
    panels: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        if hasattr(row["model"], "loss_curve_") and not row["error"]:
            panels.setdefault((row["dataset"], row["group"]), []).append(row)
    if not panels:
        raise UsageError("--plot: no gdlearn fit to plot")
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(5 * ncols, 3.6 * nrows), squeeze=False
    )
    for ax, ((dataset, group), panel) in zip(axes.flat, panels.items(), strict=False):
        LossCurveDisplay.from_estimators(
            [row["model"] for row in panel],
            names=[row["estimator"] for row in panel],
            kind="suboptimality",
            ax=ax,
        )
        ax.set_title(f"{dataset}: {group}", fontsize=10)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
