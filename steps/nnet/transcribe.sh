#!/usr/bin/env bash
# Transcribes a data dir without transcripts (wav.scp, optionally segments) with a trained
# network dir and a graph; the work is in python -m mtlhybrid.bin.transcribe (the same as
# `mtlhybrid transcribe`). Writes <out-dir>/text (<utt> <words>) and
# the utterance-level predictions to <out-dir>/aux (<utt> <task> <label>), with the log in <out-dir>/log/transcribe.log.

# Begin configuration section.
nj=1
acwt=0.1
beam=13.0
max_active=7000
device=cpu
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <nnet-dir> <graph-dir> <data-dir> <out-dir>
 e.g.: $0 --nj 2 exp/mtl exp/tri2/graph data/new_audio exp/mtl/transcribe_new_audio
Options:
  --nj <n>             # parallel processes (default $nj)
  --acwt <float>       # acoustic scale (default $acwt)
  --beam <float>       # decoding beam (default $beam)
  --max-active <n>     # (default $max_active)
  --device <cpu|cuda>  # (default $device)"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 4 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
nnet_dir=$1
graphdir=$2
data=$3
dir=$4
for f in $nnet_dir/final.pt $graphdir/HCLG.fst $graphdir/words.txt $data/wav.scp; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
mkdir -p $dir/log
python3 -m mtlhybrid.bin.transcribe --model-dir $nnet_dir --graph-dir $graphdir --nj $nj --acwt $acwt --beam $beam \
  --max-active $max_active --device $device --aux-out $dir/aux $data $dir/text 2>$dir/log/transcribe.log >/dev/null \
  || { echo "$0: failed; see $dir/log/transcribe.log" >&2; tail -n 3 $dir/log/transcribe.log >&2; exit 1; }
echo "$0: wrote $(wc -l < $dir/text) transcripts to $dir/text"
