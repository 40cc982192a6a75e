"""Benchmarks of each stage against its alternative; see BENCHMARKS.md."""

import os as _os

# One BLAS / OpenMP thread, set before any bench module imports numpy or torch (OpenBLAS
# reads it when loaded): the benchmarks compare per-core speed, and the job runner gives
# every tool the same (mtlhybrid.jobs.local.job_environment).
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_v, "1")
