#!/usr/bin/env bash
# Command-line options for step scripts, with Kaldi's semantics.
#
# Source this file after the script has set its option variables to their defaults:
#     nj=4; cmd=run.pl; use_gpu=false
#     help_message="Usage: $0 [options] <data-dir>"
#     . utils/parse_options.sh
# Then "--nj 8" or "--nj=8" sets nj, "--use-gpu true" sets use_gpu (dashes become
# underscores). Only variables the script already defined can be set: anything else is
# "invalid option". A variable whose default is true/false only takes true or false.
# "--config <file>" sources a file of shell settings (nj=8) before the other options.
# "--help"/"-h" prints $help_message and exits 0. Parsing stops at the first argument
# that does not start with "--"; the positional arguments are left in "$@".

# --config files first, wherever they appear, so that explicit options override them.
for ((__po_i = 1; __po_i < $#; __po_i++)); do
  if [ "${!__po_i}" == "--config" ]; then
    __po_j=$((__po_i + 1))
    __po_conf=${!__po_j}
    [ ! -r "$__po_conf" ] && echo "$0: missing config '$__po_conf'" 1>&2 && exit 1
    . "$__po_conf"
  fi
done
for __po_arg in "$@"; do
  case "$__po_arg" in
    --config=*)
      __po_conf=${__po_arg#--config=}
      [ ! -r "$__po_conf" ] && echo "$0: missing config '$__po_conf'" 1>&2 && exit 1
      . "$__po_conf" ;;
    --) break ;;
  esac
done

while true; do
  [ -z "${1:-}" ] && break
  case "$1" in
    --help|-h)
      if [ -z "${help_message:-}" ]; then echo "No help found." 1>&2;
      else printf "%b\n" "$help_message"; fi
      exit 0 ;;
    --) shift; break ;;
    --*)
      if [[ "$1" == --*=* ]]; then
        __po_name=${1%%=*}; __po_value=${1#*=}; __po_shift=1
      else
        if [ $# -lt 2 ]; then echo "$0: option $1 needs a value" 1>&2; exit 1; fi
        __po_name=$1; __po_value=$2; __po_shift=2
      fi
      __po_name=${__po_name#--}; __po_name=${__po_name//-/_}
      [ "$__po_name" == config ] && { shift $__po_shift; continue; }  # sourced above
      if [[ ! "$__po_name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || eval '[ -z "${'"$__po_name"'+xxx}" ]'; then
        echo "$0: invalid option ${1%%=*}" 1>&2; exit 1
      fi
      __po_old=${!__po_name}
      if [ "$__po_old" == true ] || [ "$__po_old" == false ]; then
        if [ "$__po_value" != true ] && [ "$__po_value" != false ]; then
          echo "$0: expected \"true\" or \"false\": ${1%%=*} $__po_value" 1>&2; exit 1
        fi
      fi
      printf -v "$__po_name" '%s' "$__po_value"
      shift $__po_shift ;;
    *) break ;;
  esac
done

# An empty --cmd would run the jobs' command lines as the job runner itself.
[ -n "${cmd+xxx}" ] && [ -z "$cmd" ] && echo "$0: empty argument to --cmd option" 1>&2 && exit 1
true  # a script that sources this file as its last step must not see a failed test's status
