#!/usr/bin/env bash
# Aligns a data dir with a hybrid network, as Kaldi's steps/nnet/align.sh: per job the
# network's scores (senone log-posteriors minus log-priors, nnet_forward) go through the
# same forced aligner as the GMM's (align_mapped, training graphs compiled from the
# transcripts). Writes <align-dir>/ali.JOB.gz, num_jobs, final.mdl, tree, phones.txt,
# cmvn_opts and delta_opts: the layout of steps/align_si.sh, so these alignments feed
# steps/nnet/train_mtl.sh and steps/nnet/train_mpe.sh (numerator alignments) alike.
# Utterances that fail with --beam are retried with --retry-beam, then logged by id and counted.

# Begin configuration section.
nj=4
cmd=run.pl
scale_opts="--transition-scale 1.0 --acoustic-scale 0.1 --self-loop-scale 0.1"
beam=10
retry_beam=40
prior_scale=1.0        # log-prior weight subtracted from the log-posteriors
device=cpu
allow_oov=false        # true: words not in words.txt map to the lang's OOV word (counted in the log)
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <data-dir> <lang-dir> <nnet-dir> <align-dir>
 e.g.: $0 data/train data/lang exp/mtl exp/mtl_ali
main options (for others, see top of script file)
  --nj <nj>                  # number of parallel jobs (default $nj)
  --cmd <cmd>                # run.pl, slurm.pl or queue.pl (default $cmd)
  --beam <beam>              # alignment beam (default $beam)
  --retry-beam <beam>        # beam for utterances that fail (default $retry_beam)
  --scale-opts <opts>        # (default '$scale_opts')
  --prior-scale <float>      # weight of the log-priors (default $prior_scale)
  --device <cpu|cuda>        # where the network runs (default $device)
  --allow-oov <bool>         # map unknown words to the OOV word (default $allow_oov)"

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

for f in $data/feats.scp $data/text $lang/L.fst $lang/words.txt $lang/oov.int \
         $srcdir/final.pt $srcdir/final.mdl $srcdir/tree $srcdir/ali_train_pdf.counts; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
utils/check_phones_compatible.sh $lang/phones.txt $srcdir/phones.txt
cmvn_opts=$(cat $srcdir/cmvn_opts 2>/dev/null || echo "--apply-cmvn true --norm-vars false")
delta_opts=$(cat $srcdir/delta_opts 2>/dev/null || echo "--delta-order 0")
case "$cmvn_opts" in *"--apply-cmvn false"*|*"--apply-cmvn=false"*) ;;
  *) [ ! -f $data/cmvn.scp ] && echo "$0: no such file $data/cmvn.scp" >&2 && exit 1 ;;
esac

mkdir -p $dir/log
num_spk=$(wc -l < $data/spk2utt 2>/dev/null || wc -l < $data/feats.scp)
[ $nj -gt $num_spk ] && nj=$num_spk
echo $nj > $dir/num_jobs
utils/split_data.sh $data $nj >/dev/null
sdata=$data/split$nj
echo "$cmvn_opts" > $dir/cmvn_opts
echo "$delta_opts" > $dir/delta_opts
# copies: the ali dir must survive retraining of the source
cp $srcdir/final.mdl $srcdir/tree $dir/
cp $srcdir/phones.txt $dir/phones.txt 2>/dev/null || cp $lang/phones.txt $dir/phones.txt
py="python3 -m mtlhybrid.bin"

steps/internal/transcripts_to_int.sh $allow_oov $lang $sdata $nj $dir

echo "$0: aligning data in $data using network $srcdir/final.pt, putting alignments in $dir"
rm -f $dir/ali.*.gz
$cmd JOB=1:$nj $dir/log/align.JOB.log \
  $py.nnet_forward $cmvn_opts $delta_opts --device $device --class-frame-counts $srcdir/ali_train_pdf.counts \
    --prior-scale $prior_scale --acoustic-scale 1.0 \
    $srcdir/final.pt $sdata/JOB ark,scp:$dir/scores.JOB.ark,$dir/scores.JOB.scp \&\& \
  $py.align_mapped $scale_opts --beam $beam --retry-beam $retry_beam \
    $dir/tree $dir/final.mdl $lang/L.fst scp:$dir/scores.JOB.scp $dir/text.JOB.int ark:$dir/ali.JOB.gz \
    \&\& rm -f $dir/scores.JOB.ark $dir/scores.JOB.scp \
  || { echo "$0: alignment failed; see $dir/log/align.*.log" >&2; exit 1; }

steps/summarize_alignment_logs.sh $dir
echo "$0: done aligning data."
