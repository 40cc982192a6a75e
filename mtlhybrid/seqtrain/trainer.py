"""One epoch of sequence training of a trained multi-task network (what train_mpe.sh loops over).

Each step takes a few whole utterances. For each: the network's senone logits, as
log-likelihoods (``log_softmax - prior_scale * log_prior``, the scores the lattices were
made from), give the sequence criterion and its gradient against the utterance's
denominator lattice and numerator alignment (:mod:`.criteria`). The loss of a step is

``(1 - H) * seq_loss / frames + H * senone_CE + sum_aux weight_aux * CE_aux``

with ``H`` the frame-smoothing weight (frame smoothing after Su et al., 2013: an
interpolation with the cross-entropy of the numerator alignment keeps the network from
drifting away from frame-level accuracy; here ``H`` is the weight of the CE side) and
the auxiliary tasks' cross-entropies with their configured weights (switchable: the
multi-task network keeps its regularisers during sequence training, or drops them).
Auxiliary frame targets come from the numerator alignment dir, labels from the data dir.

An epoch is deterministic given ``seed`` and ``epoch`` (utterance order). Utterances
without a numerator alignment or lattice, or whose lattice does not fit them, are left
out, counted and named in the log.
"""

from __future__ import annotations

import glob
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F

from mtlhybrid.nnet.checkpoint import build_model_from_checkpoint, checkpoint_identities, check_identity
from mtlhybrid.nnet.chunks import CorpusData, context_window, prepare_corpus
from mtlhybrid.nnet.config import CorpusPaths, config_from_dict
from mtlhybrid.nnet.losses import IGNORE
from mtlhybrid.seqtrain.criteria import CriterionOptions, sequence_stats, surrogate_loss
from mtlhybrid.seqtrain.lattice_arrays import LatticeArrays
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger, progress

log = get_logger(__name__)
PathLike = Union[str, Path]


@dataclass
class SeqTrainOptions:
    criterion: CriterionOptions = field(default_factory=CriterionOptions)
    lr: float = 1e-4
    smooth_weight: float = 0.1  # H of frame smoothing (0: sequence criterion only)
    keep_aux_tasks: bool = True
    utts_per_step: int = 4
    grad_clip: float = 5.0
    prior_scale: float = 1.0
    seed: int = 1
    epoch: int = 1

    def __post_init__(self):
        if not 0.0 <= self.smooth_weight <= 1.0:
            raise ValueError(f"smooth weight must be in [0, 1], got {self.smooth_weight}")


@dataclass
class SeqData:
    """What an epoch needs: features and targets (CorpusData), lattices, reference pdfs and phones."""

    corpus: CorpusData
    senone_task: str
    lattices: Dict[str, LatticeArrays]
    ref_pdf: Dict[str, np.ndarray]
    ref_phone: Dict[str, np.ndarray]
    aux_tasks: List[str]

    @property
    def utts(self) -> List[str]:
        return sorted(self.lattices)


@dataclass
class EpochStats:
    epoch: int
    criterion: str
    utterances: int = 0
    frames: int = 0
    objective: float = 0.0  # summed over utterances
    senone_ce: float = 0.0  # summed over frames
    aux_loss: Dict[str, float] = field(default_factory=dict)  # mean per task
    dropped_frames: int = 0
    steps: int = 0

    def to_dict(self) -> dict:
        d = {"epoch": self.epoch, "criterion": self.criterion, "utterances": self.utterances, "frames": self.frames,
             "objective_per_frame": self.objective / max(self.frames, 1),
             "senone_ce_per_frame": self.senone_ce / max(self.frames, 1), "dropped_frames": self.dropped_frames,
             "steps": self.steps}
        d.update({f"aux_{k}_loss": v for k, v in self.aux_loss.items()})
        return d


def read_lattice_dir(denlat_dir: PathLike) -> Dict[str, "object"]:
    """utt -> StateLattice of every ``lat.*.gz`` in a denominator lattice dir."""
    from mtlhybrid.lattice.io import read_lattices

    paths = sorted(glob.glob(str(Path(denlat_dir) / "lat.*.gz")))
    if not paths:
        raise DataError("no lat.*.gz (run steps/nnet/make_denlats.sh)", path=denlat_dir)
    out = {}
    for p in paths:
        for utt, lat in read_lattices(p):
            if utt in out:
                raise DataError(f"utterance {utt} appears in two lattice archives", path=p)
            out[utt] = lat
    return out


