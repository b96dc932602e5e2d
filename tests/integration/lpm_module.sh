#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# A module's LPM-backed tables (manifest `lpm:`), as an operator uses them:
# the cidrgate test module drops packets whose destination's longest
# matching prefix says deny. Its tables are filled from the descriptor and
# edited with the generic table verbs (nfctl nf CHAIN NODE TABLE add/del/
# list), and each edit takes effect for flows already cached; a config
# change fills the other slot while the running one keeps forwarding; a
# chain delete takes the tables with it; `nfctl lpm` shows them but may not
# change them.
. "$(dirname "$0")/lib.sh"
export ULTRANIO_CATALOG=$NFC_BUILD/tests/catalog
C=lpm-$TAG

nfc_topology 2
chain() { # chain BLOCKS...: the descriptor, cidrgate before the macrouter
	cat <<YAML
chain: $C
attach:
  - {interface: $HV1, hook: tc-ingress}
  - {interface: $HV2, hook: tc-ingress}
entry: gate
nodes:
  - name: gate
    module: cidrgate
    config:
      blocks:
$(for b in "$@"; do echo "        - $b"; done)
$(nfc_mr_node)
links:
  - {from: gate, on: pass, to: mr}
YAML
}
reaches() { ip netns exec "$NS1" ping -c1 -W1 "$IP2" >/dev/null 2>&1; }
blocks() { "$NFCTL" nf "$C" gate blocks "$@"; }
instance_tables() { # the ids of node instances' LPM tables
	"$NFCTL" -j lpm show | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(str(t["table"]) for t in d["tables"] if t["table"] >= 32768))'
}

chain '{prefix: "10.'$T'.0.2/32", action: deny}' > "$WORK/c1.yaml"
"$NFCTL" chain apply "$WORK/c1.yaml" >/dev/null || fail "apply"
reaches && fail "h2 reached though the descriptor blocks 10.$T.0.2/32"
pass "the descriptor fills the table: 10.$T.0.2/32 deny drops"

blocks add prefix "10.$T.0.2/32" action allow >/dev/null || fail "add (replace)"
reaches || fail "10.$T.0.2/32 replaced by allow, h2 still unreachable"
blocks add prefix "10.$T.0.0/24" action deny >/dev/null || fail "add /24"
reaches && fail "the /24 deny covers the replies to h1"
blocks add prefix "10.$T.0.1/32" action allow >/dev/null || fail "add /32 of h1"
reaches || fail "both /32 allows are longer than the /24 deny"
blocks del prefix "10.$T.0.2/32" >/dev/null || fail "del /32"
reaches && fail "/32 deleted: the /24 deny must drop"
pass "edits decide at once, longest prefix first"

"$NFCTL" -j nf "$C" gate blocks list > "$WORK/list.json" || fail "list"
python3 - "$WORK/list.json" "$T" <<'PY' || fail "list: $(cat "$WORK/list.json")"
import json, sys
rows = json.load(open(sys.argv[1]))
want = [{"prefix": "10.%s.0.0/24" % sys.argv[2], "action": "deny"},
        {"prefix": "10.%s.0.1/32" % sys.argv[2], "action": "allow"}]
got = [{k: r[k] for k in ("prefix", "action")} for r in rows]
assert got == want, got
PY
blocks add prefix "10.$T.0.1/8" action deny > "$WORK/out" 2>&1 && fail "host bits accepted"
grep -q "host bits" "$WORK/out" || fail "bad prefix: $(cat "$WORK/out")"
blocks add prefix "2001:db8::/32" action deny > "$WORK/out" 2>&1 && fail "IPv6 prefix in the IPv4 table"
"$NFCTL" nf "$C" gate blocks6 add prefix "2001:db8::/32" action deny >/dev/null || fail "blocks6 add"
"$NFCTL" -j nf "$C" gate blocks6 list | grep -q '2001:db8::/32' || fail "blocks6 list"
pass "list in the manifest's fields; bad prefixes refused; the IPv6 table"

read -r -a ids <<< "$(instance_tables)"
[ "${#ids[@]}" = 2 ] || fail "instance tables: ${ids[*]}"
"$NFCTL" lpm add "${ids[0]}" 10.9.0.0/16 1 > "$WORK/out" 2>&1 && fail "nfctl lpm changed an instance's table"
grep -q "nfctl nf" "$WORK/out" || fail "refusal: $(cat "$WORK/out")"
pass "nfctl lpm shows the instance's tables (${ids[*]}) and leaves them to nfctl nf"

# the same descriptor again: the instance is kept, its tables too
"$NFCTL" chain apply "$WORK/c1.yaml" >/dev/null || fail "re-apply"
[ "$(instance_tables)" = "${ids[*]}" ] || fail "re-apply changed the tables: $(instance_tables)"
reaches && fail "re-apply lost the edits"
# another config: loaded anew into the other slot, the old slot's go
chain '{prefix: "10.'$T'.0.0/16", action: deny}' > "$WORK/c2.yaml"
"$NFCTL" chain apply "$WORK/c2.yaml" >/dev/null || fail "apply of a new config"
read -r -a ids2 <<< "$(instance_tables)"
[ "${#ids2[@]}" = 2 ] && [ "${ids2[*]}" != "${ids[*]}" ] ||
	fail "a new config: tables ${ids2[*]} (were ${ids[*]})"
reaches && fail "the new config denies 10.$T.0.0/16"
[ "$("$NFCTL" -j nf "$C" gate blocks list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] ||
	fail "the new config's table holds more than its one prefix"
blocks del prefix "10.$T.0.0/16" >/dev/null || fail "del in the new slot"
reaches || fail "the /16 deleted from the running slot's table, h2 still unreachable"
pass "a new config fills the other slot (${ids2[*]}), the module reads it; the old slot's tables are gone"

"$NFCTL" chain delete "$C" >/dev/null || fail "delete"
[ -z "$(instance_tables)" ] || fail "chain deleted, its tables stay: $(instance_tables)"
pass "a chain delete takes its LPM tables"
