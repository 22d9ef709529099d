#!/usr/bin/env bats
# GpuJobs end to end: mk-apiserver, mk-gpu, and a real HPC site on loopback
# (OpenSSH's sshd with a test user and key, munge, slurmctld, slurmd; see
# lib/hpc.bash). Jobs are created through the API with curl.
#
# This machine has nvcc but no GPU: the CUDA example is compiled by nvcc
# inside the Slurm job and run with --host-fallback, which checks the
# kernel's per-cell code on the host (gpu/tests/device-check.sh runs the
# real kernel on a GPU machine).
#
# The time-limit job needs a minute of run time (Slurm's smallest limit)
# plus Slurm's periodic limit check: it is submitted in setup_file, runs
# alongside the other tests, and is checked by the last test.

load helpers
load lib/hpc

EXAMPLE=$MK_ROOT/examples/gpujob-matmul.yaml
# MK_GPU_BIN: another mk-gpu build (e.g. under ASan); MK_GPU_LOG_COPY: keep
# mk-gpu's log there after the run.
GPU_BIN=${MK_GPU_BIN:-$MK_BIN/mk-gpu}

setup_file() {
    [ "$(id -u)" -eq 0 ] || skip "needs root (useradd, sshd)"
    [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/sshd ] || skip "needs slurm-wlm and openssh-server"
    export GPU_TMP=$BATS_FILE_TMPDIR
    hpc_start 3>&- || return 1
    hpc_save "$GPU_TMP/hpc.state"
    export HPC_DIR HPC_USER HPC_HOST HPC_PORT HPC_KEY HPC_KNOWN_HOSTS SLURM_CONF
    # mk-gpu runs with the controller role; the tests act as admin.
    printf 'gpu-admin-token,admin,admin\ngpu-controller-token,mk-gpu,controller\n' >"$GPU_TMP/tokens"
    echo gpu-controller-token >"$GPU_TMP/mk-gpu.token"
    export MK_TOKEN=gpu-admin-token
    start_apiserver --token-file "$GPU_TMP/tokens" 3>&- || return 1
    echo "$MK_APISERVER_PID" >"$GPU_TMP/apiserver.pid"
    make_secret hpc "$HPC_KNOWN_HOSTS"
    start_gpu
    # Started first: it takes over a minute (see above).
    make_job timeout '{"run": ["echo started", "sleep 600"], "slurm": {"timeLimit": "1"}}'
}

teardown_file() {
    stop_gpu
    [ -z "${MK_GPU_LOG_COPY:-}" ] || cp "$GPU_TMP/mk-gpu.log" "$MK_GPU_LOG_COPY"
    # A test may have restarted it: the pid file knows the current one.
    MK_APISERVER_PID=$(cat "$GPU_TMP/apiserver.pid" 2>/dev/null)
    stop_apiserver
    [ -f "${GPU_TMP:-/nonexistent}/hpc.state" ] && hpc_load "$GPU_TMP/hpc.state"
    hpc_stop
    rm -rf "${MK_APISERVER_DATA:-}" "${MK_APISERVER_LOG:-}"
}

teardown() {
    if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
        echo "# mk-gpu log (tail):" >&3
        tail -n 30 "$GPU_TMP/mk-gpu.log" | sed 's/^/#   /' >&3
    fi
}

start_gpu() {
    "$GPU_BIN" --server "$MK_SERVER" --token-file "$GPU_TMP/mk-gpu.token" --poll-interval 500 \
        </dev/null >/dev/null 2>>"$GPU_TMP/mk-gpu.log" 3>&- &
    disown # no "Killed" notice when the restart test kills it
    GPU_PID=$!
    echo "$GPU_PID" >"$GPU_TMP/mk-gpu.pid"
}

stop_gpu() {
    local pid
    pid=$(cat "$GPU_TMP/mk-gpu.pid" 2>/dev/null) || return 0
    kill "${1:--TERM}" "$pid" 2>/dev/null || true
    wait_for 10 eval '! pid_alive '"$pid"
    rm -f "$GPU_TMP/mk-gpu.pid"
}

