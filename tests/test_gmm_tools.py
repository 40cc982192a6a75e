"""The GMM command-line tools chained as train_mono.sh chains them, on FSDD features."""

from __future__ import annotations

import numpy as np
import torch

from mtlhybrid.bin import gmm_acc_stats_ali, gmm_est, gmm_info, gmm_init_mono, gmm_sum_accs
from mtlhybrid.gmm.accumulate import load_accs
from mtlhybrid.hmm.model_file import load_model
from mtlhybrid.hmm.tree import ContextDependency
from mtlhybrid.utils.kaldi_io import write_int_vectors, write_matrices_ark_scp

torch.set_num_threads(1)

TOPO = """<Topology>
<TopologyEntry>
<ForPhones> 1 2 3 </ForPhones>
<State> 0 <PdfClass> 0 <Transition> 0 0.75 <Transition> 1 0.25 </State>
<State> 1 <PdfClass> 1 <Transition> 1 0.75 <Transition> 2 0.25 </State>
<State> 2 <PdfClass> 2 <Transition> 2 0.75 <Transition> 3 0.25 </State>
<State> 3 </State>
</TopologyEntry>
</Topology>
"""


def _mfcc(path) -> np.ndarray:
    import kaldi_native_fbank as knf
    import soundfile as sf

    x, rate = sf.read(str(path), dtype="float32")
    opts = knf.MfccOptions()
    opts.frame_opts.samp_freq = rate
    opts.frame_opts.dither = 0.0
    m = knf.OnlineMfcc(opts)
    m.accept_waveform(rate, x.tolist())
    m.input_finished()
    f = np.stack([m.get_frame(i) for i in range(m.num_frames_ready)]).astype(np.float32)
    return f - f.mean(0)


def _equal_alignment(tm, tree, phone: int, n: int) -> np.ndarray:
    """Transition ids for ``n`` frames of one 3-state phone split in equal thirds."""
    tids = []
    for s in range(3):
        k = n // 3 + (1 if s < n % 3 else 0)
        pdf = tree.compute([phone], s)
        ts = tm.tuple_to_transition_state(phone, s, pdf, pdf)
        tids += [tm.pair_to_transition_id(ts, 0)] * (k - 1) + [tm.pair_to_transition_id(ts, 1)]
    return np.array(tids, dtype=np.int32)


def test_init_acc_sum_est_info(tmp_path, fsdd_dir, capsys):
    data = tmp_path / "data"
    data.mkdir()
    feats = {f"{d}_{spk}_{t}": _mfcc(fsdd_dir / "recordings" / f"{d}_{spk}_{t}.wav")
             for d in range(3) for spk in ("jackson", "theo") for t in range(4)}
    write_matrices_ark_scp(data / "feats.ark", data / "feats.scp", sorted(feats.items()))
    (data / "utt2spk").write_text("".join(f"{u} {u.split('_')[1]}\n" for u in sorted(feats)))
    (tmp_path / "topo").write_text(TOPO)
    exp = tmp_path / "exp"
    nocmvn = ["--apply-cmvn", "false"]

    assert gmm_init_mono.main(nocmvn + ["--train-feats", str(data), str(tmp_path / "topo"), "13",
                                        str(exp / "0.mdl"), str(exp / "tree")]) == 0
    tm, am0 = load_model(exp / "0.mdl")
    tree = ContextDependency.read(exp / "tree")
    assert tree.num_pdfs == 9
    assert am0["num_pdfs"] == 9

    # two alignment jobs, one gzipped archive each, read through a Kaldi-style pipe
    utts = sorted(feats)
    for job, part in ((1, utts[::2]), (2, utts[1::2])):
        write_int_vectors(exp / f"ali.{job}.gz",
                          {u: _equal_alignment(tm, tree, int(u[0]) + 1, len(feats[u])) for u in part})
    mdl = exp / "0.mdl"
    likes = []
    for it in range(3):
        for job in (1, 2):
            assert gmm_acc_stats_ali.main(nocmvn + [str(mdl), str(data), f"ark:gunzip -c {exp}/ali.{job}.gz|",
                                                    str(exp / f"{it}.{job}.acc")]) == 0
        assert gmm_sum_accs.main([str(exp / f"{it}.acc"), str(exp / f"{it}.1.acc"), str(exp / f"{it}.2.acc")]) == 0
        acc, counts = load_accs(exp / f"{it}.acc")
        assert acc.total_frames == sum(len(f) for f in feats.values())
        assert int(counts.sum()) == acc.total_frames
        likes.append(acc.avg_log_like())
        new = exp / f"{it + 1}.mdl"
        stats_in = f"python -m mtlhybrid.bin.gmm_sum_accs - {exp}/{it}.1.acc {exp}/{it}.2.acc |" if it == 1 else str(exp / f"{it}.acc")
        assert gmm_est.main(["--min-gaussian-occupancy", "3", "--mix-up", "30", "--min-count", "5",
                             str(mdl), stats_in, str(new)]) == 0
        mdl = new
    assert likes[1] > likes[0] + 1.0  # global-stats start -> per-state Gaussians
    assert likes[2] > likes[1]        # mixing up helps on the same alignments
    capsys.readouterr()
    assert gmm_info.main([str(mdl)]) == 0
    info = dict(line.rsplit(" ", 1) for line in capsys.readouterr().out.splitlines())
    assert info["number of pdfs"] == "9"
    assert info["feature dimension"] == "13"
    assert info["number of gaussians"] == "30"
    assert info["number of phones"] == "3"
    assert int(info["number of transition-ids"]) == tm.num_transition_ids
    # the transition model was re-estimated from the counts: self-loops no longer 0.75
    tm3, _ = load_model(mdl)
    loop = tm3.pair_to_transition_id(tm3.tuple_to_transition_state(1, 0, tree.compute([1], 0), tree.compute([1], 0)), 0)
    assert abs(np.exp(tm3.log_prob(loop)) - 0.75) > 0.01
    # a model with another dimension is refused with a clear message
    assert gmm_init_mono.main([str(tmp_path / "topo"), "20", str(exp / "bad.mdl"), str(exp / "bad.tree")]) == 0
    assert gmm_acc_stats_ali.main(nocmvn + [str(exp / "bad.mdl"), str(data), str(exp / "ali.1.gz"), str(exp / "x.acc")]) == 1
    assert "dimension" in capsys.readouterr().err
