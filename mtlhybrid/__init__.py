"""mtlhybrid: a Kaldi-style hybrid DNN-HMM toolkit whose acoustic model learns several tasks at once."""

__version__ = "0.1.0"
