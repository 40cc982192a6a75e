"""The synth_accents corpus: speaker and sentence splits, data dirs, audio, regeneration."""

from __future__ import annotations

import dataclasses
import os
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mtlhybrid.corpora.synth_accents import (
    SPLITS,
    CorpusConfig,
    UttSynth,
    plan_corpus,
    prepare_corpus,
    regenerate_utterance,
    render_utterance,
)
from mtlhybrid.corpora.synth_accents_speakers import Augmentation, SpeakerPlanConfig, _variant_pools, plan_speakers
from mtlhybrid.synth.tts import SynthesisSettings
from mtlhybrid.utils.errors import DataError, MtlHybridError
from mtlhybrid.utils.io import kaldi_sorted, read_table

UNSEEN = ("en-029", "en-gb-x-gbcwmd")


def test_speaker_splits_nested_plan():
    splits = plan_speakers(SpeakerPlanConfig(seed=0, design="nested", num_unseen_spk_per_accent=3))
    ids = {s: {spk.spk_id for spk in splits[s]} for s in SPLITS}
    assert len(ids["train"]) == 48
    for a in SPLITS:  # speakers disjoint
        for b in SPLITS:
            if a < b:
                assert not ids[a] & ids[b]
    accents = {s: {spk.accent for spk in splits[s]} for s in SPLITS}
    assert accents["test_unseen"] == set(UNSEEN)
    assert not (accents["train"] | accents["dev"] | accents["test_seen"]) & set(UNSEEN)
    assert accents["test_seen"] == accents["train"] == accents["dev"]
    # voice variants (timbre) of test speakers were never heard in training
    train_voices = {spk.voice.split("+")[-1] for spk in splits["train"] if spk.engine == "espeak-ng"}
    test_voices = {spk.voice.split("+")[-1] for s in ("test_seen", "test_unseen") for spk in splits[s]}
    assert not train_voices & test_voices
    pools = _variant_pools(0)
    assert not set(pools["train"]) & set(pools["test"])
    assert not set(pools["dev"]) & set(pools["test"])
    # flite voices are training speakers with their documented accents
    flite = {spk.voice: (spk.accent, spk.gender) for spk in splits["train"] if spk.engine == "flite"}
    assert flite == {"kal": ("en-us", "m"), "rms": ("en-us", "m"), "slt": ("en-us", "f"), "awb": ("en-gb-scotland", "m")}
    assert {spk.gender for spk in splits["train"]} == {"m", "f"}
    # seeded: same seed same plan, other seed other plan
    assert plan_speakers(SpeakerPlanConfig(seed=0, design="nested", num_unseen_spk_per_accent=3)) == splits
    assert plan_speakers(SpeakerPlanConfig(seed=1, design="nested", num_unseen_spk_per_accent=3)) != splits


def _voice(spk) -> str:
    return spk.voice.split("+")[-1]


