#!/usr/bin/env bash
# A single-node SLURM on localhost for the cluster-path tests, from Debian's packages.
#   cluster.sh start DIR   -> munged, slurmctld, slurmd running; prints `export SLURM_CONF=...`
#   cluster.sh stop DIR    -> stops every daemon it started, by PID
# No systemd: the daemons are started directly, their state lives in DIR.
set -euo pipefail
cmd=${1:?start|stop}; dir=$(realpath -m "${2:?state folder}")

# The slurm executor plugin removes every SLURM_* variable (SLURM_CONF too) inside jobs, so srun
# there reads the default /etc/slurm/slurm.conf, as on a real cluster: install ours there, marked,
# and never overwrite one this script did not write.
system_conf=/etc/slurm/slurm.conf
marker="# written by mlipcost tests/slurm/cluster.sh"

stop() {
  for name in slurmd slurmctld munged; do
    if [ -f "$dir/$name.pid" ]; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$name.pid"
    fi
  done
  if [ -f "$system_conf" ] && head -1 "$system_conf" | grep -qF "$marker"; then
    rm -f "$system_conf"
  fi
}

if [ "$cmd" = stop ]; then stop; exit 0; fi

mkdir -p "$dir"/{state,spool,log}
host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
dd if=/dev/urandom bs=1 count=1024 of="$dir/munge.key" status=none
chmod 400 "$dir/munge.key"
cat > "$dir/slurm.conf" <<CONF
$marker
ClusterName=mlipcost-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
EnforcePartLimits=ALL
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
InactiveLimit=0
KillWait=5
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=300 State=UP
CONF
if [ -f "$system_conf" ] && ! head -1 "$system_conf" | grep -qF "$marker"; then
  echo "$system_conf exists and was not written by this script; not touching it" >&2
  exit 1
fi
mkdir -p "$(dirname "$system_conf")"
cp "$dir/slurm.conf" "$system_conf"
/usr/sbin/munged --key-file="$dir/munge.key" --socket="$dir/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge.seed" --force
export SLURM_CONF=$dir/slurm.conf
/usr/sbin/slurmctld -f "$SLURM_CONF" -L "$dir/log/slurmctld.log"
/usr/sbin/slurmd -f "$SLURM_CONF" -L "$dir/log/slurmd.log"
for _ in $(seq 60); do
  if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix)'; then
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.5
done
echo "SLURM did not come up; logs in $dir/log" >&2
sinfo >&2 || true
stop
exit 1
