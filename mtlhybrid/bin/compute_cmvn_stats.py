"""compute-cmvn-stats: per-speaker (or per-utterance) CMVN stats in Kaldi's layout.

Usage: python -m mtlhybrid.bin.compute_cmvn_stats [--spk2utt=ark:<spk2utt>] [--fake] scp:<feats.scp> ark,scp:<cmvn.ark>,<cmvn.scp>

Each output is a float64 2 x (dim+1) matrix (sums and count; sums of squares). Without
--spk2utt, stats are per utterance. --fake writes stats that normalize nothing (as
steps/compute_cmvn_stats.sh --fake). A speaker none of whose utterances have features
gets no stats; such speakers and missing utterances are counted in the log, and the
tool fails only if no stats at all were written (as Kaldi).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

log = get_logger("compute_cmvn_stats")


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.features.cmvn import acc_stats, fake_cmvn_stats, init_stats, write_stats_ark_scp
    from mtlhybrid.utils.io import read_table
    from mtlhybrid.utils.kaldi_io import ark_scp_paths, load_matrix, parse_specifier

    p = make_parser("compute_cmvn_stats", __doc__)
    p.add_argument("--spk2utt", help="ark:<spk2utt>: accumulate stats per speaker")
    p.add_argument("--fake", action="store_true", help="stats that do no normalization")
    p.add_argument("feats_rspecifier")
    p.add_argument("stats_wspecifier")
    args = p.parse_args(argv)
    feats_scp = parse_specifier(args.feats_rspecifier).target
    spk2utt = parse_specifier(args.spk2utt).target if args.spk2utt else None
    for f in [feats_scp] + ([spk2utt] if spk2utt else []):
        if not Path(f).is_file():
            raise DataError("no such file", path=f)
    scp: Dict[str, str] = read_table(feats_scp)
    if not scp:
        raise DataError("empty feats.scp", path=feats_scp)
    if args.spk2utt:
        groups = {spk: utts.split() for spk, utts in read_table(spk2utt).items()}
    else:
        groups = {utt: [utt] for utt in scp}
    ark, out_scp = ark_scp_paths(args.stats_wspecifier)
    missing: List[str] = []
    no_stats: List[str] = []

    def items():
        dim = None
        for spk, utts in groups.items():
            stats = None
            for utt in utts:
                if utt not in scp:
                    missing.append(utt)
                    continue
                try:
                    feats = load_matrix(scp[utt])
                except (OSError, ValueError, EOFError) as e:
                    raise DataError(f"cannot read features {scp[utt]!r}: {e}", path=feats_scp, utt=utt)
                if dim is None:
                    dim = feats.shape[1]
                if args.fake:
                    stats = fake_cmvn_stats(dim)
                    break
                if stats is None:
                    stats = init_stats(dim)
                acc_stats(stats, feats)
            if stats is None:
                no_stats.append(spk)
                log.warning("no features for any utterance of %s: no stats written", spk)
                continue
            yield spk, stats

    n = write_stats_ark_scp(ark, out_scp, items())
    if missing:
        log.warning("%d utterance(s) of spk2utt have no features: %s", len(missing), " ".join(missing[:20]))
    log.info("wrote stats for %d of %d %s", n, len(groups), "speakers" if args.spk2utt else "utterances")
    return 0 if n > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
