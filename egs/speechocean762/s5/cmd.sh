# How jobs run. On one machine: run.pl. On a SLURM cluster: slurm.pl (same arguments);
# options such as --mem or --num-threads are passed through to the scheduler.
export train_cmd="utils/run.pl"
export decode_cmd="utils/run.pl"
# export train_cmd="utils/slurm.pl --mem 4G"
# export decode_cmd="utils/slurm.pl --mem 2G"
