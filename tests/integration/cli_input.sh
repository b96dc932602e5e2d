#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# nfctl's input, adversarially: ct/flow/config/stats and monitor with bad
# filters and values, before and after the first chain; every list and show
# as JSON; a cached flow as nfctl shows it.
# Every case runs; the failures are listed at the end.
. "$(dirname "$0")/lib.sh"
export ULTRANIO_CATALOG=$NFC_BUILD/tests/catalog
nfc_every_case

# Before the first chain: flushes find nothing, config set says why not.
expect 0 "$NFCTL" -j ct flush && is_json ct flush
expect 0 "$NFCTL" -j flow flush && is_json flow flush
expect 0 "$NFCTL" -j ct flush proto udp port 53
expect 0 "$NFCTL" -j flow show && is_json flow show
expect 0 "$NFCTL" -j stats endpoint && is_json stats endpoint
expect 0 "$NFCTL" -j stats chain && is_json stats chain
expect 0 "$NFCTL" -j stats node && is_json stats node
expect 1 "$NFCTL" config set flow-refresh-ms 5 &&
	{ grep -q "apply one first" "$WORK/err" || bad "config set without maps: $(cat "$WORK/err")"; }

# monitor: filters are checked like ct's and flow's (exit 2), before the
# daemon is looked for
for f in "proto nosuch" "proto 300" "port 70000" "port -1" "addr 10.0.0.0/33" \
	 "addr 10.0.0.300" "type bogus" "verdict maybe" "tenant -1" \
	 "tenant 4294967296" "colour red"; do
	# shellcheck disable=SC2086
	expect 2 "$NFCTL" monitor $f --socket "$WORK/none.sock" --timeout 1
done

nfc_topology 2
C=adv-$TAG
nfc_acl_chain "$C" > "$WORK/chain.yaml"
"$NFCTL" chain apply "$WORK/chain.yaml" > /dev/null || fail "apply"

# bad filters: usage errors
for f in "addr 10.0.0.0/33" "addr 2001:db8::/129" "addr 10.0.0.1/" \
	 "addr 10.0.0.0/-1" "port 70000" "port 0" "port 0x10000" "proto nosuch" \
	 "proto 256" "state bogus" "state none" "tenant -1" \
	 "tenant 4294967296" "port 1 port 2"; do
	# shellcheck disable=SC2086
	expect 2 "$NFCTL" ct list $f
	# shellcheck disable=SC2086
	expect 2 "$NFCTL" flow list $f
	# shellcheck disable=SC2086
	expect 2 "$NFCTL" ct flush $f
done
expect 1 "$NFCTL" flow flush chain "nosuch-$TAG"

# config set: bad keys and values
for a in "frobs 1" "flow-refresh-ms" "flow-refresh-ms -1" \
	 "flow-refresh-ms 4294967296" "flow-refresh-ms 1 2" \
	 "drop-events-per-sec 1.5" "ct-timeout tcp" "ct-timeout tcp new" \
	 "ct-timeout tcp none 5" "ct-timeout bogus new 5" \
	 "ct-timeout tcp new 5 6"; do
	# shellcheck disable=SC2086
	expect 2 "$NFCTL" config set $a
done
# a value set is kept, the others stay defaults (0 in the map)
expect 0 "$NFCTL" config set drop-events-per-sec 7
expect 0 "$NFCTL" -j config show
[ "$(json "$WORK/out" '(j["drop_events_per_sec"], j["flow_refresh_ms"], j["ct_timeout"]["udp"]["new"])')" = \
  "(7, 1000, 30)" ] || bad "config after set: $(cat "$WORK/out")"
expect 0 "$NFCTL" config set drop-events-per-sec 0

# a cached flow: ping h1 -> h2, then every list and show is JSON and the
# flow is shown with its action in words
ip netns exec "$NS1" ping -c 5 -i 0.1 -W 1 "$IP2" > /dev/null || bad "ping"
expect 0 "$NFCTL" -j flow list chain "$C" proto icmp && is_json flow list
n=$(json "$WORK/out" 'len(j)')
[ "$n" -ge 2 ] || bad "ping: $n flows (request and reply expected)"
json "$WORK/out" '[f["action"] for f in j]' | grep -q "redirect $HV2" ||
	bad "flow action: $(json "$WORK/out" '[f["action"] for f in j]')"
python3 - "$WORK/out" <<'PY' || bad "flow counters: $(cat "$WORK/out")"
import json, sys
for f in json.load(open(sys.argv[1])):
    assert f["packets"] >= 4 and f["bytes"] >= 4 * 98, f
    assert f["stale"] is False, f
PY
for cmd in "ct list" "ct show" "flow list" "flow show" "stats endpoint" \
	   "stats node" "stats rule" "stats chain" "stats $C" "config show" \
	   "chain list" "chain show $C" "ct list proto icmp" \
	   "flow list state established" "ct flush proto tcp" "flow flush port 9"; do
	# shellcheck disable=SC2086
	expect 0 "$NFCTL" -j $cmd && is_json $cmd
done

# the chain's counters add up: packets = sum of verdicts = endpoints in
expect 0 "$NFCTL" -j stats chain "$C"
python3 - "$WORK/out" <<'PY' || bad "stats chain: $(cat "$WORK/out")"
import json, sys
c = json.load(open(sys.argv[1]))[0]["counters"]
v = c.get("verdicts", c.get("verdict"))
assert v is not None, c
total = sum(v.values())
assert c["packets"] == total, (c["packets"], v)
PY

nfc_verdict