def load_seq_data(ckpt: Mapping, feats: Mapping[str, np.ndarray], data_dir: PathLike, ali_dir: PathLike,
                  denlat_dir: PathLike, lang_dir: Optional[PathLike] = None, corpus: Optional[str] = None,
                  senone_task: Optional[str] = None, device: Union[str, torch.device] = "cpu") -> SeqData:
    """Read numerator alignments, lattices and auxiliary targets for the utterances of ``feats``."""
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.nnet.inputs import load_task_targets
    from mtlhybrid.nnet.targets import TaskTargets, map_alignments, read_alignments

    cfg = config_from_dict(ckpt["config"])
    corpus = corpus or next(iter(ckpt["feat_dims"]))
    idents = checkpoint_identities(ckpt)
    tasks = [t for t in cfg.tasks if t.corpus in (None, corpus)]
    if senone_task is None:
        prim = cfg.primary
        senone_task = prim.name if prim.source == "pdf" and prim in tasks else next(
            (t.name for t in tasks if t.source == "pdf"), None)
    if senone_task is None or cfg.task(senone_task).source != "pdf":
        raise DataError(f"the network has no senone (pdf) task {senone_task or ''} for corpus {corpus}")
    cfg.corpora = {corpus: CorpusPaths(data=str(data_dir), ali={"ali": str(ali_dir)},
                                       lang=str(lang_dir) if lang_dir else None)}
    tm, _ = load_model(Path(ali_dir) / "final.mdl")
    alis = read_alignments(ali_dir)
    targets = {}
    sen = load_task_targets(cfg, cfg.task(senone_task), corpus, "train")
    check_identity(ckpt, {senone_task: sen.identity}, "the network", f"the numerator alignments in {ali_dir}")
    targets[senone_task] = sen.targets
    aux = []
    for t in tasks:
        if t.name == senone_task:
            continue
        if t.source != "label" and t.ali != "ali":
            log.warning("task %s reads alignments %r, not the numerator alignments: left out of sequence training",
                        t.name, t.ali)
            continue
        tt = load_task_targets(cfg, t, corpus, "train", idents[t.name].class_names or None)
        if tt is None:
            continue
        targets[t.name] = tt.targets
        aux.append(t.name)
    data = prepare_corpus(corpus, feats, targets, [cfg.task(n) for n in [senone_task] + aux], cfg.train.frame_tolerance)
    tid2pdf = np.asarray(tm.tid2pdf, dtype=np.int64)
    tid2phone = np.asarray(tm.tid2phone, dtype=np.int64)
    lats = read_lattice_dir(denlat_dir)
    arrays, ref_pdf, ref_phone = {}, {}, {}
    missing_lat, missing_ali, bad = [], [], []
    for utt in data.utts:
        T = data.feats[utt].shape[0]
        if utt not in lats:
            missing_lat.append(utt)
            continue
        if utt not in alis:
            missing_ali.append(utt)
            continue
        ali = np.asarray(alis[utt], dtype=np.int64)
        try:
            if ali.shape[0] != T:
                raise DataError(f"numerator alignment has {ali.shape[0]} frames, the features {T}", utt=utt)
            la = LatticeArrays.from_lattice(lats[utt], tid2pdf, tid2phone, device=device, utt=utt)
            if la.num_frames != T:
                raise DataError(f"lattice has {la.num_frames} frames, the features {T}", utt=utt)
        except DataError as e:
            bad.append(utt)
            log.warning("%s: left out", e)
            continue
        arrays[utt] = la
        ref_pdf[utt] = tid2pdf[ali]
        ref_phone[utt] = tid2phone[ali]
    for what, lst in (("no denominator lattice", missing_lat), ("no numerator alignment", missing_ali),
                      ("a lattice or alignment that does not fit", bad)):
        if lst:
            log.warning("%d of %d utterances have %s, left out: %s", len(lst), len(data.utts), what, " ".join(lst[:10]))
    if not arrays:
        raise DataError("no utterance has features, a numerator alignment and a denominator lattice", path=denlat_dir)
    log.info("sequence training on %d utterances; auxiliary tasks available: %s", len(arrays), ", ".join(aux) or "none")
    return SeqData(data, senone_task, arrays, ref_pdf, ref_phone, aux)


