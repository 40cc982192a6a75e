"""Kaldi data dirs <data-dir>/train_clean_5 and <data-dir>/dev_clean_2 for Mini LibriSpeech.

Runs lhotse's LibriSpeech recipe on <corpus-dir> (the LibriSpeech/ folder of the unpacked
OpenSLR 31 tarballs), adds spk2gender from SPEAKERS.TXT (and utt2gender with
--gender-label), checks transcripts as upper-case words and validates the result.
With --download, first fetches the two parts with lhotse into <corpus-dir>'s parent."""

from __future__ import annotations

import sys
from pathlib import Path

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    from mtlhybrid.corpora.mini_librispeech import MINI_PARTS, download_mini_librispeech, prepare_mini_librispeech
    from mtlhybrid.corpora.public_corpora import split_list
    from mtlhybrid.utils.errors import DataError

    p = make_parser("mini_librispeech_data_prep", __doc__)
    p.add_argument("--parts", default=" ".join(MINI_PARTS), help="corpus parts (default: %(default)s)")
    p.add_argument("--speaker-unit", choices=("reader", "chapter"), default="reader",
                   help="speaker = reader, or reader-chapter as Kaldi's recipe (default: %(default)s)")
    p.add_argument("--gender-label", action="store_true", help="also write utt2gender (an auxiliary-task label)")
    p.add_argument("--manifest-dir", default=None, help="keep lhotse's manifests here (reused on a rerun)")
    p.add_argument("--nj", type=int, default=1, help="threads for reading audio headers")
    p.add_argument("--download", action="store_true", help="download the parts first (needs a network)")
    p.add_argument("corpus_dir")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    parts = split_list(a.parts)
    if a.download:
        corpus = Path(a.corpus_dir)
        if corpus.name != "LibriSpeech":
            raise DataError("with --download the corpus dir must end in LibriSpeech/ (lhotse unpacks there)", path=corpus)
        download_mini_librispeech(corpus.parent)
    reports = prepare_mini_librispeech(a.corpus_dir, a.data_dir, parts=parts, speaker_unit=a.speaker_unit,
                                       gender_label=a.gender_label, manifest_dir=a.manifest_dir, num_jobs=a.nj)
    for r in reports.values():
        print(f"mini_librispeech_data_prep: {r.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
