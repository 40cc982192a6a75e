"""Features: mtlhybrid's fbank path vs kaldi-native-fbank called directly vs lhotse's ``Fbank``.

Usage: python -m bench.features [--num-utts N] [--rounds R] [--out JSON] <wav-dir>

Same audio (the first N ``*.wav`` files of ``<wav-dir>``, e.g. FSDD's recordings, read
once into memory), same settings (80 mel bins, 25/10 ms frames, no dither,
``snip_edges=false``, mel band 20 Hz..Nyquist-400 Hz, where lhotse's defaults and
Kaldi's agree), one thread. Per utterance the three are called in turn (interleaved),
R rounds, then lhotse's ``extract_batch`` and mtlhybrid's batched numpy fbank
(:func:`mtlhybrid.features.fbank_batch.fbank_many`) on all of them at once, and the
batched fbank per utterance (``fbank-batch-1``) in the interleaved loop; reported: x real time per core (audio seconds per CPU second) and each
one's CPU time relative to kaldi-native-fbank direct, the batched fbank's largest and
99.9th-percentile absolute difference from kaldi-native-fbank, plus the median absolute difference
between mtlhybrid's and lhotse's features (lhotse gets samples in [-1, 1], so its
log-mel values sit log(32768^2) = 20.79 lower; that offset is removed first; frames of
digital silence differ more, as the two floor the energy differently).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from bench.common import Timer, finish, one_thread


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.features", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--num-utts", type=int, default=200)
    p.add_argument("--sample-frequency", type=int, default=0, help="resample to this rate first (0: the files' rate)")
    p.add_argument("--num-mel-bins", type=int, default=80)
    p.add_argument("--high-freq", type=float, default=-400.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", default="bench/results/features.json")
    p.add_argument("wav_dir")
    a = p.parse_args(argv)
    one_thread()
    import kaldi_native_fbank as knf
    from lhotse.features.kaldi.extractors import Fbank, FbankConfig

    from mtlhybrid.data.audio import read_audio
    from mtlhybrid.features.compute import compute_features
    from mtlhybrid.features.config import FeatureConfig
    from mtlhybrid.features.fbank_batch import fbank_many

    wavs = sorted(Path(a.wav_dir).glob("*.wav"))[: a.num_utts]
    audio = [read_audio(str(w)) for w in wavs]
    if a.sample_frequency:
        from mtlhybrid.data.audio import resample

        audio = [(resample(x, r, a.sample_frequency), a.sample_frequency) for x, r in audio]
    rate = audio[0][1]
    cfg = FeatureConfig(kind="fbank", sample_frequency=rate, num_mel_bins=a.num_mel_bins, dither=0.0, snip_edges=False,
                        low_freq=20.0, high_freq=a.high_freq)
    kopts = cfg.to_knf()
    lhotse_fb = Fbank(FbankConfig(sampling_rate=rate, num_filters=a.num_mel_bins, dither=0.0, snip_edges=False, high_freq=a.high_freq))

    def ours(x):
        return compute_features(x, rate, cfg)

    def knf_direct(x):
        c = knf.OnlineFbank(kopts)
        c.accept_waveform(float(rate), x * np.float32(32768.0))
        c.input_finished()
        return np.stack([c.get_frame(i) for i in range(c.num_frames_ready)])

    def lhotse(x):
        return lhotse_fb.extract(x, rate)

    t = Timer()
    diffs, batch_diffs = [], []
    secs = 0.0
    for _ in range(a.rounds):
        for x, r in audio:
            secs += len(x) / r
            with t("mtlhybrid"):
                f1 = ours(x)
            with t("knf-direct"):
                f2 = knf_direct(x)
            with t("fbank-batch-1"):
                f4 = fbank_many([x * np.float32(32768.0)], cfg)[0]
            batch_diffs.append(np.abs(f4 - f2).reshape(-1))
            with t("lhotse"):
                f3 = lhotse(x)
            n = min(len(f1), len(f3))
            diffs.append(float(np.median(np.abs(f1[:n] - (f3[:n] + 2 * math.log(32768.0))))))
        with t("lhotse-batch"):  # all utterances in one call (padded and vectorized by lhotse)
            lhotse_fb.extract_batch([x for x, _ in audio], rate)
        with t("fbank-batch"):  # all utterances in one call (mtlhybrid.features.fbank_batch)
            fbank_many([x * np.float32(32768.0) for x, _ in audio], cfg)
    bd = np.concatenate(batch_diffs)
    base = t.cpu["knf-direct"]
    rows = [[k, secs / t.cpu[k], secs / t.wall[k], t.cpu[k] / base] for k in ("mtlhybrid", "knf-direct", "lhotse", "lhotse-batch", "fbank-batch-1", "fbank-batch")]
    finish("features", a.out, {"utterances": len(audio), "rounds": a.rounds, "audio_seconds": secs, "cpu_seconds": t.cpu,
                               "wall_seconds": t.wall, "median_abs_diff_mtlhybrid_vs_lhotse": float(np.median(diffs)),
                               "fbank_batch_vs_knf_abs_diff": {"max": float(bd.max()), "p99.9": float(np.percentile(bd, 99.9)),
                                                               "fraction_over_1e-4": float(np.mean(bd > 1e-4))}},
           rows, ["path", "x real time (CPU)", "x real time (wall)", "CPU time / knf-direct"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
