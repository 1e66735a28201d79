"""`python -m bot` and the `touchpoint` script: the command line, in bot/cli/."""

from __future__ import annotations

from bot.cli import cli


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
