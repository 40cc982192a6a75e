#!/usr/bin/env bash
# Decodes with a SAT system (steps/train_sat.sh) in Kaldi's passes, as steps/decode_fmllr.sh:
#  1. a speaker-independent decode with final.alimdl (or final.mdl) into <decode-dir>.si;
#  2. fMLLR transforms per speaker from its best paths (at --acwt), silence frames weighted
#     by --silence-weight, under final.mdl (<decode-dir>/pre_trans.JOB);
#  3. a decode with final.mdl on the adapted features;
#  4. with --final-fmllr true (default, as Kaldi), transforms re-estimated from that decode's
#     best paths and composed after the first (trans.JOB), and a last decode with them.
#     Kaldi rescores the third pass's lattices instead of decoding again; the result differs
#     only where a lattice lost the new best path.
# Each pass is steps/decode.sh's pipeline (gmm_compute_likes | latgen) and is scored.

# Begin configuration section.
nj=4
cmd=run.pl
acwt=0.083333          # acoustic scale of decoding and of the best paths the transforms come from
beam=13.0
lattice_beam=6.0
max_active=7000
silence_weight=0.01    # weight of silence frames in the fMLLR statistics (Kaldi's default here)
final_fmllr=true       # re-estimate the transforms from the adapted decode and decode again
skip_scoring=false
scoring_opts=
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <graph-dir> <data-dir> <decode-dir>
 e.g.: $0 exp/tri3b/graph data/test exp/tri3b/decode_test
 The speaker-independent pass goes to <decode-dir>.si. The model dir is <decode-dir>/..
main options (for others, see top of script file)
  --nj <nj>                 # number of parallel jobs (default $nj)
  --cmd <cmd>               # run.pl, slurm.pl or queue.pl (default $cmd)
  --acwt <float>            # acoustic scale (default $acwt)
  --beam <beam>             # decoding beam (default $beam)
  --silence-weight <x>      # weight of silence in fMLLR statistics (default $silence_weight)
  --final-fmllr <bool>      # second fMLLR estimate and decode (default $final_fmllr)
  --skip-scoring <bool>     # no scoring (default $skip_scoring)"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 3 ]; then
  echo "$help_message" >&2
  exit 1
fi

graphdir=$1
data=$2
dir=$3
srcdir=$(dirname $dir)

for f in $graphdir/HCLG.fst $graphdir/words.txt $data/feats.scp $data/cmvn.scp $data/utt2spk $srcdir/final.mdl; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
[ ! -s $data/feats.scp ] && echo "$0: empty test set: $data/feats.scp has no utterances" >&2 && exit 1
utils/check_phones_compatible.sh $graphdir/phones.txt $srcdir/phones.txt
silphonelist=$(cat $graphdir/phones/silence.csl 2>/dev/null || true)
[ -z "$silphonelist" ] && echo "$0: no $graphdir/phones/silence.csl (the silence phones)" >&2 && exit 1

alimdl=$srcdir/final.mdl
[ -f $srcdir/final.alimdl ] && alimdl=$srcdir/final.alimdl
num_utts=$(wc -l < $data/feats.scp)
[ $nj -gt $num_utts ] && nj=$num_utts
mkdir -p $dir/log
sdata=$data/split$nj
sifeat_opts=$(steps/internal/gmm_feat_opts.sh $srcdir)
decode_opts="--beam $beam --lattice-beam $lattice_beam --max-active $max_active --skip-scoring $skip_scoring"
py="python3 -m mtlhybrid.bin"

echo "$0: pass 1: speaker-independent decode with $alimdl"
steps/decode.sh --nj $nj --cmd "$cmd" --acwt $acwt $decode_opts --model $alimdl \
  ${scoring_opts:+--scoring-opts "$scoring_opts"} $graphdir $data $dir.si
echo $nj > $dir/num_jobs

# Transforms from the best paths of <lat-dir>'s lattices, on features read with <opts>.
estimate_fmllr() {
  local latdir=$1 out=$2 opts=$3
  $cmd JOB=1:$nj $dir/log/best_path.$out.JOB.log \
    $py.lattice_best_path --acoustic-scale $acwt ark:$latdir/lat.JOB.gz ark,t:$dir/best_words.JOB ark:$dir/best_ali.JOB.gz
  $cmd JOB=1:$nj $dir/log/fmllr.$out.JOB.log \
    $py.gmm_est_fmllr $opts --silence-phones $silphonelist --silence-weight $silence_weight \
      $srcdir/final.mdl $sdata/JOB ark:$dir/best_ali.JOB.gz ark:$dir/$out.JOB
  rm $dir/best_ali.*.gz $dir/best_words.*
}

echo "$0: pass 2: fMLLR transforms from the speaker-independent best paths"
estimate_fmllr $dir.si pre_trans "$sifeat_opts"

echo "$0: pass 3: decoding with the adapted features"
decode_adapted() {
  local trans=$1 out=$2
  $cmd JOB=1:$nj $dir/log/decode.$out.JOB.log \
    set -o pipefail \; $py.gmm_compute_likes $sifeat_opts --spk-transforms ark:$dir/$trans.JOB $srcdir/final.mdl $sdata/JOB ark:- \| \
    $py.latgen --expected-utts $sdata/JOB/feats.scp --acoustic-scale $acwt --beam $beam --lattice-beam $lattice_beam --max-active $max_active \
      --word-symbol-table $graphdir/words.txt $srcdir/final.mdl $graphdir/HCLG.fst ark:- ark:$dir/$out.JOB.gz
}
decode_adapted pre_trans lat

if $final_fmllr; then
  echo "$0: pass 4: re-estimating the transforms from the adapted best paths, decoding again"
  estimate_fmllr $dir tmp_trans "$sifeat_opts --spk-transforms ark:$dir/pre_trans.JOB"
  $cmd JOB=1:$nj $dir/log/compose.JOB.log \
    $py.compose_transforms --b-is-affine true ark:$dir/tmp_trans.JOB ark:$dir/pre_trans.JOB ark:$dir/trans.JOB
  rm $dir/tmp_trans.*
  decode_adapted trans lat
else
  for n in $(seq $nj); do cp $dir/pre_trans.$n $dir/trans.$n; done
fi

if ! $skip_scoring; then
  steps/score.sh $scoring_opts --cmd "$cmd" $data $graphdir $dir
fi
echo "$0: done decoding into $dir"
