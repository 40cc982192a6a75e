"""Corpus preparation: turn a corpus folder into Kaldi data directories (FSDD, synthesized accents)."""
