#!/usr/bin/env bash
# Prints the feature options the GMM tools need for the system in <dir>, as Kaldi's scripts
# choose feat_type: a dir with final.mat (steps/train_lda_mllt.sh, steps/train_sat.sh) gets
# its CMVN options, its splice options and --transform <dir>/final.mat; any other dir its CMVN
# and delta options. fMLLR transforms are added by the scripts that have them (--spk-transforms).
# Usage: steps/internal/gmm_feat_opts.sh <dir>

if [ $# != 1 ]; then
  echo "Usage: $0 <dir>" >&2
  exit 1
fi
dir=$1
cmvn_opts=$(cat $dir/cmvn_opts 2>/dev/null || echo "--apply-cmvn true --norm-vars false")
if [ -f $dir/final.mat ]; then
  [ ! -f $dir/splice_opts ] && echo "$0: $dir/final.mat but no $dir/splice_opts" >&2 && exit 1
  echo "$cmvn_opts $(cat $dir/splice_opts) --transform $dir/final.mat"
else
  echo "$cmvn_opts $(cat $dir/delta_opts 2>/dev/null || echo "--delta-order 2")"
fi
