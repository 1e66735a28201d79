"""`python -m bot` and the `touchpoint` script: the command line, in bot/cli/."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        # Loading the command line takes a few seconds; Ctrl-C meanwhile is an abort like
        # Ctrl-C in a command (click's "Aborted!", exit 1), not a traceback.
        from bot.cli import cli
    except KeyboardInterrupt:
        sys.stderr.write("\nAborted!\n")
        raise SystemExit(1) from None
    cli()


if __name__ == "__main__":
    main()
