"""The rows of :func:`gdlearn.compare.compare` as text: a fixed-width table
per group, markdown, CSV or JSON (``gdlearn compare --format``)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import TYPE_CHECKING, Any

from ._candidates import short_label

if TYPE_CHECKING:
    from collections.abc import Sequence

HEADERS = {
    "estimator": "estimator",
    "objective": "objective",
    "gap": "rel. gap",
    "coef_diff": "max |Δcoef|",
    "score": "score",
    "time_ms": "time ms",
    "n_iter": "iter",
    "warnings": "warnings / error",
}
#: The table's headers within :data:`WIDTH` columns (``--wide``: HEADERS).
SHORT_HEADERS = dict(HEADERS, estimator="fit", coef_diff="Δcoef", warnings="warnings")
#: The width of the table unless ``wide``: the last column is cut to fit.
WIDTH = 100


def _cell(key: str, row: dict[str, Any], wide: bool = True) -> str:
    value = row[key]
    if not wide and key == "estimator" and "model" in row:
        return short_label(row["model"])
    if not wide and key == "objective" and isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.8g}"
    if key == "warnings":
        return row["error"] or value
    if key == "n_iter":
        return "-" if value is None else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return {
            "objective": f"{value:.9g}",
            "gap": "0" if value == 0 else f"{value:.1e}",
            "coef_diff": "0" if value == 0 else f"{value:.1e}",
            "score": f"{value:.4f}" if abs(value) < 1e4 else f"{value:.2e}",
            "time_ms": f"{value:.1f}",
        }[key]
    return str(value)


def render(
    rows: Sequence[dict[str, Any]],
    fmt: str = "table",
    *,
    scaled: bool = False,
    wide: bool = False,
) -> str:
    """The rows of :func:`gdlearn.compare.compare` as text in format ``fmt``.

    A table (or markdown) names each fit as ``--solver`` and
    ``--sklearn-solver`` do ('gdlearn auto (newton)', 'sklearn saga'), and
    a table keeps within :data:`WIDTH` columns; ``wide`` names each fit by
    its class and parameters, at full width.
    """
    if fmt == "json":
        records = [
            {
                k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in _record(row).items()
            }
            for row in rows
        ]
        return json.dumps(records, indent=2) + "\n"
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.DictWriter(
            text, fieldnames=list(_record(rows[0])) if rows else [], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(_record(row) for row in rows)
        return text.getvalue()
    out = []
    for dataset in dict.fromkeys(row["dataset"] for row in rows):
        mine = [row for row in rows if row["dataset"] == dataset]
        for group in dict.fromkeys(row["group"] for row in mine):
            block = [row for row in mine if row["group"] == group]
            title = f" ({'standardized' if scaled else 'raw'} features): {group}"
            room = WIDTH - len(title)
            if not wide and len(dataset) > room:  # a long path: its end
                title = "…" + dataset[-max(room - 1, 8) :] + title
            else:
                title = dataset + title
            scoring = block[0]["scoring"]
            if not wide:
                scoring = {"accuracy": "acc"}.get(scoring, scoring)
            headers = dict(HEADERS if wide else SHORT_HEADERS, score=f"test {scoring}")
            cells = [[_cell(key, row, wide) for key in headers] for row in block]
            if fmt == "markdown":
                out.append(_markdown(title, list(headers.values()), cells))
            else:
                width = None if wide else WIDTH
                out.append(_table(title, list(headers.values()), cells, width))
    return "\n".join(out)


def _record(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in row if key != "model"}


def _table(
    title: str, headers: list[str], cells: list[list[str]], width: int | None = None
) -> str:
    """Fixed-width columns: text left-aligned (first and last), numbers right;
    within ``width`` columns, where given, by dropping 'Warning' from the
    warnings' names, then cutting the first and the last column, marked '…'."""
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    text = {0, len(headers) - 1}
    if width is not None:
        rest = width - sum(widths[1:-1]) - 2 * (len(widths) - 1)
        if widths[0] + widths[-1] > rest:  # 'ConvergenceWarning' -> 'Convergence'
            for row in cells:
                row[-1] = row[-1].replace("Warning", "")
            widths[-1] = max(len(headers[-1]), *(len(c[-1]) for c in cells))
        widths[0] = min(widths[0], max(rest - min(widths[-1], 11), 12))
        widths[-1] = min(widths[-1], max(rest - widths[0], 1))
        headers = [_cut(h, w) for h, w in zip(headers, widths, strict=True)]
        cells = [[_cut(c, w) for c, w in zip(r, widths, strict=True)] for r in cells]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.ljust(w) if i in text else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    return "\n".join([title, line(headers), *map(line, cells)]) + "\n"


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def _markdown(title: str, headers: list[str], cells: list[list[str]]) -> str:
    align = [
        "---" if i in (0, len(headers) - 1) else "---:" for i in range(len(headers))
    ]
    lines = [f"**{title}**", "", _md_row(headers), _md_row(align)]
    lines += [_md_row([f"`{c[0]}`", *c[1:]]) for c in cells]
    return "\n".join(lines) + "\n"


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
