#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Install, build and run every test tier (unit, integration, vm) with CTest.
# Fails if any test fails or if a whole tier was skipped.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${NFC_BUILD_DIR:-$top/build}

"$top/manager/setup.sh" "$build"
"$top/tests/vm/prepare.sh"

cd "$build"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# Two at a time: unit tests share nothing but the CPUs. Integration and vm
# tests run alone (RUN_SERIAL): they share the host's network setup, and
# a guest under emulation takes both CPUs.
ctest --output-on-failure --timeout 600 -j 2 "$@" 2>&1 | tee "$log" || status=$?

# A tier whose every test skipped proves nothing: fail the run. (Nothing is
# printed after CTest's summary unless something is wrong.)
for tier in unit integration vm; do
	mapfile -t names < <(ctest -N -L "^$tier\$" | sed -n 's/^ *Test *#[0-9]*: //p')
	if ((${#names[@]} == 0)); then
		echo "tests: tier '$tier' has no tests" >&2
		status=1
		continue
	fi
	skipped=0
	for n in "${names[@]}"; do
		grep -qE "Test +#[0-9]+: $n \.+\*+Skipped" "$log" && skipped=$((skipped + 1))
	done
	if ((skipped == ${#names[@]})); then
		echo "tests: every test of tier '$tier' skipped" >&2
		status=1
	fi
done
exit $status
