#!/usr/bin/env bash
# From the tree statistics <dir>/treeacc: questions by clustering the phones (plus the
# lang's extra questions), the decision tree <dir>/tree, and the first model <dir>/1.mdl
# with one Gaussian per leaf mixed up to <num-leaves> Gaussians straight away, as Kaldi's
# train_deltas.sh, train_lda_mllt.sh and train_sat.sh each do. Logs go to <dir>/log/.
set -euo pipefail
if [ $# != 7 ]; then
  echo "Usage: $0 <cmd> <num-leaves> <tree-thresh> <min-count> <cluster-thresh> <lang-dir> <dir>" >&2
  echo " e.g.: $0 run.pl 2000 300 0 -1 data/lang exp/tri1" >&2
  exit 1
fi
cmd=$1
numleaves=$2
tree_thresh=$3
min_count=$4
cluster_thresh=$5
lang=$6
dir=$7
py="python3 -m mtlhybrid.bin"
[ -f $dir/treeacc ] || { echo "$0: no such file $dir/treeacc" >&2; exit 1; }

echo "$0: getting questions for tree-building, via clustering"
$cmd $dir/log/questions.log \
  $py.cluster_phones $dir/treeacc $lang/phones/sets.int $dir/questions.int
cat $lang/phones/extra_questions.int >> $dir/questions.int
$cmd $dir/log/compile_questions.log \
  $py.compile_questions $lang/topo $dir/questions.int $dir/questions.qst
echo "$0: building the tree"
$cmd $dir/log/build_tree.log \
  $py.build_tree --max-leaves $numleaves --thresh $tree_thresh --min-count $min_count \
    --cluster-thresh $cluster_thresh --log-json $dir/log/build_tree.json \
    $dir/treeacc $lang/phones/roots.int $dir/questions.qst $lang/topo $dir/tree
$cmd $dir/log/init_model.log \
  $py.gmm_init_model --write-occs $dir/1.occs $dir/tree $dir/treeacc $lang/topo $dir/1.mdl
$cmd $dir/log/mixup.log \
  $py.gmm_mixup --mix-up $numleaves $dir/1.mdl $dir/1.occs $dir/1.mdl
