# tests/e2e/lib/hpc.bash - a one-node HPC site on loopback for GPU-job tests.
#
# Starts, all in one private temp dir and all stopped by pid:
#   munged      own key, own socket
#   slurmctld   one partition "debug", one node "localhost" (127.0.0.1)
#   slurmd      -N localhost
#   sshd        on a free 127.0.0.1 port, own host key and config,
#               key login only, SLURM_CONF set for every session
# On cgroup v2 without systemd it also makes /sys/fs/cgroup/system.slice
# for slurmd's scope, and removes it again.
# and a test user (useradd; removed at the end) with an ed25519 key.
#
#   source tests/e2e/lib/hpc.bash
#   hpc_start            # sets the HPC_* variables below; non-zero on failure
#   hpc_ssh 'squeue'     # run a command on the "cluster" as the test user
#   hpc_stop             # idempotent; safe from a trap or teardown
#   hpc_save FILE / hpc_load FILE   hand the running site to another shell
#                        (bats setup_file -> teardown_file, a C test)
#
# Starting takes about a second. Slurm's ports are picked free and below
# the ephemeral range; a Slurm start that loses its port to a race is
# retried with new ones.
#
# After hpc_start:
#   HPC_DIR          the temp dir (mode 0755: the test user reads slurm.conf)
#   HPC_HOST HPC_PORT HPC_USER
#   HPC_KEY          the user's private key (OpenSSH format)
#   HPC_KNOWN_HOSTS  a known_hosts file with the sshd host key
#   SLURM_CONF       exported, so squeue/scontrol work in the test itself
#
# Knobs (environment, read by hpc_start):
#   HPC_GRES=gpu     configure GresTypes=gpu and gres.conf with the real
#                    /dev/nvidia* devices (device-check.sh); default: none
#   HPC_GRES_FILES   the device files for HPC_GRES=gpu instead (tests of the
#                    gres setup on a machine without a GPU: /dev/null)
#   HPC_CPUS         CPUs of the node (default: nproc)

# Kept when the file is sourced again (bats loads it once per test).
HPC_DIR=${HPC_DIR:-}
HPC_USER=${HPC_USER:-}
HPC_CGROUP=${HPC_CGROUP:-}
[ -n "${HPC_PIDS+set}" ] || HPC_PIDS=()

_hpc_log() { echo "hpc: $*" >&2; }

