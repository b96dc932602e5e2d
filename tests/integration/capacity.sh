#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# A host full of chains: every chain id in use (1,023 with the default
# build), one more is a clear error, and still any chain can be swapped or
# re-applied, because every chain holds one block and one block is spare.
# nfctl chain capacity shows it. All chains are tc-ingress filters on one
# veth, at priorities 1..N.
# Usage: capacity.sh NFC_MAX_CHAINS   (the build's cmake setting)
. "$(dirname "$0")/lib.sh"

nfc_host 1
mkdir -p "$WORK/d"
chain() { # I [EXTRA]: chain cI, one nop node (two with EXTRA)
	printf 'chain: c%d\nattach:\n  - {interface: %s, hook: tc-ingress, priority: %d}\nentry: n\nnodes:\n  - {name: n, module: nop}\n' \
		"$1" "$HV1" "$1"
	[ -z "${2:-}" ] || printf '  - {name: m, module: nop}\nlinks:\n  - {from: n, on: pass, to: m}\n'
}
capacity() { "$NFCTL" -j chain capacity | json - "$1"; }

configured=${1:?usage: capacity.sh NFC_MAX_CHAINS}
max=$(capacity 'j["chains"]["max"]')
[ "$max" = $((configured - 1)) ] || fail "a host holds $max chains, the build says $configured ids"
((configured < 1024 || max >= 1000)) || fail "the default build holds $max chains, fewer than 1,000"
t0=$(date +%s%N)
for ((i = 1; i <= max; i++)); do
	chain "$i" > "$WORK/d/c$i.yaml"
	"$NFCTL" chain apply "$WORK/d/c$i.yaml" > /dev/null || fail "apply chain $i of $max"
done
t1=$(date +%s%N)
[ "$(capacity '(j["chains"]["used"], j["blocks"]["used"], j["blocks"]["max"])')" = "($max, $((max + 1)), $((max + 2)))" ] ||
	fail "capacity: $("$NFCTL" -j chain capacity)"
pass "$max chains applied in $(((t1 - t0) / 1000000)) ms; $("$NFCTL" -j chain capacity)"

chain $((max + 1)) > "$WORK/d/over.yaml"
"$NFCTL" chain apply "$WORK/d/over.yaml" 2> "$WORK/err" && fail "chain $((max + 1)) applied"
grep -q "this host holds $max chains, the most it can" "$WORK/err" || fail "error: $(cat "$WORK/err")"
pass "one more: $(cat "$WORK/err")"

# at the limit, chains still change: a swap and re-applies, first and last
for i in 1 "$max"; do
	"$NFCTL" chain swap "c$i" n nop@1.0.0 > /dev/null || fail "swap c$i at the limit"
	chain "$i" extra > "$WORK/d/c$i.yaml"
	"$NFCTL" chain apply "$WORK/d/c$i.yaml" > /dev/null || fail "re-apply c$i at the limit"
	[ "$("$NFCTL" -j chain show "c$i" | json - '(j["version"], len(j["nodes"]))')" = "(3, 2)" ] ||
		fail "c$i after a swap and a re-apply"
done
ip netns exec "$NS1" ping -c 1 -W 1 10.$T.0.9 >/dev/null 2>&1 || true
[ "$("$NFCTL" -j stats "c1" | json - 'j[0]["counters"]["packets"]')" -ge 1 ] ||
	fail "the first chain (priority 1) saw no packet"
pass "at the limit, c1 and c$max were swapped and re-applied"
# deleting a thousand chains one by one only tests the lock: remove the
# veth and the pins instead
NFC_FAST_CLEANUP=1
