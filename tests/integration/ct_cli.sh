#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# nfctl ct, flow, stats and config over real pinned maps: known entries
# (tests/integration/ct_fill.c) written beside what a live chain makes,
# then listed, filtered, named, flushed (flows with their connections) and
# counted, as text and JSON.
. "$(dirname "$0")/lib.sh"

FILL=$NFC_BUILD/tests/integration/nfc-ct-fill
export ULTRANIO_CATALOG=$NFC_BUILD/tests/catalog

expect_rc() {
	local want=$1
	shift
	set +e
	"$@" > "$WORK/out" 2> "$WORK/err"
	local rc=$?
	set -e
	[ $rc = "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$WORK/err")"
}

# jq-like: COUNT of a JSON list printed by nfctl -j ARGS...
count() {
	"$NFCTL" -j "$@" | json - 'len(j)'
}

# Before any chain: no maps, empty answers, not errors.
expect_rc 0 "$NFCTL" -j ct list
[ "$(json "$WORK/out" 'j')" = "[]" ] || fail "ct list without maps: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" -j ct show
[ "$(json "$WORK/out" 'j["live"]')" = 0 ] || fail "ct show without maps"
expect_rc 0 "$NFCTL" -j flow list
expect_rc 0 "$NFCTL" -j stats rule
expect_rc 0 "$NFCTL" -j config show
[ "$(json "$WORK/out" 'j["ct_timeout"]["tcp"]["established"]')" = 21600 ] || fail "default timeout"
pass "before the first chain: empty lists, zero summaries, default tunables"

nfc_topology 2
C=ct-$TAG
cat > "$WORK/chain.yaml" <<YAML
chain: $C
attach:
  - {interface: $HV1, hook: tc-ingress}
  - {interface: $HV2, hook: tc-ingress}
entry: rn
nodes:
  - {name: rn, module: acl}
YAML
expect_rc 0 "$NFCTL" chain apply "$WORK/chain.yaml"
expect_rc 0 "$NFCTL" nf "$C" rn rules add id 5 proto 6 name web-in
expect_rc 1 "$NFCTL" nf "$C" rn rules add id 6 proto 6 name "a-name-longer-than-thirty-one-chars"
grep -q "expected at most 31 characters" "$WORK/err" || fail "long name: $(cat "$WORK/err")"
expect_rc 0 "$NFCTL" -j module show acl
[ "$(json "$WORK/out" 'j[0]["policies"]["table"]')" = rules ] || fail "policies not shown"

expect_rc 0 "$NFCTL" -j chain show "$C"
ID=$(json "$WORK/out" 'j["id"]')
VER=$(json "$WORK/out" 'j["version"]')
expect_rc 0 "$NFCTL" -j stats node rn
NODE=$(json "$WORK/out" 'j[0]["instance"]')
[ "$(json "$WORK/out" 'j[0]["chain"]')" = "$C" ] || fail "stats node: $(cat "$WORK/out")"
"$FILL" "$ULTRANIO_BPFFS" "$ID" "$VER" "$NODE" || fail "nfc-ct-fill"
pass "chain $C (id $ID, version $VER, node instance $NODE) and known entries"

# ct list and its filters
[ "$(count ct list tenant 4242)" = 3 ] || fail "ct list tenant 4242: $("$NFCTL" ct list tenant 4242)"
[ "$(count ct list tenant 4243)" = 1 ] || fail "tenant 4243"
[ "$(count ct list tenant 4242 proto tcp)" = 2 ] || fail "proto tcp"
[ "$(count ct list tenant 4242 proto 17)" = 1 ] || fail "proto 17"
[ "$(count ct list tenant 4242 port 80)" = 1 ] || fail "port 80"
[ "$(count ct list tenant 4242 port 5353)" = 1 ] || fail "port on the higher side"
[ "$(count ct list tenant 4243 port 77)" = 0 ] || fail "an ICMP id is not a port"
[ "$(count ct list addr 10.9.0.7)" = 1 ] || fail "addr"
[ "$(count ct list tenant 4242 addr 10.9.0.0/30)" = 2 ] || fail "addr/30"
[ "$(count ct list addr 2001:db8::/32)" = 1 ] || fail "IPv6 prefix"
[ "$(count ct list tenant 4242 state new)" = 1 ] || fail "state new"
[ "$(count ct list tenant 4242 state syn-recv)" = 1 ] || fail "state syn-recv"
[ "$(count ct list tenant 4242 state established port 80 proto tcp addr 10.9.0.2)" = 1 ] || fail "all filters"
pass "ct list: tenant, proto, port (either side), addr[/len] (either side), state"

