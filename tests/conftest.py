"""Shared fixtures: where the real data lives, and skips that say why."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Scripts and tools that tests start call `python3 -m mtlhybrid...`: that must be this
# interpreter (the project's virtual environment), activated or not.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
# ../shared beside the repository root, as on the developers' machines and CI; a user's
# fresh clone may not have it, so tests needing it skip with the reason.
SHARED_DATA = Path(os.environ.get("MTLHYBRID_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
FSDD_DIR = SHARED_DATA / "fsdd"
ARCTIC_PROMPTS = SHARED_DATA / "arctic_prompts" / "cmuarctic.data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def fsdd_dir() -> Path:
    if not (FSDD_DIR / "recordings").is_dir():
        pytest.skip(f"FSDD recordings not found at {FSDD_DIR} (set MTLHYBRID_SHARED_DATA to the folder holding fsdd/)")
    return FSDD_DIR


@pytest.fixture(scope="session")
def espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng; `make setup` does it)")
    return exe


@pytest.fixture(scope="session")
def sox() -> str:
    exe = shutil.which("sox")
    if exe is None:
        pytest.skip("sox is not installed (apt-get install sox; `make setup` does it)")
    return exe


@pytest.fixture
def script_env(repo_root) -> dict:
    """Environment for running steps/ and utils/ scripts from a test, as path.sh would set it."""
    env = dict(os.environ)
    env["PATH"] = f"{repo_root / 'utils'}:{Path(os.sys.executable).parent}:{env.get('PATH', '')}"
    env["LC_ALL"] = "C"
    return env


@pytest.fixture(scope="session")
def kaldi_utils() -> Path:
    """Kaldi's own egs/wsj/s5/utils (for checking that Kaldi's validators accept our output).

    Not part of this repository: point KALDI_UTILS at a Kaldi checkout's egs/wsj/s5/utils.
    """
    d = os.environ.get("KALDI_UTILS")
    if not d or not (Path(d) / "validate_data_dir.sh").exists():
        pytest.skip("Kaldi's utils not available: set KALDI_UTILS=<kaldi>/egs/wsj/s5/utils to run Kaldi's own validators")
    return Path(d)
