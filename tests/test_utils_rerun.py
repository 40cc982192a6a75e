"""What a rerun into an existing dir compares, and the tool the GMM step scripts call."""

from __future__ import annotations

import pytest

from mtlhybrid.bin import check_dir_opts
from mtlhybrid.utils.rerun import ChangedRequestError, check_unchanged, diff_settings


def test_diff_names_nested_keys_old_and_new():
    old = {"train": {"lr": 0.1, "epochs": 3}, "model": {"contexts": (1, 2)}, "tasks": ["a"]}
    new = {"train": {"lr": 0.05, "epochs": 3}, "model": {"contexts": [1, 2]}, "tasks": ["a", "b"], "extra": 1}
    assert [str(c) for c in diff_settings(old, new)] == [
        "extra: (unset) -> 1", "tasks: ['a'] -> ['a', 'b']", "train.lr: 0.1 -> 0.05"]
    check_unchanged(old, {**old, "model": {"contexts": [1, 2]}}, "exp/x")  # a tuple read back as a list is no change
    with pytest.raises(ChangedRequestError, match=r"exp/x was made with other config .*train\.lr: 0\.1 -> 0\.05"):
        check_unchanged(old, new, "exp/x", "config")


def test_check_dir_opts_records_refuses_and_overwrites(tmp_path, capsys):
    d = tmp_path / "exp"
    d.mkdir()
    assert check_dir_opts.main([str(d), "totgauss=1000", "cmvn_opts=--apply-cmvn true  --norm-vars false"]) == 0
    assert (d / "train_opts").read_text() == "totgauss=1000\ncmvn_opts=--apply-cmvn true --norm-vars false\n"
    assert check_dir_opts.main([str(d), "totgauss=1000", "cmvn_opts=--apply-cmvn true --norm-vars false"]) == 0
    capsys.readouterr()
    assert check_dir_opts.main([str(d), "totgauss=2000", "cmvn_opts=--apply-cmvn true --norm-vars true"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("check_dir_opts: ERROR: ")
    assert "totgauss: 1000 -> 2000" in err
    assert "cmvn_opts: '--apply-cmvn true --norm-vars false' -> '--apply-cmvn true --norm-vars true'" in err
    assert "totgauss=1000" in (d / "train_opts").read_text()  # the record is unchanged
    assert check_dir_opts.main(["--overwrite", "true", str(d), "totgauss=2000"]) == 0
    assert (d / "train_opts").read_text() == "totgauss=2000\n"
