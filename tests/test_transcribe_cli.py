"""`mtlhybrid transcribe` on espeak-ng speech and on a data dir without text, with a small FSDD-trained network dir.

The network dir is built as train_mtl.sh leaves it (final.pt, final.mdl, tree, phones.txt,
priors, conf/fbank.conf, cmvn_opts), from FSDD features computed in-process, flat-start
alignments and a few epochs of nnet_train: cheap, yet a real digit recognizer.
"""

import shutil
from pathlib import Path

import pytest
import torch

from mtlhybrid.bin import main as cli

torch.set_num_threads(1)

PRONS = {
    "ZERO": ["Z", "IH", "R", "OW"], "ONE": ["W", "AH", "N"], "TWO": ["T", "UW"], "THREE": ["TH", "R", "IY"],
    "FOUR": ["F", "AO", "R"], "FIVE": ["F", "AY", "V"], "SIX": ["S", "IH", "K", "S"],
    "SEVEN": ["S", "EH", "V", "AH", "N"], "EIGHT": ["EY", "T"], "NINE": ["N", "AY", "N"],
}
FBANK_CONF = "--sample-frequency=8000\n--num-mel-bins=23\n--dither=0\n"
CONFIG = """
tasks:
  - {name: senone, source: pdf}
  - {name: accent, source: label, layer: 1, weight: 0.2}
model: {type: mlp, splice: [4, 4], num_layers: 2, hidden_dim: 96, norm: layernorm}
train: {epochs: 6, batch_size: 16, chunk_len: 20, lr: 0.003, seed: 1, num_average: 1}
"""
ACCENT = {"jackson": "USA", "nicolas": "BEL-French", "theo": "USA"}


@pytest.fixture(scope="module")
def model(fsdd_dir, tmp_path_factory):
    from mtlhybrid.bin import align_equal, mkgraph, nnet_compute_prior, nnet_train
    from mtlhybrid.features.cmvn import compute_cmvn_stats
    from mtlhybrid.features.compute import compute_features
    from mtlhybrid.features.config import load_feature_config
    from mtlhybrid.data.audio import read_audio
    from mtlhybrid.testing.toy_graph import make_toy_lang
    from mtlhybrid.hmm.model_file import save_model
    from mtlhybrid.hmm.topology import Topology
    from mtlhybrid.hmm.transition_model import TransitionModel
    from mtlhybrid.hmm.tree import monophone_tree
    from mtlhybrid.utils.io import write_table
    from mtlhybrid.utils.kaldi_io import write_matrices_ark_scp

    root = tmp_path_factory.mktemp("transcribe")
    (root / "fbank.conf").write_text(FBANK_CONF)
    fcfg = load_feature_config("fbank", root / "fbank.conf")
    utts = {f"{s}_{d}_{k}": fsdd_dir / "recordings" / f"{d}_{s}_{k}.wav" for s in ACCENT for d in range(10) for k in range(5, 9)}
    feats = {u: compute_features(*read_audio(str(p)), fcfg, utt=u) for u, p in utts.items()}
    data = root / "data"
    data.mkdir()
    write_matrices_ark_scp(data / "feats.ark", data / "feats.scp", sorted(feats.items()))
    utt2spk = {u: u.split("_")[0] for u in feats}
    write_table(data / "utt2spk", utt2spk)
    write_table(data / "utt2accent", {u: ACCENT[s] for u, s in utt2spk.items()})
    write_table(data / "text", {u: list(PRONS)[int(u.split("_")[1])] for u in feats})
    stats = {s: compute_cmvn_stats([feats[u] for u in feats if utt2spk[u] == s]) for s in ACCENT}
    write_matrices_ark_scp(data / "cmvn.ark", data / "cmvn.scp", sorted(stats.items()))

    lang = make_toy_lang(root / "local", [[w] for w in PRONS], prons=PRONS)
    lang_dir = Path(lang.path)
    topo = Topology.read(lang.topo_path)
    tree = monophone_tree(topo, lang.roots)
    ali = root / "ali"
    ali.mkdir()
    save_model(ali / "final.mdl", TransitionModel(topo, tree))
    tree.write(ali / "tree")
    assert align_equal.main(["--word-symbol-table", str(lang_dir / "words.txt"), str(ali / "tree"), str(ali / "final.mdl"),
                             str(lang_dir / "L.fst"), f"scp:{data}/feats.scp", str(data / "text"), f"ark:{ali}/ali.1.gz"]) == 0
    assert mkgraph.main([str(lang_dir), str(ali), str(root / "graph")]) == 0

    exp = root / "exp"
    (root / "mtl.yaml").write_text(CONFIG)
    assert nnet_train.main([str(root / "mtl.yaml"), str(exp), "--data", str(data), "--ali", str(ali), "--lang", str(lang_dir)]) == 0
    assert nnet_compute_prior.main([str(ali), str(exp / "ali_train_pdf.counts")]) == 0
    for f in ("tree", "final.mdl"):
        shutil.copy(ali / f, exp / f)
    shutil.copy(lang_dir / "phones.txt", exp / "phones.txt")
    (exp / "conf").mkdir()
    shutil.copy(root / "fbank.conf", exp / "conf/fbank.conf")
    (exp / "cmvn_opts").write_text("--apply-cmvn true --norm-vars false\n")
    return root


