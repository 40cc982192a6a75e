"""Mini LibriSpeech preparation on a fixture laid out like the real corpus (espeak-ng speech as FLAC)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from mtlhybrid.corpora.mini_librispeech import prepare_mini_librispeech, read_speakers_txt
from mtlhybrid.data.audio import read_audio
from mtlhybrid.data.datadir import DataDir
from mtlhybrid.data.validate import validate_data_dir
from mtlhybrid.utils.errors import DataError

RECIPE = Path(__file__).resolve().parent.parent / "egs" / "mini_librispeech" / "s5"

SPEAKERS_TXT = """\
; LibriSpeech speakers (fixture)
;ID  |SEX| SUBSET           |MINUTES| NAME
19   | F | train-clean-5    | 25.19 | Kara Shallenberg
198  | M | train-clean-5    | 25.03 | Somebody | With A Bar
84   | F | dev-clean-2      |  8.02 | Christie Nowak
"""
# (part, reader, chapter, [transcripts]) as LibriSpeech writes them: upper case, apostrophes kept
UTTS = [
    ("train-clean-5", "19", "198", ["NORTHANGER ABBEY", "IT WAS THE SQUIRE'S HOUSE"]),
    ("train-clean-5", "198", "129977", ["HELLO WORLD", "A SECOND LINE"]),
    ("dev-clean-2", "84", "121123", ["GOOD MORNING", "GOOD NIGHT"]),
]


@pytest.fixture(scope="module")
def speech(tmp_path_factory, espeak):
    from mtlhybrid.synth import synthesize
    from mtlhybrid.synth.tts import SynthesisSettings

    wav = tmp_path_factory.mktemp("tts") / "hello.wav"
    synthesize("hello world", wav, SynthesisSettings(sample_rate=16000))
    x, sr = sf.read(wav, dtype="float32")
    return x, sr


def make_librispeech(root: Path, speech, missing_flac: bool = False) -> Path:
    """LibriSpeech/{SPEAKERS.TXT, <part>/<reader>/<chapter>/{*.flac, *.trans.txt}}."""
    x, sr = speech
    ls = root / "LibriSpeech"
    ls.mkdir(parents=True)
    (ls / "SPEAKERS.TXT").write_text(SPEAKERS_TXT)
    for part, reader, chapter, texts in UTTS:
        d = ls / part / reader / chapter
        d.mkdir(parents=True)
        lines = []
        for i, t in enumerate(texts):
            uid = f"{reader}-{chapter}-{i:04d}"
            sf.write(d / f"{uid}.flac", x[: len(x) - 800 * i], sr, format="FLAC")
            lines.append(f"{uid} {t}")
        if missing_flac and part == "train-clean-5" and reader == "19":
            lines.append(f"{reader}-{chapter}-0009 NO AUDIO FOR THIS ONE")
        (d / f"{reader}-{chapter}.trans.txt").write_text("\n".join(lines) + "\n")
    return ls


def test_data_prep_script_writes_valid_dirs(tmp_path, speech, script_env):
    ls = make_librispeech(tmp_path / "corpus", speech, missing_flac=True)
    data = tmp_path / "data"
    res = subprocess.run([str(RECIPE / "local" / "data_prep.sh"), str(ls), str(data)], cwd=RECIPE,
                         env=script_env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    for name in ("train_clean_5", "dev_clean_2"):
        validate_data_dir(data / name, no_feats=True)
    tr = DataDir.load(data / "train_clean_5")
    assert tr.utt_ids == ["19-198-0000", "19-198-0001", "198-129977-0000", "198-129977-0001"]
    assert tr.text["19-198-0001"] == "IT WAS THE SQUIRE'S HOUSE"
    assert tr.utt2spk["198-129977-0000"] == "198"
    assert tr.spk2gender == {"19": "f", "198": "m"}
    assert tr.labels("gender") == {"19-198-0000": "f", "19-198-0001": "f", "198-129977-0000": "m", "198-129977-0001": "m"}
    # audio: the wav.scp entry is the flac file itself, read back at its length
    samples, sr = read_audio(tr.wav_scp["19-198-0001"])
    assert sr == 16000
    assert len(samples) == len(speech[0]) - 800
    assert abs(tr.utt2dur["19-198-0001"] - len(samples) / sr) < 1e-3
    dev = DataDir.load(data / "dev_clean_2")
    assert dev.speakers == ["84"]
    assert set(dev.labels("gender").values()) == {"f"}
    # the transcript line without audio is counted, not silently lost
    report = json.loads((data / "local" / "mini_librispeech_prep.json").read_text())
    assert report["train_clean_5"]["dropped"] == {"transcript lines without audio": 1}
    assert report["train_clean_5"]["num_utts"] == 4


def test_chapter_speakers_and_no_gender_label(tmp_path, speech):
    ls = make_librispeech(tmp_path / "corpus", speech)
    reports = prepare_mini_librispeech(ls.parent, tmp_path / "data", speaker_unit="chapter")  # parent: finds LibriSpeech/
    tr = DataDir.load(tmp_path / "data" / "train_clean_5")
    assert tr.speakers == ["19-198", "198-129977"]
    assert tr.spk2gender == {"19-198": "f", "198-129977": "m"}
    assert "gender" not in tr.label_names()
    assert reports["dev-clean-2"].num_utts == 2


def test_speakers_txt_errors(tmp_path):
    p = tmp_path / "SPEAKERS.TXT"
    p.write_text(";ID|SEX|SUBSET|MINUTES|NAME\n19 | X | train-clean-5 | 1.0 | A\n")
    with pytest.raises(DataError, match=r"SPEAKERS.TXT:2: sex .X. of speaker 19 is not F or M"):
        read_speakers_txt(p)
    p.write_text("19 | F | train-clean-5\n")
    with pytest.raises(DataError, match="ID \\| SEX"):
        read_speakers_txt(p)


def test_missing_part_names_what_to_download(tmp_path):
    (tmp_path / "LibriSpeech" / "train-clean-5").mkdir(parents=True)
    with pytest.raises(DataError, match="dev-clean-2.*openslr.org/31"):
        prepare_mini_librispeech(tmp_path / "LibriSpeech", tmp_path / "data")


def test_run_sh_stops_when_corpus_is_absent(tmp_path, script_env):
    missing = tmp_path / "nowhere" / "LibriSpeech"
    res = subprocess.run(["./run.sh", "--corpus-dir", str(missing)], cwd=RECIPE, env=script_env,
                         capture_output=True, text=True)
    assert res.returncode != 0
    assert str(missing) in res.stderr
    assert "openslr.org/31" in res.stderr
    assert not (RECIPE / "data").exists()


def test_data_prep_usage(script_env):
    script = str(RECIPE / "local" / "data_prep.sh")
    res = subprocess.run([script, "only-one-arg"], cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode == 1
    assert "Usage" in res.stderr
    res = subprocess.run([script, "--help"], cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode == 0
    assert "train-clean-5" in res.stdout
    res = subprocess.run([script, "/no/such/LibriSpeech", "data"], cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode == 1
    assert "no such directory /no/such/LibriSpeech/train-clean-5" in res.stderr
