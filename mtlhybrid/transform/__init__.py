"""Feature-space linear transforms of the GMM systems: LDA, MLLT (semi-tied covariance)
and per-speaker fMLLR, with Kaldi's matrix files (``final.mat``, ``trans.JOB``)."""
