#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Shared by the integration tests: a private UltraNIO state root, endpoint
# namespaces joined to the host by veth pairs, and cleanup on exit.
#
#   . lib.sh
#   nfc_topology 2      # hosts h1, h2: namespace $NS1, host-side veth $HV1,
#                       # MAC $MAC1, IP 10.$T.0.1/24 ...
set -euo pipefail

: "${NFC_BUILD:?NFC_BUILD must point at the build tree}"
NFCTL=$NFC_BUILD/manager/nfctl
TRAFFIC=$NFC_BUILD/tests/tools/nfc-traffic

# A short unique tag: names must fit IFNAMSIZ and not meet another test's.
T=$(( ($$ % 200) + 20 ))
TAG=$(printf 'n%05d' $(( $$ % 100000 )))
export ULTRANIO_BPFFS=/sys/fs/bpf/ultranio-test-$TAG
export ULTRANIO_STATE=/run/ultranio-test-$TAG
WORK=$(mktemp -d /tmp/nfc-$TAG.XXXXXX)

NFC_PIDS=()
NFC_NETNS=()
NFC_LINKS=()

nfc_cleanup() {
	local p ns l
	for p in "${NFC_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${NFC_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ -d "$ULTRANIO_STATE" ] && [ -x "$NFCTL" ]; then
		for c in $("$NFCTL" -j chain list 2>/dev/null |
			   python3 -c 'import json,sys; [print(c["name"]) for c in json.load(sys.stdin)]' 2>/dev/null); do
			"$NFCTL" chain delete "$c" >/dev/null 2>&1 || true
		done
	fi
	for l in "${NFC_LINKS[@]}"; do
		ip link del "$l" 2>/dev/null || true
	done
	for ns in "${NFC_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$ULTRANIO_BPFFS" "$ULTRANIO_STATE" "$WORK"
}
trap nfc_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	echo "ok: $*"
}

mount | grep -q 'on /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf

# nfc_host I: namespace $NSi with eth0 (MAC 02:00:00:$T:00:0i, IP
# 10.$T.0.i/24) joined to host-side veth $HVi. Checksums are filled in by
# the sender (tx offload off): frames redirected by XDP between veths carry
# no partial-checksum state.
nfc_host() {
	local i=$1 ns=nfc-$TAG-h$i hv=${TAG}h$i
	local mac ip
	mac=$(printf '02:00:00:%02x:00:%02x' "$T" "$i")
	ip=10.$T.0.$i
	ip netns add "$ns"
	NFC_NETNS+=("$ns")
	ip link add "$hv" type veth peer name eth0 netns "$ns"
	NFC_LINKS+=("$hv")
	ip -n "$ns" link set eth0 address "$mac"
	ip -n "$ns" addr add "$ip/24" dev eth0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip link set "$hv" up
	ip netns exec "$ns" ethtool -K eth0 tx off gro on >/dev/null 2>&1 || true
	ethtool -K "$hv" gro on >/dev/null 2>&1 || true
	eval "NS$i=$ns HV$i=$hv MAC$i=$mac IP$i=$ip"
}

# nfc_topology N: N hosts that know each other's MACs (static neighbours:
# the macrouter forwards by MAC, it does not flood ARP).
nfc_topology() {
	local n=$1 i j
	for ((i = 1; i <= n; i++)); do
		nfc_host "$i"
	done
	for ((i = 1; i <= n; i++)); do
		for ((j = 1; j <= n; j++)); do
			((i == j)) && continue
			local ns=NS$i ip=IP$j mac=MAC$j
			ip -n "${!ns}" neigh replace "${!ip}" lladdr "${!mac}" dev eth0 nud permanent
		done
	done
}

# nfc_mr_chain NAME [MODULE]: a descriptor on stdout: chain NAME at XDP on
# $HV1 and $HV2, one macrouter node `mr` routing h1's and h2's MACs.
nfc_mr_chain() {
	cat <<YAML
chain: $1
attach:
  - {interface: $HV1, hook: xdp, mode: native}
  - {interface: $HV2, hook: xdp, mode: native}
entry: mr
nodes:
  - name: mr
    module: ${2:-macrouter}
    config:
      routes:
        - {mac: "$MAC1", interface: $HV1}
        - {mac: "$MAC2", interface: $HV2}
YAML
}

# json FILE_OR_- EXPR: evaluate a Python expression over JSON as `j`.
json() {
	python3 -c "import json,sys; j=json.load(open(sys.argv[1]) if sys.argv[1] != '-' else sys.stdin); print($2)" "$1"
}

# Start a background process we own; its pid is kept for cleanup.
bg() {
	"$@" &
	NFC_PIDS+=($!)
}

wait_file() {
	local f=$1 n=0
	while [ ! -s "$f" ]; do
		sleep 0.05
		n=$((n + 1))
		[ $n -lt 200 ] || fail "timed out waiting for $f"
	done
}
