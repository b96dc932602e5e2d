#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# nfctl lpm as an operator meets it: IPv4 and IPv6 tables with overlapping
# prefixes, a load of a few thousand prefixes checked against a reference
# computed here, JSON on every show, list and lookup and for errors, bad
# input (exit 2) and refused changes (exit 1) that leave a table as it was,
# a full table, concurrent changes under the lock, destroy.
# Every case runs; the failures are listed at the end.
. "$(dirname "$0")/lib.sh"
nfc_every_case

# lookup ID ADDRESS VALUE PREFIX: the answer and the prefix it came from
lookup() {
	expect 0 "$NFCTL" -j lpm lookup "$1" "$2" || return
	local got
	got=$(json "$WORK/out" '"%s %s" % (j["value"], j.get("prefix"))')
	[ "$got" = "$3 $4" ] || bad "lookup $1 $2: '$got', expected '$3 $4'"
}

# miss ID ADDRESS: no prefix covers it: exit 1, said in text and in JSON
miss() {
	expect 1 "$NFCTL" lpm lookup "$1" "$2" && says "$WORK/err" "no prefix covers"
	expect 1 "$NFCTL" -j lpm lookup "$1" "$2" && is_json lookup miss &&
		{ json "$WORK/out" 'j["error"][0]' | grep -q "no prefix covers" ||
			bad "JSON miss: $(cat "$WORK/out")"; }
}

# listed ID FILE: `lpm list ID` as JSON into FILE
listed() {
	"$NFCTL" -j lpm list "$1" > "$2" || bad "lpm list $1"
}

V4=1 V6=2 BIG4=3 BIG6=4 FULL=5 MAXID=32767

# grammar and help
expect 0 "$NFCTL" lpm help && says "$WORK/out" "nfctl lpm { create ID"
expect 0 "$NFCTL" help && says "$WORK/out" "| lpm |"

# no tables yet: show is empty and JSON
expect 0 "$NFCTL" -j lpm show && is_json lpm show
[ "$(json "$WORK/out" '(len(j["tables"]), j["store"]["tables"])')" = "(0, 0)" ] ||
	bad "empty store: $(cat "$WORK/out")"

# create
expect 0 "$NFCTL" -j lpm create $V4 ipv4 && is_json lpm create
[ "$(json "$WORK/out" '(j["table"], j["family"], j["prefixes"])')" = "(1, 'ipv4', 0)" ] ||
	bad "created v4: $(cat "$WORK/out")"
expect 0 "$NFCTL" lpm create $V6 ipv6 capacity 1000
expect 0 "$NFCTL" -j lpm show $V6 && is_json lpm show $V6
[ "$(json "$WORK/out" '(j["family"], j["capacity"])')" = "('ipv6', 1000)" ] ||
	bad "created v6: $(cat "$WORK/out")"
expect 0 "$NFCTL" lpm create $MAXID ipv4
expect 1 "$NFCTL" lpm create $V4 ipv6 && says "$WORK/err" "lpm table 1: exists"
expect 1 "$NFCTL" -j lpm create $V4 ipv4 && is_json create twice &&
	json "$WORK/out" 'j["error"]' > /dev/null

# IPv4: the default route, /8, /16, /24, /32 over each other; abbreviated verbs
expect 0 "$NFCTL" lpm add $V4 0.0.0.0/0 1
expect 0 "$NFCTL" lpm a $V4 10.0.0.0/8 8
expect 0 "$NFCTL" lpm add $V4 10.1.0.0/16 16
expect 0 "$NFCTL" lpm add $V4 10.1.2.0/24 24
expect 0 "$NFCTL" lpm add $V4 10.1.2.3 32
lookup $V4 10.1.2.3 32 10.1.2.3/32
lookup $V4 10.1.2.4 24 10.1.2.0/24
lookup $V4 10.1.2.255 24 10.1.2.0/24
lookup $V4 10.1.3.1 16 10.1.0.0/16
lookup $V4 10.255.255.255 8 10.0.0.0/8
lookup $V4 10.0.0.0 8 10.0.0.0/8
lookup $V4 11.0.0.1 1 0.0.0.0/0
lookup $V4 255.255.255.255 1 0.0.0.0/0
expect 0 "$NFCTL" lpm lookup $V4 10.1.2.4 && says "$WORK/out" "value: 24"
expect 0 "$NFCTL" -j lpm list $V4 && is_json lpm list
[ "$(json "$WORK/out" '[(e["prefix"], e["value"]) for e in j]')" = \
  "[('0.0.0.0/0', 1), ('10.0.0.0/8', 8), ('10.1.0.0/16', 16), ('10.1.2.0/24', 24), ('10.1.2.3/32', 32)]" ] ||
	bad "list v4: $(cat "$WORK/out")"
