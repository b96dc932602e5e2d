/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
#ifndef NF_MACROUTER_H
#define NF_MACROUTER_H

#include <linux/types.h>

enum macrouter_default {
	MACROUTER_DEFAULT_DROP = 0,
	MACROUTER_DEFAULT_PASS = 1,
};

enum macrouter_action {
	MACROUTER_FORWARD = 0,
	MACROUTER_DROP = 1,
};

struct macrouter_key {
	__u8 mac[6];
	__u8 pad[2];
};

struct macrouter_route {
	__u32 ifindex; /* MACROUTER_FORWARD: out interface */
	__u32 action;  /* enum macrouter_action */
};

#endif /* NF_MACROUTER_H */
