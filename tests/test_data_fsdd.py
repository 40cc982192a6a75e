"""FSDD preparation: valid Kaldi dirs with text, gender and accent labels; clear errors on a bad corpus layout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mtlhybrid.corpora.fsdd import prepare_fsdd, read_speakers
from mtlhybrid.data.datadir import DataDir
from mtlhybrid.data.validate import validate_data_dir
from mtlhybrid.utils.errors import DataError


def test_speaker_split(tmp_path, fsdd_dir):
    dirs = prepare_fsdd(fsdd_dir, tmp_path / "d", split="speaker", test_speakers=("theo",), dev_speakers=("nicolas",),
                        max_takes=3)
    assert sorted(dirs) == ["dev", "test", "train"]
    assert dirs["test"].speakers == ["theo"]
    assert dirs["dev"].speakers == ["nicolas"]
    assert dirs["train"].speakers == ["jackson", "lucas", "yweweler"]
    for name in dirs:
        rep = validate_data_dir(tmp_path / "d" / name, no_feats=True)
        assert rep.labels == {"accent": rep.num_utts}
    train = DataDir.load(tmp_path / "d" / "train")
    assert train.text["yweweler_7_2"] == "SEVEN"
    assert train.labels("accent")["yweweler_7_2"] == "DEU-German"
    assert train.wav_scp["yweweler_7_2"] == str((fsdd_dir / "recordings" / "7_yweweler_2.wav").resolve())
    assert train.spk2gender == {"jackson": "m", "lucas": "m", "yweweler": "m"}
    assert len(train.utt_ids) == 3 * 10 * 3


def test_take_split_full_corpus(tmp_path, fsdd_dir):
    dirs = prepare_fsdd(fsdd_dir, tmp_path / "d", split="take", with_utt2dur=False)
    assert len(dirs["test"].utt_ids) == 250
    assert len(dirs["train"].utt_ids) == 2250
    assert set(dirs["test"].text.values()) == {"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"}
    assert all(int(u.rsplit("_", 1)[1]) < 5 for u in dirs["test"].utt_ids)
    assert sorted(set(dirs["train"].labels("accent").values())) == ["BEL-French", "DEU-German", "USA"]
    validate_data_dir(tmp_path / "d" / "train", no_feats=True)


def fake_corpus(tmp_path: Path, fsdd_dir: Path, names, speakers_tsv="speaker\tgender\taccent\njackson\tmale\tUSA\n") -> Path:
    c = tmp_path / "corpus"
    (c / "recordings").mkdir(parents=True)
    for n in names:
        (c / "recordings" / n).symlink_to(fsdd_dir / "recordings" / "0_jackson_0.wav")
    (c / "speakers.tsv").write_text(speakers_tsv)
    return c


def test_bad_layouts(tmp_path, fsdd_dir, caplog):
    with pytest.raises(DataError, match="no recordings/ folder"):
        prepare_fsdd(tmp_path, tmp_path / "out")
    c = fake_corpus(tmp_path, fsdd_dir, ["0_jackson_0.wav", "1_jackson_0.wav", "0_jackson_1.wav", "README.txt",
                                         "x_jackson_0.wav", "2_anna_0.wav"])
    with pytest.raises(DataError, match=r"speakers not in speakers.tsv: anna \(1 files\)"):
        prepare_fsdd(c, tmp_path / "out", split="take", test_takes=1)
    (c / "recordings" / "2_anna_0.wav").unlink()
    dirs = prepare_fsdd(c, tmp_path / "out", split="take", test_takes=1)
    assert dirs["test"].utt_ids == ["jackson_0_0", "jackson_1_0"]
    assert dirs["train"].utt_ids == ["jackson_0_1"]
    assert "skipped 2 files" in caplog.text
    assert "README.txt" in caplog.text
    assert "x_jackson_0.wav" in caplog.text
    with pytest.raises(DataError, match="test speakers theo have no recordings"):
        prepare_fsdd(c, tmp_path / "out", split="speaker", test_speakers=("theo",))
    (c / "speakers.tsv").write_text("speaker\tgender\taccent\njackson\tunknown\tUSA\n")
    with pytest.raises(DataError, match=r"speakers.tsv:2: .*gender"):
        read_speakers(c / "speakers.tsv")


def test_prep_script(tmp_path, fsdd_dir, script_env, repo_root):
    r = subprocess.run([str(repo_root / "local/fsdd_data_prep.sh"), "--split", "take", "--test-takes", "1", "--max-takes", "2",
                        "--speakers", "jackson theo", str(fsdd_dir), str(tmp_path / "data")],
                       env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Successfully validated data-directory" in r.stdout
    assert len((tmp_path / "data" / "test" / "utt2spk").read_text().splitlines()) == 20
    r = subprocess.run([str(repo_root / "local/fsdd_data_prep.sh"), str(tmp_path / "nowhere"), str(tmp_path / "x")],
                       env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "no such directory" in r.stderr
