"""synth_accents: a multi-accent English corpus synthesized offline, as Kaldi data dirs.

The toolkit's default recipe needs speech with accents (for the accent task of the
multi-task network), seen and unseen accents at test time, and a size that trains in
minutes on two cores. This module plans such a corpus from a seed, synthesizes it with
espeak-ng and flite (:mod:`mtlhybrid.synth.tts`), and writes:

``<data>/train``, ``<data>/dev``, ``<data>/test_seen``, ``<data>/test_unseen``
    Kaldi data dirs: ``wav.scp text utt2spk spk2utt utt2dur spk2gender utt2accent
    utt2gender spk2accent utt2synth``. ``dev`` and ``test_seen`` hold new speakers of the
    training accents, ``test_unseen`` speakers of accents never used in train or dev.
    Utterance ids are ``<speaker>-<nnnn>``.
``<data>/local/synth_accents/``
    ``wordlist.txt`` (every word of every split, for the lexicon), ``lm_text.txt``
    (language-model training sentences, none of them a dev or test sentence),
    ``speakers.tsv`` and ``corpus.json`` (the settings that made the corpus), and
    ``train_spk_order.txt`` (the training speakers in design order: each prefix is
    balanced over accents and voices, for learning-curve subsets).

Sentences are disjoint between train, dev and test; ``test_seen`` and ``test_unseen``
read the same test sentences, so their WER difference measures accent, not text.
``utt2synth`` holds, per utterance, a JSON record (engine, voice, speed, pitch,
augmentation, spoken text, seed) from which :func:`regenerate_utterance` rebuilds the
audio bit for bit. Synthesis is parallel and resumable: a wav whose ``.json`` sidecar
records the same settings is kept.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import os
import random
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from mtlhybrid.corpora.sentence_generator import GeneratorConfig, SentenceGenerator
from mtlhybrid.corpora.synth_accents_speakers import (
    PROSODIES,
    PROSODY_RANGES,
    Augmentation,
    SpeakerPlanConfig,
    SpeakerSpec,
    plan_speakers,
    utterance_prosody,
)
from mtlhybrid.corpora.synth_accents_text import load_prompts, oov_words
from mtlhybrid.synth.tts import SynthesisSettings, run_tool, synthesize, tool_versions
from mtlhybrid.utils.errors import DataError, MtlHybridError
from mtlhybrid.utils.io import atomic_write, kaldi_sorted, read_table, write_table
from mtlhybrid.utils.log import get_logger, progress

logger = get_logger(__name__)

SPLITS = ("train", "dev", "test_seen", "test_unseen")
UTT2SYNTH_VERSION = 1


# ---------------------------------------------------------------------------------------
# One utterance: how to make it, and making it.


@dataclasses.dataclass(frozen=True)
class UttSynth:
    """Everything that determines one utterance's audio (one line of ``utt2synth``)."""

    text: str  # what the synthesizer is given (lower case; the transcript is its upper case)
    settings: SynthesisSettings
    augmentation: Augmentation = Augmentation()
    seed: int = 0  # for the added noise
    version: int = UTT2SYNTH_VERSION

    def to_dict(self) -> Dict[str, object]:
        # The text is stored as a word list so the compact JSON has no spaces: utt2synth
        # then is a one-token-per-utterance table like every other utt2<label> file.
        return {"version": self.version, "words": self.text.split(), "settings": self.settings.to_dict(),
                "augmentation": self.augmentation.to_dict(), "seed": self.seed}

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "UttSynth":
        text = " ".join(d["words"]) if "words" in d else str(d["text"])  # type: ignore[arg-type]
        return UttSynth(
            text=text,
            settings=SynthesisSettings.from_dict(d["settings"]),  # type: ignore[arg-type]
            augmentation=Augmentation.from_dict(d.get("augmentation") or {}),  # type: ignore[arg-type]
            seed=int(d.get("seed", 0)),  # type: ignore[arg-type]
            version=int(d.get("version", UTT2SYNTH_VERSION)),  # type: ignore[arg-type]
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))


def _colored_noise(n: int, color: str, rng: np.random.Generator) -> np.ndarray:
    """Unit-power white, pink (1/f) or brown (1/f^2) noise, shaped in the frequency domain."""
    white = rng.standard_normal(n)
    if color != "white":
        spec = np.fft.rfft(white)
        f = np.arange(len(spec), dtype=np.float64)
        f[0] = 1.0
        spec /= np.sqrt(f) if color == "pink" else f
        white = np.fft.irfft(spec, n)
    return white / max(float(np.sqrt(np.mean(white ** 2))), 1e-12)


