"""Shared plumbing for the ``python -m mtlhybrid.bin.<tool>`` entry points."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from typing import Callable, List, Optional

from mtlhybrid.utils.errors import MtlHybridError
from mtlhybrid.utils.log import setup_logging


def make_parser(prog: str, description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", "-v", type=int, default=0, help="verbosity level (0: info, 1: debug)")
    return p


def _tool_name(func) -> str:
    """The tool's name: its module's, or under ``python -m`` (module ``__main__``) the script's."""
    name = func.__module__.rsplit(".", 1)[-1]
    if name == "__main__":
        name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    return name


def tool_main(func: Callable[[Optional[List[str]]], int]) -> Callable[[Optional[List[str]]], int]:
    """Wrap a tool's ``main(argv)``: input errors print ``<tool>: ERROR: <message>`` and exit 1.

    Programming errors still show a traceback; user errors (MtlHybridError) show only the
    message, which names the file, line or utterance at fault.
    """

    @functools.wraps(func)
    def wrapper(argv: Optional[List[str]] = None) -> int:
        setup_logging()
        try:
            rc = func(argv)
        except MtlHybridError as e:
            prog = _tool_name(func)
            print(f"{prog}: ERROR: {e}", file=sys.stderr)
            return 1
        except BrokenPipeError:
            return 0
        return 0 if rc is None else rc

    return wrapper
