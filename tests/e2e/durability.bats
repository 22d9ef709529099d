#!/usr/bin/env bats
# Durability (issue 2): creates stream in while mk-apiserver is SIGKILLed;
# after a restart on the same data dir every acknowledged object is there,
# with the revision it was acknowledged with, and no revision is reused.

load helpers

# Each test has its own server; a restart inside a test keeps the data dir
# and address (start_apiserver reuses MK_APISERVER_DATA / _LISTEN).
setup() {
    unset MK_APISERVER_DATA MK_APISERVER_LISTEN
    start_apiserver
    MK_APISERVER_LISTEN=${MK_SERVER#http://}
}

teardown() {
    stop_apiserver KILL
}

# One writer: create pods one after another, appending "name rv" to its
# file only once the server has answered 201.
writer() {
    local id=$1 out=$2 i=0 body code rv
    while :; do
        body=$(curl -sS -m 5 -w '\n%{http_code}' -H 'Content-Type: application/json' \
            -d "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"d-$id-$i\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}" \
            "$MK_SERVER/api/v1/namespaces/default/pods" 2>/dev/null) || return 0
        code=${body##*$'\n'}
        [ "$code" = 201 ] || return 0
        rv=$(sed -n 's/.*"resourceVersion":"\([0-9]*\)".*/\1/p' <<<"${body%$'\n'*}")
        echo "d-$id-$i $rv" >>"$out"
        i=$((i + 1))
    done
}

@test "every acknowledged create survives SIGKILL; revisions are never reused" {
    local acked=$BATS_FILE_TMPDIR/acked pids=() w
    : >"$acked"
    for w in 1 2 3 4; do
        writer "$w" "$acked.$w" &
        pids+=($!)
    done
    sleep 2
    stop_apiserver KILL
    for w in "${pids[@]}"; do wait "$w" || true; done
    cat "$acked".* >"$acked"
    local n
    n=$(wc -l <"$acked")
    echo "acknowledged before the kill: $n"
    [ "$n" -gt 20 ]

    start_apiserver
    req GET /api/v1/namespaces/default/pods
    [ "$CODE" = 200 ]
    echo "$BODY" | jq -r '.items[] | "\(.metadata.name) \(.metadata.resourceVersion)"' | sort >"$acked.after"
    sort "$acked" >"$acked.sorted"
    # Every acknowledged object is present with the revision it was acked with.
    local missing
    missing=$(comm -23 "$acked.sorted" "$acked.after")
    [ -z "$missing" ] || { echo "lost: $missing"; false; }

    # The next write gets a revision above everything seen before the crash.
    local max_before
    max_before=$(echo "$BODY" | jq -r '[.items[].metadata.resourceVersion | tonumber] | max')
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' \
        -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"after"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
    [ "$CODE" = 201 ]
    local rv
    rv=$(echo "$BODY" | jq -r .metadata.resourceVersion)
    [ "$rv" -gt "$max_before" ]
}

@test "a deleted newest key does not hand its revision out again after a crash" {
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' \
        -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"newest"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
    [ "$CODE" = 201 ]
    req DELETE /api/v1/namespaces/default/pods/newest
    [ "$CODE" = 200 ]
    local deleted_rv
    req GET "/api/v1/namespaces/default/pods?limit=1"
    deleted_rv=$(echo "$BODY" | jq -r .metadata.resourceVersion)
    stop_apiserver KILL
    start_apiserver
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' \
        -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"newest"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
    [ "$CODE" = 201 ]
    [ "$(echo "$BODY" | jq -r .metadata.resourceVersion)" -gt "$deleted_rv" ]
}
