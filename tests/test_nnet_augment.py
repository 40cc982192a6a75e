"""Training-time augmentation: frequency warping moves spectral peaks, masks hit spans, configs check."""

import pytest
import torch

from mtlhybrid.nnet.augment import augment_features, warp_frequency
from mtlhybrid.nnet.config import AugmentConfig, config_from_dict
from mtlhybrid.utils.errors import DataError


def _peaks(feats):
    return feats.argmax(dim=2)


def test_warp_moves_a_peak_in_the_direction_of_the_factor():
    d = 40
    x = torch.zeros(64, 3, d)
    x[:, :, 20] = 1.0  # one spectral peak at bin 20
    torch.manual_seed(0)
    y = warp_frequency(x, 0.2)
    peaks = _peaks(y)[:, 0]
    # Factors in [0.8, 1.2] put the peak between bins 16 and 24, and not always in place.
    assert peaks.min() >= 16
    assert peaks.max() <= 24
    assert (peaks > 20).any()
    assert (peaks < 20).any()
    # The same factor for every frame of a sequence.
    assert (_peaks(y) == peaks.unsqueeze(1)).all()


def test_zero_warp_is_identity():
    x = torch.randn(4, 7, 40)
    assert torch.allclose(warp_frequency(x, 0.0), x)


def test_masks_zero_spans_of_bounded_width():
    torch.manual_seed(1)
    x = torch.ones(32, 50, 40)
    y = augment_features(x, AugmentConfig(freq_masks=1, freq_mask_width=6, time_masks=0))
    zero_bins = (y == 0).all(dim=1).sum(dim=1)  # masked bins per sequence
    assert zero_bins.max() <= 6
    assert zero_bins.sum() > 0
    assert ((y == 0) | (y == 1)).all()
    y = augment_features(x, AugmentConfig(time_masks=2, time_mask_width=5))
    zero_frames = (y == 0).all(dim=2).sum(dim=1)
    assert zero_frames.max() <= 10
    assert zero_frames.sum() > 0


def test_config_section_defaults_off_and_rejects_bad_values():
    base = {"tasks": [{"name": "senone", "source": "pdf"}]}
    assert not config_from_dict(base).augment.active
    cfg = config_from_dict({**base, "augment": {"freq_warp": 0.1, "freq_masks": 2}})
    assert cfg.augment.active
    assert cfg.to_dict()["augment"]["freq_warp"] == 0.1
    with pytest.raises(DataError, match="freq_warp"):
        config_from_dict({**base, "augment": {"freq_warp": 0.7}})
    with pytest.raises(DataError, match="unknown key augment.warp"):
        config_from_dict({**base, "augment": {"warp": 0.1}})
