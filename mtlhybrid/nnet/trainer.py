"""The multi-task trainer: chunks in, checkpoints and logs out, resumable to the bit.

Reproducibility is by construction rather than by saving every generator: the model is
initialised from ``seed``, the epoch's batch order is a function of ``(seed, epoch)``
(:class:`~mtlhybrid.nnet.chunks.ChunkSampler`), the dropout generator is reseeded from
``(seed, step, rank)`` before each step, and the learning rate is a function of the step.
A checkpoint therefore only needs weights, optimizer state and the position
``(epoch, batch, step)`` for a resumed run to end with exactly the weights of an
uninterrupted one. (The torch RNG state is saved too, for inspection.)

Distributed training: launched with ``torchrun`` (or any launcher that initialises
``torch.distributed``), every process builds the same global batches and takes its slice
of each; DistributedDataParallel averages the gradients. Rank 0 writes files.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import torch
from torch import nn

from mtlhybrid.nnet.checkpoint import average_checkpoints, load_checkpoint, save_checkpoint, check_identity
from mtlhybrid.nnet.augment import augment_features
from mtlhybrid.nnet.chunks import Batch, ChunkSampler, CorpusData, make_batch
from mtlhybrid.nnet.config import MtlConfig
from mtlhybrid.nnet.evaluate import evaluate
from mtlhybrid.nnet.losses import LossWeighting, masked_ce
from mtlhybrid.nnet.model import MtlNet
from mtlhybrid.nnet.schedule import learning_rate
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import atomic_write
from mtlhybrid.utils.log import get_logger, progress
from mtlhybrid.utils.rerun import check_unchanged

log = get_logger(__name__)
PathLike = Union[str, Path]


class MtlObjective(nn.Module):
    """Network + loss weighting in one module, so DDP synchronises both (uncertainty weights too)."""

    def __init__(self, model: MtlNet, weighting: LossWeighting, soft_penalty: float = 0.0,
                 regularizer: Optional[Callable[..., torch.Tensor]] = None):
        super().__init__()
        self.model = model
        self.weighting = weighting
        self.soft_penalty = soft_penalty
        # Extra loss term ``regularizer(model, feats, corpus, lengths, logits) -> scalar`` (adaptation:
        # L2-SP toward source weights, KL toward a source network's outputs). Inside the module, so
        # DDP sees its gradients as part of the forward pass.
        self.regularizer = regularizer

    def _task_losses(self, logits, corpus: str, targets: Mapping[str, torch.Tensor]):
        out = {}
        for name, o in logits.items():
            t = targets[name]
            if o.dim() == 3 and o.shape[1] != t.shape[1]:
                raise MismatchError(f"task {name}: network gives {o.shape[1]} frames per chunk, targets {t.shape[1]}")
            if name not in self.model.tasks_for(corpus):
                t = torch.full_like(t, -100)
            out[name] = masked_ce(o, t, self.model.task_cfgs[name].label_smoothing)
        return out

    def forward(self, feats, corpus: str, lengths, targets: Mapping[str, torch.Tensor], utt_part=None):
        """Weighted loss of one step and per-task (loss sum, correct, count).

        ``utt_part`` (feats, lengths, targets) of whole utterances trains the utterance-level
        tasks (see :mod:`mtlhybrid.nnet.chunks`); a task's loss is the sum over the two parts,
        one of which has all its targets masked (a zero that stays in the graph).
        """
        logits = self.model(feats, corpus, lengths)
        parts = [self._task_losses(logits, corpus, targets)]
        if utt_part is not None:
            u_feats, u_lengths, u_targets = utt_part
            # Only the utterance heads, and the trunk up to the highest layer they read.
            utt_tasks = [n for n, t in self.model.task_cfgs.items() if t.level == "utterance"]
            u_logits = self.model(u_feats, corpus, u_lengths, tasks=utt_tasks)
            parts.append(self._task_losses(u_logits, corpus, u_targets))
        losses, stats, present = {}, {}, {}
        for name in logits:
            loss, correct, n = parts[0][name]
            for other in parts[1:]:
                if name not in other:
                    continue
                loss2, c2, n2 = other[name]
                loss, correct, n = loss + loss2, correct + c2, n + n2
            losses[name] = loss
            present[name] = n > 0
            stats[name] = (float(loss.detach()) * n, correct, n)
        total = self.weighting(losses, present)
        if self.soft_penalty and self.model.soft:
            total = total + self.soft_penalty * self.model.soft_sharing_distance()
        if self.regularizer is not None:
            total = total + self.regularizer(self.model, feats, corpus, lengths, logits)
        return total, stats


@dataclass
class TrainState:
    """Where training stands; saved in every checkpoint."""

    epoch: int = 0  # epochs completed
    batch: int = 0  # next batch of epoch ``epoch + 1``
    step: int = 0
    best_metric: float = -math.inf
    best_epoch: int = 0
    bad_epochs: int = 0
    stopped_early: bool = False
    history: List[Dict[str, float]] = field(default_factory=list)
    epoch_sums: Dict[str, List[float]] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "TrainState":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


@dataclass
class TrainResult:
    final_path: Optional[Path]
    state: TrainState


def _dist():
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


RESUME_HINT = "rerun steps/nnet/train_mtl.sh or adapt.sh with --overwrite true (the tools: --no-resume) to start over"


def check_resume_config(ckpt_or_dir: Union[PathLike, Mapping[str, Any]], cfg: MtlConfig, out_dir: PathLike) -> None:
    """Refuse to resume a checkpoint trained with another config, naming each change.

    Another learning rate, architecture or task list would silently mix two runs (or fail
    deep in ``load_state_dict``). ``ckpt_or_dir``: a loaded checkpoint, or the experiment
    dir (nothing to check unless it holds ``last.pt``), so tools can check before they
    write anything into the dir.
    """
    ckpt = ckpt_or_dir
    if not isinstance(ckpt_or_dir, Mapping):
        path = Path(ckpt_or_dir) / "last.pt"
        if not path.exists():
            return
        ckpt = load_checkpoint(path, map_location="cpu")
    check_unchanged(ckpt["config"], cfg.to_dict(), str(out_dir), "config", hint=RESUME_HINT)


class Trainer:
    """Trains an :class:`MtlNet` on prepared corpora; see the module docstring for guarantees.

    ``identities`` maps task name -> :class:`TaskIdentity` (class counts and the lang/tree
    hashes the checkpoints carry). ``out_dir`` receives ``epoch<N>.pt``, ``last.pt``
    (resumable), ``final.pt`` (average of the last ``num_average`` epochs up to the best
    one) and ``train_log.csv``.

    Hooks for fine-tuning (:mod:`mtlhybrid.adapt`): ``init_state`` is a (partial) state
    dict loaded over the freshly initialised network before training (a resumed run's
    ``last.pt`` still wins); ``freeze`` names submodules of the network (e.g.
    ``towers.shared.layers.0``) whose parameters are not trained and which stay in eval
    mode (batchnorm statistics fixed); ``regularizer`` is added to the loss (see
    :class:`MtlObjective`).
    """

    def __init__(self, config: MtlConfig, train: Sequence[CorpusData], identities: Mapping[str, TaskIdentity],
                 out_dir: PathLike, valid: Sequence[CorpusData] = (), device: Union[str, torch.device] = "cpu",
                 init_state: Optional[Mapping[str, torch.Tensor]] = None, freeze: Sequence[str] = (),
                 regularizer: Optional[Callable[..., torch.Tensor]] = None):
        self.cfg = config
        self.tcfg = config.train
        self.train_data = list(train)
        self.valid_data = list(valid)
        self.identities = dict(identities)
        self.out_dir = Path(out_dir)
        self.rank, self.world = _dist()
        self.device = torch.device(device)
        if self.device.type == "cuda" and self.world > 1 and self.device.index is None:
            self.device = torch.device("cuda", self.rank % max(torch.cuda.device_count(), 1))
        self.feat_dims = {c.name: c.feat_dim for c in self.train_data}
        for t in config.tasks:
            if t.name not in self.identities:
                raise MismatchError(f"no targets/identity given for task {t.name}")
        torch.manual_seed(self.tcfg.seed)
        self.model = MtlNet(config, self.feat_dims, {k: v.num_classes for k, v in self.identities.items()}).to(self.device)
        if init_state is not None:
            missing, unexpected = self.model.load_state_dict(dict(init_state), strict=False)
            if unexpected:
                raise MismatchError(f"initial weights for parameters the network does not have: {', '.join(unexpected[:5])}")
            log.info("initialised %d tensors from given weights; %d left at random init%s", len(init_state) - len(unexpected),
                     len(missing), f" ({', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''})" if missing else "")
        modules = dict(self.model.named_modules())
        bad = [n for n in freeze if n not in modules]
        if bad:
            raise MismatchError(f"cannot freeze {bad[0]}: the network has no such module")
        self.frozen = [modules[n] for n in freeze]
        for m in self.frozen:
            for prm in m.parameters():
                prm.requires_grad_(False)
        self.weighting = LossWeighting(config.tasks, self.tcfg.weighting, self.tcfg.log_var_bound).to(self.device)
        self.objective = MtlObjective(self.model, self.weighting, config.model.soft_penalty, regularizer)
        self.module: nn.Module = self.objective
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            # Only a per-corpus input layer leaves parameters unused in a step (the other corpora's).
            unused = config.model.input_layer == "per_corpus"
            self.module = DistributedDataParallel(self.objective, device_ids=ids, find_unused_parameters=unused)
        # Learned log-variances get their own group without weight decay: nothing but their
        # own task's loss moves them (and _step skips them when their task is masked).
        log_var_ids = {id(prm) for prm in self.weighting.log_vars.values()}
        params = [prm for prm in self.objective.parameters() if prm.requires_grad and id(prm) not in log_var_ids]
        if log_var_ids:
            params = [{"params": params}, {"params": list(self.weighting.log_vars.values()), "weight_decay": 0.0}]
        if self.tcfg.optimizer == "adamw":
            self.optimizer = torch.optim.AdamW(params, lr=self.tcfg.lr, weight_decay=self.tcfg.weight_decay)
        else:
            self.optimizer = torch.optim.SGD(params, lr=self.tcfg.lr, momentum=self.tcfg.momentum, weight_decay=self.tcfg.weight_decay)
        # Utterance-level tasks get whole-utterance parts unless the chunks are whole utterances already.
        self.utt_tasks = [t.name for t in config.tasks if t.level == "utterance"] \
            if self.tcfg.chunk_len > 0 and not self.tcfg.utt_on_chunks else []
        self.sampler = ChunkSampler(self.train_data, self.tcfg.chunk_len, self.tcfg.batch_size * self.world, self.tcfg.seed,
                                    utt_tasks=self.utt_tasks, utt_window=self.tcfg.utt_window)
        self.state = TrainState()

    # ----- checkpoints -------------------------------------------------------------------
    def _base_ckpt(self) -> Dict[str, Any]:
        return {
            "config": self.cfg.to_dict(),
            "identities": {k: v.to_dict() for k, v in self.identities.items()},
            "feat_dims": dict(self.feat_dims),
            "model": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
            "weighting": {k: v.detach().cpu() for k, v in self.weighting.state_dict().items()},
            "train_state": self.state.to_dict(),
        }

    def _resumable_ckpt(self) -> Dict[str, Any]:
        ckpt = self._base_ckpt()
        ckpt["optimizer"] = self.optimizer.state_dict()
        ckpt["rng"] = {"torch": torch.get_rng_state()}
        return ckpt

    def _save_resumable(self) -> None:
        if self.rank != 0:
            return
        save_checkpoint(self.out_dir / "last.pt", self._resumable_ckpt())

    def _load_resume_point(self, path: Path) -> Dict[str, Any]:
        """``last.pt``, or when it cannot be read (truncated by a crash or a full disk) the newest readable ``epoch<N>.pt``.

        Epoch checkpoints carry the optimizer state too, so resuming from one continues
        exactly as the run did after that epoch; the fallback is logged as a warning.
        """
        try:
            return load_checkpoint(path, map_location="cpu")
        except DataError as e:
            first = e
        epochs = sorted(self.out_dir.glob("epoch*.pt"), key=lambda p: int(p.stem[5:]) if p.stem[5:].isdigit() else -1,
                        reverse=True)
        for cand in epochs:
            if not cand.stem[5:].isdigit():
                continue
            try:
                ckpt = load_checkpoint(cand, map_location="cpu")
            except DataError as e:
                log.warning("%s", e)
                continue
            if "optimizer" not in ckpt:
                log.warning("%s has no optimizer state (written by an older version): the optimizer restarts", cand)
            log.warning("%s; resuming from %s, the newest readable epoch checkpoint", first, cand)
            return ckpt
        raise DataError(f"{first.reason}; no readable epoch<N>.pt to fall back to either "
                        "(rerun with --overwrite true to start over)", path=path)

    def _try_resume(self) -> bool:
        path = self.out_dir / "last.pt"
        if not path.exists():
            return False
        ckpt = self._load_resume_point(path)
        check_resume_config(ckpt, self.cfg, self.out_dir)
        check_identity(ckpt, self.identities, str(path), "the targets given for this run")
        if dict(ckpt["feat_dims"]) != self.feat_dims:
            raise MismatchError(f"{path}: feature dims {dict(ckpt['feat_dims'])} differ from this run's {self.feat_dims}")
        self.model.load_state_dict(ckpt["model"])
        self.weighting.load_state_dict(ckpt["weighting"])
        if "optimizer" in ckpt:
            self.optimizer.load_state_dict(ckpt["optimizer"])
        self.state = TrainState.from_dict(ckpt["train_state"])
        log.info("resuming from %s: epoch %d, batch %d, step %d", path, self.state.epoch + 1, self.state.batch, self.state.step)
        return True

    def _write_csv(self) -> None:
        if self.rank != 0 or not self.state.history:
            return
        cols: List[str] = []
        for row in self.state.history:
            cols.extend(k for k in row if k not in cols)
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols)
        w.writeheader()
        for row in self.state.history:
            w.writerow(row)
        with atomic_write(self.out_dir / "train_log.csv") as f:
            f.write(buf.getvalue())

    # ----- training ----------------------------------------------------------------------
    def _step(self, batch: Batch) -> None:
        torch.manual_seed(self.tcfg.seed * 1_000_003 + self.state.step * 7919 + self.rank)
        lr = learning_rate(self.tcfg, self.state.step, self.sampler.num_batches())
        for g in self.optimizer.param_groups:
            g["lr"] = lr
        self.model.set_progress(self.state.step / max(self.tcfg.epochs * self.sampler.num_batches(), 1))
        self.module.train()
        for m in self.frozen:
            m.eval()
        b = batch.to(self.device)
        feats = augment_features(b.feats, self.cfg.augment) if self.cfg.augment.active else b.feats
        utt_part = None
        if b.utt_part is not None:
            u = b.utt_part
            u_feats = augment_features(u.feats, self.cfg.augment) if self.cfg.augment.active else u.feats
            utt_part = (u_feats, u.lengths, u.targets)
        total, stats = self.module(feats, b.corpus, b.lengths, b.targets, utt_part)
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        self._skip_masked_log_vars(stats)
        if self.tcfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.objective.parameters(), self.tcfg.grad_clip)
        self.optimizer.step()
        sums = self.state.epoch_sums
        s = sums.setdefault("total", [0.0, 0.0])
        s[0] += float(total.detach())
        s[1] += 1
        for name, (loss_sum, correct, n) in stats.items():
            t = sums.setdefault(name, [0.0, 0.0, 0.0])
            t[0] += loss_sum
            t[1] += correct
            t[2] += n
        self.state.step += 1
        self.last_lr = lr

    def _skip_masked_log_vars(self, stats: Mapping[str, tuple]) -> None:
        """A task without targets in this step (on every process) leaves its log-variance as it is.

        Its gradient is zero already, but Adam's momentum and weight decay would still move
        it; a parameter without a gradient is skipped by the optimizer.
        """
        names = list(self.weighting.log_vars)
        if not names:
            return
        present = torch.tensor([float(stats[n][2] > 0) for n in names], device=self.device)
        if self.world > 1:
            import torch.distributed as dist

            dist.all_reduce(present)
        for n, p in zip(names, present.tolist()):
            if not p:
                self.weighting.log_vars[n].grad = None

    def _make_step_batch(self, chunks, utt_chunks) -> Batch:
        """The step's chunks (frame tasks only when utterance parts are on) and its utterance part."""
        left, right = self.model.left_context, self.model.right_context
        levels = ("frame",) if self.utt_tasks else ("frame", "utterance")
        batch = make_batch(self.train_data, chunks, self.cfg.tasks, self.tcfg.chunk_len, left, right, levels)
        if utt_chunks:
            data = self.train_data[utt_chunks[0][0]]
            longest = max(data.feats[u].shape[0] - s for _, u, s in utt_chunks)
            length = min(self.tcfg.utt_window, longest) if self.tcfg.utt_window else longest
            batch.utt_part = make_batch(self.train_data, utt_chunks, self.cfg.tasks, length, left, right, ("utterance",))
        return batch

    def _reduce_epoch_sums(self) -> None:
        """Sum every process's training statistics so the log describes the whole epoch."""
        if self.world == 1:
            return
        import torch.distributed as dist

        keys = ["total"] + [t.name for t in self.cfg.tasks]
        flat = []
        for k in keys:
            v = self.state.epoch_sums.get(k, [0.0, 0.0] if k == "total" else [0.0, 0.0, 0.0])
            flat.extend(v)
        t = torch.tensor(flat, dtype=torch.float64, device=self.device if self.device.type == "cuda" else "cpu")
        dist.all_reduce(t)
        vals = t.tolist()
        sums, i = {}, 0
        for k in keys:
            n = 2 if k == "total" else 3
            sums[k] = vals[i : i + n]
            i += n
        self.state.epoch_sums = sums

    def _end_epoch(self) -> None:
        self._reduce_epoch_sums()
        st = self.state
        epoch = st.epoch + 1
        row: Dict[str, float] = {"epoch": epoch, "step": st.step, "lr": getattr(self, "last_lr", self.tcfg.lr)}
        tot = st.epoch_sums.get("total", [0.0, 1.0])
        row["train_loss"] = tot[0] / max(tot[1], 1)
        for t in self.cfg.tasks:
            s = st.epoch_sums.get(t.name)
            if s and s[2]:
                row[f"train_{t.name}_loss"] = s[0] / s[2]
                row[f"train_{t.name}_acc"] = s[1] / s[2]
        for name, w in self.weighting.current().items():
            row[f"weight_{name}"] = w
        if self.valid_data:
            res = evaluate(self.model, self.valid_data, self.device)
            for name, r in res.items():
                row[f"valid_{name}_loss"] = r["loss"]
                row[f"valid_{name}_acc"] = r["acc"]
        key, metric = self._selection_metric(row)
        row["select_metric"] = metric
        if self.cfg.model.sharing == "soft":
            row["soft_distance"] = float(self.model.soft_sharing_distance().detach())
        st.history.append(row)
        if metric > st.best_metric + self.tcfg.min_delta or st.best_epoch == 0:
            st.best_metric, st.best_epoch, st.bad_epochs = metric, epoch, 0
        else:
            st.bad_epochs += 1
        st.epoch, st.batch, st.epoch_sums = epoch, 0, {}
        if self.tcfg.patience and st.bad_epochs >= self.tcfg.patience:
            st.stopped_early = True
            log.info("early stopping after epoch %d: no improvement for %d epochs (best epoch %d)", epoch, st.bad_epochs, st.best_epoch)
        msg = " ".join(f"{k}={v:.4g}" for k, v in row.items() if k.startswith("valid_") and k.endswith("_acc"))
        if self.rank == 0:
            log.info("epoch %d: train loss %.4f %s (selection: %s=%.4g, best epoch %d)", epoch, row["train_loss"], msg,
                     key, row[key], st.best_epoch)
        if self.rank == 0:
            # with the optimizer: a resume point when last.pt is lost (see _load_resume_point)
            save_checkpoint(self.out_dir / f"epoch{epoch}.pt", self._resumable_ckpt())
        self._save_resumable()
        self._write_csv()
        self._write_tensorboard(row)

    def selection_key(self) -> str:
        """The train_log.csv column that selects the model (and drives early stopping).

        The primary (senone) task's accuracy or loss on held-out data (``train.select_on``);
        without held-out data its training loss. Never the total training loss: for a
        multi-task network that includes the auxiliary losses.
        """
        primary = self.cfg.primary.name
        if self.valid_data:
            return f"valid_{primary}_{self.tcfg.select_on}"
        return f"train_{primary}_loss"

    def _selection_metric(self, row: Mapping[str, float]):
        """(column, value to maximise) for this epoch's row; a missing column is a MismatchError."""
        key = self.selection_key()
        if key not in row and key.startswith("valid_"):
            fallback = f"train_{self.cfg.primary.name}_loss"
            log.warning("the held-out data has no %s targets: cannot select on %s, early stopping watches %s",
                        self.cfg.primary.name, key, fallback)
            key = fallback
        if key not in row:
            raise MismatchError(f"no {self.cfg.primary.name} targets were trained in epoch {row['epoch']}: "
                                f"nothing to select the model on")
        return key, row[key] if key.endswith("_acc") else -row[key]

    def _write_tensorboard(self, row: Mapping[str, float]) -> None:
        """Scalars to <dir>/tensorboard when the tensorboard package is installed (optional)."""
        if self.rank != 0:
            return
        if not hasattr(self, "_tb"):
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._tb = SummaryWriter(str(self.out_dir / "tensorboard"))
            except ImportError:
                self._tb = None
                log.debug("tensorboard not installed: CSV log only")
        if self._tb is not None:
            for k, v in row.items():
                if k != "epoch":
                    self._tb.add_scalar(k, v, int(row["epoch"]))
            self._tb.flush()

    def fit(self, resume: bool = True, stop_after_steps: Optional[int] = None) -> TrainResult:
        """Train to the configured number of epochs (or early stop) and write ``final.pt``.

        ``stop_after_steps`` aborts after that many optimizer steps of this call without
        saving anything extra, as a crash would (for testing resume).
        """
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if resume:
            self._try_resume()
        steps_this_call = 0
        while self.state.epoch < self.tcfg.epochs and not self.state.stopped_early:
            batches = self.sampler.epoch_batches(self.state.epoch + 1)
            utt_parts = self.sampler.epoch_utterance_parts(self.state.epoch + 1)
            bar = progress(total=len(batches), initial=self.state.batch, desc=f"epoch {self.state.epoch + 1}",
                           disable=True if self.rank else None)
            while self.state.batch < len(batches):
                chunks = batches[self.state.batch][self.rank :: self.world]
                if len(batches[self.state.batch]) >= self.world:
                    part = utt_parts[self.state.batch][self.rank :: self.world] if utt_parts else []
                    self._step(self._make_step_batch(chunks, part))
                self.state.batch += 1
                bar.update(1)
                steps_this_call += 1
                if stop_after_steps is not None and steps_this_call >= stop_after_steps:
                    bar.close()
                    return TrainResult(None, self.state)
                if self.tcfg.save_every_steps and self.state.step % self.tcfg.save_every_steps == 0 \
                        and self.state.batch < len(batches):
                    self._save_resumable()
            bar.close()
            self._end_epoch()
        final = self._write_final()
        return TrainResult(final, self.state)

    def _write_final(self) -> Optional[Path]:
        if self.rank != 0:
            return None
        last = self.state.best_epoch if self.valid_data else self.state.epoch
        first = max(1, last - self.tcfg.num_average + 1)
        paths = [self.out_dir / f"epoch{e}.pt" for e in range(first, last + 1)]
        paths = [p for p in paths if p.exists()]
        ckpt = average_checkpoints(paths)
        ckpt["train_state"] = self.state.to_dict()
        key = self.selection_key()
        if self.valid_data:
            how = (f"selected on held-out data by {key} (best epoch {self.state.best_epoch}, "
                   f"{key}={self.state.history[self.state.best_epoch - 1].get(key, float('nan')):.4g})")
        else:
            how = (f"no held-out data: the last epochs, not selected (early stopping watched {key}; "
                   f"give held-out data, e.g. steps/nnet/train_mtl.sh --valid-num-spk, to select on held-out speakers)")
        ckpt["selection"] = {"metric": key, "held_out": bool(self.valid_data), "best_epoch": self.state.best_epoch}
        save_checkpoint(self.out_dir / "final.pt", ckpt)
        log.info("wrote %s (average of %s): %s", self.out_dir / "final.pt", ", ".join(p.name for p in paths), how)
        return self.out_dir / "final.pt"