# A TCP port nobody listens on, on 127.0.0.1, below the kernel's ephemeral
# range (so no outgoing connection holds it when a daemon binds it). Bash's
# /dev/tcp probes: no ss or python needed on a bare machine.
hpc_free_port() {
    local low=32768 port
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
    [ "$low" -gt 12000 ] || low=32768
    while :; do
        port=$((10000 + RANDOM % (low - 10000)))
        (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

# Wait (up to $2 tenths of a second of wall time) until the command $1
# succeeds; a slow try counts against the same deadline.
_hpc_wait() {
    local cmd=$1 deadline=$(($(date +%s%N) + ${2:-50} * 100000000))
    while :; do
        eval "$cmd" >/dev/null 2>&1 && return 0
        [ "$(date +%s%N)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# Record the pid a daemon wrote to its pid file ($3: its log, shown on failure).
_hpc_track() {
    local pidfile=$1 name=$2 log=${3:-}
    _hpc_wait "[ -s '$pidfile' ]" 100 || {
        _hpc_log "$name did not start${log:+: $(tail -n 3 "$log" 2>/dev/null)}"
        return 1
    }
    HPC_PIDS+=("$(cat "$pidfile")")
}

_hpc_munge() {
    local d=$HPC_DIR/munge
    mkdir -p "$d" && chmod 0755 "$d"
    dd if=/dev/urandom of="$d/munge.key" bs=1024 count=1 status=none
    chmod 0600 "$d/munge.key"
    /usr/sbin/munged --key-file="$d/munge.key" --socket="$d/munge.socket" \
        --pid-file="$d/munged.pid" --seed-file="$d/munged.seed" \
        --log-file="$d/munged.log" || { _hpc_log "munged failed: $(tail -3 "$d/munged.log")"; return 1; }
    _hpc_track "$d/munged.pid" munged "$d/munged.log"
}

_hpc_slurm_conf() {
    local cpus=${HPC_CPUS:-$(nproc)} mem
    mem=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
    mkdir -p "$HPC_DIR/state" "$HPC_DIR/spool"
    local gres_node='' gres_types=''
    if [ "${HPC_GRES:-}" = gpu ]; then
        local files n
        files=${HPC_GRES_FILES:-$(find /dev -maxdepth 1 -name 'nvidia[0-9]*' | sort)}
        n=$(wc -w <<<"$files")
        [ "$n" -gt 0 ] || { _hpc_log "HPC_GRES=gpu but no /dev/nvidia[0-9]"; return 1; }
        gres_types="GresTypes=gpu"
        gres_node="Gres=gpu:$n"
        tr ' ' '\n' <<<"$files" | grep . |
            sed 's|^|NodeName=localhost Name=gpu File=|' >"$HPC_DIR/gres.conf"
    fi
    cat >"$HPC_DIR/slurm.conf" <<EOF
ClusterName=minik8s
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$(hpc_free_port)
SlurmdPort=$(hpc_free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$HPC_DIR/munge/munge.socket
StateSaveLocation=$HPC_DIR/state
SlurmdSpoolDir=$HPC_DIR/spool
SlurmctldPidFile=$HPC_DIR/slurmctld.pid
SlurmdPidFile=$HPC_DIR/slurmd.pid
SlurmctldLogFile=$HPC_DIR/slurmctld.log
SlurmdLogFile=$HPC_DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
# Start a job at submit time, not at the next scheduling pass (3 s).
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
# Quick ends: SIGKILL 2 s after SIGTERM; jobs remembered 10 minutes so
# scontrol still answers for a job that ended while mk-gpu was down.
KillWait=2
MinJobAge=600
$gres_types
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem $gres_node State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    # slurmd sets up its cgroup plugin even with task/none. On cgroup v2 it
    # asks systemd over D-Bus for a scope, and a machine without systemd
    # (a container, a VM booted into a shell) has none: make the hierarchy
    # directly (_hpc_cgroup). Ignored on cgroup v1.
    cat >"$HPC_DIR/cgroup.conf" <<EOF
CgroupPlugin=autodetect
IgnoreSystemd=yes
CgroupAutomount=yes
EOF
    export SLURM_CONF=$HPC_DIR/slurm.conf
}

# Stop the daemons tracked since index $1 (a failed try), by pid.
_hpc_untrack_from() {
    local i pid
    for ((i = ${#HPC_PIDS[@]} - 1; i >= $1; i--)); do
        pid=${HPC_PIDS[$i]}
        kill "$pid" 2>/dev/null
        _hpc_wait "! kill -0 $pid" 30 || kill -9 "$pid" 2>/dev/null
        unset "HPC_PIDS[$i]"
    done
    HPC_PIDS=("${HPC_PIDS[@]}")
}

_hpc_slurm_try() {
    local ctld
    rm -f "$HPC_DIR"/slurmctld.pid "$HPC_DIR"/slurmd.pid
    _hpc_slurm_conf || return 1
    /usr/sbin/slurmctld -f "$SLURM_CONF" -i || { _hpc_log "slurmctld failed"; return 1; }
    _hpc_track "$HPC_DIR/slurmctld.pid" slurmctld "$HPC_DIR/slurmctld.log" || return 1
    ctld=${HPC_PIDS[-1]}
    # slurmctld writes its pid file before it binds its port: wait until
    # it answers (or dies, e.g. when the port was taken meanwhile).
    _hpc_wait "! kill -0 $ctld || timeout 2 scontrol ping | grep -q UP" 100
    if ! kill -0 "$ctld" 2>/dev/null || ! timeout 2 scontrol ping 2>/dev/null | grep -q UP; then
        _hpc_log "slurmctld not up: $(tail -n 2 "$HPC_DIR/slurmctld.log")"
        return 1
    fi
    /usr/sbin/slurmd -f "$SLURM_CONF" -N localhost || { _hpc_log "slurmd failed"; return 1; }
    _hpc_track "$HPC_DIR/slurmd.pid" slurmd "$HPC_DIR/slurmd.log" || return 1
    _hpc_wait "timeout 2 sinfo -h -o %T | grep -qx idle" 100 || {
        _hpc_log "node not idle: $(timeout 2 sinfo -h -o %T 2>&1) $(tail -n 2 "$HPC_DIR/slurmd.log")"
        return 1
    }
}

# Slurm, with fresh ports on each of up to three tries.
_hpc_slurm() {
    local try first=${#HPC_PIDS[@]}
    for try in 1 2 3; do
        _hpc_slurm_try && return 0
        _hpc_untrack_from "$first"
        _hpc_log "slurm try $try failed"
    done
    return 1
}

# Without systemd, slurmd (IgnoreSystemd=yes, above) puts its stepd scope
# under /sys/fs/cgroup/system.slice and expects that slice to exist: make
# it where it is missing on cgroup v2, and remove what was made beneath it
# in hpc_stop, once slurmd is gone.
_hpc_cgroup() {
    local root=/sys/fs/cgroup
    [ -f $root/cgroup.controllers ] && [ ! -d /run/systemd/system ] && [ ! -d $root/system.slice ] || return 0
    mkdir $root/system.slice || { _hpc_log "cannot make $root/system.slice for slurmd"; return 1; }
    HPC_CGROUP=$root/system.slice
}

_hpc_cgroup_remove() {
    [ -n "${HPC_CGROUP:-}" ] || return 0
    # Deepest first: a cgroup goes only once it has no children.
    find "$HPC_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null ||
        _hpc_log "could not remove $HPC_CGROUP: $(find "$HPC_CGROUP" -name cgroup.procs -exec cat {} + | tr '\n' ' ')"
    HPC_CGROUP=
}

_hpc_user() {
    HPC_USER=mkhpc$$
    useradd -m -s /bin/bash "$HPC_USER" || return 1
    usermod -p '*' "$HPC_USER" # useradd's user is locked: no key login
    local home
    home=$(getent passwd "$HPC_USER" | cut -d: -f6)
    ssh-keygen -q -t ed25519 -N '' -C "$HPC_USER@minik8s-test" -f "$HPC_DIR/user_key" || return 1
    install -d -m 0700 -o "$HPC_USER" -g "$HPC_USER" "$home/.ssh"
    install -m 0600 -o "$HPC_USER" -g "$HPC_USER" "$HPC_DIR/user_key.pub" "$home/.ssh/authorized_keys"
    HPC_KEY=$HPC_DIR/user_key
}

_hpc_sshd() {
    HPC_HOST=127.0.0.1
    HPC_PORT=$(hpc_free_port)
    ssh-keygen -q -t ed25519 -N '' -f "$HPC_DIR/host_key" || return 1
    mkdir -p /run/sshd
    cat >"$HPC_DIR/sshd_config" <<EOF
Port $HPC_PORT
ListenAddress $HPC_HOST
HostKey $HPC_DIR/host_key
PidFile $HPC_DIR/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
AllowUsers $HPC_USER
SetEnv SLURM_CONF=$SLURM_CONF
Subsystem sftp internal-sftp
EOF
    /usr/sbin/sshd -f "$HPC_DIR/sshd_config" -E "$HPC_DIR/sshd.log" ||
        { _hpc_log "sshd failed: $(tail -3 "$HPC_DIR/sshd.log")"; return 1; }
    _hpc_track "$HPC_DIR/sshd.pid" sshd "$HPC_DIR/sshd.log" || return 1
    echo "[$HPC_HOST]:$HPC_PORT $(cut -d' ' -f1,2 "$HPC_DIR/host_key.pub")" >"$HPC_DIR/known_hosts"
    HPC_KNOWN_HOSTS=$HPC_DIR/known_hosts
    _hpc_wait "hpc_ssh true" 50 || { _hpc_log "ssh login failed: $(tail -3 "$HPC_DIR/sshd.log")"; return 1; }
}

hpc_start() {
    HPC_DIR=$(mktemp -d /tmp/mkhpc.XXXXXX) || return 1
    chmod 0755 "$HPC_DIR"
    HPC_PIDS=()
    if ! { _hpc_munge && _hpc_cgroup && _hpc_slurm && _hpc_user && _hpc_sshd; }; then
        hpc_stop
        return 1
    fi
}

# Run a shell command on the HPC host as the test user, over the real sshd.
hpc_ssh() {
    ssh -q -o BatchMode=yes -o ConnectTimeout=5 -o UserKnownHostsFile="$HPC_KNOWN_HOSTS" \
        -o StrictHostKeyChecking=yes -o GlobalKnownHostsFile=/dev/null \
        -i "$HPC_KEY" -p "$HPC_PORT" "$HPC_USER@$HPC_HOST" "$@" </dev/null
}

# Stop by pid what hpc_start started, newest first; remove the user and dir.
hpc_stop() {
    [ -n "$HPC_DIR" ] || return 0
    if [ -n "$HPC_USER" ] && [ -n "${SLURM_CONF:-}" ]; then
        timeout 5 scancel -u "$HPC_USER" 2>/dev/null
        _hpc_wait "! timeout 2 squeue -h -u $HPC_USER | grep -q ." 30
    fi
    local i pid
    for ((i = ${#HPC_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${HPC_PIDS[$i]}
        kill "$pid" 2>/dev/null
        _hpc_wait "! kill -0 $pid" 50 || kill -9 "$pid" 2>/dev/null
    done
    HPC_PIDS=()
    _hpc_cgroup_remove
    if [ -n "$HPC_USER" ] && id "$HPC_USER" >/dev/null 2>&1; then
        # Job steps of the test user can outlive slurmd: end them by pid.
        for pid in $(pgrep -u "$HPC_USER"); do kill -9 "$pid" 2>/dev/null; done
        _hpc_wait "! pgrep -u $HPC_USER" 20
        userdel -r -f "$HPC_USER" 2>/dev/null
    fi
    HPC_USER=
    rm -rf "$HPC_DIR"
    HPC_DIR=
}

# Save the running site's variables to a file (KEY=VALUE lines, also read by
# C tests), so another shell can hpc_load it and run hpc_ssh or hpc_stop.
hpc_save() {
    {
        echo "HPC_DIR=$HPC_DIR"
        echo "HPC_USER=$HPC_USER"
        echo "HPC_HOST=$HPC_HOST"
        echo "HPC_PORT=$HPC_PORT"
        echo "HPC_KEY=$HPC_KEY"
        echo "HPC_KNOWN_HOSTS=$HPC_KNOWN_HOSTS"
        echo "SLURM_CONF=$SLURM_CONF"
        echo "HPC_PIDS=${HPC_PIDS[*]}"
        echo "HPC_CGROUP=${HPC_CGROUP:-}"
    } >"$1"
}

hpc_load() {
    local k v
    while IFS='=' read -r k v; do
        case $k in
        HPC_PIDS) read -r -a HPC_PIDS <<<"$v" ;;
        SLURM_CONF) export SLURM_CONF=$v ;;
        HPC_*) printf -v "$k" '%s' "$v" ;;
        esac
    done <"$1"
}
