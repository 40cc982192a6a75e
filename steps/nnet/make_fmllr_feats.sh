#!/usr/bin/env bash
# Writes a GMM system's features as a new data dir, as Kaldi's steps/nnet/make_fmllr_feats.sh:
# the source data dir's features through the system's pipeline (CMVN, then splicing and
# final.mat for an LDA+MLLT or SAT system, or deltas), and with --transform-dir the per-speaker
# fMLLR transforms there (trans.JOB of steps/align_fmllr.sh or steps/decode_fmllr.sh, whose
# job split this follows). A network then trains and decodes on <tgt-data-dir> like on any
# features, with --cmvn-opts "--apply-cmvn false" (they are normalised already). Every other
# table of the source (text, utt2spk, label files) is copied. The work is
# mtlhybrid.bin.transform_feats.

# Begin configuration section.
nj=4                   # jobs without --transform-dir (with it: the transform dir's num_jobs)
cmd=run.pl
transform_dir=         # dir with trans.JOB and num_jobs (fMLLR); empty: the speaker-independent features
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <tgt-data-dir> <src-data-dir> <gmm-dir> <log-dir> <fea-dir>
 e.g.: $0 --transform-dir exp/tri3b_ali data/train_fmllr data/train exp/tri3b exp/make_fmllr/train fmllr
main options (for others, see top of script file)
  --transform-dir <dir>      # fMLLR transforms trans.JOB (default: none)
  --nj <nj>                  # jobs without --transform-dir (default $nj)
  --cmd <cmd>                # run.pl, slurm.pl or queue.pl (default $cmd)"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 5 ]; then
  echo "$help_message" >&2
  exit 1
fi
data=$1
srcdata=$2
gmmdir=$3
logdir=$4
feadir=$5

for f in $srcdata/feats.scp $srcdata/cmvn.scp $srcdata/utt2spk $gmmdir/final.mdl; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
feat_opts=$(steps/internal/gmm_feat_opts.sh $gmmdir)
if [ -n "$transform_dir" ]; then
  for f in $transform_dir/num_jobs $transform_dir/trans.1; do
    [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
  done
  nj=$(cat $transform_dir/num_jobs)
  feat_opts="$feat_opts --spk-transforms ark:$transform_dir/trans.JOB"
elif [ -f $gmmdir/final.alimdl ]; then
  echo "$0: warning: $gmmdir is a SAT system but no --transform-dir was given: speaker-independent features" >&2
fi
[ "$(readlink -f $srcdata)" == "$(readlink -f $data)" ] && echo "$0: <tgt-data-dir> must differ from <src-data-dir>" >&2 && exit 1
name=$(basename $data)
mkdir -p $logdir $feadir
feadir=$(cd $feadir && pwd)
utils/split_data.sh $srcdata $nj
sdata=$srcdata/split$nj

rm -rf $data
utils/copy_data_dir.sh $srcdata $data
rm -f $data/feats.scp $data/cmvn.scp $data/utt2num_frames
rm -rf $data/split* $data/conf

$cmd JOB=1:$nj $logdir/make_fmllr_feats.JOB.log \
  python3 -m mtlhybrid.bin.transform_feats $feat_opts $sdata/JOB \
    ark,scp:$feadir/feats_fmllr_$name.JOB.ark,$feadir/feats_fmllr_$name.JOB.scp
for n in $(seq $nj); do cat $feadir/feats_fmllr_$name.$n.scp; done | sort > $data/feats.scp

nsrc=$(wc -l < $srcdata/feats.scp)
nout=$(wc -l < $data/feats.scp)
if [ $nsrc -ne $nout ]; then
  echo "$0: wrote $nout of $nsrc utterances' features (see $logdir/make_fmllr_feats.*.log)" >&2
  exit 1
fi
echo "$gmmdir${transform_dir:+ with the transforms of $transform_dir}" > $data/fmllr_source
echo "$0: wrote $data: $nout utterances, features of $gmmdir"
