"""Decoding: where the time goes, lattice decoder vs FasterDecoder vs the bare kaldi-decoder.

Usage: python -m bench.decode [options] <model> <graph-dir> <data-dir>

GMM system: scores are the model's log-likelihoods of ``<data-dir>``'s features (CMVN
and deltas as the system's cmvn_opts / delta_opts say). (Hybrid systems, with the
network forward in ``scores``, are not wired in yet.) Per utterance, interleaved, it times

* ``scores``: feature reading + GMM likelihoods or the network forward;
* ``expand``: the pdf scores gathered per transition id (the matrix the decoder reads);
* each decoder in ``--decoders`` on that same matrix, with the lattice (or best path)
  converted to our StateLattice and written in Kaldi text form;
  (a decoder's time includes what latgen does with its output: the lattice's text);
* ``old-write``: the lattice output path before commit 6ade248 (numpy arrays, then
  Python text), on the same lattice;
* ``read+score``: steps/score.sh's work per lattice: parse the text, LM-weight x
  penalty sweep (LM weights 7-17, penalties 0, 0.5, 1);

and reports real-time factors (CPU seconds per second of audio, 10 ms frames), the
decoders' time relative to the bare FasterDecoder, lattice sizes, each decoder's WER at
LM weight 10 and the best over the sweep (against ``<data-dir>/text``), and how many
sweep hypotheses differ between the old and new lattice text (must be 0).
"""

from __future__ import annotations

import argparse
import gzip

import numpy as np

from bench.common import Timer, finish, one_thread


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.decode", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--beam", type=float, default=13.0)
    p.add_argument("--lattice-beam", type=float, default=6.0)
    p.add_argument("--max-active", type=int, default=7000)
    p.add_argument("--acoustic-scale", type=float, default=0.1)
    p.add_argument("--max-utts", type=int, default=0, help="only the first N utterances (0: all)")
    p.add_argument("--decoders", default="faster,lattice",
                   help="comma-separated: faster (FasterDecoder, best path only), lattice (LatticeSimpleDecoder)")
    p.add_argument("--out", default="bench/results/decode.json")
    p.add_argument("model")
    p.add_argument("graph_dir")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    one_thread()
    import torch

    from mtlhybrid.decode.decoder import DecodeOptions, Decoder, DecodingGraph
    from mtlhybrid.decode.scoring import sweep_best_paths
    from mtlhybrid.utils.io import read_symbol_table, read_table

    graph = DecodingGraph.load(f"{a.graph_dir}/HCLG.fst", a.model)
    opts = DecodeOptions(a.beam, a.lattice_beam, a.max_active, a.acoustic_scale)
    names = [d for d in a.decoders.split(",") if d]
    decs = {n: Decoder(graph, opts, lattice=(n != "faster")) for n in names}
    words = {i: w for w, i in read_symbol_table(f"{a.graph_dir}/words.txt").items()}
    refs = {u: t.split() for u, t in read_table(f"{a.data_dir}/text", allow_empty_value=True).items()}
    score_fn = _score_function(a, torch)
    t = Timer()
    frames = 0
    sizes = {n: [0, 0, 0] for n in names}  # states, arcs, text bytes
    hyps = {n: {} for n in names}
    sweep_hyps = {n: {} for n in names}
    diff = {n: 0 for n in names}
    lmwts, pens = list(range(7, 18)), [0.0, 0.5, 1.0]
    from mtlhybrid.lattice.lattice import StateLattice
    for i, (utt, scores) in enumerate(score_fn(t)):
        if a.max_utts and i >= a.max_utts:
            break
        frames += scores.shape[0]
        from mtlhybrid.align.aligner import tid_score_matrix

        with t("expand"):
            tid_score_matrix(scores, graph.tables, a.acoustic_scale)
        for n in names:
            with t(n):
                r = decs[n].decode(scores)
                text = r.lattice_text()  # what latgen writes now
            if r.kaldi_lattice is None:
                hyps[n][utt] = [words.get(w, "?") for w in r.words]
                continue
            with t(f"old-write:{n}"):  # what latgen wrote before 6ade248: arrays, then Python text
                old_text = StateLattice.from_kaldifst(r.kaldi_lattice).to_text()
            sizes[n][0] += r.lattice.num_states
            sizes[n][1] += r.lattice.num_arcs
            sizes[n][2] += len(gzip.compress(text.encode(), 1))
            with t(f"read+score:{n}"):  # steps/score.sh: parse lat.*.gz, LM-weight x penalty sweep
                sw = sweep_best_paths([(utt, StateLattice.from_text(text))], lmwts, pens)
            sw_old = sweep_best_paths([(utt, StateLattice.from_text(old_text))], lmwts, pens)
            diff[n] += sum(sw[k][utt] != sw_old[k][utt] for k in sw)
            for k in sw:
                sweep_hyps[n].setdefault(k, {})[utt] = [words.get(w, "?") for w in sw[k][utt]]
            hyps[n][utt] = sweep_hyps[n][(10, 0.0)][utt]
    secs = frames * 0.01
    wer = {n: _wer(refs, hyps[n]) for n in names}
    best = {n: min((_wer(refs, h), k) for k, h in sweep_hyps[n].items()) for n in names if sweep_hyps[n]}
    rows = []
    base = t.cpu.get("faster")
    for part in ["scores", "expand"] + names + [f"{w}:{n}" for n in names for w in ("old-write", "read+score")]:
        if part not in t.cpu:
            continue
        n = part.split(":")[-1]
        is_dec = part in names
        lat = is_dec and n in best
        rows.append([part, t.cpu[part] / secs, t.wall[part] / secs,
                     (t.cpu[part] / base) if base and is_dec else "",
                     f"{wer[n]:.2f}" if is_dec else "",
                     f"{best[n][0]:.2f} ({best[n][1][0]}, {best[n][1][1]})" if lat else "",
                     f"{sizes[n][1] / max(1, len(hyps[n])):.0f}" if lat else "",
                     f"{sizes[n][2] / max(1, len(hyps[n])) / 1024:.1f}" if lat else ""])
    result = {"utterances": len(hyps[names[0]]), "audio_seconds": secs, "options": vars(a),
              "cpu_seconds": t.cpu, "wall_seconds": t.wall, "wer_lmwt10_wip0": wer,
              "best_wer_lmwt_wip": {n: [b[0], list(b[1])] for n, b in best.items()},
              "sweep_hyps_differing_old_vs_new_text": diff,
              "lattice_states_arcs_gzbytes": sizes}
    finish("decode", a.out, result, rows, ["part", "RTF (CPU)", "RTF (wall)", "x FasterDecoder", "%WER (lmwt 10)", "best %WER (lmwt, wip)", "arcs/utt", "KB/utt (gz)"])
    return 0


