"""Prompt-file reading and text normalization for the synth_accents corpus."""

from __future__ import annotations

import pytest

from mtlhybrid.corpora.synth_accents_text import (
    load_prompts,
    normalize_text,
    number_to_words,
    ordinal_to_words,
    read_prompt_file,
    year_to_words,
)
from mtlhybrid.utils.errors import DataError


def test_numbers_spelled_out():
    assert number_to_words(0) == ["zero"]
    assert number_to_words(15) == ["fifteen"]
    assert number_to_words(40) == ["forty"]
    assert number_to_words(123) == ["one", "hundred", "twenty", "three"]
    assert number_to_words(2005) == ["two", "thousand", "five"]
    assert number_to_words(1_000_001) == ["one", "million", "one"]
    assert year_to_words(1908) == ["nineteen", "oh", "eight"]
    assert year_to_words(1984) == ["nineteen", "eighty", "four"]
    assert year_to_words(1900) == ["nineteen", "hundred"]
    assert ordinal_to_words(21) == ["twenty", "first"]
    assert ordinal_to_words(12) == ["twelfth"]
    assert ordinal_to_words(30) == ["thirtieth"]


def test_normalize_text():
    words = normalize_text("Mr. Brown-Smith paid $1,250 on the 3rd of May, 1908; 2.5% & \"more\"... Don't!")
    assert words == [
        "MISTER", "BROWN", "SMITH", "PAID", "ONE", "THOUSAND", "TWO", "HUNDRED", "FIFTY", "DOLLARS",
        "ON", "THE", "THIRD", "OF", "MAY", "NINETEEN", "OH", "EIGHT", "TWO", "POINT", "FIVE", "PERCENT",
        "AND", "MORE", "DON'T",
    ]
    assert normalize_text("'Tis the 'end'") == ["TIS", "THE", "END"]
    assert normalize_text("  ... ") == []


def test_festival_and_plain_prompt_files(tmp_path):
    fest = tmp_path / "prompts.data"
    fest.write_text(
        '( p_0001 "It was 4 o\'clock, Tom said." )\n'
        '( p_0002 "The zorblax shone." )\n'
        '( p_0003 "Well-known roads." )\n'
        '( p_0004 "well known ROADS!" )\n'
    )
    assert read_prompt_file(fest)[0] == ("p_0001", "It was 4 o'clock, Tom said.")
    prompts, stats = load_prompts(fest)
    assert [p.prompt_id for p in prompts] == ["p_0001", "p_0003"]
    assert prompts[0].words == ["IT", "WAS", "FOUR", "O'CLOCK", "TOM", "SAID"]
    # the made-up word drops its sentence, the repeat of p_0003 is dropped as a duplicate
    assert (stats.read, stats.kept, stats.dropped_oov, stats.dropped_duplicate) == (4, 2, 1, 1)
    assert stats.oov_types == {"ZORBLAX": 1}

    kept, stats = load_prompts(fest, keep_oov=True)
    assert [p.prompt_id for p in kept] == ["p_0001", "p_0002", "p_0003"]
    assert stats.kept_with_oov == 1

    plain = tmp_path / "plain.txt"
    plain.write_text("Hello there.\n\nSeven ships sailed in 1999.\n")
    prompts, stats = load_prompts(plain)
    assert [(p.prompt_id, p.words) for p in prompts] == [
        ("line000001", ["HELLO", "THERE"]),
        ("line000003", ["SEVEN", "SHIPS", "SAILED", "IN", "NINETEEN", "NINETY", "NINE"]),
    ]


def test_bad_prompt_files(tmp_path):
    bad = tmp_path / "bad.data"
    bad.write_text('( a1 "One." )\nnot festival\n')
    with pytest.raises(DataError, match=r"bad.data:2"):
        read_prompt_file(bad)
    dup = tmp_path / "dup.data"
    dup.write_text('( a1 "One." )\n( a1 "Two." )\n')
    with pytest.raises(DataError, match=r"dup.data:2: .*duplicated prompt id"):
        read_prompt_file(dup)
    with pytest.raises(DataError, match="no such prompt file"):
        read_prompt_file(tmp_path / "missing.txt")


def test_arctic_prompts_if_available(repo_root):
    from conftest import ARCTIC_PROMPTS

    if not ARCTIC_PROMPTS.is_file():
        pytest.skip(f"ARCTIC prompts not found at {ARCTIC_PROMPTS}")
    prompts, stats = load_prompts(ARCTIC_PROMPTS)
    assert stats.read == 1132
    assert stats.kept + stats.dropped_oov + stats.dropped_duplicate + stats.dropped_empty == stats.read
    assert 1000 < stats.kept < stats.read
    assert all(w.isupper() or "'" in w for p in prompts for w in p.words)