def test_crossed_design_default_plan():
    """The default corpus: every training voice under every seen accent (8 voices x 6 accents),
    test voices never heard in training, 12 test_unseen speakers, speed and pitch per utterance."""
    splits = plan_speakers(SpeakerPlanConfig(seed=0))
    seen = {spk.accent for spk in splits["train"]}
    assert len(seen) == 6 and not seen & set(UNSEEN)
    voices = {_voice(spk) for spk in splits["train"]}
    assert len(splits["train"]) == 48 and len(voices) == 8
    for v in voices:  # the full cross: a voice says nothing about the accent
        assert {spk.accent for spk in splits["train"] if _voice(spk) == v} == seen
    assert {spk.engine for s in SPLITS for spk in splits[s]} == {"espeak-ng"}  # flite voices cannot be crossed
    assert {spk.gender for spk in splits["train"]} == {"m", "f"}
    test_voices = {_voice(spk) for s in ("dev", "test_seen", "test_unseen") for spk in splits[s]}
    assert not voices & test_voices
    assert len(splits["test_unseen"]) == 12
    assert {spk.accent for spk in splits["test_unseen"]} == set(UNSEEN)
    for a in UNSEEN:  # six different new voices per unseen accent
        assert len({_voice(spk) for spk in splits["test_unseen"] if spk.accent == a}) == 6
    # every prefix of the training order is balanced: the learning curve's 6/12/24 speakers
    for n in (6, 12, 24):
        first = splits["train"][:n]
        per_accent = {a: sum(spk.accent == a for spk in first) for a in seen}
        assert set(per_accent.values()) == {n // 6}, n
        assert len({(spk.accent, _voice(spk)) for spk in first}) == n
    assert plan_speakers(SpeakerPlanConfig(seed=0)) == splits
    # fewer voices than the cross needs: refused, naming the pool
    with pytest.raises(MtlHybridError, match="voice variants"):
        plan_speakers(SpeakerPlanConfig(num_train_spk=48, num_train_voices=4))
    # a Latin rectangle: 12 voices over 6 accents with 24 speakers, each voice under 2 accents
    rect = plan_speakers(SpeakerPlanConfig(seed=0, num_train_spk=24, num_train_voices=12))["train"]
    assert len({_voice(spk) for spk in rect}) == 12
    assert all(sum(_voice(spk) == v for spk in rect) == 2 for v in {_voice(spk) for spk in rect})
    assert all(sum(spk.accent == a for spk in rect) == 4 for a in seen)

    assert CorpusConfig().utts_per_test_spk * len(splits["test_unseen"]) == 240  # default test_unseen utterances
    cfg = CorpusConfig(seed=0, speakers=SpeakerPlanConfig(num_train_spk=12), utts_per_spk=30, utts_per_test_spk=2,
                       lm_sentences=0, vocab_size=400)
    plan = plan_corpus(cfg)
    assert len(plan.splits["test_unseen"]) == 24
    # test_seen reads a prefix of test_unseen's sentences: their WER difference is the accent's
    assert {" ".join(u.words) for u in plan.splits["test_seen"]} <= {" ".join(u.words) for u in plan.splits["test_unseen"]}
    for spk in {u.speaker.spk_id for u in plan.splits["train"]}:
        prosody = {(u.synth.settings.speed, u.synth.settings.pitch) for u in plan.splits["train"] if u.speaker.spk_id == spk}
        assert len(prosody) >= 25, spk  # 30 utterances, about as many settings
    speeds = [u.synth.settings.speed for u in plan.splits["train"]]
    assert min(speeds) == 135 and max(speeds) == 185
    fixed = plan_corpus(dataclasses.replace(cfg, prosody="speaker"))
    assert len({(u.synth.settings.speed, u.synth.settings.pitch) for u in fixed.splits["train"]
                if u.speaker.spk_id == fixed.splits["train"][0].speaker.spk_id}) == 1


def test_speaker_plan_errors():
    with pytest.raises(MtlHybridError, match="unknown accent"):
        plan_speakers(SpeakerPlanConfig(unseen_accents=("en-mars",)))
    with pytest.raises(MtlHybridError, match="voice variants"):
        plan_speakers(SpeakerPlanConfig(num_unseen_spk_per_accent=40))


def test_sentence_pools_disjoint():
    cfg = CorpusConfig(seed=0, speakers=SpeakerPlanConfig(num_train_spk=12, num_unseen_spk_per_accent=3), utts_per_spk=10,
                       utts_per_test_spk=5, vocab_size=800, lm_sentences=300)
    plan = plan_corpus(cfg)
    texts = {s: {" ".join(u.words) for u in plan.splits[s]} for s in SPLITS}
    assert not texts["train"] & texts["dev"]
    assert not (texts["train"] | texts["dev"]) & (texts["test_seen"] | texts["test_unseen"])
    assert len(texts["train"]) == 120  # every training utterance a new sentence
    # test_seen and test_unseen read the same sentences, so their WERs compare accents
    seen = sorted(" ".join(u.words) for u in plan.splits["test_seen"])
    unseen = sorted(" ".join(u.words) for u in plan.splits["test_unseen"])
    assert len(seen) == 30
    assert len(unseen) == 30
    assert seen == unseen
    lm = {" ".join(s) for s in plan.lm_text}
    assert len(lm) == 120 + 300
    assert texts["train"] <= lm
    assert not lm & (texts["dev"] | texts["test_seen"])
    vocab = set(plan.vocabulary)
    assert all(w in vocab for s in SPLITS for u in plan.splits[s] for w in u.words)
    assert plan_corpus(cfg).splits == plan.splits  # deterministic


def test_sentence_pools_from_prompt_file(tmp_path):
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("\n".join(f"the {n} dogs ran home" for n in
                                 ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                                  "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"]) + "\n")
    cfg = CorpusConfig(seed=0, speakers=SpeakerPlanConfig(num_train_spk=2, accents=("en-us", "en-029"), unseen_accents=("en-029",)),
                       utts_per_spk=4, utts_per_test_spk=2, prompts=str(prompts))
    plan = plan_corpus(cfg)
    train = {" ".join(u.words) for u in plan.splits["train"]}
    held = {" ".join(u.words) for s in ("dev", "test_seen", "test_unseen") for u in plan.splits[s]}
    assert train
    assert held
    assert not train & held
    assert {" ".join(s) for s in plan.lm_text} == train  # the LM text is the training pool
    small = dataclasses.replace(cfg, utts_per_test_spk=10)
    with pytest.raises(MtlHybridError, match="usable prompts"):
        plan_corpus(small)


