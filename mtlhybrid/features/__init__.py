"""Features: fbank/MFCC (kaldi-native-fbank), Kaldi configs, CMVN, deltas, splicing, reading.

``compute`` turns audio into features with Kaldi's numerics; ``config`` reads Kaldi's
``conf/*.conf`` files; ``extract`` is one job of ``steps/make_fbank.sh``; ``cmvn``,
``deltas`` and ``splice`` are Kaldi's ``apply-cmvn``, ``add-deltas`` and ``splice-feats``;
``reader.FeatureReader`` serves a data dir's processed features to models.
"""