def test_espeak_files_and_data_dir(model, espeak, sox, tmp_path, fsdd_dir, capsys):
    from mtlhybrid.synth.tts import SynthesisSettings, synthesize

    root = model
    words = ["THREE", "SEVEN", "NINE"]
    wavs = [synthesize(w.lower(), tmp_path / f"spoken_{w.lower()}.wav", SynthesisSettings(voice="en-us", sample_rate=8000))
            for w in words]
    out = tmp_path / "hyp.txt"
    capsys.readouterr()
    rc = cli.main(["transcribe", "--model-dir", str(root / "exp"), "--graph-dir", str(root / "graph"),
                   "--aux-out", str(tmp_path / "aux.txt")] + [str(w) for w in wavs] + [str(out)])
    assert rc == 0
    lines = out.read_text().splitlines()
    assert [line.split()[0] for line in lines] == [f"spoken_{w.lower()}" for w in words]
    assert all(set(line.split()[1:]) <= set(PRONS) for line in lines)
    assert capsys.readouterr().out.splitlines() == lines
    aux = (tmp_path / "aux.txt").read_text().splitlines()
    assert len(aux) == 3
    assert all(a.split()[1] == "accent" and a.split()[2] in ("USA", "BEL-French") for a in aux)

    # a data dir with wav.scp only (held-out takes), two processes: far better than chance (10%)
    d = tmp_path / "untranscribed"
    d.mkdir()
    test = {f"{s}_{dg}_{k}": fsdd_dir / "recordings" / f"{dg}_{s}_{k}.wav" for s in ACCENT for dg in range(10) for k in (0,)}
    (d / "wav.scp").write_text("".join(f"{u} {p}\n" for u, p in sorted(test.items())))
    rc = cli.main(["transcribe", "--nj", "2", "--model-dir", str(root / "exp"), "--graph-dir", str(root / "graph"),
                   str(d), str(tmp_path / "hyp2.txt")])
    assert rc == 0
    hyp = dict(line.split(" ", 1) if " " in line else (line, "") for line in (tmp_path / "hyp2.txt").read_text().splitlines())
    assert sorted(hyp) == sorted(test)
    correct = sum(hyp[u] == list(PRONS)[int(u.split("_")[1])] for u in test)
    assert correct >= 0.5 * len(test), hyp
    print(f"transcribe: {correct}/{len(test)} correct")


def test_help_and_errors(model, tmp_path, capsys):
    root = model
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "transcribe" in out
    assert "adapt" in out
    assert "compute-wer" in out
    assert cli.main(["no-such-command"]) == 1
    assert "unknown command" in capsys.readouterr().err
    # a wav that does not exist, and a graph of another lang: clear errors
    rc = cli.main(["transcribe", "--model-dir", str(root / "exp"), "--graph-dir", str(root / "graph"),
                   str(tmp_path / "missing.wav"), str(tmp_path / "o.txt")])
    assert rc == 1
    assert "missing.wav" in capsys.readouterr().err
    other = tmp_path / "graph"
    shutil.copytree(root / "graph", other)
    (other / "num_pdfs").write_text("7\n")
    (tmp_path / "a.wav").write_bytes((root / "exp/conf/fbank.conf").read_bytes())
    rc = cli.main(["transcribe", "--model-dir", str(root / "exp"), "--graph-dir", str(other), str(tmp_path / "a.wav"),
                   str(tmp_path / "o.txt")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "pdfs but graph dir" in err
    assert str(other) in err
    assert str(root / "exp/tree") in err
    assert not (tmp_path / "o.txt").exists()
