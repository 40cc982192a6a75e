"""Scoring from reference and hypothesis texts: WER as compute-wer, Kaldi's wer_details files
(per_utt, per_spk, ops) plus per-label breakdowns (per_accent), best_wer, and result tables.

* :mod:`.wer`: :func:`compute_wer`, :class:`WerResult`, :func:`read_transcripts`.
* :mod:`.details`: :func:`write_wer_details` and the table formatters.
* :mod:`.best`: :func:`best_wer_line` (utils/best_wer.sh), :func:`parse_wer_line`.
* :mod:`.kaldi_scoring`: :func:`score_decode_dir` (wer_<lmwt>_<wip>, best_wer, wer_details).
* :mod:`.report`: :func:`collect_results`, :func:`print_table`.
"""

from mtlhybrid.score.best import WerLine, best_wer_line, parse_wer_line
from mtlhybrid.score.details import GroupStats, format_group_table, group_stats, write_wer_details
from mtlhybrid.score.kaldi_scoring import ScoringSummary, score_decode_dir
from mtlhybrid.score.report import ResultRow, collect_results, format_table, print_table, wer_matrix
from mtlhybrid.score.wer import UttScore, WerResult, compute_wer, read_transcripts

__all__ = [
    "GroupStats", "ResultRow", "ScoringSummary", "UttScore", "WerLine", "WerResult", "best_wer_line",
    "collect_results", "compute_wer", "format_group_table", "format_table", "group_stats", "parse_wer_line",
    "print_table", "read_transcripts", "score_decode_dir", "wer_matrix", "write_wer_details",
]
