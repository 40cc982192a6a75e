"""Inputs of the GMM command-line tools: features from a data dir, alignments and model files.

Kaldi's tools take feature *pipelines* (``"ark:apply-cmvn ... | add-deltas ... |"``); ours take
a data dir and the same choices as options (``--apply-cmvn``, ``--norm-vars``,
``--delta-order``), read through :class:`mtlhybrid.features.reader.FeatureReader`.
Alignments and accumulators may be given as paths, ``ark:path`` or a command ending in
``|`` (``"ark:gunzip -c exp/mono/ali.1.gz|"``, ``"gmm_sum_accs - 1.acc 2.acc |"``).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator, Tuple

import numpy as np

from mtlhybrid.utils.errors import DataError


def add_feature_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--apply-cmvn", default="true", choices=["true", "false"], help="apply per-speaker CMVN from cmvn.scp")
    p.add_argument("--norm-vars", default="false", choices=["true", "false"], help="also normalise variances")
    p.add_argument("--delta-order", type=int, default=0, help="add deltas up to this order (train_deltas uses 2)")


def open_features(data_dir: str, args: argparse.Namespace):
    from mtlhybrid.features.reader import FeatureReader

    return FeatureReader(data_dir, apply_cmvn=args.apply_cmvn == "true", norm_vars=args.norm_vars == "true",
                         delta_order=args.delta_order)


def read_bytes(rxfilename: str) -> bytes:
    """Contents of a path, ``ark:``/``ark,s,cs:`` path, or the stdout of a command ending in ``|``."""
    spec = rxfilename
    head, sep, rest = spec.partition(":")
    if sep and head and set(head.split(",")) <= {"ark", "s", "cs", "t", "b", "p", "o"}:
        spec = rest
    if spec.rstrip().endswith("|"):
        proc = subprocess.run(spec.rstrip()[:-1], shell=True, capture_output=True)
        if proc.returncode != 0:
            raise DataError(f"command failed ({proc.returncode}): {proc.stderr.decode(errors='replace').strip()[-300:]}", path=spec)
        return proc.stdout
    path = Path(spec)
    if not path.is_file():
        raise DataError("no such file", path=spec)
    return path.read_bytes()


def read_alignments(rspecifier: str) -> Iterator[Tuple[str, np.ndarray]]:
    """``(utt, transition ids)`` from a (gzipped) archive of int vectors or a pipe giving one."""
    from mtlhybrid.utils.kaldi_io import read_int_vectors

    raw = read_bytes(rspecifier)
    suffix = ".ark.gz" if raw[:2] == b"\x1f\x8b" else ".ark"  # gzip magic: let the reader decompress
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(raw)
        tmp.flush()
        yield from read_int_vectors(tmp.name)


def load_accs_rx(rxfilename: str, device=None):
    """:func:`mtlhybrid.gmm.accumulate.load_accs` for a path or a pipe (``"gmm_sum_accs - *.acc |"``)."""
    from mtlhybrid.gmm.accumulate import load_accs

    if not rxfilename.rstrip().endswith("|"):
        return load_accs(rxfilename, device=device)
    raw = read_bytes(rxfilename)
    with tempfile.NamedTemporaryFile(suffix=".acc") as tmp:
        tmp.write(raw)
        tmp.flush()
        return load_accs(tmp.name, device=device)
