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
