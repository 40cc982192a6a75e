"""The synthetic speakers of synth_accents: accents, voice variants, speed, pitch, augmentation.

A speaker is one synthesizer voice (an espeak-ng accent with a voice variant, or a flite
voice) at one speed and pitch, optionally with its own room (reverberation) and noise.
Its accent label is the espeak-ng accent name; flite voices get the accent they sound
like: ``awb`` is a Scottish English voice (``en-gb-scotland``), ``kal``, ``rms`` and
``slt`` are US English (``en-us``).

Speaker identity must not leak across splits: the voice variants (which set timbre and
pitch range) are partitioned into train, dev and test pools, so a test speaker's voice
was never heard in training, whatever its accent. Accents held out for ``test_unseen``
are never used in train or dev.

Accent must not be told by voice either. In the ``crossed`` design (the default) every
voice of a split speaks under every accent of that split, as far as the speaker count
allows (``V`` voices x ``A`` accents; fewer speakers: a Latin rectangle, each
accent with its share of speakers and each voice under as many accents as the others,
see :func:`crossed_cells`), and speed and pitch are drawn per utterance
(:func:`utterance_prosody`), so that neither timbre nor speaking rate nor pitch carries
the accent label. flite's voices each speak one accent only, so the crossed design
leaves them out. The ``nested`` design is the earlier one: each accent its own voices
(a voice under 1-4 of the seen accents by chance), speed and pitch fixed per speaker,
flite voices as training speakers.
"""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Dict, List, Optional, Sequence, Tuple

from mtlhybrid.synth.tts import SynthesisSettings
from mtlhybrid.utils.errors import MtlHybridError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

#: Accent label -> espeak-ng voice. ``en-gb`` is spelled by its file name because
#: espeak-ng 1.51 ignores a ``+variant`` on ``en-gb`` (every variant gave identical audio).
ESPEAK_ACCENTS: Dict[str, str] = {
    "en-us": "en-us",
    "en-gb": "gmw/en",
    "en-gb-scotland": "en-gb-scotland",
    "en-gb-x-rp": "en-gb-x-rp",
    "en-029": "en-029",
    "en-gb-x-gbclan": "en-gb-x-gbclan",
    "en-gb-x-gbcwmd": "en-gb-x-gbcwmd",
    "en-us-nyc": "en-us-nyc",
}

#: espeak-ng voice variants (file names under voices/!v) with their gender; the robotic,
#: whispering and joke variants are left out.
ESPEAK_VARIANTS: Dict[str, str] = {
    **{f"m{i}": "m" for i in range(1, 8)},
    **{f"f{i}": "f" for i in range(1, 6)},
    **{v: "m" for v in ["adam", "Andy", "benjamin", "caleb", "david", "ed", "edward", "john", "max", "Michael",
                        "norbert", "paul", "quincy", "rob", "robert", "travis", "victor", "Gene", "Lee", "Mike", "boris"]},
    **{v: "f" for v in ["Alicia", "Andrea", "Annie", "aunty", "belinda", "linda", "steph", "steph2", "steph3", "anika"]},
}

#: flite voice -> (accent, gender).
FLITE_VOICES: Dict[str, Tuple[str, str]] = {
    "kal": ("en-us", "m"),
    "awb": ("en-gb-scotland", "m"),
    "rms": ("en-us", "m"),
    "slt": ("en-us", "f"),
}

ALL_ACCENTS: List[str] = list(ESPEAK_ACCENTS)

DESIGNS = ("crossed", "nested")
PROSODIES = ("utterance", "speaker")

#: engine -> (speed range, pitch range) of the seeded draws, inclusive
PROSODY_RANGES: Dict[str, Tuple[Tuple[int, int], Tuple[int, int]]] = {
    "espeak-ng": ((135, 185), (30, 70)),
    "flite": ((140, 180), (42, 58)),
}


@dataclasses.dataclass(frozen=True)
class Augmentation:
    """A speaker's acoustic conditions: sox ``reverb`` settings and additive noise at an SNR."""

    reverb: Optional[Tuple[int, int, int]] = None  # (reverberance %, HF damping %, room scale %)
    noise_snr_db: Optional[float] = None
    noise_color: str = "white"  # white, pink or brown

    @property
    def is_clean(self) -> bool:
        return self.reverb is None and self.noise_snr_db is None

    def to_dict(self) -> Dict[str, object]:
        return {"reverb": list(self.reverb) if self.reverb else None, "noise_snr_db": self.noise_snr_db,
                "noise_color": self.noise_color}

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "Augmentation":
        rv = d.get("reverb")
        return Augmentation(
            reverb=tuple(int(x) for x in rv) if rv else None,  # type: ignore[arg-type, union-attr]
            noise_snr_db=float(d["noise_snr_db"]) if d.get("noise_snr_db") is not None else None,  # type: ignore[arg-type]
            noise_color=str(d.get("noise_color", "white")),
        )


