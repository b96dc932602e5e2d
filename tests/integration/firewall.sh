#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# The firewall with real connections between labelled endpoints in
# namespaces, HOOK ($1, tc-ingress or xdp); rules of security groups
# (app=web, app=db), no address named but in the endpoints:
# - h1 -> h2 allowed by h1's egress and denied by h2's ingress: no
#   connection, and the decision names h2's rule and side (policy-ingress);
# - that rule replaced by one that allows: the connection works, 1 MiB
#   byte for byte, its replies passing although h2's egress denies
#   everything h2 opens; h2 -> h1 is denied by that rule (policy-egress);
# - an edit that does not compile is refused, naming the rule and field,
#   and the rules in force keep working;
# - the rules loaded whole from a file (nfctl ... rules load): a file with
#   a bad line changes nothing and names its line and field; a good one
#   replaces the rules at once.
# At tc-ingress the endpoints keep their default settings; at xdp they turn
# checksum offload off (nfc_xdp_endpoints), which nfctl warns about.
. "$(dirname "$0")/lib.sh"
HOOK=${1:-tc-ingress}
C=fw-$TAG

nfc_topology 2
[ "$HOOK" = xdp ] && nfc_xdp_endpoints 1 2
cat > "$WORK/chain.yaml" <<YAML
chain: $C
attach:
  - {interface: $HV1, hook: $HOOK}
  - {interface: $HV2, hook: $HOOK}
entry: fw
nodes:
  - name: fw
    module: firewall
    config:
      endpoints:
        - {address: $IP1, id: 1, ingress: deny, egress: deny, interface: $HV1}
        - {address: $IP2, id: 2, ingress: deny, egress: deny, interface: $HV2}
      labels:
        - {endpoint: 1, key: app, value: web}
        - {endpoint: 2, key: app, value: db}
      groups:
        - {id: 1, selector: app=web, name: web}
        - {id: 2, selector: app=db, name: db}
      rules:
        - {id: 1, group: 1, direction: egress, action: allow, peer_group: 2, proto: 6, port: 5001, name: h1-web-out}
        - {id: 2, group: 2, direction: ingress, action: deny, peer_group: 1, proto: 6, port: 5001, name: h2-no-web-in}
        - {id: 4, endpoint: 2, direction: egress, action: deny, priority: 100, name: h2-no-out}
$(nfc_mr_node)
links:
  - {from: fw, on: pass, to: mr}
YAML
"$NFCTL" chain apply "$WORK/chain.yaml" >/dev/null || fail "apply"
nfc_nfmgrd_start
"$NFCTL" monitor --socket "$SOCK" --json --timeout 60 type decision \
	chain "$C" > "$WORK/decisions.json" &
MON=$!
NFC_PIDS+=($MON)
nfc_wait_clients 1

# a listener for 3 s: a connection let through would be accepted
bg ip netns exec "$NS2" timeout 3 socat -u TCP-LISTEN:5001,reuseaddr /dev/null
sleep 0.3
ip netns exec "$NS1" socat -u /dev/null TCP:"$IP2":5001,connect-timeout=2 2>/dev/null &&
	fail "h1 -> h2:5001 got through h2's ingress deny"
pass "h1 -> h2 denied by h2's ingress rule although h1's egress allows it"
sleep 1.5 # the listener gone

"$NFCTL" nf "$C" fw rules del id 2 >/dev/null || fail "del rule 2"
"$NFCTL" nf "$C" fw rules add id 3 group 2 direction ingress action allow \
	peer_group 1 proto 6 port 5001 name h2-web-in >/dev/null || fail "add rule 3"
nfc_tcp_1mib 1 2
pass "rule flipped: h1 -> h2 1 MiB intact, replies passing h2's egress deny"

# membership follows the labels, rules untouched: h1 relabelled leaves
# group web, and db's ingress no longer lets it in
"$NFCTL" nf "$C" fw labels add endpoint 1 key app value batch >/dev/null || fail "relabel h1"
bg ip netns exec "$NS2" timeout 3 socat -u TCP-LISTEN:5001,reuseaddr /dev/null
sleep 0.3
ip netns exec "$NS1" socat -u /dev/null TCP:"$IP2":5001,connect-timeout=2 2>/dev/null &&
	fail "h1 -> h2 got through with h1 out of group web"
