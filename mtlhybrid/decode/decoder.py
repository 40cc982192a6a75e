"""Decoding any frame-by-pdf score matrix with HCLG (gmm-latgen-faster / latgen-faster-mapped).

GMM systems pass ``AmDiagGmm.log_likelihoods(feats)``; network systems pass
``log_posterior - log_prior``. HCLG's input labels are transition ids (as Kaldi's), so
the matrix given to kaldi-decoder's ``DecodableCtc`` is the pdf scores gathered per
transition id (column ``tid - 1`` = pdf ``tid2pdf[tid]``) times ``acoustic_scale``; the
transition probabilities are already in the graph. Alignments and lattices therefore
carry transition ids, as Kaldi's do.

Lattices come from kaldi-decoder's LatticeSimpleDecoder (state-level, pruned to
``lattice_beam``; not determinized: kaldifst does not expose lattice determinization),
with the acoustic scale taken back out of the acoustic costs, as Kaldi writes them.
Without a lattice the faster FasterDecoder is used (``max_active`` applies there).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Union

import numpy as np

from mtlhybrid.align.aligner import tid_score_matrix
from mtlhybrid.graph.transitions import TransitionTables
from mtlhybrid.lattice.lattice import StateLattice

PathLike = Union[str, Path]


@dataclass
class DecodeOptions:
    beam: float = 13.0
    lattice_beam: float = 8.0
    max_active: int = 7000
    acoustic_scale: float = 0.1

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict) -> "DecodeOptions":
        return cls(**d)


@dataclass
class DecodeResult:
    words: List[int]
    alignment: np.ndarray  # transition ids, one per frame
    lattice: Optional[StateLattice]
    graph_cost: float
    acoustic_cost: float  # unscaled
    reached_final: bool
    num_frames: int

    @property
    def likelihood_per_frame(self) -> float:
        return -self.acoustic_cost / max(1, self.num_frames)


@dataclass
class DecodingGraph:
    """HCLG plus what is needed to score it: per-transition-id pdf ids."""

    fst: object
    tables: TransitionTables

    @classmethod
    def load(cls, hclg_path: PathLike, model_path: PathLike) -> "DecodingGraph":
        from mtlhybrid.lang.fst_io import read_fst
        from mtlhybrid.hmm.model_file import load_model

        tm, _ = load_model(model_path)
        return cls(read_fst(hclg_path), TransitionTables.from_model(tm))

    @classmethod
    def from_model(cls, fst, transition_model) -> "DecodingGraph":
        return cls(fst, TransitionTables.from_model(transition_model))


class Decoder:
    """Decodes many utterances with one graph (the kaldi-decoder objects are built once)."""

    def __init__(self, graph: DecodingGraph, opts: DecodeOptions = DecodeOptions(), lattice: bool = True):
        import kaldi_decoder

        self.graph = graph
        self.opts = opts
        self.want_lattice = lattice
        if lattice:
            cfg = kaldi_decoder.LatticeSimpleDecoderConfig(beam=float(opts.beam), lattice_beam=float(opts.lattice_beam))
            self._dec = kaldi_decoder.LatticeSimpleDecoder(graph.fst, cfg)
        else:
            o = kaldi_decoder.FasterDecoderOptions(beam=float(opts.beam), max_active=int(opts.max_active))
            self._dec = kaldi_decoder.FasterDecoder(graph.fst, o)

    def decode(self, score_matrix: np.ndarray) -> DecodeResult:
        import kaldi_decoder

        acwt = float(self.opts.acoustic_scale)
        mat = tid_score_matrix(score_matrix, self.graph.tables, acwt)
        T = mat.shape[0]
        self._dec.decode(kaldi_decoder.DecodableCtc(mat))
        if self.want_lattice:
            reached = bool(np.isfinite(self._dec.final_relative_cost()))
        else:
            reached = bool(self._dec.reached_final())
        ok, best = self._dec.get_best_path()
        words: List[int] = []
        ali = np.zeros(0, dtype=np.int32)
        g = a = float("inf")
        if ok and best.num_states:
            best_lat = StateLattice.from_kaldifst(best)
            from mtlhybrid.lattice.functions import best_path

            bp = best_path(best_lat)
            if bp is not None:
                words, ali = bp.words, bp.alignment
                g, a = bp.graph_cost, bp.acoustic_cost / acwt
        lat = None
        if self.want_lattice:
            ok, raw = self._dec.get_raw_lattice()
            if ok and raw.num_states:
                lat = StateLattice.from_kaldifst(raw)
                lat.acoustic_cost = lat.acoustic_cost / acwt
                lat.final_acoustic = lat.final_acoustic / acwt
            else:
                lat = StateLattice.empty()
        return DecodeResult(words, ali, lat, g, a, reached, T)


def decode_utterance(
    hclg: DecodingGraph,
    score_matrix: np.ndarray,
    beam: float = 13.0,
    lattice_beam: float = 8.0,
    max_active: int = 7000,
    acoustic_scale: float = 0.1,
    lattice: bool = True,
) -> DecodeResult:
    """One utterance: ``(words, alignment, lattice)`` and costs (build a :class:`Decoder` for many)."""
    opts = DecodeOptions(beam, lattice_beam, max_active, acoustic_scale)
    return Decoder(hclg, opts, lattice=lattice).decode(score_matrix)
