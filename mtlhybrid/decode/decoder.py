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
Without a lattice the faster FasterDecoder is used (``max_active`` applies there): the
tools that need only the best path (transcribe) ask for none. The installed
kaldi-decoder (0.3.2) binds no LatticeFasterDecoder, so the lattice search has no
max-active limit; see BENCHMARKS.md for what that costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    kaldi_lattice: Optional[object]  # kaldifst.Lattice, acoustic costs unscaled; None without a lattice
    graph_cost: float
    acoustic_cost: float  # unscaled
    reached_final: bool
    num_frames: int
    _lattice: Optional[StateLattice] = field(default=None, repr=False)

    @property
    def likelihood_per_frame(self) -> float:
        return -self.acoustic_cost / max(1, self.num_frames)

    @property
    def lattice(self) -> Optional[StateLattice]:
        """The lattice as a :class:`StateLattice` (converted on first use; None without one)."""
        if self._lattice is None and self.kaldi_lattice is not None:
            raw = self.kaldi_lattice
            self._lattice = StateLattice.from_kaldifst(raw) if raw.num_states else StateLattice.empty()
        return self._lattice

    def lattice_text(self) -> str:
        """The lattice in Kaldi/OpenFst text form, printed by kaldifst (what lat.*.gz holds).

        Cheaper than ``self.lattice.to_text()``: no conversion to arrays. States keep the
        decoder's numbering (start state first, as OpenFst prints), weights equal to
        ``0,0`` are left out and costs have six significant digits, as Kaldi's own
        ``ark,t`` lattices.
        """
        if self.kaldi_lattice is None or self.kaldi_lattice.num_states == 0:
            return ""
        return self.kaldi_lattice.to_str(fst_field_separator="\t")


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

    def __init__(self, graph: DecodingGraph, opts: DecodeOptions = DecodeOptions(), lattice: bool = True, method: str = ""):
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
        """Decode one utterance's ``[T, num_pdfs]`` scores.

        Everything per arc stays in C++ (kaldi-decoder, kaldifst): the best path is read
        with ``get_linear_symbol_sequence``, the raw lattice's acoustic costs are
        unscaled with ``scale_lattice``; it becomes a numpy
        :class:`StateLattice` only if :attr:`DecodeResult.lattice` is used. Converting
        every lattice arc by arc in Python cost several times the search itself.
        """
        import kaldi_decoder
        import kaldifst

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
            lin_ok, ilabels, olabels, w = kaldifst.get_linear_symbol_sequence(best)
            if lin_ok:
                words, ali = list(olabels), np.asarray(ilabels, dtype=np.int32)
                g, a = float(w.value1), float(w.value2) / acwt
        raw = None
        if self.want_lattice:
            ok, raw = self._dec.get_raw_lattice()
            if not ok:
                raw = kaldifst.Lattice()
            elif raw.num_states:
                kaldifst.scale_lattice(kaldifst.lattice_scale(1.0, 1.0 / acwt), raw)
        return DecodeResult(words, ali, raw, g, a, reached, T)


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
