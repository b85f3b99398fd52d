"""The runner: imports every module under bench/ (each registers its figures), runs them on
scratch databases and prints one JSON object per line: {"name", "value", "unit", "target",
"role", "floor", "ratio", "statements"} (see `bench.core.Result`).

    python -m bench [--only NAME] [--keep] [--list]

A later issue adds its figures by adding a module under bench/ with `@figure` functions.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Painting and start-up figures run without a display, like the tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.core import REGISTRY, Context, Measure, Result, Skip
from studiosync_desktop.testing import superuser_server_url

NOT_FIGURES = {"core", "run", "__main__", "relay", "desk_path", "file_keyring"}


def load_figures() -> list[Measure]:
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name not in NOT_FIGURES:
            importlib.import_module(f"bench.{module.name}")
    return list(REGISTRY)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", metavar="NAME", help="run one figure (or names starting so)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    parser.add_argument(
        "--reuse-large",
        metavar="URL",
        help="use this large demo (kept by --keep) instead of building one",
    )
    args = parser.parse_args(argv)

    measures = load_figures()
    if args.only:
        measures = [m for m in measures if m.name == args.only or m.name.startswith(args.only)]
        if not measures:
            print(f"No figure is called {args.only!r}; see --list.", file=sys.stderr)
            return 2
    if args.list:
        for m in measures:
            print(m.name)
        return 0

    failed = False
    with superuser_server_url() as server_url:
        ctx = Context(server_url, keep=args.keep, reuse_large=args.reuse_large)
        try:
            for m in measures:
                try:
                    value = m.run(ctx)
                except Skip as exc:
                    print(f"# skipped {m.name}: {exc}", file=sys.stderr)
                    continue
                except Exception as exc:  # noqa: BLE001 (one broken figure must not hide the others)
                    failed = True
                    print(f"# failed {m.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    continue
                result = value if isinstance(value, Result) else Result(value)
                print(json.dumps(result.line(m.name, m.unit, m.target)), flush=True)
        finally:
            for url in ctx.close():
                print(f"# kept: {url}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
