#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# The UltraNIO demo: three endpoint namespaces, a macrouter chain from
# chain/examples/demo.yaml, real ICMP, TCP and non-IP traffic through it,
# the flow cache and conntrack at work, drops reported live by nfmgrd, a hot
# swap of the module while frames flow, the counters, and cleanup.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${NFC_BUILD_DIR:-$top/build}
[ -n "${NFC_DEMO_NO_SETUP:-}" ] || "$top/manager/setup.sh" "$build"

nfctl=$build/manager/nfctl
nfmgrd=$build/manager/nfmgrd/nfmgrd
traffic=$build/tests/tools/nfc-traffic
export ULTRANIO_BPFFS=/sys/fs/bpf/ultranio-demo
export ULTRANIO_STATE=/run/ultranio-demo
pids=()

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	"$nfctl" chain delete demo >/dev/null 2>&1 || true
	for i in 1 2 3; do
		ip link del "nfdemo-h$i" 2>/dev/null || true
		ip netns del "nfdemo-h$i" 2>/dev/null || true
	done
	rm -rf "${work:-}" "$ULTRANIO_BPFFS" "$ULTRANIO_STATE"
}
cleanup # what an interrupted earlier run left
trap cleanup EXIT
work=$(mktemp -d /tmp/nfdemo.XXXXXX)

wait_file() {
	for _ in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "demo: timed out waiting for $1" >&2
	exit 1
}

step "Topology: namespaces nfdemo-h1..3, each joined to the host by a veth"
for i in 1 2 3; do
	ns=nfdemo-h$i
	ip netns add "$ns"
	ip link add "$ns" type veth peer name eth0 netns "$ns"
	ip -n "$ns" link set eth0 address "02:00:00:77:00:0$i"
	ip -n "$ns" addr add "10.77.0.$i/24" dev eth0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip link set "$ns" up
	echo "  $ns: eth0 02:00:00:77:00:0$i 10.77.0.$i/24 <-> host veth $ns (default offloads)"
done
for i in 1 2 3; do
	for j in 1 2 3; do
		[ $i = $j ] || ip -n "nfdemo-h$i" neigh replace "10.77.0.$j" \
			lladdr "02:00:00:77:00:0$j" dev eth0 nud permanent
	done
done

step "The catalog"
run "$nfctl" module list

step "nfmgrd: events, aging, Prometheus metrics (on 127.0.0.1:9617)"
"$nfmgrd" --socket "$work/nfmgrd.sock" --metrics 127.0.0.1:9617 2> "$work/nfmgrd.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/nfmgrd.sock" ] && break; sleep 0.1; done
# every event of the demo, one line each, shown further down
"$nfctl" monitor --socket "$work/nfmgrd.sock" > "$work/monitor.txt" &
pids+=($!)
echo "  nfmgrd running; nfctl monitor recording"

step "Apply the chain"
run cat "$top/chain/examples/demo.yaml"
run "$nfctl" chain apply "$top/chain/examples/demo.yaml"
run "$nfctl" chain show demo

step "ICMP: h1 -> h2 is routed, h1 -> h3 hits a drop route"
run ip netns exec nfdemo-h1 ping -c 3 -i 0.2 10.77.0.2
ip netns exec nfdemo-h1 ping -c 2 -i 0.2 -W 1 10.77.0.3 >/dev/null &&
	{ echo "unexpected: h3 answered"; exit 1; }
echo "  h1 -> h3: no answer (dropped by the chain, see the counters below)"

step "TCP: iperf3 h1 -> h2 for 3 s"
ip netns exec nfdemo-h2 iperf3 -s -1 -p 5201 > /dev/null &
pids+=($!)
for _ in $(seq 50); do
	ip netns exec nfdemo-h2 ss -ltn | grep -q ':5201 ' && break
	sleep 0.1
done
run ip netns exec nfdemo-h1 iperf3 -c 10.77.0.2 -p 5201 -t 3 -f m | grep -E "sender|receiver"

