"""Using a trained hybrid network: its experiment dir, and transcribing audio with it.

* :mod:`~mtlhybrid.hybrid.model_dir` — what steps/nnet/train_mtl.sh leaves in <exp-dir>, consistency checks.
* :mod:`~mtlhybrid.hybrid.transcribe` — audio files in, word sequences out (``mtlhybrid transcribe``).

Batch decoding of data dirs is ``steps/nnet/decode.sh`` (nnet_forward | latgen | score.sh).
"""

from mtlhybrid.hybrid.model_dir import ModelDir

__all__ = ["ModelDir"]
