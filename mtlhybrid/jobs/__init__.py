"""Kaldi's job runners: ``utils/run.pl``, ``utils/slurm.pl`` and ``utils/queue.pl``.

One command line (:mod:`.spec`), one log format (:mod:`.logs`), three ways of running the
jobs: on this machine (:mod:`.local`) or submitted to a cluster as an array job
(:mod:`.cluster`). The entry points in ``mtlhybrid/bin/{run,slurm,queue}_pl.py`` only
call :func:`.cli.jobs_main`.
"""
