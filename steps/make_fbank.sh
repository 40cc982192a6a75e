#!/usr/bin/env bash
# Filterbank features for a data dir, as Kaldi's steps/make_fbank.sh: wav.scp (or
# segments) is split into --nj pieces, each job computes features with
# python -m mtlhybrid.bin.compute_fbank_feats (kaldi-native-fbank, Kaldi's numerics) into
# <fbank-dir>/raw_fbank_<name>.JOB.{ark,scp}, and the pieces are combined into
# <data>/feats.scp (+ utt2num_frames, utt2dur, frame_shift, conf/fbank.conf).
#
# Utterances that cannot be processed (unreadable audio, a failing pipe, too short) are
# skipped and named in the job logs, as Kaldi's permissive "scp,p:" reading does; this
# script reports how many are missing and fails, as Kaldi, when fewer than 95% succeeded.
# Features are stored as float32 (--compress true is accepted but not supported).
# Options, usage and the work are shared with the other front end, in
# steps/internal/make_features.sh.

feat_type=fbank
. "$(dirname "$0")/internal/make_features.sh"
