#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#
# vm-datapath (runs in the guest): the datapath unit tests — root,
# executor, conntrack, flow cache, events and every module of the build's
# and the tests' catalogs under BPF_PROG_TEST_RUN, at XDP and at TC — and
# the LPM tables' test (smaller tables: --quick) on Debian 12's own kernel,
# whose verifier is older than the host's: what loads here loads for users
# on a stock Debian 12.
#
# usage: datapath.sh BUILD_DIR
export VM_TEST=vm-datapath
# shellcheck source=tests/vm/guest/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vm_require_guest

[[ $# -ge 1 ]] || fail "usage: $0 BUILD_DIR"
readonly BUILD=$1
failed=()

# What a failed test printed: the lines that say why, or its last lines
# when none does (a program the verifier rejected ends its log).
show_failure() {
	if grep -qE "$2" "$1"; then
		grep -E "$2" "$1" | head -20 >&2 || true
	else
		tail -20 "$1" >&2
	fi
}
for t in parse exec chain flow flow_adv router vpc switch firewall; do
	bin=$BUILD/tests/unit/datapath/test_dp_$t
	[[ -x $bin ]] || fail "$bin not built"
	for hook in xdp tc; do
		start=$SECONDS
		if "$bin" "$hook" > /tmp/dp.log 2>&1; then
			say "$t ($hook): $(grep -c '^\[       OK \]' /tmp/dp.log) passed ($((SECONDS - start)) s)"
		else
			show_failure /tmp/dp.log 'FAILED|ERROR|LINE|verifier|rejected'
			failed+=("$t-$hook")
		fi
	done
done
bin=$BUILD/tests/unit/lpm/test_lpm
[[ -x $bin ]] || fail "$bin not built"
start=$SECONDS
if "$bin" --quick > /tmp/lpm.log 2>&1; then
	say "lpm: $(grep -c '^\[       OK \]' /tmp/lpm.log) passed ($((SECONDS - start)) s)"
else
	show_failure /tmp/lpm.log 'seed|FAILED|ERROR|LINE|differ|verifier|rejected'
	failed+=(lpm)
fi
((${#failed[@]} == 0)) || fail "failed on $(uname -r): ${failed[*]}"
say "every datapath test passed on $(uname -r)"
