"""One alignment job's loop, shared by align_mapped (graphs compiled on the fly) and
align_compiled_mapped (graphs read from ``fsts.JOB.gz``), so that the two count, log and
fail in the same way."""

from __future__ import annotations

from typing import Iterable, List, Optional, Tuple

import numpy as np


def add_alignment_options(p) -> None:
    """The options of every tool that aligns against compiled graphs (Kaldi's align-compiled-mapped
    and gmm-align-compiled share them): beams, scales, lattices, and how much may be lost."""
    p.add_argument("--beam", type=float, default=10.0)
    p.add_argument("--retry-beam", type=float, default=40.0)
    p.add_argument("--acoustic-scale", type=float, default=0.1)
    p.add_argument("--transition-scale", type=float, default=1.0)
    p.add_argument("--self-loop-scale", type=float, default=0.1)
    p.add_argument("--lattices", default=None, help="also write state-level lattices of the training graphs here (lat.JOB.gz)")
    p.add_argument("--lattice-beam", type=float, default=6.0)
    p.add_argument("--max-lost-fraction", type=float, default=0.05,
                   help="fail when more than this fraction of the graphs' utterances is not aligned (default 0.05)")


def with_graphs(scored: Iterable[Tuple[str, np.ndarray]], graphs: dict, no_graph: List[str]):
    """(utt, scores, graph) for each scored utterance that has a graph; the others are
    appended to ``no_graph`` for :func:`run_alignment_job` to count."""
    for utt, scores in scored:
        g = graphs.get(utt)
        if g is None:
            no_graph.append(utt)
            continue
        yield utt, scores, g


def run_alignment_job(logger, aligner, utterances: Iterable[Tuple[str, np.ndarray, object]], expected: List[str],
                      no_transcript: List[str], ali_wspecifier: str, max_lost_fraction: float, where: str,
                      lattices_wspecifier: Optional[str] = None, lattice_beam: float = 6.0) -> None:
    """Align ``(utt, scores, graph)`` triples and write the alignments (and lattices).

    ``expected``: the utterances that should be aligned (those with a transcript or a
    graph); ``no_transcript``: those that had scores but nothing to align to (filled while
    ``utterances`` is consumed). Failures and losses are logged by id; more than
    ``max_lost_fraction`` lost is a DataError naming them, and then nothing is written.
    """
    from mtlhybrid.utils.coverage import Coverage
    from mtlhybrid.utils.kaldi_io import write_int_vectors_wspecifier

    out, failed, lattices = [], [], []
    retried, tot, frames = 0, 0.0, 0
    for utt, mat, graph in utterances:
        r = aligner.align(graph, mat)
        if not r.ok:
            failed.append(utt)
            continue
        if lattices_wspecifier:
            lat = aligner.lattice(graph, mat, lattice_beam)
            if lat is not None:
                lattices.append((utt, lat))
        retried += int(r.retried)
        out.append((utt, r.alignment))
        tot += r.score
        frames += len(r.alignment)
    coverage = Coverage(expected=expected, done=[u for u, _ in out], failed=failed)
    if no_transcript:
        logger.warning("%d utterances have no transcript: %s", len(no_transcript), " ".join(no_transcript[:20]))
    if failed:
        logger.warning("%d utterances failed to align: %s", len(failed), " ".join(failed[:20]))
    missing = coverage.missing
    if missing:
        logger.warning("%d utterances have a transcript but no scores: %s", len(missing), " ".join(missing[:20]))
    logger.info("%s", coverage.summary("aligned"))
    coverage.check("aligned", max_lost_fraction, where=where)
    write_int_vectors_wspecifier(ali_wspecifier, out)
    if lattices_wspecifier:
        from mtlhybrid.lattice.io import write_lattices

        write_lattices(lattices_wspecifier, lattices)
        logger.info("wrote %d training lattices to %s", len(lattices), lattices_wspecifier)
    logger.info("aligned %d utterances (%d with the retry beam), %d failed, %d without transcript; "
                "average scaled log-likelihood per frame %.4f over %d frames",
                len(out), retried, len(failed), len(no_transcript), tot / max(1, frames), frames)
