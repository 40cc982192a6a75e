"""Kaldi r/wspecifiers: one parser and one set of readers/writers for every tool.

Matrices are MFCCs of a real FSDD recording; alignments are the integer archives the
alignment tools write.
"""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.kaldi_io import (
    MatrixWriter,
    Specifier,
    ark_scp_paths,
    iter_text_lines,
    parse_specifier,
    read_int_vectors,
    read_int_vectors_rspecifier,
    read_matrices_rspecifier,
    write_int_vectors_wspecifier,
    write_matrices_ark_scp,
    write_text_wspecifier,
)

ALIS = {"u1": np.array([1, 2, 2, 3]), "u2": np.array([4]), "u3": np.array([], dtype=np.int64)}


@pytest.fixture(scope="module")
def mfccs(fsdd_dir):
    import kaldi_native_fbank as knf
    import soundfile as sf

    out = {}
    for name in ("0_jackson_0", "1_theo_0"):
        samples, rate = sf.read(fsdd_dir / "recordings" / f"{name}.wav", dtype="float32")
        opts = knf.MfccOptions()
        opts.frame_opts.samp_freq = rate
        opts.frame_opts.dither = 0.0
        comp = knf.OnlineMfcc(opts)
        comp.accept_waveform(rate, (samples * 32768).tolist())
        comp.input_finished()
        out[name] = np.stack([comp.get_frame(i) for i in range(comp.num_frames_ready)]).astype(np.float32)
    return out


def test_parse_specifier_kinds_options_and_plain_names():
    assert parse_specifier("ark,t:out.txt") == Specifier(("ark",), frozenset({"t"}), "out.txt")
    assert parse_specifier("scp,p:feats.scp").is_script
    s = parse_specifier("ark,scp:a.ark,a.scp")
    assert s.is_both
    assert ark_scp_paths("ark,scp:a.ark,a.scp") == ("a.ark", "a.scp")
    assert ark_scp_paths("scp,ark:a.scp,a.ark") == ("a.ark", "a.scp")
    assert parse_specifier("ark:gunzip -c ali.1.gz|").target == "gunzip -c ali.1.gz|"
    # plain names stay whole, including an rxfilename with an offset
    for plain in ("raw.ark:123", "ali.1.gz", "-", "feats.scp", "gzip -dc x |"):
        assert parse_specifier(plain) == Specifier((), frozenset(), plain)
    assert Specifier.from_dict(s.to_dict()) == s
    with pytest.raises(DataError, match="ark,scp:<file.ark>,<file.scp>"):
        ark_scp_paths("ark:a.ark")
    with pytest.raises(DataError, match="twice"):
        parse_specifier("ark,ark:x")


def test_int_vectors_every_target_round_trips(tmp_path):
    # binary (ark:), text (ark,t:), plain .gz (binary, as ali.JOB.gz), plain text, a pipe
    specs = {
        "bin": f"ark:{tmp_path}/a.ark",
        "text": f"ark,t:{tmp_path}/a.txt",
        "gz": f"{tmp_path}/ali.1.gz",
        "plain": f"{tmp_path}/plain.txt",
        "pipe": f"ark:| gzip -c > {tmp_path}/piped.gz",
    }
    for spec in specs.values():
        assert write_int_vectors_wspecifier(spec, ALIS.items()) == 3
    assert (tmp_path / "a.ark").read_bytes()[3:5] == b"\x00B"  # Kaldi's binary marker after "u1 "
    assert (tmp_path / "a.txt").read_text() == "u1 1 2 2 3\nu2 4\nu3\n"
    assert (tmp_path / "plain.txt").read_text() == "u1 1 2 2 3\nu2 4\nu3\n"
    assert gzip.decompress((tmp_path / "ali.1.gz").read_bytes())[3:5] == b"\x00B"
    assert gzip.decompress((tmp_path / "piped.gz").read_bytes())[3:5] == b"\x00B"
    assert not list(tmp_path.glob("|*"))  # no directory named after the command
    reads = [
        f"ark:{tmp_path}/a.ark", f"{tmp_path}/a.txt", f"ark:{tmp_path}/ali.1.gz",
        f"ark:gunzip -c {tmp_path}/piped.gz|", f"gunzip -c {tmp_path}/pi*.gz |",
    ]
    for spec in reads:
        got = dict(read_int_vectors_rspecifier(spec))
        assert got.keys() == ALIS.keys(), spec
        assert all(np.array_equal(got[k], ALIS[k]) for k in ALIS), spec
    assert [k for k, _ in read_int_vectors(tmp_path / "ali.1.gz")] == ["u1", "u2", "u3"]