def _check_data_dir(d: Path) -> None:
    utt2spk = read_table(d / "utt2spk")
    utts = list(utt2spk)
    assert utts == kaldi_sorted(utts)
    # speaker-prefixed ids: utterance order and speaker order agree (Kaldi's requirement)
    spks = [utt2spk[u] for u in utts]
    assert spks == kaldi_sorted(spks)
    assert all(u.startswith(utt2spk[u] + "-") for u in utts)
    for name in ("wav.scp", "text", "utt2dur", "utt2accent", "utt2gender", "utt2synth"):
        table = read_table(d / name)
        assert list(table) == utts, name
    spk2utt = read_table(d / "spk2utt")
    assert list(spk2utt) == kaldi_sorted(set(spks))
    assert sorted(u for v in spk2utt.values() for u in v.split()) == sorted(utts)
    for name in ("spk2gender", "spk2accent"):
        assert list(read_table(d / name)) == list(spk2utt)
    assert set(read_table(d / "spk2gender").values()) <= {"m", "f"}
    for u, js in read_table(d / "utt2synth").items():
        assert len(js.split()) == 1  # one token, like any utt2<label> table
        assert " ".join(json.loads(js)["words"]).upper() == read_table(d / "text")[u]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    for exe in ("espeak-ng", "sox", "flite"):
        if shutil.which(exe) is None:
            pytest.skip(f"{exe} is not installed (apt-get install espeak-ng flite sox)")
    root = tmp_path_factory.mktemp("synth")
    cfg = CorpusConfig(
        seed=7,
        speakers=SpeakerPlanConfig(num_train_spk=4, accents=("en-us", "en-gb-scotland", "en-029"), unseen_accents=("en-029",),
                                   num_unseen_spk_per_accent=1, augment_fraction=0.5, design="nested"),
        utts_per_spk=2, utts_per_test_spk=1, vocab_size=400, lm_sentences=5,
    )
    plan = prepare_corpus(cfg, root / "wav", root / "data", nj=2)
    return cfg, plan, root


def test_small_corpus_data_dirs(small_corpus):
    import soundfile as sf

    cfg, plan, root = small_corpus
    data = root / "data"
    for split in SPLITS:
        _check_data_dir(data / split)
    assert set(read_table(data / "test_unseen" / "utt2accent").values()) == {"en-029"}
    assert set(read_table(data / "train" / "utt2accent").values()) == {"en-us", "en-gb-scotland"}
    engines = {json.loads(v)["settings"]["engine"] for v in read_table(data / "train" / "utt2synth").values()}
    assert engines == {"flite", "espeak-ng"}
    local = data / "local" / "synth_accents"
    vocab = set((local / "wordlist.txt").read_text().split())
    assert all(w in vocab for s in SPLITS for t in read_table(data / s / "text").values() for w in t.split())
    assert json.loads((local / "corpus.json").read_text())["num_utts"] == {"train": 8, "dev": 2, "test_seen": 2, "test_unseen": 1}
    # audio: 16 kHz mono 16-bit, not silent, utt2dur right
    for split in SPLITS:
        durs = read_table(data / split / "utt2dur")
        for utt, wav in read_table(data / split / "wav.scp").items():
            info = sf.info(wav)
            assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
            x, _ = sf.read(wav)
            assert np.sqrt(np.mean(x ** 2)) > 0.01
            assert 0.5 < len(x) / 16000 < 8
            assert abs(float(durs[utt]) - len(x) / 16000) < 1e-3


