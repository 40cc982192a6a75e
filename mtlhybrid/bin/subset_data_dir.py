"""Make a subset of a data directory (utils/subset_data_dir.sh).

  subset_data_dir [--first|--last|--shortest|--per-spk] <srcdir> <num-utt> <destdir>
  subset_data_dir --spk-list <speaker-list-file> <srcdir> <destdir>
  subset_data_dir --utt-list <utt-list-file> <srcdir> <destdir>
Without a mode, <num-utt> utterances spread evenly over the directory are kept (Kaldi's
default). --per-spk keeps <num-utt> per speaker. Label files utt2<name> come along."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import DataError


@tool_main
def main(argv=None) -> int:
    p = make_parser("subset_data_dir", __doc__)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--first", action="store_true", help="the first <num-utt> utterances")
    g.add_argument("--last", action="store_true", help="the last <num-utt> utterances")
    g.add_argument("--shortest", action="store_true", help="the <num-utt> shortest utterances (needs utt2dur, segments or feats)")
    g.add_argument("--per-spk", action="store_true", help="<num-utt> utterances of each speaker")
    g.add_argument("--spk-list", metavar="FILE", help="keep the speakers listed in FILE")
    g.add_argument("--utt-list", metavar="FILE", help="keep the utterances listed in FILE")
    p.add_argument("args", nargs="+", metavar="<srcdir> [<num-utt>] <destdir>")
    a = p.parse_args(argv)
    from mtlhybrid.data.subset import read_id_list, subset_data_dir

    listed = a.spk_list is not None or a.utt_list is not None
    want = 2 if listed else 3
    if len(a.args) != want:
        p.print_usage(sys.stderr)
        print(f"subset_data_dir: expected {want} arguments, got {len(a.args)}", file=sys.stderr)
        return 1
    src, dest = a.args[0], a.args[-1]
    if listed:
        sel = {"spk_list": read_id_list(a.spk_list)} if a.spk_list else {"utt_list": read_id_list(a.utt_list)}
    else:
        try:
            n = int(a.args[1])
        except ValueError:
            raise DataError(f"<num-utt> must be an integer, got {a.args[1]!r}")
        mode = "first" if a.first else "last" if a.last else "shortest" if a.shortest else "per_spk" if a.per_spk else "num"
        sel = {mode: n}
    subset_data_dir(src, dest, **sel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