def test_pipes_and_files_fail_with_clear_errors(tmp_path):
    with pytest.raises(DataError, match="command failed.*no-such-file"):
        list(read_int_vectors_rspecifier(f"ark:gunzip -c {tmp_path}/no-such-file.gz|"))
    with pytest.raises(DataError, match="no such file"):
        list(read_int_vectors_rspecifier(f"ark:{tmp_path}/missing.ark"))
    with pytest.raises(DataError, match="command failed.*nowhere"):
        write_int_vectors_wspecifier(f"ark:| cat > {tmp_path}/nowhere/x.ark", ALIS.items())
    with pytest.raises(DataError, match="archives"):
        write_int_vectors_wspecifier(f"scp:{tmp_path}/x.scp", ALIS.items())
    (tmp_path / "bad.txt").write_text("u1 1 two\n")
    with pytest.raises(DataError, match="non-integer") as e:
        list(read_int_vectors_rspecifier(f"ark,t:{tmp_path}/bad.txt"))
    assert e.value.line == 1
    with pytest.raises(DataError, match="white space"):
        write_int_vectors_wspecifier(f"{tmp_path}/k.txt", [("a b", [1])])
    assert not (tmp_path / "k.txt").exists()  # nothing half-written


def test_matrices_scp_ark_pipe_and_stream(mfccs, tmp_path):
    write_matrices_ark_scp(tmp_path / "f.ark", tmp_path / "f.scp", mfccs.items())
    for spec in (f"scp:{tmp_path}/f.scp", f"{tmp_path}/f.scp", f"ark:{tmp_path}/f.ark", f"ark:cat {tmp_path}/f.ark |"):
        got = dict(read_matrices_rspecifier(spec))
        assert got.keys() == mfccs.keys(), spec
        assert all(np.array_equal(got[k], mfccs[k]) for k in mfccs), spec
    # MatrixWriter into a pipe, text form, and ark,scp
    with MatrixWriter(f"ark:| gzip -c > {tmp_path}/m.ark.gz") as w:
        for k, m in mfccs.items():
            w.write(k, m)
    got = dict(read_matrices_rspecifier(f"ark:{tmp_path}/m.ark.gz"))  # gzip data is recognised
    assert np.array_equal(got["1_theo_0"], mfccs["1_theo_0"])
    with MatrixWriter(f"ark,t:{tmp_path}/m.txt") as w:
        w.write("x", mfccs["0_jackson_0"][:2])
    assert (tmp_path / "m.txt").read_text().startswith("x  [")
    assert np.allclose(dict(read_matrices_rspecifier(f"ark:{tmp_path}/m.txt"))["x"], mfccs["0_jackson_0"][:2], atol=1e-4)
    with pytest.raises(DataError, match="archive"):
        MatrixWriter(f"scp:{tmp_path}/x.scp")


def test_text_tables_and_stdout(tmp_path, capsys):
    assert write_text_wspecifier(f"ark,t:{tmp_path}/t.gz", ["a 1", "b 2"]) == 2
    assert list(iter_text_lines(f"ark:{tmp_path}/t.gz")) == [(1, "a 1"), (2, "b 2")]
    assert list(iter_text_lines(f"printf 'x\\ny\\n' |")) == [(1, "x"), (2, "y")]
    write_int_vectors_wspecifier("ark,t:-", ALIS.items())
    assert capsys.readouterr().out == "u1 1 2 2 3\nu2 4\nu3\n"


def test_feat_to_dim_takes_a_plain_scp_and_ark(mfccs, tmp_path):
    write_matrices_ark_scp(tmp_path / "f.ark", tmp_path / "f.scp", mfccs.items())
    dim = str(mfccs["0_jackson_0"].shape[1])
    for spec in (f"{tmp_path}/f.scp", f"scp:{tmp_path}/f.scp", f"ark:{tmp_path}/f.ark"):
        r = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.feat_to_dim", spec], capture_output=True, text=True)
        assert r.returncode == 0, (spec, r.stderr)
        assert r.stdout.strip() == dim, (spec, r.stderr)
    r = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.feat_to_dim", str(tmp_path / "none.scp")], capture_output=True, text=True)
    assert r.returncode == 1
    assert "none.scp" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.feat_to_len", f"{tmp_path}/f.scp", "ark,t:-"], capture_output=True, text=True)
    assert r.stdout.split() == ["0_jackson_0", str(len(mfccs["0_jackson_0"])), "1_theo_0", str(len(mfccs["1_theo_0"]))]


def test_pipe_specifiers_fail_when_any_command_of_the_pipe_fails(tmp_path):
    write_int_vectors_wspecifier(f"ark:{tmp_path}/a.ark", ALIS.items())
    # The last command succeeds on what the failing first one wrote before it died.
    with pytest.raises(DataError, match=r"command failed \(exit status 3\)"):
        list(read_int_vectors_rspecifier(f"ark:(cat {tmp_path}/a.ark; exit 3) | cat |"))
    with pytest.raises(DataError, match=r"command failed \(exit status 4\)"):
        write_int_vectors_wspecifier(f"ark:| (cat > {tmp_path}/b.ark; exit 4) | cat", ALIS.items())
