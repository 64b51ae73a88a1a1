"""The ``sohoa`` command: Vietnamese first, English where it helps. One module per command group;
importing them registers their commands on ``app``."""

import sys

from repository.cli import access, batches, ecopies, officers, reading, serve, stewards  # noqa: F401
from repository.cli.app import app


def main() -> None:
    sys.exit(app())


__all__ = ["app", "main"]
