#!/usr/bin/env bash
# The GMM sizes of this recipe chosen on held-out training speakers, never on the test
# speakers: each training speaker in turn is the dev set of a fold whose GMMs train on the
# other two (the settings of run.sh stages 3-4, only the size varies). Per fold,
# steps/tune_gmm_size.sh decodes the dev speaker with every mono size (Gaussians), then with
# every tri1 size (leaves:Gaussians) trained on the alignments of run.sh's monophone size;
# the table pools the folds' errors per size. Needs run.sh --stop-stage 2 (data/train and its
# features, data/lang, data/lang_test). Writes exp/tune_<spk>/ and results/gmm_sizes.md.
. ./cmd.sh
. ./path.sh
nj=2
speakers="jackson nicolas yweweler"
mono_sizes="150 300 600"
tri1_sizes="100:500 200:1000 300:1500"
mono_utts_per_spk=100
mono_iters=15
mono_gauss=300   # the monophone size whose alignments the tri1 sizes start from (run.sh's)
tri1_iters=10
decode_opts="--beam 20 --lattice-beam 8"
out=results/gmm_sizes.md
help_message="Usage: $0 [options]
Options (default):
  --speakers '<spk> ...'       training speakers, each the dev set of one fold ('$speakers')
  --mono-sizes '<n> ...'       monophone Gaussians ('$mono_sizes')
  --tri1-sizes '<l:g> ...'     tri1 leaves:Gaussians ('$tri1_sizes')
  --mono-gauss <n>             monophone size the tri1 systems start from ($mono_gauss)
  --nj <n>                     parallel jobs ($nj)"
. utils/parse_options.sh || exit 1
set -euo pipefail
if [ $# -ne 0 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
for f in data/train/feats.scp data/train/cmvn.scp data/lang/phones.txt data/lang_test/G.fst; do
  [ ! -f $f ] && echo "$0: no such file $f (run ./run.sh --stop-stage 2 first)" >&2 && exit 1
done
echo " $mono_sizes " | grep -q " $mono_gauss " || { echo "$0: --mono-gauss $mono_gauss is not one of the mono sizes" >&2; exit 1; }

mono_opts="--num-iters $mono_iters --realign-iters '1 2 3 4 5 6 8 10 12' --max-iter-inc $((mono_iters - 5))"
tri1_opts="--num-iters $tri1_iters --realign-iters 5 --max-iter-inc $((tri1_iters - 5)) --min-count 50 --tree-thresh 100"
for spk in $speakers; do
  d=data/tune_$spk e=exp/tune_$spk
  if [ ! -f $d/dev/feats.scp ]; then
    echo $spk > $d.dev_spk.tmp
    grep -v -x $spk <(cut -d' ' -f1 data/train/spk2utt) > $d.train_spk.tmp
    utils/subset_data_dir.sh --spk-list $d.dev_spk.tmp data/train $d/dev
    utils/subset_data_dir.sh --spk-list $d.train_spk.tmp data/train $d/train
    utils/subset_data_dir.sh --per-spk $d/train $mono_utts_per_spk $d/train_mono
    rm $d.dev_spk.tmp $d.train_spk.tmp
  fi
  steps/tune_gmm_size.sh --cmd "$train_cmd" --nj $nj --train-opts "$mono_opts" --decode-opts "$decode_opts" \
    mono "$mono_sizes" $d/train_mono $d/dev data/lang data/lang_test - $e/mono
  [ -f $e/mono_ali/ali.1.gz ] || \
    steps/align_si.sh --cmd "$train_cmd" --nj $nj $d/train data/lang $e/mono_$mono_gauss $e/mono_ali
  steps/tune_gmm_size.sh --cmd "$train_cmd" --nj $nj --train-opts "$tri1_opts" --decode-opts "$decode_opts" \
    deltas "$tri1_sizes" $d/train $d/dev data/lang data/lang_test $e/mono_ali $e/tri1
done

# Pooled over the folds: errors and words of each size's best_wer lines.
mkdir -p $(dirname $out)
{
  echo "# GMM sizes on held-out training speakers ($speakers; one fold each)"
  echo
  echo "| system | size | $(echo $speakers | sed 's/ / | /g') | pooled %WER |"
  echo "|:--|:--|$(for s in $speakers; do printf -- '--:|'; done)--:|"
  for sys in mono tri1; do
    sizes=$mono_sizes; [ $sys == tri1 ] && sizes=$tri1_sizes
    for size in $sizes; do
      cells= err=0 words=0
      for spk in $speakers; do
        f=exp/tune_$spk/${sys}_${size/:/_}/decode_dev/scoring_kaldi/best_wer
        [ -f $f ] || { echo "$0: no such file $f" >&2; exit 1; }
        read -r w e n < <(awk '{gsub(/[\[\]\/,]/, " "); print $2, $3, $4}' $f)
        cells="$cells | $w"; err=$((err + e)); words=$((words + n))
      done
      echo "| $sys | $size$cells | $(awk -v e=$err -v n=$words 'BEGIN { printf "%.2f", 100 * e / n }') |"
    done
  done
} > $out.tmp
mv $out.tmp $out
cat $out
