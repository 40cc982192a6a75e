"""Training throughput: the real trainer on real features vs the bare model, and FLOP/s vs a matmul.

Usage: python -m bench.train [options] <config> <data-dir> <ali-dir> <lang-dir>

The network, data and targets are built as ``mtlhybrid.bin.nnet_train`` builds them
(``--data/--ali/--lang`` of one corpus, ``--set`` overrides), one thread. Then, per round,
interleaved, ``--steps`` optimizer steps of each of

* ``trainer``: what :meth:`Trainer.fit` does per step: the step's batch made from the
  corpus (chunk sampling, context windows, targets: ``make batch``) and
  :meth:`Trainer._step` (learning rate, augmentation, multi-task loss, backward,
  clipping, optimizer, statistics);
* ``trainer-step``: :meth:`Trainer._step` alone on batches made beforehand (in memory);
* ``bare``: forward + loss + backward + optimizer step of the same objective on the
  same in-memory batches, nothing else: the floor;
* ``matmul``: a square float32 matmul (``--matmul-size``), the achievable FLOP/s of
  this core in this process, for comparison with the model's FLOP/s (counted once with
  ``torch.utils.flop_counter`` over a forward + backward step).

Frames are the chunks' output frames (``lengths``). It also times one whole epoch of
:meth:`Trainer.fit` (checkpoints and end-of-epoch work included) on a copy of the
network. The data pipeline's overhead is ``trainer / bare - 1`` (issue 13's target: at
most 10%).
"""

from __future__ import annotations

import argparse
import tempfile
import time