sleep 1.5
"$NFCTL" nf "$C" fw labels add endpoint 1 key app value web >/dev/null || fail "relabel h1 back"
nfc_tcp_1mib 1 2
pass "h1 relabelled out of group web is denied, back in it passes: membership follows labels"

bg ip netns exec "$NS1" timeout 3 socat -u TCP-LISTEN:5002,reuseaddr /dev/null
sleep 0.3
ip netns exec "$NS2" socat -u /dev/null TCP:"$IP1":5002,connect-timeout=2 2>/dev/null &&
	fail "h2 -> h1 got through h2's egress deny"
pass "a connection h2 opens is denied by h2's egress rule"

# an edit that cannot compile: refused, named, nothing lost
out=$("$NFCTL" nf "$C" fw rules add id 9 endpoint 1 direction egress action allow \
	proto 6 port 100 port_end 90 2>&1) && fail "port_end below port accepted"
grep -q "rule 9: port_end 90 is below port 100" <<<"$out" || fail "error: $out"
rule_ids() {
	"$NFCTL" -j nf "$C" fw rules list |
		python3 -c 'import json,sys; print(" ".join(str(i) for i in sorted(int(e["id"]) for e in json.load(sys.stdin))))'
}
[ "$(rule_ids)" = "1 3 4" ] || fail "rules after a refused edit: $(rule_ids)"
nfc_tcp_1mib 1 2
pass "a rule that does not compile is refused ($out); the rules in force still work"

sleep 1
kill -TERM $MON
wait $MON || true
python3 - "$WORK/decisions.json" <<'PY' || fail "decisions: $(cat "$WORK/decisions.json")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def of(rule):
    return [e for e in ev if e.get("rule") == rule]
ok = True
deny_in = of("h2-no-web-in")
if not deny_in or any(e["verdict"] != "drop" or e.get("reason") != "policy-ingress" for e in deny_in):
    print("h2-no-web-in:", deny_in, file=sys.stderr); ok = False
deny_out = of("h2-no-out")
if not deny_out or any(e["verdict"] != "drop" or e.get("reason") != "policy-egress" for e in deny_out):
    print("h2-no-out:", deny_out, file=sys.stderr); ok = False
allow = of("h2-web-in")
if len(allow) != 3 or any(e["verdict"] == "drop" for e in allow):
    print("h2-web-in:", allow, file=sys.stderr); ok = False
print(f"decisions: h2-no-web-in {len(deny_in)}, h2-no-out {len(deny_out)}, h2-web-in {len(allow)}")
sys.exit(0 if ok else 1)
PY
pass "decision events name the rule and the side"

# --- the rules from a file ------------------------------------------------
cat > "$WORK/bad.rules" <<RULES
# h1 may reach h2's web port; h2 takes it
id 1 endpoint 1 direction egress action allow peer $IP2/32 proto 6 port 5001 name h1-web-out
id 3 endpoint 2 direction sideways action allow proto 6 port 5001
RULES
out=$("$NFCTL" nf "$C" fw rules load "$WORK/bad.rules" 2>&1) && fail "a bad rules file loaded"
grep -q "bad.rules:3: .*direction" <<<"$out" || fail "bad file's error: $out"
[ "$(rule_ids)" = "1 3 4" ] || fail "the rules changed after a refused load: $(rule_ids)"
pass "a rules file with a bad line is refused ($out); the rules in force stay"
printf 'id 5 endpoint 1 direction egress action allow\n# twice\nid 5 endpoint 1 direction egress action deny\n' > "$WORK/dup.rules"
out=$("$NFCTL" nf "$C" fw rules load "$WORK/dup.rules" 2>&1) && fail "a rules file with a key twice loaded"
grep -q "dup.rules:3: the same key as line 1" <<<"$out" || fail "duplicate key's error: $out"
[ "$(rule_ids)" = "1 3 4" ] || fail "the rules changed after a refused load: $(rule_ids)"
pass "a rules file with a rule twice is refused ($out)"

