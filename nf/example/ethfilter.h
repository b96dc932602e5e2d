/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * ethfilter's table layout, shared by the BPF program and anything in
 * userspace that reads or fills the rules map. ethfilter-1.0.0.yaml
 * describes the same layout; the runtime checks the two against the
 * object's BTF at load.
 */
#ifndef NF_ETHFILTER_H
#define NF_ETHFILTER_H

#include <linux/types.h>

enum ethfilter_default {
	ETHFILTER_DEFAULT_PASS = 0,
	ETHFILTER_DEFAULT_DROP = 1,
};

enum ethfilter_action {
	ETHFILTER_DENY = 0,
	ETHFILTER_ALLOW = 1,
};

struct ethfilter_key {
	__be16 ethertype; /* as on the wire, after any VLAN tags */
	__u8 pad[2];
};

struct ethfilter_rule {
	__u32 action; /* enum ethfilter_action */
	__u32 policy; /* ETHFILTER_DENY: reported as the deciding policy */
};

#endif /* NF_ETHFILTER_H */
