"""The progress of ``gdlearn compare`` on a terminal's standard error: a
tqdm bar where tqdm is installed (the ``progress`` extra), else a plain
line rewritten in place; nothing when standard error is not a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import TextIO


def _tqdm() -> Any:
    """tqdm's bar class, or None where it is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


class Progress:
    """Groups done out of ``total`` for dataset ``name`` on ``stream``.

    :meth:`clear` takes the bar or line off the terminal before a table is
    printed there, :meth:`update` counts a group and draws it again.
    """

    def __init__(self, stream: TextIO, total: int, name: str) -> None:
        self.stream, self.total, self.name, self.done = stream, total, name, 0
        self.shown = total > 0 and stream.isatty()
        tqdm = _tqdm() if self.shown else None
        self.bar = (
            None
            if tqdm is None
            else tqdm(total=total, desc=name, unit="group", file=stream, leave=False)
        )
        self._draw()

    def _draw(self) -> None:
        if self.shown and self.bar is None:
            line = f"{self.name}: {self.done}/{self.total} groups"
            print(f"\r{line}", end="", file=self.stream, flush=True)

    def clear(self) -> None:
        if self.bar is not None:
            self.bar.clear()
        elif self.shown:
            width = len(f"{self.name}: {self.done}/{self.total} groups")
            print("\r" + " " * width + "\r", end="", file=self.stream, flush=True)

    def update(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update()
            self.bar.refresh()  # drawn again at once, after clear()
        self._draw()

    def close(self) -> None:
        """Take the progress off the terminal."""
        if self.bar is not None:
            self.bar.close()
        else:
            self.clear()