@dataclasses.dataclass(frozen=True)
class SpeakerSpec:
    """Everything that makes one synthetic speaker sound the way it does."""

    spk_id: str
    accent: str
    gender: str  # "m" or "f", as in Kaldi's spk2gender
    engine: str
    voice: str  # what the engine is given: "en-029+f2", "awb"
    speed: int
    pitch: int
    augmentation: Augmentation = Augmentation()

    def settings(self, sample_rate: int = 16000) -> SynthesisSettings:
        return SynthesisSettings(engine=self.engine, voice=self.voice, speed=self.speed, pitch=self.pitch, sample_rate=sample_rate)

    def to_dict(self) -> Dict[str, object]:
        d = dataclasses.asdict(self)
        d["augmentation"] = self.augmentation.to_dict()
        return d

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "SpeakerSpec":
        d = dict(d)
        d["augmentation"] = Augmentation.from_dict(d.get("augmentation") or {})  # type: ignore[arg-type]
        return SpeakerSpec(**d)  # type: ignore[arg-type]


@dataclasses.dataclass
class SpeakerPlanConfig:
    """How many speakers of which accents go to each split."""

    seed: int = 0
    num_train_spk: int = 48
    num_dev_spk_per_accent: int = 1
    num_test_spk_per_accent: int = 1
    num_unseen_spk_per_accent: int = 6
    unseen_accents: Tuple[str, ...] = ("en-029", "en-gb-x-gbcwmd")
    accents: Tuple[str, ...] = tuple(ALL_ACCENTS)
    use_flite: bool = True  # nested design only: flite voices speak one accent each
    augment_fraction: float = 0.0  # share of speakers given reverberation and/or noise
    design: str = "crossed"  # "crossed": every voice under every accent of its split; "nested": the earlier plan
    num_train_voices: int = 0  # crossed: training voices (0: as few as give each accent its speakers)

    def to_dict(self) -> Dict[str, object]:
        d = dataclasses.asdict(self)
        d["unseen_accents"] = list(self.unseen_accents)
        d["accents"] = list(self.accents)
        return d

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "SpeakerPlanConfig":
        d = dict(d)
        d["unseen_accents"] = tuple(d.get("unseen_accents", ()))  # type: ignore[arg-type]
        d["accents"] = tuple(d.get("accents", ALL_ACCENTS))  # type: ignore[arg-type]
        return SpeakerPlanConfig(**d)  # type: ignore[arg-type]


def _variant_pools(seed: int) -> Dict[str, List[str]]:
    """Split the voice variants into disjoint train/dev/test pools, per gender, seeded."""
    rng = random.Random(f"variants-{seed}")
    pools: Dict[str, List[str]] = {"train": [], "dev": [], "test": []}
    for gender in ("f", "m"):
        names = sorted(v for v, g in ESPEAK_VARIANTS.items() if g == gender)
        rng.shuffle(names)
        n_test = max(1, round(0.2 * len(names)))
        n_dev = max(1, round(0.15 * len(names)))
        pools["test"] += names[:n_test]
        pools["dev"] += names[n_test:n_test + n_dev]
        pools["train"] += names[n_test + n_dev:]
    return pools


def _interleave_genders(variants: Sequence[str], rng: random.Random) -> List[str]:
    """Shuffled variants alternating female/male while both last, for gender balance."""
    fem = [v for v in variants if ESPEAK_VARIANTS[v] == "f"]
    mal = [v for v in variants if ESPEAK_VARIANTS[v] == "m"]
    rng.shuffle(fem)
    rng.shuffle(mal)
    out: List[str] = []
    first, second = (fem, mal) if rng.random() < 0.5 else (mal, fem)
    for i in range(max(len(fem), len(mal))):
        for lst in (first, second):
            if i < len(lst):
                out.append(lst[i])
    return out