expect_rc 0 "$NFCTL" -j ct list tenant 4242 proto udp
[ "$(json "$WORK/out" '(j[0]["src"], j[0]["sport"], j[0]["dst"], j[0]["dport"], j[0]["state"])')" = \
  "('10.9.0.7', 5353, '10.9.0.1', 53, 'new')" ] || fail "originator on side 1: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" -j ct list tenant 4242 port 80
[ "$(json "$WORK/out" 'j[0]["decisions"][0]')" = \
  "{'chain': '$C', 'node': 'rn', 'policy': 5, 'name': 'web-in', 'verdict': 'pass'}" ] ||
	fail "decision: $(cat "$WORK/out")"
[ "$(json "$WORK/out" '(j[0]["flags"], j[0]["timeout_s"], j[0]["handle"], j[0]["interfaces"]["orig"])')" = \
  "(['seen-reply'], 21600, 1001, 'lo')" ] || fail "entry: $(cat "$WORK/out")"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))[0]["age_s"]; assert 9 <= a < 60, a' "$WORK/out" ||
	fail "age: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" -j ct list tenant 4243
[ "$(json "$WORK/out" '(j[0]["proto"], j[0]["id"], "sport" in j[0])')" = "('icmp', 77, False)" ] ||
	fail "ICMP entry: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" ct list tenant 4242 port 80
grep -q "^  state: established$" "$WORK/out" || fail "text: $(cat "$WORK/out")"
grep -qE "^ +name: web-in$" "$WORK/out" || fail "text decision: $(cat "$WORK/out")"
pass "ct list: original direction, decision named by the module's table, ICMP ids, text"

expect_rc 2 "$NFCTL" ct list port http
grep -q "ct list: port 'http': expected a port 1-65535" "$WORK/err" || fail "$(cat "$WORK/err")"
expect_rc 2 "$NFCTL" ct list addr 10.9.0.300
grep -q "addr '10.9.0.300'" "$WORK/err" || fail "$(cat "$WORK/err")"
expect_rc 2 "$NFCTL" ct list addr 10.9.0.0/33
expect_rc 2 "$NFCTL" ct list proto sctpx
grep -q "proto 'sctpx'" "$WORK/err" || fail "$(cat "$WORK/err")"
expect_rc 2 "$NFCTL" ct list state open
grep -q "state 'open'" "$WORK/err" || fail "$(cat "$WORK/err")"
expect_rc 2 "$NFCTL" ct list colour red
grep -q "unknown filter 'colour'" "$WORK/err" || fail "$(cat "$WORK/err")"
expect_rc 2 "$NFCTL" ct list chain "$C"
grep -q "unknown filter 'chain'" "$WORK/err" || fail "$(cat "$WORK/err")"
expect_rc 2 "$NFCTL" ct list port
grep -q "'port' needs a value" "$WORK/err" || fail "$(cat "$WORK/err")"
expect_rc 2 "$NFCTL" ct list port 1 port 2
grep -q "'port' is given twice" "$WORK/err" || fail "$(cat "$WORK/err")"
pass "bad filters: usage errors naming the word"

# flows
[ "$(count flow list tenant 4242)" = 2 ] || fail "flow list tenant 4242"
[ "$(count flow list chain "$C" tenant 4242)" = 2 ] || fail "flow list chain"
[ "$(count flow list addr 10.9.0.5)" = 1 ] || fail "a flow by its rewritten address"
[ "$(count flow list tenant 4242 port 8080)" = 1 ] || fail "a flow by its rewritten port"
[ "$(count flow list tenant 4242 state established)" = 1 ] || fail "a flow by its connection's state"
expect_rc 0 "$NFCTL" -j flow list tenant 4242 proto tcp
[ "$(json "$WORK/out" '(j[0]["chain"], j[0]["action"], j[0]["stale"], j[0]["version"], j[0]["packets"], j[0]["bytes"])')" = \
  "('$C', 'dnat 10.9.0.5:8080, redirect lo', False, $VER, 12, 3400)" ] || fail "flow: $(cat "$WORK/out")"
