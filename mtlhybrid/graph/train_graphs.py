"""Per-utterance training graphs for forced alignment (Kaldi's compile-train-graphs).

transcript acceptor -> L (lexicon with optional silence, L.fst) -> C -> H, determinized
in the log semiring, minimized, with HMM self-loops. Transition probabilities are *not*
put in by default (``transition_scale=0``, ``self_loop_scale=0``): the aligner adds them
through the score matrix (:meth:`mtlhybrid.align.aligner.Aligner.align`), so graphs
stay valid while the transition model is re-estimated between alignment passes.
Lexicon and silence probabilities from L.fst are kept.
"""

from __future__ import annotations

from typing import List, Mapping, Optional, Sequence

from mtlhybrid.graph.fst_arrays import arcs_to_fst, fst_to_arcs
from mtlhybrid.graph.h_transducer import HmmCompiler, make_h_transducer
from mtlhybrid.graph.hclg import remove_disambig_input
from mtlhybrid.graph.self_loops import add_self_loops_arcs
from mtlhybrid.graph.transitions import TransitionTables
from mtlhybrid.lang.fst_io import read_fst
from mtlhybrid.utils.errors import DataError


class TrainingGraphCompiler:
    """Compiles training graphs for one lexicon, tree and transition model.

    HMMs for phone windows are cached across utterances, so compiling thousands of short
    utterances costs a few milliseconds each.
    """

    def __init__(
        self,
        lexicon_fst,
        words: Mapping[str, int],
        tree,
        transition_model,
        transition_scale: float = 0.0,
        self_loop_scale: float = 0.0,
        words_path: Optional[str] = None,
    ):
        import kaldifst

        self.L = lexicon_fst.copy()
        kaldifst.arcsort(self.L, sort_type="olabel")
        self.words = dict(words)
        self.words_path = words_path
        self.tree = tree
        self.tables = TransitionTables.from_model(transition_model)
        self.self_loop_scale = float(self_loop_scale)
        self.hmm = HmmCompiler(tree, transition_model, transition_scale, tables=self.tables)
        self.tm = transition_model

    @classmethod
    def from_lang(cls, lang_dir, tree, transition_model, **kw) -> "TrainingGraphCompiler":
        """From a LangDir: its L.fst (no disambiguation symbols) and words.txt."""
        import os

        return cls(read_fst(lang_dir.L_path), lang_dir.words, tree, transition_model,
                   words_path=os.path.join(lang_dir.path, "words.txt"), **kw)

    def word_ids(self, utt: str, transcript: Sequence[str], path: Optional[str] = None, line: Optional[int] = None) -> List[int]:
        """Map words to ids; a word missing from words.txt is a DataError naming utterance and word."""
        out = []
        for w in transcript:
            i = self.words.get(w)
            if i is None:
                src = f" (not in {self.words_path})" if self.words_path else " (not in words.txt)"
                raise DataError(f"word {w!r} is not in the vocabulary{src}", path=path, line=line, utt=utt)
            out.append(i)
        return out

    def compile_ids(self, word_ids: Sequence[int]):
        """The training graph (kaldifst StdVectorFst, input transition ids, output word ids)."""
        import kaldifst

        acceptor = kaldifst.make_linear_acceptor([int(w) for w in word_ids])
        phone2word = kaldifst.compose(self.L, acceptor)
        phone2word = kaldifst.StdVectorFst(phone2word) if not isinstance(phone2word, kaldifst.StdVectorFst) else phone2word
        if phone2word.num_states == 0:
            raise DataError(f"the lexicon FST accepts no phone sequence for word ids {list(word_ids)}")
        kaldifst.arcsort(phone2word, sort_type="ilabel")
        ctx2word, ilabel_info = kaldifst.compose_context([], self.tree.context_width, self.tree.central_position, phone2word)
        H = make_h_transducer(ilabel_info, self.tree, self.tm, hmm_compiler=self.hmm)
        kaldifst.arcsort(H.fst, sort_type="olabel")
        g = kaldifst.compose(H.fst, ctx2word)
        g = kaldifst.StdVectorFst(g) if not isinstance(g, kaldifst.StdVectorFst) else g
        g = arcs_to_fst(remove_disambig_input(fst_to_arcs(g), self.tables.num_tids))
        if kaldifst.determinize_star(g, use_log=True):
            raise RuntimeError("determinization of a training graph stopped early")
        kaldifst.minimize_encoded(g)
        return arcs_to_fst(add_self_loops_arcs(fst_to_arcs(g), self.tables, self.self_loop_scale))

    def compile(self, utt: str, transcript: Sequence[str]):
        """Training graph for the words of one utterance (DataError for an unknown word)."""
        return self.compile_ids(self.word_ids(utt, transcript))
