// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The kernel's tick, for the root's clock: the express lane reads the
 * jiffies times the tick's length in ns (nfc_root_now() in bpf/root.h),
 * which the loader sets from the kernel's HZ. HZ is a build option of the
 * kernel, read from its configuration, the way libbpf reads it for
 * __kconfig externs: /boot/config-<release>, else /proc/config.gz. Neither
 * there: the lane reads nfc_now() as the rest of the datapath does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>
#include "internal.h"

/* CONFIG_HZ from the kernel configuration @path (plain or gzip: gzread
 * reads both), 0 when it is not there. */
static unsigned int config_hz(const char *path)
{
	static const char key[] = "CONFIG_HZ=";
	unsigned int hz = 0;
	char line[256];
	gzFile f;

	f = gzopen(path, "r");
	if (!f)
		return 0;
	while (gzgets(f, line, sizeof(line))) {
		if (!strncmp(line, key, sizeof(key) - 1)) {
			hz = strtoul(line + sizeof(key) - 1, NULL, 10);
			break;
		}
	}
	gzclose(f);
	return hz;
}

unsigned int nfc_kernel_hz(void)
{
	static unsigned int hz;
	char path[PATH_MAX];
	struct utsname u;

	if (hz)
		return hz;
	if (!uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		hz = config_hz(path);
	}
	if (!hz)
		hz = config_hz("/proc/config.gz");
	/* what the kernel accepts (kernel/Kconfig.hz): 100 to 1000 */
	if (hz < 100 || hz > 1000)
		hz = 0;
	return hz;
}

int nfc_root_clock_set(struct bpf_object *obj, char *errbuf, size_t errlen)
{
	unsigned int hz = nfc_kernel_hz();
	/* TICK_NSEC, as the kernel rounds it */
	__u64 tick = hz ? (1000000000ULL + hz / 2) / hz : 0;

	return nfc_obj_set_rodata(obj, "nfc_tick_ns", &tick, sizeof(tick),
				  errbuf, errlen);
}
