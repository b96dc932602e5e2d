/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/* nfctl monitor: nfmgrd's event stream, filtered, for people or as JSON. */
#ifndef NFCTL_MONITOR_H
#define NFCTL_MONITOR_H

#include <stdbool.h>

#define NFCTL_MONITOR_USAGE                                                    \
	"       nfctl monitor [--json] [--count N] [--timeout SEC] [--socket PATH]\n" \
	"                     [FILTER]...\n"                                   \
	"       FILTER := { chain NAME | type { drop | decision } |\n"         \
	"                   verdict { allow | deny | pass | redirect | tx | drop } |\n" \
	"                   addr ADDR[/LEN] | port N | proto P | tenant N |\n" \
	"                   interface IF }\n"

/* Returns nfctl's exit code: 0, 1 on failure (no daemon), 2 on usage. */
int nfctl_monitor(int argc, char **argv, bool json);

#endif /* NFCTL_MONITOR_H */