def render_utterance(spec: UttSynth, out_wav: Union[str, Path]) -> Path:
    """Make the audio ``spec`` describes into ``out_wav`` (16-bit mono WAV, written atomically)."""
    import soundfile as sf

    out_wav = Path(out_wav)
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_wav.parent, prefix=".synth.") as tmp:
        cur = Path(tmp) / "clean.wav"
        synthesize(spec.text, cur, spec.settings)
        aug = spec.augmentation
        if aug.reverb is not None:
            rev = Path(tmp) / "reverb.wav"
            r, h, s = aug.reverb
            res = run_tool([shutil.which("sox") or "sox", "-R", "--single-threaded", str(cur), str(rev), "reverb",
                            str(r), str(h), str(s)], tmp)
            if res.returncode != 0:
                raise MtlHybridError(f"sox reverb failed: {res.stderr.strip()}")
            cur = rev
        if aug.noise_snr_db is not None:
            x, sr = sf.read(str(cur), dtype="float64")
            rng = np.random.default_rng(spec.seed)
            noise = _colored_noise(len(x), aug.noise_color, rng)
            power = float(np.mean(x ** 2)) if len(x) else 0.0
            y = x + noise * np.sqrt(power / (10.0 ** (aug.noise_snr_db / 10.0)))
            peak = float(np.max(np.abs(y))) if len(y) else 0.0
            if peak > 0.99:
                y *= 0.99 / peak  # scale down rather than clip
            noisy = Path(tmp) / "noisy.wav"
            sf.write(str(noisy), np.round(y * 32767.0).astype(np.int16), sr, subtype="PCM_16")
            cur = noisy
        final = Path(tmp) / "final.wav"
        shutil.move(str(cur), str(final))
        os.chmod(final, 0o644)
        os.replace(final, out_wav)
    return out_wav


def regenerate_utterance(data_dir: Union[str, Path], utt_id: str, out_wav: Union[str, Path]) -> Path:
    """Rebuild one utterance of a synth_accents data dir from its ``utt2synth`` record."""
    path = Path(data_dir) / "utt2synth"
    if not path.is_file():
        raise DataError("no utt2synth: not a synth_accents data dir", path=path)
    table = read_table(path)
    if utt_id not in table:
        raise DataError("utterance not in utt2synth", path=path, utt=utt_id)
    try:
        spec = UttSynth.from_dict(json.loads(table[utt_id]))
    except (ValueError, KeyError, TypeError) as e:
        raise DataError(f"bad utt2synth record: {e}", path=path, utt=utt_id)
    return render_utterance(spec, out_wav)


def _sidecar(wav: Path) -> Path:
    return wav.with_suffix(".json")


def sidecar_text(spec: UttSynth) -> str:
    """What the sidecar of a wav records: its settings and the versions of the tools that made it."""
    return json.dumps({"synth": spec.to_dict(), "tools": tool_versions()}, sort_keys=True, separators=(",", ":"))


def ensure_utterance(spec: UttSynth, wav: Path) -> bool:
    """Synthesize ``wav`` unless it exists with the same settings and tools; True when it was made.

    The sidecar ``<utt>.json`` is written after the wav, so a wav without a matching
    sidecar (an interrupted run, changed options, another espeak-ng or sox) is made again.
    """
    side = _sidecar(wav)
    want = sidecar_text(spec)
    if wav.is_file() and side.is_file():
        try:
            if side.read_text(encoding="utf-8").strip() == want:
                return False
        except OSError:
            pass
    render_utterance(spec, wav)
    with atomic_write(side) as f:
        f.write(want + "\n")
    return True


# ---------------------------------------------------------------------------------------
# The corpus plan.


@dataclasses.dataclass
class CorpusConfig:
    """Every option that shapes the corpus; recorded in ``corpus.json``."""

    seed: int = 0
    speakers: SpeakerPlanConfig = dataclasses.field(default_factory=SpeakerPlanConfig)
    utts_per_spk: int = 30  # train speakers
    utts_per_test_spk: int = 20  # dev and test_seen speakers (and test_unseen unless utts_per_unseen_spk)
    utts_per_unseen_spk: int = 0  # test_unseen speakers (0: utts_per_test_spk)
    prosody: str = "utterance"  # speed and pitch drawn per "utterance", or fixed per "speaker"
    vocab_size: Optional[int] = 1500
    min_words: int = 4
    max_words: int = 11
    lm_sentences: int = 20000  # generated LM text (besides the training sentences)
    prompts: Optional[str] = None  # a prompt file instead of the generator
    prompts_format: str = "auto"
    keep_oov: bool = False
    sample_rate: int = 16000

    def to_dict(self) -> Dict[str, object]:
        d = dataclasses.asdict(self)
        d["speakers"] = self.speakers.to_dict()
        return d

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "CorpusConfig":
        d = dict(d)
        d["speakers"] = SpeakerPlanConfig.from_dict(d.get("speakers") or {})  # type: ignore[arg-type]
        return CorpusConfig(**d)  # type: ignore[arg-type]


