"""Errors that name what went wrong and where.

Every error a user can cause with bad input is a :class:`MtlHybridError`. Command-line
tools catch it and print its message alone (no traceback), so the message must say
which file, line or utterance is at fault.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Optional, Union


class MtlHybridError(Exception):
    """Base class of errors caused by input, configuration or environment."""


class DataError(MtlHybridError):
    """Bad content in an input file.

    ``DataError("duplicated utterance id", path="data/train/text", line=12, utt="u1")``
    reads ``data/train/text:12: utterance u1: duplicated utterance id``.
    """

    def __init__(
        self,
        message: str,
        path: Optional[Union[str, Path]] = None,
        line: Optional[int] = None,
        utt: Optional[str] = None,
    ):
        self.path = str(path) if path is not None else None
        self.line = line
        self.utt = utt
        self.reason = message
        where = ""
        if self.path is not None:
            where = self.path + (f":{line}" if line is not None else "") + ": "
        who = f"utterance {utt}: " if utt is not None else ""
        super().__init__(f"{where}{who}{message}")


class MismatchError(MtlHybridError):
    """Two inputs that must agree do not (feature dim vs model, lang vs model, ...)."""


class DiskFullError(MtlHybridError):
    """A write failed because the disk (or quota) is full: says so and names the file.

    Without it a full disk shows up as whatever the writer makes of a short write
    (torch: ``unexpected pos 576 vs 534``), which sends users looking for a bug.
    """

    def __init__(self, path: Union[str, Path]):
        self.path = str(path)
        super().__init__(f"no space left on device: {path}")


def is_disk_full(e: Optional[BaseException]) -> bool:
    """True for the OSErrors of a full disk or an exhausted quota, also behind another error.

    torch's zip writer answers a failed write with its own RuntimeError (``unexpected
    pos``), raised while the OSError is handled: the OSError is its ``__context__``.
    """
    seen = 0
    while e is not None and seen < 10:
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        e = e.__cause__ or e.__context__
        seen += 1
    return False
