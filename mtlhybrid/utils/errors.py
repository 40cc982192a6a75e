"""Errors that name what went wrong and where.

Every error a user can cause with bad input is a :class:`MtlHybridError`. Command-line
tools catch it and print its message alone (no traceback), so the message must say
which file, line or utterance is at fault.
"""

from __future__ import annotations

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
