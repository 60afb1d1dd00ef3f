#!/usr/bin/env bash
# Start a single-node SLURM cluster on this machine for the workflow's SLURM test (issue 7).
#
# Debian's slurm-wlm + munge; slurmctld and slurmd on the local hostname; select/cons_tres with
# GresTypes=gpu and a node advertising three fake GPUs (gres.conf points them at /dev/null,
# /dev/zero, /dev/full), so a rule's `gpu=1` reaches sbatch as `--gpus=1` and the job gets
# CUDA_VISIBLE_DEVICES, with no GPU in the machine. No accounting database: the Snakemake plugin
# must be run with `--slurm-status-command squeue` (MinJobAge keeps finished jobs visible to it).
#
# Idempotent: installs only what is missing, rewrites the config only when it changed, restarts
# only daemons that are down or configured differently. Needs root (or passwordless sudo).
# Exit 0 = cluster up (node idle); any other exit prints the reason on stderr — the test skips
# with it. It refuses to touch an /etc/slurm/slurm.conf it did not write (a real cluster).
#
# Usage: bash .ci/slurm-setup.sh     (install if needed, configure, start, wait for the node)
set -euo pipefail

MARKER="# managed by commerce-grpo .ci/slurm-setup.sh"
CONF_DIR=/etc/slurm
NODE="$(hostname -s)"
# Declared capacity, not the machine's: three GRPO seeds must be able to run at once even on a
# 2-core CI box (SlurmdParameters=config_overrides lets slurmd accept a node bigger than it is;
# memory is not a consumable resource here, so --mem requests are checked but not reserved).
NODE_CPUS=16
NODE_MEMORY_MB=131072

die() { echo "slurm-setup: $*" >&2; exit "${2:-1}"; }

cluster_up() {
    scontrol ping 2>/dev/null | grep -q "is UP" \
        && [[ "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" =~ ^(idle|mixed|allocated)$ ]]
}

if [[ $EUID -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        exec sudo -n -E "$0" "$@"
    fi
    die "needs root or passwordless sudo to install and start slurmctld/slurmd" 3
fi

if [[ -f $CONF_DIR/slurm.conf ]] && ! grep -qF "$MARKER" $CONF_DIR/slurm.conf; then
    die "$CONF_DIR/slurm.conf exists and was not written by this script; not touching a real cluster" 4
fi

# --- install -------------------------------------------------------------------------------
missing=()
for bin in slurmctld slurmd sbatch munged; do
    command -v "$bin" >/dev/null || missing+=("$bin")
done
if ((${#missing[@]})); then
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install slurm-wlm" 5
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || die "apt-get update failed" 5
    apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null \
        || die "apt-get install slurm-wlm munge failed" 5
fi

# --- munge ---------------------------------------------------------------------------------
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    if [[ ! -s /etc/munge/munge.key ]]; then
        mungekey --create --keyfile=/etc/munge/munge.key
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    runuser -u munge -- /usr/sbin/munged --force
    for _ in $(seq 20); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
        sleep 0.5
    done
    munge -n | unmunge >/dev/null || die "munged did not start (see /var/log/munge/munged.log)" 6
fi

# --- configuration -------------------------------------------------------------------------
install -d -m 0755 $CONF_DIR /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/slurm
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/slurm.conf" <<EOF
$MARKER
ClusterName=commerce-grpo-ci
SlurmctldHost=$NODE
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
SlurmdParameters=config_overrides
# No accounting database: finished jobs stay in slurmctld (and squeue) for MinJobAge seconds.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=3600
NodeName=$NODE CPUs=$NODE_CPUS RealMemory=$NODE_MEMORY_MB Gres=gpu:3 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
cat >"$tmp/gres.conf" <<EOF
$MARKER
NodeName=$NODE Name=gpu File=/dev/null
NodeName=$NODE Name=gpu File=/dev/zero
NodeName=$NODE Name=gpu File=/dev/full
EOF

changed=0
for f in slurm.conf gres.conf; do
    if ! cmp -s "$tmp/$f" "$CONF_DIR/$f"; then
        install -m 0644 "$tmp/$f" "$CONF_DIR/$f"
        changed=1
    fi
done

# --- daemons -------------------------------------------------------------------------------
pid_of() { cat "/run/slurm/$1.pid" 2>/dev/null || true; }
running() { local pid; pid="$(pid_of "$1")"; [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }
stop_daemon() {
    local pid
    pid="$(pid_of "$1")"
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
}

if ((changed)); then
    stop_daemon slurmd
    stop_daemon slurmctld
fi
running slurmctld || /usr/sbin/slurmctld || die "slurmctld failed (see /var/log/slurm/slurmctld.log)" 7
for _ in $(seq 50); do scontrol ping 2>/dev/null | grep -q "is UP" && break; sleep 0.2; done
scontrol ping | grep -q "is UP" || die "slurmctld is not answering (see /var/log/slurm/slurmctld.log)" 7
running slurmd || /usr/sbin/slurmd || die "slurmd failed (see /var/log/slurm/slurmd.log)" 8

for _ in $(seq 60); do
    state="$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)"
    case "$state" in
        idle | mixed | allocated) break ;;
        down* | drain* | fail*) scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 0.5
done
cluster_up || die "node $NODE is '${state:-unknown}', not idle (see /var/log/slurm/slurmd.log)" 9
echo "slurm-setup: cluster commerce-grpo-ci up on $NODE ($(sinfo -h -o '%P %D %G'))"
