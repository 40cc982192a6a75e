"""What the alignment tools (``align_equal``, ``align_mapped``) both start from.

Both take Kaldi's ``<tree> <model> <lexicon-fst> <matrices-rspecifier> <transcriptions>``,
compile one training graph per transcript and walk the matrices; an utterance with
a matrix but no transcript is skipped, counted and named in the log (never dropped
silently). Keeping that here means the two tools cannot drift apart in how they read
transcripts or which utterances they skip.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Mapping, Optional, Tuple

import numpy as np

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.kaldi_io import iter_text_lines, parse_specifier, read_matrices_rspecifier


def read_transcripts(rspecifier: str, words: Optional[Mapping[str, int]] = None) -> Dict[str, List[int]]:
    """utt -> word ids from ``utt w1 w2 ...`` lines (a path, ``ark:path``, ``-`` or ``cmd |``).

    Words are integers, or strings mapped through ``words`` (a symbol table); a word that
    is neither raises DataError naming the file, line and utterance.
    """
    where = parse_specifier(rspecifier).target
    out: Dict[str, List[int]] = {}
    for lineno, line in iter_text_lines(rspecifier):
        f = line.split()
        if not f:
            continue
        ids = []
        for w in f[1:]:
            if words is not None:
                if w not in words:
                    raise DataError(f"word {w!r} is not in the word symbol table", path=where, line=lineno, utt=f[0])
                ids.append(words[w])
            else:
                try:
                    ids.append(int(w))
                except ValueError:
                    raise DataError(f"word {w!r} is not an integer (give --word-symbol-table)", path=where, line=lineno, utt=f[0])
        out[f[0]] = ids
    return out


class AlignmentInputs:
    """Transition model, training-graph compiler and transcripts of one alignment job."""

    def __init__(self, transition_model, compiler, transcripts: Dict[str, List[int]]):
        self.transition_model = transition_model
        self.compiler = compiler
        self.transcripts = transcripts
        self.no_transcript: List[str] = []

    @classmethod
    def load(cls, tree_path: str, model_path: str, lexicon_path: str, transcripts: str,
             word_symbol_table: Optional[str] = None) -> "AlignmentInputs":
        from mtlhybrid.lang.fst_io import read_fst
        from mtlhybrid.graph.train_graphs import TrainingGraphCompiler
        from mtlhybrid.hmm.model_file import load_model
        from mtlhybrid.hmm.tree import ContextDependency
        from mtlhybrid.utils.io import read_symbol_table

        words = read_symbol_table(word_symbol_table) if word_symbol_table else None
        trans = read_transcripts(transcripts, words)
        tm, _ = load_model(model_path)
        tree = ContextDependency.read(tree_path)
        return cls(tm, TrainingGraphCompiler(read_fst(lexicon_path), {}, tree, tm), trans)

    def utterances(self, rspecifier: str) -> Iterator[Tuple[str, np.ndarray, object]]:
        """``(utt, matrix, training graph)`` for every matrix with a transcript; the rest go to ``no_transcript``."""
        for utt, mat in read_matrices_rspecifier(rspecifier):
            if utt not in self.transcripts:
                self.no_transcript.append(utt)
                continue
            yield utt, mat, self.compiler.compile_ids(self.transcripts[utt])

    def log_skipped(self, logger, failed: List[str], failure: str) -> None:
        """Warn about utterances without transcript and those that failed (``failure`` says how)."""
        if self.no_transcript:
            logger.warning("%d utterances have no transcript: %s", len(self.no_transcript), " ".join(self.no_transcript[:20]))
        if failed:
            logger.warning("%d utterances %s: %s", len(failed), failure, " ".join(failed[:20]))