cat > "$WORK/good.rules" <<RULES
id 1 endpoint 1 direction egress action allow peer $IP2/32 proto 6 port 5001 name h1-web-out
id 4 endpoint 2 direction egress action deny priority 100 name h2-no-out
RULES
"$NFCTL" nf "$C" fw rules load "$WORK/good.rules" >/dev/null || fail "load good.rules"
[ "$(rule_ids)" = "1 4" ] || fail "the table does not hold the file's rules: $(rule_ids)"
bg ip netns exec "$NS2" timeout 3 socat -u TCP-LISTEN:5001,reuseaddr /dev/null
sleep 0.3
ip netns exec "$NS1" socat -u /dev/null TCP:"$IP2":5001,connect-timeout=2 2>/dev/null &&
	fail "h1 -> h2 got through after h2's ingress rule was loaded away"
pass "a loaded file replaces the rules: h2's ingress allows nothing now"

# a file that reads well but does not compile: the table is put back
printf 'id 1 endpoint 1 direction egress action allow proto 6 port 100 port_end 90\n' > "$WORK/uncompiled.rules"
out=$("$NFCTL" nf "$C" fw rules load "$WORK/uncompiled.rules" 2>&1) && fail "an uncompilable rules file loaded"
grep -q "rule 1: port_end 90 is below port 100" <<<"$out" || fail "uncompilable file's error: $out"
[ "$(rule_ids)" = "1 4" ] || fail "the rules after a load that did not compile: $(rule_ids)"
pass "a loaded file that does not compile is undone ($out)"

# --- rule updates under traffic --------------------------------------------
# A UDP flow h1 -> h2:7000 at 20k pps while h1's egress rules go from set X
# to set Y and back, 20 times. Both sets deny the flow, each by a rule of
# its own (x-deny, y-deny); a rule of any peer allows it (catch-allow) and
# h2's ingress takes it (h2-udp-in, which names the allowed packets), so
# only a set half applied lets a packet through: Y's file turns x-deny into
# a rule of port 7001 before it adds y-deny. Loaded whole (one compile,
# one switch), never once; applied entry by entry (the control: nfctl add
# after add, a compile each), it does.
rules_x() {
	cat <<RULES
id 4 endpoint 2 direction egress action deny priority 100 name h2-no-out
id 101 endpoint 1 direction egress action deny peer $IP2/32 proto 17 port 7000 priority 1 name x-deny
id 102 endpoint 1 direction egress action allow proto 17 port 7000 priority 5 name catch-allow
id 105 endpoint 2 direction ingress action allow proto 17 port 7000 name h2-udp-in
RULES
}
rules_y() {
	cat <<RULES
id 4 endpoint 2 direction egress action deny priority 100 name h2-no-out
id 101 endpoint 1 direction egress action deny peer $IP2/32 proto 17 port 7001 priority 1 name x-deny
id 102 endpoint 1 direction egress action allow proto 17 port 7000 priority 5 name catch-allow
id 103 endpoint 1 direction egress action deny peer $IP2/32 proto 17 port 7000 priority 1 name y-deny
id 105 endpoint 2 direction ingress action allow proto 17 port 7000 name h2-udp-in
RULES
}
rules_x > "$WORK/x.rules"
rules_y > "$WORK/y.rules"
# by id: a rule the last load took out has no name any more
rule_packets() {
	"$NFCTL" -j stats rule "$1" | json - "sum(int(e['packets']) for e in j if e['chain'] == '$C')"
}
"$NFCTL" nf "$C" fw rules load "$WORK/x.rules" >/dev/null || fail "load x.rules"
a0=$(rule_packets 105)
bg "$TRAFFIC" send --netns "$NS1" --dev eth0 --src "$MAC1" --dst "$MAC2" \
	--udp "$IP1:6000,$IP2:7000" --run-id 71 --rate 20000 --duration 30
