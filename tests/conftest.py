import importlib.util
import os

import numpy as np
import pytest
from hypothesis import settings

# CI runs the same hypothesis examples every time (a red CI must mean a
# change broke something); HYPOTHESIS_PROFILE=explore draws new ones.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


DOCS_BUILD = "tests/test_docs.py::test_docs_build_without_warnings"
DOCS_TOOLS = ("sphinx", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Where the documentation build runs in this session, the scripts of
    examples/ run once, in its gallery (which checks their output and
    figures), not a second time in tests/test_examples.py."""
    if not any(item.nodeid == DOCS_BUILD for item in items):
        return
    if not all(importlib.util.find_spec(name) for name in DOCS_TOOLS):
        return
    skip = pytest.mark.skip(reason="run by the docs build's gallery (test_docs.py)")
    for item in items:
        if item.nodeid.startswith("tests/test_examples.py::test_example_runs"):
            item.add_marker(skip)