expect 0 "$NFCTL" -p lpm list $V4 && is_json lpm list -p
expect 0 "$NFCTL" lpm list $V4 && says "$WORK/out" "prefix: 10.1.2.0/24"

# add replaces, replace needs the prefix, del takes exactly one prefix
expect 0 "$NFCTL" lpm add $V4 10.0.0.0/8 80
lookup $V4 10.2.0.1 80 10.0.0.0/8
expect 0 "$NFCTL" lpm replace $V4 10.0.0.0/8 81
lookup $V4 10.2.0.1 81 10.0.0.0/8
expect 1 "$NFCTL" lpm replace $V4 12.0.0.0/8 5
lookup $V4 12.0.0.1 1 0.0.0.0/0
expect 0 "$NFCTL" lpm del $V4 10.1.2.0/24
lookup $V4 10.1.2.4 16 10.1.0.0/16
lookup $V4 10.1.2.3 32 10.1.2.3/32
expect 1 "$NFCTL" lpm del $V4 10.1.2.0/24
expect 1 "$NFCTL" lpm del $V4 10.1.0.0/17
expect 0 "$NFCTL" lpm del $V4 0.0.0.0/0
miss $V4 11.0.0.1
lookup $V4 10.9.9.9 81 10.0.0.0/8
expect 0 "$NFCTL" -j lpm show $V4 && is_json lpm show $V4
[ "$(json "$WORK/out" 'j["prefixes"]')" = 3 ] || bad "show v4: $(cat "$WORK/out")"
python3 - "$WORK/out" <<'PY' || bad "show v4 fields: $(cat "$WORK/out")"
import json, sys
t = json.load(open(sys.argv[1]))
for k in ("table", "family", "prefixes", "capacity", "nodes", "leaves",
          "trie_bytes", "bytes_per_prefix"):
    assert k in t, k
assert t["nodes"] >= 1 and t["leaves"] >= 1, t
assert t["trie_bytes"] == t["nodes"] * 24 + t["leaves"] * 4, t
assert t["record_bytes"] == t["prefixes"] * 32 and t["direct_bytes"] == 0, t
assert abs(t["bytes_per_prefix"] - (t["trie_bytes"] + t["record_bytes"]) / t["prefixes"]) < 0.1, t
PY

# IPv6, the same shape
expect 0 "$NFCTL" lpm add $V6 ::/0 1
expect 0 "$NFCTL" lpm add $V6 2001:db8::/32 32
expect 0 "$NFCTL" lpm add $V6 2001:db8:1::/48 48
expect 0 "$NFCTL" lpm add $V6 2001:db8:1:2::/64 64
expect 0 "$NFCTL" lpm add $V6 2001:db8:1:2::3 128
expect 0 "$NFCTL" lpm add $V6 2001:db8:1:2::2/127 127
lookup $V6 2001:db8:1:2::3 128 2001:db8:1:2::3/128
lookup $V6 2001:db8:1:2::2 127 2001:db8:1:2::2/127
lookup $V6 2001:db8:1:2::4 64 2001:db8:1:2::/64
lookup $V6 2001:db8:1:3::1 48 2001:db8:1::/48
lookup $V6 2001:db8:ffff::1 32 2001:db8::/32
lookup $V6 2001:DB8:0:0:0:0:0:1 32 2001:db8::/32
lookup $V6 fe80::1 1 ::/0
expect 0 "$NFCTL" -j lpm list $V6 && is_json lpm list v6
[ "$(json "$WORK/out" 'len(j)')" = 6 ] || bad "list v6: $(cat "$WORK/out")"
expect 0 "$NFCTL" lpm del $V6 ::/0
miss $V6 fe80::1

# the wrong family, either way
expect 1 "$NFCTL" lpm lookup $V4 2001:db8::1 && says "$WORK/err" "the table is IPv4"
expect 1 "$NFCTL" lpm lookup $V6 10.0.0.1 && says "$WORK/err" "the table is IPv6"
expect 1 "$NFCTL" lpm add $V4 2001:db8::/32 1 && says "$WORK/err" "the table is IPv4"
expect 1 "$NFCTL" lpm add $V6 10.0.0.0/8 1 && says "$WORK/err" "the table is IPv6"

