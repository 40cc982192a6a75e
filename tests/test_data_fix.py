"""fix_data_dir repairs what can be repaired, counts removals by reason, keeps backups."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mtlhybrid.data.fix import fix_data_dir
from mtlhybrid.data.validate import validate_data_dir
from mtlhybrid.utils.errors import DataError


def write(d: Path, name: str, text) -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    (d / name).write_bytes(data)


@pytest.fixture
def broken_dir(tmp_path, fsdd_dir) -> Path:
    """Six utterances of FSDD audio with one problem of each repairable kind."""
    d = tmp_path / "data"
    d.mkdir()
    rec = fsdd_dir / "recordings"
    utts = {  # utt: (speaker, file, word)
        "jackson_0_0": ("jackson", "0_jackson_0", "ZERO"),
        "jackson_1_0": ("jackson", "1_jackson_0", "ONE"),
        "jackson_2_0": ("jackson", "2_jackson_0", "TWO"),
        "theo_3_0": ("theo", "3_theo_0", "THREE"),
        "theo_4_0": ("theo", "4_theo_0", "FOUR"),
        "theo_5_0": ("theo", "5_theo_0", "FIVE"),
    }
    # wav.scp unsorted and missing theo_5_0 (no audio)
    wav = [f"{u} {rec / (f + '.wav')}" for u, (_, f, _) in utts.items() if u != "theo_5_0"]
    write(d, "wav.scp", "\n".join(reversed(wav)) + "\n")
    # text: empty transcript for jackson_2_0, a duplicate line for jackson_0_0
    text = [f"{u} {w}" if u != "jackson_2_0" else u for u, (_, _, w) in utts.items()]
    text.insert(1, "jackson_0_0 DUPLICATE")
    write(d, "text", "\n".join(text) + "\n")
    write(d, "utt2spk", "".join(f"{u} {s}\n" for u, (s, _, _) in utts.items()))
    write(d, "spk2utt", "jackson jackson_0_0\ntheo theo_3_0\n")  # disagrees with utt2spk
    write(d, "spk2gender", "jackson m\nnobody f\ntheo m\n")
    # labels: one bad (two tokens), one for an unknown utterance, one utterance unlabelled
    write(d, "utt2accent", "jackson_0_0 USA\njackson_1_0 US A\nnobody_1_0 USA\ntheo_3_0 USA\ntheo_4_0 USA\n")
    return d


def test_fix_repairs_and_counts(broken_dir):
    before = {p.name: p.read_bytes() for p in broken_dir.iterdir()}
    with pytest.raises(DataError):
        validate_data_dir(broken_dir, no_feats=True)
    rep = fix_data_dir(broken_dir)
    assert (rep.utts_before, rep.utts_after) == (6, 4)
    assert rep.removed["empty transcript"] == 1
    assert rep.removed["no audio (not in wav.scp)"] == 1
    assert rep.removed["text: duplicated id (first kept)"] == 1
    assert rep.removed["utt2accent: label is not a single token"] == 1
    assert rep.removed["utt2accent: utterance not in utt2spk"] == 1
    assert rep.removed["spk2gender: speaker no longer used"] == 1
    assert rep.removed_examples["empty transcript"] == ["jackson_2_0"]
    assert rep.removed_examples["no audio (not in wav.scp)"] == ["theo_5_0"]
    assert "wav.scp" in rep.resorted
    assert rep.spk2utt_regenerated
    rep2 = validate_data_dir(broken_dir, no_feats=True)
    assert rep2.num_utts == 4
    assert rep2.labels == {"accent": 3}
    assert (broken_dir / "spk2utt").read_text() == "jackson jackson_0_0 jackson_1_0\ntheo theo_3_0 theo_4_0\n"
    assert (broken_dir / "text").read_text().startswith("jackson_0_0 ZERO\n")
    assert (broken_dir / "spk2gender").read_text() == "jackson m\ntheo m\n"
    # originals kept byte for byte in .backup
    for name, data in before.items():
        assert (broken_dir / ".backup" / name).read_bytes() == data
    # a second run finds nothing to do
    rep3 = fix_data_dir(broken_dir)
    assert rep3.removed == {}
    assert rep3.utts_after == 4
    assert not rep3.resorted


def test_fix_segments(broken_dir, fsdd_dir):
    rec = fsdd_dir / "recordings"
    write(broken_dir, "wav.scp", f"r1 {rec / '0_jackson_0.wav'}\nr2 {rec / '3_theo_0.wav'}\nr9 {rec / '9_theo_0.wav'}\n")
    write(broken_dir, "segments", "jackson_0_0 r1 0.00 0.20\njackson_1_0 r1 0.20 0.10\njackson_2_0 r1 0.20 0.40\n"
          "theo_3_0 r2 0.00 0.20\ntheo_4_0 r3 0.00 0.20\ntheo_5_0 r2 0.20 0.40\n")
    rep = fix_data_dir(broken_dir)
    assert rep.removed["segments: end not after start"] == 1  # jackson_1_0
    assert rep.removed["segment refers to a recording not in wav.scp"] == 1  # theo_4_0
    assert rep.removed["wav.scp: recording no longer used"] == 1  # r9
    assert rep.utts_after == 3  # jackson_0_0, theo_3_0, theo_5_0 (jackson_2_0: empty transcript)
    assert (broken_dir / "segments").read_text().split() [0::4] == ["jackson_0_0", "theo_3_0", "theo_5_0"]
    validate_data_dir(broken_dir, no_feats=True)
    assert (broken_dir / "wav.scp").read_text().split("\n")[0].startswith("r1 ")


def test_fix_refuses_unrepairable_speaker_order(broken_dir):
    write(broken_dir, "utt2spk", "jackson_0_0 zed\njackson_1_0 zed\njackson_2_0 zed\ntheo_3_0 amy\ntheo_4_0 amy\ntheo_5_0 amy\n")
    text_before = (broken_dir / "text").read_bytes()
    with pytest.raises(DataError, match="speaker order"):
        fix_data_dir(broken_dir)
    assert (broken_dir / "text").read_bytes() == text_before  # nothing rewritten


def test_fix_script(broken_dir, script_env, repo_root):
    r = subprocess.run([str(repo_root / "utils/fix_data_dir.sh"), str(broken_dir)], env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "kept 4 of 6 utterances" in r.stdout
    assert "removed 1: empty transcript (jackson_2_0)" in r.stdout
    assert ".backup" in r.stdout


def test_fix_drops_non_utf8_and_blank_lines(broken_dir):
    text = (broken_dir / "text").read_bytes().replace(b"theo_4_0 FOUR", b"theo_4_0 F\xd6UR\n")
    write(broken_dir, "text", text)
    rep = fix_data_dir(broken_dir)
    assert rep.removed["text: line is not UTF-8"] == 1
    assert rep.removed["text: blank line"] == 1
    assert rep.removed_examples["missing from text"] == ["theo_4_0"]
    assert rep.utts_after == 3
    validate_data_dir(broken_dir, no_feats=True)
