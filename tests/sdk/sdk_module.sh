#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# The module SDK from an install prefix alone: the build tree is installed
# into a fresh prefix, a copy of nf/example (ethfilter) is built against it
# with CMake and by hand with pkg-config's flags, the installed nfctl loads
# it and runs it in a chain [ethfilter -> macrouter] at tc-ingress between
# two namespaces left at their default settings; its table is edited at run
# time. A build against other ABI headers and a manifest whose table does
# not match the struct are refused at load.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
BUILD=$(cd "$NFC_BUILD" && pwd -P)
# Everything lives under $WORK, which lib.sh removes last on exit, after
# the chains ($NFCTL is the installed one from here on) and the links.
prefix=$WORK/prefix
NFCTL=$prefix/bin/nfctl
case "$WORK/" in
"$BUILD"/* | "$SRC"/*) fail "$WORK is inside the source or build tree" ;;
esac

# The tree that must not leak into an SDK build: the source and build
# directories (the installed nfctl keeps the build tree's path to tell
# when it runs from there; the objects' DWARF names their sources).
leaks() {
	grep -rIlF -e "$SRC/" -e "$BUILD/" "$@" 2>/dev/null || true
}

# 1. The install is an SDK.
cmake --install "$NFC_BUILD" --prefix "$prefix" > "$WORK/install.log" ||
	fail "cmake --install: $(tail -5 "$WORK/install.log")"
for f in include/ultranio/nfc.h include/ultranio/nfc_shared.h \
	 include/ultranio/nfc_config.h include/ultranio/maps.h \
	 include/ultranio/hook.h \
	 lib/cmake/UltraNIO/UltraNIOConfig.cmake \
	 lib/cmake/UltraNIO/UltraNIOConfigVersion.cmake \
	 lib/cmake/UltraNIO/UltraNIOBpf.cmake lib/pkgconfig/ultranio.pc \
	 bin/nfctl share/ultranio/bpf/root.tc.o share/ultranio/bpf/exec.tc.o \
	 share/ultranio/catalog/macrouter-1.0.0.yaml \
	 share/ultranio/catalog/macrouter-1.0.0.tc.o; do
	[ -e "$prefix/$f" ] || fail "the install lacks $f"
done
bad=$(leaks "$prefix/include" "$prefix/lib")
[ -z "$bad" ] || fail "installed SDK files name the source or build tree: $bad"
pass "install: headers, CMake package, pkg-config file, nfctl, objects, catalog"

# 2. A copy of the example, built against the prefix only.
mkdir "$WORK/ethfilter"
find "$SRC/nf/example" -maxdepth 1 -type f -exec cp {} "$WORK/ethfilter/" \;
sdk_build() { # SRCDIR BUILDDIR PREFIX
	env -u CMAKE_PREFIX_PATH -u PKG_CONFIG_PATH -u UltraNIO_DIR \
		cmake -S "$1" -B "$2" -DCMAKE_PREFIX_PATH="$3" \
		-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
		-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF > "$2.log" 2>&1 &&
		cmake --build "$2" >> "$2.log" 2>&1
}
mb=$WORK/ethfilter/build
sdk_build "$WORK/ethfilter" "$mb" "$prefix" || fail "module build: $(tail -20 "$mb.log")"
grep -qx "UltraNIO_DIR:PATH=$prefix/lib/cmake/UltraNIO" "$mb/CMakeCache.txt" ||
	fail "UltraNIO found elsewhere: $(grep UltraNIO_DIR "$mb/CMakeCache.txt")"
for f in ethfilter-1.0.0.xdp.o ethfilter-1.0.0.tc.o ethfilter-1.0.0.yaml; do
	[ -s "$mb/catalog/$f" ] || fail "the module build made no $f"
done
bad=$(grep -rlaF -e "$SRC/" -e "$BUILD/" "$mb" || true)
[ -z "$bad" ] || fail "the module build refers to the source or build tree: $bad"
pass "ethfilter built with find_package(UltraNIO) from $prefix alone"

# pkg-config's flags build it by hand.
cflags=$(env -u PKG_CONFIG_LIBDIR PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
	 pkg-config --cflags ultranio) || fail "pkg-config --cflags ultranio"
case "$cflags" in
*"$prefix"/lib/pkgconfig/*) ;;
*) fail "pkg-config flags do not point into the prefix: $cflags" ;;
esac
mkdir "$WORK/pc"
for hook in xdp tc; do
	# shellcheck disable=SC2086
	clang $cflags -DNFC_HOOK_${hook^^} -Wall -Werror \
		-c "$WORK/ethfilter/ethfilter.bpf.c" \
		-o "$WORK/pc/ethfilter-1.0.0.$hook.o" 2> "$WORK/pc.err" ||
		fail "clang \$(pkg-config --cflags ultranio) -DNFC_HOOK_${hook^^}: $(cat "$WORK/pc.err")"
done
cp "$WORK/ethfilter/ethfilter-1.0.0.yaml" "$WORK/pc/"
"$NFCTL" module load "$WORK/pc" > /dev/null 2> "$WORK/err" ||
	fail "load of the pkg-config build: $(cat "$WORK/err")"
"$NFCTL" module unload ethfilter@1.0.0 || fail "unload of the pkg-config build"
pass "pkg-config: $cflags"

# 3. Refused at load, each naming its cause, and not registered.
refused() { # WHAT DIR PATTERN
	if "$NFCTL" module load "$2" > /dev/null 2> "$WORK/err"; then
		fail "$1: loaded"
	fi
	grep -qF -- "$3" "$WORK/err" || fail "$1: the error does not say '$3': $(cat "$WORK/err")"
	"$NFCTL" module show ethfilter > /dev/null 2>&1 && fail "$1: registered"
	pass "$1 refused: $(cat "$WORK/err")"
}

# Built against headers of another ABI: a copy of the prefix whose
# nfc_shared.h says ABI+1.
abi=$(sed -n 's/^#define NFC_ABI_VERSION \([0-9]*\)$/\1/p' "$prefix/include/ultranio/nfc_shared.h")
[ -n "$abi" ] || fail "no NFC_ABI_VERSION in the installed nfc_shared.h"
cp -a "$prefix" "$WORK/prefix-abi"
sed -i "s/^#define NFC_ABI_VERSION $abi\$/#define NFC_ABI_VERSION $((abi + 1))/" \
	"$WORK/prefix-abi/include/ultranio/nfc_shared.h"
sdk_build "$WORK/ethfilter" "$WORK/build-abi" "$WORK/prefix-abi" ||
	fail "module build against ABI $((abi + 1)): $(tail -20 "$WORK/build-abi.log")"
refused "ABI $((abi + 1)) build" "$WORK/build-abi/catalog" \
	"built against UltraNIO ABI $((abi + 1)), this runtime speaks ABI $abi"

# A manifest whose key field sits at another offset than the struct's.
mkdir "$WORK/layout"
cp "$mb"/catalog/ethfilter-1.0.0.{xdp,tc}.o "$WORK/layout/"
sed 's/{name: ethertype, type: be16, offset: 0}/{name: ethertype, type: be16, offset: 2}/' \
	"$mb/catalog/ethfilter-1.0.0.yaml" > "$WORK/layout/ethfilter-1.0.0.yaml"
cmp -s "$mb/catalog/ethfilter-1.0.0.yaml" "$WORK/layout/ethfilter-1.0.0.yaml" &&
	fail "the manifest copy is unchanged"
refused "table layout mismatch" "$WORK/layout" \
	"key field 'ethertype': the manifest says offset 2, 2 bytes; struct ethfilter_key has 'ethertype' at offset 0, 2 bytes"

# 4. The module in a chain, loaded by the installed nfctl.
"$NFCTL" module load "$mb/catalog" > /dev/null 2> "$WORK/err" || fail "module load: $(cat "$WORK/err")"
"$NFCTL" -j module show ethfilter > "$WORK/mod.json" || fail "module show"
[ "$(json "$WORK/mod.json" 'j[0]["manifest"]')" = "$mb/catalog/ethfilter-1.0.0.yaml" ] ||
	fail "registered from elsewhere: $(cat "$WORK/mod.json")"
pass "module load $mb/catalog"

# Endpoints with the kernel's default settings: their offloads must match
# a fresh veth pair's, before the chain and after traffic crossed it.
nfc_topology 2
ip link add "${TAG}r0" type veth peer name "${TAG}r1"
NFC_LINKS+=("${TAG}r0")
features() { # [NETNS] DEV: ethtool -k without its header line
	if [ $# = 2 ]; then
		ip netns exec "$1" ethtool -k "$2" | tail -n +2
	else
		ethtool -k "$1" | tail -n +2
	fi
}
offloads() {
	{ features "$NS1" eth0; features "$HV1"; features "$NS2" eth0; features "$HV2"; }
}
{ features "${TAG}r1"; features "${TAG}r0"; features "${TAG}r1"; features "${TAG}r0"; } > "$WORK/offloads.default"
offloads > "$WORK/offloads.before"
diff -u "$WORK/offloads.default" "$WORK/offloads.before" > "$WORK/offloads.diff" ||
	fail "endpoints are not at default offloads: $(cat "$WORK/offloads.diff")"
grep -qx 'tx-checksumming: on' "$WORK/offloads.before" || fail "checksum offload is not on"

ch=sdk-$TAG
cat > "$WORK/chain.yaml" <<YAML
chain: $ch
attach:
  - {interface: $HV1, hook: tc-ingress}
  - {interface: $HV2, hook: tc-ingress}
entry: ef
nodes:
  - name: ef
    module: ethfilter@1.0.0
    config:
      default: pass
      rules:
        - {ethertype: 0x88b6, id: 42}
$(nfc_mr_node)
links:
  - {from: ef, on: pass, to: mr}
YAML
"$NFCTL" chain apply "$WORK/chain.yaml" > /dev/null 2> "$WORK/err" || fail "apply: $(cat "$WORK/err")"
"$NFCTL" -j chain show "$ch" > "$WORK/show.json"
[ "$(json "$WORK/show.json" '[n["module"] + ":" + n["links"]["pass"] + "," + n["links"]["deny"] for n in j["nodes"]]')" = \
  "['ethfilter:mr,drop', 'macrouter:pass,drop']" ] ||
	fail "chain: $(json "$WORK/show.json" 'j["nodes"]')"
pass "chain [ethfilter -> macrouter] at tc-ingress"

ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "$IP2" > /dev/null || fail "ping h1 -> h2"
pass "ICMP h1 -> h2"

nfc_tcp_1mib 1 2
offloads > "$WORK/offloads.after"
diff -u "$WORK/offloads.before" "$WORK/offloads.after" > "$WORK/offloads.diff" ||
	fail "offloads changed: $(cat "$WORK/offloads.diff")"
pass "TCP 1 MiB h1 -> h2 intact, endpoints at default offloads throughout"

policy_drops() {
	"$NFCTL" -j stats "$ch" | json - 'j[0]["counters"]["drops"]["policy"]'
}

# check_frames WHAT ETHERTYPE COUNT RECEIVED POLICY_DROPS
check_frames() {
	local before dropped
	before=$(policy_drops)
	nfc_frames 1 2 "$2" "$3"
	dropped=$(($(policy_drops) - before))
	if [ "$sent" != "$3" ] || [ "$got" != "$4" ] || [ "$dropped" != "$5" ]; then
		fail "$1: ethertype $2: $sent of $3 sent, $got received (want $4), $dropped policy drops (want $5)"
	fi
	pass "$1: ethertype $2: $3 sent, $got received, $dropped policy drops"
}

check_frames allowed 0x88b5 500 500 0
check_frames denied 0x88b6 500 0 500
# the node decides a flow's first frame, the flow cache the rest; the rule
# that denied counts them all
deny=$("$NFCTL" -j chain show "$ch" | json - '[n for n in j["nodes"] if n["name"] == "ef"][0]["counters"]["outcomes"]["deny"]')
[ "$deny" -ge 1 ] || fail "ethfilter's deny outcome counted $deny"
rule=$("$NFCTL" -j stats rule | json - "sum(r['packets'] for r in j if r['node'] == 'ef' and r['policy'] == 42)")
[ "$rule" -ge 500 ] || fail "ethfilter's rule 42 counted $rule packets"

# The rules table at run time.
"$NFCTL" nf "$ch" ef rules add ethertype 0x88b5 id 7 || fail "rules add"
"$NFCTL" -j nf "$ch" ef rules list > "$WORK/rules.json"
[ "$(json "$WORK/rules.json" 'sorted((int(r["ethertype"]), r["action"], int(r["id"])) for r in j)')" = \
  "[(34997, 'deny', 7), (34998, 'deny', 42)]" ] || fail "rules list: $(cat "$WORK/rules.json")"
check_frames "after rules add" 0x88b5 200 0 200
"$NFCTL" nf "$ch" ef rules del ethertype 0x88b6 || fail "rules del"
check_frames "after rules del" 0x88b6 200 200 0
"$NFCTL" nf "$ch" ef rules add ethertype 0x0800 id 9 || fail "rules add IPv4"
before=$(policy_drops)
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" > /dev/null 2>&1 && fail "IPv4 denied, yet ping crossed"
[ $(($(policy_drops) - before)) -ge 2 ] || fail "denied pings not counted as policy drops"
"$NFCTL" nf "$ch" ef rules del ethertype 0x0800 || fail "rules del IPv4"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" > /dev/null || fail "ping after the IPv4 rule went"
"$NFCTL" nf "$ch" ef rules del ethertype 0x0800 2> /dev/null && fail "deleting a missing rule succeeded"
"$NFCTL" nf "$ch" ef rules add ethertype 0x10000 id 1 2> /dev/null && fail "a 17-bit ethertype was accepted"
"$NFCTL" -j nf "$ch" ef rules list > "$WORK/rules.json"
[ "$(json "$WORK/rules.json" 'len(j)')" = 1 ] || fail "rules left: $(cat "$WORK/rules.json")"
pass "rules add/del/list at run time, with effect (IPv4 denied, then allowed again)"

missed=$("$NFCTL" -j stats "$ch" | json - 'j[0]["counters"]["missed_tail_calls"]')
[ "$missed" = 0 ] || fail "missed tail calls: $missed"

"$NFCTL" chain delete "$ch" || fail "chain delete"
for hv in "$HV1" "$HV2"; do
	[ -z "$(tc filter show dev "$hv" ingress)" ] || fail "$hv: tc filter left"
done
"$NFCTL" module unload ethfilter@1.0.0 || fail "module unload"
pass "chain deleted, module unloaded"