[ "$(json "$WORK/out" '(j[0]["src"], j[0]["sport"], j[0]["dst"], j[0]["dport"], j[0]["rule"]["name"])')" = \
  "('10.9.0.1', 40000, '10.9.0.2', 80, 'web-in')" ] || fail "flow key: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" -j flow list tenant 4242 proto udp
[ "$(json "$WORK/out" 'j[0]["stale"]')" = True ] || fail "another version is stale"
expect_rc 0 "$NFCTL" -j flow list tenant 4244
[ "$(json "$WORK/out" '(j[0]["chain"], j[0]["stale"], j[0]["ethertype"], j[0]["action"])')" = \
  "('', True, '0x0806', 'drop (policy)')" ] || fail "flow of a gone chain: $(cat "$WORK/out")"
expect_rc 1 "$NFCTL" flow list chain "nosuch-$TAG"
grep -q "chain 'nosuch-$TAG' does not exist" "$WORK/err" || fail "$(cat "$WORK/err")"
expect_rc 0 "$NFCTL" -j flow show tenant 4242
[ "$(json "$WORK/out" '(j["flows"], j["stale"], j["chains"]["'"$C"'"])')" = "(2, 1, 2)" ] ||
	fail "flow show: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" flow list tenant 4242
grep -q "^  action: dnat 10.9.0.5:8080, redirect lo$" "$WORK/out" || fail "flow text: $(cat "$WORK/out")"
pass "flow list/show: key, action set in words, rule, version and stale, filters incl. chain"

# counters
expect_rc 0 "$NFCTL" -j stats rule web-in
[ "$(json "$WORK/out" '(len(j), j[0]["chain"], j[0]["node"], j[0]["policy"], j[0]["packets"], j[0]["bytes"])')" = \
  "(1, '$C', 'rn', 5, 5, 500)" ] || fail "stats rule: $(cat "$WORK/out")"
[ "$(count stats rule 5)" = 1 ] || fail "stats rule by id"
expect_rc 0 "$NFCTL" -j stats endpoint lo
[ "$(json "$WORK/out" '(j[0]["in"]["packets"], j[0]["new_connections"], j[0]["drops"]["policy"])')" = "(7, 2, 1)" ] ||
	fail "stats endpoint: $(cat "$WORK/out")"
expect_rc 1 "$NFCTL" stats endpoint "nosuch-$TAG"
expect_rc 0 "$NFCTL" -j stats chain "$C"
[ "$(json "$WORK/out" 'j[0]["chain"]')" = "$C" ] || fail "stats chain"
expect_rc 0 "$NFCTL" -j stats "$C"
[ "$(json "$WORK/out" 'j[0]["chain"]')" = "$C" ] || fail "stats CHAIN"
expect_rc 1 "$NFCTL" stats node "nosuch"
pass "stats rule (named, summed over CPUs), endpoint, chain, node"

expect_rc 0 "$NFCTL" -j ct show
python3 - "$WORK/out" <<'PY' || fail "ct show: $(cat "$WORK/out")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["live"] >= 4 and s["max"] >= 1024, s
assert s["states"]["established"] >= 2 and s["states"]["new"] >= 1, s
assert s["states"]["syn-recv"] >= 1 and s["flushed"] == 0, s
for k in ("created", "evicted", "expired", "related", "untracked"):
    assert k in s, k
PY
pass "ct show: live $(json "$WORK/out" 'j["live"]') of $(json "$WORK/out" 'j["max"]'), per state"