# bad input: exit 2, naming the argument
expect 2 "$NFCTL" lpm add $V4 10.0.0.1/8 1 &&
	says "$WORK/err" "lpm add: prefix '10.0.0.1/8'" && says "$WORK/err" "past"
expect 2 "$NFCTL" lpm add $V6 2001:db8::1/32 1 && says "$WORK/err" "prefix '2001:db8::1/32'"
for p in 10.0.0.0/33 10.0.0.0/ 10.0.0/8 10.0.0.256 nonsense /8 10.0.0.0/-1 \
	 10.0.0.0/8/8 2001:db8::/129 ""; do
	expect 2 "$NFCTL" lpm add $V4 "$p" 1 && says "$WORK/err" "prefix '$p'"
	expect 2 "$NFCTL" lpm del $V4 "$p"
done
for v in 4294967295 4294967296 -1 x 1.5 ""; do
	expect 2 "$NFCTL" lpm add $V4 10.0.0.0/8 "$v" && says "$WORK/err" "value '$v'"
done
expect 0 "$NFCTL" lpm add $V4 10.0.0.0/8 4294967294
lookup $V4 10.0.0.1 4294967294 10.0.0.0/8
expect 0 "$NFCTL" lpm add $V4 10.0.0.0/8 0
lookup $V4 10.0.0.1 0 10.0.0.0/8
for t in 0 65536 -1 x 1x ""; do
	expect 2 "$NFCTL" lpm add "$t" 10.0.0.0/8 1 && says "$WORK/err" "table '$t'"
	expect 2 "$NFCTL" lpm show "$t"
done
for a in 10.0.0.0/8 10.0.0 x ""; do
	expect 2 "$NFCTL" lpm lookup $V4 "$a" && says "$WORK/err" "address '$a'"
done
expect 2 "$NFCTL" lpm create 7 ipx
expect 2 "$NFCTL" lpm create 7 ipv4 capacity 0
expect 2 "$NFCTL" lpm create 7 ipv4 capacity 16777217
expect 2 "$NFCTL" lpm create 7 ipv4 size 5
expect 2 "$NFCTL" lpm create 7
expect 2 "$NFCTL" lpm add $V4 10.0.0.0/8
expect 2 "$NFCTL" lpm add $V4 10.0.0.0/8 1 2
expect 2 "$NFCTL" lpm show 1 2
expect 2 "$NFCTL" lpm frobnicate
expect 2 "$NFCTL" lpm l $V4          # load, list or lookup: ambiguous
says "$WORK/err" ambiguous

# a table that does not exist: exit 1, said in text and in JSON
for cmd in "add 9 10.0.0.0/8 1" "replace 9 10.0.0.0/8 1" "del 9 10.0.0.0/8" \
	   "list 9" "lookup 9 10.0.0.1" "show 9" "destroy 9"; do
	# shellcheck disable=SC2086
	expect 1 "$NFCTL" lpm $cmd && says "$WORK/err" "lpm table 9: no such table"
	# shellcheck disable=SC2086
	expect 1 "$NFCTL" -j lpm $cmd && is_json lpm $cmd &&
		{ json "$WORK/out" 'j["error"][0]' | grep -q "lpm table 9: no such table" ||
			bad "JSON error: $(cat "$WORK/out")"; }
done
echo "10.0.0.0/8 1" > "$WORK/one.txt"
expect 1 "$NFCTL" lpm load 9 "$WORK/one.txt" && says "$WORK/err" "lpm table 9: no such table"
expect 1 "$NFCTL" lpm load $V4 "$WORK/nosuch.txt" && says "$WORK/err" "$WORK/nosuch.txt"

# a load of a few thousand prefixes (duplicates, comments, blank lines),
# checked whole by list and by lookups against a reference made here
python3 - "$WORK" <<'PY' || bad "generating prefixes"
import ipaddress, json, random, sys
work = sys.argv[1]
rnd = random.Random(20260101)

