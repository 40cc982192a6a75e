#!/usr/bin/env bash
# Chooses a GMM system's size on a dev set: trains one system per size with the step script
# the recipe uses (train_mono.sh, train_deltas.sh or train_lda_mllt.sh), builds its graph,
# decodes the dev set and keeps the size with the lowest dev WER. A system with more
# Gaussians or leaves than its data supports decodes worse than a smaller one, and only a
# held-out set shows it (the training likelihood always rises with the size). Not in Kaldi,
# whose recipes hard-code their sizes; the systems and decodes are the usual Kaldi dirs.
#
# <sizes> for mono: total Gaussians ("500 1000 2000"); for deltas and lda_mllt:
# leaves:Gaussians ("300:1500 600:4000"). Writes <exp-prefix>_<size>/ per size (kept: rerun
# and it skips what is done) and <exp-prefix>_sizes/{wer.txt,best}: the table (also printed)
# and the chosen size. The dev WER is Kaldi's best_wer over the scoring sweep of each decode.

# Begin configuration section.
cmd=run.pl
nj=2
train_opts=          # options of the training script, e.g. "--num-iters 12 --realign-iters '4 8'"
decode_opts=         # options of steps/decode.sh
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <mono|deltas|lda_mllt> <sizes> <train-data> <dev-data> <lang> <lang-test> <ali-dir|-> <exp-prefix>
 e.g.: $0 deltas '300:1500 600:4000 1000:8000' data/train data/dev data/lang data/lang_test exp/mono_ali exp/tri1
       (exp/tri1_300_1500 ... and exp/tri1_sizes/{wer.txt,best})
main options (for others, see top of script file)
  --cmd <cmd>              # run.pl, slurm.pl or queue.pl (default $cmd)
  --nj <n>                 # parallel jobs of training and decoding (default $nj)
  --train-opts '<opts>'    # options of the training script ('$train_opts')
  --decode-opts '<opts>'   # options of steps/decode.sh ('$decode_opts')"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 8 ]; then
  echo "$help_message" >&2
  exit 1
fi

system=$1
sizes=$2
data=$3
dev=$4
lang=$5
lang_test=$6
alidir=$7
prefix=$8

case $system in
  mono) ;;
  deltas|lda_mllt) [ "$alidir" == - ] && echo "$0: $system needs an alignment dir" >&2 && exit 1
    [ ! -f $alidir/final.mdl ] && echo "$0: no such file $alidir/final.mdl" >&2 && exit 1 ;;
  *) echo "$0: unknown system '$system' (mono, deltas or lda_mllt)" >&2; exit 1 ;;
esac
for f in $data/feats.scp $dev/feats.scp $dev/text $dev/spk2utt $lang/phones.txt $lang_test/G.fst; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
[ -z "$sizes" ] && echo "$0: no sizes given" >&2 && exit 1
for size in $sizes; do
  if [ $system == mono ]; then
    [[ $size =~ ^[0-9]+$ ]] || { echo "$0: mono sizes are Gaussian totals, got '$size'" >&2; exit 1; }
  else
    [[ $size =~ ^[0-9]+:[0-9]+$ ]] || { echo "$0: $system sizes are <leaves>:<gaussians>, got '$size'" >&2; exit 1; }
  fi
done

devname=$(basename $dev)
# Decoding splits the dev set by speaker: no more jobs than it has speakers.
dev_nj=$(wc -l < $dev/spk2utt)
[ $dev_nj -gt $nj ] && dev_nj=$nj
outdir=${prefix}_sizes
mkdir -p $outdir
rows=()
for size in $sizes; do
  dir=${prefix}_${size/:/_}
  if [ ! -f $dir/final.mdl ]; then
    case $system in
      mono) eval steps/train_mono.sh --cmd '"$cmd"' --nj $nj --totgauss $size $train_opts $data $lang $dir ;;
      deltas) eval steps/train_deltas.sh --cmd '"$cmd"' $train_opts ${size%:*} ${size#*:} $data $lang $alidir $dir ;;
      lda_mllt) eval steps/train_lda_mllt.sh --cmd '"$cmd"' $train_opts ${size%:*} ${size#*:} $data $lang $alidir $dir ;;
    esac
  fi
  if [ ! -f $dir/decode_$devname/scoring_kaldi/best_wer ]; then
    [ -f $dir/graph/HCLG.fst ] || utils/mkgraph.sh $lang_test $dir $dir/graph
    eval steps/decode.sh --cmd '"$cmd"' --nj $dev_nj $decode_opts $dir/graph $dev $dir/decode_$devname
  fi
  wer=$(awk '{print $2}' $dir/decode_$devname/scoring_kaldi/best_wer)
  info=$(python3 -m mtlhybrid.bin.gmm_info $dir/final.mdl)   # one start-up; set -e stops on its failure
  pdfs=$(awk '/^number of pdfs/ {print $4}' <<< "$info")
  gauss=$(awk '/^number of gaussians/ {print $4}' <<< "$info")
  rows+=("$size $pdfs $gauss $wer $dir")
done

# The lowest dev WER; a tie goes to the smaller system (listed first when sizes ascend).
printf "%s\n" "${rows[@]}" | sort -s -k4,4g | head -n 1 | awk '{print $1}' > $outdir/best.tmp
best=$(cat $outdir/best.tmp)
{
  echo "# $system sizes on $dev (dev WER: best_wer over the scoring sweep)"
  printf "%-12s %6s %9s %8s  %s\n" size pdfs gaussians "%WER" dir
  for r in "${rows[@]}"; do
    set -- $r
    mark=; [ "$1" == "$best" ] && mark="  <- best"
    printf "%-12s %6s %9s %8s  %s%s\n" $1 $2 $3 $4 $5 "$mark"
  done
} > $outdir/wer.txt.tmp
mv $outdir/wer.txt.tmp $outdir/wer.txt
mv $outdir/best.tmp $outdir/best
cat $outdir/wer.txt
echo "$0: chose $system size $best on $devname ($outdir/best)"
