#!/usr/bin/env bash
# tests/fuzz/run.sh - build the codec/validation fuzzer with libFuzzer and
# run it for MK_FUZZ_SECONDS (default 30) from a small seed corpus (manifests,
# selectors, quantities and kubectl's protobuf bodies).
# Prints one TAP line; everything it makes lives under build/fuzz/.
set -u
cd "$(dirname "$0")/../.." || exit 1
secs=${MK_FUZZ_SECONDS:-30}
out=build/fuzz
bin=$out/fuzz_decode
echo "1..1"

mkdir -p "$out"
rm -rf "$out/crashes" # only this run's findings are kept
if ! command -v clang >/dev/null; then
    echo "not ok 1 - fuzz decode+validate # clang not found"
    exit 1
fi
# The sources the decoder and the validator reach (not the client's, which
# would need libcurl): a store/ file they come to call belongs here too.
# shellcheck disable=SC2046
if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -std=c17 -D_GNU_SOURCE -I. $(pkg-config --cflags json-c yaml-0.1) \
    -o "$bin" tests/fuzz/fuzz_decode.c \
    store/error.c store/util.c store/kinds.c store/codec.c store/quantity.c \
    store/validate*.c store/schema.c store/selector.c store/log.c store/cron.c store/hpaconv.c \
    store/defaults.c store/qos.c store/quota.c \
    store/server/protobuf.c store/server/pbschema.c \
    -ljson-c -lyaml -lm >"$out/build.log" 2>&1; then
    cat "$out/build.log"
    echo "not ok 1 - fuzz decode+validate # build failed"
    exit 1
fi

work=$(mktemp -d "$PWD/$out/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
seeds=$work/seeds
mkdir -p "$seeds" "$work/crashes" "$work/corpus"
cat >"$seeds/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: app
    image: nginx
    ports: [{containerPort: 80}]
    resources: {limits: {cpu: 500m, memory: 128Mi}}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
YAML
cat >"$seeds/rs.json" <<'JSON'
{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"a","image":"busybox"}]}}}}
JSON
cat >"$seeds/wf.yaml" <<'YAML'
apiVersion: minik8s.io/v1
kind: Workflow
metadata: {name: wf}
spec:
  StartAt: a
  States:
    a: {Type: Task, Resource: f, Next: b}
    b:
      Type: Choice
      Choices: [{Variable: $.x, NumericGreaterThan: 1.5, Next: c}]
      Default: c
    c: {Type: Succeed}
YAML
cat >"$seeds/misc.yaml" <<'YAML'
# comment
---
base: &b {a: 1, b: "2", c: yes, d: ~, e: 0x1F, f: .inf}
use: *b
merged: {<<: *b, a: 3}
text: |
  line one
  line two
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {ports: [{port: 80, targetPort: http}], selector: {app: web}}
YAML
cat >"$seeds/quota.yaml" <<'YAML'
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
spec:
  hard: {pods: 4, requests.cpu: '2', limits.memory: 4Gi}
  scopeSelector:
    matchExpressions: [{scopeName: PriorityClass, operator: In, values: [high]}]
status: {hard: {pods: '4'}, used: {pods: '1'}}
YAML
cat >"$seeds/limitrange.yaml" <<'YAML'
apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits:
  - {type: Container, min: {cpu: 100m}, max: {cpu: '2'}, maxLimitRequestRatio: {cpu: 4},
     default: {cpu: 500m}, defaultRequest: {cpu: 200m}}
  - {type: PersistentVolumeClaim, max: {storage: 10Gi}}
YAML
cat >"$seeds/netpol.yaml" <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db}
spec:
  podSelector: {matchLabels: {app: db}, matchExpressions: [{key: tier, operator: Exists}]}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - {podSelector: {matchLabels: {app: web}}, namespaceSelector: {matchLabels: {env: prod}}}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports: [{protocol: TCP, port: 5432}, {port: 8000, endPort: 8080}, {protocol: UDP, port: dns}]
  egress:
  - to: [{namespaceSelector: {}}]
    ports: [{protocol: SCTP, port: 53}]
YAML
cat >"$seeds/priorityclass.yaml" <<'YAML'
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: system-node-critical}
value: 2000001000
globalDefault: false
description: nodes first
preemptionPolicy: PreemptLowerPriority
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  priorityClassName: high
  priority: 1000
  preemptionPolicy: Never
  containers: [{name: a, image: busybox}]
YAML
printf 'app=web,tier in (a, b),!gpu' >"$seeds/selector"
printf '1.5Gi' >"$seeds/quantity"
cp tests/unit/protobuf/*.pb "$seeds/" # kubectl's own protobuf bodies

log=$out/fuzz.log
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/crashes/" -print_final_stats=1 "$work/corpus" "$seeds" \
    >"$log" 2>&1
rc=$?
runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
if [ $rc -eq 0 ]; then
    echo "ok 1 - fuzz decode+validate (${runs:-0} runs)"
    exit 0
fi
mkdir -p "$out/crashes"
cp "$work"/crashes/* "$out/crashes/" 2>/dev/null
tail -40 "$log"
echo "not ok 1 - fuzz decode+validate (exit $rc; crash files: $(find "$out/crashes" -type f | tr '\n' ' '))"
exit 1
