"""Transcribing audio without transcripts with a trained hybrid network.

The path a recording takes is the one training data took, read from the network's
experiment dir (:class:`~mtlhybrid.hybrid.model_dir.ModelDir`): features with the copied
feature config (``conf/fbank.conf``), CMVN and deltas as in ``cmvn_opts``/``delta_opts``
(CMVN statistics per utterance: each file is its own speaker), network scores minus
log-priors, and the 1-best path through HCLG at acoustic scale ``acwt`` (LM weight
``1/acwt``). Utterance-level heads (accent) are predicted on the way.

Inputs are either audio files (utterance id = file name without extension) or a data dir
(``wav.scp``, optionally ``segments``; no ``text`` needed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Sequence, Tuple, Union

import numpy as np

from mtlhybrid.hybrid.model_dir import ModelDir
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)
PathLike = Union[str, Path]


@dataclass
class AudioInput:
    """One utterance to transcribe: where its audio is, and which part of it."""

    utt: str
    rxfilename: str
    start: float = 0.0
    end: float = -1.0  # -1: to the end of the recording

    def to_dict(self) -> dict:
        return {"utt": self.utt, "rxfilename": self.rxfilename, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: Mapping) -> "AudioInput":
        return cls(d["utt"], d["rxfilename"], float(d.get("start", 0.0)), float(d.get("end", -1.0)))


@dataclass
class Transcript:
    """The words recognised in one utterance, and the utterance-level predictions."""

    utt: str
    words: List[str]
    aux: Dict[str, str] = field(default_factory=dict)
    reached_final: bool = True

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def to_dict(self) -> dict:
        return {"utt": self.utt, "words": list(self.words), "aux": dict(self.aux), "reached_final": self.reached_final}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Transcript":
        return cls(d["utt"], list(d["words"]), dict(d.get("aux", {})), bool(d.get("reached_final", True)))


@dataclass
class TranscribeOptions:
    acwt: float = 0.1
    beam: float = 13.0
    max_active: int = 7000
    prior_scale: float = 1.0
    device: str = "cpu"

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: Mapping) -> "TranscribeOptions":
        return cls(**dict(d))


def collect_inputs(paths: Sequence[PathLike]) -> List[AudioInput]:
    """Audio files, or a single data dir (wav.scp [+ segments]), as a list of utterances."""
    from mtlhybrid.utils.io import read_table

    if not paths:
        raise DataError("nothing to transcribe: give audio files or a data dir")
    if len(paths) == 1 and Path(paths[0]).is_dir():
        d = Path(paths[0])
        if not (d / "wav.scp").is_file():
            raise DataError("no such file (a data dir to transcribe needs wav.scp)", path=d / "wav.scp")
        wavs = read_table(d / "wav.scp")
        if (d / "segments").is_file():
            from mtlhybrid.data.audio import read_segments_file

            out = []
            for lineno, seg in read_segments_file(d / "segments"):
                if seg.recording not in wavs:
                    raise DataError(f"recording {seg.recording} is not in wav.scp", path=d / "segments", line=lineno, utt=seg.utt)
                out.append(AudioInput(seg.utt, wavs[seg.recording], seg.start, seg.end))
            return out
        return [AudioInput(u, rx) for u, rx in wavs.items()]
    out, seen = [], {}
    for p in paths:
        p = Path(p)
        if not p.is_file():
            raise DataError("no such audio file", path=p)
        utt = p.stem
        if not utt or any(c.isspace() for c in utt):
            raise DataError("file name cannot be an utterance id (empty or with spaces)", path=p)
        if utt in seen:
            raise DataError(f"two inputs would have utterance id {utt!r}: {seen[utt]} and {p}", path=p)
        seen[utt] = p
        out.append(AudioInput(utt, str(p.resolve())))
    return out


class Transcriber:
    """A network dir and a graph loaded once, ready to transcribe many utterances."""

    def __init__(self, model_dir: PathLike, graph_dir: PathLike, opts: TranscribeOptions = TranscribeOptions()):
        from mtlhybrid.decode.decoder import DecodeOptions, Decoder, DecodingGraph
        from mtlhybrid.features.config import load_feature_config
        from mtlhybrid.nnet.inference import NnetForward
        from mtlhybrid.nnet.priors import compute_priors, read_counts
        from mtlhybrid.utils.io import read_symbol_table

        self.md = ModelDir(model_dir)
        self.md.check()
        self.md.check_graph(graph_dir)
        graph_dir = Path(graph_dir)
        self.opts = opts
        self.feat_config = load_feature_config(self.md.feature_kind, self.md.feature_config())
        self.feat_opts = self.md.feature_options()
        self.net = NnetForward(self.md.model, None, opts.device)
        self.log_priors = compute_priors(read_counts(self.md.counts))
        graph = DecodingGraph.load(graph_dir / "HCLG.fst", self.md.transition_model)
        self.decoder = Decoder(graph, DecodeOptions(opts.beam, 6.0, opts.max_active, opts.acwt), lattice=False)
        self.words = {i: w for w, i in read_symbol_table(graph_dir / "words.txt").items()}

    def features(self, item: AudioInput) -> np.ndarray:
        """The network's input features of one utterance (per-utterance CMVN)."""
        from mtlhybrid.data.audio import read_audio, read_segment
        from mtlhybrid.features.cmvn import apply_cmvn, compute_cmvn_stats
        from mtlhybrid.features.compute import compute_features
        from mtlhybrid.features.deltas import add_deltas

        samples, rate = read_audio(item.rxfilename, utt=item.utt)
        if item.start > 0 or item.end > 0:
            samples = read_segment(samples, rate, item.start, item.end, utt=item.utt)
        feats = compute_features(samples, rate, self.feat_config, utt=item.utt)
        if self.feat_opts.apply_cmvn:
            feats = apply_cmvn(feats, compute_cmvn_stats([feats]), self.feat_opts.norm_vars)
        if self.feat_opts.delta_order:
            feats = add_deltas(feats, self.feat_opts.delta_order)
        return np.asarray(feats, dtype=np.float32)

    def transcribe(self, items: Sequence[AudioInput]) -> Iterator[Transcript]:
        """One :class:`Transcript` per input, in input order; unreadable audio is a DataError naming it."""
        for item in items:
            feats = {item.utt: self.features(item)}
            for utt, mat, preds in self.net.run(feats, self.log_priors, None, None, 1.0, self.opts.prior_scale):
                r = self.decoder.decode(mat)
                if not r.reached_final:
                    log.warning("utterance %s: no final state reached, output is partial", utt)
                yield Transcript(utt, [self.words.get(w, f"<{w}>") for w in r.words],
                                 {k: p.label for k, p in preds.items()}, r.reached_final)


