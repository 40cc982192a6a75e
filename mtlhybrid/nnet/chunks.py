"""Chunk sampling over features: what one training step sees.

Utterances are cut into chunks of ``chunk_len`` frames (the last chunk moved back to end
at the utterance's end; an utterance shorter than a chunk is padded and masked);
``chunk_len: 0`` takes whole utterances, padded to the longest of the batch. Each chunk
carries the network's left/right context, taken from the neighbouring frames and repeated
at the utterance edges. A batch holds chunks of one corpus, so a corpus's own input layer
and heads apply to the whole batch.

Utterance-level tasks (accent) are used on whole utterances, so they are trained on
whole utterances too: with chunked training each step also gets an *utterance part*,
whole utterances (or windows of ``utt_window`` frames) of the same corpus that carry only
the utterance-level targets, while the chunks carry only the frame-level ones. Every
labelled utterance is in the utterance part of exactly one step per epoch, spread evenly
over the corpus's steps; so an utterance part spans about as many frames as its chunk
batch, and per-frame gradients reaching the shared layers from the two kinds of loss
are of comparable size (see docs/DESIGN.md, "Multi-task losses").

The order of an epoch is a pure function of ``(seed, epoch)``: resuming an interrupted
run only needs the epoch and the index of the next batch, and every process of a
distributed run agrees on it (each takes its slice of every global batch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from mtlhybrid.nnet.config import TaskConfig
from mtlhybrid.nnet.losses import IGNORE
from mtlhybrid.nnet.targets import fit_frame_targets
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)


@dataclass
class CorpusData:
    """One corpus ready for training: features in memory and targets per task.

    ``feats``: utt -> float32 [T, D] (CMVN already applied by the reader);
    ``targets``: task name -> (utt -> int64 [T] for frame tasks, or int for utterance tasks).
    """

    name: str
    feats: Dict[str, np.ndarray]
    targets: Dict[str, Dict[str, Union[np.ndarray, int]]] = field(default_factory=dict)

    @property
    def utts(self) -> List[str]:
        return sorted(self.feats)

    @property
    def feat_dim(self) -> int:
        return int(next(iter(self.feats.values())).shape[1])


def prepare_corpus(
    name: str,
    feats: Mapping[str, np.ndarray],
    targets: Mapping[str, Mapping[str, Union[np.ndarray, int]]],
    tasks: Sequence[TaskConfig],
    frame_tolerance: int = 0,
) -> CorpusData:
    """Load features into memory, fit frame targets to them, and log what is left out.

    Utterances with features but no target for any of the corpus's tasks are dropped
    (counted in the log); targets for utterances without features are counted too.
    A frame-count disagreement beyond ``frame_tolerance`` is a MismatchError naming the utterance.
    """
    level = {t.name: t.level for t in tasks}
    mine = [t.name for t in tasks if t.corpus in (None, name) and t.name in targets]
    out_feats: Dict[str, np.ndarray] = {}
    out_targets: Dict[str, Dict] = {n: {} for n in mine}
    fitted = {n: 0 for n in mine}
    no_target = []
    dim = None
    for utt in sorted(feats.keys()):
        has = [n for n in mine if utt in targets[n]]
        if not has:
            no_target.append(utt)
            continue
        x = np.asarray(feats[utt], dtype=np.float32)
        if x.ndim != 2 or x.shape[0] == 0:
            raise DataError(f"features must be a non-empty [frames, dim] matrix, got shape {x.shape}", utt=utt)
        if dim is None:
            dim = x.shape[1]
        elif x.shape[1] != dim:
            raise DataError(f"feature dim {x.shape[1]} differs from the corpus's {dim}", utt=utt)
        out_feats[utt] = x
        for n in has:
            t = targets[n][utt]
            if level[n] == "frame":
                t, diff = fit_frame_targets(utt, np.asarray(t, dtype=np.int64), x.shape[0], frame_tolerance)
                if diff:
                    fitted[n] += 1
            out_targets[n][utt] = t if level[n] == "frame" else int(t)
    if no_target:
        log.warning("corpus %s: %d utterances have features but no targets for any task, left out%s", name,
                    len(no_target), f": {' '.join(no_target[:10])}" if len(no_target) <= 10 else "")
    for n in mine:
        missing_feats = sum(1 for u in targets[n] if u not in feats)
        if missing_feats:
            # Normal when the targets cover more than this data set (an alignment dir of the whole
            # training set read for its train/valid split or a subset): nothing is lost, so not a warning.
            log.info("corpus %s task %s: %d utterances with targets are not in this data set", name, n, missing_feats)
        unlabeled = len(out_feats) - len(out_targets[n])
        if unlabeled:
            log.info("corpus %s task %s: %d of %d utterances have no target (loss masked for them)", name, n, unlabeled, len(out_feats))
        if fitted[n]:
            log.info("corpus %s task %s: %d utterances had targets within %d frames of the features, fitted", name, n, fitted[n], frame_tolerance)
    if not out_feats:
        raise DataError(f"corpus {name}: no utterance has both features and targets")
    return CorpusData(name, out_feats, out_targets)


Chunk = Tuple[int, str, int]  # (corpus index, utt, start frame)


def corpus_chunks(corpus_index: int, data: CorpusData, chunk_len: int) -> List[Chunk]:
    """Chunks covering every frame of every utterance; ``chunk_len`` 0: one chunk per utterance."""
    if chunk_len <= 0:
        return [(corpus_index, utt, 0) for utt in data.utts]
    chunks = []
    for utt in data.utts:
        T = data.feats[utt].shape[0]
        starts = list(range(0, max(T - chunk_len, 0) + 1, chunk_len))
        if T > chunk_len and starts[-1] + chunk_len < T:
            starts.append(T - chunk_len)
        chunks.extend((corpus_index, utt, s) for s in starts)
    return chunks


class ChunkSampler:
    """Deterministic per-epoch batches of chunks, one corpus per batch.

    ``utt_tasks`` names the utterance-level tasks trained on utterance parts (see the
    module docstring); empty (the default) means no utterance parts. ``utt_window`` > 0
    cuts an utterance longer than that to a window of as many frames, placed at random
    (a function of seed and epoch, like everything else here).
    """

    def __init__(self, corpora: Sequence[CorpusData], chunk_len: int, batch_size: int, seed: int = 1,
                 shuffle: bool = True, utt_tasks: Sequence[str] = (), utt_window: int = 0):
        self.corpora = list(corpora)
        self.chunk_len = chunk_len
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.utt_window = utt_window
        self.chunks = [corpus_chunks(i, c, chunk_len) for i, c in enumerate(self.corpora)]
        # utterances with a label of some utterance-level task, per corpus
        self.labelled = [[u for u in c.utts if any(u in c.targets.get(t, {}) for t in utt_tasks)] for c in self.corpora]
        self.with_parts = bool(utt_tasks)

    def _epoch(self, epoch: int) -> Tuple[List[List[Chunk]], List[List[Chunk]]]:
        rng = np.random.default_rng([self.seed, epoch])
        urng = np.random.default_rng([self.seed, epoch, 1])  # own stream: chunk order as without utterance parts
        batches: List[List[Chunk]] = []
        parts: List[List[Chunk]] = []
        for ci, chunks in enumerate(self.chunks):
            order = rng.permutation(len(chunks)) if self.shuffle else np.arange(len(chunks))
            first = len(batches)
            for b in range(0, len(order), self.batch_size):
                batches.append([chunks[i] for i in order[b : b + self.batch_size]])
            if not self.with_parts:
                continue
            utts = self.labelled[ci]
            uorder = urng.permutation(len(utts)) if self.shuffle else np.arange(len(utts))
            groups = np.array_split(uorder, len(batches) - first) if len(batches) > first else []
            for g in groups:
                part = []
                for i in g:
                    utt = utts[i]
                    T = self.corpora[ci].feats[utt].shape[0]
                    start = 0
                    if self.utt_window and T > self.utt_window:
                        start = int(urng.integers(0, T - self.utt_window + 1))
                    part.append((ci, utt, start))
                parts.append(part)
        if self.shuffle:
            perm = rng.permutation(len(batches))
            batches = [batches[i] for i in perm]
            parts = [parts[i] for i in perm] if parts else parts
        return batches, parts

    def epoch_batches(self, epoch: int) -> List[List[Chunk]]:
        return self._epoch(epoch)[0]

    def epoch_utterance_parts(self, epoch: int) -> List[List[Chunk]]:
        """Utterance part of each batch of ``epoch_batches(epoch)`` (same order); [] without utterance tasks."""
        return self._epoch(epoch)[1]

    def num_batches(self) -> int:
        return sum((len(c) + self.batch_size - 1) // self.batch_size for c in self.chunks)


@dataclass
class Batch:
    """One step's input: chunks (``feats``, ``lengths``, ``targets``) and an optional utterance part."""

    corpus: str
    feats: torch.Tensor  # [B, C + left + right, D]
    lengths: torch.Tensor  # [B] valid output frames
    targets: Dict[str, torch.Tensor]  # frame: [B, C]; utterance: [B]
    utt_part: Optional["Batch"] = None

    def to(self, device) -> "Batch":
        return Batch(self.corpus, self.feats.to(device), self.lengths.to(device),
                     {k: v.to(device) for k, v in self.targets.items()},
                     self.utt_part.to(device) if self.utt_part is not None else None)


