import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris

from gdlearn import cli
from gdlearn.compare import COLUMNS


def run(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_default_command_compares_all_five_estimators(capsys):
    status, out, err = run(capsys, "compare", "--repeat", "1")
    assert status == 0 and err == ""
    for title in (
        "diabetes (raw features): least squares",
        "diabetes (raw features): ridge alpha=1",
        "diabetes (raw features): lasso alpha=1",
        "diabetes (raw features): elastic net alpha=1 l1_ratio=0.5",
        "breast_cancer (raw features): logistic C=1",
        "wine (raw features): logistic C=1",
    ):
        assert title in out
    assert out.count("\ngdlearn auto (newton) ") == 6  # one per group
    assert "\nsklearn sag " in out and "\nsklearn sgd " in out
    assert out.count("\ngdlearn subgradient ") == 2  # lasso, elastic net
    assert max(map(len, out.splitlines())) <= 100


def _csv(path, header, rows):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_formats(capsys, fmt):
    argv = ["compare", "--dataset", "iris", "--repeat", "1", "--format", fmt]
    status, out, _ = run(capsys, *argv)
    assert status == 0
    names = [
        "LogisticRegressionGD()",
        "LogisticRegressionGD(solver='accelerated')",
        "LogisticRegression()",
    ]
    if fmt == "json":
        records = json.loads(out)
        assert list(records[0]) == list(COLUMNS)
        assert [r["estimator"] for r in records][:3] == names
        assert records[0]["gap"] == 0 and records[0]["scoring"] == "accuracy"
    elif fmt == "csv":
        records = list(csv.DictReader(io.StringIO(out)))
        assert list(records[0]) == list(COLUMNS)
        assert [r["estimator"] for r in records][:3] == names
        assert float(records[0]["objective"]) > 0
    elif fmt == "markdown":
        lines = out.splitlines()
        assert lines[0] == "**iris (raw features): logistic C=1**"
        assert lines[2].startswith("| fit | objective | rel. gap | Δcoef |")
        assert lines[4].startswith("| `gdlearn auto (newton)` |")
    else:
        lines = out.splitlines()
        assert lines[1].split()[:4] == ["fit", "objective", "rel.", "gap"]
        assert lines[2].startswith("gdlearn auto (newton) ")


def test_csv_input_regression_and_labels(capsys, tmp_path):
    X, y = load_diabetes(return_X_y=True, scaled=False)
    header = [f"x{j}" for j in range(X.shape[1])] + ["target"]
    path = _csv(tmp_path / "d.csv", header, np.column_stack([X, y]).tolist())
    argv = ["compare", "--csv", path, "--target", "target", "--estimator", "ridge"]
    status, out, _ = run(capsys, *argv, "--repeat", "1")
    assert status == 0 and "ridge alpha=1" in out and "test r2" in out
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    rows = [[*x, label] for x, label in zip(X.tolist(), labels, strict=True)]
    path = _csv(tmp_path / "iris.csv", ["a", "b", "c", "d", "species"], rows)
    status, out, _ = run(capsys, "compare", "--csv", path, "--target", "species")
    assert status == 0 and "logistic C=1" in out and "test acc " in out


def test_infer_task():
    assert cli.infer_task(np.array(["a", "b"])) == "classification"
    assert cli.infer_task(np.array([0.0, 1.0, 2.0, 1.0])) == "classification"
    assert cli.infer_task(np.arange(50.0)) == "regression"
    assert cli.infer_task(np.array([0.5, 1.0])) == "regression"


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "required: command"),
        (["compare", "--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["compare", "--format", "xml"], "invalid choice: 'xml'"),
        (["compare", "--alpha", "abc"], "invalid float value: 'abc'"),
        (["compare", "--alpha", "-1"], "--alpha must be >= 0, got -1"),
        (["compare", "--l1-ratio", "2"], "--l1-ratio must be in [0, 1], got 2"),
        (["compare", "--C", "0"], "--C must be > 0, got 0"),
        (["compare", "--test-size", "1"], "--test-size must be in [0, 1), got 1"),
        (["compare", "--repeat", "0"], "--repeat must be >= 1, got 0"),
        (["compare", "--estimator", "svm"], "unknown estimator 'svm'"),
        (
            ["compare", "--dataset", "iris", "--estimator", "ridge"],
            "no dataset given suits RidgeGD",
        ),
        (["compare", "--target", "y"], "--target goes with --csv"),
        (["compare", "--csv", "x.csv"], "--csv needs --target"),
        (
            ["compare", "--csv", "x.csv", "--dataset", "iris"],
            "not allowed with argument",
        ),
        (
            ["compare", "--csv", "/no/such.csv", "--target", "y"],
            "cannot read /no/such.csv",
        ),
        (
            ["compare", "--plot", "/no/such/folder/p.png"],
            "the folder of /no/such/folder/p.png",
        ),
        (["compare", "--scale", "--no-such-option"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_get_one_line(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("gdlearn: error: ") and err.count("\n") == 1
    assert message in err


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "is not a text CSV file"),
        (b"a,b,y\n1,2,0\n", "has no column 'target'; it has a, b, y"),
        (b"a,target\n1,x\n2,\n", "the target column 'target' has missing values"),
        (b"a,b,target\n1,inf,0\n2,3,1\n", "column 'b' has infinite values"),
        (b"a,b,target\n1,,0\n2,,1\n", "column 'b' has no values"),
        (b"a,b,target\n1,2,0\n2,3\n", "the target column 'target' has missing"),
        (b"target\n1\n2\n", "at least one feature column"),
    ],
)
def test_unreadable_csv_gets_one_line(capsys, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    status, _, err = run(capsys, "compare", "--csv", str(path), "--target", "target")
    assert status == 2 and err.count("\n") == 1
    assert message in err


def test_plot_saves_the_loss_curves(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    argv = ["compare", "--dataset", "iris", "--repeat", "1", "--plot", str(path)]
    status, _, _ = run(capsys, *argv)
    assert status == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_python_dash_m():
    argv = ["compare", "--dataset", "iris", "--repeat", "1", "--format", "json"]
    done = subprocess.run(
        [sys.executable, "-m", "gdlearn", *argv], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["estimator"] == "LogisticRegressionGD()"


def test_each_group_is_printed_as_soon_as_it_is_done(capsys, monkeypatch):
    """The table of a group reaches standard output before the next group's
    fits start (21 s of silence on the bundled default, before)."""
    import gdlearn.compare as compare_module

    seen = []
    fit_once = compare_module.fit_once

    def spy(model, X, y):
        seen.append(capsys.readouterr().out)  # what was printed before this fit
        return fit_once(model, X, y)

    monkeypatch.setattr(compare_module, "fit_once", spy)
    status = cli.main(["compare", "--dataset", "diabetes", "--repeat", "1"])
    assert status == 0
    printed = "".join(seen)
    assert "least squares" in printed  # the first group, before the last fits
    assert "elastic net" not in printed  # the last group, only after its fits


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_output_writes_the_file_not_stdout(capsys, tmp_path, fmt):
    path = tmp_path / "out.txt"
    args = ["compare", "--dataset", "iris", "--repeat", "1", "--format", fmt]
    status, out, err = run(capsys, *args, "--output", str(path))
    assert (status, out, err) == (0, "", "")
    written = path.read_text()
    assert "logistic C=1" in written if fmt == "table" else json.loads(written)
    status, out, _ = run(capsys, *args)
    assert len(out.splitlines()) == len(written.splitlines())


def test_output_to_a_missing_folder_gets_one_line(capsys, tmp_path):
    path = tmp_path / "no" / "out.txt"
    status, out, err = run(
        capsys, "compare", "--dataset", "iris", "--output", str(path)
    )
    assert status == 2 and out == "" and err.startswith("gdlearn: error: --output")


def test_tables_of_mixed_types_with_missing_values(capsys, tmp_path):
    """A ';'-delimited, gzipped table with a categorical column and missing
    values: one-hot encoded, filled with the median (said on stderr)."""
    import gzip

    rng = np.random.default_rng(0)
    n = 120
    size = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    y = 2 * size + (colour == "red") + 0.1 * rng.normal(size=n)
    lines = ["size;colour;y"] + [
        f"{'' if i % 10 == 0 else f'{s:.6f}'};{c};{t:.6f}"
        for i, (s, c, t) in enumerate(zip(size, colour, y, strict=True))
    ]
    path = tmp_path / "mixed.csv.gz"
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    argv = ["compare", "--csv", str(path), "--target", "y", "--estimator", "ridge"]
    status, out, err = run(capsys, *argv, "--repeat", "1")
    assert status == 0 and "ridge alpha=1" in out
    assert "12 missing value(s) in column 'size' filled with its median" in err
    X, target = cli.read_table(path, "y")
    assert X.shape == (n, 4) and target.shape == (n,)  # size + 3 colours


def test_npz_input(capsys, tmp_path):
    X, y = load_iris(return_X_y=True)
    path = tmp_path / "iris.npz"
    np.savez(path, X=X, species=y)
    status, out, _ = run(
        capsys, "compare", "--csv", str(path), "--target", "species", "--repeat", "1"
    )
    assert status == 0 and "logistic C=1" in out
    status, _, err = run(capsys, "compare", "--csv", str(path), "--target", "y")
    assert status == 2 and "must hold arrays 'X' and 'y'" in err


def test_without_pandas_the_csv_reader_is_used(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b,target\n1,x,0\n2,3,1\n")
    status, _, err = run(capsys, "compare", "--csv", str(path), "--target", "target")
    assert status == 2 and "column 'b' is not numeric" in err


def _widths(text):
    return max(map(len, text.splitlines()))


def test_wide_names_each_fit_by_its_class_and_parameters(capsys):
    argv = ["compare", "--dataset", "breast_cancer", "--repeat", "1"]
    status, out, _ = run(capsys, *argv, "--wide")
    assert status == 0
    lines = out.splitlines()
    assert lines[1].split()[:5] == ["estimator", "objective", "rel.", "gap", "max"]
    assert lines[2].startswith("LogisticRegressionGD() ")
    assert "\nLogisticRegression(solver='saga') " in out
    assert "ConvergenceWarning" in out and _widths(out) > 100


def test_table_of_a_long_path_keeps_within_100_columns(capsys, tmp_path):
    """Long column names, a long file name, a long error: every line printed
    (stdout and stderr) within 100 columns, the group's title kept whole."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    header = [f"a_rather_long_feature_name_number_{j}_of_three" for j in range(3)]
    folder = tmp_path / ("a_folder_with_a_long_name_" * 3)
    folder.mkdir()
    y = X @ [1.0, -2.0, 0.5]
    rows = np.column_stack([X, y]).tolist()
    path = _csv(folder / "measurements_2026.csv", [*header, "target_value"], rows)
    argv = ["compare", "--csv", path, "--target", "target_value", "--repeat", "1"]
    status, out, err = run(capsys, *argv, "--solver", "auto", "lbfgs")
    assert status == 0
    assert (
        "measurements_2026.csv (raw features): elastic net alpha=1 l1_ratio=0.5" in out
    )
    lbfgs = [line for line in out.splitlines() if "gdlearn lbfgs " in line]
    assert ["ValueError: solver='lb" in line for line in lbfgs] == [0, 0, 1, 1]
    assert _widths(out) <= 100 and (not err or _widths(err) <= 100)


@pytest.mark.parametrize(
    ("argv", "gdlearn", "sklearn"),
    [
        (["--solver", "newton", "lbfgs"], ["newton", "lbfgs"], None),
        (["--sklearn-solver", "saga", "sgd"], None, ["saga", "sgd"]),
        (
            ["--solver", "gd", "--sklearn-solver", "newton-cg", "--solver", "sgd"],
            ["gd", "sgd"],
            ["newton-cg"],
        ),
    ],
)
def test_solver_runs_only_the_solvers_chosen(capsys, argv, gdlearn, sklearn):
    base = ["compare", "--dataset", "breast_cancer", "--repeat", "1", "--format"]
    status, out, _ = run(capsys, *base, "json", *argv)
    assert status == 0
    models = [r["estimator"] for r in json.loads(out)]
    ours = [m for m in models if m.startswith("LogisticRegressionGD")]
    theirs = [m for m in models if not m.startswith("LogisticRegressionGD")]
    default_ours = ["auto", "accelerated", "sgd"]
    assert [_solver(m) for m in ours] == (gdlearn or default_ours)
    default_theirs = ["lbfgs", "newton-cholesky", "newton-cg", "sag", "saga"]
    default_theirs += ["liblinear", "sgd"]
    assert [_solver(m) for m in theirs] == (sklearn or default_theirs)


def _solver(label):
    if label.startswith("SGD"):
        return "sgd"
    found = label.split("solver='")
    return (
        found[1].split("'")[0]
        if len(found) > 1
        else {
            "LogisticRegressionGD()": "auto",
            "LogisticRegression()": "lbfgs",
        }[label]
    )


def test_sklearn_solver_fits_each_group_that_takes_it(capsys):
    argv = ["compare", "--dataset", "diabetes", "--repeat", "1", "--format", "csv"]
    status, out, _ = run(capsys, *argv, "--solver", "newton", "--sklearn-solver", "cd")
    assert status == 0
    models = [r["estimator"] for r in csv.DictReader(io.StringIO(out))]
    assert models == [
        "LinearRegressionGD(solver='newton')",
        "RidgeGD(solver='newton')",
        "LassoGD(solver='newton')",
        "Lasso()",
        "ElasticNetGD(solver='newton')",
        "ElasticNet()",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--solver", "adam"], "--solver: unknown solver 'adam'"),
        (["--sklearn-solver", "newton"], "--sklearn-solver: unknown solver 'newton'"),
        (
            ["--estimator", "lasso", "--sklearn-solver", "saga"],
            "--sklearn-solver: unknown solver 'saga' for LassoGD; choose from cd, sgd",
        ),
    ],
)
def test_bad_solver_names_get_one_line_naming_the_option(capsys, argv, message):
    status, out, err = run(capsys, "compare", *argv)
    assert status == 2 and out == "" and message in err
    assert err.count("\n") == 1


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("with_tqdm", [False, True])
def test_progress_on_a_terminal_only(capsys, monkeypatch, with_tqdm):
    """A tqdm bar where tqdm is installed, else a plain line; on a terminal's
    stderr only (a pipe, here capsys, gets nothing)."""
    from gdlearn import _progress

    drawn = []

    class FakeBar:
        def __init__(self, *, total, desc, file, **_):
            drawn.append(("new", total, desc))
            self.file = file

        def update(self):
            drawn.append("update")

        def clear(self):
            drawn.append("clear")

        def refresh(self):
            pass

        def close(self):
            drawn.append("close")

    monkeypatch.setattr(_progress, "_tqdm", lambda: FakeBar if with_tqdm else None)
    argv = ["compare", "--dataset", "diabetes", "--repeat", "1", "--solver", "newton"]
    argv += ["--sklearn-solver", "lstsq", "cd", "cholesky"]
    status, _, err = run(capsys, *argv)
    assert status == 0 and err == "" and drawn == []  # not a terminal
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "elastic net" in out
    if with_tqdm:
        assert drawn == [("new", 4, "diabetes")] + ["clear", "update"] * 4 + ["close"]
        assert terminal.getvalue() == ""
    else:
        shown = terminal.getvalue()
        for done in range(5):
            assert f"\rdiabetes: {done}/4 groups" in shown
        assert shown.endswith("\r")  # the line taken off at the end


def test_progress_with_the_real_tqdm(monkeypatch):
    tqdm = pytest.importorskip("tqdm")
    from gdlearn._progress import Progress

    terminal = _Terminal()
    progress = Progress(terminal, 3, "wine")
    assert isinstance(progress.bar, tqdm.tqdm)
    for _ in range(3):
        progress.clear()
        progress.update()
    progress.close()
    assert "wine" in terminal.getvalue() and "3/3" in terminal.getvalue()


def test_help_lists_the_solver_names_of_each_group():
    parser = cli.build_parser()
    (compare,) = parser._subparsers._group_actions[0].choices.values()
    text = " ".join(compare.format_help().split())
    assert "auto, newton, lbfgs, accelerated, gd, sgd" in text
    assert "Lasso, ElasticNet: cd, sgd" in text
    assert "LogisticRegression: lbfgs, liblinear, newton-cg, newton-cholesky" in text