# make_secret NAME KNOWN_HOSTS_FILE: the HPC login as Kubernetes stores it.
make_secret() {
    local body
    body=$(jq -n --arg name "$1" --arg host "$HPC_HOST" --arg port "$HPC_PORT" \
        --arg user "$HPC_USER" --rawfile key "$HPC_KEY" --rawfile kh "$2" \
        '{apiVersion: "v1", kind: "Secret", metadata: {name: $name},
          data: {host: ($host | @base64), port: ($port | @base64), user: ($user | @base64),
                 privateKey: ($key | @base64), knownHosts: ($kh | @base64)}}')
    req POST /api/v1/namespaces/default/secrets -H 'Content-Type: application/json' -d "$body"
    [ "$CODE" = 201 ] || { echo "secret: $CODE $BODY" >&2; return 1; }
}

# make_job NAME SPEC_JSON: a GpuJob whose spec is SPEC_JSON over defaults
# (slurm debug partition, 1 CPU, 100M, 5 minutes; secret hpc).
make_job() {
    local body
    body=$(jq -n --arg name "$1" --argjson spec "$2" '
        {apiVersion: "minik8s.io/v1", kind: "GpuJob", metadata: {name: $name},
         spec: ({slurm: {partition: "debug", nodes: 1, ntasksPerNode: 1, cpusPerTask: 1,
                         timeLimit: "00:05:00", memory: "100M"},
                 backoffLimit: 0, hpc: {secretRef: {name: "hpc"}}}
                * $spec)}')
    req POST /apis/minik8s.io/v1/namespaces/default/gpujobs -H 'Content-Type: application/json' -d "$body"
    [ "$CODE" = 201 ] || { echo "gpujob: $CODE $BODY" >&2; return 1; }
}

# The example's CUDA source, as JSON.
example_sources() {
    python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))["spec"]["sources"]))' "$EXAMPLE"
}

job() { # job NAME JQ-FILTER
    req GET "/apis/minik8s.io/v1/namespaces/default/gpujobs/$1"
    [ "$CODE" = 200 ] || return 1
    jq -r "$2" <<<"$BODY"
}

phase_is() { [ "$(job "$1" .status.phase)" = "$2" ]; }

wait_phase() { # wait_phase NAME PHASE SECONDS
    wait_for "$3" phase_is "$1" "$2" || {
        echo "gpujob $1: wanted $2, status: $(job "$1" .status)" >&2
        return 1
    }
}

slurm_jobs_named() { # how many jobs Slurm remembers with this GpuJob's name
    scontrol -o show jobs 2>/dev/null | grep -c "JobName=mk-default-$1 " || true
}

@test "gpu: mk-gpu --help, and a clear error without a server" {
    run "$MK_BIN/mk-gpu" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"--poll-interval"* ]]
    run "$MK_BIN/mk-gpu" --server "http://127.0.0.1:$(free_port)"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot reach the API server"* ]]
}

@test "gpu: the CUDA example is built by nvcc in Slurm, runs, and its output comes back" {
    make_job matmul "{\"sources\": $(example_sources),
        \"build\": [\"nvcc -O2 -o matmul matmul.cu\"], \"run\": [\"./matmul 64 --host-fallback\"]}"
    wait_phase matmul Succeeded 120
    [[ "$(job matmul .status.output)" == *"matmul 64x64 on the host (no GPU: cudaErrorInsufficientDriver)"*": PASS"* ]]
    [ "$(job matmul .status.exitCode)" = 0 ]
    [ "$(job matmul .status.attempts)" = 1 ]
    [[ "$(job matmul .status.jobId)" =~ ^[0-9]+$ ]]
    [ "$(job matmul .status.outputTruncated)" = false ]
    for t in submitTime startTime completionTime; do
        [[ "$(job matmul .status.$t)" == 20*Z ]]
    done
    # The full output, owned by the job.
    req GET /api/v1/namespaces/default/configmaps/matmul-output
    [ "$CODE" = 200 ]
    [[ "$(jq -r .data.stdout <<<"$BODY")" == *'$ nvcc -O2 -o matmul matmul.cu'*PASS* ]]
    [ "$(jq -r '.metadata.ownerReferences[0].uid' <<<"$BODY")" = "$(job matmul .metadata.uid)" ]
    # The Slurm script asked for what the spec said.
    uid8=$(job matmul .metadata.uid | tr -d - | cut -c1-8)
    run hpc_ssh "cat minik8s-gpujobs/default-matmul-$uid8/minik8s-job.sh"
    [[ "$output" == *"#SBATCH --partition=debug"*"#SBATCH --time=00:05:00"*"#SBATCH --mem=100M"* ]]
}

