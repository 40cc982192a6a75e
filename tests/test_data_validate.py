"""validate_data_dir: a good directory passes (ours and Kaldi's validator); each kind of bad
input fails with a message naming the file, line and utterance."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from mtlhybrid.data.validate import validate_data_dir
from mtlhybrid.utils.errors import DataError


def write(d: Path, name: str, text: str) -> Path:
    p = d / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def good_dir(tmp_path, fsdd_dir) -> Path:
    """Two speakers, four utterances of real FSDD audio, an accent label per utterance."""
    d = tmp_path / "data"
    d.mkdir()
    rec = fsdd_dir / "recordings"
    utts = [("jackson_0_0", "jackson", "0_jackson_0", "ZERO"), ("jackson_1_0", "jackson", "1_jackson_0", "ONE"),
            ("theo_2_0", "theo", "2_theo_0", "TWO"), ("theo_3_0", "theo", "3_theo_0", "THREE")]
    write(d, "wav.scp", "".join(f"{u} {rec / (f + '.wav')}\n" for u, _, f, _ in utts))
    write(d, "text", "".join(f"{u} {w}\n" for u, _, _, w in utts))
    write(d, "utt2spk", "".join(f"{u} {s}\n" for u, s, _, _ in utts))
    write(d, "spk2utt", "jackson jackson_0_0 jackson_1_0\ntheo theo_2_0 theo_3_0\n")
    write(d, "spk2gender", "jackson m\ntheo m\n")
    write(d, "utt2accent", "".join(f"{u} USA\n" for u, _, _, _ in utts))
    return d


def expect_error(d: Path, *fragments: str, **opts) -> DataError:
    with pytest.raises(DataError) as ei:
        validate_data_dir(d, no_feats=True, **opts)
    msg = str(ei.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return ei.value


def test_good_dir_passes(good_dir):
    rep = validate_data_dir(good_dir, no_feats=True)
    assert (rep.num_utts, rep.num_speakers) == (4, 2)
    assert rep.labels == {"accent": 4}
    with pytest.raises(DataError, match="feats.scp"):
        validate_data_dir(good_dir)  # feats required unless --no-feats


def test_missing_audio_file(good_dir):
    wav = good_dir / "wav.scp"
    wav.write_text(wav.read_text().replace("1_jackson_0.wav", "1_jackson_0_missing.wav"))
    e = expect_error(good_dir, "wav.scp:2", "jackson_1_0", "does not exist")
    assert e.line == 2
    validate_data_dir(good_dir, no_feats=True, check_audio=False)  # --no-check-audio


def test_pipe_entries_are_not_checked_as_files(good_dir):
    wav = good_dir / "wav.scp"
    lines = wav.read_text().splitlines()
    u, p = lines[0].split()
    lines[0] = f"{u} sox {p} -t wav - |"
    wav.write_text("\n".join(lines) + "\n")
    validate_data_dir(good_dir, no_feats=True)


def test_empty_transcript(good_dir):
    write(good_dir, "text", "jackson_0_0 ZERO\njackson_1_0\ntheo_2_0 TWO\ntheo_3_0 THREE\n")
    expect_error(good_dir, "text:2", "jackson_1_0", "empty transcript")


def test_windows_line_ends_are_an_error_naming_the_line(good_dir):
    # A CRLF text would otherwise pass: the line reader drops the CR before the newline.
    text = good_dir / "text"
    lines = text.read_bytes().split(b"\n")
    lines[2] += b"\r"
    text.write_bytes(b"\n".join(lines))
    e = expect_error(good_dir, "text:3", "carriage return")
    assert e.line == 3


def test_carriage_return_inside_a_line_is_an_error(good_dir):
    write(good_dir, "utt2accent", "jackson_0_0 USA\njackson_1_0 U\rSA\ntheo_2_0 USA\ntheo_3_0 USA\n")
    expect_error(good_dir, "utt2accent:2", "carriage return")


def test_duplicated_id(good_dir):
    write(good_dir, "text", "jackson_0_0 ZERO\njackson_0_0 ONE\ntheo_2_0 TWO\ntheo_3_0 THREE\n")
    expect_error(good_dir, "text:2", "duplicated id jackson_0_0")


def test_unsorted_file(good_dir):
    write(good_dir, "utt2accent", "jackson_1_0 USA\njackson_0_0 USA\ntheo_2_0 USA\ntheo_3_0 USA\n")
    expect_error(good_dir, "utt2accent:2", "not sorted", "jackson_0_0")


def test_text_utterance_without_audio(good_dir):
    write(good_dir, "wav.scp", "".join(l + "\n" for l in (good_dir / "wav.scp").read_text().splitlines()[:3]))
    expect_error(good_dir, "wav.scp", "theo_3_0", "missing")


def test_non_utf8_text(good_dir):
    (good_dir / "text").write_bytes(b"jackson_0_0 ZERO\njackson_1_0 ON\xe9\ntheo_2_0 TWO\ntheo_3_0 THREE\n")
    expect_error(good_dir, "text:2", "UTF-8")


def test_non_printable_text(good_dir):
    write(good_dir, "text", "jackson_0_0 ZERO\njackson_1_0 ONE\x07\ntheo_2_0 TWO\ntheo_3_0 THREE\n")
    expect_error(good_dir, "text:2", "non-printable")
    validate_data_dir(good_dir, no_feats=True, non_print=True)


def test_utt2spk_spk2utt_disagree(good_dir):
    write(good_dir, "spk2utt", "jackson jackson_0_0\ntheo jackson_1_0 theo_2_0 theo_3_0\n")
    expect_error(good_dir, "spk2utt:2", "jackson_1_0", "disagree")


def test_speaker_order_disagrees_with_utterance_order(good_dir):
    # utterance ids not prefixed by their speakers: sorting by utt != sorting by speaker
    write(good_dir, "utt2spk", "jackson_0_0 zed\njackson_1_0 zed\ntheo_2_0 amy\ntheo_3_0 amy\n")
    write(good_dir, "spk2utt", "amy theo_2_0 theo_3_0\nzed jackson_0_0 jackson_1_0\n")
    write(good_dir, "spk2gender", "amy f\nzed m\n")
    expect_error(good_dir, "utt2spk:3", "theo_2_0", "sorted by speaker")
    validate_data_dir(good_dir, no_feats=True, no_spk_sort=True)


def test_segments_unknown_recording_and_bad_times(good_dir, fsdd_dir):
    rec = fsdd_dir / "recordings"
    write(good_dir, "wav.scp", f"r1 {rec / '0_jackson_0.wav'}\nr2 {rec / '2_theo_0.wav'}\n")
    write(good_dir, "segments", "jackson_0_0 r1 0.00 0.30\njackson_1_0 r1 0.30 0.60\ntheo_2_0 r2 0.00 0.20\ntheo_3_0 r3 0.20 0.40\n")
    expect_error(good_dir, "segments:4", "theo_3_0", "recording r3")
    write(good_dir, "segments", "jackson_0_0 r1 0.00 0.30\njackson_1_0 r1 0.30 0.30\ntheo_2_0 r2 0.00 0.20\ntheo_3_0 r2 0.20 0.40\n")
    expect_error(good_dir, "segments:2", "jackson_1_0", "not after its start")
    write(good_dir, "segments", "jackson_0_0 r1 0.00 0.30\njackson_1_0 r1 0.30 0.60\ntheo_2_0 r2 0.00 0.20\ntheo_3_0 r2 0.20 0.40\n")
    rep = validate_data_dir(good_dir, no_feats=True)
    assert rep.num_recordings == 2


def test_label_file_checks(good_dir):
    write(good_dir, "utt2accent", "jackson_0_0 USA\njackson_1_0 US A\n")
    expect_error(good_dir, "utt2accent:2", "jackson_1_0", "single token")
    write(good_dir, "utt2accent", "jackson_0_0 USA\nnobody_1_0 USA\n")
    expect_error(good_dir, "utt2accent:2", "nobody_1_0", "not in utt2spk")
    # a partly labelled directory is valid (multi-task data), with a warning
    write(good_dir, "utt2accent", "jackson_0_0 USA\ntheo_2_0 USA\n")
    rep = validate_data_dir(good_dir, no_feats=True)
    assert rep.labels == {"accent": 2}
    assert any("utt2accent" in w for w in rep.warnings)


def test_spk2gender_and_missing_final_newline(good_dir):
    write(good_dir, "spk2gender", "jackson m\ntheo x\n")
    expect_error(good_dir, "spk2gender:2", "m or f")
    write(good_dir, "spk2gender", "jackson m\ntheo m")
    expect_error(good_dir, "spk2gender:2", "newline")


def test_cli_script_reports_error(good_dir, script_env, repo_root):
    write(good_dir, "text", "jackson_0_0 ZERO\njackson_1_0\ntheo_2_0 TWO\ntheo_3_0 THREE\n")
    r = subprocess.run([str(repo_root / "utils/validate_data_dir.sh"), "--no-feats", str(good_dir)],
                       env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "text:2: utterance jackson_1_0: empty transcript" in r.stderr
    r = subprocess.run([str(repo_root / "utils/validate_data_dir.sh")], env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "Usage" in r.stderr


def test_kaldi_validator_accepts_our_dir(tmp_path, fsdd_dir, kaldi_utils):
    """Kaldi's own utils/validate_data_dir.sh accepts what prepare_fsdd and subset write."""
    from mtlhybrid.corpora.fsdd import prepare_fsdd
    from mtlhybrid.data.subset import subset_data_dir

    from mtlhybrid.data.combine import combine_data
    from mtlhybrid.data.copy import copy_data_dir
    from mtlhybrid.data.lhotse_bridge import datadir_to_cuts, lhotse_to_datadir
    from mtlhybrid.data.split import split_data

    prepare_fsdd(fsdd_dir, tmp_path / "d", split="speaker", max_takes=2)
    subset_data_dir(tmp_path / "d" / "train", tmp_path / "d" / "sub", per_spk=3)
    copy_data_dir(tmp_path / "d" / "test", tmp_path / "d" / "copy", utt_prefix="x-", spk_prefix="x-")
    combine_data(tmp_path / "d" / "comb", [tmp_path / "d" / "train", tmp_path / "d" / "copy"])
    split_data(tmp_path / "d" / "comb", 2)
    # a segments dir (cuts trimmed inside their recordings) written back from lhotse
    from lhotse import CutSet

    def trimmed(c):  # the middle 0.2 s of each utterance, as its own segment of the recording
        t = c.truncate(offset=0.05, duration=0.2)
        return replace(t, supervisions=[replace(s, start=0.0, duration=t.duration) for s in t.supervisions])

    cuts = CutSet.from_cuts(trimmed(c) for c in datadir_to_cuts(tmp_path / "d" / "sub"))
    lhotse_to_datadir(tmp_path / "d" / "seg", cuts=cuts)
    assert (tmp_path / "d" / "seg" / "segments").is_file()
    s5 = kaldi_utils.parent  # Kaldi's scripts call utils/... relative to the recipe dir
    for name in ("train", "test", "sub", "copy", "comb", "comb/split2/1", "seg"):
        r = subprocess.run(["utils/validate_data_dir.sh", "--no-feats", str(tmp_path / "d" / name)],
                           cwd=s5, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Successfully validated" in r.stdout
