"""stdin/stdout plumbing for the line-filter tools (filter_scp, sym2int, ...).

Text is decoded as UTF-8 with ``surrogateescape`` so that bytes which are not UTF-8 pass
through unchanged, as they do through Kaldi's Perl scripts.
"""

from __future__ import annotations

import contextlib
import io
import sys
from typing import Callable, Iterable, Iterator, Sequence

from mtlhybrid.utils.errors import DataError


class _StdoutBytes:
    """Writes text to stdout's byte stream (surrogate-escaped bytes restored); never closes it."""

    def __init__(self):
        self._buf = getattr(sys.stdout, "buffer", None)

    def write(self, s: str) -> None:
        if self._buf is None:
            sys.stdout.write(s)
        else:
            self._buf.write(s.encode("utf-8", errors="surrogateescape"))

    def flush(self) -> None:
        (self._buf or sys.stdout).flush()


def stdout_text() -> _StdoutBytes:
    sys.stdout.flush()
    return _StdoutBytes()


@contextlib.contextmanager
def open_input(path: str):
    if path == "-":
        yield io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape")
        return
    try:
        f = open(path, encoding="utf-8", errors="surrogateescape")
    except OSError as e:
        raise DataError(f"cannot open: {e.strerror}", path=path)
    with f:
        yield f


def input_lines(paths: Sequence[str]) -> Iterator[str]:
    """Lines of the files in order (stdin when there are none), newline kept."""
    for p in paths or ["-"]:
        with open_input(p) as f:
            yield from f


def map_inputs(mapper, paths: Sequence[str]) -> None:
    out = stdout_text()
    for p in paths or ["-"]:
        with open_input(p) as f:
            for lineno, line in enumerate(f, start=1):
                out.write(mapper.map_line(line, lineno, "stdin" if p == "-" else p) + "\n")
    out.flush()


def run_table_filter(argv, prog: str, doc: str, metavar: str, transform: Callable[[Iterable[str]], Iterable[str]]) -> int:
    """A whole ``*.pl`` table converter: the files named (stdin when none) through ``transform``, lines to stdout.

    utt2spk_to_spk2utt and spk2utt_to_utt2spk differ only in ``transform``.
    """
    from mtlhybrid.utils.cli import make_parser

    p = make_parser(prog, doc)
    p.add_argument("inputs", nargs="*", metavar=metavar)
    a = p.parse_args(argv)
    out = stdout_text()
    for line in transform(input_lines(a.inputs)):
        out.write(line + "\n")
    out.flush()
    return 0
