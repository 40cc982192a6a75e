#!/usr/bin/env bash
# Kaldi's utils/mkgraph.sh: same arguments; the work is in mtlhybrid/graph/mkgraph.py.
# Writes <graph-dir>/{HCLG.fst,words.txt,phones.txt,phones/,num_pdfs,disambig_tid.int}.

tscale=1.0
loopscale=0.1

usage="Usage: $0 [options] <lang-dir> <model-dir> <graph-dir>
e.g.: $0 data/lang_test exp/tri1/ exp/tri1/graph
 Options:
  --transition-scale <float>   # scale of transition log-probs (default: $tscale)
  --self-loop-scale <float>    # scale of self-loop log-probs (default: $loopscale)
  --mono, --left-biphone, --quinphone   # accepted for compatibility; the tree gives the context"

while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h) echo "$usage"; exit 0 ;;
    --transition-scale) tscale=$2; shift 2 ;;
    --self-loop-scale) loopscale=$2; shift 2 ;;
    --mono|--left-biphone|--quinphone) shift ;;
    --*) echo "$0: unknown option $1" >&2; echo "$usage" >&2; exit 1 ;;
    *) break ;;
  esac
done

if [ $# -ne 3 ]; then
  echo "$usage" >&2
  exit 1
fi

lang=$1
model_dir=$2
dir=$3

for f in $lang/L_disambig.fst $lang/G.fst $lang/phones.txt $lang/words.txt $model_dir/final.mdl $model_dir/tree; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done

mkdir -p $dir/log
python3 -m mtlhybrid.bin.mkgraph --transition-scale $tscale --self-loop-scale $loopscale \
  $lang $model_dir $dir 2>$dir/log/mkgraph.log || { cat $dir/log/mkgraph.log >&2; exit 1; }
echo "$0: wrote $dir/HCLG.fst (log: $dir/log/mkgraph.log)"
