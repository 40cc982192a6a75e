"""Kaldi-style option values on our command lines (``--opt true|false``)."""

from __future__ import annotations

import argparse


def kaldi_bool(s: str) -> bool:
    """Parse ``true``/``false`` as Kaldi's scripts spell booleans."""
    v = s.strip().lower()
    if v in ("true", "1", "yes"):
        return True
    if v in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {s!r}")
