import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gdlearn import LogisticRegressionGD
from gdlearn.plotting import LossCurveDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

X, y = load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def fits():
    return [LogisticRegressionGD(solver=s).fit(X, y) for s in ("newton", "accelerated")]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_from_estimator_draws_the_objective(fits):
    display = LossCurveDisplay.from_estimator(fits[0])
    (line,) = display.lines_
    np.testing.assert_array_equal(line.get_ydata(), fits[0].loss_curve_)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, fits[0].n_iter_ + 1))
    assert line.get_label() == "LogisticRegressionGD(solver='newton')"
    assert display.ax_.get_yscale() == "linear"
    assert display.figure_ is display.ax_.figure
    assert display.ax_.get_xlabel() == "iteration"


def test_from_estimators_draws_the_suboptimality_on_one_axes(fits):
    _, ax = plt.subplots()
    display = LossCurveDisplay.from_estimators(
        fits, ax=ax, names=["newton", "nesterov"], kind="suboptimality", color="k"
    )
    assert display.ax_ is ax and len(ax.get_lines()) == 2
    best = min(min(fit.loss_curve_) for fit in fits)
    for line, fit in zip(display.lines_, fits, strict=True):
        expected = (np.asarray(fit.loss_curve_) - best) / abs(best)
        expected = np.maximum(expected, np.finfo(float).eps)
        np.testing.assert_allclose(line.get_ydata(), expected)
        assert line.get_color() == "k"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["newton", "nesterov"]
    assert ax.get_yscale() == "log"
    # newton's dozen iterations get markers, the accelerated hundreds a plain line
    assert [line.get_marker() for line in display.lines_] == ["o", "None"]


def test_reference_and_constructor():
    display = LossCurveDisplay([[3.0, 2.0, 1.5]], reference=1.0).plot(
        kind="suboptimality"
    )
    np.testing.assert_allclose(display.lines_[0].get_ydata(), [2.0, 1.0, 0.5])
    assert display.ax_.get_legend() is None


def test_pipeline_final_step(fits):
    pipe = make_pipeline(StandardScaler(), LogisticRegressionGD()).fit(X, y)
    display = LossCurveDisplay.from_estimator(pipe, name="scaled")
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), pipe[-1].loss_curve_)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda f: LossCurveDisplay.from_estimator(LogisticRegressionGD()),
            NotFittedError,
            "not fitted",
        ),
        (
            lambda f: LossCurveDisplay.from_estimator(Ridge().fit(X, y)),
            TypeError,
            "has no loss_curve_",
        ),
        (
            lambda f: LossCurveDisplay.from_estimator(f[0], kind="log"),
            ValueError,
            "kind must be one of",
        ),
        (
            lambda f: LossCurveDisplay.from_estimators(f, names=["one"]),
            ValueError,
            "1 names for 2 loss curves",
        ),
    ],
)
def test_errors(fits, call, error, message):
    with pytest.raises(error, match=message):
        call(fits)


def test_missing_matplotlib_names_the_extra(fits, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'gdlearn\[plot\]'"):
        LossCurveDisplay.from_estimator(fits[0])
