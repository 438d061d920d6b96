"""Loaded by pytest before any test module imports scipy or scikit-learn.

scipy reads ``SCIPY_ARRAY_API`` once, when it is first imported, and
scikit-learn refuses ``array_api_dispatch=True`` without it; the array API
checks of the test suite (scikit-learn's, on array_api_strict and PyTorch)
need it set to 1 before either is imported.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

# The doctests of modules whose optional dependency is absent are not collected:
# the test extra alone must give a green suite (matplotlib is the plot extra).
collect_ignore = []
try:
    import matplotlib  # noqa: F401
except ImportError:
    collect_ignore.append("gdlearn/plotting.py")

# gdlearn/_dask's modules import dask: their doctests run where the extra
# "dask" (dask[array], distributed) is installed
from importlib.util import find_spec

if find_spec("dask") is None or find_spec("distributed") is None:
    collect_ignore_glob = ["gdlearn/_dask/_*.py"]