def gen(bits, n, cls, vmax):
    want = {}
    lines = ["# generated: PREFIX VALUE", ""]
    while len(want) < n:
        ln = rnd.choice([0, 1, 7, 8, 12] + list(range(16, bits + 1)) * 2)
        net = cls(rnd.getrandbits(bits) >> (bits - ln) << (bits - ln) if ln else 0)
        p = ipaddress.ip_network("%s/%d" % (net, ln))
        v = rnd.randrange(0, vmax + 1)
        want[p] = v
        lines.append("%s %d" % (p, v) if rnd.random() < 0.9 else
                     "  %s\t%d   # a comment" % (p, v))
        if rnd.random() < 0.02:         # given again: the last value counts
            v = rnd.randrange(0, 1000)
            want[p] = v
            lines.append("%s %d" % (p, v))
    # host routes without a length
    for _ in range(20):
        a = cls(rnd.getrandbits(bits))
        want[ipaddress.ip_network(a)] = 7
        lines.append("%s 7" % a)
    return want, lines

def lpm(want, bits, a):
    x = int(a)
    net = ipaddress.IPv4Network if bits == 32 else ipaddress.IPv6Network
    for ln in range(bits, -1, -1):
        p = net((x >> (bits - ln) << (bits - ln), ln))
        if p in want:
            return p, want[p]
    return None, None

# (the IPv6 table is big enough for a direct array: values up to 2^31 - 2)
for name, bits, cls, n, vmax in (("v4", 32, ipaddress.IPv4Address, 3000, 4294967294),
                                 ("v6", 128, ipaddress.IPv6Address, 2000, 2147483646)):
    want, lines = gen(bits, n, cls, vmax)
    open("%s/%s.txt" % (work, name), "w").write("\n".join(lines) + "\n")
    ref = sorted(want.items(), key=lambda kv: (int(kv[0].network_address), kv[0].prefixlen))
    json.dump([[str(p), v] for p, v in ref], open("%s/%s.ref" % (work, name), "w"))
    # addresses inside prefixes (their first, last, some between) and anywhere
    addrs = []
    for p in rnd.sample(sorted(want, key=str), 150):
        addrs += [p.network_address, p.broadcast_address,
                  cls(int(p.network_address) + rnd.randrange(p.num_addresses))]
    addrs += [cls(rnd.getrandbits(bits)) for _ in range(100)]
    with open("%s/%s.lookups" % (work, name), "w") as f:
        for a in addrs:
            p, v = lpm(want, bits, a)
            f.write("%s %s %s\n" % (a, v, p))
PY
expect 0 "$NFCTL" lpm create $BIG4 ipv4 capacity 100000
expect 0 "$NFCTL" lpm create $BIG6 ipv6 capacity 100000
expect 0 "$NFCTL" -j lpm load $BIG4 "$WORK/v4.txt" && is_json lpm load
n4=$(json "$WORK/v4.ref" 'len(j)')
[ "$(json "$WORK/out" 'j["prefixes"]')" = "$n4" ] || bad "load v4: $(cat "$WORK/out"), $n4 expected"
# from standard input
expect 0 "$NFCTL" -j lpm load $BIG6 - < "$WORK/v6.txt"
n6=$(json "$WORK/v6.ref" 'len(j)')
[ "$(json "$WORK/out" 'j["prefixes"]')" = "$n6" ] || bad "load v6: $(cat "$WORK/out"), $n6 expected"

