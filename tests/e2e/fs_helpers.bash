# tests/e2e/fs_helpers.bash - a real mk-fs mount of a real mk-apiserver.
#
#   load helpers; load fs_helpers      (from a .bats file in tests/e2e)
#   start_mount [mk-fs flags...]       mount MK_SERVER on a fresh MK_MNT with mk-fs -f
#                                      (MK_FS: another mk-fs binary, e.g. an ASan build);
#                                      sets MK_MNT, MK_FS_PID, MK_FS_LOG
#   stop_mount                         fusermount3 -u, stop mk-fs by pid, remove MK_MNT
#   errors_line PATH                   the newest .errors line about PATH
#   create_json PATH JSON              POST JSON to the API (curl), straight past the mount
#   fs_probe                           build tests/e2e/fs_probe.c once (poll / EBUSY checks)

start_mount() {
    MK_MNT=$(mktemp -d /tmp/mk-fs-mnt.XXXXXX)
    MK_FS_LOG=${BATS_FILE_TMPDIR:-/tmp}/mk-fs.$(basename "$MK_MNT").log
    "${MK_FS:-$MK_BIN/mk-fs}" -f --server "$MK_SERVER" "$@" "$MK_MNT" 2>>"$MK_FS_LOG" &
    MK_FS_PID=$!
    local i
    for ((i = 0; i < 150; i++)); do
        mountpoint -q "$MK_MNT" && [ -e "$MK_MNT/.errors" ] && break
        if ! kill -0 "$MK_FS_PID" 2>/dev/null; then
            echo "mk-fs did not start:" >&2
            cat "$MK_FS_LOG" >&2
            return 1
        fi
        sleep 0.1
    done
    mountpoint -q "$MK_MNT" || { echo "mk-fs: no mount in 15 s" >&2; cat "$MK_FS_LOG" >&2; return 1; }
    export MK_MNT MK_FS_PID MK_FS_LOG
}

stop_mount() {
    local pid=${MK_FS_PID:-} i
    if [ -n "${MK_MNT:-}" ] && mountpoint -q "$MK_MNT"; then
        fusermount3 -u "$MK_MNT" 2>/dev/null || fusermount3 -uz "$MK_MNT" 2>/dev/null || true
    fi
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    # Only an empty, unmounted folder is removed: never recurse into a mount.
    if [ -n "${MK_MNT:-}" ] && ! mountpoint -q "$MK_MNT"; then
        rmdir "$MK_MNT" 2>/dev/null || true
    fi
    MK_FS_PID=
}

errors_line() {
    grep -F " /$1 " "$MK_MNT/.errors" | tail -n 1
}

create_json() {
    curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -d "$2" "$MK_SERVER$1"
}

fs_probe() {
    FS_PROBE=${BATS_FILE_TMPDIR:-/tmp}/fs_probe
    [ -x "$FS_PROBE" ] || cc -O1 -Wall -o "$FS_PROBE" "$MK_ROOT/tests/e2e/fs_probe.c"
}