def _augmentation(rng: random.Random, fraction: float) -> Augmentation:
    if fraction <= 0 or rng.random() >= fraction:
        return Augmentation()
    kind = rng.choice(["reverb", "noise", "both"])
    reverb = None
    snr = None
    if kind in ("reverb", "both"):
        reverb = (rng.randint(20, 80), rng.randint(20, 80), rng.randint(30, 100))
    if kind in ("noise", "both"):
        snr = float(rng.randint(10, 30))
    color = rng.choice(["white", "pink", "brown"])
    return Augmentation(reverb=reverb, noise_snr_db=snr, noise_color=color if snr is not None else "white")


def _espeak_speaker(accent: str, variant: str, rng: random.Random, augment_fraction: float) -> SpeakerSpec:
    (s0, s1), (p0, p1) = PROSODY_RANGES["espeak-ng"]
    return SpeakerSpec(
        spk_id=f"{accent}-{variant.lower()}",
        accent=accent,
        gender=ESPEAK_VARIANTS[variant],
        engine="espeak-ng",
        voice=f"{ESPEAK_ACCENTS[accent]}+{variant}",
        speed=rng.randint(s0, s1),
        pitch=rng.randint(p0, p1),
        augmentation=_augmentation(rng, augment_fraction),
    )


def _flite_speaker(voice: str, rng: random.Random, augment_fraction: float) -> SpeakerSpec:
    accent, gender = FLITE_VOICES[voice]
    return SpeakerSpec(
        spk_id=f"{accent}-flite_{voice}",
        accent=accent,
        gender=gender,
        engine="flite",
        voice=voice,
        speed=rng.randint(140, 180),
        pitch=rng.randint(42, 58),
        augmentation=_augmentation(rng, augment_fraction),
    )


def utterance_prosody(engine: str, seed: int, utt_id: str) -> Tuple[int, int]:
    """Speed and pitch of one utterance, drawn over the engine's whole range from the corpus
    seed and the utterance id alone (string seeds of :class:`random.Random` do not depend
    on ``PYTHONHASHSEED``), so a voice has no speaking rate or pitch of its own."""
    rng = random.Random(f"prosody-{seed}-{utt_id}")
    (s0, s1), (p0, p1) = PROSODY_RANGES[engine]
    return rng.randint(s0, s1), rng.randint(p0, p1)


