"""Diagonal-covariance GMMs and their EM training on torch tensors (CPU or CUDA), plus numpy kernels.

* :mod:`.diag_gmm`: :class:`DiagGmm`, :class:`AmDiagGmm` (one mixture per pdf, packed).
* :mod:`.accumulate`: :class:`AccumAmDiagGmm` (E-step statistics).
* :mod:`.acc_file`: accumulator files (numpy, no torch).
* :mod:`.numpy_gmm`: scoring and E-step statistics in numpy for the CPU tools (no torch).
* :mod:`.mle`: :func:`mle_update` (M-step with flooring and low-count removal).
* :mod:`.mixup`: :func:`split_to_total` (mixing up toward a total Gaussian count).

The names below are loaded on first use (PEP 562), so that ``import mtlhybrid.gmm.<module>``
of a torch-free module (the CPU tools) does not import torch, which costs seconds per process.
"""

import importlib

_EXPORTS = {
    "AccumAmDiagGmm": "accumulate", "load_accs": "accumulate", "save_accs": "accumulate", "sum_accs": "accumulate",
    "AmDiagGmm": "diag_gmm", "DiagGmm": "diag_gmm",
    "get_split_targets": "mixup", "split_to_total": "mixup",
    "MleOptions": "mle", "MleStats": "mle", "auxiliary_objective": "mle", "mle_update": "mle",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