# compare FAMILY ID: the whole list and every lookup against the reference
compare() {
	listed "$2" "$WORK/$1.list"
	python3 - "$WORK/$1.list" "$WORK/$1.ref" <<'PY' || bad "lpm list $2 differs from the reference"
import ipaddress, json, sys
got = [(ipaddress.ip_network(e["prefix"]), e["value"]) for e in json.load(open(sys.argv[1]))]
ref = [(ipaddress.ip_network(p), v) for p, v in json.load(open(sys.argv[2]))]
if got != ref:
    print("%d listed, %d expected; first difference: %s" % (len(got), len(ref),
          next(((g, r) for g, r in zip(got, ref) if g != r), None)), file=sys.stderr)
    sys.exit(1)
PY
	: > "$WORK/$1.answers"
	: > "$WORK/$1.warnings"
	while read -r a v _; do
		"$NFCTL" -j lpm lookup "$2" "$a" >> "$WORK/$1.answers" 2>> "$WORK/$1.warnings"
		# a miss says so on stdout (JSON); nothing else goes to stderr
	done < "$WORK/$1.lookups"
	[ ! -s "$WORK/$1.warnings" ] || bad "lookups in table $2 warned: $(head -3 "$WORK/$1.warnings")"
	python3 - "$WORK/$1.lookups" "$WORK/$1.answers" <<'PY' || bad "lookups in table $2 differ from the reference"
import ipaddress, json, sys
want = [l.split() for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
assert len(got) == len(want), (len(got), len(want))
wrong = 0
for (a, v, p), g in zip(want, got):
    if v == "None":
        ok = "error" in g and "no prefix covers" in g["error"][0]
    else:
        ok = g.get("value") == int(v) and ipaddress.ip_network(g.get("prefix", "::/0")) == ipaddress.ip_network(p)
    if not ok:
        wrong += 1
        if wrong <= 5:
            print("%s: got %s, expected %s %s" % (a, g, v, p), file=sys.stderr)
print("%d lookups, %d wrong" % (len(want), wrong))
sys.exit(wrong > 0)
PY
}
compare v4 $BIG4
compare v6 $BIG6
expect 0 "$NFCTL" -j lpm show $BIG4
python3 - "$WORK/out" <<'PY' || bad "show after load: $(cat "$WORK/out")"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["trie_bytes"] == t["nodes"] * 24 + t["leaves"] * 4, t
assert 0 < t["bytes_per_prefix"] < 1000, t
PY

# a bad line on standard input
printf '10.0.0.0/8 1\nbad\n' > "$WORK/stdin.txt"
expect 1 "$NFCTL" lpm load $BIG4 - < "$WORK/stdin.txt" && says "$WORK/err" "stdin:2:"
# a value too wide for a table with a direct array, and an address of the
# other family: each line says what is wrong with it
printf '2001:db8::/32 1\n2001:db9::/32 2147483647\n' > "$WORK/stdin.txt"
expect 1 "$NFCTL" lpm load $BIG6 - < "$WORK/stdin.txt" &&
	says "$WORK/err" "stdin:2:1: prefix '2001:db9::/32': values of a table this large"
printf '10.0.0.0/8 1\n' > "$WORK/stdin.txt"
expect 1 "$NFCTL" lpm load $BIG6 - < "$WORK/stdin.txt" &&
	says "$WORK/err" "stdin:1:1: prefix '10.0.0.0/8': the table is IPv6"

# a file with a bad line: the error names file and line, the table is as it was
listed $BIG4 "$WORK/before.json"
i=0
for line in "10.0.0.1/8 5" "10.0.0.0/8" "10.0.0.0/8 4294967295" "10.0.0.0/8 x" \
	    "10.0.0.0/33 1" "2001:db8::/32 1" "10.0.0.0/8 1 2"; do
	i=$((i + 1))
	f=$WORK/bad$i.txt
	{ echo "# a good start"; echo "192.0.2.0/24 1"; echo "$line"; echo "198.51.100.0/24 2"; } > "$f"
	expect 1 "$NFCTL" lpm load $BIG4 "$f" && says "$WORK/err" "$f:3"
	expect 1 "$NFCTL" -j lpm load $BIG4 "$f" && is_json bad load &&
		{ json "$WORK/out" 'j["error"][0]' | grep -qF "$f:3" || bad "JSON load error: $(cat "$WORK/out")"; }
done
listed $BIG4 "$WORK/after.json"
cmp -s "$WORK/before.json" "$WORK/after.json" || bad "a failed load changed table $BIG4"

# a load replaces: what the new file lacks is gone
printf '# small\n10.0.0.0/8 1\n\n10.1.0.0/16 2   # more specific\n' > "$WORK/small.txt"
expect 0 "$NFCTL" lpm load $BIG4 "$WORK/small.txt"
expect 0 "$NFCTL" -j lpm list $BIG4
[ "$(json "$WORK/out" '[(e["prefix"], e["value"]) for e in j]')" = "[('10.0.0.0/8', 1), ('10.1.0.0/16', 2)]" ] ||
	bad "list after a smaller load: $(head -c 300 "$WORK/out")"
lookup $BIG4 10.1.255.255 2 10.1.0.0/16
miss $BIG4 11.0.0.1
# an empty file empties the table
: > "$WORK/empty.txt"
expect 0 "$NFCTL" -j lpm load $BIG4 "$WORK/empty.txt"
[ "$(json "$WORK/out" 'j["prefixes"]')" = 0 ] || bad "empty load: $(cat "$WORK/out")"
miss $BIG4 10.0.0.1

# a full table: a clear error, and the table keeps what it had
expect 0 "$NFCTL" lpm create $FULL ipv4 capacity 4
for i in 1 2 3 4; do
	expect 0 "$NFCTL" lpm add $FULL 10.$i.0.0/16 $i
done
expect 1 "$NFCTL" lpm add $FULL 10.5.0.0/16 5 &&
	{ grep -qiE "full|capacity" "$WORK/err" || bad "full table error: $(cat "$WORK/err")"; }
expect 1 "$NFCTL" -j lpm add $FULL 10.5.0.0/16 5 && is_json full
expect 0 "$NFCTL" lpm add $FULL 10.4.0.0/16 44
lookup $FULL 10.4.0.1 44 10.4.0.0/16
miss $FULL 10.5.0.1
printf '10.1.0.0/16 1\n10.2.0.0/16 2\n10.3.0.0/16 3\n10.4.0.0/16 4\n10.5.0.0/16 5\n' > "$WORK/five.txt"
listed $FULL "$WORK/before.json"
expect 1 "$NFCTL" lpm load $FULL "$WORK/five.txt"
says "$WORK/err" "5 prefixes, the table takes 4"
listed $FULL "$WORK/after.json"
cmp -s "$WORK/before.json" "$WORK/after.json" || bad "a load over capacity changed table $FULL"
expect 0 "$NFCTL" lpm del $FULL 10.1.0.0/16
expect 0 "$NFCTL" lpm add $FULL 10.5.0.0/16 5
lookup $FULL 10.5.0.1 5 10.5.0.0/16

# changes from many processes at once: the lock serialises them, none is lost
expect 0 "$NFCTL" lpm create 6 ipv4
pids=()
for i in $(seq 1 24); do
	"$NFCTL" lpm add 6 "172.16.$i.0/24" "$i" 2> "$WORK/par$i.err" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || bad "a concurrent add failed: $(cat "$WORK"/par*.err)"
done
expect 0 "$NFCTL" -j lpm list 6
[ "$(json "$WORK/out" 'len(j)')" = 24 ] || bad "concurrent adds: $(head -c 300 "$WORK/out")"
for i in 1 12 24; do
	lookup 6 172.16.$i.9 "$i" 172.16.$i.0/24
done

# show without ID: every table and the store's totals
expect 0 "$NFCTL" -j lpm show && is_json lpm show
python3 - "$WORK/out" <<'PY' || bad "show all: $(head -c 600 "$WORK/out")"
import json, sys
j = json.load(open(sys.argv[1]))
ids = [t["table"] for t in j["tables"]]
assert ids == [1, 2, 3, 4, 5, 6, 32767], ids
s = j["store"]
assert s["tables"] == 7, s
for k in ("node_chunks", "leaf_chunks", "node_slots", "leaf_slots", "nodes_used",
          "leaves_used", "nodes_pending", "leaves_pending", "bytes"):
    assert k in s, k
assert s["nodes_used"] >= sum(t["nodes"] for t in j["tables"]), s
assert s["node_slots"] >= s["nodes_used"] + s["nodes_pending"], s
assert s["leaf_slots"] >= s["leaves_used"] + s["leaves_pending"], s
assert s["bytes"] > 0, s
PY
expect 0 "$NFCTL" lpm show && says "$WORK/out" "store:"

# destroy: lookups and changes fail clearly, the ID can be made again
expect 0 "$NFCTL" lpm destroy $V4
for cmd in "lookup $V4 10.0.0.1" "list $V4" "show $V4" "add $V4 10.0.0.0/8 1" "destroy $V4"; do
	# shellcheck disable=SC2086
	expect 1 "$NFCTL" lpm $cmd && says "$WORK/err" "lpm table $V4: no such table"
done
expect 0 "$NFCTL" -j lpm show
[ "$(json "$WORK/out" '[t["table"] for t in j["tables"]]')" = "[2, 3, 4, 5, 6, 32767]" ] ||
	bad "show after destroy: $(head -c 300 "$WORK/out")"
expect 0 "$NFCTL" lpm create $V4 ipv6
expect 0 "$NFCTL" -j lpm list $V4
[ "$(json "$WORK/out" 'len(j)')" = 0 ] || bad "a table made again is not empty: $(cat "$WORK/out")"
miss $V4 2001:db8::1
for t in $V4 $V6 $BIG4 $BIG6 $FULL 6 $MAXID; do
	expect 0 "$NFCTL" lpm destroy "$t"
done
expect 0 "$NFCTL" -j lpm show
[ "$(json "$WORK/out" '(len(j["tables"]), j["store"]["tables"], j["store"]["nodes_used"])')" = "(0, 0, 0)" ] ||
	bad "show after destroying all: $(cat "$WORK/out")"

nfc_verdict
