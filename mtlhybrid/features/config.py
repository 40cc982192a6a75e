"""Feature options in Kaldi's syntax (``conf/fbank.conf``, ``conf/mfcc.conf``).

A config file holds one ``--name=value`` per line (``#`` starts a comment), exactly what
Kaldi's ``compute-fbank-feats --config=conf/fbank.conf`` reads, so recipes keep their
``conf/`` files. Option names and defaults are Kaldi's (``FrameExtractionOptions``,
``MelBanksOptions``, ``FbankOptions``, ``MfccOptions`` and the tool's own options).

Kaldi's default dither is 1.0 (random noise of one int16 step): features then change from
run to run. The example configs of this project set ``--dither=0`` for reproducibility.

An unknown option, or a value of the wrong type, is a :class:`DataError` naming the
config file and line, never silently ignored.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from mtlhybrid.utils.errors import DataError

FEATURE_KINDS = ("fbank", "mfcc")

# Options every kind accepts (frame extraction, mel banks, tool options).
_COMMON = {
    "sample_frequency", "frame_shift", "frame_length", "dither", "preemphasis_coefficient",
    "remove_dc_offset", "window_type", "round_to_power_of_two", "blackman_coeff", "snip_edges",
    "allow_downsample", "allow_upsample", "max_feature_vectors",
    "num_mel_bins", "low_freq", "high_freq", "vtln_low", "vtln_high", "debug_mel",
    "use_energy", "energy_floor", "raw_energy", "htk_compat",
    "channel", "min_duration", "subtract_mean", "vtln_warp", "output_format",
}
_KIND_ONLY = {
    "fbank": {"use_log_fbank", "use_power"},
    "mfcc": {"num_ceps", "cepstral_lifter"},
}
_WINDOWS = ("hamming", "hanning", "povey", "rectangular", "sine", "blackman")


@dataclasses.dataclass
class FeatureConfig:
    """All options of ``compute-fbank-feats`` / ``compute-mfcc-feats`` with Kaldi's defaults.

    ``kind`` picks the computer; options of the other kind are rejected when parsing.
    Durations are in milliseconds (``frame_shift``, ``frame_length``) as in Kaldi.
    """

    kind: str = "fbank"
    # FrameExtractionOptions
    sample_frequency: float = 16000.0
    frame_shift: float = 10.0
    frame_length: float = 25.0
    dither: float = 1.0
    preemphasis_coefficient: float = 0.97
    remove_dc_offset: bool = True
    window_type: str = "povey"
    round_to_power_of_two: bool = True
    blackman_coeff: float = 0.42
    snip_edges: bool = True
    allow_downsample: bool = False
    allow_upsample: bool = False
    max_feature_vectors: int = -1
    # MelBanksOptions (Kaldi: 23 bins for both fbank and mfcc)
    num_mel_bins: int = 23
    low_freq: float = 20.0
    high_freq: float = 0.0
    vtln_low: float = 100.0
    vtln_high: float = -500.0
    debug_mel: bool = False
    # FbankOptions / MfccOptions
    use_energy: Optional[bool] = None  # None: the kind's default (fbank false, mfcc true)
    energy_floor: float = 0.0
    raw_energy: bool = True
    htk_compat: bool = False
    use_log_fbank: bool = True
    use_power: bool = True
    num_ceps: int = 13
    cepstral_lifter: float = 22.0
    # tool options of compute-{fbank,mfcc}-feats
    channel: int = -1
    min_duration: float = 0.0
    subtract_mean: bool = False
    vtln_warp: float = 1.0
    output_format: str = "kaldi"

    def __post_init__(self) -> None:
        if self.kind not in FEATURE_KINDS:
            raise DataError(f"unknown feature kind {self.kind!r} (one of {', '.join(FEATURE_KINDS)})")
        if self.use_energy is None:
            self.use_energy = self.kind == "mfcc"

    # -- derived -------------------------------------------------------------------------
    @property
    def frame_shift_seconds(self) -> float:
        return self.frame_shift / 1000.0

    @property
    def dim(self) -> int:
        """Output dimension, as Kaldi's ``Dim()``."""
        if self.kind == "fbank":
            return self.num_mel_bins + (1 if self.use_energy else 0)
        return self.num_ceps

    def validate(self) -> None:
        """Reject combinations Kaldi would reject, before any audio is read."""
        if self.window_type not in _WINDOWS:
            raise DataError(f"--window-type={self.window_type}: expected one of {', '.join(_WINDOWS)}")
        if self.output_format != "kaldi":
            raise DataError(f"--output-format={self.output_format}: only 'kaldi' is supported")
        if self.vtln_warp != 1.0:
            raise DataError("--vtln-warp other than 1.0 is not supported by this toolkit")
        if self.sample_frequency <= 0 or self.frame_shift <= 0 or self.frame_length <= 0:
            raise DataError("--sample-frequency, --frame-shift and --frame-length must be positive")
        nyquist = self.sample_frequency / 2
        high = self.high_freq if self.high_freq > 0 else nyquist + self.high_freq
        if not (0 <= self.low_freq < high <= nyquist):
            raise DataError(
                f"mel band edges low={self.low_freq} high={self.high_freq} do not fit "
                f"the Nyquist frequency {nyquist} of --sample-frequency={self.sample_frequency}"
            )
        if self.kind == "mfcc" and self.num_ceps > self.num_mel_bins:
            raise DataError(f"--num-ceps={self.num_ceps} exceeds --num-mel-bins={self.num_mel_bins}")

    def to_knf(self):
        """The matching ``kaldi_native_fbank`` options object (FbankOptions or MfccOptions)."""
        import kaldi_native_fbank as knf

        opts = knf.FbankOptions() if self.kind == "fbank" else knf.MfccOptions()
        fo = opts.frame_opts
        fo.samp_freq = float(self.sample_frequency)
        fo.frame_shift_ms = float(self.frame_shift)
        fo.frame_length_ms = float(self.frame_length)
        fo.dither = float(self.dither)
        fo.preemph_coeff = float(self.preemphasis_coefficient)
        fo.remove_dc_offset = bool(self.remove_dc_offset)
        fo.window_type = self.window_type
        fo.round_to_power_of_two = bool(self.round_to_power_of_two)
        fo.blackman_coeff = float(self.blackman_coeff)
        fo.snip_edges = bool(self.snip_edges)
        mo = opts.mel_opts
        mo.num_bins = int(self.num_mel_bins)
        mo.low_freq = float(self.low_freq)
        mo.high_freq = float(self.high_freq)
        mo.vtln_low = float(self.vtln_low)
        mo.vtln_high = float(self.vtln_high)
        mo.debug_mel = bool(self.debug_mel)
        opts.use_energy = bool(self.use_energy)
        opts.energy_floor = float(self.energy_floor)
        opts.raw_energy = bool(self.raw_energy)
        opts.htk_compat = bool(self.htk_compat)
        if self.kind == "fbank":
            opts.use_log_fbank = bool(self.use_log_fbank)
            opts.use_power = bool(self.use_power)
        else:
            opts.num_ceps = int(self.num_ceps)
            opts.cepstral_lifter = float(self.cepstral_lifter)
        return opts

    # -- (de)serialization -----------------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, Any]) -> "FeatureConfig":
        return FeatureConfig(**d)

    def to_kaldi_options(self) -> List[str]:
        """``--name=value`` strings for the options that differ from Kaldi's defaults."""
        default = FeatureConfig(kind=self.kind)
        out = []
        for f in dataclasses.fields(self):
            if f.name == "kind" or f.name not in allowed_options(self.kind):
                continue
            v = getattr(self, f.name)
            if v != getattr(default, f.name):
                out.append(f"--{f.name.replace('_', '-')}={_format_value(v)}")
        return out


