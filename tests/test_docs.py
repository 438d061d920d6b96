"""The documentation builds with warnings as errors, and the estimators' HTML
repr links to the API page the build generates (deselect the build with
``-m 'not docs'``; ``-m 'not examples'`` deselects it too, as it runs the
gallery's scripts)."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gdlearn import (
    ElasticNetGD,
    LassoGD,
    LinearRegressionGD,
    LogisticRegressionGD,
    RidgeGD,
)

ROOT = Path(__file__).resolve().parent.parent
ESTIMATORS = [LinearRegressionGD, RidgeGD, LassoGD, ElasticNetGD, LogisticRegressionGD]
DOCS_URL = "https://gdlearn.readthedocs.io/en/latest/"
GUIDE = (ROOT / "docs" / "user_guide.rst").read_text()
GUIDE_BLOCKS = [
    textwrap.dedent(block)
    for block in re.findall(r"^\.\. code:: python\n\n((?:   .*\n|\n)+)", GUIDE, re.M)
]


def _imports(block):
    return {m.split(".")[0] for m in re.findall(r"^(?:from|import) (\S+)", block, re.M)}


def test_user_guide_has_python_blocks():
    assert len(GUIDE_BLOCKS) >= 4
    assert all(block.strip() for block in GUIDE_BLOCKS)


@pytest.mark.parametrize(
    "block", GUIDE_BLOCKS, ids=[f"block{i}" for i in range(len(GUIDE_BLOCKS))]
)
def test_user_guide_python_blocks_run_as_copied(block):
    # each in a fresh interpreter, with no environment prepared for it (the
    # test suite's conftest sets SCIPY_ARRAY_API; a reader's shell does not)
    for name in sorted(_imports(block)):
        if importlib.util.find_spec(name) is None:
            pytest.skip(f"{name} is not installed")
    env = {k: v for k, v in os.environ.items() if k != "SCIPY_ARRAY_API"}
    env["MPLBACKEND"] = "Agg"
    result = subprocess.run(
        [sys.executable, "-c", block],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda E: E.__name__)
def test_html_repr_links_to_the_api_page(Estimator):
    url = Estimator()._get_doc_link()
    assert url == f"{DOCS_URL}generated/gdlearn.{Estimator.__name__}.html"
    assert f'href="{url}"' in Estimator()._repr_html_()


def test_every_estimator_has_an_api_entry():
    # docs/api.rst lists each estimator under ``.. currentmodule:: gdlearn``,
    # so autosummary names its page generated/gdlearn.<name>.html.
    api = (ROOT / "docs" / "api.rst").read_text()
    estimators = api.split(".. currentmodule:: gdlearn\n", 1)[1]
    estimators = estimators.split(".. currentmodule::", 1)[0]
    listed = {line.strip() for line in estimators.splitlines()}
    assert {E.__name__ for E in ESTIMATORS} <= listed


@pytest.mark.docs
@pytest.mark.examples
def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("pydata_sphinx_theme")
    pytest.importorskip("matplotlib")
    # A copy of docs/ and examples/: autosummary and sphinx-gallery write their
    # pages into the source tree, which here is the copy.
    ignore = shutil.ignore_patterns(
        "_build", "generated", "auto_examples", "sg_execution_times.rst"
    )
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=ignore)
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=ignore)
    html = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q"]
    figures = tmp_path / "figures"  # where each script saves its own figure
    figures.mkdir()
    result = subprocess.run(
        [*command, "-b", "html", str(tmp_path / "docs"), str(html)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "GDLEARN_FIGURES": str(figures)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ["index", "user_guide", "derivations", "api"]:
        assert (html / f"{page}.html").is_file(), page
    for Estimator in ESTIMATORS:
        page = Estimator()._get_doc_link().removeprefix(DOCS_URL)
        text = (html / page).read_text()
        assert "fit_intercept" in text and "coef_" in text, page
    # the derivations' labels that docstrings cite resolve to their sections
    ridge = (html / "generated" / "gdlearn.RidgeGD.html").read_text()
    assert "../derivations.html#derivations-" in ridge
    # every example ran, printed, and its figure is on its gallery page (the
    # checks of tests/test_examples.py, which skips where this build runs)
    for script in sorted((ROOT / "examples").glob("plot_*.py")):
        page = (html / "auto_examples" / f"{script.stem}.html").read_text()
        assert "sphx-glr-script-out" in page, script.name
        assert f"sphx_glr_{script.stem}_001.png" in page, script.name
        png = (figures / f"{script.stem}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n", script.name
        assert (html / "_images" / f"sphx_glr_{script.stem}_001.png").is_file()
