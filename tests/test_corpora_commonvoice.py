"""Common Voice preparation on fixtures laid out like real releases (MP3 clips of espeak-ng speech)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from mtlhybrid.corpora.commonvoice import (
    AccentNormalizer,
    _parse_row_here,
    load_cv_part,
    normalize_gender,
    prepare_commonvoice_accents,
    read_accent_map,
    read_cv_tsv,
)
from mtlhybrid.corpora.public_corpora import label_token, normalize_transcript
from mtlhybrid.data.audio import read_audio
from mtlhybrid.data.datadir import DataDir
from mtlhybrid.data.validate import validate_data_dir
from mtlhybrid.utils.errors import DataError

RECIPE = Path(__file__).resolve().parent.parent / "egs" / "commonvoice_accents" / "s5"
# The columns of releases 8-12 (no 'variant', which lhotse's own prepare_commonvoice requires).
HEADER = ["client_id", "path", "sentence", "up_votes", "down_votes", "age", "gender", "accents", "locale", "segment"]
CLIENTS = {  # client -> (split, raw accents, gender)
    "a1f0": ("train", "United States English", "male"),
    "b2e1": ("train", "India and South Asia (India, Pakistan, Sri Lanka)", "female"),
    "c3d2": ("train", "", "other"),
    "d4c3": ("train", "Slight Irish accent|England English", "female"),
    "e5b4": ("dev", "Scottish English", "male"),
    "f6a5": ("test", "England English", "female_feminine"),
    "a7f6": ("test", "India and South Asia (India, Pakistan, Sri Lanka)", "male_masculine"),
    "b8e7": ("validated", "Canadian English", "male"),  # only in validated.tsv
}
SENTENCES = ['"Hello," she said, café-style.', "It's 2 o'clock!"]


@pytest.fixture(scope="module")
def speech(tmp_path_factory, espeak):
    from mtlhybrid.synth import SynthesisSettings, synthesize

    wav = tmp_path_factory.mktemp("tts") / "hi.wav"
    synthesize("hello there", wav, SynthesisSettings(sample_rate=48000))
    return sf.read(wav, dtype="float32")


def make_release(root: Path, speech, header=HEADER, missing_clip: bool = True) -> Path:
    """<root>/en/clips/*.mp3 and <root>/en/{train,dev,test,validated}.tsv."""
    x, sr = speech
    lang = root / "en"
    (lang / "clips").mkdir(parents=True)
    rows = {"train": [], "dev": [], "test": [], "validated": []}
    n = 0
    for client, (split, accents, gender) in CLIENTS.items():
        for sent in SENTENCES:
            clip = f"common_voice_en_{1000 + n}.mp3"
            n += 1
            sf.write(lang / "clips" / clip, x, sr, format="MP3")
            values = {"client_id": client, "path": clip, "sentence": sent, "up_votes": "2", "down_votes": "0",
                      "age": "twenties", "gender": gender, "accents": accents, "accent": accents, "variant": "",
                      "locale": "en", "segment": "", "sentence_id": "x"}
            line = "\t".join(values[c] for c in header)
            rows["validated"].append(line)
            if split != "validated":
                rows[split].append(line)
    if missing_clip:  # a row whose clip is not in clips/
        rows["train"].append("\t".join({"path": "common_voice_en_9.mp3"}.get(c, "a1f0" if c == "client_id" else "x")
                                       for c in header))
    for name, lines in rows.items():
        (lang / f"{name}.tsv").write_text("\t".join(header) + "\n" + "".join(l + "\n" for l in lines))
    return root


def test_data_prep_script_with_heldout_accent(tmp_path, speech, script_env):
    corpus = make_release(tmp_path / "cv", speech)
    data = tmp_path / "data"
    res = subprocess.run([str(RECIPE / "local" / "data_prep.sh"), "--heldout-accents", "indian", str(corpus), str(data)],
                         cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    dirs = {n: DataDir.load(data / n) for n in ("train", "dev", "test", "test_unseen")}
    for n in dirs:
        validate_data_dir(data / n, no_feats=True)
    tr = dirs["train"]
    # speaker-prefixed ids, normalized text
    assert tr.utt_ids[0] == "a1f0-common_voice_en_1000"
    assert tr.text["a1f0-common_voice_en_1000"] == "HELLO SHE SAID CAFE STYLE"
    assert tr.text["a1f0-common_voice_en_1001"] == "IT'S TWO O'CLOCK"
    # accents: predefined descriptions as short codes, several -> the first, none -> no label
    assert set(tr.speakers) == {"a1f0", "c3d2", "d4c3"}
    acc = tr.labels("accent")
    assert acc["a1f0-common_voice_en_1000"] == "us"
    assert acc["d4c3-common_voice_en_1006"] == "slight_irish_accent"
    assert not any(u.startswith("c3d2") for u in acc)
    assert set(dirs["dev"].labels("accent").values()) == {"scotland"}
    # held-out accent: its utterances from train and test are in test_unseen only
    unseen = dirs["test_unseen"]
    assert set(unseen.speakers) == {"b2e1", "a7f6"}
    assert set(unseen.labels("accent").values()) == {"indian"}
    for n in ("train", "dev", "test"):
        assert not set(dirs[n].speakers) & set(unseen.speakers)
        assert "indian" not in set(dirs[n].labels("accent").values())
    assert set(dirs["test"].speakers) == {"f6a5"}
    # mp3 audio is read back at 48 kHz
    samples, sr = read_audio(tr.wav_scp["a1f0-common_voice_en_1000"])
    assert sr == 48000
    assert abs(len(samples) - len(speech[0])) < 2000
    report = json.loads((data / "local" / "commonvoice_prep.json").read_text())
    assert report["train"]["unlabelled"] == {"accent": 2}
    assert report["train"]["dropped"]["clips missing"] == 1
    assert report["test_unseen"]["num_utts"] == 4
    # genders: 'other' gives none, so spk2gender is absent for train; present where all are m/f
    assert tr.spk2gender is None
    assert dirs["test"].spk2gender == {"f6a5": "f"}


def test_validated_as_training_data(tmp_path, speech):
    corpus = make_release(tmp_path / "cv", speech, missing_clip=False)
    reports = prepare_commonvoice_accents(corpus, tmp_path / "data", train_tsv="validated")
    tr = DataDir.load(tmp_path / "data" / "train")
    # validated minus dev/test speakers: the train speakers plus the validated-only one
    assert set(tr.speakers) == {"a1f0", "b2e1", "c3d2", "d4c3", "b8e7"}
    assert reports["train"].dropped == {"dev/test speakers": 6}
    assert "test_unseen" not in reports
    assert tr.labels("accent")["b8e7-common_voice_en_1014"] == "canada"


def test_releases_with_variant_or_old_accent_column(tmp_path, speech):
    """v13+ (with 'variant': what lhotse's parser reads) and v1-7 ('accent') both work."""
    new = HEADER[:8] + ["variant", "locale", "segment", "sentence_id"]
    old = [("accent" if c == "accents" else c) for c in HEADER]
    for name, header in (("v13", new), ("v5", old)):
        corpus = make_release(tmp_path / name, speech, header=header, missing_clip=False)
        rows = read_cv_tsv(corpus / "en" / "dev.tsv")
        assert rows[0]["accents"] == "Scottish English"
        assert rows[0]["variant"] == ""
        reports = prepare_commonvoice_accents(corpus, tmp_path / f"data_{name}")
        assert reports["dev"].labels == {"accent": {"scotland": 2}}
    # our stand-in for lhotse's per-row parser builds the same objects
    from lhotse.recipes.commonvoice import _parse_utterance

    row = read_cv_tsv(tmp_path / "v5" / "en" / "test.tsv")[0]
    rec_a, sup_a = _parse_utterance(tmp_path / "v5" / "en", "en", row)
    rec_b, sup_b = _parse_row_here(tmp_path / "v5" / "en", "en", row)
    assert rec_a == rec_b
    assert sup_a == sup_b


def test_missing_clips_are_counted(tmp_path, speech):
    corpus = make_release(tmp_path / "cv", speech)
    recs, sups, missing = load_cv_part(corpus / "en", "train", "en")
    assert missing == 1
    assert len(sups) == 8


def test_bad_input_errors(tmp_path, speech):
    corpus = make_release(tmp_path / "cv", speech, missing_clip=False)
    with pytest.raises(DataError, match="held-out accents wales.*us\\(2\\)"):
        prepare_commonvoice_accents(corpus, tmp_path / "d1", heldout_accents=["wales"])
    tsv = corpus / "en" / "dev.tsv"
    tsv.write_text(tsv.read_text() + "onlytwo\tfields\n")
    with pytest.raises(DataError, match=r"dev.tsv:4: 2 fields, the header has 10"):
        read_cv_tsv(tsv)
    bad = tmp_path / "bad.tsv"
    bad.write_text("client\tpath\n")
    with pytest.raises(DataError, match="lacks the columns client_id, sentence"):
        read_cv_tsv(bad)
    with pytest.raises(DataError, match="Common Voice not found.*commonvoice.mozilla.org"):
        prepare_commonvoice_accents(tmp_path / "nothing", tmp_path / "d2")


def test_accent_normalizer_and_map(tmp_path):
    norm = AccentNormalizer()
    assert norm("United States English") == "us"
    assert norm("  united   states english ") == "us"
    assert norm("Slight Irish accent") == "slight_irish_accent"
    assert norm("England English|Welsh English") == "england"
    assert norm("") is None
    assert norm.counts == {"several accents": 1, "no accent": 1}
    assert AccentNormalizer(multi="skip")("England English|Welsh English") is None
    m = tmp_path / "map.tsv"
    m.write_text("# raw -> label\nSlight Irish accent\tireland\nUnsure\t-\n")
    amap = read_accent_map(m)
    norm = AccentNormalizer({**AccentNormalizer().aliases, **amap})
    assert norm("slight irish ACCENT") == "ireland"
    assert norm("Unsure") is None
    assert AccentNormalizer.from_dict(norm.to_dict()).aliases == norm.aliases
    m.write_text("no tab here\n")
    with pytest.raises(DataError, match="map.tsv:1"):
        read_accent_map(m)
    assert normalize_gender("male_masculine") == "m"
    assert normalize_gender("other") is None


def test_text_normalization():
    assert normalize_transcript("Naïve “quotes” — and 3rd-party’s résumé, 1990.") == \
        "NAIVE QUOTES AND THIRD PARTY'S RESUME NINETEEN NINETY"
    assert normalize_transcript("?!") == ""
    assert label_token("Hong Kong English") == "hong_kong_english"


def test_run_sh_stops_when_corpus_is_absent(tmp_path, script_env):
    missing = tmp_path / "no_cv"
    res = subprocess.run(["./run.sh", "--corpus-dir", str(missing)], cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode != 0
    assert f"{missing}/en/clips" in res.stderr
    assert "commonvoice.mozilla.org" in res.stderr
    res = subprocess.run([str(RECIPE / "local" / "data_prep.sh"), str(missing)], cwd=RECIPE, env=script_env,
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert "Usage" in res.stderr