SENDER=$!
sleep 0.5
for _ in $(seq 20); do
	"$NFCTL" nf "$C" fw rules load "$WORK/y.rules" >/dev/null || fail "load y.rules"
	"$NFCTL" nf "$C" fw rules load "$WORK/x.rules" >/dev/null || fail "load x.rules"
done
a1=$(rule_packets 105)
dx=$(rule_packets 101) dy=$(rule_packets 103)
[ "$a1" = "$a0" ] || fail "$((a1 - a0)) packets judged by a half-applied rule set (allowed by h2-udp-in)"
[ "$dx" -gt 0 ] && [ "$dy" -gt 0 ] || fail "the flow was not judged by both sets (x-deny $dx, y-deny $dy)"
pass "40 whole loads under 20k pps: every packet judged by X or Y (x-deny $dx, y-deny $dy), none by a half (h2-udp-in 0)"

# the control: the same change entry by entry lets packets through
for _ in $(seq 5); do
	"$NFCTL" nf "$C" fw rules add id 101 endpoint 1 direction egress action deny \
		peer "$IP2/32" proto 17 port 7001 priority 1 name x-deny >/dev/null || fail "add 101"
	"$NFCTL" nf "$C" fw rules add id 103 endpoint 1 direction egress action deny \
		peer "$IP2/32" proto 17 port 7000 priority 1 name y-deny >/dev/null || fail "add 103"
	"$NFCTL" nf "$C" fw rules load "$WORK/x.rules" >/dev/null || fail "load x.rules"
done
a2=$(rule_packets 105)
kill "$SENDER" 2>/dev/null || true
wait "$SENDER" 2>/dev/null || true
[ "$a2" -gt "$a1" ] || fail "the control: entry by entry let no packet through, the test cannot tell"
pass "the control: the same change applied entry by entry let $((a2 - a1)) packets through"

# --- capacity: the node's maps sized by its config ------------------------
# (the first node's config: the firewall's)
sed '0,/^    config:$/s//    config:\n      capacity: 1024/' "$WORK/chain.yaml" > "$WORK/small.yaml"
grep -q "capacity: 1024" "$WORK/small.yaml" || fail "the descriptor with a capacity"
"$NFCTL" chain apply "$WORK/small.yaml" > /dev/null 2> "$WORK/small.err" ||
	fail "apply with capacity 1024: $(cat "$WORK/small.err")"
entries=$(bpftool -j map show pinned "$(find "$ULTRANIO_BPFFS" -name fw_rule_c | head -1)" |
	json - 'j["max_entries"]')
[ "$entries" = 2048 ] || fail "fw_rule_c holds $entries rules, not two generations of 1024"
for i in $(seq 1025); do
	echo "id $((1000 + i)) endpoint 1 direction egress action deny peer 10.99.$((i / 256)).$((i % 256))/32 proto 6"
done > "$WORK/big.rules"
out=$("$NFCTL" nf "$C" fw rules load "$WORK/big.rules" 2>&1) && fail "1025 rules taken by an instance of 1024"
grep -q "1025 entries, table .rules. holds 1024" <<< "$out" ||
	fail "the refusal does not say the capacity: $out"
# X and Y in turn, each generation compiled twice: every packet judged by
# the set just loaded (X: x-deny, 101; Y: y-deny, 103)
for g in 1 2 3 4; do
	set=x id=101
	((g % 2)) || set=y id=103
	"$NFCTL" nf "$C" fw rules load "$WORK/$set.rules" >/dev/null || fail "load $set.rules (capacity 1024)"
	b0=$(rule_packets $id)
	"$TRAFFIC" send --netns "$NS1" --dev eth0 --src "$MAC1" --dst "$MAC2" \
		--udp "$IP1:6000,$IP2:7000" --run-id $((80 + g)) --rate 2000 --count 50 >/dev/null ||
		fail "send ($g)"
	sleep 0.2
	b1=$(rule_packets $id)
	[ "$((b1 - b0))" = 50 ] || fail "compile $g ($set): $((b1 - b0)) of 50 packets under rule $id"
done
pass "capacity 1024: maps of two generations of 1024, 1025 rules refused ($out), packets judged right by either generation"
