"""Kaldi data dirs <data-dir>/{train,dev}[,test] for speechocean762 (OpenSLR 101).

Reads the corpus's train/ (and test/ when present): text, wav.scp (paths relative to the
corpus folder, WAV or FLAC as given), utt2spk, spk2age, spk2gender. Writes wav.scp (absolute
paths), text, utt2spk, spk2utt, spk2gender, utt2gender, utt2age_group (child at 15 or
under, adult) and utt2dur, validated; dev holds whole training speakers, the same number
from each (age group, gender). A summary goes to <data-dir>/local/speechocean762_prep.json.
e.g.: python -m mtlhybrid.bin.speechocean762_data_prep ../shared/data/speechocean762 data"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    from mtlhybrid.corpora.speechocean762 import prepare_speechocean762

    p = make_parser("speechocean762_data_prep", __doc__)
    p.add_argument("--dev-per-group", type=int, default=4,
                   help="dev speakers drawn from each (age group, gender) of train/ (default %(default)s)")
    p.add_argument("--dev-speakers", default="", help="these dev speakers instead (space-separated)")
    p.add_argument("--seed", type=int, default=0, help="seed of the dev speakers' draw (default %(default)s)")
    p.add_argument("--max-speakers-per-group", type=int, default=None,
                   help="keep only the first n speakers of each (age group, gender) of each part: quick runs")
    p.add_argument("--no-utt2dur", action="store_true")
    p.add_argument("corpus_dir")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    report = prepare_speechocean762(a.corpus_dir, a.data_dir, dev_per_group=a.dev_per_group,
                                    dev_speakers=a.dev_speakers.split(), seed=a.seed,
                                    max_speakers_per_group=a.max_speakers_per_group, with_utt2dur=not a.no_utt2dur)
    for line in report.summary():
        print(f"speechocean762_data_prep: {a.data_dir}/{line}")
    if not report.has_test:
        print(f"speechocean762_data_prep: {a.corpus_dir} has no test/: dev only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
