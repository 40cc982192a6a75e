"""The shared command-line plumbing of the tools: --verbose sets the log level, as in Kaldi."""

from __future__ import annotations

import subprocess
import sys


def utt2spk_to_spk2utt(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "mtlhybrid.bin.utt2spk_to_spk2utt", *args, "nosuch"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_verbose_1_logs_debug_messages_starting_with_the_command_line(tmp_path):
    r = utt2spk_to_spk2utt(tmp_path, "--verbose", "1")
    assert " DEBUG (utt2spk_to_spk2utt) command line: " in r.stderr
    assert "--verbose 1 nosuch" in r.stderr


def test_default_verbosity_logs_no_debug_messages(tmp_path):
    r = utt2spk_to_spk2utt(tmp_path)
    assert "DEBUG" not in r.stderr
    assert "utt2spk_to_spk2utt: ERROR: nosuch: cannot open" in r.stderr


def test_verbose_0_after_1_turns_debug_off_again(tmp_path):
    r = utt2spk_to_spk2utt(tmp_path, "--verbose=1", "--verbose=0")
    assert r.stderr.count("DEBUG") == 1  # the command line, logged while the level was 1
