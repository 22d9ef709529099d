#!/bin/sh
# tools/deps.sh - install every Debian package minik8s needs; idempotent and
# quiet when nothing is missing. Run as root (make deps).
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev clang-format
libjson-c-dev libyaml-dev libsqlite3-dev libcurl4-openssl-dev libmicrohttpd-dev libwslay-dev zlib1g-dev
libfuse3-dev fuse3 libssh-dev libssl-dev libcmocka-dev uthash-dev bats curl
etcd-server etcd-client wrk jq openssl python3
runc crun conmon nftables busybox-static libnftables-dev libmnl-dev libnl-3-dev
libnl-route-3-dev umoci skopeo iproute2 iputils-ping
openssh-server slurm-wlm munge nginx-light dnsmasq-base vim-tiny"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
# kubectl: the image may ship one (google-cloud-cli); Debian's otherwise.
command -v kubectl >/dev/null 2>&1 || missing="$missing kubernetes-client"
[ -n "$missing" ] || exit 0
if [ "$(id -u)" != 0 ]; then
    echo "make deps: missing packages:$missing (run as root)" >&2
    exit 1
fi
echo "make deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
