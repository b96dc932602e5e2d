#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# A descriptor whose second node fails the verifier changes nothing: the
# running version keeps forwarding, its pins, programs and state stay as
# they were, the error names the node and shows the verifier's words, and
# a failed new chain leaves no pins behind.
. "$(dirname "$0")/lib.sh"
export ULTRANIO_CATALOG=$NFC_BUILD/tests/integration/catalog

nfc_topology 2
good() { nfc_mr_chain "rb-$TAG"; }
good > "$WORK/good.yaml"
{ good; cat <<YAML
  - name: bad
    module: badverify
links:
  - {from: mr, on: pass, to: bad}
YAML
} > "$WORK/bad.yaml"
sed "s/chain: rb-$TAG/chain: rb2-$TAG/" "$WORK/bad.yaml" > "$WORK/bad-new.yaml"

snapshot() {
	{
		"$NFCTL" -j chain show "rb-$TAG" | json - '{k: v for k, v in j.items() if k != "counters" and k != "nodes"}'
		"$NFCTL" -j chain show "rb-$TAG" | json - '[(n["name"], n["prog_id"], n["generation"], n["links"]) for n in j["nodes"]]'
		find "$ULTRANIO_BPFFS" | sort
		bpftool -j net show dev "$HV1"
		bpftool -j net show dev "$HV2"
		cat "$ULTRANIO_STATE/state.json"
	} > "$1"
}

"$NFCTL" chain apply "$WORK/good.yaml" >/dev/null || fail "apply good"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping before"
snapshot "$WORK/before"

# Keep traffic going during the failed apply: not one ping may be lost.
bg ip netns exec "$NS1" ping -c 40 -i 0.05 -W 1 "$IP2" > "$WORK/ping.txt"
ping_pid=${NFC_PIDS[-1]}

if "$NFCTL" chain apply "$WORK/bad.yaml" 2> "$WORK/err.txt"; then
	fail "a descriptor the verifier rejects was applied"
fi
grep -q "node 'bad'" "$WORK/err.txt" || fail "error does not name the node: $(cat "$WORK/err.txt")"
grep -q "verifier" "$WORK/err.txt" || fail "error shows no verifier log: $(cat "$WORK/err.txt")"
grep -qiE "invalid|unbounded|min value|max value|access" "$WORK/err.txt" ||
	fail "no verifier excerpt: $(cat "$WORK/err.txt")"
pass "verifier rejection reported: $(grep -m1 "node 'bad'" "$WORK/err.txt")"
# the excerpt is the log's last lines; -d prints the whole log, from its
# first instruction (nfctl -d needs no lock for a dry run)
grep -q "^  0: R1=ctx" "$WORK/err.txt" && fail "the excerpt holds the whole log: $(cat "$WORK/err.txt")"
"$NFCTL" -d chain apply --dry-run "$WORK/bad.yaml" 2> "$WORK/debug.txt" && fail "dry run of the bad descriptor"
grep -q "node 'bad' (badverify@1.0.0, tc): the verifier's log:" "$WORK/debug.txt" ||
	fail "nfctl -d shows no verifier log"
grep -q "^0: R1=ctx" "$WORK/debug.txt" || fail "nfctl -d shows the log's end only: $(head -5 "$WORK/debug.txt")"
pass "nfctl -d prints the whole verifier log ($(wc -l < "$WORK/debug.txt") lines)"

wait "$ping_pid" || fail "pings lost during the failed apply: $(tail -2 "$WORK/ping.txt")"
grep -q " 0% packet loss" "$WORK/ping.txt" || fail "loss: $(tail -2 "$WORK/ping.txt")"
pass "traffic kept flowing: $(grep -o '[0-9]* received' "$WORK/ping.txt")"

snapshot "$WORK/after"
diff -u "$WORK/before" "$WORK/after" || fail "the failed apply changed something"
pass "nothing changed: chain, programs, pins, attachments, state"

# A new chain that fails leaves nothing behind either.
if "$NFCTL" chain apply "$WORK/bad-new.yaml" 2>/dev/null; then
	fail "bad new chain applied"
fi
[ ! -e "$ULTRANIO_BPFFS/chains/rb2-$TAG" ] || fail "pins of the failed new chain left"
"$NFCTL" -j chain list | json - '[c["name"] for c in j]' | grep -q "rb2-$TAG" && fail "failed chain listed"
snapshot "$WORK/after2"
diff -u "$WORK/before" "$WORK/after2" >/dev/null || fail "failed new chain changed the running one"
pass "failed new chain left no pins"

# --dry-run verifies too, and changes nothing
"$NFCTL" chain apply --dry-run "$WORK/bad.yaml" 2>/dev/null && fail "dry run accepted a rejected program"
"$NFCTL" chain apply --dry-run "$WORK/good.yaml" >/dev/null || fail "dry run of the good descriptor"
snapshot "$WORK/after3"
diff -u "$WORK/before" "$WORK/after3" >/dev/null || fail "dry run changed something"
pass "dry run verifies and changes nothing"
