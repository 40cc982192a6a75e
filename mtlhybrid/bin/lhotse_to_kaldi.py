"""Write a Kaldi data directory from lhotse manifests: either --cuts, or --recordings
and --supervisions. Supervision custom fields that are one-token strings become label
files utt2<name> (e.g. utt2accent); gender becomes spk2gender, language utt2lang."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("lhotse_to_kaldi", __doc__)
    p.add_argument("--cuts", help="CutSet manifest (.jsonl.gz)")
    p.add_argument("--recordings", help="RecordingSet manifest")
    p.add_argument("--supervisions", help="SupervisionSet manifest")
    p.add_argument("--no-utt2dur", action="store_true", help="do not write utt2dur")
    p.add_argument("out_dir")
    a = p.parse_args(argv)
    from mtlhybrid.data.lhotse_bridge import lhotse_to_datadir

    if a.cuts:
        if a.recordings or a.supervisions:
            p.error("give --cuts, or --recordings with --supervisions, not both")
        from lhotse import CutSet

        lhotse_to_datadir(a.out_dir, cuts=CutSet.from_file(a.cuts), write_utt2dur=not a.no_utt2dur)
    else:
        if not (a.recordings and a.supervisions):
            p.error("give --cuts, or both --recordings and --supervisions")
        from lhotse import RecordingSet, SupervisionSet

        lhotse_to_datadir(a.out_dir, recordings=RecordingSet.from_file(a.recordings),
                          supervisions=SupervisionSet.from_file(a.supervisions), write_utt2dur=not a.no_utt2dur)
    return 0


if __name__ == "__main__":
    sys.exit(main())
