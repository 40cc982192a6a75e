"""Kaldi binary archives (``.ark``/``.scp``) and r/wspecifiers: the one import for tools.

Features are float32 matrices in ``ark,scp`` pairs, exactly what Kaldi's ``copy-feats``
reads. Alignments are int32 vectors in gzipped archives (``ali.JOB.gz``), exactly what
``copy-int-vector "ark:gunzip -c ali.1.gz|" ark,t:-`` reads.

The code is in two modules, as Kaldi separates ``kaldi-io.h`` and ``kaldi-table.h``:
:mod:`mtlhybrid.utils.kaldi_streams` (rx/wxfilenames: files, gzip, ``-``, ``cmd |`` and
``| cmd``: :func:`open_input`, :func:`open_output`) and :mod:`mtlhybrid.utils.kaldi_tables`
(:func:`parse_specifier` and the table readers and writers: :func:`read_matrices_rspecifier`,
:func:`read_int_vectors_rspecifier`, :func:`write_int_vectors_wspecifier`,
:func:`write_text_wspecifier`, :class:`MatrixWriter`, ...). This module re-exports both.
"""

from __future__ import annotations

from mtlhybrid.utils.kaldi_streams import open_input, open_output
from mtlhybrid.utils.kaldi_tables import (
    MatrixWriter,
    Specifier,
    ark_scp_paths,
    iter_text_lines,
    load_matrix,
    load_scp_dict,
    parse_specifier,
    read_bytes,
    read_int_vectors,
    read_int_vectors_rspecifier,
    read_matrices_rspecifier,
    read_scp_matrices,
    write_int_vectors,
    write_int_vectors_wspecifier,
    write_matrices_ark_scp,
    write_text_wspecifier,
)

__all__ = [
    "MatrixWriter",
    "Specifier",
    "ark_scp_paths",
    "iter_text_lines",
    "load_matrix",
    "load_scp_dict",
    "open_input",
    "open_output",
    "parse_specifier",
    "read_bytes",
    "read_int_vectors",
    "read_int_vectors_rspecifier",
    "read_matrices_rspecifier",
    "read_scp_matrices",
    "write_int_vectors",
    "write_int_vectors_wspecifier",
    "write_matrices_ark_scp",
    "write_text_wspecifier",
]
