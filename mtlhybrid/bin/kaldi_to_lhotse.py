"""Convert a Kaldi data directory to lhotse manifests in <out-dir>: recordings.jsonl.gz,
supervisions.jsonl.gz and cuts.jsonl.gz (one cut per utterance). Speaker, gender
(spk2gender), language (utt2lang) and every label file utt2<name> ride along on the
supervisions (labels as custom fields)."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("kaldi_to_lhotse", __doc__)
    p.add_argument("--no-cuts", action="store_true", help="write only recordings and supervisions")
    p.add_argument("data_dir")
    p.add_argument("out_dir")
    a = p.parse_args(argv)
    from lhotse import CutSet

    from mtlhybrid.data.lhotse_bridge import datadir_to_cuts, datadir_to_lhotse, save_manifests

    if a.no_cuts:
        rec, sup = datadir_to_lhotse(a.data_dir)
        save_manifests(a.out_dir, recordings=rec, supervisions=sup)
    else:
        cuts = datadir_to_cuts(a.data_dir)
        from lhotse import RecordingSet, SupervisionSet

        rec = RecordingSet.from_recordings({c.recording.id: c.recording for c in cuts}.values())
        sup = SupervisionSet.from_segments(s.with_offset(c.start) for c in cuts for s in c.supervisions)
        save_manifests(a.out_dir, recordings=rec, supervisions=sup, cuts=CutSet.from_cuts(cuts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
