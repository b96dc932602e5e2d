#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# nfctl as an operator meets it: prefixes, exit codes, JSON on every show
# and for errors, module load/unload (refused while in use), a third-party
# module from ULTRANIO_CATALOG, and one lock that makes a second mutation
# wait for the first.
. "$(dirname "$0")/lib.sh"

nfc_topology 2
nfc_mr_chain "cli-$TAG" macrouter@1.0.0 > "$WORK/chain.yaml"

expect_rc() {
	local want=$1
	shift
	set +e
	"$@" > "$WORK/out" 2> "$WORK/err"
	local rc=$?
	set -e
	[ $rc = "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$WORK/err")"
}

expect_rc 2 "$NFCTL"
expect_rc 2 "$NFCTL" bogus list
expect_rc 2 "$NFCTL" chain frobnicate
expect_rc 1 "$NFCTL" chain show nosuch
grep -q "chain 'nosuch' does not exist" "$WORK/err" || fail "error text: $(cat "$WORK/err")"
expect_rc 1 "$NFCTL" -j chain show nosuch
json "$WORK/out" 'j["error"][0]' | grep -q "does not exist" || fail "JSON error: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" --help
pass "exit codes: 0 ok, 1 failure, 2 usage; errors as JSON with -j"

expect_rc 0 "$NFCTL" help
grep -q "OBJECT := { module | chain | nf | ct | flow | stats | config | lpm | monitor }" "$WORK/out" || fail "nfctl help: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" chain help
grep -q "nfctl chain { apply \[--dry-run\] FILE" "$WORK/out" || fail "chain help: $(cat "$WORK/out")"
grep -q "nfctl module" "$WORK/out" && fail "chain help shows other objects"
expect_rc 0 "$NFCTL" mod help
grep -q "nfctl module { list" "$WORK/out" || fail "module help: $(cat "$WORK/out")"
expect_rc 0 "$NFCTL" nf help
expect_rc 0 "$NFCTL" stats help
pass "nfctl help, nfctl OBJECT help"

expect_rc 0 "$NFCTL" ch ap "$WORK/chain.yaml"
expect_rc 0 "$NFCTL" -j ch l
[ "$(json "$WORK/out" 'j[0]["name"]')" = "cli-$TAG" ] || fail "prefix 'ch l'"
expect_rc 2 "$NFCTL" chain s cli-$TAG   # show or swap: ambiguous
grep -q ambiguous "$WORK/err" || fail "ambiguity not reported"
pass "prefix matching"

for cmd in "module list" "module show macrouter" "chain list" "chain show cli-$TAG" \
	   "nf cli-$TAG mr routes list" "stats" "stats cli-$TAG"; do
	# shellcheck disable=SC2086
	"$NFCTL" -j $cmd | python3 -c 'import json,sys; json.load(sys.stdin)' ||
		fail "nfctl -j $cmd is not JSON"
	# shellcheck disable=SC2086
	"$NFCTL" $cmd > /dev/null || fail "nfctl $cmd"
done
pass "every show and list has JSON"

# Without privileges: an error that says so, never an empty or wrong answer.
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
for cmd in "chain list" "stats cli-$TAG" "chain show cli-$TAG" "nf cli-$TAG mr routes list"; do
	# shellcheck disable=SC2086
	expect_rc 1 nobody "$NFCTL" $cmd
	grep -q "Permission denied (nfctl needs root, or CAP_BPF and CAP_NET_ADMIN" "$WORK/err" ||
		fail "unprivileged 'nfctl $cmd': $(cat "$WORK/err")"
	[ ! -s "$WORK/out" ] || fail "unprivileged 'nfctl $cmd' printed: $(cat "$WORK/out")"
done
pass "unprivileged: $(head -1 "$WORK/err")"

# A third-party module (tests/modules/extra), registered by path, used,
# refused unload while in use, then unloaded.
mkdir -p "$WORK/mods/extra"
cp "$NFC_BUILD/tests/catalog-extra/extra-1.0.0."{xdp.o,tc.o,yaml} "$WORK/mods/extra/"
expect_rc 0 "$NFCTL" module load "$WORK/mods/extra"
expect_rc 0 "$NFCTL" -j module show extra
[ "$(json "$WORK/out" 'j[0]["version"]')" = 1.0.0 ] || fail "registered module not shown"
expect_rc 1 "$NFCTL" module load "$WORK/mods/extra/extra-1.0.0.yaml.missing"
{ cat "$WORK/chain.yaml"; printf '  - {name: x, module: extra@1.0.0}\nlinks:\n  - {from: mr, on: pass, to: x}\n'; } > "$WORK/chain2.yaml"
expect_rc 0 "$NFCTL" chain apply "$WORK/chain2.yaml"
expect_rc 1 "$NFCTL" module unload extra
grep -q "in use by 1 chain(s): cli-$TAG$" "$WORK/err" || fail "unload refusal: $(cat "$WORK/err")"
expect_rc 1 "$NFCTL" module unload macrouter
grep -q "in use" "$WORK/err" || fail "built-in in-use refusal"
expect_rc 0 "$NFCTL" chain apply "$WORK/chain.yaml"
expect_rc 0 "$NFCTL" module unload extra@1.0.0
expect_rc 1 "$NFCTL" module show extra
expect_rc 1 "$NFCTL" module unload nop
grep -q "installed catalog" "$WORK/err" || fail "built-in unload: $(cat "$WORK/err")"
pass "module load/unload, refused while in use"

