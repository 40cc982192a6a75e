"""Repair a data directory in place (utils/fix_data_dir.sh): keep utterances present in every
required file, sort, regenerate spk2utt, drop unusable lines; report removals by reason.
Originals are kept in <data>/.backup."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("fix_data_dir", __doc__)
    p.add_argument("--utt-extra-files", default="", help="extra utterance-keyed files to filter (space-separated)")
    p.add_argument("--spk-extra-files", default="", help="extra speaker-keyed files to filter (space-separated)")
    p.add_argument("--no-backup", action="store_true", help="do not copy the originals to <data>/.backup")
    p.add_argument("--no-spk-sort", action="store_true", help="do not require utterance order to agree with speaker order")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    from mtlhybrid.data.fix import fix_data_dir

    rep = fix_data_dir(a.data_dir, utt_extra_files=a.utt_extra_files.split(), spk_extra_files=a.spk_extra_files.split(),
                       backup=not a.no_backup, no_spk_sort=a.no_spk_sort)
    print(rep.summary())
    if rep.backup_dir:
        print(f"fix_data_dir: old files are kept in {rep.backup_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
