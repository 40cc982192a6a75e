"""L2-ARCTIC (+ CMU ARCTIC as the native class) preparation on fixtures laid out like the real corpora."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from mtlhybrid.corpora.l2arctic import prepare_l2arctic, read_speaker_table
from mtlhybrid.data.datadir import DataDir
from mtlhybrid.data.validate import validate_data_dir
from mtlhybrid.utils.errors import DataError

RECIPE = Path(__file__).resolve().parent.parent / "egs" / "l2arctic" / "s5"
# The speaker table as L2-ARCTIC's README.md has it (only the speakers of the fixture).
README = """# L2-ARCTIC: a non-native English speech corpus

|Speaker|Gender|Native Language|# Wav Files|# Annotations|
|---|---|---|---|---|
|ABA|M|Arabic|1129|150|
|SKA|F|Arabic|974|150|
|BWC|M|Chinese|1130|150|
|LXC|F|Chinese|1131|150|
|HJK|F|Korean|1131|150|
|YKWK|M|Korean|1131|150|
|**Total**|||**6626**|**900**|

Some speakers did not read all sentences.
"""
L2_SPEAKERS = ["ABA", "SKA", "BWC", "LXC", "HJK", "YKWK"]
PROMPTS = {"arctic_a0001": "Author of the danger trail, Philip Steels, etc.",
           "arctic_b0401": "Not at this particular case, Tom, apologized Whittemore."}


@pytest.fixture(scope="module")
def speech(tmp_path_factory, espeak):
    from mtlhybrid.synth import SynthesisSettings, synthesize

    wav = tmp_path_factory.mktemp("tts") / "a.wav"
    synthesize("author of the danger trail", wav, SynthesisSettings(sample_rate=16000))
    return sf.read(wav, dtype="int16")


def make_l2arctic(root: Path, speech, readme: bool = True) -> Path:
    """<SPK>/{wav,transcript,annotation,textgrid}/, suitcase_corpus/, README.md, LICENSE."""
    x, sr = speech
    root.mkdir(parents=True)
    if readme:
        (root / "README.md").write_text(README)
    (root / "LICENSE").write_text("CC BY-NC 4.0\n")
    for spk in L2_SPEAKERS:
        for sub in ("wav", "transcript", "annotation", "textgrid"):
            (root / spk / sub).mkdir(parents=True)
        for uid, text in PROMPTS.items():
            sf.write(root / spk / "wav" / f"{uid}.wav", x, sr, subtype="PCM_16")
            (root / spk / "transcript" / f"{uid}.txt").write_text(text)
            (root / spk / "textgrid" / f"{uid}.TextGrid").write_text('File type = "ooTextFile"\n')
        (root / spk / "annotation" / "arctic_a0001.TextGrid").write_text('File type = "ooTextFile"\n')
    sc = root / "suitcase_corpus"
    for sub in ("wav", "transcript", "annotation"):
        (sc / sub).mkdir(parents=True)
    sf.write(sc / "wav" / "aba.wav", x, sr, subtype="PCM_16")
    (sc / "transcript" / "aba.txt").write_text("so the man has a suitcase")
    return root


def make_cmu_arctic(root: Path, speech, speakers=("bdl", "slt", "awb")) -> Path:
    """cmu_us_<spk>_arctic/{wav/*.wav, etc/txt.done.data}."""
    x, sr = speech
    for spk in speakers:
        d = root / f"cmu_us_{spk}_arctic"
        (d / "wav").mkdir(parents=True)
        (d / "etc").mkdir()
        lines = []
        for uid, text in PROMPTS.items():
            sf.write(d / "wav" / f"{uid}.wav", x, sr, subtype="PCM_16")
            lines.append(f'( {uid} "{text}" )')
        (d / "etc" / "txt.done.data").write_text("\n".join(lines) + "\n")
    return root


def test_data_prep_script_with_natives_and_heldout_l1(tmp_path, speech, script_env):
    l2 = make_l2arctic(tmp_path / "l2arctic", speech)
    cmu = make_cmu_arctic(tmp_path / "cmu_arctic", speech)
    data = tmp_path / "data"
    cmd = [str(RECIPE / "local" / "data_prep.sh"), "--cmu-arctic-dir", str(cmu), "--native-speakers", "bdl slt",
           "--native-test-speakers", "slt", "--test-speakers", "ABA lxc", "--heldout-l1s", "Korean", str(l2), str(data)]
    res = subprocess.run(cmd, cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    dirs = {n: DataDir.load(data / n) for n in ("train", "test", "test_unseen")}
    for n in dirs:
        validate_data_dir(data / n, no_feats=True)
    assert dirs["train"].speakers == ["bdl", "bwc", "ska"]
    assert dirs["test"].speakers == ["aba", "lxc", "slt"]
    assert dirs["test_unseen"].speakers == ["hjk", "ykwk"]
    assert not (data / "dev").exists()
    # first language per speaker; Chinese speakers as mandarin; CMU ARCTIC speakers native
    acc = dirs["train"].labels("accent")
    assert acc == {"bdl-arctic_a0001": "native", "bdl-arctic_b0401": "native", "bwc-arctic_a0001": "mandarin",
                   "bwc-arctic_b0401": "mandarin", "ska-arctic_a0001": "arabic", "ska-arctic_b0401": "arabic"}
    assert set(dirs["test_unseen"].labels("accent").values()) == {"korean"}
    assert dirs["test"].spk2gender == {"aba": "m", "lxc": "f", "slt": "f"}
    assert dirs["train"].text["bwc-arctic_a0001"] == "AUTHOR OF THE DANGER TRAIL PHILIP STEELS ET CETERA"
    # awb was not chosen as native; the suitcase (spontaneous) recording is left out
    all_utts = [u for d in dirs.values() for u in d.utt_ids]
    assert not any(u.startswith(("awb", "suitcase")) for u in all_utts)
    assert len(all_utts) == 16
    report = json.loads((data / "local" / "l2arctic_prep.json").read_text())
    assert report["test"]["labels"]["accent"] == {"arabic": 2, "mandarin": 2, "native": 2}


def test_test_prompts_are_never_trained_on(tmp_path, speech):
    l2 = make_l2arctic(tmp_path / "l2arctic", speech)
    reports = prepare_l2arctic(l2, tmp_path / "data", test_speakers=["aba"], dev_speakers=["ska"],
                               test_prompts=r"arctic_b04\d\d")
    train, dev, test = (DataDir.load(tmp_path / "data" / n) for n in ("train", "dev", "test"))
    assert all(u.endswith("arctic_a0001") for u in train.utt_ids + dev.utt_ids)
    assert test.utt_ids == ["aba-arctic_b0401"]
    assert reports["train"].dropped == {"test prompts": 4}
    assert reports["test"].dropped == {"training prompts": 1}
    assert set(dev.speakers) == {"ska"}
    assert "native" not in reports["train"].labels["accent"]


def test_speaker_table_from_readme_or_lhotse(tmp_path):
    p = tmp_path / "README.md"
    p.write_text(README)
    t = read_speaker_table(p)
    assert set(t) == {s.lower() for s in L2_SPEAKERS}
    assert t["lxc"] == {"gender": "f", "l1": "mandarin"}
    full = read_speaker_table(tmp_path / "absent.md")  # lhotse's copy of the real table
    assert len(full) == 24
    assert sorted(set(v["l1"] for v in full.values())) == ["arabic", "hindi", "korean", "mandarin", "spanish", "vietnamese"]


def test_bad_choices_are_errors(tmp_path, speech):
    l2 = make_l2arctic(tmp_path / "l2arctic", speech, readme=False)
    with pytest.raises(DataError, match="test speakers zzz are not in the corpus"):
        prepare_l2arctic(l2, tmp_path / "d", test_speakers=["zzz"])
    with pytest.raises(DataError, match="held-out L1s hindi have no speakers"):
        prepare_l2arctic(l2, tmp_path / "d", test_speakers=["aba"], heldout_l1s=["hindi"])
    with pytest.raises(DataError, match="their L1 is held out"):
        prepare_l2arctic(l2, tmp_path / "d", test_speakers=["hjk"], heldout_l1s=["korean"])
    with pytest.raises(DataError, match="native speakers clb rms not found"):
        prepare_l2arctic(l2, tmp_path / "d", test_speakers=["aba"], cmu_arctic_dir=make_cmu_arctic(tmp_path / "cmu", speech))
    (l2 / "QQQ" / "wav").mkdir(parents=True)
    with pytest.raises(DataError, match="QQQ are not in the L2-ARCTIC speaker table"):
        prepare_l2arctic(l2, tmp_path / "d", test_speakers=["aba"])


def test_run_sh_stops_when_a_corpus_is_absent(tmp_path, speech, script_env):
    missing = tmp_path / "no_l2"
    res = subprocess.run(["./run.sh", "--corpus-dir", str(missing)], cwd=RECIPE, env=script_env, capture_output=True, text=True)
    assert res.returncode != 0
    assert f"{missing}/<SPEAKER>/wav" in res.stderr
    assert "psi.engr.tamu.edu" in res.stderr
    l2 = make_l2arctic(tmp_path / "l2arctic", speech)
    res = subprocess.run(["./run.sh", "--corpus-dir", str(l2), "--cmu-arctic-dir", str(tmp_path / "no_cmu")], cwd=RECIPE,
                         env=script_env, capture_output=True, text=True)
    assert res.returncode != 0
    assert f"{tmp_path / 'no_cmu'}/cmu_us_bdl_arctic/wav" in res.stderr
    assert "festvox.org/cmu_arctic" in res.stderr
    assert not (RECIPE / "data").exists()
