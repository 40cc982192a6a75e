"""Viterbi forced alignment of training graphs against frame scores (gmm-align-compiled).

Scores are any ``[T, num_pdfs]`` log-likelihood matrix: GMM ``log_likelihoods`` or a
network's ``log_posterior - log_prior``. kaldi-decoder's ``DecodableCtc`` returns
``matrix[t, label - 1]`` for a graph input label; the graph's labels are transition ids,
so the matrix handed to the decoder is the pdf scores gathered per transition id,
scaled by ``acoustic_scale``, plus each transition id's scaled transition log-probability
(Kaldi's ``--transition-scale`` / ``--self-loop-scale`` of the aligner). Training graphs
are compiled without transition probabilities for that reason.

A failed search (no path reaches a final state within the beam) is retried once with
``retry_beam``; if that fails too the result says so and the caller counts and logs the
utterance (Kaldi: "Did not successfully decode file").
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Optional

import numpy as np

from mtlhybrid.graph.transitions import TransitionTables


@dataclass
class AlignOptions:
    acoustic_scale: float = 0.1
    transition_scale: float = 1.0
    self_loop_scale: float = 0.1
    beam: float = 10.0
    retry_beam: float = 40.0
    max_active: int = 100000

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict) -> "AlignOptions":
        return cls(**d)


@dataclass
class AlignResult:
    """``alignment``: one transition id per frame (None when alignment failed)."""

    alignment: Optional[np.ndarray]
    score: float  # total scaled log-likelihood of the best path (acoustic*scale + transitions + graph)
    retried: bool = False

    @property
    def ok(self) -> bool:
        return self.alignment is not None


def tid_score_matrix(
    pdf_scores: np.ndarray, tables: TransitionTables, acoustic_scale: float, transition_log_probs: Optional[np.ndarray] = None
) -> np.ndarray:
    """``[T, num_tids]`` float32 matrix: column ``tid - 1`` holds the score of transition id ``tid``."""
    scores = np.asarray(pdf_scores, dtype=np.float32)
    if scores.ndim != 2:
        raise ValueError(f"score matrix must be 2-d [frames, pdfs], got shape {scores.shape}")
    if scores.shape[1] < tables.num_pdfs:
        from mtlhybrid.utils.errors import MismatchError

        raise MismatchError(f"score matrix has {scores.shape[1]} columns; the transition model uses {tables.num_pdfs} pdfs")
    out = scores[:, tables.tid2pdf[1:]] * np.float32(acoustic_scale)
    if transition_log_probs is not None:
        out += transition_log_probs[1:].astype(np.float32)[None, :]
    return np.ascontiguousarray(out, dtype=np.float32)


class Aligner:
    """Aligns many utterances with one transition model and one set of options."""

    def __init__(self, transition_model_or_tables, opts: AlignOptions = AlignOptions()):
        self.tables = (
            transition_model_or_tables
            if isinstance(transition_model_or_tables, TransitionTables)
            else TransitionTables.from_model(transition_model_or_tables)
        )
        self.opts = opts
        self._trans_logp = -self.tables.transition_costs(opts.transition_scale, opts.self_loop_scale)

    def align(self, graph, pdf_scores: np.ndarray) -> AlignResult:
        import kaldi_decoder
        import kaldifst

        mat = tid_score_matrix(pdf_scores, self.tables, self.opts.acoustic_scale, self._trans_logp)
        num_frames = mat.shape[0]
        for attempt, beam in enumerate((self.opts.beam, self.opts.retry_beam)):
            if attempt == 1 and not (self.opts.retry_beam > self.opts.beam):
                break
            dec = kaldi_decoder.FasterDecoder(
                graph, kaldi_decoder.FasterDecoderOptions(beam=float(beam), max_active=int(self.opts.max_active))
            )
            dec.decode(kaldi_decoder.DecodableCtc(mat))
            if not dec.reached_final():
                continue
            ok, best = dec.get_best_path()
            if not ok:
                continue
            ok, ilabels, _, weight = kaldifst.get_linear_symbol_sequence(best)
            if not ok or len(ilabels) != num_frames:
                continue
            return AlignResult(np.asarray(ilabels, dtype=np.int32), -float(weight.value1 + weight.value2), retried=attempt == 1)
        return AlignResult(None, float("-inf"), retried=self.opts.retry_beam > self.opts.beam)


    def lattice(self, graph, pdf_scores: np.ndarray, lattice_beam: float = 6.0):
        """State-level lattice of the training graph (for lattice-based targets or statistics).

        Kaldi's align-with-lattices: the lattice decoder runs on the same scores as
        :meth:`align` (``--beam``, then ``--retry-beam``). The decoder sees scaled acoustic
        scores plus scaled transition log-probabilities; the returned lattice keeps them apart
        as Kaldi's do: transition costs in the graph cost, unscaled acoustic costs. None
        when no path survives.
        """
        import kaldi_decoder

        from mtlhybrid.lattice.lattice import StateLattice

        mat = tid_score_matrix(pdf_scores, self.tables, self.opts.acoustic_scale, self._trans_logp)
        for attempt, beam in enumerate((self.opts.beam, self.opts.retry_beam)):
            if attempt == 1 and not (self.opts.retry_beam > self.opts.beam):
                break
            cfg = kaldi_decoder.LatticeSimpleDecoderConfig(beam=float(beam), lattice_beam=float(lattice_beam))
            dec = kaldi_decoder.LatticeSimpleDecoder(graph, cfg)
            dec.decode(kaldi_decoder.DecodableCtc(mat))
            if not np.isfinite(dec.final_relative_cost()):
                continue
            ok, raw = dec.get_raw_lattice()
            if not ok or raw.num_states == 0:
                continue
            lat = StateLattice.from_kaldifst(raw)
            trans_cost = np.where(lat.ilabel > 0, -self._trans_logp[np.maximum(lat.ilabel, 0)], 0.0)
            lat.graph_cost = lat.graph_cost + trans_cost
            lat.acoustic_cost = (lat.acoustic_cost - trans_cost) / self.opts.acoustic_scale
            lat.final_acoustic = lat.final_acoustic / self.opts.acoustic_scale
            return lat
        return None


def equal_align(graph, num_frames: int, seed: Optional[int] = None, utt: Optional[str] = None) -> Optional[np.ndarray]:
    """Flat-start alignment: frames spread evenly along a random path (align-equal-compiled).

    kaldifst's ``equal_align`` (Kaldi's EqualAlign) picks a uniformly random path through
    the training graph that can cover ``num_frames`` (so optional silences are in or out
    at random), then shares the frames equally among the path's self-loops. The seed
    defaults to a hash of ``utt`` so reruns give the same alignment. Returns the
    transition ids, or None if no path fits (utterance too short for its transcript).
    """
    import kaldifst

    if seed is None:
        seed = zlib.crc32((utt or "").encode()) & 0x7FFFFFFF
    ok, path = kaldifst.equal_align(graph, int(num_frames), int(seed), num_retries=10)
    if not ok:
        return None
    ok, ilabels, _, _ = kaldifst.get_linear_symbol_sequence(path)
    if not ok or len(ilabels) != num_frames:
        return None
    return np.asarray(ilabels, dtype=np.int32)
