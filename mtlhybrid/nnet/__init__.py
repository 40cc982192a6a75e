"""The multi-task neural acoustic model of the hybrid system.

One network, shared layers (or soft-shared towers), one head per task: senones from the
GMM system's alignments (the primary task, whose log-posteriors minus log-priors feed the
decoder), phones or phone states from the same alignments, senones of other trees or
corpora, and utterance labels such as accent (optionally adversarial).

Where things live:

* :mod:`~mtlhybrid.nnet.config` — the YAML config (tasks, model, train, corpora), strictly checked.
* :mod:`~mtlhybrid.nnet.targets` — targets from ``ali.*.gz`` + ``final.mdl`` and from ``utt2<label>``; task identities.
* :mod:`~mtlhybrid.nnet.inputs` — paths to trainer inputs (features through FeatureReader).
* :mod:`~mtlhybrid.nnet.layers`, :mod:`~mtlhybrid.nnet.model` — TDNN/MLP trunk, pooling, gradient reversal, heads.
* :mod:`~mtlhybrid.nnet.losses` — masked cross-entropy, static and uncertainty weighting.
* :mod:`~mtlhybrid.nnet.chunks` — chunk sampling and batches.
* :mod:`~mtlhybrid.nnet.trainer`, :mod:`~mtlhybrid.nnet.schedule` — training, validation, early stopping, resume, DDP.
* :mod:`~mtlhybrid.nnet.checkpoint` — safe checkpoints, identity checks, averaging.
* :mod:`~mtlhybrid.nnet.priors`, :mod:`~mtlhybrid.nnet.inference`, :mod:`~mtlhybrid.nnet.metrics` — decoding outputs and accent scoring.
* ``configs/`` — example configs (multi-task, single-task baseline, multilingual).
"""
