"""Environment errors the user must fix get one ERROR line naming the path, never a traceback.

A full disk is simulated with a small tmpfs mounted for the test (needs root: skipped with
the reason otherwise); its files are written by the real writers (atomic_write, torch
checkpoints, Kaldi archives, compute_fbank_feats through steps/make_fbank.sh).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mtlhybrid.utils.errors import DiskFullError


@pytest.fixture
def full_disk(tmp_path):
    """A 64 KiB tmpfs, unmounted afterwards."""
    mnt = tmp_path / "small_fs"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_atomic_write_and_archives_say_the_disk_is_full(full_disk):
    from mtlhybrid.utils.io import atomic_write
    from mtlhybrid.utils.kaldi_io import write_matrices_ark_scp

    target = full_disk / "text"
    with pytest.raises(DiskFullError, match=f"no space left on device: {target}$"):
        with atomic_write(target) as f:
            for _ in range(2000):
                f.write("x" * 100 + "\n")
    ark = full_disk / "feats.ark"
    with pytest.raises(DiskFullError, match=f"no space left on device: {ark}$"):
        write_matrices_ark_scp(ark, full_disk / "feats.scp", [(f"u{i}", np.zeros((100, 40))) for i in range(10)])
    assert not list(full_disk.iterdir())  # nothing half-written is left behind


def test_checkpoint_on_a_full_disk_is_named_not_unexpected_pos(full_disk):
    import torch

    from mtlhybrid.nnet.checkpoint import save_checkpoint

    path = full_disk / "exp" / "last.pt"
    with pytest.raises(DiskFullError, match=f"no space left on device: {path}$"):
        save_checkpoint(path, {"model": {"w": torch.zeros(100000)}})
    assert not list((full_disk / "exp").iterdir())


def test_make_fbank_on_a_full_disk_is_one_error_line(full_disk, tmp_path, fsdd_dir, repo_root, script_env):
    from tests.test_features_make_fbank import make_data_dir

    d = make_data_dir(tmp_path, fsdd_dir, n_digits=4)
    (full_disk / "filler").write_bytes(b"\0" * 56 * 1024)  # 8 KiB left: less than 12 utterances of fbank
    r = subprocess.run([str(repo_root / "steps/make_fbank.sh"), "--nj", "1", "data/train", "exp/make_fbank", str(full_disk)],
                       cwd=tmp_path, env=script_env, capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    log = (tmp_path / "exp/make_fbank/make_fbank_train.1.log").read_text()
    assert "compute_fbank_feats: ERROR: no space left on device: " in log
    assert str(full_disk) in log
    assert "Traceback" not in log
    assert not (d / "feats.scp").exists()


def test_tool_main_turns_os_errors_into_one_line():
    from mtlhybrid.utils.cli import environment_error_message

    assert environment_error_message(PermissionError(13, "Permission denied", "/exp/log")) == "permission denied: /exp/log"
    assert environment_error_message(OSError(28, "No space left on device")) == "no space left on device"
    assert environment_error_message(OSError(5, "Input/output error")) is None  # no path: may be a bug, keeps its traceback


def test_ctrl_c_is_one_error_line_and_status_130():
    # The tool waits for its input on stdin (``ark:-``); Ctrl-C (SIGINT) arrives while it reads.
    proc = subprocess.Popen([sys.executable, "-m", "mtlhybrid.bin.feat_to_dim", "ark:-"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a terminal's Ctrl-C, even when the suite runs in the background
    deadline = time.time() + 60
    while time.time() < deadline:  # past its imports, blocked in read(0, ...)
        try:
            if Path(f"/proc/{proc.pid}/syscall").read_text().split()[:2] == ["0", "0x0"]:
                break
        except OSError:
            pass
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["feat_to_dim: ERROR: interrupted (Ctrl-C); outputs of this run are incomplete"]