@test "gpu: a build error fails the job with the compiler's line" {
    make_job broken '{"sources": [{"name": "bad.cu", "content": "int main()\n{\n    return undefined_thing;\n}\n"}],
        "build": ["nvcc -o bad bad.cu"], "run": ["./bad"]}'
    wait_phase broken Failed 120
    [ "$(job broken .status.reason)" = BuildFailed ]
    [[ "$(job broken .status.message)" == *'bad.cu(3): error: identifier "undefined_thing" is undefined'* ]]
    [ "$(job broken .status.exitCode)" = 3 ]
}

@test "gpu: a runtime failure reports the exit code, and backoffLimit retries it" {
    make_job crash '{"run": ["echo computing", "exit 42"], "backoffLimit": 1}'
    wait_phase crash Failed 60
    [ "$(job crash .status.reason)" = RuntimeError ]
    [ "$(job crash .status.exitCode)" = 42 ]
    [ "$(job crash .status.attempts)" = 2 ]
    [[ "$(job crash .status.output)" == *computing* ]]
    [ "$(slurm_jobs_named crash)" = 2 ]
}

@test "gpu: the ConfigMap example (several files and a Makefile) builds and runs" {
    # Document 0 is the ConfigMap, 1 the GpuJob; this node has no GPU gres.
    doc() {
        python3 -c 'import json, sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
d = docs[int(sys.argv[2])]
if d["kind"] == "GpuJob":
    del d["spec"]["slurm"]["gres"]
    d["spec"]["run"] = ["./saxpy --host-fallback"]
print(json.dumps(d))' "$MK_ROOT/examples/gpujob-saxpy.yaml" "$1"
    }
    req POST /api/v1/namespaces/default/configmaps -H 'Content-Type: application/json' -d "$(doc 0)"
    [ "$CODE" = 201 ]
    req POST /apis/minik8s.io/v1/namespaces/default/gpujobs -H 'Content-Type: application/json' -d "$(doc 1)"
    [ "$CODE" = 201 ]
    wait_phase saxpy Succeeded 120
    [[ "$(job saxpy .status.output)" == *"nvcc -O2 -o saxpy saxpy.cu"*"saxpy of 1048576 floats on the host (no GPU): 0 wrong: PASS"* ]]
}

@test "gpu: sbatch refusing the job fails it with Slurm's words" {
    # This node has no GPU gres: Slurm refuses the request at submit time.
    make_job nogpu '{"run": ["true"], "slurm": {"gres": "gpu:1"}}'
    wait_phase nogpu Failed 30
    [ "$(job nogpu .status.reason)" = SubmitFailed ]
    [ "$(job nogpu .status.message)" = "sbatch: error: Invalid generic resource (gres) specification" ]
    [ "$(job nogpu .status.jobId)" = null ]
}

@test "gpu: a job waits for its Secret, then runs" {
    make_job patient '{"run": ["echo got it"], "hpc": {"secretRef": {"name": "later"}}}'
    wait_for 20 eval '[ "$(job patient .status.reason)" = SecretNotFound ]'
    [ "$(job patient .status.phase)" = Pending ]
    make_secret later "$HPC_KNOWN_HOSTS"
    wait_phase patient Succeeded 60
    [ "$(job patient .status.output)" = "got it" ]
}