def test_regeneration_is_bit_identical(small_corpus, tmp_path):
    _, plan, root = small_corpus
    data = root / "data"
    n_aug = 0
    for split in SPLITS:
        for utt, wav in read_table(data / split / "wav.scp").items():
            out = regenerate_utterance(data / split, utt, tmp_path / f"{utt}.wav")
            assert out.read_bytes() == Path(wav).read_bytes(), utt
            n_aug += not UttSynth.from_dict(json.loads(read_table(data / split / "utt2synth")[utt])).augmentation.is_clean
    assert n_aug > 0
    with pytest.raises(DataError, match="utterance nope: utterance not in utt2synth"):
        regenerate_utterance(data / "train", "nope", tmp_path / "x.wav")


def test_reverb_and_noise_are_repeatable_and_change_audio(tmp_path, espeak, sox):
    import soundfile as sf

    clean = UttSynth("the seven red boats", SynthesisSettings("espeak-ng", "en-us+f2", 160, 50), seed=11)
    noisy = dataclasses.replace(clean, augmentation=Augmentation(reverb=(50, 50, 80), noise_snr_db=10.0, noise_color="pink"))
    a = render_utterance(noisy, tmp_path / "a.wav").read_bytes()
    b = render_utterance(noisy, tmp_path / "b.wav").read_bytes()
    assert a == b
    other_seed = render_utterance(dataclasses.replace(noisy, seed=12), tmp_path / "c.wav").read_bytes()
    assert other_seed != a
    x, _ = sf.read(render_utterance(clean, tmp_path / "d.wav"))
    y, _ = sf.read(tmp_path / "a.wav")
    assert len(y) == len(x)  # sox reverb keeps the length, so utt2dur is the clean one
    assert np.mean((y - x) ** 2) > 0.1 * np.mean(x ** 2)
    # noise alone is added at the asked SNR
    only_noise = dataclasses.replace(clean, augmentation=Augmentation(noise_snr_db=20.0, noise_color="white"))
    z, _ = sf.read(render_utterance(only_noise, tmp_path / "e.wav"))
    snr = 10 * np.log10(np.mean(x ** 2) / np.mean((z - x) ** 2))
    assert 19.0 < snr < 21.0


def test_resume_reuses_matching_wavs(small_corpus, caplog):
    cfg, plan, root = small_corpus
    wav = Path(read_table(root / "data" / "train" / "wav.scp")[plan.splits["train"][0].utt_id])
    before = wav.stat().st_mtime_ns
    with caplog.at_level("INFO"):
        prepare_corpus(cfg, root / "wav", root / "data", nj=2)
    assert "synthesized 0 utterances, reused 13" in caplog.text
    assert wav.stat().st_mtime_ns == before
    wav.with_suffix(".json").write_text("{}\n")  # stale sidecar: made again
    caplog.clear()
    with caplog.at_level("INFO"):
        prepare_corpus(cfg, root / "wav", root / "data", nj=1)
    assert "synthesized 1 utterances, reused 12" in caplog.text


