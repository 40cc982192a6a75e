"""Synthesize one utterance to a 16-bit mono WAV at a chosen rate.

espeak-ng writes 22,050 Hz and flite 8 or 16 kHz, so every output passes through sox
to resample (with ``gain -1`` so resampling never clips, and ``-R`` so that sox's dither
is seeded the same way every time: without it the same settings give different bytes). The settings that made an
utterance are a small dataclass that a data dir can record, so the audio can be
regenerated bit for bit.

Nothing but those settings may reach the audio, so the tools run in a fixed environment
(:func:`tool_env`) rather than the caller's: a user's ``SOX_OPTS`` (``-D`` turns dither
off, ``--multi-threaded``), ``~/espeak-ng-data`` (espeak-ng prefers it to the installed
voices), ``ESPEAK_DATA_PATH`` or locale would otherwise change the bytes from one
machine or shell to the next. The environment is built per call and passed to the
child, never written into ``os.environ``: synthesis runs in threads, and changing the
process environment while another thread starts a tool is a race.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Optional, Union

from mtlhybrid.utils.errors import MtlHybridError


@dataclasses.dataclass(frozen=True)
class SynthesisSettings:
    engine: str = "espeak-ng"  # "espeak-ng" or "flite"
    voice: str = "en-us"  # espeak-ng voice (en-gb-scotland, en-us+f3, ...) or flite voice (kal, awb, rms, slt)
    speed: int = 160  # espeak-ng words per minute; flite duration stretch is 160 / speed
    pitch: int = 50  # espeak-ng pitch 0-99; for flite, a sox pitch shift of (pitch - 50) * 10 cents
    sample_rate: int = 16000

    def to_dict(self) -> Dict[str, Union[str, int]]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, Union[str, int]]) -> "SynthesisSettings":
        return SynthesisSettings(**d)


def _require(exe: str) -> str:
    path = shutil.which(exe)
    if path is None:
        raise MtlHybridError(f"{exe} is not installed: run `make setup` (or apt-get install espeak-ng flite sox)")
    return path


#: caller's variables a tool may still need to start at all (finding itself and its libraries)
_KEPT_VARIABLES = ("PATH", "LD_LIBRARY_PATH")


def tool_env(home: Union[str, Path]) -> Dict[str, str]:
    """The whole environment of espeak-ng, flite and sox: ``home`` (an empty temporary dir, so no
    ``~/espeak-ng-data`` or rc file is read), the C locale, one thread, and nothing else of the caller's
    but ``PATH`` and ``LD_LIBRARY_PATH``."""
    env = {k: os.environ[k] for k in _KEPT_VARIABLES if k in os.environ}
    env.update(HOME=str(home), TMPDIR=str(home), LC_ALL="C", LANG="C", OMP_NUM_THREADS="1")
    return env


def run_tool(cmd, home: Union[str, Path]) -> "subprocess.CompletedProcess[str]":
    """Run a synthesis tool in :func:`tool_env`, capturing its output."""
    return subprocess.run(cmd, capture_output=True, text=True, env=tool_env(home), stdin=subprocess.DEVNULL)


def _version(exe: str, flag: str) -> Optional[str]:
    path = shutil.which(exe)
    if path is None:
        return None
    with tempfile.TemporaryDirectory() as home:
        res = run_tool([path, flag], home)
    lines = [line.strip() for line in (res.stdout + res.stderr).splitlines() if line.strip()]
    return " ".join(lines)


@functools.lru_cache(maxsize=None)
def tool_versions() -> Dict[str, Optional[str]]:
    """What ``--version`` prints for espeak-ng, flite and sox (None: not installed).

    Recorded next to every synthesized wav: another version of a tool may speak the same
    settings differently, so a wav made by one must not be reused under another.
    """
    return {"espeak-ng": _version("espeak-ng", "--version"), "flite": _version("flite", "--version"),
            "sox": _version("sox", "--version")}


def synthesize(text: str, out_wav: Union[str, Path], settings: SynthesisSettings = SynthesisSettings()) -> Path:
    """Speak ``text`` into ``out_wav`` (written atomically); returns the path."""
    out_wav = Path(out_wav)
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    sox = _require("sox")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        effects = []
        if settings.engine == "espeak-ng":
            cmd = [_require("espeak-ng"), "-v", settings.voice, "-s", str(settings.speed), "-p", str(settings.pitch), "-w", str(raw), text]
        elif settings.engine == "flite":
            stretch = 160.0 / max(settings.speed, 1)
            cmd = [_require("flite"), "-voice", settings.voice, "--setf", f"duration_stretch={stretch:.3f}", "-t", text, "-o", str(raw)]
            if settings.pitch != 50:
                effects = ["pitch", str((settings.pitch - 50) * 10)]
        else:
            raise MtlHybridError(f"unknown synthesis engine {settings.engine!r} (espeak-ng or flite)")
        res = run_tool(cmd, tmp)
        if res.returncode != 0 or not raw.exists():
            raise MtlHybridError(f"{settings.engine} failed on {text!r} with voice {settings.voice}: {res.stderr.strip()}")
        tmp_out = Path(tmp) / "out.wav"
        res = run_tool([sox, "-R", "--single-threaded", str(raw), "-r", str(settings.sample_rate), "-c", "1", "-b", "16",
                        str(tmp_out), "gain", "-1", *effects], tmp)
        if res.returncode != 0:
            raise MtlHybridError(f"sox failed resampling {raw}: {res.stderr.strip()}")
        shutil.move(str(tmp_out), str(out_wav))
    return out_wav
