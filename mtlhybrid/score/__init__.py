"""Scoring from reference and hypothesis texts, and the results report of a recipe.

Scoring one decode dir (what ``steps/score.sh`` runs):

* :mod:`.wer`: :func:`compute_wer`, :class:`WerResult`, :func:`read_transcripts` (compute-wer).
* :mod:`.details`: :func:`write_wer_details` and the table formatters (wer_details/).
* :mod:`.best`: :func:`best_wer_line` (utils/best_wer.sh), :func:`parse_wer_line`.
* :mod:`.kaldi_scoring`: :func:`score_decode_dir` (wer_<lmwt>_<wip>, best_wer, wer_details).

The results report of an exp dir (``make_results``) and system comparisons (``compare_systems``):

* :mod:`.records`: the typed records and their JSON form.
* :mod:`.exp_reader`: reading decode dirs at the setting chosen on dev.
* :mod:`.seed_stats`: grouping by seed, statistics over seeds, gains over the baseline.
* :mod:`.significance`: speaker-block bootstrap and MAPSSWE matched-pairs tests.
* :mod:`.results`: :func:`build_results`, all of the above for one exp dir.
* :mod:`.results_markdown`, :mod:`.results_plot`: results.md and wer_per_accent.png.
"""

from mtlhybrid.score.best import WerLine, best_wer_line, parse_wer_line
from mtlhybrid.score.details import GroupStats, format_group_table, group_stats, write_wer_details
from mtlhybrid.score.kaldi_scoring import ScoringSummary, score_decode_dir
from mtlhybrid.score.wer import UttScore, WerResult, compute_wer, read_transcripts

__all__ = [
    "GroupStats", "ScoringSummary", "UttScore", "WerLine", "WerResult", "best_wer_line",
    "compute_wer", "format_group_table", "group_stats", "parse_wer_line",
    "read_transcripts", "score_decode_dir", "write_wer_details",
]
