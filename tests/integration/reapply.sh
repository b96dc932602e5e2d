#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Re-applying a descriptor is a new version, not a teardown: a changed
# config reloads that node, a changed topology adds a node and keeps the
# unchanged one's program, an identical descriptor loads nothing, and
# traffic never stops.
. "$(dirname "$0")/lib.sh"

nfc_topology 2
write() { # DEFAULT WITH_NOP
	{
		cat <<YAML
chain: re-$TAG
attach:
  - {interface: $HV1, hook: tc-ingress}
  - {interface: $HV2, hook: tc-ingress}
YAML
		if [ "$2" = yes ]; then
			printf 'entry: first\nnodes:\n  - {name: first, module: nop}\n'
		else
			printf 'entry: mr\nnodes:\n'
		fi
		cat <<YAML
  - name: mr
    module: macrouter
    config:
      default: $1
      routes:
        - {mac: "$MAC1", interface: $HV1}
        - {mac: "$MAC2", interface: $HV2}
YAML
		if [ "$2" = yes ]; then
			printf 'links:\n  - {from: first, on: pass, to: mr}\n'
		fi
	} > "$WORK/chain.yaml"
}
mr_prog() {
	"$NFCTL" -j chain show "re-$TAG" | json - '[n["prog_id"]["tc"] for n in j["nodes"] if n["name"] == "mr"][0]'
}
apply() { # EXPECT_VERSION EXPECT_LOADED
	"$NFCTL" -j chain apply "$WORK/chain.yaml" > "$WORK/apply.json" || fail "apply"
	[ "$(json "$WORK/apply.json" 'j["version"]')" = "$1" ] || fail "version: $(cat "$WORK/apply.json")"
	[ "$(json "$WORK/apply.json" 'j["programs_loaded"]')" = "$2" ] ||
		fail "programs loaded: $(cat "$WORK/apply.json")"
}

write drop no
apply 1 1
p1=$(mr_prog)
bg ip netns exec "$NS1" ping -c 60 -i 0.05 -W 1 "$IP2" > "$WORK/ping.txt"
ping_pid=${NFC_PIDS[-1]}
sleep 0.3

write pass no          # config change: mr reloaded
apply 2 1
p2=$(mr_prog)
[ "$p2" != "$p1" ] || fail "changed config kept the old program"
pass "config change: version 2, mr reloaded ($p1 -> $p2)"

write pass yes         # topology change: a node in front, mr unchanged
apply 3 1
[ "$(mr_prog)" = "$p2" ] || fail "unchanged mr was reloaded"
"$NFCTL" -j chain show "re-$TAG" > "$WORK/show.json"
[ "$(json "$WORK/show.json" '[n["name"] for n in j["nodes"]]')" = "['first', 'mr']" ] || fail "hop order"
[ "$(json "$WORK/show.json" 'j["nodes"][0]["links"]["pass"]')" = mr ] || fail "link first -> mr"
pass "topology change: version 3, mr kept its program"

apply 4 0              # identical: nothing loaded
pass "identical descriptor: version 4, no program loaded"

write pass no          # the node goes away again
apply 5 0
[ ! -e "$ULTRANIO_BPFFS/chains/re-$TAG/first" ] || fail "removed node's pins left"
pass "removed node unpinned"

wait "$ping_pid" || fail "pings lost: $(tail -2 "$WORK/ping.txt")"
grep -q " 0% packet loss" "$WORK/ping.txt" || fail "loss: $(tail -2 "$WORK/ping.txt")"
pass "traffic never stopped: $(grep -o '[0-9]* received' "$WORK/ping.txt")"
