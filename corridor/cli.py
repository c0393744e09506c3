"""The `corridor` command: tools that run without the web app."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "link":
        from corridor.linkage.cli import main as link_main

        return link_main(args[1:])
    print("usage: corridor link INPUT.csv --out OUTPUT.csv", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
