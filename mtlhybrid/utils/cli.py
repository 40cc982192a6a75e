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
    message, which names the file, line or utterance at fault. So do conditions of the
    environment that the user must fix, not the code: a full disk, a path that cannot be
    written or read (permissions, missing directory), and Ctrl-C (exit status 130).
    """

    @functools.wraps(func)
    def wrapper(argv: Optional[List[str]] = None) -> int:
        setup_logging()
        try:
            rc = func(argv)
        except MtlHybridError as e:
            return _error(func, str(e))
        except BrokenPipeError:
            return 0
        except KeyboardInterrupt:
            _error(func, "interrupted (Ctrl-C); outputs of this run are incomplete")
            return 130
        except OSError as e:
            msg = environment_error_message(e)
            if msg is None:
                raise
            return _error(func, msg)
        return 0 if rc is None else rc

    return wrapper


def _error(func, msg: str) -> int:
    print(f"{_tool_name(func)}: ERROR: {msg}", file=sys.stderr)
    return 1


def environment_error_message(e: OSError) -> Optional[str]:
    """One line for an OSError the user must fix (full disk, permissions, a missing file), naming the path.

    None for OSErrors without a path other than a full disk: those may be bugs, and keep
    their traceback.
    """
    from mtlhybrid.utils.errors import is_disk_full

    where = e.filename if e.filename is not None else None
    if is_disk_full(e):
        return f"no space left on device: {where}" if where else "no space left on device"
    if where is None:
        return None
    if isinstance(e, PermissionError):
        return f"permission denied: {where}"
    return f"{e.strerror or e}: {where}" + (f" -> {e.filename2}" if e.filename2 else "")

