"""Accumulate tree statistics from features and alignments (Kaldi's acc-tree-stats).

  acc_tree_stats [options] <model> <features> <alignments> [<alignments> ...] <treeacc-out>

<features> is a data dir (features as FeatureReader gives them: CMVN unless --no-cmvn,
deltas with --delta-order) or a feats.scp (used as is). Utterances without features or
whose alignment does not fit are skipped and counted in the log."""

from __future__ import annotations

import sys
from pathlib import Path

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger("acc_tree_stats")


def open_features(spec: str, apply_cmvn: bool, norm_vars: bool, delta_order: int):
    """utt -> features, from a data dir or an scp."""
    p = Path(spec)
    if p.is_dir():
        from mtlhybrid.features.reader import FeatureReader

        return FeatureReader(p, apply_cmvn=apply_cmvn, norm_vars=norm_vars, delta_order=delta_order)
    from mtlhybrid.utils.kaldi_io import load_matrix, load_scp_dict

    table = load_scp_dict(p)

    class _Scp(dict):
        def __getitem__(self, k):
            return load_matrix(table[k])

        def __contains__(self, k):
            return k in table

    return _Scp()


@tool_main
def main(argv=None) -> int:
    p = make_parser("acc_tree_stats", __doc__)
    p.add_argument("--ci-phones", default="", help="colon-separated context-independent phones, e.g. 1:2:3")
    p.add_argument("--context-width", type=int, default=3)
    p.add_argument("--central-position", type=int, default=1)
    p.add_argument("--delta-order", type=int, default=0, help="add deltas of this order (data-dir features)")
    p.add_argument("--no-cmvn", action="store_true", help="do not apply cmvn.scp (data-dir features)")
    p.add_argument("--norm-vars", action="store_true", help="CMVN also normalizes variances")
    p.add_argument("--reordered", action="store_true", help="alignments come from graphs with reordered self-loops")
    p.add_argument("model")
    p.add_argument("features")
    p.add_argument("alignments", nargs="+")
    p.add_argument("out")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.ali_io import read_alignments
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.hmm.tree_stats import TreeStats, accumulate_tree_stats
    from mtlhybrid.utils.errors import MtlHybridError
    from mtlhybrid.utils.io import parse_csl

    tm, _ = load_model(a.model)
    feats = open_features(a.features, not a.no_cmvn, a.norm_vars, a.delta_order)
    ci = parse_csl(a.ci_phones)
    stats = TreeStats(a.context_width, a.central_position)
    no_feats, bad = [], []
    for utt, ali in read_alignments(a.alignments):
        if utt not in feats:
            no_feats.append(utt)
            continue
        try:
            accumulate_tree_stats(tm, ali, feats[utt], a.context_width, a.central_position, ci, stats, a.reordered, utt)
        except MtlHybridError as e:
            bad.append(utt)
            log.warning("skipping %s: %s", utt, e)
    if no_feats:
        log.warning("%d utterances have no features: %s", len(no_feats), " ".join(no_feats[:10]))
    log.info("accumulated %d utterances (%d frames) into %d events; %d without features, %d bad alignments",
             stats.num_utts, stats.num_frames, len(stats), len(no_feats), len(bad))
    if stats.num_utts == 0:
        from mtlhybrid.utils.errors import DataError

        raise DataError("no utterance could be used")
    stats.save(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