@dataclasses.dataclass
class PlannedUtt:
    utt_id: str
    speaker: SpeakerSpec
    words: List[str]
    synth: UttSynth


@dataclasses.dataclass
class CorpusPlan:
    """The utterances of every split, plus the LM text and vocabulary, before any audio."""

    config: CorpusConfig
    splits: Dict[str, List[PlannedUtt]]
    lm_text: List[List[str]]
    vocabulary: List[str]
    prompt_stats: Optional[Dict[str, object]] = None


def _utt_seed(seed: int, utt_id: str) -> int:
    return zlib.crc32(f"{seed}:{utt_id}".encode()) & 0x7FFFFFFF


def _sentence_pools(cfg: CorpusConfig, n_train: int, n_dev: int, n_test: int) -> Tuple[Dict[str, List[List[str]]], List[List[str]], List[str], Optional[Dict[str, object]]]:
    """Disjoint train/dev/test sentence pools, LM text and vocabulary (generator or prompt file)."""
    if cfg.prompts is None:
        gen = SentenceGenerator(GeneratorConfig(seed=cfg.seed, vocab_size=cfg.vocab_size, min_words=cfg.min_words, max_words=cfg.max_words))
        test = gen.generate(n_test)
        dev = gen.generate(n_dev, exclude=(" ".join(s) for s in test))
        held_out = {" ".join(s) for s in test + dev}
        train = gen.generate(n_train, exclude=held_out)
        extra = gen.generate(cfg.lm_sentences, exclude=held_out | {" ".join(s) for s in train}) if cfg.lm_sentences > 0 else []
        vocab = gen.vocabulary
        return {"train": train, "dev": dev, "test": test}, train + extra, vocab, None
    # The generator's length limits are not applied: a prompt set is used as it is.
    prompts, stats = load_prompts(cfg.prompts, cfg.prompts_format, keep_oov=cfg.keep_oov)
    sentences = [p.words for p in prompts]
    random.Random(f"prompts-{cfg.seed}").shuffle(sentences)
    if len(sentences) < n_test + n_dev + 1:
        raise MtlHybridError(
            f"{cfg.prompts}: {len(sentences)} usable prompts, but dev and test need {n_dev + n_test} distinct sentences "
            "and training at least one more: use fewer test speakers or utterances"
        )
    test, dev, train = sentences[:n_test], sentences[n_test:n_test + n_dev], sentences[n_test + n_dev:]
    if len(train) < n_train:
        logger.info("%d training utterances share %d training prompts (each prompt read by several speakers)", n_train, len(train))
    vocab = kaldi_sorted({w for s in sentences for w in s})
    return {"train": train, "dev": dev, "test": test}, list(train), vocab, stats.to_dict()


def utts_per_speaker(cfg: CorpusConfig, split: str) -> int:
    """Utterances per speaker of a split."""
    if split == "train":
        return cfg.utts_per_spk
    if split == "test_unseen" and cfg.utts_per_unseen_spk > 0:
        return cfg.utts_per_unseen_spk
    return cfg.utts_per_test_spk


