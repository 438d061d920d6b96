"""Sphinx configuration of gdlearn's documentation.

Build it (warnings are errors) from the repository root with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gdlearn  # noqa: E402

# The gallery runs examples/plot_*.py; each one also saves its figure with
# savefig, into $GDLEARN_FIGURES, which here is a scratch folder so that a
# build never rewrites the figures committed in examples/figures/.
os.environ.setdefault("GDLEARN_FIGURES", tempfile.mkdtemp(prefix="gdlearn-figures-"))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "gdlearn"
author = "gdlearn developers"
copyright = "gdlearn developers"  # noqa: A001
release = gdlearn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax bundled into _static: math renders offline
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build"]
templates_path = ["_templates"]

# API reference: autosummary writes one page per object into generated/, named
# after the object's public path (generated/gdlearn.RidgeGD.html); the
# estimators' HTML repr links there (gdlearn/linear_model/_docs.py).
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"  # the numpydoc sections state the types

# numpydoc writes the class's method table itself from the docstring; the
# members autosummary would list again are the scikit-learn ones.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# sphinx-gallery: every examples/plot_*.py is run and its figures captured.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # the "Examples using ..." lists on the API pages
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("gdlearn",),
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "abort_on_example_error": True,
    "show_memory": False,
    "plot_gallery": "True",
}

html_theme = "pydata_sphinx_theme"
html_title = f"gdlearn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False


def _skip_scikit_learn_members(app, what, name, obj, skip, options):
    """Document the methods gdlearn defines; those an estimator inherits from
    scikit-learn (``get_params``, ``score``, ...) are documented there, and
    their docstrings cite labels of scikit-learn's own site."""
    module = getattr(obj, "__module__", None) or ""
    if module.split(".")[0] == "sklearn":
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_scikit_learn_members)


html_static_path = ["_static"]
html_css_files = ["gdlearn.css"]
