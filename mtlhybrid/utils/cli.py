"""Shared plumbing for the ``python -m mtlhybrid.bin.<tool>`` entry points."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from typing import Callable, List, Optional

from mtlhybrid.utils.errors import MtlHybridError
from mtlhybrid.utils.log import get_logger, set_verbosity, setup_logging


class _Verbose(argparse.Action):
    """``--verbose N`` sets the log level as soon as it is parsed, as Kaldi's --verbose sets
    its VLOG level: 0 logs INFO and up, 1 or more adds DEBUG (starting with the command line)."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        set_verbosity(values)
        get_logger(parser.prog).debug("command line: %s", " ".join(sys.argv))


def make_parser(prog: str, description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", "-v", type=int, default=0, action=_Verbose,
                   help="verbosity level (0: info, 1 or more: also debug messages)")
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
