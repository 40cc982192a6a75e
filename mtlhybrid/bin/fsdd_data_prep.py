"""Kaldi data dirs <data-dir>/{train,test}[,dev] for the Free Spoken Digit Dataset.

Utterance ids <speaker>_<digit>_<take>; text ZERO..NINE; spk2gender and utt2accent from
speakers.tsv. --split take: the dataset's own split (takes 0-4 test); --split speaker:
--test-speakers held out."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    from mtlhybrid.corpora.fsdd import DEFAULT_TEST_SPEAKERS, DEFAULT_TEST_TAKES, prepare_fsdd

    p = make_parser("fsdd_data_prep", __doc__)
    p.add_argument("--split", choices=("take", "speaker"), default="speaker")
    p.add_argument("--test-speakers", default=" ".join(DEFAULT_TEST_SPEAKERS), help="space-separated (split=speaker)")
    p.add_argument("--dev-speakers", default="", help="space-separated (split=speaker)")
    p.add_argument("--test-takes", type=int, default=DEFAULT_TEST_TAKES, help="takes below this are test (split=take)")
    p.add_argument("--dev-takes", type=int, default=0, help="the next this many takes are dev (split=take)")
    p.add_argument("--speakers", default="", help="use only these speakers (space-separated)")
    p.add_argument("--max-takes", type=int, default=None, help="use only takes below this")
    p.add_argument("--no-utt2dur", action="store_true")
    p.add_argument("fsdd_dir")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    dirs = prepare_fsdd(a.fsdd_dir, a.data_dir, split=a.split, test_speakers=a.test_speakers.split(),
                        dev_speakers=a.dev_speakers.split(), test_takes=a.test_takes, dev_takes=a.dev_takes,
                        speakers=a.speakers.split() or None, max_takes=a.max_takes, with_utt2dur=not a.no_utt2dur)
    for name, dd in dirs.items():
        print(f"fsdd_data_prep: {a.data_dir}/{name}: {len(dd.utt_ids)} utterances, speakers {' '.join(dd.speakers)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