def crossed_cells(accents: Sequence[str], num_speakers: int, voices: Sequence[str]) -> List[Tuple[str, str]]:
    """``(accent, voice)`` of ``num_speakers`` speakers, voices crossed with accents.

    Speaker ``k`` gets accent ``k mod A`` and voice ``(k + k // L) mod V``, ``L`` the least
    common multiple of ``A`` and ``V``: within a block of ``L`` speakers no (accent, voice)
    cell repeats, and shifting the voices by one per block reaches the cells the earlier
    blocks missed, so ``V * A`` speakers are the full cross (every voice under every
    accent). Fewer speakers give a Latin rectangle: consecutive speakers cycle through the
    accents and through the voices, so each accent has its share of speakers and each voice
    is under as many accents as the others (within one), never twice under one accent. The
    order is the design's: its first ``n`` speakers are balanced the same way, which the
    learning-curve subsets use.
    """
    a_n, v_n = len(accents), len(voices)
    if num_speakers > a_n * v_n:
        raise MtlHybridError(f"{num_speakers} speakers over {a_n} accents need {-(-num_speakers // a_n)} voices per accent, "
                             f"but only {v_n} voice variants are in its pool")
    block = a_n * v_n // math.gcd(a_n, v_n)
    return [(accents[k % a_n], voices[(k + k // block) % v_n]) for k in range(num_speakers)]


def plan_speakers(cfg: SpeakerPlanConfig) -> Dict[str, List[SpeakerSpec]]:
    """Choose the speakers of ``train``, ``dev``, ``test_seen`` and ``test_unseen``.

    ``crossed`` design (:func:`_plan_crossed`): each split's voices crossed with its
    accents. ``nested``: training speakers spread evenly over the seen accents, each
    accent drawing its own voices; flite voices of a seen accent are training speakers
    (so the network hears that synthesizer), those of an unseen accent go to
    ``test_unseen``. Every choice comes from ``cfg.seed``.
    """
    unknown = [a for a in list(cfg.accents) + list(cfg.unseen_accents) if a not in ESPEAK_ACCENTS]
    if unknown:
        raise MtlHybridError(f"unknown accent(s) {', '.join(unknown)}; known: {', '.join(ALL_ACCENTS)}")
    if cfg.design not in DESIGNS:
        raise MtlHybridError(f"unknown corpus design {cfg.design!r}; known: {', '.join(DESIGNS)}")
    unseen = [a for a in cfg.accents if a in cfg.unseen_accents]
    seen = [a for a in cfg.accents if a not in cfg.unseen_accents]
    if not seen:
        raise MtlHybridError("every accent is held out as unseen: nothing left to train on")
    if cfg.design == "crossed":
        return _plan_crossed(cfg, seen, unseen)
    pools = _variant_pools(cfg.seed)
    per_accent = {a: cfg.num_train_spk // len(seen) + (1 if i < cfg.num_train_spk % len(seen) else 0) for i, a in enumerate(seen)}
    splits: Dict[str, List[SpeakerSpec]] = {"train": [], "dev": [], "test_seen": [], "test_unseen": []}

    def take(split: str, pool: str, accent: str, n: int, rng: random.Random) -> None:
        variants = _interleave_genders(pools[pool], rng)
        if n > len(variants):
            raise MtlHybridError(
                f"{split}: {n} speakers asked for accent {accent} but only {len(variants)} voice variants are in the "
                f"{pool} pool; lower the number of speakers per accent"
            )
        splits[split] += [_espeak_speaker(accent, v, rng, cfg.augment_fraction) for v in variants[:n]]

    for accent in cfg.accents:
        rng = random.Random(f"speakers-{cfg.seed}-{accent}")
        flite = [v for v, (a, _) in sorted(FLITE_VOICES.items()) if a == accent] if cfg.use_flite else []
        flite_specs = [_flite_speaker(v, rng, cfg.augment_fraction) for v in flite]
        if accent in seen:
            n_flite = min(len(flite_specs), per_accent[accent])
            splits["train"] += flite_specs[:n_flite]
            take("train", "train", accent, per_accent[accent] - n_flite, rng)
            take("dev", "dev", accent, cfg.num_dev_spk_per_accent, rng)
            take("test_seen", "test", accent, cfg.num_test_spk_per_accent, rng)
        else:
            n_flite = min(len(flite_specs), cfg.num_unseen_spk_per_accent)
            splits["test_unseen"] += flite_specs[:n_flite]
            take("test_unseen", "test", accent, cfg.num_unseen_spk_per_accent - n_flite, rng)
    for split in splits:
        splits[split].sort(key=lambda s: s.spk_id.encode())
    return splits


def _plan_crossed(cfg: SpeakerPlanConfig, seen: Sequence[str], unseen: Sequence[str]) -> Dict[str, List[SpeakerSpec]]:
    """The crossed design: per split, :func:`crossed_cells` over the split's voice pool.

    Training uses ``num_train_voices`` voices (0: ``ceil(num_train_spk / A)``, the full
    cross when the speaker count is a multiple of the seen accents); dev, test_seen and
    test_unseen each cross their per-accent speaker count with their own pool (test_seen
    and test_unseen share the test pool, so both hear the same new voices). The list of
    each split keeps the design order (``speakers.tsv`` and the learning-curve subsets
    rely on it); flite voices are left out (one accent each: they cannot be crossed).
    """
    if cfg.use_flite:
        logger.info("crossed design: the flite voices are left out (each speaks one accent only)")
    pools = _variant_pools(cfg.seed)
    rng = random.Random(f"crossed-{cfg.seed}")
    voices = {name: _interleave_genders(pool, rng) for name, pool in pools.items()}
    n_train_voices = cfg.num_train_voices or -(-cfg.num_train_spk // len(seen))
    if n_train_voices > len(voices["train"]):
        raise MtlHybridError(f"train: {n_train_voices} voices asked for but only {len(voices['train'])} voice variants "
                             "are in the train pool; lower --num-train-spk or --num-train-voices")
    plan = {
        "train": (seen, cfg.num_train_spk, voices["train"][:n_train_voices]),
        "dev": (seen, cfg.num_dev_spk_per_accent * len(seen), voices["dev"]),
        "test_seen": (seen, cfg.num_test_spk_per_accent * len(seen), voices["test"]),
        "test_unseen": (unseen, cfg.num_unseen_spk_per_accent * len(unseen), voices["test"]),
    }
    splits: Dict[str, List[SpeakerSpec]] = {}
    for split, (accents, n, pool) in plan.items():
        if not accents or n == 0:
            splits[split] = []
            continue
        try:
            cells = crossed_cells(accents, n, pool)
        except MtlHybridError as e:
            raise MtlHybridError(f"{split}: {e}; lower the number of speakers per accent") from e
        srng = random.Random(f"speakers-{cfg.seed}-{split}")
        splits[split] = [_espeak_speaker(a, v, srng, cfg.augment_fraction) for a, v in cells]
    return splits
