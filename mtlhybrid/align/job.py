"""One alignment job's loop, shared by align_mapped (graphs compiled on the fly) and
align_compiled_mapped (graphs read from ``fsts.JOB.gz``), so that the two count, log and
fail in the same way."""

from __future__ import annotations

from typing import Iterable, List, Optional, Tuple

import numpy as np


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
