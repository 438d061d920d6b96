"""Loaded by pytest before any test module imports scipy or scikit-learn.

scipy reads ``SCIPY_ARRAY_API`` once, when it is first imported, and
scikit-learn refuses ``array_api_dispatch=True`` without it; the array API
checks of the test suite (scikit-learn's, on array_api_strict and PyTorch)
need it set to 1 before either is imported.
"""

import os
from importlib.util import find_spec

os.environ.setdefault("SCIPY_ARRAY_API", "1")

# The doctests of modules whose optional dependency is absent are not collected:
# the test extra alone must give a green suite (matplotlib is the plot extra).
collect_ignore = [] if find_spec("matplotlib") else ["gdlearn/plotting.py"]

# gdlearn/_dask's modules import dask: their doctests run where the extra
# "dask" (dask[array], distributed) is installed
if find_spec("dask") is None or find_spec("distributed") is None:
    collect_ignore_glob = ["gdlearn/_dask/_*.py"]


def pytest_terminal_summary(terminalreporter):
    """The skipped tests in one line per reason, counted: most are array
    libraries and devices this machine does not have (CuPy, dpnp, a GPU)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = {}
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    terminalreporter.section(f"{len(skipped)} skipped", sep="-")
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{count:5d}  {reason}")
