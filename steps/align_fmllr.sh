#!/usr/bin/env bash
# Aligns a data dir with a SAT system (steps/train_sat.sh), as Kaldi's steps/align_fmllr.sh:
# a first alignment with the speaker-independent model (final.alimdl, or final.mdl) on
# speaker-independent features, fMLLR transforms per speaker estimated from it under
# final.mdl (trans.JOB), then the final alignment with final.mdl on the adapted features.
# Writes ali.JOB.gz, trans.JOB, fsts.JOB.gz (the training graphs, compiled once for both
# passes), num_jobs, final.mdl, tree, phones.txt, cmvn_opts and the source's final.mat and
# splice_opts: a dir steps/train_sat.sh can start from.

# Begin configuration section.
nj=4
cmd=run.pl
scale_opts="--transition-scale 1.0 --acoustic-scale 0.1 --self-loop-scale 0.1"
beam=10
retry_beam=40
boost_silence=1.0
silence_weight=0.0     # weight of silence frames in the fMLLR statistics
allow_oov=false        # true: words not in words.txt map to the lang's OOV word (counted in the log)
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <data-dir> <lang-dir> <src-dir> <align-dir>
 e.g.: $0 data/train data/lang exp/tri3b exp/tri3b_ali
main options (for others, see top of script file)
  --nj <nj>                  # number of parallel jobs (default $nj)
  --cmd <cmd>                # run.pl, slurm.pl or queue.pl (default $cmd)
  --beam <beam>              # alignment beam (default $beam)
  --retry-beam <beam>        # beam for utterances that fail (default $retry_beam)
  --silence-weight <x>       # weight of silence in fMLLR statistics (default $silence_weight)"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 4 ]; then
  echo "$help_message" >&2
  exit 1
fi

data=$1
lang=$2
srcdir=$3
dir=$4

for f in $data/feats.scp $data/cmvn.scp $data/text $data/utt2spk $lang/L.fst $lang/words.txt $lang/oov.int \
         $lang/phones/silence.csl $srcdir/final.mdl $srcdir/tree; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
utils/check_phones_compatible.sh $lang/phones.txt $srcdir/phones.txt

silphonelist=$(cat $lang/phones/silence.csl)
mkdir -p $dir/log
echo $nj > $dir/num_jobs
utils/split_data.sh $data $nj
sdata=$data/split$nj
for f in cmvn_opts delta_opts splice_opts final.mat full.mat; do
  rm -f $dir/$f
  [ -f $srcdir/$f ] && cp $srcdir/$f $dir/
done
cp $srcdir/phones.txt $srcdir/tree $dir/
cp $srcdir/final.mdl $dir/final.mdl  # copies: the ali dir must survive retraining of the source
alimdl=$srcdir/final.mdl
[ -f $srcdir/final.alimdl ] && cp $srcdir/final.alimdl $dir/final.alimdl && alimdl=$dir/final.alimdl
sifeat_opts=$(steps/internal/gmm_feat_opts.sh $dir)
py="python3 -m mtlhybrid.bin"

steps/internal/transcripts_to_int.sh $allow_oov $lang $sdata $nj $dir

# Training graphs depend on the tree and the transcripts only (the aligner adds the model's
# transition probabilities): compiled once, read by both passes, as Kaldi's fsts.JOB.gz.
echo "$0: compiling training graphs"
$cmd JOB=1:$nj $dir/log/compile_graphs.JOB.log \
  $py.compile_train_graphs $dir/tree $dir/final.mdl $lang/L.fst $dir/text.JOB.int ark:$dir/fsts.JOB.gz

echo "$0: aligning $data with the speaker-independent model $alimdl"
$cmd JOB=1:$nj $dir/log/align_pass1.JOB.log \
  $py.gmm_align_compiled $sifeat_opts --boost-silence $boost_silence --silence-phones $silphonelist \
    $scale_opts --beam $beam --retry-beam $retry_beam \
    $alimdl ark:$dir/fsts.JOB.gz $sdata/JOB ark:$dir/pre_ali.JOB.gz

echo "$0: estimating fMLLR transforms"
$cmd JOB=1:$nj $dir/log/fmllr.JOB.log \
  $py.gmm_est_fmllr $sifeat_opts --silence-phones $silphonelist --silence-weight $silence_weight \
    $dir/final.mdl $sdata/JOB ark:$dir/pre_ali.JOB.gz ark:$dir/trans.JOB

echo "$0: aligning $data with $srcdir/final.mdl on the adapted features"
$cmd JOB=1:$nj $dir/log/align.JOB.log \
  $py.gmm_align_compiled $sifeat_opts --spk-transforms ark:$dir/trans.JOB --boost-silence $boost_silence \
    --silence-phones $silphonelist $scale_opts --beam $beam --retry-beam $retry_beam \
    $dir/final.mdl ark:$dir/fsts.JOB.gz $sdata/JOB ark:$dir/ali.JOB.gz
rm $dir/pre_ali.*.gz

steps/summarize_alignment_logs.sh $dir
echo "$0: done aligning data."
