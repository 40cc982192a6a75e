"""CMVN stats and apply-cmvn, deltas, splicing and FeatureReader, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from mtlhybrid.features.cmvn import apply_cmvn, compute_cmvn_stats, fake_cmvn_stats, write_stats_ark_scp
from mtlhybrid.features.deltas import add_deltas, delta_scales
from mtlhybrid.features.reader import FeatureReader
from mtlhybrid.features.splice import splice_frames
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.kaldi_io import write_matrices_ark_scp


def test_stats_layout_and_apply():
    a = np.array([[1.0, 2.0], [3.0, 6.0]], dtype=np.float32)
    b = np.array([[5.0, 10.0]], dtype=np.float32)
    st = compute_cmvn_stats([a, b])
    assert st.dtype == np.float64
    assert st.shape == (2, 3)
    np.testing.assert_array_equal(st, [[9.0, 18.0, 3.0], [35.0, 140.0, 0.0]])
    # means 3 and 6; variances 35/3 - 9 = 8/3 and 140/3 - 36 = 32/3
    m = apply_cmvn(a, st)
    np.testing.assert_allclose(m, [[-2.0, -4.0], [0.0, 0.0]])
    v = apply_cmvn(np.vstack([a, b]), st, norm_vars=True)
    np.testing.assert_allclose(v.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(v.var(axis=0), 1.0, atol=1e-5)
    np.testing.assert_allclose(v[0], [-2.0 / np.sqrt(8 / 3), -4.0 / np.sqrt(32 / 3)], rtol=1e-6)


def test_fake_stats_do_nothing_and_errors():
    x = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    np.testing.assert_allclose(apply_cmvn(x, fake_cmvn_stats(4), norm_vars=True), x, atol=1e-6)
    with pytest.raises(MismatchError, match="dim mismatch"):
        apply_cmvn(x, fake_cmvn_stats(5))
    low = fake_cmvn_stats(4)
    low[0, 4] = 0.5
    with pytest.raises(DataError, match="count = 0.5"):
        apply_cmvn(x, low)


def test_deltas_hand_computed():
    # window 2: d[t] = sum_j j * x[t+j] / 10, edges repeat the first/last frame
    x = np.array([[0.0], [1.0], [4.0], [9.0], [16.0]], dtype=np.float32)
    d = add_deltas(x, order=1)
    assert d.shape == (5, 2)
    # t=0: (-2*0 - 1*0 + 1*1 + 2*4) / 10 = 0.9   t=1: (-2*0 - 1*0 + 1*4 + 2*9) / 10 = 2.2
    # t=2: (-2*0 - 1*1 + 1*9 + 2*16) / 10 = 4.0  t=3: (-2*1 - 1*4 + 1*16 + 2*16) / 10 = 4.2
    # t=4: (-2*4 - 1*9 + 1*16 + 2*16) / 10 = 3.1
    np.testing.assert_allclose(d[:, 1], [0.9, 2.2, 4.0, 4.2, 3.1], rtol=1e-6)
    s = delta_scales(2, 2)
    assert s[2].shape == (9,)
    assert s[2][4] == pytest.approx(-10.0 / 100.0)
    dd = add_deltas(x, order=2)
    assert dd.shape == (5, 3)
    np.testing.assert_allclose(dd[:, :2], d, rtol=1e-6)
    np.testing.assert_allclose(dd[2, 2], np.dot(s[2], x[np.clip(np.arange(-4, 5) + 2, 0, 4), 0]), rtol=1e-6)
    # the delta of a linear ramp is its slope away from the edges
    ramp = np.arange(20, dtype=np.float32)[:, None] * 3.0
    np.testing.assert_allclose(add_deltas(ramp, 2)[4:-4, 1:], [[3.0, 0.0]] * 12, atol=1e-5)


def test_splice_edges():
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    s = splice_frames(x, 2, 1)
    assert s.shape == (4, 8)
    np.testing.assert_array_equal(s[0], [0, 1, 0, 1, 0, 1, 2, 3])
    np.testing.assert_array_equal(s[3], [2, 3, 4, 5, 6, 7, 6, 7])
    np.testing.assert_array_equal(splice_frames(x, 0, 0), x)


def test_feature_reader(tmp_path):
    rng = np.random.default_rng(1)
    feats = {f"s{k}_u{i}": rng.normal(loc=k, size=(10 + i, 3)).astype(np.float32) for k in (1, 2) for i in range(2)}
    d = tmp_path / "data"
    d.mkdir()
    write_matrices_ark_scp(d / "raw.ark", d / "feats.scp", sorted(feats.items()))
    (d / "utt2spk").write_text("".join(f"{u} {u.split('_')[0]}\n" for u in sorted(feats)))
    stats = {s: compute_cmvn_stats([feats[u] for u in feats if u.startswith(s)]) for s in ("s1", "s2")}
    write_stats_ark_scp(d / "cmvn.ark", d / "cmvn.scp", sorted(stats.items()))
    r = FeatureReader(d, apply_cmvn=True, norm_vars=False, delta_order=2, splice=(1, 1))
    assert len(r) == 4
    assert "s2_u1" in r
    assert list(r) == sorted(feats)
    assert r.dim == 3 * 3 * 3
    out = r["s2_u1"]
    assert out.dtype == np.float32
    assert out.shape == (11, 27)
    expected = splice_frames(add_deltas(apply_cmvn(feats["s2_u1"], stats["s2"]), 2), 1, 1)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    # speaker means are removed over all of the speaker's frames
    both = np.vstack([FeatureReader(d)[u] for u in ("s1_u0", "s1_u1")])
    np.testing.assert_allclose(both.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_array_equal(FeatureReader(d, apply_cmvn=False)["s1_u0"], feats["s1_u0"])
    (d / "cmvn.scp").write_text((d / "cmvn.scp").read_text().splitlines()[0] + "\n")
    with pytest.raises(DataError, match="utterance s2_u0: speaker s2 has no CMVN stats"):
        FeatureReader(d)["s2_u0"]
    (d / "cmvn.scp").unlink()
    with pytest.raises(DataError, match="cmvn.scp"):
        FeatureReader(d)