class SequenceTrainer:
    """Sequence-trains a network given as a checkpoint dict; :meth:`train_epoch` runs one epoch."""

    def __init__(self, ckpt: Mapping, log_priors: np.ndarray, data: SeqData, opts: SeqTrainOptions,
                 device: Union[str, torch.device] = "cpu"):
        self.ckpt = dict(ckpt)
        self.opts = opts
        self.data = data
        self.device = torch.device(device)
        torch.manual_seed(opts.seed * 1000 + opts.epoch)
        self.model = build_model_from_checkpoint(ckpt).to(self.device)
        self.log_priors = torch.as_tensor(np.asarray(log_priors), dtype=torch.float32, device=self.device)
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(params, lr=opts.lr, weight_decay=0.0)
        self.aux = list(data.aux_tasks) if opts.keep_aux_tasks else []
        self.aux_weight = {n: float(self.model.task_cfgs[n].weight) for n in self.aux}

    def _utterance_loss(self, utt: str, num_frames_step: int, num_utts_step: int, st: EpochStats) -> torch.Tensor:
        d = self.data
        x = d.corpus.feats[utt]
        T = x.shape[0]
        win = context_window(x, 0, T, self.model.left_context, self.model.right_context)
        want = [d.senone_task] + self.aux
        out = self.model(torch.from_numpy(win)[None].to(self.device), d.corpus.name, tasks=want)
        logits = out[d.senone_task][0]
        if logits.shape[-1] != self.log_priors.shape[0]:
            raise DataError(f"{self.log_priors.shape[0]} priors for a senone head of {logits.shape[-1]} outputs")
        logp = torch.log_softmax(logits.float(), dim=-1)
        loglik = logp - self.opts.prior_scale * self.log_priors
        ref_pdf = torch.as_tensor(d.ref_pdf[utt], device=self.device)
        ref_phone = torch.as_tensor(d.ref_phone[utt], device=self.device)
        stats = sequence_stats(d.lattices[utt], loglik.detach(), ref_pdf, ref_phone, self.opts.criterion)
        H = self.opts.smooth_weight
        loss = (1.0 - H) * surrogate_loss(loglik, stats) / num_frames_step
        ce_sum = F.nll_loss(logp, ref_pdf, reduction="sum")
        if H:
            loss = loss + H * ce_sum / num_frames_step
        st.objective += stats.objective
        st.senone_ce += float(ce_sum.detach())
        st.frames += T
        st.utterances += 1
        st.dropped_frames += stats.dropped_frames
        for n in self.aux:
            tgt = d.corpus.targets.get(n, {}).get(utt)
            if tgt is None:
                continue
            o = out[n][0]
            if o.dim() == 2:
                t = torch.as_tensor(np.asarray(tgt), dtype=torch.long, device=self.device)
                valid = t != IGNORE
                if not bool(valid.any()):
                    continue
                term = F.cross_entropy(o[valid], t[valid], reduction="sum")
                loss = loss + self.aux_weight[n] * term / num_frames_step
                s = st.aux_loss.setdefault(n, [0.0, 0])
                s[0] += float(term.detach())
                s[1] += int(valid.sum())
            else:
                term = F.cross_entropy(o[None], torch.tensor([int(tgt)], device=self.device))
                loss = loss + self.aux_weight[n] * term / num_utts_step
                s = st.aux_loss.setdefault(n, [0.0, 0])
                s[0] += float(term.detach())
                s[1] += 1
        return loss

    def train_epoch(self) -> EpochStats:
        """One pass over the utterances (order from ``seed`` and ``epoch``); returns the epoch's statistics.

        The objective is accumulated with the network of each step before its update, as Kaldi logs it.
        """
        o = self.opts
        utts = self.data.utts
        order = np.random.default_rng([o.seed, o.epoch]).permutation(len(utts))
        st = EpochStats(o.epoch, o.criterion.criterion)
        self.model.train()
        starts = range(0, len(order), o.utts_per_step)
        report_every = max(1, len(starts) // 10)  # ten progress lines in a log file, where no bar shows
        for k, b in enumerate(progress(starts, desc=f"epoch {o.epoch}", unit="step")):
            batch = [utts[i] for i in order[b : b + o.utts_per_step]]
            frames = sum(self.data.corpus.feats[u].shape[0] for u in batch)
            self.optimizer.zero_grad(set_to_none=True)
            for utt in batch:
                loss = self._utterance_loss(utt, frames, len(batch), st)
                if not torch.isfinite(loss):
                    raise DataError(f"non-finite sequence loss ({float(loss)})", utt=utt)
                loss.backward()
            if o.grad_clip:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), o.grad_clip)
            self.optimizer.step()
            st.steps += 1
            if (k + 1) % report_every == 0 and k + 1 < len(starts):
                log.info("epoch %d: step %d of %d, %d utterances, objective per frame so far %.5f",
                         o.epoch, k + 1, len(starts), st.utterances, st.objective / max(st.frames, 1))
        st.aux_loss = {k: v[0] / max(v[1], 1) for k, v in st.aux_loss.items()}
        log.info("epoch %d: %s objective per frame %.5f over %d frames of %d utterances; senone CE %.4f%s%s",
                 st.epoch, st.criterion, st.objective / max(st.frames, 1), st.frames, st.utterances,
                 st.senone_ce / max(st.frames, 1),
                 "".join(f"; {k} CE {v:.4f}" for k, v in st.aux_loss.items()),
                 f"; {st.dropped_frames} frames dropped (reference not in the lattice)" if st.dropped_frames else "")
        return st

    def checkpoint(self, stats: Optional[EpochStats] = None) -> dict:
        """The input checkpoint with the trained weights (decodable as before) and the sequence-training history."""
        out = {k: v for k, v in self.ckpt.items() if k not in ("optimizer", "rng")}
        out["model"] = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        hist = list(self.ckpt.get("sequence_training", []))
        if stats is not None:
            row = stats.to_dict()
            row.update({"lr": self.opts.lr, "acoustic_scale": self.opts.criterion.acoustic_scale,
                        "smooth_weight": self.opts.smooth_weight, "keep_aux_tasks": self.opts.keep_aux_tasks,
                        "boost": self.opts.criterion.boost})
            hist.append({k: (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                         for k, v in row.items()})
        out["sequence_training"] = hist
        return out
