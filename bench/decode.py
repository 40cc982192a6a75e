"""Decoding: where the time goes, GMM or hybrid, vs the bare kaldi-decoder on the same scores.

Usage: python -m bench.decode [options] <model> <graph-dir> <data-dir>

GMM system (``<model>`` = final.mdl): scores are the model's log-likelihoods of
``<data-dir>``'s features (CMVN and deltas as the system's cmvn_opts / delta_opts say).
Hybrid system (``--nnet <final.pt>``, ``<model>`` = the network dir's final.mdl):
scores are the network's log-posteriors minus log-priors (the network dir's
ali_train_pdf.counts), what steps/nnet/decode.sh's nnet_forward writes. Per utterance,
interleaved, it times

* ``scores``: feature reading + GMM likelihoods or the network forward and priors;
* ``expand``: the pdf scores gathered per transition id (the matrix the decoder reads);
* ``bare:<decoder>``: kaldi-decoder alone on that precomputed matrix (``DecodableCtc`` +
  ``decode``): the floor any wrapper can reach;
* ``<decoder>``: :class:`mtlhybrid.decode.decoder.Decoder` as latgen uses it (expansion,
  search, best path, raw lattice, acoustic scale undone) plus the lattice's text;

then, for all lattices at once as latgen and steps/score.sh do,

* ``write``: the archive written gzipped (``write_lattices``);
* ``read+score``: the archive read and the LM-weight x penalty sweep (LM weights 7-17,
  penalties 0, 0.5, 1: ``read_lattices`` + ``sweep_best_paths``).

It reports real-time factors (CPU seconds per second of audio, 10 ms frames), the
decoders' time relative to the bare FasterDecoder, lattice sizes, each decoder's WER at
LM weight 10 (from the sweep) and the best over the sweep (against ``<data-dir>/text``),
and the whole pipeline (scores + lattice decoder + write + read+score) per core.
"""

from __future__ import annotations

import argparse
import gzip
import tempfile

