"""Tiny but real inputs for tests and demos of the network code, without a GMM pipeline.

:func:`fsdd_fbank` computes log-mel features of a few FSDD recordings with
kaldi-native-fbank (per-utterance mean normalisation standing in for CMVN).
:func:`write_toy_alignments` writes an alignment dir as ``steps/align_si.sh`` leaves it
(``final.mdl``, ``tree``, ``ali.1.gz``, plus a ``phones.txt``) in which each utterance is
one phone (e.g. the spoken digit) whose three HMM states split its frames in thirds: a
learnable stand-in for real senone alignments that goes through the real transition
model and alignment readers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Mapping, Sequence, Union

import numpy as np

PathLike = Union[str, Path]

_TOPO = """<Topology>
<TopologyEntry>
<ForPhones>
{phones}
</ForPhones>
<State> 0 <PdfClass> 0 <Transition> 0 0.75 <Transition> 1 0.25 </State>
<State> 1 <PdfClass> 1 <Transition> 1 0.75 <Transition> 2 0.25 </State>
<State> 2 <PdfClass> 2 <Transition> 2 0.75 <Transition> 3 0.25 </State>
<State> 3 </State>
</TopologyEntry>
</Topology>
"""


def fsdd_fbank(fsdd_dir: PathLike, stems: Sequence[str], num_bins: int = 23) -> Dict[str, np.ndarray]:
    """stem (e.g. ``3_theo_7``) -> float32 [frames, num_bins] log-mel features, mean-normalised."""
    import kaldi_native_fbank as knf
    import soundfile as sf

    out = {}
    for stem in stems:
        wav, sr = sf.read(str(Path(fsdd_dir) / "recordings" / f"{stem}.wav"), dtype="float32")
        if wav.ndim > 1:
            wav = wav[:, 0]
        opts = knf.FbankOptions()
        opts.frame_opts.samp_freq = sr
        opts.frame_opts.dither = 0.0
        opts.mel_opts.num_bins = num_bins
        fb = knf.OnlineFbank(opts)
        fb.accept_waveform(sr, wav.tolist())
        fb.input_finished()
        x = np.stack([fb.get_frame(i) for i in range(fb.num_frames_ready)]).astype(np.float32)
        out[stem] = x - x.mean(axis=0, keepdims=True)
    return out


def write_toy_alignments(ali_dir: PathLike, num_frames: Mapping[str, int], utt2phone: Mapping[str, int],
                         phone_names: Sequence[str]) -> None:
    """Write a monophone alignment dir where utterance ``u`` is phone ``utt2phone[u]`` (1-based id).

    ``phone_names[i]`` names phone id ``i + 1``; ``phones.txt`` (with ``<eps>`` 0) goes into the dir too.
    """
    from mtlhybrid.hmm.model_file import save_model
    from mtlhybrid.hmm.topology import Topology
    from mtlhybrid.hmm.transition_model import TransitionModel
    from mtlhybrid.hmm.tree import monophone_tree
    from mtlhybrid.utils.io import write_symbol_table
    from mtlhybrid.utils.kaldi_io import write_int_vectors

    ali_dir = Path(ali_dir)
    ali_dir.mkdir(parents=True, exist_ok=True)
    phones = list(range(1, len(phone_names) + 1))
    topo = Topology.from_text(_TOPO.format(phones=" ".join(map(str, phones))))
    tree = monophone_tree(topo)
    tm = TransitionModel(topo, tree)
    loop = {}
    for tid in range(1, tm.num_transition_ids + 1):
        if tm.is_self_loop(tid):
            loop[(tm.transition_id_to_phone(tid), tm.transition_id_to_hmm_state(tid))] = tid
    alis = {}
    for utt, T in num_frames.items():
        p = int(utt2phone[utt])
        states = np.minimum((np.arange(T) * 3) // max(T, 1), 2)
        alis[utt] = np.array([loop[(p, int(s))] for s in states], dtype=np.int32)
    save_model(ali_dir / "final.mdl", tm)
    tree.write(ali_dir / "tree")
    write_int_vectors(ali_dir / "ali.1.gz", alis)
    (ali_dir / "num_jobs").write_text("1\n")
    write_symbol_table(ali_dir / "phones.txt", [("<eps>", 0)] + [(n, i + 1) for i, n in enumerate(phone_names)])
