#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Install what UltraNIO needs (idempotently), mount bpffs and build.
# Usage: manager/setup.sh [BUILD_DIR]   (default: build/ in the source tree)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}

# Build: compilers, libbpf/libxdp/bpftool, libyaml, json-c and zlib (the
# kernel configuration for its HZ, manager/runtime/clock.c); BPF programs
# need only linux-libc-dev's UAPI headers and libbpf's (no libc headers).
# Tests and demo: iproute2 (ip, tc), ethtool, ping, socat, iperf3, cmocka,
# setpriv (util-linux), gnuplot for nfbench's plots. nfmgrd serves its
# metrics with libmicrohttpd and watches the kernel's neighbours and
# routes with libmnl; its test parses the metrics with python3's
# prometheus_client and runs the daemon under valgrind once. nfbench
# measures the nat module beside nftables' masquerade.
packages=(
	build-essential cmake pkg-config clang llvm
	libbpf-dev libxdp-dev xdp-tools bpftool libyaml-dev zlib1g-dev
	libjson-c-dev libcmocka-dev linux-libc-dev libmicrohttpd-dev libmnl-dev
	iproute2 ethtool iputils-ping socat iperf3 procps python3 util-linux
	gnuplot-nox python3-prometheus-client valgrind nftables
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! mount | grep -q 'on /sys/fs/bpf type bpf'; then
	mount -t bpf bpf /sys/fs/bpf
fi

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
echo "setup: built in $build" >&2
