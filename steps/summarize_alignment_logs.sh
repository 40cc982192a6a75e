#!/usr/bin/env bash
# Prints, for the last alignment pass of a training or alignment dir, how many utterances
# were aligned, needed the retry beam, failed, or had no transcript (from the job logs).
if [ $# != 1 ] || [ "$1" == "--help" ]; then
  echo "Usage: $0 <exp-dir>   e.g. $0 exp/mono" >&2
  [ "${1:-}" == "--help" ] && exit 0 || exit 1
fi
dir=$1
# Training dirs have align.<iter>.<job>.log (take the last iteration); ali dirs align.<job>.log.
last=$(ls $dir/log/ 2>/dev/null | grep -E '^align\.[0-9]+\.[0-9]+\.log$' | cut -d. -f2 | sort -n | tail -1)
if [ -n "$last" ]; then
  logs=$(ls $dir/log/align.$last.*.log)
else
  logs=$(ls $dir/log/ 2>/dev/null | grep -E '^align\.[0-9]+\.log$' | sed "s:^:$dir/log/:")
fi
[ -z "$logs" ] && echo "$0: no alignment logs in $dir/log" && exit 0
cat $logs | awk '/aligned [0-9]+ utterances/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "aligned") ok += $(i+1);
      if ($i == "(" || $i ~ /^\(/) retried += substr($(i), 2);
      if ($i == "failed,") failed += $(i-1);
      if ($i == "without") notrans += $(i-1);
    }
  }
  END { printf("%s: %d utterances aligned, %d failed, %d without transcript (details in the align logs)\n", dir, ok, failed, notrans) }' dir=$dir
