# Sourced by run.sh and the step scripts: the toolkit's virtual environment and utils/ on PATH.
MTLHYBRID_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export MTLHYBRID_ROOT
# This checkout's code first, whatever the virtual environment was installed from.
export PYTHONPATH=$MTLHYBRID_ROOT${PYTHONPATH:+:$PYTHONPATH}
if [ -f "$MTLHYBRID_ROOT/.venv/bin/activate" ]; then
  . "$MTLHYBRID_ROOT/.venv/bin/activate"
fi
export PATH=$PWD/utils:$PATH
export LC_ALL=C
export PYTHONUNBUFFERED=1
