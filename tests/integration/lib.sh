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

# Python is Debian's (manager/setup.sh installs python3 and the modules the
# tests import), not whatever comes first in PATH: a version manager's shim
# there (pyenv) costs 0.4 s a call, Debian's 0.05, and the tests run it
# hundreds of times, in namespaces too (ip netns exec finds it by PATH).
mkdir "$WORK/bin"
ln -s /usr/bin/python3 "$WORK/bin/python3"
PATH=$WORK/bin:$PATH

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
	# a test that leaves more chains than are worth deleting one by one
	# sets NFC_FAST_CLEANUP: its links and pins go, and with them the
	# attachments and programs
	if [ -z "${NFC_FAST_CLEANUP:-}" ] && [ -d "$ULTRANIO_STATE" ] && [ -x "$NFCTL" ]; then
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

# Tests where every case runs and the failures are listed at the end:
# nfc_every_case, then bad/expect/is_json/says as they go, nfc_verdict last.
nfc_every_case() {
	set +e
	FAILS=()
}
bad() {
	echo "FAIL: $*" >&2
	FAILS+=("$*")
}
# expect RC CMD...: the exit code, stdout in $WORK/out, stderr in $WORK/err
expect() {
	local want=$1 rc
	shift
	"$@" > "$WORK/out" 2> "$WORK/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "'$*' exited $rc, expected $want: $(head -c 300 "$WORK/err")"
		return 1
	fi
	pass "'$*' exits $want"
}
# is_json CMD...: $WORK/out (what CMD printed) parses as JSON
is_json() {
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/out" 2>/dev/null ||
		bad "'$*' is not JSON: $(head -c 200 "$WORK/out")"
}
# says FILE TEXT: FILE holds TEXT
says() {
	grep -qF -- "$2" "$1" || bad "expected '$2' in: $(head -c 400 "$1")"
}
nfc_verdict() {
	echo
	if [ ${#FAILS[@]} -gt 0 ]; then
		echo "${#FAILS[@]} FAILED:"
		printf '  %s
' "${FAILS[@]}"
		exit 1
	fi
	echo "all passed"
}

mount | grep -q 'on /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf

# nfc_host I: namespace $NSi with eth0 (MAC 02:00:00:$T:00:0i, IP
# 10.$T.0.i/24) joined to host-side veth $HVi, with default interface
# settings (checksum offload on), as a container is.
nfc_host() {
	local i=$1
	local ns=nfc-$TAG-h$i hv=${TAG}h$i mac ip
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
	eval "NS$i=$ns HV$i=$hv MAC$i=$mac IP$i=$ip"
}

# nfc_xdp_endpoints I...: what a chain at xdp between veths needs, which
# nfctl warns about: XDP sees the frames without the skb's checksum state,
# so senders must fill in their checksums (tx offload off), and a veth
# accepts redirected frames only with NAPI (GRO) on. Only tests of the xdp
# hook itself call this; tc-ingress, the hook for container endpoints,
# needs neither.
nfc_xdp_endpoints() {
	local i ns hv
	for i in "$@"; do
		ns=NS$i hv=HV$i
		ip netns exec "${!ns}" ethtool -K eth0 tx off gro on >/dev/null
		ethtool -K "${!hv}" gro on >/dev/null
	done
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

# nfc_mr_chain NAME [MODULE] [HOOK]: a descriptor on stdout: chain NAME at
# HOOK (default tc-ingress) on $HV1 and $HV2, one macrouter node `mr`
# routing h1's and h2's MACs.
nfc_mr_chain() {
	local hook=${3:-tc-ingress}
	cat <<YAML
chain: $1
attach:
  - {interface: $HV1, hook: $hook}
  - {interface: $HV2, hook: $hook}
entry: mr
nodes:
$(nfc_mr_node "${2:-macrouter}")
YAML
}

# nfc_acl_chain NAME: a descriptor on stdout: chain NAME at tc-ingress on
# $HV1 and $HV2, the acl test module (rules added with nfctl nf) before
# the macrouter of nfc_mr_node.
nfc_acl_chain() {
	cat <<YAML
chain: $1
attach:
  - {interface: $HV1, hook: tc-ingress}
  - {interface: $HV2, hook: tc-ingress}
entry: acl
nodes:
  - {name: acl, module: acl}
$(nfc_mr_node)
links:
  - {from: acl, on: pass, to: mr}
YAML
}

# nfc_mr_node [MODULE] [DEFAULT]: a descriptor's node `mr` on stdout, a
# macrouter routing h1's and h2's MACs to their veths (default: drop);
# more routes may follow it.
nfc_mr_node() {
	cat <<YAML
  - name: mr
    module: ${1:-macrouter}
    config:
      default: ${2:-drop}
      routes:
        - {mac: "$MAC1", interface: $HV1}
        - {mac: "$MAC2", interface: $HV2}
YAML
}

# nfc_tcp_1mib I J: 1 MiB over TCP from host I to host J, byte for byte.
# nfc_l2_frames FROM DST COUNT [TAG [TAG1 TAG2 TAG3 TAG4]]: COUNT raw frames
# (nfc-traffic, one run id each call) from host FROM to MAC DST, sent with
# an 802.1Q tag of VLAN TAG (default none: untagged). Hosts 1-4 count the
# run's frames that arrive tagged TAGi (default none: untagged; counted at
# TC ingress, where a tag in the frame and one beside it are both seen):
# $gotN how many host N received so, $othN how many arrived otherwise.
NFC_RUN=100
nfc_l2_frames() {
	local from=NS$1 src=MAC$1 i ns want pids=() tag=() tags=("${@:5:4}")
	NFC_RUN=$((NFC_RUN + 1))
	for i in 1 2 3 4; do
		ns=NS$i want=${tags[$((i - 1))]:-none}
		rm -f "$WORK/ready$i"
		"$TRAFFIC" count --netns "${!ns}" --dev eth0 --vlan "$want" \
			--run-id "$NFC_RUN" --ready-file "$WORK/ready$i" > "$WORK/count$i.json" &
		pids+=($!)
		NFC_PIDS+=($!)
	done
	for i in 1 2 3 4; do
		wait_file "$WORK/ready$i"
	done
	[ "${4:-none}" = none ] || tag=(--vlan "$4")
	"$TRAFFIC" send --netns "${!from}" --dev eth0 --src "${!src}" --dst "$2" \
		"${tag[@]}" --run-id "$NFC_RUN" --rate 2000 --count "$3" \
		> "$WORK/send.json" || fail "send h$1 -> $2"
	sleep 0.3
	for i in 0 1 2 3; do
		kill -INT "${pids[$i]}"
		wait "${pids[$i]}" || true
	done
	for i in 1 2 3 4; do
		eval "got$i=$(json "$WORK/count$i.json" 'j["received"]')"
		eval "oth$i=$(json "$WORK/count$i.json" 'j["other_vlan"]')"
	done
}

nfc_tcp_1mib() {
	local from=NS$1 to=NS$2 ip=IP$2
	head -c 1048576 /dev/urandom > "$WORK/tx.bin"
	rm -f "$WORK/rx.bin"
	bg ip netns exec "${!to}" socat -u TCP-LISTEN:5001,reuseaddr OPEN:"$WORK/rx.bin",creat,trunc
	sleep 0.3
	ip netns exec "${!from}" socat -u OPEN:"$WORK/tx.bin" TCP:"${!ip}":5001,connect-timeout=5 ||
		fail "TCP connect h$1 -> h$2"
	for _ in $(seq 50); do
		cmp -s "$WORK/tx.bin" "$WORK/rx.bin" && return 0
		sleep 0.1
	done
	fail "TCP data h$1 -> h$2 differs"
}

# nfc_tcp_stream I J BYTES [PORT]: BYTES of random data over one TCP
# connection from host I to host J's $IPJ (IPv4 or IPv6; port 5001),
# checked by SHA-256 at both ends; nothing is kept on disk.
nfc_tcp_stream() {
	local from=NS$1 to=NS$2 ip=IP$2 port=${4:-5001} listen=TCP-LISTEN dst
	dst=${!ip}
	if [[ $dst == *:* ]]; then
		listen=TCP6-LISTEN dst="[$dst]"
	fi
	rm -f "$WORK/rx.sum" "$WORK/tx.sum"
	bg ip netns exec "${!to}" sh -c "socat -u $listen:$port,reuseaddr - | sha256sum > '$WORK/rx.sum.tmp' && mv '$WORK/rx.sum.tmp' '$WORK/rx.sum'"
	sleep 0.3
	head -c "$3" /dev/urandom | tee >(sha256sum > "$WORK/tx.sum") |
		ip netns exec "${!from}" socat -u - TCP:"$dst":"$port",connect-timeout=5 ||
		fail "TCP connect h$1 -> h$2"
	wait_file "$WORK/rx.sum"
	wait_file "$WORK/tx.sum"
	cmp -s "$WORK/tx.sum" "$WORK/rx.sum" || fail "TCP stream h$1 -> h$2 differs"
}

# nfc_frames I J ETHERTYPE COUNT [RATE]: COUNT raw frames of ETHERTYPE from
# host I to host J's MAC; $sent and $got say how many left and how many
# arrived (counted by an XDP program in J while they are sent).
NFC_RUN_ID=100
nfc_frames() {
	local from=NS$1 to=NS$2 src=MAC$1 dst=MAC$2 cpid
	NFC_RUN_ID=$((NFC_RUN_ID + 1))
	rm -f "$WORK/ready"
	"$TRAFFIC" count --netns "${!to}" --dev eth0 --ethertype "$3" \
		--run-id "$NFC_RUN_ID" --ready-file "$WORK/ready" > "$WORK/count.json" &
	cpid=$!
	NFC_PIDS+=($cpid)
	wait_file "$WORK/ready"
	"$TRAFFIC" send --netns "${!from}" --dev eth0 --src "${!src}" --dst "${!dst}" \
		--ethertype "$3" --run-id "$NFC_RUN_ID" --rate "${5:-2000}" --count "$4" \
		> "$WORK/send.json" || fail "send h$1 -> h$2"
	sleep 0.3
	kill -INT $cpid
	wait $cpid || true
	sent=$(json "$WORK/send.json" 'j["sent"]')
	got=$(json "$WORK/count.json" 'j["received"]')
}

# nfmgrd, started by the tests that need it: a private socket and a free
# loopback port for /metrics.
NFMGRD=$NFC_BUILD/manager/nfmgrd/nfmgrd
SOCK=$WORK/nfmgrd.sock
# Debian's python3 has prometheus_client (python3-prometheus-client)
PY=/usr/bin/python3
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT/metrics

# nfc_nfmgrd_start: the daemon in the background, $DPID, once it answers.
nfc_nfmgrd_start() {
	"$NFMGRD" -v --socket "$SOCK" --metrics "127.0.0.1:$PORT" \
		--gc-interval 1 --flow-idle 2 2>> "$WORK/nfmgrd.log" &
	DPID=$!
	NFC_PIDS+=($DPID)
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && nfc_metrics > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "nfmgrd did not start: $(cat "$WORK/nfmgrd.log")"
}

nfc_metrics() {
	"$PY" -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$URL"
}

# nfc_metric NAME [LABEL=VALUE...]: the sample's value from a fresh scrape,
# parsed by prometheus_client (which rejects malformed exposition).
nfc_metric() {
	nfc_metrics | "$PY" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
want = dict(a.split("=", 1) for a in sys.argv[2:])
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        if s.name == sys.argv[1] and all(s.labels.get(k) == v for k, v in want.items()):
            print(int(s.value))
            sys.exit(0)
print("missing")' "$@"
}

# nfc_wait_clients N: until N nfctl monitors are connected to the daemon.
nfc_wait_clients() {
	local n
	for _ in $(seq 50); do
		n=$(nfc_metric ultranio_monitor_clients)
		[ "$n" = "$1" ] && return 0
		sleep 0.1
	done
	fail "$n monitors connected, expected $1"
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
