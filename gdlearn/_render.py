"""The rows of :func:`gdlearn.compare.compare` as text: a fixed-width table
per group, markdown, CSV or JSON (``gdlearn compare --format``)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import TYPE_CHECKING, Any

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


def _cell(key: str, row: dict[str, Any]) -> str:
    value = row[key]
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
    rows: Sequence[dict[str, Any]], fmt: str = "table", *, scaled: bool = False
) -> str:
    """The rows of :func:`gdlearn.compare.compare` as text in format ``fmt``."""
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
            title = (
                f"{dataset} ({'standardized' if scaled else 'raw'} features): {group}"
            )
            headers = dict(HEADERS, score=f"test {block[0]['scoring']}")
            cells = [[_cell(key, row) for key in headers] for row in block]
            draw = _markdown if fmt == "markdown" else _table
            out.append(draw(title, list(headers.values()), cells))
    return "\n".join(out)


def _record(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in row if key != "model"}


def _table(title: str, headers: list[str], cells: list[list[str]]) -> str:
    """Fixed-width columns: text left-aligned (first and last), numbers right."""
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    text = {0, len(headers) - 1}

    def line(values: list[str]) -> str:
        return "  ".join(
            v.ljust(w) if i in text else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    return "\n".join([title, line(headers), *map(line, cells)]) + "\n"


def _markdown(title: str, headers: list[str], cells: list[list[str]]) -> str:
    align = [
        "---" if i in (0, len(headers) - 1) else "---:" for i in range(len(headers))
    ]
    lines = [f"**{title}**", "", _md_row(headers), _md_row(align)]
    lines += [_md_row([f"`{c[0]}`", *c[1:]]) for c in cells]
    return "\n".join(lines) + "\n"


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
