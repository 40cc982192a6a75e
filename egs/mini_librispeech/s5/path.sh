# Sourced by run.sh and the step scripts: the toolkit's virtual environment and utils/ on PATH.
MTLHYBRID_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export MTLHYBRID_ROOT
. "$MTLHYBRID_ROOT/egs/common_path.sh"
