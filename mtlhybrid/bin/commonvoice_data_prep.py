"""Kaldi data dirs <data-dir>/{train,dev,test} (+ test_unseen) for one Common Voice language.

<corpus-dir> is a release folder holding <lang>/clips and <lang>/{train,dev,test}.tsv (or
the <lang> folder itself). utt2accent holds each utterance's accent as one lower-case token
(predefined v8+ descriptions as the short codes of early releases, e.g. 'United States
English' -> us; --accent-map overrides); utterances without an accent get no label.
--heldout-accents moves every utterance of those accents to test_unseen and leaves the
other utterances of their speakers out, so test_unseen voices are never heard in training."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    from mtlhybrid.corpora.commonvoice import prepare_commonvoice_accents, read_accent_map
    from mtlhybrid.corpora.public_corpora import split_list

    p = make_parser("commonvoice_data_prep", __doc__)
    p.add_argument("--lang", default="en", help="language code (default: %(default)s)")
    p.add_argument("--train-tsv", choices=("train", "validated"), default="train",
                   help="training clips: train.tsv, or validated.tsv minus dev/test speakers (default: %(default)s)")
    p.add_argument("--heldout-accents", default="", help="accent labels held out of training (comma or space separated)")
    p.add_argument("--accent-map", default=None, help="file of '<raw accent><TAB><label>' lines ('-': no label)")
    p.add_argument("--multi-accent", choices=("first", "skip"), default="first",
                   help="clips listing several accents: label of the first, or no label (default: %(default)s)")
    p.add_argument("--manifest-dir", default=None, help="also write lhotse manifests here")
    p.add_argument("corpus_dir")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    amap = read_accent_map(a.accent_map) if a.accent_map else None
    reports = prepare_commonvoice_accents(a.corpus_dir, a.data_dir, language=a.lang, train_tsv=a.train_tsv,
                                          heldout_accents=split_list(a.heldout_accents), accent_map=amap,
                                          multi_accent=a.multi_accent, manifest_dir=a.manifest_dir)
    for r in reports.values():
        print(f"commonvoice_data_prep: {r.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
