#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Self-test of nfc-traffic: sends between two namespaces over a veth pair
# and checks that the counter sees every frame, and only those of its run.
# Usage: selftest.sh PATH/TO/nfc-traffic  (RATE and DURATION may be set)
set -euo pipefail

TOOL=${1:?usage: selftest.sh PATH/TO/nfc-traffic}
RATE=${RATE:-100000}
DURATION=${DURATION:-3}
TX=nfct-tx-$$
RX=nfct-rx-$$
TX_MAC=02:4e:46:43:00:01
RX_MAC=02:4e:46:43:00:02
TMP=$(mktemp -d)
COUNTER=	# pid of the running counter, cleared once reaped
FAILED=0

cleanup() {
	if [ -n "$COUNTER" ]; then
		kill "$COUNTER" 2>/dev/null || true
		wait "$COUNTER" 2>/dev/null || true
	fi
	ip netns del "$TX" 2>/dev/null || true
	ip netns del "$RX" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# json_get FILE KEY: the number KEY holds in the JSON line of FILE.
json_get() {
	sed -n "s/.*\"$2\":\([-0-9.]*\).*/\1/p" "$1"
}

check() {
	if eval "$2"; then
		echo "ok: $1"
	else
		echo "FAIL: $1 ($2)"
		FAILED=1
	fi
}

# run NAME RUN_ID_SENT COUNT_ARGS -- SEND_ARGS: runs one counter and one
# sender; leaves their JSON in $TMP/NAME.count and $TMP/NAME.send.
run() {
	local name=$1 sent_id=$2 count_args=() rc=0
	shift 2
	while [ "$1" != -- ]; do
		count_args+=("$1")
		shift
	done
	shift
	"$TOOL" count --netns "$RX" --dev veth1 --run-id 7 \
		--ready-file "$TMP/$name.ready" "${count_args[@]}" \
		>"$TMP/$name.count" &
	COUNTER=$!
	for _ in $(seq 50); do
		[ -e "$TMP/$name.ready" ] && break
		kill -0 "$COUNTER" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -e "$TMP/$name.ready" ]; then
		echo "FAIL: $name: counter not ready"
		exit 1
	fi
	"$TOOL" send --netns "$TX" --dev veth0 --dst "$RX_MAC" \
		--run-id "$sent_id" "$@" >"$TMP/$name.send"
	sleep 0.2
	kill -INT "$COUNTER"
	wait "$COUNTER" || rc=$?
	COUNTER=
	[ $rc = 0 ] || { echo "FAIL: $name: counter exited with $rc"; exit 1; }
	echo "$name: send $(cat "$TMP/$name.send")"
	echo "$name: count $(cat "$TMP/$name.count")"
}

# check_rate NAME: every frame sent at RATE for DURATION arrived once.
check_rate() {
	local sent received
	sent=$(json_get "$TMP/$1.send" sent)
	received=$(json_get "$TMP/$1.count" received)
	check "$1: received == sent" "[ '$received' = '$sent' ]"
	check "$1: sent >= 95% of rate * duration" \
		"awk 'BEGIN { exit !($sent >= 0.95 * $RATE * $DURATION) }'"
	check "$1: no duplicate" \
		"[ $(json_get "$TMP/$1.count" duplicates) = 0 ]"
	check "$1: no gap" "[ $(json_get "$TMP/$1.count" missing) = 0 ]"
	check "$1: max_seq == sent - 1" \
		"[ $(json_get "$TMP/$1.count" max_seq) = $((sent - 1)) ]"
}

ip netns add "$TX"
ip netns add "$RX"
ip -n "$TX" link add veth0 type veth peer name veth1 netns "$RX"
ip -n "$TX" link set veth0 address "$TX_MAC" up
ip -n "$RX" link set veth1 address "$RX_MAC" up

run ether 7 -- --rate "$RATE" --duration "$DURATION"
check_rate ether

run udp 7 --udp-port 4789 -- --rate "$RATE" --duration "$DURATION" \
	--udp 10.0.0.1:1234,10.0.0.2:4789 --size 128
check_rate udp

run wrong-id 8 -- --rate 10000 --count 1000
check "wrong-id: 1000 frames sent" \
	"[ $(json_get "$TMP/wrong-id.send" sent) = 1000 ]"
check "wrong-id: none counted" \
	"[ $(json_get "$TMP/wrong-id.count" received) = 0 ]"

exit $FAILED