def _score_function(a, torch):
    """Yields (utt, [T, pdfs] scores), timing their computation as ``scores``."""
    from pathlib import Path

    from mtlhybrid.features.reader import FeatureReader

    src = Path(a.model).parent
    def opts(name, default):
        f = src / name
        return f.read_text().split() if f.is_file() else default

    cmvn = opts("cmvn_opts", ["--apply-cmvn", "true", "--norm-vars", "false"])
    delta = opts("delta_opts", ["--delta-order", "2"])
    kv = dict(zip(cmvn[::2], cmvn[1::2])) | dict(zip(delta[::2], delta[1::2]))
    reader = FeatureReader(a.data_dir, apply_cmvn=kv.get("--apply-cmvn", "true") == "true",
                           norm_vars=kv.get("--norm-vars", "false") == "true", delta_order=int(kv.get("--delta-order", 2)))
    from mtlhybrid.gmm.tool_io import load_gmm_model

    _, am = load_gmm_model(a.model)

    def gen(t):
        for utt in reader:
            with t("scores"), torch.no_grad():
                ll = am.log_likelihoods(torch.from_numpy(reader[utt])).numpy()
            yield utt, ll

    return gen


def _wer(refs, hyps) -> float:
    import kaldialign

    errs = sum(kaldialign.edit_distance(refs.get(u, []), h)["total"] for u, h in hyps.items())
    n = sum(len(refs.get(u, [])) for u in hyps)
    return 100.0 * errs / max(1, n)


if __name__ == "__main__":
    raise SystemExit(main())
