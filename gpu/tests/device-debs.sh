#!/usr/bin/env bash
# gpu/tests/device-debs.sh - fetch the Debian packages device-check.sh
# needs, for a GPU machine that cannot reach a package archive itself.
#
#   gpu/tests/device-debs.sh DIR
#
# Run on a Debian 12 machine that reaches its archive (no root needed):
# DIR gets the .deb files of munge, Slurm (slurmctld, slurmd, the client),
# OpenSSH (server and client), jq, curl and the libraries mk-apiserver and
# mk-gpu link, with everything they depend on, less what every Debian or
# Ubuntu system has (libc, perl, dpkg, the init helpers). On the GPU
# machine, build here and carry bin/ along, then:
#
#   MK_DEVICE_CHECK_DEBS=DIR MK_DEVICE_CHECK_PREBUILT=1 gpu/tests/device-check.sh
#
# which unpacks them into / without replacing a file that is already there.
set -euo pipefail
if [ $# -ne 1 ] || [ "$1" = --help ]; then
    sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'
    [ $# -eq 1 ]
    exit
fi
dir=$1

# What device-check.sh runs, and the libraries of bin/mk-apiserver and
# bin/mk-gpu (Makefile PKGS, less fuse: neither binary mounts anything).
want="munge slurmctld slurmd slurm-client openssh-server openssh-client
jq curl procps passwd libjson-c5 libyaml-0-2 libsqlite3-0 libcurl4
libmicrohttpd12 libssh-4 libwslay1 libssl3"

# Present on any Debian or Ubuntu system, or only there for maintainer
# scripts, which unpacking by hand does not run.
base="libc6 libgcc-s1 libstdc++6 gcc-12-base perl perl-base perl-modules-5.36
libperl5.36 dpkg debconf cdebconf tar usrmerge usr-is-merged adduser
init-system-helpers install-info sysvinit-utils lsb-base runit-helper ucf
sensible-utils libfile-find-rule-perl libnumber-compare-perl
libtext-glob-perl libdebian-installer4 libnewt0.52 libslang2 libtextwrap1
libpam-modules libpam-modules-bin libpam-runtime libsemanage-common
libsemanage2 libsepol2 libselinux1 readline-common"

# shellcheck disable=SC2086
pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $want | grep -v '^[ <]' | sort -u |
    grep -vxF -f <(tr ' ' '\n' <<<"$base" | grep .))
mkdir -p "$dir"
cd "$dir"
# shellcheck disable=SC2086
apt-get download $pkgs
echo "$(find . -name "*.deb" | wc -l) packages, $(du -sh . | cut -f1) in $dir"