def _format_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def allowed_options(kind: str) -> set:
    return _COMMON | _KIND_ONLY.get(kind, set())


def parse_bool(text: str) -> bool:
    """Kaldi's ``ToBool``: true/t/1/'' and false/f/0, case-insensitive."""
    s = text.lower()
    if s in ("true", "t", "1", ""):
        return True
    if s in ("false", "f", "0"):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


_TYPES = {f.name: f.type for f in dataclasses.fields(FeatureConfig)}


def _convert(name: str, value: str) -> Any:
    t = _TYPES[name]
    if "bool" in str(t):
        return parse_bool(value)
    if t in ("int", int):
        return int(value)
    if t in ("float", float):
        return float(value)
    return value


OptionSource = Tuple[str, Optional[Union[str, Path]], Optional[int]]  # (text, file, line)


def apply_options(config: FeatureConfig, options: Iterable[OptionSource]) -> FeatureConfig:
    """Apply ``--name=value`` strings in order (later ones win, as in Kaldi).

    Each option carries where it came from, so an error names the config line (or the
    command line when the file is None).
    """
    allowed = allowed_options(config.kind)
    for text, path, line in options:
        where = {"path": path, "line": line}
        if not text.startswith("--"):
            raise DataError(f"{text!r} is not of the form --name=value", **where)
        body = text[2:]
        name, eq, value = body.partition("=")
        key = name.strip().replace("-", "_")
        if key not in allowed:
            raise DataError(f"unknown option --{name.strip()} for {config.kind} features", **where)
        if not eq and "bool" not in str(_TYPES[key]):
            raise DataError(f"option --{name.strip()} needs a value (--{name.strip()}=...)", **where)
        try:
            setattr(config, key, _convert(key, value.strip()))
        except ValueError as e:
            raise DataError(f"bad value for --{name.strip()}: {e}", **where)
    return config


def read_config_lines(path: Union[str, Path]) -> List[OptionSource]:
    """Read a Kaldi config file into option strings, keeping file and line for errors."""
    path = Path(path)
    if not path.is_file():
        raise DataError("no such config file", path=path)
    out: List[OptionSource] = []
    from mtlhybrid.utils.io import iter_lines

    for lineno, line in iter_lines(path):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not text.startswith("--"):
            raise DataError(
                f"{text!r} does not look like a Kaldi config line (--name=value); "
                "note that shell-style configs lack the '--'",
                path=path,
                line=lineno,
            )
        if text.startswith("--config="):
            out.extend(read_config_lines(text.split("=", 1)[1]))
            continue
        out.append((text, path, lineno))
    return out


def load_feature_config(
    kind: str,
    config_path: Optional[Union[str, Path]] = None,
    extra_options: Iterable[str] = (),
) -> FeatureConfig:
    """Kaldi's order: defaults, then the ``--config`` file, then command-line options."""
    cfg = FeatureConfig(kind=kind)
    sources: List[OptionSource] = []
    if config_path is not None:
        sources.extend(read_config_lines(config_path))
    sources.extend((o, None, None) for o in extra_options)
    apply_options(cfg, sources)
    cfg.validate()
    return cfg
