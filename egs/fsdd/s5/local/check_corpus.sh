#!/usr/bin/env bash
# Checks that <fsdd-dir> holds the Free Spoken Digit Dataset as the recipe expects it
# (recordings/{digit}_{speaker}_{take}.wav and speakers.tsv). When it does not: with
# --download true, fetches it (local/download_fsdd.sh); otherwise stops with a message that
# says where the corpus was looked for and how to get it.

download=false
help_message="Usage: $0 [--download true|false] <fsdd-dir>
 e.g.: $0 --download true corpus/fsdd"
. "$(dirname "$0")/../utils/parse_options.sh" || exit 1
if [ $# -ne 1 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
dir=$1

corpus_ok() {
  [ -f "$1/speakers.tsv" ] && [ -d "$1/recordings" ] && \
    [ -n "$(find "$1/recordings" -maxdepth 1 -name '[0-9]_*_*.wav' -print -quit 2>/dev/null)" ]
}

if corpus_ok "$dir"; then
  n=$(find "$dir/recordings" -maxdepth 1 -name '[0-9]_*_*.wav' | wc -l)
  echo "$0: FSDD found in $dir ($n recordings)"
  exit 0
fi
if $download; then
  "$(dirname "$0")/download_fsdd.sh" "$dir" || exit 1
  corpus_ok "$dir" && exit 0
  echo "$0: the download did not leave recordings/ and speakers.tsv in $dir" >&2
  exit 1
fi
cat >&2 <<MSG
$0: FSDD not found in $dir
  (expected $dir/recordings/{digit}_{speaker}_{take}.wav and $dir/speakers.tsv).
  Get it in one of these ways:
  - run with --download true on a machine with a network: the recordings are fetched from
    https://github.com/Jakobovski/free-spoken-digit-dataset into $dir, with speakers.tsv
    written from the dataset's metadata.py;
  - or clone that repository yourself and run
    local/download_fsdd.sh --repo <clone> $dir   (no network needed then);
  - or pass --corpus-dir <dir> pointing at a folder laid out as above.
MSG
exit 1
