"""The seeded sentence generator of synth_accents: determinism, vocabulary, coverage."""

from __future__ import annotations

import shutil

import pytest

from mtlhybrid.corpora.sentence_generator import (
    SHAPES,
    TEMPLATES,
    WORDLIST_DIR,
    GeneratorConfig,
    SentenceGenerator,
    load_wordlists,
)
from mtlhybrid.corpora.synth_accents_text import cmudict_words, starts_with_vowel_sound
from mtlhybrid.utils.errors import DataError, MtlHybridError


def test_deterministic_for_a_seed():
    a = SentenceGenerator(GeneratorConfig(seed=3, vocab_size=600)).generate(200)
    b = SentenceGenerator(GeneratorConfig(seed=3, vocab_size=600)).generate(200)
    c = SentenceGenerator(GeneratorConfig(seed=4, vocab_size=600)).generate(200)
    assert a == b
    assert a != c
    assert len({" ".join(s) for s in a}) == 200  # distinct


def test_full_word_lists_are_a_few_thousand_cmudict_words():
    gen = SentenceGenerator(GeneratorConfig(seed=0, vocab_size=None))
    vocab = gen.vocabulary
    assert len(vocab) > 2500
    cmu = cmudict_words()
    assert [w for w in vocab if w.lower() not in cmu] == []


@pytest.mark.parametrize("size", [400, 1500])
def test_requested_vocabulary_size_and_coverage(size):
    gen = SentenceGenerator(GeneratorConfig(seed=1, vocab_size=size, min_words=4, max_words=11))
    vocab = set(gen.vocabulary)
    assert size <= len(vocab) <= size + 4  # the last word added brings its inflections
    sents = gen.generate(3 * size)
    used = {w for s in sents for w in s}
    assert used <= vocab
    assert len(used) / len(vocab) > 0.97  # deck sampling reaches (almost) every word
    assert all(4 <= len(s) <= 11 for s in sents)


def test_every_shape_appears_and_articles_agree():
    gen = SentenceGenerator(GeneratorConfig(seed=2, vocab_size=800))
    shapes = set()
    for _ in range(2 * len(TEMPLATES)):
        shape, words = gen.sentence()
        shapes.add(shape)
        for a, nxt in zip(words, words[1:]):
            if a in ("A", "AN"):
                assert (a == "AN") == starts_with_vowel_sound(nxt), (a, nxt)
    # the article follows the sound, not the spelling
    assert starts_with_vowel_sound("hour")
    assert starts_with_vowel_sound("apple")
    assert not starts_with_vowel_sound("university")
    assert not starts_with_vowel_sound("one")
    assert shapes == set(SHAPES) == {"command", "list", "number", "question", "statement", "subordinate"}


def test_exclude_gives_disjoint_pools():
    gen = SentenceGenerator(GeneratorConfig(seed=5, vocab_size=500))
    test = gen.generate(100)
    train = gen.generate(300, exclude=(" ".join(s) for s in test))
    assert not {" ".join(s) for s in test} & {" ".join(s) for s in train}


def test_too_small_vocabulary_is_an_error():
    with pytest.raises(MtlHybridError, match="too small"):
        SentenceGenerator(GeneratorConfig(seed=0, vocab_size=50))


def test_word_not_in_cmudict_is_reported_with_file_and_line(tmp_path):
    d = tmp_path / "wordlists"
    shutil.copytree(WORDLIST_DIR, d)
    with open(d / "adjectives.txt", "a") as f:
        f.write("zorbulous\n")
    with pytest.raises(DataError, match=r"adjectives.txt:\d+: 'zorbulous'.*not in CMUdict"):
        load_wordlists(d)
    assert len(load_wordlists()["noun"]) > 500
