"""Kaldi's rxfilenames and wxfilenames (``kaldi-io.h``): byte streams of files, stdin/stdout and pipes.

``open_input("gunzip -c a.gz |")``, ``open_input("-")``, ``open_output("| gzip -c > a.gz")``,
plain files (gzip data recognised by its magic number; outputs written atomically). What
the bytes mean (archives, scripts, r/wspecifiers) is :mod:`mtlhybrid.utils.kaldi_tables`.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator, Optional

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write

_GZIP_MAGIC = b"\x1f\x8b"



def gunzip_if_needed(raw: bytes) -> bytes:
    """Decompress gzip data (recognised by its magic number, not by a file name)."""
    return gzip.decompress(raw) if raw[:2] == _GZIP_MAGIC else raw


def input_command(target: str) -> Optional[str]:
    """``"gunzip -c a.gz |"`` -> ``"gunzip -c a.gz "``; None for a file or ``-``."""
    t = target.rstrip()
    return t[:-1] if t.endswith("|") else None


def output_command(target: str) -> Optional[str]:
    """``"| gzip -c > a.gz"`` -> ``" gzip -c > a.gz"``; None for a file or ``-``."""
    t = target.lstrip()
    return t[1:] if t.startswith("|") else None


def _stderr_tail(err) -> str:
    err.seek(0)
    return err.read().decode("utf-8", errors="replace").strip()[-300:]


@contextlib.contextmanager
def open_input(target: str) -> Iterator[BinaryIO]:
    """A binary stream of an rxfilename: a file, ``-`` (stdin) or ``cmd |``.

    A file holding gzip data (by its magic number, not its name) is decompressed, so
    ``ali.1.gz`` and ``ark:ali.1.gz`` read like ``"ark:gunzip -c ali.1.gz|"``. Commands
    run under bash with pipefail (globs, ``$VAR``, pipes); the stream is consumed to its
    end, and a command that exits non-zero (any command of a pipe) raises DataError
    quoting the end of its stderr.
    """
    cmd = input_command(target)
    if cmd is not None:
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(["bash", "-o", "pipefail", "-c", cmd], stdout=subprocess.PIPE, stderr=err)
            try:
                yield proc.stdout
            except BaseException:
                proc.kill()
                proc.stdout.close()
                proc.wait()
                raise
            while proc.stdout.read(1 << 16):  # let the command finish as if all were read
                pass
            proc.stdout.close()
            rc = proc.wait()
            if rc != 0:
                raise DataError(f"command failed (exit status {rc}): {_stderr_tail(err)}", path=target)
        return
    if target.strip() == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:  # a text-only stdin (an in-process caller's io.StringIO)
            stdin = io.BytesIO(sys.stdin.read().encode("utf-8", errors="surrogateescape"))
        yield stdin
        return
    if not target or target.lstrip().startswith("|"):
        raise DataError(f"cannot read from {target!r}: give a file, '-' or a command ending in '|'")
    path = Path(target)
    if not path.is_file():
        raise DataError("no such file", path=target)
    with open(path, "rb") as f:
        magic = f.read(2)
        f.seek(0)
        if magic == _GZIP_MAGIC:
            with gzip.open(f, "rb") as g:
                yield g
        else:
            yield f


class _TextSink(io.RawIOBase):
    """Bytes to a text-only stdout (an in-process caller's ``io.StringIO``); text tables only."""

    def __init__(self, stream):
        super().__init__()
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._stream.write(bytes(data).decode("utf-8", errors="surrogateescape"))
        return len(data)

    def flush(self) -> None:
        self._stream.flush()


@contextlib.contextmanager
def open_output(target: str) -> Iterator[BinaryIO]:
    """A binary stream to a wxfilename: a file (atomically; gzipped for ``.gz``), ``-`` or ``| cmd``.

    ``| cmd`` feeds a bash command (``"ark:| gzip -c > ali.1.gz"``); a command that fails
    raises DataError quoting the end of its stderr, so nothing half-written goes unnoticed.
    """
    cmd = output_command(target)
    if cmd is not None:
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(["bash", "-o", "pipefail", "-c", cmd], stdin=subprocess.PIPE, stderr=err)
            try:
                yield proc.stdin
                proc.stdin.close()
            except BrokenPipeError:
                proc.wait()
                raise DataError(f"command stopped reading (exit status {proc.returncode}): {_stderr_tail(err)}", path=target)
            except BaseException:
                proc.kill()
                with contextlib.suppress(OSError):
                    proc.stdin.close()
                proc.wait()
                raise
            rc = proc.wait()
            if rc != 0:
                raise DataError(f"command failed (exit status {rc}): {_stderr_tail(err)}", path=target)
        return
    if target.strip() == "-":
        sys.stdout.flush()  # keep text already printed ahead of these bytes
        out = getattr(sys.stdout, "buffer", None) or _TextSink(sys.stdout)
        yield out
        out.flush()
        return
    if not target.strip() or target.rstrip().endswith("|"):
        raise DataError(f"cannot write to {target!r}: give a file, '-' or '| command'")
    with atomic_write(target, mode="wb", encoding=None) as f:
        yield f