@test "gpu: a job whose name leaves no room for its output ConfigMap still ends" {
    name=a-gpu-job-with-a-name-so-long-that-name-dash-output-breaks-63
    [ ${#name} -le 63 ] && [ $((${#name} + 7)) -gt 63 ]
    make_job "$name" '{"run": ["echo long names work"]}'
    wait_phase "$name" Succeeded 60
    [ "$(job "$name" .status.output)" = "long names work" ]
}

@test "gpu: a host key that does not match known_hosts is refused; nothing is submitted" {
    ssh-keygen -q -t ed25519 -N '' -f "$GPU_TMP/other_host_key"
    echo "[$HPC_HOST]:$HPC_PORT $(cut -d' ' -f1,2 "$GPU_TMP/other_host_key.pub")" >"$GPU_TMP/wrong_known_hosts"
    make_secret wrongkey "$GPU_TMP/wrong_known_hosts"
    make_job spoofed '{"run": ["echo should never run"], "hpc": {"secretRef": {"name": "wrongkey"}}}'
    wait_phase spoofed Failed 30
    [ "$(job spoofed .status.reason)" = HostKeyMismatch ]
    [[ "$(job spoofed .status.message)" == *"differs from known_hosts"* ]]
    [ "$(job spoofed .status.jobId)" = null ]
    [ "$(slurm_jobs_named spoofed)" = 0 ]
    run hpc_ssh 'ls -d minik8s-gpujobs/default-spoofed-*'
    [ "$status" -ne 0 ]
}

@test "gpu: a Slurm job submitted but not recorded before a crash is adopted, not resubmitted" {
    stop_gpu
    make_job adopt '{"run": ["echo submitted by mk-gpu"]}'
    wd=minik8s-gpujobs/default-adopt-$(job adopt .metadata.uid | tr -d - | cut -c1-8)
    # What an mk-gpu that died right after sbatch leaves behind: a Slurm job
    # whose ID is in minik8s-jobid-1, and a GpuJob with no status.
    id=$(hpc_ssh "mkdir -p $wd && cd $wd && sbatch --parsable --job-name=mk-default-adopt \
        --output=slurm-%j.out --error=slurm-%j.err --wrap 'echo submitted before the crash' |
        tee minik8s-jobid-1")
    [[ "$id" =~ ^[0-9]+$ ]]
    start_gpu
    wait_phase adopt Succeeded 60
    [ "$(job adopt .status.jobId)" = "$id" ]
    [ "$(job adopt .status.attempts)" = 1 ]
    [[ "$(job adopt .status.output)" == *"submitted before the crash"* ]]
    [ "$(slurm_jobs_named adopt)" = 1 ]
}

@test "gpu: mk-gpu killed mid-job resumes the same Slurm job after a restart" {
    make_job resume '{"run": ["sleep 4", "echo resumed fine"]}'
    wait_for 30 eval '[[ "$(job resume .status.jobId)" =~ ^[0-9]+$ ]]'
    id=$(job resume .status.jobId)
    stop_gpu -KILL
    sleep 1
    start_gpu
    wait_phase resume Succeeded 60
    [ "$(job resume .status.jobId)" = "$id" ]
    [ "$(job resume .status.attempts)" = 1 ]
    [[ "$(job resume .status.output)" == *"resumed fine"* ]]
    [ "$(slurm_jobs_named resume)" = 1 ]
}

@test "gpu: a job that ends while the API server is down is recorded when it is back" {
    make_job survivor '{"run": ["sleep 3", "echo survived"]}'
    wait_phase survivor Running 30
    MK_APISERVER_PID=$(cat "$GPU_TMP/apiserver.pid")
    stop_apiserver
    sleep 5 # the Slurm job ends meanwhile; mk-gpu cannot write it down
    MK_APISERVER_LISTEN=${MK_SERVER#http://} start_apiserver --token-file "$GPU_TMP/tokens" 3>&-
    echo "$MK_APISERVER_PID" >"$GPU_TMP/apiserver.pid"
    wait_phase survivor Succeeded 60
    [ "$(job survivor .status.output)" = survived ]
    [ "$(job survivor .status.attempts)" = 1 ]
}

@test "gpu: deleting a running job cancels it in Slurm and removes its files" {
    make_job longrun '{"run": ["sleep 300"]}'
    wait_phase longrun Running 30
    id=$(job longrun .status.jobId)
    uid8=$(job longrun .metadata.uid | tr -d - | cut -c1-8)
    hpc_ssh "test -d minik8s-gpujobs/default-longrun-$uid8"
    req DELETE /apis/minik8s.io/v1/namespaces/default/gpujobs/longrun
    [ "$CODE" = 200 ]
    wait_for 20 eval 'scontrol -o show job '"$id"' | grep -q JobState=CANCELLED'
    wait_for 10 eval '! hpc_ssh "test -e minik8s-gpujobs/default-longrun-'"$uid8"'"'
    req GET /api/v1/namespaces/default/configmaps/longrun-output
    [ "$CODE" = 404 ]
}

@test "gpu: the time limit ends a job as TimeLimit" {
    # Submitted in setup_file with timeLimit 1 (minute): Slurm ends it
    # within about 90 s of its start.
    wait_phase timeout Failed 180
    [ "$(job timeout .status.reason)" = TimeLimit ]
    [[ "$(job timeout .status.output)" == *started* ]]
}
