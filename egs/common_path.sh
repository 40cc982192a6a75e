# The environment every recipe needs, sourced by each egs/<corpus>/s5/path.sh after it has
# set MTLHYBRID_ROOT (as Kaldi's recipes source tools/config/common_path.sh): the
# repository's virtual environment and code, utils/ on PATH, byte-order sorting.
# This checkout's code first, whatever the virtual environment was installed from.
export PYTHONPATH=$MTLHYBRID_ROOT${PYTHONPATH:+:$PYTHONPATH}
if [ -f "$MTLHYBRID_ROOT/.venv/bin/activate" ]; then
  . "$MTLHYBRID_ROOT/.venv/bin/activate"
fi
export PATH=$PWD/utils:$PATH
export LC_ALL=C
export PYTHONUNBUFFERED=1
