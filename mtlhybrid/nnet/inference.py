"""Hybrid-decoding outputs of a trained network.

For each utterance: the senone head's log-posteriors minus the (scaled) log-priors, times
the acoustic scale, a ``[T, num_pdfs]`` score matrix the decoder reads (pdf id + 1 as
graph input label); and for each utterance-level task the predicted label with its
posterior (accent identification, scored by :mod:`mtlhybrid.nnet.metrics`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from mtlhybrid.nnet.checkpoint import build_model_from_checkpoint, checkpoint_identities, check_identity, load_checkpoint
from mtlhybrid.nnet.evaluate import utterance_outputs
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)
PathLike = Union[str, Path]


@dataclass
class UttPrediction:
    """An utterance-level prediction: the label, its posterior, and the full posterior vector."""

    label: str
    posterior: float
    posteriors: List[float]

    def to_dict(self) -> dict:
        return {"label": self.label, "posterior": self.posterior, "posteriors": list(self.posteriors)}


class NnetForward:
    """A loaded checkpoint ready to score utterances of one corpus.

    ``expected`` (task -> TaskIdentity, e.g. from the decoding lang/tree) is checked
    against the checkpoint: another lang or tree is a MismatchError naming both.
    """

    def __init__(self, model_path: PathLike, corpus: Optional[str] = None, device: str = "cpu",
                 expected: Optional[Mapping[str, TaskIdentity]] = None):
        self.path = Path(model_path)
        ckpt = load_checkpoint(self.path)
        if expected:
            check_identity(ckpt, expected, str(self.path), "the decoding lang/tree")
        self.identities = checkpoint_identities(ckpt)
        self.device = torch.device(device)
        self.model = build_model_from_checkpoint(ckpt).to(self.device)
        self.corpus = corpus or self.model.corpora[0]
        if self.corpus not in self.model.corpora:
            raise MismatchError(f"{self.path}: no corpus {self.corpus!r} (it has {', '.join(self.model.corpora)})")
        self.feat_dim = int(ckpt["feat_dims"][self.corpus])
        self.tasks = self.model.tasks_for(self.corpus)

    def task_level(self, task: str) -> str:
        return self.model.task_cfgs[task].level

    def default_senone_task(self) -> str:
        """The primary task if it is a frame task of this corpus, else the first pdf task of it."""
        prim = self.model.config.primary
        if prim.name in self.tasks and prim.level == "frame":
            return prim.name
        for n in self.tasks:
            if self.model.task_cfgs[n].source == "pdf":
                return n
        raise MismatchError(f"{self.path}: no senone task for corpus {self.corpus}")

    def outputs(self, utt: str, feats: np.ndarray, tasks: Sequence[str]) -> Dict[str, torch.Tensor]:
        feats = np.asarray(feats, dtype=np.float32)
        if feats.ndim != 2 or feats.shape[1] != self.feat_dim:
            raise DataError(f"features have shape {feats.shape}, the network expects dim {self.feat_dim}", utt=utt)
        return utterance_outputs(self.model, feats, self.corpus, self.device, tasks=list(tasks))

    def scores(self, logits: torch.Tensor, log_priors: Optional[np.ndarray], acoustic_scale: float = 1.0,
               prior_scale: float = 1.0) -> np.ndarray:
        """``(log_softmax(logits) - prior_scale * log_priors) * acoustic_scale`` as float32 [T, K]."""
        lp = torch.log_softmax(logits.double(), dim=-1)
        if log_priors is not None:
            if len(log_priors) != lp.shape[-1]:
                raise MismatchError(f"{len(log_priors)} priors for a senone head of {lp.shape[-1]} outputs ({self.path})")
            lp = lp - prior_scale * torch.as_tensor(log_priors, dtype=torch.float64)
        return (lp * acoustic_scale).float().numpy()

    def predict(self, task: str, logits: torch.Tensor) -> UttPrediction:
        post = torch.softmax(logits.double(), dim=-1)
        k = int(post.argmax())
        names = self.identities[task].class_names or [str(i) for i in range(len(post))]
        return UttPrediction(names[k], float(post[k]), [float(x) for x in post])

    def run(self, feats: Mapping[str, np.ndarray], log_priors: Optional[np.ndarray] = None,
            senone_task: Optional[str] = None, aux_tasks: Optional[Sequence[str]] = None,
            acoustic_scale: float = 1.0, prior_scale: float = 1.0,
            ) -> Iterator[Tuple[str, Optional[np.ndarray], Dict[str, UttPrediction]]]:
        """Yield ``(utt, score matrix or None, {aux task: prediction})`` for each utterance, in key order."""
        senone_task = senone_task if senone_task is not None else self.default_senone_task()
        if senone_task and senone_task not in self.tasks:
            raise MismatchError(f"{self.path}: no task {senone_task} for corpus {self.corpus}")
        if aux_tasks is None:
            aux_tasks = [n for n in self.tasks if self.task_level(n) == "utterance"]
        want = ([senone_task] if senone_task else []) + list(aux_tasks)
        for utt in sorted(feats.keys()):
            out = self.outputs(utt, feats[utt], want)
            mat = self.scores(out[senone_task], log_priors, acoustic_scale, prior_scale) if senone_task else None
            preds = {n: self.predict(n, out[n]) for n in aux_tasks}
            yield utt, mat, preds
