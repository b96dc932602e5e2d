// SPDX-License-Identifier: GPL-2.0-only
/*
 * lpm_nfc: lookups in our LPM tables, nfc_lpm_lookup4()/6() of bpf/lpm.h,
 * over the same walk and key sets as the kernel trie's (lpm_walk.h). The
 * store's maps are the ones pinned under the store's pin root: nfbench
 * opens this object with pin_root_path "<pin root>/maps".
 */
#include "lpm_walk.h"
#include "lpm.h"

const volatile __u32 table;             /* the table under test */

static long lookup4_one(__u32 i, void *data)
{
	struct walk *w = data;
	__u32 *addr = key_at(w->base + i, 1), v;

	if (!addr)
		return 1;
	if (!nfc_lpm_lookup4(table, *addr, &v))
		found(w, v);
	return 0;
}

static long lookup6_one(__u32 i, void *data)
{
	struct walk *w = data;
	__u32 *addr = key_at(w->base + i, 4), v;

	if (!addr)
		return 1;
	if (!nfc_lpm_lookup6(table, addr, &v))
		found(w, v);
	return 0;
}

NFB_LPM_WALK_PROGS

char LICENSE[] SEC("license") = "GPL";