step "The flow cache and conntrack: the chain ran for the first packets only"
run "$nfctl" flow list chain demo proto tcp port 5201
run "$nfctl" ct list proto tcp port 5201
"$nfctl" -j stats demo | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]
c = s["counters"]
node = s["nodes"][0]["counters"]["packets"]
print("  chain: %d packets, %d of them on the fast path; node mr ran %d times"
      % (c["packets"], c["cached"], node))'

step "Events: what nfctl monitor showed so far (the drops toward h3)"
sleep 0.5
head -n 5 "$work/monitor.txt"

step "A non-IP frame type (ethertype 0x88b5), 1000 frames h1 -> h2"
"$traffic" count --netns nfdemo-h2 --dev eth0 --ethertype 0x88b5 --run-id 1 \
	--ready-file "$work/ready" > "$work/count.json" &
pids+=($!)
wait_file "$work/ready"
run "$traffic" send --netns nfdemo-h1 --dev eth0 --src 02:00:00:77:00:01 \
	--dst 02:00:00:77:00:02 --ethertype 0x88b5 --run-id 1 --rate 5000 --count 1000
sleep 0.2
kill -INT "${pids[-1]}"; wait "${pids[-1]}" || true
echo "  received at h2: $(cat "$work/count.json")"

step "Hot swap while 20k frames/s flow: macrouter 1.0.0 <-> 1.1.0, 6 times"
"$traffic" count --netns nfdemo-h2 --dev eth0 --ethertype 0x88b5 --run-id 2 \
	--ready-file "$work/ready2" > "$work/count2.json" &
cpid=$!; pids+=($cpid)
wait_file "$work/ready2"
"$traffic" send --netns nfdemo-h1 --dev eth0 --src 02:00:00:77:00:01 \
	--dst 02:00:00:77:00:02 --ethertype 0x88b5 --run-id 2 --rate 20000 \
	--duration 3 > "$work/send2.json" &
spid=$!; pids+=($spid)
sleep 0.3
for v in 1.1.0 1.0.0 1.1.0 1.0.0 1.1.0 1.0.0; do
	"$nfctl" -j chain swap demo mr "macrouter@$v" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("  swapped to version %d (macrouter@%s): switched after %.1f ms, done in %.1f ms"
      % (r["version"], sys.argv[1], r["flip_ms"], r["total_ms"]))' "$v"
	sleep 0.3
done
wait "$spid"
sleep 0.2
kill -INT "$cpid"; wait "$cpid" || true
python3 - "$work/send2.json" "$work/count2.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
print(f"  sent {s['sent']}, received {c['received']}, lost {s['sent'] - c['received']}")
PY

step "Routes, edited at run time, and the per-route hits of macrouter 1.1.0"
run "$nfctl" chain swap demo mr macrouter@1.1.0 >/dev/null
run "$nfctl" nf demo mr routes add mac 02:00:00:77:00:03 interface nfdemo-h3
run ip netns exec nfdemo-h1 ping -c 2 -i 0.2 10.77.0.3
run "$nfctl" nf demo mr routes list
run "$nfctl" nf demo mr hits list

step "Counters: the chain's, and the node's since it was created (across the swaps)"
run "$nfctl" stats demo
"$nfctl" -j stats demo | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]
c = s["counters"]
chain, cached = c["packets"], c["cached"]
node = s["nodes"][0]["counters"]["packets"]
print("  chain counted %d packets: %d ran node mr, %d took the fast path" % (chain, node, cached))
sys.exit(0 if node + cached == chain else 1)' || { echo "demo: node and chain counters differ"; exit 1; }
run "$nfctl" stats endpoint nfdemo-h1
python3 -c '
import urllib.request
for l in urllib.request.urlopen("http://127.0.0.1:9617/metrics", timeout=5).read().decode().splitlines():
    if l.startswith("ultranio_chain_") and "demo" in l:
        print("  " + l)'

step "Delete the chain"
run "$nfctl" chain delete demo
run "$nfctl" chain list
echo
echo "demo: done"
