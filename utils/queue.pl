#!/usr/bin/env bash
# Kaldi's utils/queue.pl: same arguments and semantics; the work is in mtlhybrid/jobs/cluster.py.
exec python3 -m mtlhybrid.bin.queue_pl "$@"
