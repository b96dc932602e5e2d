#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Swap under load: frames flow h1 -> h2 through a macrouter chain at
# RATE pps for at least DURATION s while the node is hot-swapped between
# macrouter 1.0.0 and 1.1.0 SWAPS times. Every frame sent must arrive and
# no tail call may miss. Prints swap latency p50/p99 (nfctl's own clock).
# Usage: swap_under_load.sh [SWAPS] [RATE] [DURATION]
. "$(dirname "$0")/lib.sh"
swaps=${1:-200}
rate=${2:-100000}
duration=${3:-10}

nfc_topology 2
nfc_mr_chain "sw-$TAG" macrouter@1.0.0 > "$WORK/chain.yaml"
"$NFCTL" chain apply "$WORK/chain.yaml" >/dev/null || fail "apply"

"$TRAFFIC" count --netns "$NS2" --dev eth0 --ethertype 0x88b5 --run-id 42 \
	--ready-file "$WORK/ready" > "$WORK/count.json" &
cpid=$!
NFC_PIDS+=($cpid)
wait_file "$WORK/ready"

"$TRAFFIC" send --netns "$NS1" --dev eth0 --src "$MAC1" --dst "$MAC2" \
	--ethertype 0x88b5 --run-id 42 --rate "$rate" --duration 600 > "$WORK/send.json" &
spid=$!
NFC_PIDS+=($spid)
start=$SECONDS
sleep 0.5

: > "$WORK/swaps.json"
for ((i = 0; i < swaps; i++)); do
	v=1.1.0
	((i % 2)) && v=1.0.0
	"$NFCTL" -j chain swap "sw-$TAG" mr "macrouter@$v" >> "$WORK/swaps.json" ||
		fail "swap $i to $v"
done
# keep the traffic up for the whole duration, swaps or not
while ((SECONDS - start < duration + 1)); do
	sleep 0.1
done
kill -INT $spid
wait $spid || fail "sender failed"
sleep 0.5
kill -INT $cpid
wait $cpid || fail "counter failed"

sent=$(json "$WORK/send.json" 'j["sent"]')
got=$(json "$WORK/count.json" 'j["received"]')
pps=$(json "$WORK/send.json" 'int(j["rate_pps"])')
secs=$(json "$WORK/send.json" 'round(j["duration_s"], 1)')
missed=$("$NFCTL" -j stats "sw-$TAG" | json - 'j[0]["counters"]["missed_tail_calls"]')
version=$("$NFCTL" -j chain show "sw-$TAG" | json - 'j["version"]')
read -r p50 p99 flip50 flip99 <<< "$(python3 - "$WORK/swaps.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
tot = [r["total_ms"] for r in rows]
flip = [r["flip_ms"] for r in rows]
print(f"{pct(tot, 50):.1f} {pct(tot, 99):.1f} {pct(flip, 50):.1f} {pct(flip, 99):.1f}")
PY
)"
echo "swap-under-load: swaps=$swaps version=$version sent=$sent received=$got lost=$((sent - got)) rate=${pps}pps over ${secs}s missed_tail_calls=$missed"
echo "swap latency (ms): total p50=$p50 p99=$p99; to the switch p50=$flip50 p99=$flip99"
[ "$version" = $((swaps + 1)) ] || fail "expected version $((swaps + 1)), got $version"
[ "$missed" = 0 ] || fail "missed tail calls: $missed"
[ "$sent" -gt 0 ] && [ "$sent" = "$got" ] || fail "lost $((sent - got)) of $sent frames"
awk -v s="$secs" -v d="$duration" 'BEGIN { exit !(s >= d) }' || fail "traffic ran ${secs}s, less than ${duration}s"
((pps * 100 >= rate * 95)) || fail "sender reached only ${pps}pps"
pass "no frame lost across $swaps swaps"
