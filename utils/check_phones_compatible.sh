#!/usr/bin/env bash
# Kaldi's utils/check_phones_compatible.sh: stops when two phone symbol tables differ
# (ignoring disambiguation symbols #N), e.g. a lang dir that is not the one a model was
# trained with. A missing second table is accepted (older model dirs).
if [ $# != 2 ] || [ "$1" == "--help" ]; then
  echo "Usage: $0 <phones-symtab-1> <phones-symtab-2>   e.g. $0 data/lang/phones.txt exp/tri1/phones.txt" >&2
  [ "${1:-}" == "--help" ] && exit 0 || exit 1
fi
[ ! -f "$1" ] && echo "$0: no such file $1" >&2 && exit 1
[ ! -f "$2" ] && exit 0
if ! cmp -s <(grep -v '^#[0-9]' "$1") <(grep -v '^#[0-9]' "$2"); then
  echo "$0: phone symbol tables $1 and $2 are not compatible (the lang dir is not the one the model was trained with):" >&2
  diff <(grep -v '^#[0-9]' "$1") <(grep -v '^#[0-9]' "$2") | head -5 >&2
  exit 1
fi
exit 0
