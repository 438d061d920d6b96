"""The data of ``gdlearn compare --csv``: a table read through pandas where it
is installed (any delimiter, gzip and other compressions, parquet), or a
``.npz`` archive; categorical columns one-hot encoded, missing values filled
in with a note."""

from __future__ import annotations

import bz2
import csv
import gzip
import lzma
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import os


class TableError(ValueError):
    """A table that cannot be read as features and a target: one line."""


def read_npz(
    path: str | os.PathLike[str], target: str
) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and the array named ``target`` of a NumPy ``.npz`` archive."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            if "X" not in names or target not in names:
                raise TableError(
                    f"{path} must hold arrays 'X' and {target!r}; it has "
                    f"{', '.join(names) or 'none'}"
                )
            X, y = np.asarray(archive["X"], dtype=float), np.asarray(archive[target])
    except (OSError, ValueError) as error:
        if isinstance(error, TableError):
            raise
        raise TableError(f"cannot read {path}: {error}") from None
    if X.ndim != 2 or y.shape[:1] != X.shape[:1]:
        raise TableError(
            f"{path}: X must be 2-D with as many rows as {target!r}, got "
            f"{X.shape} and {y.shape}"
        )
    if not np.all(np.isfinite(X)):
        raise TableError(f"{path}: X has missing or infinite values")
    return X, y


def read_frame(
    path: str | os.PathLike[str], target: str, pd
) -> tuple[np.ndarray, np.ndarray]:
    """Features and target of a table read by pandas ``pd``."""
    try:
        if Path(path).suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:  # the delimiter sniffed, the compression from the suffix
            frame = _read_csv(path, pd)
    except pd.errors.EmptyDataError:
        raise TableError(f"{path} is empty") from None
    except ImportError as error:
        raise TableError(f"cannot read {path}: {error}") from None
    except UnicodeDecodeError:
        raise TableError(f"{path} is not a text CSV file") from None
    except OSError as error:
        raise TableError(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, pd.errors.ParserError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise TableError(f"{path} is not a table pandas can read: {first}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if target not in frame.columns:
        raise TableError(
            f"{path} has no column {target!r}; it has {', '.join(frame.columns)}"
        )
    if frame.shape[1] < 2 or frame.shape[0] == 0:
        raise TableError(f"{path} needs a header, at least one feature column and rows")
    y = frame.pop(target)
    if y.isna().any():
        raise TableError(f"{path}: the target column {target!r} has missing values")
    return _features(frame, path, pd), _target(y, pd)


def _read_csv(path, pd):
    """``pd.read_csv`` with the delimiter sniffed among ``, ; tab |`` from the
    start of the (decompressed) text, ``,`` where nothing else fits."""
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(
        Path(path).suffix.lower(), open
    )
    with opener(path, "rt", newline="") as file:
        sample = file.read(1 << 16)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    return pd.read_csv(path, sep=delimiter)


def _features(frame, path, pd) -> np.ndarray:
    """Numeric columns with their missing values filled by the median (noted
    on stderr), the others one-hot encoded (a missing value its own level)."""
    numeric = frame.select_dtypes(include="number")
    for name in numeric.columns:
        column = numeric[name].astype(float)
        if np.isinf(column).any():
            raise TableError(f"{path}: column {name!r} has infinite values")
        missing = int(column.isna().sum())
        if missing == len(column):
            raise TableError(f"{path}: column {name!r} has no values")
        if missing:
            median = float(column.median())
            print(
                f"gdlearn: note: {missing} missing value(s) in column {name!r} "
                f"filled with its median, {median:g}",
                file=sys.stderr,
            )
            frame[name] = column.fillna(median)
    categorical = [c for c in frame.columns if c not in numeric.columns]
    for name in categorical:
        missing = int(frame[name].isna().sum())
        if missing:
            print(
                f"gdlearn: note: {missing} missing value(s) in column {name!r} "
                "encoded as a category of their own",
                file=sys.stderr,
            )
    if categorical:
        frame = pd.get_dummies(
            frame,
            columns=categorical,
            dummy_na=bool(frame[categorical].isna().any().any()),
        )
    return frame.to_numpy(dtype=float)


def _target(y, pd) -> np.ndarray:
    """The target as numbers where they are, else labels as strings."""
    if pd.api.types.is_numeric_dtype(y):
        return y.to_numpy(dtype=float)
    return y.astype(str).str.strip().to_numpy()