def plan_corpus(cfg: CorpusConfig) -> CorpusPlan:
    """Decide every utterance (speaker, words, synthesis settings) from the config alone.

    With ``prosody: utterance`` each utterance's speed and pitch are drawn over the
    engine's range (:func:`~mtlhybrid.corpora.synth_accents_speakers.utterance_prosody`);
    with ``speaker`` they are the speaker's. test_seen and test_unseen read the same
    sentence pool round-robin from its start, so the smaller of the two reads a prefix of
    the other's sentences.
    """
    if cfg.prosody not in PROSODIES:
        raise MtlHybridError(f"unknown prosody {cfg.prosody!r}; known: {', '.join(PROSODIES)}")
    speakers = plan_speakers(dataclasses.replace(cfg.speakers, seed=cfg.seed))
    n_utts = {s: len(speakers[s]) * utts_per_speaker(cfg, s) for s in SPLITS}
    n_test = max(n_utts["test_seen"], n_utts["test_unseen"])
    pools, lm_text, vocab, stats = _sentence_pools(cfg, n_utts["train"], n_utts["dev"], n_test)
    splits: Dict[str, List[PlannedUtt]] = {}
    for split in SPLITS:
        pool = pools["test" if split.startswith("test") else split]
        per_spk = utts_per_speaker(cfg, split)
        utts: List[PlannedUtt] = []
        k = 0
        for spk in speakers[split]:
            for i in range(1, per_spk + 1):
                utt_id = f"{spk.spk_id}-{i:04d}"
                words = pool[k % len(pool)]  # round-robin: each set covers its pool evenly
                k += 1
                settings = spk.settings(cfg.sample_rate)
                if cfg.prosody == "utterance":
                    speed, pitch = utterance_prosody(spk.engine, cfg.seed, utt_id)
                    settings = dataclasses.replace(settings, speed=speed, pitch=pitch)
                synth = UttSynth(
                    text=" ".join(words).lower(),
                    settings=settings,
                    augmentation=spk.augmentation,
                    seed=_utt_seed(cfg.seed, utt_id),
                )
                utts.append(PlannedUtt(utt_id, spk, words, synth))
        splits[split] = utts
    return CorpusPlan(cfg, splits, lm_text, vocab, stats)


# ---------------------------------------------------------------------------------------
# Synthesis and data dirs.


def _warm_up(spec: UttSynth, wav_dir: Path) -> bytes:
    """Synthesize one utterance alone before the parallel jobs start, and return its bytes.

    A fresh machine once gave the first two utterances (the first job of each of two
    threads) audio that no later synthesis of them reproduced. Whatever first use does
    (loading voices, page cache, an environment change racing a thread's fork, which
    :func:`mtlhybrid.synth.tts.tool_env` now rules out), it happens here, serially, to a
    wav that is thrown away; the caller compares it with the kept one and says so if
    they differ.
    """
    wav_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=wav_dir, prefix=".warmup.") as tmp:
        return render_utterance(spec, Path(tmp) / "warmup.wav").read_bytes()


def synthesize_plan(plan: CorpusPlan, wav_dir: Union[str, Path], nj: int = 2) -> Dict[str, Path]:
    """Synthesize every planned utterance into ``<wav_dir>/<split>/<spk>/<utt>.wav``; returns utt -> path.

    Work runs in ``nj`` threads (each waits on espeak-ng/flite and sox processes).
    Existing wavs with matching sidecars are reused; the log says how many.
    """
    wav_dir = Path(wav_dir).resolve()
    jobs = [(u, wav_dir / split / u.speaker.spk_id / f"{u.utt_id}.wav") for split in SPLITS for u in plan.splits[split]]
    warm = _warm_up(jobs[0][0].synth, wav_dir) if jobs else None
    made = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, nj)) as pool:
        futures = {pool.submit(ensure_utterance, u.synth, wav): u.utt_id for u, wav in jobs}
        bar = progress(total=len(futures), desc="synthesizing", unit="utt")
        try:
            for fut in concurrent.futures.as_completed(futures):
                try:
                    made += int(fut.result())
                except MtlHybridError as e:
                    raise MtlHybridError(f"utterance {futures[fut]}: {e}") from e
                bar.update(1)
        finally:
            bar.close()
    logger.info("synthesized %d utterances, reused %d existing ones in %s", made, len(jobs) - made, wav_dir)
    if warm is not None and warm != jobs[0][1].read_bytes():
        logger.warning("%s: the synthesis made before the parallel jobs (discarded) differs from the kept wav: a "
                       "first-use effect of the synthesis tools on this machine, or a wav reused from another machine",
                       jobs[0][0].utt_id)
    return {u.utt_id: wav for u, wav in jobs}


def _duration(wav: Path) -> float:
    import soundfile as sf

    info = sf.info(str(wav))
    return info.frames / float(info.samplerate)


