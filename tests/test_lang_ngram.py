"""n-gram estimation (Witten-Bell, Kneser-Ney), ARPA I/O and G.fst through format_lm."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import kaldifst
import pytest

from mtlhybrid.lang.arpa import ArpaLm
from mtlhybrid.lang.fst_io import iter_arcs, read_fst
from mtlhybrid.lang.grammar_fst import arpa_to_fst
from mtlhybrid.lang.ngram import InterpolatedNgram, NgramCounts, estimate_arpa, isolated_word_grammar
from mtlhybrid.utils.errors import DataError

TINY = [["a", "b"], ["a"]]


def test_witten_bell_by_hand():
    m = InterpolatedNgram(NgramCounts.from_sentences(TINY, 2), "witten-bell")
    # unigrams: c(a)=2, c(b)=1, c(</s>)=2; T=5, 3 types, |V|=3 -> p = c/8 + 3/8 * 1/3
    assert m.prob("a", []) == pytest.approx(3 / 8)
    assert m.prob("b", []) == pytest.approx(2 / 8)
    assert m.prob("</s>", []) == pytest.approx(3 / 8)
    # after <s>: c(<s> a)=2, one type -> 2/3 + 1/3 * p(a)
    assert m.prob("a", ["<s>"]) == pytest.approx(2 / 3 + 1 / 3 * 3 / 8)
    assert m.prob("b", ["a"]) == pytest.approx(1 / 4 + 1 / 2 * 2 / 8)
    assert m.prob("</s>", ["a"]) == pytest.approx(1 / 4 + 1 / 2 * 3 / 8)
    assert m.gamma(("a",)) == pytest.approx(0.5)


def test_kneser_ney_by_hand():
    m = InterpolatedNgram(NgramCounts.from_sentences(TINY, 2), "kneser-ney")
    # bigram counts 2,1,1,1 -> D2 = 3/(3+2) ; continuation counts a:1 b:1 </s>:2 -> D1 = 2/(2+2)
    assert m.discounts == [pytest.approx(0.5), pytest.approx(0.6)]
    assert m.prob("a", []) == pytest.approx(0.5 / 4 + 0.5 * 3 / 4 / 3)
    assert m.prob("</s>", []) == pytest.approx(1.5 / 4 + 0.125)
    assert m.prob("a", ["<s>"]) == pytest.approx((2 - 0.6) / 2 + 0.6 * 1 / 2 * 0.25)
    assert m.prob("b", ["a"]) == pytest.approx((1 - 0.6) / 2 + 0.6 * 2 / 2 * 0.25)


SENTS = [s.split() for s in [
    "one two three", "two three four", "one one two", "three four five six", "six five",
    "one two", "four", "five six one two three",
]]


@pytest.mark.parametrize("method", ["witten-bell", "kneser-ney"])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_arpa_distributions_sum_to_one(tmp_path, method, order):
    vocab = ["seven", "eight"]  # unseen words still get probability
    lm = estimate_arpa(SENTS, order, method, vocab=vocab)
    lm.write(tmp_path / "lm.arpa.gz")
    back = ArpaLm.read(tmp_path / "lm.arpa.gz")
    assert back.order == order
    model = InterpolatedNgram(NgramCounts.from_sentences(SENTS, order), method, vocab)
    words = [w for w in back.vocab if w != "<s>"]
    assert set(words) == set(model.vocab)
    assert "seven" in words
    histories = [()] + [g for table in back.ngrams[:-1] for g in table if g[-1] != "</s>"]
    for h in histories:
        total = sum(10 ** back.log10_prob(w, h) for w in words)
        assert total == pytest.approx(1.0, abs=1e-5), h
        # back-off evaluation of the ARPA file gives the interpolated model exactly
        for w in words:
            assert 10 ** back.log10_prob(w, h) == pytest.approx(model.prob(w, h), rel=1e-5)
    if order > 1:
        e = back.ngrams[0][("one",)]
        assert e.backoff == pytest.approx(math.log10(model.gamma(("one",))), abs=1e-6)


def test_arpa_read_errors(tmp_path):
    p = tmp_path / "bad.arpa"
    p.write_text("\\data\\\nngram 1=2\n\n\\1-grams:\n-0.3\ta\n-0.3\n\\end\\\n")
    with pytest.raises(DataError) as e:
        ArpaLm.read(p)
    assert e.value.line == 6
    p.write_text("\\data\\\nngram 1=3\n\n\\1-grams:\n-0.3\ta\n-0.3\tb\n\\end\\\n")
    with pytest.raises(DataError, match="header says 3"):
        ArpaLm.read(p)


def _words_txt(path: Path, words):
    syms = ["<eps>"] + sorted(words) + ["#0", "<s>", "</s>"]
    path.write_text("".join(f"{w} {i}\n" for i, w in enumerate(syms)))
    return {w: i for i, w in enumerate(syms)}


def path_cost(G, words, ids, backoff_id) -> float:
    """Shortest-path cost of G restricted to ``words`` (allowing #0 back-off arcs between them)."""
    W = kaldifst.StdVectorFst()
    states = [W.add_state() for _ in range(len(words) + 1)]
    W.start = states[0]
    for i, w in enumerate(words):
        W.add_arc(states[i], kaldifst.StdArc(ids[w], ids[w], 0.0, states[i + 1]))
    for s in states:
        W.add_arc(s, kaldifst.StdArc(backoff_id, backoff_id, 0.0, s))
    W.set_final(states[-1], 0.0)
    kaldifst.arcsort(W, sort_type="ilabel")
    G2 = G.copy()
    kaldifst.arcsort(G2, sort_type="olabel")
    C = kaldifst.compose(G2, W)
    if C.num_states == 0:
        return math.inf
    best = kaldifst.shortest_path(C)
    total, s = 0.0, best.start
    while True:
        arcs = list(kaldifst.ArcIterator(best, s))
        if not arcs:
            return total + float(best.final(s).value)
        total += float(arcs[0].weight.value)
        s = arcs[0].nextstate


def test_g_fst_from_estimated_arpa(tmp_path):
    lm = estimate_arpa(SENTS, 2, "witten-bell")
    lm.write(tmp_path / "lm.arpa")
    ids = _words_txt(tmp_path / "words.txt", {w for s in SENTS for w in s})
    G = arpa_to_fst(tmp_path / "lm.arpa", tmp_path / "G.fst", tmp_path / "words.txt")
    G = read_fst(tmp_path / "G.fst")
    assert G.is_ilabel_sorted
    # Tiny case: one state per listed history (the 6 words and <s>) plus the back-off
    # (unigram) state; </s> becomes final weights, so: 6 + 1 + 1 = 8 states. Arcs: one per
    # bigram not ending in </s>, one per unigram word from the back-off state, one back-off
    # arc per history.
    arcs = list(iter_arcs(G))
    bigrams = [g for g in lm.ngrams[1] if g[-1] != "</s>"]
    assert G.num_states == 8
    assert len(arcs) == len(bigrams) + 6 + 7
    backoff = [a for a in arcs if a[1] == ids["#0"]]
    assert len(backoff) == 7
    assert all(a[2] == 0 for a in backoff)
    assert all(a[1] not in (ids["<s>"], ids["</s>"]) for a in arcs)
    ln10 = math.log(10)
    for s in SENTS:
        cost = path_cost(G, s, ids, ids["#0"])
        assert cost < math.inf
        # The best path through G scores the sentence at least as well as the ARPA model.
        assert cost <= -lm.sentence_log10_prob(s) * ln10 + 1e-3


def test_format_lm_script_and_isolated_grammar(tmp_path, repo_root, script_env):
    from mtlhybrid.lang.prepare_lang import prepare_lang

    src = tmp_path / "dict"
    src.mkdir()
    (src / "lexicon.txt").write_text("!SIL SIL\n<UNK> SPN\nONE W AH N\nTWO T UW\nTHREE TH R IY\nFOUR F AO R\n")
    (src / "silence_phones.txt").write_text("SIL\nSPN\n")
    (src / "optional_silence.txt").write_text("SIL\n")
    (src / "nonsilence_phones.txt").write_text("W\nAH\nN\nT\nUW\nTH\nR\nIY\nF\nAO\n")
    (src / "extra_questions.txt").write_text("")
    prepare_lang(src, "<UNK>", tmp_path / "tmp", tmp_path / "lang")
    text = tmp_path / "text"
    text.write_text("u1 ONE\nu2 TWO\nu3 THREE\nu4 ONE\n")
    r = subprocess.run(["python3", "-m", "mtlhybrid.bin.make_ngram_lm", "--grammar", "isolated", "--text-has-ids", str(text), str(tmp_path / "g.arpa")],
                       env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    sh = repo_root / "utils" / "format_lm.sh"
    r = subprocess.run([str(sh), str(tmp_path / "lang")], env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "Usage" in r.stderr
    r = subprocess.run([str(sh), str(tmp_path / "lang"), str(tmp_path / "g.arpa"), str(src / "lexicon.txt"), str(tmp_path / "lang_test")],
                       env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "lang" / "G.fst").exists()
    assert (tmp_path / "lang_test" / "L.fst").exists()
    ids = {l.split()[0]: int(l.split()[1]) for l in (tmp_path / "lang_test" / "words.txt").read_text().splitlines()}
    G = read_fst(tmp_path / "lang_test" / "G.fst")
    one = path_cost(G, ["ONE"], ids, ids["#0"])
    assert one == pytest.approx(math.log(3), abs=1e-3)  # 1 of the 3 words of the text, then </s> for sure
    assert path_cost(G, ["ONE", "TWO"], ids, ids["#0"]) > 100  # two words only through -99 back-off
    assert math.isinf(path_cost(G, ["FOUR"], ids, ids["#0"]))  # not in the grammar


def test_isolated_grammar_sums_to_one():
    lm = isolated_word_grammar(["ONE", "TWO", "THREE"])
    words = ["ONE", "TWO", "THREE", "</s>"]
    assert sum(10 ** lm.log10_prob(w, ["<s>"]) for w in words) == pytest.approx(1.0, abs=1e-6)
    assert 10 ** lm.log10_prob("</s>", ["<s>", "ONE"]) == pytest.approx(1.0)
