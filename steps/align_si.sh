#!/usr/bin/env bash
# Aligns a data dir with a GMM system (speaker-independent features), as Kaldi's
# steps/align_si.sh. Writes <align-dir>/ali.JOB.gz (transition ids, Kaldi binary archives),
# num_jobs, final.mdl, tree, phones.txt, cmvn_opts and delta_opts (and an LDA+MLLT system's
# final.mat and splice_opts, whose features it then uses): the layout
# steps/train_deltas.sh and steps/nnet/train_mtl.sh read. Utterances that fail with
# --beam are retried with --retry-beam, then logged by id and counted.

# Begin configuration section.
nj=4
cmd=run.pl
scale_opts="--transition-scale 1.0 --acoustic-scale 0.1 --self-loop-scale 0.1"
beam=10
retry_beam=40
boost_silence=1.0
generate_lattices=false  # also write state-level lattices of the training graphs (lat.JOB.gz)
lattice_beam=6.0
allow_oov=false        # true: words not in words.txt map to the lang's OOV word (counted in the log)
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <data-dir> <lang-dir> <src-dir> <align-dir>
 e.g.: $0 data/train data/lang exp/tri1 exp/tri1_ali
main options (for others, see top of script file)
  --nj <nj>                  # number of parallel jobs (default $nj)
  --cmd <cmd>                # run.pl, slurm.pl or queue.pl (default $cmd)
  --beam <beam>              # alignment beam (default $beam)
  --retry-beam <beam>        # beam for utterances that fail (default $retry_beam)
  --boost-silence <factor>   # silence likelihood boost (default $boost_silence)
  --generate-lattices <bool> # also write lat.JOB.gz, lattices of the training graphs (default $generate_lattices)"

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

for f in $data/feats.scp $data/cmvn.scp $data/text $lang/L.fst $lang/words.txt $lang/oov.int \
         $lang/phones/silence.csl $srcdir/final.mdl $srcdir/tree; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
utils/check_phones_compatible.sh $lang/phones.txt $srcdir/phones.txt

silphonelist=$(cat $lang/phones/silence.csl)
mkdir -p $dir/log
echo $nj > $dir/num_jobs
utils/split_data.sh $data $nj
sdata=$data/split$nj
cmvn_opts=$(cat $srcdir/cmvn_opts 2>/dev/null || echo "--apply-cmvn true --norm-vars false")
delta_opts=$(cat $srcdir/delta_opts 2>/dev/null || echo "--delta-order 2")
for f in cmvn_opts delta_opts phones.txt tree; do [ -f $srcdir/$f ] && cp $srcdir/$f $dir/; done
echo "$cmvn_opts" > $dir/cmvn_opts
echo "$delta_opts" > $dir/delta_opts
rm -f $dir/final.mat $dir/full.mat $dir/splice_opts
for f in final.mat full.mat splice_opts; do [ -f $srcdir/$f ] && cp $srcdir/$f $dir/; done  # LDA+MLLT systems
feat_opts=$(steps/internal/gmm_feat_opts.sh $dir)
cp $srcdir/final.mdl $dir/final.mdl  # a copy: the ali dir must survive retraining of the source
py="python3 -m mtlhybrid.bin"

steps/internal/transcripts_to_int.sh $allow_oov $lang $sdata $nj $dir

lat_opts=
$generate_lattices && lat_opts="--lattices $dir/lat.JOB.gz --lattice-beam $lattice_beam"
echo "$0: aligning data in $data using model from $srcdir, putting alignments in $dir"
$cmd JOB=1:$nj $dir/log/align.JOB.log \
  set -o pipefail \; $py.gmm_compute_likes $feat_opts --boost-silence $boost_silence --silence-phones $silphonelist \
    $dir/final.mdl $sdata/JOB ark:- \| \
  $py.align_mapped $scale_opts --beam $beam --retry-beam $retry_beam $lat_opts \
    $dir/tree $dir/final.mdl $lang/L.fst ark:- $dir/text.JOB.int ark:$dir/ali.JOB.gz

steps/summarize_alignment_logs.sh $dir
echo "$0: done aligning data."
