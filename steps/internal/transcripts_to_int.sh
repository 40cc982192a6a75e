#!/usr/bin/env bash
# Writes <dir>/text.<n>.int (word ids) for each job <n> of a split data dir, for the
# training and alignment scripts. A word missing from the lang stops it with a message
# naming the file, line and word, unless <allow-oov> is true: then such words map to the
# lang's OOV word, counted in the log. Each file appears whole or not at all.
if [ $# != 5 ]; then
  echo "Usage: $0 <allow-oov:true|false> <lang-dir> <split-data-dir> <num-jobs> <dir>" >&2
  echo " e.g.: $0 false data/lang data/train/split4 4 exp/mono" >&2
  exit 1
fi
allow_oov=$1
lang=$2
sdata=$3
nj=$4
dir=$5
oov_opt=
$allow_oov && oov_opt="--map-oov $(cat $lang/oov.int)"
for n in $(seq $nj); do
  utils/sym2int.pl $oov_opt -f 2- $lang/words.txt $sdata/$n/text > $dir/text.$n.int.tmp || {
    echo "$0: transcripts in $sdata hold words missing from $lang/words.txt (see above); use --allow-oov true to map them to $(cat $lang/oov.txt)" >&2
    rm -f $dir/text.$n.int.tmp
    exit 1
  }
  mv $dir/text.$n.int.tmp $dir/text.$n.int
done