def test_prepare_data_script(repo_root, script_env, tmp_path, espeak, sox):
    s5 = repo_root / "egs" / "synth_accents" / "s5"
    run = lambda *args: subprocess.run(["local/prepare_data.sh", *args], cwd=s5, env=script_env, capture_output=True, text=True)
    r = run("--help")
    assert r.returncode == 0
    assert "Usage: local/prepare_data.sh" in r.stdout
    r = run(str(tmp_path / "only-one"))
    assert r.returncode == 1
    assert "Usage:" in r.stderr
    r = run("--prompts", str(tmp_path / "missing.txt"), str(tmp_path / "w"), str(tmp_path / "d"))
    assert r.returncode == 1
    assert "no such file" in r.stdout
    r = run("--num-train-spk", "6", "--utts-per-spk", "1", "--utts-per-test-spk", "1", "--num-unseen-spk-per-accent", "1",
            "--vocab-size", "400", "--lm-sentences", "0", "--flite", "false", str(tmp_path / "wav"), str(tmp_path / "data"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "data" / "local" / "synth_accents" / "log" / "prepare_data.log").is_file()
    for split in SPLITS:
        _check_data_dir(tmp_path / "data" / split)
    utt = next(iter(read_table(tmp_path / "data" / "test_unseen" / "wav.scp").items()))
    r = subprocess.run(["local/regenerate_utt.sh", str(tmp_path / "data" / "test_unseen"), utt[0], str(tmp_path / "re.wav")],
                       cwd=s5, env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "re.wav").read_bytes() == Path(utt[1]).read_bytes()


def _hashes(root: Path) -> dict:
    import hashlib

    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.wav"))}


def test_stage0_twice_gives_identical_audio(repo_root, script_env, tmp_path, espeak, sox):
    """Stage 0 run twice, the second time with another job count, hash seed, locale, HOME and a
    user's SOX_OPTS (no dither), synthesizes the same bytes: nothing outside the recorded
    settings reaches the audio."""
    args = ["--accents", "en-us,en-gb-scotland,en-029", "--unseen-accents", "en-029", "--num-train-spk", "2",
            "--utts-per-spk", "1", "--utts-per-test-spk", "1", "--num-unseen-spk-per-accent", "1",
            "--vocab-size", "400", "--lm-sentences", "0", "--no-flite", "--augment", "1.0"]
    home = tmp_path / "home"
    home.mkdir()
    other_env = dict(script_env, SOX_OPTS="-D", PYTHONHASHSEED="123", LC_ALL="C.UTF-8", HOME=str(home))
    for name, nj, env in (("a", "2", dict(script_env, PYTHONHASHSEED="0")), ("b", "1", other_env)):
        r = subprocess.run([os.sys.executable, "-m", "mtlhybrid.bin.synth_accents_prep", "--nj", nj, *args,
                            str(tmp_path / name / "wav"), str(tmp_path / name / "data")],
                           cwd=repo_root, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    a, b = _hashes(tmp_path / "a" / "wav"), _hashes(tmp_path / "b" / "wav")
    assert len(a) == 2 + 2 + 2 + 1  # train, dev, test_seen, test_unseen
    assert a == b


def test_stage0_crossed_corpus(repo_root, script_env, tmp_path, espeak, sox):
    """Stage 0 (local/prepare_data.sh) on a tiny crossed corpus: the data dirs show every training
    voice under every seen accent and speed and pitch varying within each speaker; the wavs are those settings."""
    s5 = repo_root / "egs" / "synth_accents" / "s5"
    r = subprocess.run(["local/prepare_data.sh", "--num-train-spk", "12", "--utts-per-spk", "2", "--utts-per-test-spk", "1",
                        "--num-unseen-spk-per-accent", "1", "--vocab-size", "400", "--lm-sentences", "0",
                        str(tmp_path / "wav"), str(tmp_path / "data")], cwd=s5, env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = tmp_path / "data"
    train = data / "train"
    _check_data_dir(train)
    synth = {u: json.loads(v) for u, v in read_table(train / "utt2synth").items()}
    accent = read_table(train / "utt2accent")
    spk = read_table(train / "utt2spk")
    cells = {(s["settings"]["voice"].split("+")[1], accent[u]) for u, s in synth.items()}
    voices = {v for v, _ in cells}
    seen = set(accent.values())
    assert len(seen) == 6 and len(voices) == 2  # 12 speakers: two voices, each under all six seen accents
    assert cells == {(v, a) for v in voices for a in seen}
    for s_ in set(spk.values()):
        prosody = {(synth[u]["settings"]["speed"], synth[u]["settings"]["pitch"]) for u in synth if spk[u] == s_}
        assert len(prosody) == 2, s_  # drawn per utterance
    order = (data / "local" / "synth_accents" / "train_spk_order.txt").read_text().split()
    assert sorted(order) == sorted(set(spk.values()))
    rows = [line.split("\t") for line in (data / "local" / "synth_accents" / "speakers.tsv").read_text().splitlines()[1:]]
    assert all(row[6] == "135-185" and row[7] == "30-70" for row in rows)
    assert len(read_table(data / "test_unseen" / "utt2spk")) == 2  # one speaker per unseen accent
    utt = next(iter(synth))
    regen = regenerate_utterance(train, utt, tmp_path / "re.wav")
    assert regen.read_bytes() == Path(read_table(train / "wav.scp")[utt]).read_bytes()
