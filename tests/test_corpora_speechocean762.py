"""speechocean762: data prep, dev split, lexicon and the recipe's early stages.

A fixture laid out like the real corpus (``train/`` and ``test/`` with Kaldi-style files,
``WAVE/SPEAKERxxxx/<utt>.WAV`` of espeak-ng speech, ``resource/lexicon.txt`` with stress),
and the shared train split when ``../shared/data/speechocean762`` is there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import soundfile as sf

from mtlhybrid.corpora.speechocean762 import (PrepReport, build_dict_dir, choose_dev_speakers, prepare_speechocean762,
                                               read_part)
from mtlhybrid.data.validate import validate_data_dir
from mtlhybrid.utils.errors import DataError

REPO = Path(__file__).resolve().parent.parent
RECIPE = REPO / "egs" / "speechocean762" / "s5"
SHARED = Path(os.environ.get("MTLHYBRID_SHARED_DATA", REPO.parent / "shared" / "data")) / "speechocean762"

SENTENCES = ["WE CALL IT BEAR", "ZERO THREE FIVE ONE", "TOM GIVES UP BOXING"]
# speaker -> (gender, age); two per (age group, gender) in train/, one in test/. 15 is a
# child and 16 an adult: the boundary of the age groups.
TRAIN_SPEAKERS = {"0001": ("m", 9), "0005": ("m", 15), "0006": ("f", 12), "0026": ("f", 7),
                  "1027": ("m", 37), "1029": ("m", 16), "1033": ("f", 30), "1042": ("f", 24)}
TEST_SPEAKERS = {"0003": ("m", 10), "0012": ("f", 11), "1001": ("m", 40), "1011": ("f", 22)}
# The corpus lexicon: tab-separated, stress marked (one vowel without a digit, as in the
# real one); BOXING is missing (CMUdict has it), GLORPS is in neither (letter-to-sound).
LEXICON = """A\tAH0
BEAR\tB EH1 R
CALL\tK AO1 L
FIVE\tF AY1 V
GIVES\tG IH1 V Z
IT\tIH T
ONE\tW AH1 N
THREE\tTH R IY1
TOM\tT AA1 M
UP\tAH1 P
WE\tW IY1
ZERO\tZ IH1 R OW0
"""


@pytest.fixture(scope="module")
def voices(tmp_path_factory, espeak):
    """One espeak-ng recording per sentence (16 kHz), shared by every speaker of the fixture."""
    from mtlhybrid.synth import SynthesisSettings, synthesize

    d = tmp_path_factory.mktemp("tts")
    out = []
    for i, s in enumerate(SENTENCES):
        synthesize(s.lower(), d / f"{i}.wav", SynthesisSettings(sample_rate=16000))
        out.append(sf.read(d / f"{i}.wav", dtype="float32"))
    return out


def make_corpus(root: Path, voices, flac: bool = False, with_test: bool = True, extra_word: bool = True) -> Path:
    """A folder laid out like speechocean762: <part>/{text,wav.scp,utt2spk,spk2utt,spk2age,spk2gender}, WAVE/, resource/."""
    corpus = root / "speechocean762"
    parts = {"train": TRAIN_SPEAKERS}
    if with_test:
        parts["test"] = TEST_SPEAKERS
    for part, speakers in parts.items():
        pdir = corpus / part
        pdir.mkdir(parents=True)
        text, scp, u2s, s2u = [], [], [], []
        for spk, (gender, age) in sorted(speakers.items()):
            utts = []
            for i, (x, sr) in enumerate(voices):
                utt = f"0{spk}{i:04d}"
                ext = "flac" if flac else "WAV"
                rel = f"WAVE/SPEAKER{spk}/{utt}.{ext}"
                (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
                sf.write(corpus / rel, x, sr, format="FLAC" if flac else "WAV", subtype="PCM_16")
                # GLORPS: a training word in no dictionary; SWIFTLY: a test word the LM never saw.
                words = SENTENCES[i] + {"train": " GLORPS", "test": " SWIFTLY"}[part] * (extra_word and i == 2)
                text.append(f"{utt}\t{words}")
                scp.append(f"{utt}\t{rel}")
                u2s.append(f"{utt} {spk}")
                utts.append(utt)
            s2u.append(f"{spk} {' '.join(utts)}")
        (pdir / "text").write_text("\n".join(text) + "\n")
        (pdir / "wav.scp").write_text("\n".join(scp) + "\n")
        (pdir / "utt2spk").write_text("\n".join(u2s) + "\n")
        (pdir / "spk2utt").write_text("\n".join(s2u) + "\n")
        (pdir / "spk2age").write_text("".join(f"{s}\t{a}\n" for s, (g, a) in sorted(speakers.items())))
        (pdir / "spk2gender").write_text("".join(f"{s}\t{g}\n" for s, (g, a) in sorted(speakers.items())))
    (corpus / "resource").mkdir()
    (corpus / "resource" / "lexicon.txt").write_text(LEXICON)
    return corpus


def table(path: Path) -> dict:
    return dict(line.split(maxsplit=1) for line in path.read_text().splitlines())


def test_data_prep_script_writes_labelled_speaker_disjoint_dirs(tmp_path, voices, script_env):
    corpus = make_corpus(tmp_path, voices)
    data = tmp_path / "data"
    res = subprocess.run([str(RECIPE / "local" / "data_prep.sh"), "--dev-per-group", "1", str(corpus), str(data)],
                         cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    for part in ("train", "dev", "test"):
        validate_data_dir(data / part, no_feats=True)
    dev_spk = set(table(data / "dev" / "utt2spk").values())
    train_spk = set(table(data / "train" / "utt2spk").values())
    assert len(dev_spk) == 4
    assert len(train_spk) == 4
    assert dev_spk | train_spk == set(TRAIN_SPEAKERS)
    assert set(table(data / "test" / "utt2spk").values()) == set(TEST_SPEAKERS)
    # One dev speaker from each (age group, gender).
    groups = {(("child" if TRAIN_SPEAKERS[s][1] <= 15 else "adult"), TRAIN_SPEAKERS[s][0]) for s in dev_spk}
    assert len(groups) == 4
    train_ages = table(data / "train" / "utt2age_group")
    all_ages = {**train_ages, **table(data / "dev" / "utt2age_group")}
    assert all_ages["000050000"] == "child"
    assert all_ages["010290000"] == "adult"  # 15 and 16 years
    assert table(data / "test" / "utt2gender")["000120001"] == "f"
    assert table(data / "test" / "spk2gender") == {s: g for s, (g, a) in TEST_SPEAKERS.items()}
    wav = table(data / "test" / "wav.scp")["010010002"]
    assert wav == str(corpus.resolve() / "WAVE" / "SPEAKER1001" / "010010002.WAV")
    assert abs(float(table(data / "test" / "utt2dur")["010010002"]) - sf.info(wav).duration) < 1e-3
    # The draw is seeded: the same dev speakers again.
    res = subprocess.run([str(RECIPE / "local" / "data_prep.sh"), "--dev-per-group", "1", str(corpus), str(tmp_path / "d2")],
                         cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert set(table(tmp_path / "d2" / "dev" / "utt2spk").values()) == dev_spk


def test_flac_copy_without_test_split(tmp_path, voices):
    corpus = make_corpus(tmp_path, voices, flac=True, with_test=False)
    report = prepare_speechocean762(corpus, tmp_path / "data", dev_speakers=["0001", "1033"])
    assert not report.has_test
    assert not (tmp_path / "data" / "test").exists()
    assert sorted(report.parts) == ["dev", "train"]
    assert report.parts["dev"]["speakers"] == 2
    assert report.parts["train"]["utterances"] == 6 * len(SENTENCES)
    assert table(tmp_path / "data" / "dev" / "wav.scp")["000010000"].endswith("WAVE/SPEAKER0001/000010000.flac")
    saved = json.loads((tmp_path / "data" / "local" / "speechocean762_prep.json").read_text())
    assert PrepReport.from_dict(saved) == report


def test_bad_corpora_are_named(tmp_path, voices):
    corpus = make_corpus(tmp_path, voices, with_test=False)
    with pytest.raises(DataError, match="only 2 adult speakers of gender f: too few to hold out 2"):
        prepare_speechocean762(corpus, tmp_path / "d1", dev_per_group=2)
    with pytest.raises(DataError, match="dev speakers not among the training speakers: 9999"):
        prepare_speechocean762(corpus, tmp_path / "d2", dev_speakers=["9999"])
    (corpus / "WAVE" / "SPEAKER0006" / "000060001.WAV").unlink()
    with pytest.raises(DataError, match=r"1 of 24 audio files in wav.scp do not exist .* 000060001"):
        read_part(corpus, "train")
    with pytest.raises(DataError, match="speechocean762 not found.*openslr.org/101"):
        prepare_speechocean762(tmp_path / "nowhere", tmp_path / "d3")
    assert not (tmp_path / "d1").exists()
    assert not (tmp_path / "d3").exists()


def test_bad_age_names_the_line(tmp_path, voices):
    corpus = make_corpus(tmp_path, voices, with_test=False)
    (corpus / "train" / "spk2age").write_text((corpus / "train" / "spk2age").read_text().replace("0006\t12", "0006\ttwelve"))
    with pytest.raises(DataError, match="age 'twelve' of speaker 0006") as e:
        read_part(corpus, "train")
    assert e.value.line == 3


def test_lexicon_corpus_first_then_cmudict_then_rules(tmp_path):
    lex = tmp_path / "lexicon.txt"
    lex.write_text(LEXICON)
    words = ["WE", "CALL", "IT", "BOXING", "GLORPS"]
    d, by_rule, sources = build_dict_dir(words, lex)
    prons = {e.word: e.phones for e in d.lexicon}
    assert prons["CALL"] == ["K", "AO", "L"]
    assert prons["IT"] == ["IH", "T"]
    assert prons["BOXING"] == ["B", "AA", "K", "S", "IH", "NG"]  # CMUdict
    assert by_rule == ["GLORPS"]
    assert prons["GLORPS"]
    assert sources == {"corpus lexicon": 3, "CMUdict": 1, "letter-to-sound rules": 1}
    d, _, _ = build_dict_dir(words, lex, keep_stress=True)
    prons = {e.word: e.phones for e in d.lexicon}
    assert prons["CALL"] == ["K", "AO1", "L"]
    assert prons["IT"] == ["IH0", "T"]  # the corpus's unmarked vowel, unstressed
    phones = {p for line in d.nonsilence_phones for p in line}
    assert "IH0" in phones
    assert "IH" not in phones
    lex.write_text("WE\tW IY1\nIT\tIH T QQ\n")
    with pytest.raises(DataError, match="phone 'QQ' is not a CMUdict phone") as e:
        build_dict_dir(words, lex)
    assert e.value.line == 2


def test_dev_draw_is_balanced_and_seeded():
    from mtlhybrid.corpora.speechocean762 import Speaker

    speakers = {f"{i:04d}": Speaker(f"{i:04d}", "mf"[(i // 4) % 2], 8 + (i % 4) * 10) for i in range(40)}
    dev = choose_dev_speakers(speakers, 3, seed=0)
    assert dev == choose_dev_speakers(speakers, 3, seed=0)
    assert dev != choose_dev_speakers(speakers, 3, seed=1)
    counts = {}
    for s in dev:
        counts[speakers[s].group] = counts.get(speakers[s].group, 0) + 1
    assert counts == {("adult", "f"): 3, ("adult", "m"): 3, ("child", "f"): 3, ("child", "m"): 3}


def test_shared_train_split(tmp_path):
    if not (SHARED / "train" / "wav.scp").is_file():
        pytest.skip(f"speechocean762 not found at {SHARED} (set MTLHYBRID_SHARED_DATA to the folder holding speechocean762/)")
    report = prepare_speechocean762(SHARED, tmp_path / "data", with_utt2dur=False)
    assert not report.has_test
    assert report.parts["train"]["utterances"] + report.parts["dev"]["utterances"] == 2500
    assert report.parts["dev"]["speakers"] == 16
    assert report.parts["dev"]["speakers_per_group"] == {"adult_f": 4, "adult_m": 4, "child_f": 4, "child_m": 4}
    assert report.parts["train"]["speakers"] == 109
    words = {w for line in (tmp_path / "data" / "train" / "text").read_text().splitlines() for w in line.split()[1:]}
    _, by_rule, sources = build_dict_dir(sorted(words), SHARED / "resource" / "lexicon.txt")
    assert sources == {"corpus lexicon": len(words)}
    assert not by_rule


def recipe_copy(tmp_path: Path) -> Path:
    """The recipe in a scratch tree (its data/ and exp/ there), code linked from this checkout."""
    root = tmp_path / "repo"
    s5 = root / "egs" / "speechocean762" / "s5"
    shutil.copytree(RECIPE, s5, symlinks=True,
                    ignore=shutil.ignore_patterns("data", "exp", "mfcc", "fbank", "results", "corpus"))
    for name in ("steps", "utils", "local", "mtlhybrid"):
        (root / name).symlink_to(REPO / name)
    (root / "egs" / "common_path.sh").symlink_to(REPO / "egs" / "common_path.sh")
    return s5


def run_recipe(s5: Path, *args, env) -> subprocess.CompletedProcess:
    return subprocess.run(["./run.sh", *args], cwd=s5, env=env, capture_output=True, text=True, timeout=600)


def test_recipe_early_stages_on_a_few_speakers(tmp_path, voices, script_env):
    corpus = make_corpus(tmp_path, voices)
    s5 = recipe_copy(tmp_path)
    res = run_recipe(s5, "--corpus-dir", str(corpus), "--dev-per-group", "1", "--stop-stage", "2", env=script_env)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    # Lexicon from the training words only: GLORPS by rule, BOXING from CMUdict.
    assert "letter-to-sound rules (GLORPS)" in res.stdout
    assert "from the CMUdict" in res.stdout
    words = set(table(s5 / "data" / "lang_test" / "words.txt"))
    assert {"BOXING", "GLORPS", "ZERO"} <= words
    # The OOV rate of each test set: dev speakers read GLORPS too, test speakers SWIFTLY.
    rates = (s5 / "data" / "local" / "lm" / "oov_rates.txt").read_text().splitlines()
    assert rates == ["dev: 0 of 52 words out of the vocabulary (0.00%)", "test: 4 of 52 words out of the vocabulary (7.69%)"]
    assert "SWIFTLY" not in words
    for part in ("train", "dev", "test", "train_fbank", "dev_fbank", "test_fbank"):
        assert len(table(s5 / "data" / part / "feats.scp")) == len(table(s5 / "data" / part / "text")), part
    times = (s5 / "exp" / "stage_times.txt").read_text()
    assert all(f"stage {n} " in times for n in (0, 1, 2))


def test_recipe_downloads_when_the_corpus_is_missing(tmp_path, voices, script_env):
    src = make_corpus(tmp_path / "src", voices, with_test=False)
    tarball = tmp_path / "speechocean762.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(src, arcname="speechocean762")
    s5 = recipe_copy(tmp_path)
    target = tmp_path / "dl" / "speechocean762"
    res = run_recipe(s5, "--corpus-dir", str(target), "--corpus-url", "file:///nowhere/speechocean762.tar.gz",
                     "--stop-stage", "0", env=script_env)
    assert res.returncode != 0
    assert "could not download file:///nowhere/speechocean762.tar.gz" in res.stderr
    assert "openslr.org/101" in res.stderr
    assert not (s5 / "data").exists()
    res = run_recipe(s5, "--corpus-dir", str(target), "--corpus-url", tarball.as_uri(), "--dev-per-group", "1",
                     "--stop-stage", "0", env=script_env)
    assert res.returncode == 0, res.stderr[-3000:]
    assert (target / "train" / "wav.scp").is_file()
    assert not (tmp_path / "dl" / "speechocean762.tar.gz").exists()
    assert len(table(s5 / "data" / "dev" / "utt2spk")) == 4 * len(SENTENCES)
    assert "no test set" in res.stdout
    res = run_recipe(s5, "--corpus-dir", str(tmp_path / "none" / "speechocean762"), "--download", "false", env=script_env)
    assert res.returncode != 0
    assert "speechocean762 not found" in res.stderr
    assert "--download true" in res.stderr


def test_unknown_gmm_or_nnet_feats_is_refused_before_any_work(tmp_path, script_env):
    s5 = recipe_copy(tmp_path)
    res = run_recipe(s5, "--stage", "4", "--gmm", "tri4", env=script_env)
    assert res.returncode == 1
    assert "--gmm must be tri1, tri2b or tri3b, not 'tri4'" in res.stderr
    res = run_recipe(s5, "--stage", "6", "--nnet-feats", "mfcc", env=script_env)
    assert res.returncode == 1
    assert "--nnet-feats must be fbank or gmm, not 'mfcc'" in res.stderr
    assert not (s5 / "exp").exists()


def test_run_adapt_usage_and_missing_inputs(tmp_path, script_env):
    s5 = recipe_copy(tmp_path)
    res = subprocess.run(["local/run_adapt.sh", "--help"], cwd=s5, env=script_env, capture_output=True, text=True)
    assert res.returncode == 0
    for opt in ("--src-nnet", "--adapt-sizes", "--scratch-config", "--gmm"):
        assert opt in res.stdout, opt
    res = subprocess.run(["local/run_adapt.sh", "--adapt-sizes", "10:5 some:3"], cwd=s5, env=script_env,
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert "bad --adapt-sizes entry 'some:3'" in res.stderr
    res = subprocess.run(["local/run_adapt.sh", "--src-nnet", str(tmp_path / "none")], cwd=s5, env=script_env,
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert f"no such file {tmp_path}/none/final.pt" in res.stderr
    assert "--src-nnet" in res.stderr


def test_run_sh_usage(script_env):
    res = subprocess.run(["./run.sh", "--help"], cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode == 0
    for opt in ("--corpus-dir", "--download", "--dev-per-group", "--keep-stress", "--stop-stage", "--nnet-seeds", "--lm-order"):
        assert opt in res.stdout, opt
    res = subprocess.run(["./run.sh", "stray"], cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode == 1
    assert "unexpected argument 'stray'" in res.stderr
    for script in ("local/data_prep.sh", "local/download_and_untar.sh"):
        res = subprocess.run([script], cwd=RECIPE, env=script_env, capture_output=True, text=True)
        assert res.returncode == 1, script
        assert "Usage:" in res.stderr, script