# A module that fails the verifier is refused at load.
mkdir -p "$WORK/mods/bad"
cp "$NFC_BUILD/tests/integration/catalog/badverify-1.0.0."{xdp,tc}.o "$NFC_BUILD/tests/integration/catalog/badverify-1.0.0.yaml" "$WORK/mods/bad/"
expect_rc 1 "$NFCTL" module load "$WORK/mods/bad"
grep -q "verifier rejected" "$WORK/err" || fail "bad module: $(cat "$WORK/err")"
expect_rc 1 "$NFCTL" module show badverify
pass "a module the verifier rejects is not registered"

# Objects that are not the manifest's module's are refused at load.
refuse_module() { # DIR PATTERN WHAT
	expect_rc 1 "$NFCTL" module load "$1"
	grep -q "$2" "$WORK/err" || fail "$3: $(cat "$WORK/err")"
	expect_rc 1 "$NFCTL" module show "$(sed -n 's/^module: //p' "$1"/*.yaml)@$(sed -n 's/^version: //p' "$1"/*.yaml)"
}
mkdir -p "$WORK/mods/foreign" "$WORK/mods/swapped" "$WORK/mods/rodata"
sed 's/^version: 1.0.0/version: 1.0.7/' "$NFC_BUILD/catalog/nop-1.0.0.yaml" > "$WORK/mods/foreign/nop-1.0.7.yaml"
sed -i 's/nop-1.0.0/nop-1.0.7/' "$WORK/mods/foreign/nop-1.0.7.yaml"
cp "$NFC_BUILD/catalog/macrouter-1.0.0.xdp.o" "$WORK/mods/foreign/nop-1.0.7.xdp.o"
cp "$NFC_BUILD/catalog/macrouter-1.0.0.tc.o" "$WORK/mods/foreign/nop-1.0.7.tc.o"
refuse_module "$WORK/mods/foreign" "the object's program is 'nfc_nf_macrouter', not module nop's 'nfc_nf_nop'" "foreign objects"
sed 's/^version: 1.0.0/version: 1.0.8/' "$NFC_BUILD/catalog/nop-1.0.0.yaml" > "$WORK/mods/swapped/nop-1.0.8.yaml"
sed -i 's/xdp: nop-1.0.0.xdp.o/xdp: nop-1.0.0.tc.o/; s/tc: nop-1.0.0.tc.o/tc: nop-1.0.0.xdp.o/' "$WORK/mods/swapped/nop-1.0.8.yaml"
cp "$NFC_BUILD/catalog/nop-1.0.0."{xdp,tc}.o "$WORK/mods/swapped/"
refuse_module "$WORK/mods/swapped" "the object is built for tc, the manifest files it under xdp" "xdp and tc objects swapped"
sed 's/^version: 1.0.0/version: 1.0.9/; s/rodata: cfg_default/rodata: cfg_nothing/' \
	"$NFC_BUILD/catalog/macrouter-1.0.0.yaml" > "$WORK/mods/rodata/macrouter-1.0.9.yaml"
cp "$NFC_BUILD/catalog/macrouter-1.0.0."{xdp,tc}.o "$WORK/mods/rodata/"
refuse_module "$WORK/mods/rodata" "config 'default': the object has no rodata variable 'cfg_nothing'" "missing rodata"
pass "objects of another module, of the other hook, without the rodata refused at load"

# A registration that breaks later never locks the operator out.
cp "$WORK/mods/extra/extra-1.0.0.yaml" "$WORK/mods/extra/extra-1.0.0.yaml.orig"
expect_rc 0 "$NFCTL" module load "$WORK/mods/extra"
echo 'garbage: [' >> "$WORK/mods/extra/extra-1.0.0.yaml"
expect_rc 0 "$NFCTL" -j chain list
grep -q "registered module skipped (nfctl module unload .*extra-1.0.0.yaml forgets it)" "$WORK/err" ||
	fail "no warning for a broken registration: $(cat "$WORK/err")"
expect_rc 0 "$NFCTL" module unload "$WORK/mods/extra/extra-1.0.0.yaml"
expect_rc 0 "$NFCTL" -j chain list
[ ! -s "$WORK/err" ] || fail "still warned after unload: $(cat "$WORK/err")"
mv "$WORK/mods/extra/extra-1.0.0.yaml.orig" "$WORK/mods/extra/extra-1.0.0.yaml"
pass "a broken registration is skipped with a warning and unloaded by path"