def write_data_dir(utts: Sequence[PlannedUtt], wavs: Dict[str, Path], out_dir: Union[str, Path]) -> None:
    """Write one Kaldi data dir (every table sorted, every utterance in every table)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    spk2utt: Dict[str, List[str]] = {}
    for u in utts:
        spk2utt.setdefault(u.speaker.spk_id, []).append(u.utt_id)
    write_table(out_dir / "wav.scp", {u.utt_id: str(wavs[u.utt_id]) for u in utts})
    write_table(out_dir / "text", {u.utt_id: " ".join(u.words) for u in utts})
    write_table(out_dir / "utt2spk", {u.utt_id: u.speaker.spk_id for u in utts})
    write_table(out_dir / "spk2utt", {s: kaldi_sorted(us) for s, us in spk2utt.items()})
    write_table(out_dir / "utt2dur", {u.utt_id: f"{_duration(wavs[u.utt_id]):.4f}" for u in utts})
    write_table(out_dir / "utt2accent", {u.utt_id: u.speaker.accent for u in utts})
    write_table(out_dir / "utt2gender", {u.utt_id: u.speaker.gender for u in utts})
    write_table(out_dir / "spk2gender", {u.speaker.spk_id: u.speaker.gender for u in utts})
    write_table(out_dir / "spk2accent", {u.speaker.spk_id: u.speaker.accent for u in utts})
    write_table(out_dir / "utt2synth", {u.utt_id: u.synth.to_json() for u in utts})


def write_local_files(plan: CorpusPlan, local_dir: Union[str, Path]) -> None:
    """Write the vocabulary, LM text, speaker table and the corpus settings."""
    local_dir = Path(local_dir)
    local_dir.mkdir(parents=True, exist_ok=True)
    with atomic_write(local_dir / "wordlist.txt") as f:
        for w in plan.vocabulary:
            f.write(w + "\n")
    with atomic_write(local_dir / "lm_text.txt") as f:
        for s in plan.lm_text:
            f.write(" ".join(s) + "\n")
    oov = kaldi_sorted(set(oov_words(plan.vocabulary)))
    with atomic_write(local_dir / "oov_words.txt") as f:
        for w in oov:
            f.write(w + "\n")
    with atomic_write(local_dir / "speakers.tsv") as f:
        f.write("split\tspeaker\taccent\tgender\tengine\tvoice\tspeed\tpitch\taugmentation\n")
        for split in SPLITS:
            seen = set()
            for u in plan.splits[split]:
                s = u.speaker
                if s.spk_id in seen:
                    continue
                seen.add(s.spk_id)
                aug = json.dumps(s.augmentation.to_dict(), sort_keys=True, separators=(",", ":"))
                speed, pitch = str(s.speed), str(s.pitch)
                if plan.config.prosody == "utterance":  # drawn per utterance: the range (utt2synth has each)
                    (s0, s1), (p0, p1) = PROSODY_RANGES[s.engine]
                    speed, pitch = f"{s0}-{s1}", f"{p0}-{p1}"
                f.write(f"{split}\t{s.spk_id}\t{s.accent}\t{s.gender}\t{s.engine}\t{s.voice}\t{speed}\t{pitch}\t{aug}\n")
    # The training speakers in the plan's order: with the crossed design every prefix of it
    # is balanced over accents and voices (the learning curve's speaker subsets).
    order = []
    for u in plan.splits["train"]:
        if u.speaker.spk_id not in order:
            order.append(u.speaker.spk_id)
    with atomic_write(local_dir / "train_spk_order.txt") as f:
        for spk in order:
            f.write(spk + "\n")
    summary = {
        "format": "mtlhybrid.synth_accents-corpus",
        "version": 1,
        "config": plan.config.to_dict(),
        "prompt_stats": plan.prompt_stats,
        "num_utts": {s: len(plan.splits[s]) for s in SPLITS},
        "num_speakers": {s: len({u.speaker.spk_id for u in plan.splits[s]}) for s in SPLITS},
        "vocabulary_size": len(plan.vocabulary),
        "lm_sentences": len(plan.lm_text),
        "tools": tool_versions(),  # another espeak-ng or sox may speak the same settings differently
    }
    with atomic_write(local_dir / "corpus.json") as f:
        json.dump(summary, f, indent=2, sort_keys=True)
        f.write("\n")


def prepare_corpus(cfg: CorpusConfig, wav_dir: Union[str, Path], data_dir: Union[str, Path], nj: int = 2) -> CorpusPlan:
    """Plan, synthesize and write the whole corpus: ``<data_dir>/{train,dev,test_seen,test_unseen}``."""
    plan = plan_corpus(cfg)
    for split in SPLITS:
        utts = plan.splits[split]
        logger.info("%s: %d speakers, %d utterances, accents %s", split, len({u.speaker.spk_id for u in utts}), len(utts),
                    " ".join(sorted({u.speaker.accent for u in utts})))
    wavs = synthesize_plan(plan, wav_dir, nj=nj)
    data_dir = Path(data_dir)
    for split in SPLITS:
        write_data_dir(plan.splits[split], wavs, data_dir / split)
    write_local_files(plan, data_dir / "local" / "synth_accents")
    logger.info("wrote %s and %s (vocabulary %d words, %d LM sentences)",
                ", ".join(str(data_dir / s) for s in SPLITS), data_dir / "local" / "synth_accents", len(plan.vocabulary), len(plan.lm_text))
    return plan