from bench.common import Timer, finish, one_thread


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.decode", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--beam", type=float, default=13.0)
    p.add_argument("--lattice-beam", type=float, default=6.0)
    p.add_argument("--max-active", type=int, default=7000)
    p.add_argument("--acoustic-scale", type=float, default=0.1)
    p.add_argument("--max-utts", type=int, default=0, help="only the first N utterances (0: all)")
    p.add_argument("--nnet", help="a hybrid system's network (final.pt); its dir holds ali_train_pdf.counts, cmvn_opts")
    p.add_argument("--prior-scale", type=float, default=1.0)
    p.add_argument("--decoders", default="faster,lattice",
                   help="comma-separated: faster (FasterDecoder, best path only), lattice (LatticeSimpleDecoder)")
    p.add_argument("--out", default="bench/results/decode.json")
    p.add_argument("model")
    p.add_argument("graph_dir")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    one_thread()
    import kaldi_decoder
    import torch

    from mtlhybrid.align.aligner import tid_score_matrix
    from mtlhybrid.decode.decoder import DecodeOptions, Decoder, DecodingGraph
    from mtlhybrid.decode.scoring import sweep_best_paths
    from mtlhybrid.lattice.io import read_lattices, write_lattices
    from mtlhybrid.utils.io import read_symbol_table, read_table

    graph = DecodingGraph.load(f"{a.graph_dir}/HCLG.fst", a.model)
    opts = DecodeOptions(a.beam, a.lattice_beam, a.max_active, a.acoustic_scale)
    names = [d for d in a.decoders.split(",") if d]
    decs = {n: Decoder(graph, opts, lattice=(n != "faster")) for n in names}
    bare = {"faster": kaldi_decoder.FasterDecoder(graph.fst, kaldi_decoder.FasterDecoderOptions(beam=a.beam, max_active=a.max_active)),
            "lattice": kaldi_decoder.LatticeSimpleDecoder(graph.fst, kaldi_decoder.LatticeSimpleDecoderConfig(beam=a.beam, lattice_beam=a.lattice_beam))}
    words = {i: w for w, i in read_symbol_table(f"{a.graph_dir}/words.txt").items()}
    refs = {u: t.split() for u, t in read_table(f"{a.data_dir}/text", allow_empty_value=True).items()}
    score_fn = _nnet_score_function(a, torch) if a.nnet else _score_function(a, torch)
    t = Timer()
    frames = 0
    sizes = {n: [0, 0, 0] for n in names}  # states, arcs, text bytes (gzip)
    hyps = {n: {} for n in names}
    texts = {n: [] for n in names}
    for i, (utt, scores) in enumerate(score_fn(t)):
        if a.max_utts and i >= a.max_utts:
            break
        frames += scores.shape[0]
        with t("expand"):
            mat = tid_score_matrix(scores, graph.tables, a.acoustic_scale)
        for n in names:
            with t(f"bare:{n}"):
                bare[n].decode(kaldi_decoder.DecodableCtc(mat))
            with t(n):
                r = decs[n].decode(scores)
                text = r.lattice_text()  # what latgen writes
            if r.kaldi_lattice is None:
                hyps[n][utt] = [words.get(w, "?") for w in r.words]
                continue
            texts[n].append((utt, text))
            sizes[n][0] += r.kaldi_lattice.num_states
            sizes[n][1] += text.count("\n")  # lines: arcs + finals
            sizes[n][2] += len(gzip.compress(text.encode(), 6))
    secs = frames * 0.01
    lmwts, pens = list(range(7, 18)), [0.0, 0.5, 1.0]
    sweep_hyps = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in names:
            if not texts[n]:
                continue
            with t(f"write:{n}"):
                write_lattices(f"{tmp}/lat.{n}.gz", texts[n])
            with t(f"read+score:{n}"):  # steps/score.sh: read lat.*.gz, LM-weight x penalty sweep
                sw = sweep_best_paths(read_lattices(f"{tmp}/lat.{n}.gz"), lmwts, pens)
            sweep_hyps[n] = {k: {u: [words.get(w, "?") for w in h] for u, h in v.items()} for k, v in sw.items()}
            hyps[n] = sweep_hyps[n][(10, 0.0)]
    wer = {n: _wer(refs, hyps[n]) for n in names}
    best = {n: min((_wer(refs, h), k) for k, h in sweep_hyps[n].items()) for n in sweep_hyps}
    rows = []
    base = t.cpu.get("bare:faster")
    for part in ["scores", "expand"] + [f"{w}{n}" for n in names for w in ("bare:", "")] + [f"{w}:{n}" for n in names for w in ("write", "read+score")]:
        if part not in t.cpu:
            continue
        n = part.split(":")[-1]
        is_dec = part in names or part.startswith("bare:")
        lat = part in names and n in best
        rows.append([part, t.cpu[part] / secs, t.wall[part] / secs,
                     (t.cpu[part] / base) if base and is_dec else "",
                     f"{wer[n]:.2f}" if part in names else "",
                     f"{best[n][0]:.2f} ({best[n][1][0]}, {best[n][1][1]})" if lat else "",
                     f"{sizes[n][1] / max(1, len(hyps[n])):.0f}" if lat else "",
                     f"{sizes[n][2] / max(1, len(hyps[n])) / 1024:.1f}" if lat else ""])
    pipeline = {}
    for n in names:
        parts = ["scores", n] + ([f"write:{n}", f"read+score:{n}"] if n in best else [])
        pipeline[n] = {"parts": parts, "cpu_rtf": sum(t.cpu.get(x, 0.0) for x in parts) / secs,
                       "x_bare_decoder": sum(t.cpu.get(x, 0.0) for x in parts) / t.cpu[f"bare:{n}"]}
        rows.append([f"pipeline:{n} ({' + '.join(parts)})", pipeline[n]["cpu_rtf"], sum(t.wall.get(x, 0.0) for x in parts) / secs,
                     f"{pipeline[n]['x_bare_decoder']:.2f} x bare:{n}", "", "", "", ""])
    result = {"system": "hybrid" if a.nnet else "gmm", "utterances": len(hyps[names[0]]), "audio_seconds": secs, "options": vars(a),
              "cpu_seconds": t.cpu, "wall_seconds": t.wall, "wer_lmwt10_wip0": wer,
              "best_wer_lmwt_wip": {n: [b[0], list(b[1])] for n, b in best.items()},
              "pipeline": pipeline, "lattice_states_lines_gzbytes": sizes}
    finish("decode", a.out, result, rows, ["part", "RTF (CPU)", "RTF (wall)", "x bare FasterDecoder", "%WER (lmwt 10)", "best %WER (lmwt, wip)", "lines/utt", "KB/utt (gz)"])
    return 0


def _nnet_score_function(a, torch):
    """Yields (utt, [T, pdfs] network scores), timing feature reading + forward + priors as ``scores``."""
    from pathlib import Path

    from mtlhybrid.nnet.inference import NnetForward
    from mtlhybrid.nnet.inputs import FeatureOptions, read_features
    from mtlhybrid.nnet.priors import compute_priors, read_counts

    src = Path(a.nnet).parent
    fwd = NnetForward(a.nnet, None, "cpu")
    task = fwd.default_senone_task()
    log_priors = compute_priors(read_counts(str(src / "ali_train_pdf.counts")), 1e-8)
    cmvn = (src / "cmvn_opts").read_text().split() if (src / "cmvn_opts").is_file() else ["--apply-cmvn", "true", "--norm-vars", "false"]
    delta = (src / "delta_opts").read_text().split() if (src / "delta_opts").is_file() else ["--delta-order", "0"]
    kv = dict(zip(cmvn[::2], cmvn[1::2])) | dict(zip(delta[::2], delta[1::2]))
    feats = read_features(a.data_dir, FeatureOptions(kv.get("--apply-cmvn", "true") == "true", kv.get("--norm-vars", "false") == "true",
                                                     int(kv.get("--delta-order", 0))))

    def gen(t):
        for utt in sorted(feats.keys()):
            with t("scores"), torch.no_grad():
                out = fwd.outputs(utt, feats[utt], [task])
                mat = fwd.scores(out[task], log_priors, 1.0, a.prior_scale)
            yield utt, mat

    return gen


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
