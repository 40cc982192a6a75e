"""Speaker-disjoint Kaldi data dirs <data-dir>/{train,test} (+ dev, test_unseen) for L2-ARCTIC.

utt2accent is the speaker's first language (arabic, mandarin, hindi, korean, spanish,
vietnamese) from the corpus README's speaker table; with --cmu-arctic-dir the chosen CMU
ARCTIC speakers join as 'native'. --test-speakers (and --native-test-speakers) form test,
--dev-speakers dev, and every speaker of --heldout-l1s goes to test_unseen."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    from mtlhybrid.corpora.l2arctic import (
        DEFAULT_NATIVE_SPEAKERS,
        DEFAULT_NATIVE_TEST_SPEAKERS,
        DEFAULT_TEST_SPEAKERS,
        prepare_l2arctic,
    )
    from mtlhybrid.corpora.public_corpora import split_list

    p = make_parser("l2arctic_data_prep", __doc__)
    p.add_argument("--cmu-arctic-dir", default=None, help="folder holding cmu_us_<spk>_arctic/ (the native class)")
    p.add_argument("--test-speakers", default=" ".join(DEFAULT_TEST_SPEAKERS), help="L2-ARCTIC test speakers (default: %(default)s)")
    p.add_argument("--dev-speakers", default="", help="dev speakers (default: none)")
    p.add_argument("--heldout-l1s", default="", help="first languages held out of training into test_unseen")
    p.add_argument("--native-speakers", default=" ".join(DEFAULT_NATIVE_SPEAKERS),
                   help="CMU ARCTIC speakers used as 'native' (default: %(default)s)")
    p.add_argument("--native-test-speakers", default=" ".join(DEFAULT_NATIVE_TEST_SPEAKERS),
                   help="native speakers in test (default: %(default)s)")
    p.add_argument("--test-prompts", default=None,
                   help="regex on prompt ids (e.g. 'arctic_b0[45]..'): only these in test sets, never in train/dev")
    p.add_argument("corpus_dir")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    reports = prepare_l2arctic(a.corpus_dir, a.data_dir, cmu_arctic_dir=a.cmu_arctic_dir,
                               test_speakers=split_list(a.test_speakers), dev_speakers=split_list(a.dev_speakers),
                               heldout_l1s=split_list(a.heldout_l1s), native_speakers=split_list(a.native_speakers),
                               native_test_speakers=split_list(a.native_test_speakers),
                               test_prompts=a.test_prompts or None)
    for r in reports.values():
        print(f"l2arctic_data_prep: {r.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