def _worker(args: Tuple[str, str, dict, List[dict]]) -> List[dict]:
    import torch

    torch.set_num_threads(1)
    model_dir, graph_dir, opts, items = args
    t = Transcriber(model_dir, graph_dir, TranscribeOptions.from_dict(opts))
    return [x.to_dict() for x in t.transcribe([AudioInput.from_dict(i) for i in items])]


def transcribe_all(model_dir: PathLike, graph_dir: PathLike, items: Sequence[AudioInput],
                   opts: TranscribeOptions = TranscribeOptions(), nj: int = 1) -> List[Transcript]:
    """Transcribe ``items`` with ``nj`` processes (each loads the model and graph once)."""
    nj = max(1, min(int(nj), len(items)))
    if nj == 1:
        return list(Transcriber(model_dir, graph_dir, opts).transcribe(items))
    import multiprocessing as mp

    ModelDir(model_dir).check()  # fail fast, in this process, with a clear message
    ModelDir(model_dir).check_graph(graph_dir)
    parts = [[i.to_dict() for i in items[k::nj]] for k in range(nj)]
    with mp.get_context("spawn").Pool(nj) as pool:
        results = pool.map(_worker, [(str(model_dir), str(graph_dir), opts.to_dict(), p) for p in parts])
    by_utt = {d["utt"]: Transcript.from_dict(d) for part in results for d in part}
    return [by_utt[i.utt] for i in items]
