"""Features of a data dir as the acoustic models see them.

``FeatureReader(data_dir)`` is a read-only mapping ``utt -> float32 [frames, dim]`` over
``feats.scp``, applying on the fly what Kaldi's training scripts put in their feature
pipelines: ``apply-cmvn --utt2spk`` with per-speaker stats from ``cmvn.scp``, then
``add-deltas``, then ``splice-feats``, then ``transform-feats`` with a global matrix (LDA+MLLT's
``final.mat``), then ``transform-feats --utt2spk`` with per-speaker matrices (fMLLR's
``trans.JOB``). Matrices are loaded lazily, one utterance at a time,
so a large corpus never has to fit in memory; speaker stats are cached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator, Mapping, Optional, Tuple, Union

import numpy as np

from mtlhybrid.features.cmvn import apply_cmvn
from mtlhybrid.features.deltas import add_deltas
from mtlhybrid.features.splice import splice_frames
from mtlhybrid.transform.io import apply_transform
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import read_table

__all__ = ["FeatureReader", "apply_cmvn", "add_deltas", "splice_frames"]


class FeatureReader(Mapping[str, np.ndarray]):
    """utt -> processed features of ``data_dir`` (feats.scp order; ``len``, ``in``, iteration).

    ``apply_cmvn`` needs ``utt2spk`` and ``cmvn.scp`` (per speaker, Kaldi's layout);
    ``norm_vars`` also normalizes variances; ``delta_order`` adds deltas (Kaldi's
    train_deltas uses 2); ``splice=(left, right)`` stacks neighbouring frames;
    ``transform`` (a ``d x D`` or ``d x (D+1)`` matrix) then maps every frame;
    ``speaker_transforms`` (speaker -> matrix, as read from ``trans.JOB``) last, per
    speaker of ``utt2spk``.
    """

    def __init__(
        self,
        data_dir: Union[str, Path],
        apply_cmvn: bool = True,
        norm_vars: bool = False,
        delta_order: int = 0,
        splice: Tuple[int, int] = (0, 0),
        transform: Optional[np.ndarray] = None,
        speaker_transforms: Optional[Mapping[str, np.ndarray]] = None,
    ):
        self.data_dir = Path(data_dir)
        self.apply_cmvn = apply_cmvn
        self.norm_vars = norm_vars
        self.delta_order = int(delta_order)
        self.splice = (int(splice[0]), int(splice[1]))
        feats_scp = self.data_dir / "feats.scp"
        if not feats_scp.is_file():
            raise DataError("no such file (run steps/make_fbank.sh or make_mfcc.sh first)", path=feats_scp)
        self._feats_scp = feats_scp
        self._scp: Dict[str, str] = read_table(feats_scp)
        self._utt2spk: Dict[str, str] = {}
        self._cmvn_scp: Dict[str, str] = {}
        self._stats_cache: Dict[str, np.ndarray] = {}
        self.transform = None if transform is None else np.asarray(transform, dtype=np.float64)
        self.speaker_transforms = speaker_transforms
        if speaker_transforms is not None and not apply_cmvn:
            if not (self.data_dir / "utt2spk").is_file():
                raise DataError("no such file (needed for per-speaker transforms)", path=self.data_dir / "utt2spk")
            self._utt2spk = read_table(self.data_dir / "utt2spk")
        if apply_cmvn:
            for name in ("utt2spk", "cmvn.scp"):
                if not (self.data_dir / name).is_file():
                    raise DataError(
                        "no such file (needed to apply CMVN; run steps/compute_cmvn_stats.sh, or pass apply_cmvn=False)",
                        path=self.data_dir / name,
                    )
            self._utt2spk = read_table(self.data_dir / "utt2spk")
            self._cmvn_scp = read_table(self.data_dir / "cmvn.scp")
        self._dim: Optional[int] = None

    # -- Mapping ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._scp)

    def __iter__(self) -> Iterator[str]:
        return iter(self._scp)

    def __contains__(self, utt: object) -> bool:
        return utt in self._scp

    def __getitem__(self, utt: str) -> np.ndarray:
        feats = self.raw(utt)
        if self.apply_cmvn:
            feats = apply_cmvn(feats, self.speaker_stats(utt), self.norm_vars)
        if self.delta_order > 0:
            feats = add_deltas(feats, self.delta_order)
        if self.splice != (0, 0):
            feats = splice_frames(feats, *self.splice)
        if self.transform is not None:
            feats = apply_transform(feats, self.transform)
        if self.speaker_transforms is not None:
            feats = apply_transform(feats, self.speaker_transform(utt))
        return np.asarray(feats, dtype=np.float32)

    def speaker_transform(self, utt: str) -> np.ndarray:
        """The per-speaker matrix of ``utt``'s speaker; DataError naming the speaker if missing."""
        spk = self._utt2spk.get(utt)
        if spk is None:
            raise DataError("utterance missing from utt2spk", path=self.data_dir / "utt2spk", utt=utt)
        mat = self.speaker_transforms.get(spk)  # type: ignore[union-attr]
        if mat is None:
            raise DataError(f"no transform for speaker {spk}", path=self.data_dir / "utt2spk", utt=utt)
        return mat

    # -- pieces ----------------------------------------------------------------------------
    def raw(self, utt: str) -> np.ndarray:
        """The stored features of ``utt``, without CMVN, deltas or splicing."""
        from mtlhybrid.utils.kaldi_io import load_matrix

        rx = self._scp[utt]
        try:
            return np.asarray(load_matrix(rx), dtype=np.float32)
        except (OSError, ValueError, EOFError) as e:
            raise DataError(f"cannot read features {rx!r}: {e}", path=self._feats_scp, utt=utt)

    def speaker_stats(self, utt: str) -> np.ndarray:
        """The CMVN stats of ``utt``'s speaker (cached per speaker)."""
        from mtlhybrid.utils.kaldi_io import load_matrix

        spk = self._utt2spk.get(utt)
        if spk is None:
            raise DataError("utterance missing from utt2spk", path=self.data_dir / "utt2spk", utt=utt)
        stats = self._stats_cache.get(spk)
        if stats is None:
            rx = self._cmvn_scp.get(spk)
            if rx is None:
                raise DataError(f"speaker {spk} has no CMVN stats", path=self.data_dir / "cmvn.scp", utt=utt)
            try:
                stats = np.asarray(load_matrix(rx), dtype=np.float64)
            except (OSError, ValueError, EOFError) as e:
                raise DataError(f"cannot read CMVN stats {rx!r} of speaker {spk}: {e}", path=self.data_dir / "cmvn.scp")
            self._stats_cache[spk] = stats
        return stats

    @property
    def raw_dim(self) -> int:
        """Dimension of the stored features (read from the first utterance)."""
        if self._dim is None:
            if not self._scp:
                raise DataError("empty feats.scp", path=self._feats_scp)
            self._dim = int(self.raw(next(iter(self._scp))).shape[1])
        return self._dim

    @property
    def dim(self) -> int:
        """Dimension after deltas, splicing and transforms (what a model's input layer needs)."""
        if self.transform is not None:
            return int(self.transform.shape[0])
        return self.raw_dim * (self.delta_order + 1) * (self.splice[0] + 1 + self.splice[1])