# One chain per interface, hook and priority.
sed "s/^chain: cli-$TAG/chain: cli2-$TAG/" "$WORK/chain.yaml" > "$WORK/other.yaml"
expect_rc 1 "$NFCTL" chain apply "$WORK/other.yaml"
grep -q "attach\[0\]: $HV1 at tc-ingress, priority 50, runs chain 'cli-$TAG' already" "$WORK/err" ||
	fail "second chain on the same filter: $(cat "$WORK/err")"
pass "a second chain at the same interface, hook and priority is refused"

expect_rc 1 "$NFCTL" nf "cli-$TAG" mr routes add mac "$MAC1" interface "$HV1" interface "$HV2"
grep -q "'interface' is given twice" "$WORK/err" || fail "duplicate field: $(cat "$WORK/err")"
pass "a field given twice is refused"

# A FIFO is not read (it would hold the lock forever), and an input that is
# too large is refused.
mkfifo "$WORK/fifo.yaml"
expect_rc 1 timeout 5 "$NFCTL" chain apply "$WORK/fifo.yaml"
grep -q "fifo.yaml: not a regular file" "$WORK/err" || fail "FIFO: $(cat "$WORK/err")"
head -c $((5 << 20)) /dev/zero | tr '\0' '#' > "$WORK/big.yaml"
expect_rc 1 "$NFCTL" chain apply --dry-run "$WORK/big.yaml"
grep -q "larger than a descriptor may be (4 MiB)" "$WORK/err" || fail "big: $(cat "$WORK/err")"
pass "a FIFO and a 5 MiB descriptor are refused"

# The state is input too: a chain name that would lead out of the pin root
# is refused; pins an interrupted first apply left are removed by delete.
cp "$ULTRANIO_STATE/state.json" "$WORK/state.good"
python3 - "$ULTRANIO_STATE/state.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["chains"][0]["name"] = "../../escape"
json.dump(s, open(sys.argv[1], "w"))
PY
expect_rc 1 "$NFCTL" chain list
grep -q "corrupt state: chains\[0\].name '../../escape' is not a name" "$WORK/err" || fail "state name: $(cat "$WORK/err")"
cp "$WORK/state.good" "$ULTRANIO_STATE/state.json"
mkdir -p "$ULTRANIO_BPFFS/chains/ghost-$TAG/n/g1"
expect_rc 0 "$NFCTL" chain delete "ghost-$TAG"
grep -q "removed the pins an interrupted apply left" "$WORK/err" || fail "leftovers: $(cat "$WORK/err")"
[ ! -e "$ULTRANIO_BPFFS/chains/ghost-$TAG" ] || fail "leftover pins stayed"
pass "a state naming paths outside the pin root is refused; delete removes an interrupted apply's pins"

# ULTRANIO_CATALOG adds directories without registering anything.
ULTRANIO_CATALOG=$WORK/mods/extra expect_rc 0 "$NFCTL" -j module show extra
pass "ULTRANIO_CATALOG"

# The lock: while one holder keeps it, a mutation waits; a read does not.
python3 - "$ULTRANIO_STATE/lock" "$WORK/locked" <<'PY' &
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").write("1")
time.sleep(2)
PY
NFC_PIDS+=($!)
wait_file "$WORK/locked"
t0=$(date +%s%N)
expect_rc 0 "$NFCTL" -j chain list
t1=$(date +%s%N)
expect_rc 0 "$NFCTL" chain swap "cli-$TAG" mr macrouter@1.1.0
t2=$(date +%s%N)
(((t1 - t0) / 1000000 < 1000)) || fail "a read waited for the lock"
(((t2 - t1) / 1000000 >= 1200)) || fail "swap did not wait for the lock ($(((t2 - t1) / 1000000)) ms)"
grep -q "waiting for another nfctl to finish" "$WORK/err" || fail "no word on the wait: $(cat "$WORK/err")"
pass "a second mutation waited $(((t2 - t1) / 1000000)) ms for the lock"

expect_rc 0 "$NFCTL" -j chain show "cli-$TAG"
[ "$(json "$WORK/out" 'j["nodes"][0]["version"]')" = 1.1.0 ] || fail "swap not shown"
[ "$(json "$WORK/out" 'j["swapped"]["mr"]')" = macrouter@1.1.0 ] || fail "swap not recorded"
expect_rc 1 "$NFCTL" chain swap "cli-$TAG" mr nop@1.0.0
grep -q "runs module 'macrouter', not 'nop'" "$WORK/err" || fail "cross-module swap: $(cat "$WORK/err")"
expect_rc 1 "$NFCTL" chain swap "cli-$TAG" nosuch macrouter@1.0.0
pass "swap recorded; bad swaps refused"