# flushes
expect_rc 0 "$NFCTL" -j ct flush tenant 4242 proto udp
[ "$(json "$WORK/out" 'j["flushed"]')" = 1 ] || fail "ct flush: $(cat "$WORK/out")"
[ "$(count ct list tenant 4242)" = 2 ] || fail "connection not flushed"
[ "$(count flow list tenant 4242 proto udp)" = 0 ] || fail "its flow stayed"
[ "$(count flow list tenant 4242)" = 1 ] || fail "another flow went"
expect_rc 0 "$NFCTL" -j ct show
[ "$(json "$WORK/out" 'j["flushed"]')" = 1 ] || fail "flushed not counted: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" -j flow show
[ "$(json "$WORK/out" 'j["flushed"]')" = 1 ] || fail "flow flushed not counted: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" -j flow flush chain "$C" tenant 4242
[ "$(json "$WORK/out" 'j["flushed"]')" = 1 ] || fail "flow flush: $(cat "$WORK/out")"
[ "$(count ct list tenant 4242)" = 2 ] || fail "flow flush took connections"
[ "$(count flow list tenant 4244)" = 1 ] || fail "flow flush took another chain's flow"
expect_rc 0 "$NFCTL" ct flush tenant 4242
grep -q "^flushed: 2$" "$WORK/out" || fail "ct flush text: $(cat "$WORK/out")"
[ "$(count ct list tenant 4242)" = 0 ] || fail "ct flush tenant"
[ "$(count ct list tenant 4243)" = 1 ] || fail "ct flush took another tenant"
expect_rc 0 "$NFCTL" -j ct show
[ "$(json "$WORK/out" 'j["flushed"]')" = 3 ] || fail "flushed: $(cat "$WORK/out")"
pass "ct flush removes the connections and their flows, flow flush the flows; both counted"

# tunables
expect_rc 0 "$NFCTL" config set drop-events-per-sec 50
expect_rc 0 "$NFCTL" config set ct-timeout tcp established 3600
expect_rc 0 "$NFCTL" -j config show
[ "$(json "$WORK/out" '(j["drop_events_per_sec"], j["ct_timeout"]["tcp"]["established"], j["ct_timeout"]["tcp"]["closing"], j["flow_refresh_ms"])')" = \
  "(50, 3600, 120, 1000)" ] || fail "config: $(cat "$WORK/out")"
"$FILL" "$ULTRANIO_BPFFS" "$ID" "$VER" "$NODE"
[ "$("$NFCTL" -j ct list tenant 4242 port 80 | json - 'j[0]["timeout_s"]')" = 3600 ] || fail "timeout from the config"
expect_rc 0 "$NFCTL" config set ct-timeout tcp established 0
[ "$("$NFCTL" -j config show | json - 'j["ct_timeout"]["tcp"]["established"]')" = 21600 ] || fail "0: the default"
expect_rc 2 "$NFCTL" config set ct-timeout tcp open 5
grep -q "state 'open'" "$WORK/err" || fail "$(cat "$WORK/err")"
expect_rc 2 "$NFCTL" config set ct-timeout sctp new 5
expect_rc 2 "$NFCTL" config set frobs 5
grep -q "unknown key 'frobs'" "$WORK/err" || fail "$(cat "$WORK/err")"
expect_rc 2 "$NFCTL" config set drop-events-per-sec lots
pass "config show/set: tunables written, 0 restores the default, bad keys refused"

for cmd in "ct list" "ct show" "flow list" "flow show" "stats endpoint" "stats node" \
	   "stats rule" "stats chain" "config show" "ct help" "flow help" "config help"; do
	# shellcheck disable=SC2086
	"$NFCTL" -j $cmd | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null ||
		[[ $cmd == *help ]] || fail "nfctl -j $cmd is not JSON"
	# shellcheck disable=SC2086
	"$NFCTL" -p $cmd > /dev/null || fail "nfctl -p $cmd"
	# shellcheck disable=SC2086
	"$NFCTL" $cmd > /dev/null || fail "nfctl $cmd"
done
pass "every new show and list: text, -j and -p"

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect_rc 1 nobody "$NFCTL" ct list
grep -q "Permission denied" "$WORK/err" || fail "unprivileged: $(cat "$WORK/err")"
[ ! -s "$WORK/out" ] || fail "unprivileged ct list printed: $(cat "$WORK/out")"
pass "unprivileged: an error, no list"
