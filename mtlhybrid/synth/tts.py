"""Synthesize one utterance to a 16-bit mono WAV at a chosen rate.

espeak-ng writes 22,050 Hz and flite 8 or 16 kHz, so every output passes through sox
to resample (with ``gain -1`` so resampling never clips, and ``-R`` so that sox's dither
is seeded the same way every time: without it the same settings give different bytes). The settings that made an
utterance are a small dataclass that a data dir can record, so the audio can be
regenerated bit for bit.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Union

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
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0 or not raw.exists():
            raise MtlHybridError(f"{settings.engine} failed on {text!r} with voice {settings.voice}: {res.stderr.strip()}")
        tmp_out = Path(tmp) / "out.wav"
        res = subprocess.run(
            [sox, "-R", str(raw), "-r", str(settings.sample_rate), "-c", "1", "-b", "16", str(tmp_out), "gain", "-1", *effects],
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            raise MtlHybridError(f"sox failed resampling {raw}: {res.stderr.strip()}")
        shutil.move(str(tmp_out), str(out_wav))
    return out_wav