from bench.common import Timer, finish, one_thread


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=10, help="optimizer steps per path and round")
    p.add_argument("--matmul-size", type=int, default=1024)
    p.add_argument("--set", action="append", default=[], help="config override, as nnet_train's --set")
    p.add_argument("--no-epoch", action="store_true", help="skip the whole-epoch timing of Trainer.fit")
    p.add_argument("--out", default="bench/results/train.json")
    p.add_argument("config")
    p.add_argument("data_dir")
    p.add_argument("ali_dir")
    p.add_argument("lang_dir")
    a = p.parse_args(argv)
    one_thread()
    import torch

    from mtlhybrid.nnet.config import MtlConfig, apply_override, load_config
    from mtlhybrid.nnet.inputs import FeatureOptions, build_inputs
    from mtlhybrid.nnet.trainer import Trainer

    raw = load_config(a.config).to_dict()
    for s in a.set:
        apply_override(raw, s)
    raw.setdefault("corpora", {})["default"] = {"data": a.data_dir, "ali": {"ali": a.ali_dir}, "lang": a.lang_dir}
    cfg = MtlConfig.from_dict(raw, "", a.config)
    t = Timer()
    with t("load data"):
        train, _, identities = build_inputs(cfg, FeatureOptions(True, False, 0))
    tmp = tempfile.TemporaryDirectory()
    trainer = Trainer(cfg, train, identities, tmp.name)
    need = a.rounds * a.steps + 2
    batches, parts, e = [], [], 0
    while len(batches) < need:  # as many epochs' batches as the rounds need
        e += 1
        b = trainer.sampler.epoch_batches(e)
        u = trainer.sampler.epoch_utterance_parts(e)
        batches += b
        parts += u if u else [[] for _ in b]
    made = [trainer._make_step_batch(batches[i], parts[i]) for i in range(need)]
    frames = [int(b.lengths.sum()) for b in made]
    obj, opt = trainer.objective, trainer.optimizer

    def bare(b):
        obj.train()
        utt = (b.utt_part.feats, b.utt_part.lengths, b.utt_part.targets) if b.utt_part is not None else None
        total, _ = obj(b.feats, b.corpus, b.lengths, b.targets, utt)
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()

    # FLOPs of one step (forward + backward), then warm-up.
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as fc:
        b = made[0]
        utt = (b.utt_part.feats, b.utt_part.lengths, b.utt_part.targets) if b.utt_part is not None else None
        total, _ = obj(b.feats, b.corpus, b.lengths, b.targets, utt)
        total.backward()
    step_flops = fc.get_total_flops()
    opt.zero_grad(set_to_none=True)
    for b in made[:2]:
        bare(b)
    n = a.matmul_size
    x, y = torch.randn(n, n), torch.randn(n, n)
    torch.mm(x, y)
    counts = {"trainer": 0, "trainer-step": 0, "bare": 0}
    mm_reps = 0
    for r in range(a.rounds):
        idx = range(2 + r * a.steps, 2 + (r + 1) * a.steps)
        for i in idx:
            with t("trainer"):
                with t("trainer: make batch"):
                    bt = trainer._make_step_batch(batches[i], parts[i])
                with t("trainer: step"):
                    trainer._step(bt)
            counts["trainer"] += frames[i]
        for i in idx:
            with t("trainer-step"):
                trainer._step(made[i])
            counts["trainer-step"] += frames[i]
        for i in idx:
            with t("bare"):
                bare(made[i])
            counts["bare"] += frames[i]
        with t("matmul"):
            for _ in range(max(1, a.steps)):
                torch.mm(x, y)
                mm_reps += 1
    mean_frames = sum(frames) / len(frames)
    flops_per_frame = step_flops / mean_frames
    mm_flops = 2.0 * n ** 3 * mm_reps / t.cpu["matmul"]
    epoch = None
    if not a.no_epoch:
        cfg1 = MtlConfig.from_dict({**cfg.to_dict(), "train": {**cfg.to_dict()["train"], "epochs": 1}}, "", a.config)
        with tempfile.TemporaryDirectory() as d:
            tr1 = Trainer(cfg1, train, identities, d)
            ep_frames = sum(int(l) for bb in tr1.sampler.epoch_batches(1) for (_, _, l) in _chunk_lengths(bb, cfg1.train.chunk_len, train))
            c, w = time.process_time(), time.perf_counter()
            tr1.fit(resume=False)
            epoch = {"frames": ep_frames, "cpu_s": time.process_time() - c, "wall_s": time.perf_counter() - w}
    rows = []
    for part in ("trainer", "trainer: make batch", "trainer: step", "trainer-step", "bare"):
        fr = counts[part] if part in counts else counts["trainer"]
        rows.append([part, fr / t.cpu[part], t.cpu[part] / t.cpu["bare"] * counts["bare"] / fr,
                     flops_per_frame * fr / t.cpu[part] / 1e9 if part != "trainer: make batch" else "", ""])
    rows.append([f"matmul {n}x{n}", "", "", mm_flops / 1e9, ""])
    if epoch:
        rows.append(["Trainer.fit, 1 epoch (checkpoints incl.)", epoch["frames"] / epoch["cpu_s"],
                     (epoch["cpu_s"] / epoch["frames"]) / (t.cpu["bare"] / counts["bare"]), flops_per_frame * epoch["frames"] / epoch["cpu_s"] / 1e9, ""])
    overhead = (t.cpu["trainer"] / counts["trainer"]) / (t.cpu["bare"] / counts["bare"]) - 1.0
    rows.append(["data pipeline overhead (trainer / bare - 1)", "", "", "", f"{100 * overhead:.1f}%"])
    result = {"options": vars(a), "frames": counts, "cpu_seconds": t.cpu, "wall_seconds": t.wall,
              "step_flops": step_flops, "mean_frames_per_step": mean_frames, "flops_per_frame": flops_per_frame,
              "matmul_gflops": mm_flops / 1e9, "pipeline_overhead": overhead, "epoch": epoch,
              "model_params": sum(prm.numel() for prm in trainer.model.parameters())}
    finish("train", a.out, result, rows, ["path", "frames/s (CPU)", "CPU time / bare", "GFLOP/s (CPU)", "overhead"])
    tmp.cleanup()
    return 0


def _chunk_lengths(batch, chunk_len, train):
    """(corpus, utt, output frames) of each chunk of a sampler batch."""
    out = []
    for ch in batch:
        ci, utt, start = ch[0], ch[1], ch[2]
        n = train[ci].feats[utt].shape[0] - start
        out.append((ci, utt, min(n, chunk_len) if chunk_len > 0 else n))
    return out


if __name__ == "__main__":
    raise SystemExit(main())
