"""Synthesize the synth_accents corpus and write its Kaldi data dirs.

Called by ``egs/synth_accents/s5/local/prepare_data.sh``; see
:mod:`mtlhybrid.corpora.synth_accents` for what is written where.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.corpora.synth_accents import CorpusConfig, prepare_corpus
from mtlhybrid.corpora.synth_accents_speakers import ALL_ACCENTS, SpeakerPlanConfig
from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import MtlHybridError


def _log_to_file(path: str) -> None:
    import logging
    from pathlib import Path

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s (%(name)s) %(message)s", datefmt="%Y-%m-%d %H:%M:%S"))
    logging.getLogger().addHandler(handler)


def _accent_list(value: str) -> tuple:
    return tuple(a for a in value.replace(",", " ").split() if a)


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser(
        "synth_accents_prep",
        __doc__ + "\nexample: python -m mtlhybrid.bin.synth_accents_prep --nj 2 wav/synth_accents data",
    )
    p.add_argument("--nj", type=int, default=2, help="parallel synthesis jobs")
    p.add_argument("--seed", type=int, default=0, help="seed of every random choice (speakers, text, noise)")
    p.add_argument("--num-train-spk", type=int, default=48, help="training speakers, spread over the seen accents")
    p.add_argument("--num-dev-spk-per-accent", type=int, default=1)
    p.add_argument("--num-test-spk-per-accent", type=int, default=1, help="test_seen speakers per seen accent")
    p.add_argument("--num-unseen-spk-per-accent", type=int, default=6, help="test_unseen speakers per unseen accent")
    p.add_argument("--utts-per-spk", type=int, default=30, help="utterances per training speaker")
    p.add_argument("--utts-per-test-spk", type=int, default=20, help="utterances per dev and test speaker")
    p.add_argument("--utts-per-unseen-spk", type=int, default=0,
                   help="utterances per test_unseen speaker (0: --utts-per-test-spk)")
    p.add_argument("--design", choices=["crossed", "nested"], default="crossed",
                   help="crossed: every voice of a split under every accent of it, no flite voices; nested: each "
                        "accent its own voices, flite voices in training (the earlier corpus) (default %(default)s)")
    p.add_argument("--num-train-voices", type=int, default=0,
                   help="crossed design: training voices (0: num-train-spk / seen accents, rounded up: the full cross)")
    p.add_argument("--prosody", choices=["utterance", "speaker"], default="utterance",
                   help="speed and pitch drawn per utterance, or fixed per speaker (default %(default)s)")
    p.add_argument("--accents", type=_accent_list, default=tuple(ALL_ACCENTS), help="accents to use (comma separated; default all: %(default)s)")
    p.add_argument("--unseen-accents", type=_accent_list, default=("en-029", "en-gb-x-gbcwmd"),
                   help="accents held out of train/dev, used only in test_unseen (default %(default)s)")
    p.add_argument("--no-flite", action="store_true", help="espeak-ng speakers only")
    p.add_argument("--augment", type=float, default=0.0, help="fraction of speakers given reverberation and/or noise (0-1)")
    p.add_argument("--vocab-size", type=int, default=1500, help="word types of the generated text (0: all the word lists hold)")
    p.add_argument("--min-words", type=int, default=4)
    p.add_argument("--max-words", type=int, default=11)
    p.add_argument("--lm-sentences", type=int, default=20000, help="extra generated sentences for LM text")
    p.add_argument("--prompts", default=None, help="prompt file (plain or Festival format) instead of the generator")
    p.add_argument("--prompts-format", choices=["auto", "plain", "festival"], default="auto")
    p.add_argument("--keep-oov", action="store_true", help="keep prompts with words not in CMUdict (for the lang's OOV policy)")
    p.add_argument("--sample-rate", type=int, default=16000)
    p.add_argument("--log", default=None, help="also write the log to this file (stderr keeps the progress bar)")
    p.add_argument("wav_dir", help="where the wavs go (<wav_dir>/<split>/<speaker>/<utt>.wav)")
    p.add_argument("data_dir", help="writes <data_dir>/{train,dev,test_seen,test_unseen} and <data_dir>/local/synth_accents")
    a = p.parse_args(argv)
    if a.log:
        _log_to_file(a.log)
    if not 0.0 <= a.augment <= 1.0:
        raise MtlHybridError(f"--augment must be between 0 and 1, got {a.augment}")
    for name in ("num_train_spk", "utts_per_spk", "utts_per_test_spk"):
        if getattr(a, name) < 1:
            raise MtlHybridError(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("utts_per_unseen_spk", "num_train_voices"):
        if getattr(a, name) < 0:
            raise MtlHybridError(f"--{name.replace('_', '-')} must be 0 or more")
    cfg = CorpusConfig(
        seed=a.seed,
        speakers=SpeakerPlanConfig(
            seed=a.seed,
            num_train_spk=a.num_train_spk,
            num_dev_spk_per_accent=a.num_dev_spk_per_accent,
            num_test_spk_per_accent=a.num_test_spk_per_accent,
            num_unseen_spk_per_accent=a.num_unseen_spk_per_accent,
            unseen_accents=a.unseen_accents,
            accents=a.accents,
            use_flite=not a.no_flite,
            augment_fraction=a.augment,
            design=a.design,
            num_train_voices=a.num_train_voices,
        ),
        utts_per_spk=a.utts_per_spk,
        utts_per_test_spk=a.utts_per_test_spk,
        utts_per_unseen_spk=a.utts_per_unseen_spk,
        prosody=a.prosody,
        vocab_size=a.vocab_size or None,
        min_words=a.min_words,
        max_words=a.max_words,
        lm_sentences=a.lm_sentences,
        prompts=a.prompts,
        prompts_format=a.prompts_format,
        keep_oov=a.keep_oov,
        sample_rate=a.sample_rate,
    )
    prepare_corpus(cfg, a.wav_dir, a.data_dir, nj=a.nj)
    return 0


if __name__ == "__main__":
    sys.exit(main())