def context_window(x: np.ndarray, start: int, length: int, left: int, right: int) -> np.ndarray:
    """Frames ``start-left .. start+length+right`` of ``x`` with edge frames repeated."""
    idx = np.clip(np.arange(start - left, start + length + right), 0, x.shape[0] - 1)
    return x[idx]


def make_batch(corpora: Sequence[CorpusData], chunks: Sequence[Chunk], tasks: Sequence[TaskConfig],
               chunk_len: int, left: int, right: int, levels: Sequence[str] = ("frame", "utterance")) -> Batch:
    """Stack chunks (all of one corpus) into tensors; missing targets become IGNORE.

    ``chunk_len`` 0: each chunk runs to its utterance's end, padded to the batch's longest.
    Targets of tasks whose level is not in ``levels`` are all IGNORE (trained elsewhere).
    """
    ci = chunks[0][0]
    data = corpora[ci]
    if chunk_len <= 0:
        chunk_len = max(data.feats[utt].shape[0] - start for _, utt, start in chunks)
    feats, lengths = [], []
    tgt: Dict[str, list] = {t.name: [] for t in tasks}
    for c, utt, start in chunks:
        assert c == ci, "a batch holds one corpus"
        x = data.feats[utt]
        n = min(chunk_len, x.shape[0] - start)
        feats.append(context_window(x, start, chunk_len, left, right))
        lengths.append(n)
        for t in tasks:
            have = data.targets.get(t.name, {}) if t.level in levels else {}
            if t.level == "frame":
                row = np.full(chunk_len, IGNORE, dtype=np.int64)
                if utt in have:
                    seg = have[utt][start : start + n]
                    row[: len(seg)] = seg
                tgt[t.name].append(row)
            else:
                tgt[t.name].append(have.get(utt, IGNORE))
    return Batch(
        data.name,
        torch.from_numpy(np.stack(feats)),
        torch.tensor(lengths, dtype=torch.long),
        {k: torch.from_numpy(np.stack(v)) if v and isinstance(v[0], np.ndarray) else torch.tensor(v, dtype=torch.long)
         for k, v in tgt.items()},
    )
