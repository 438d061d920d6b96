"""``python -m gdlearn``: the ``gdlearn`` command line (:mod:`gdlearn.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
