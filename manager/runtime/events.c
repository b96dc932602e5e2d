// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The event ring for its one reader (nfmgrd), and where that reader serves
 * nfctl monitor. The ring is a pinned BPF_MAP_TYPE_RINGBUF that comes and
 * goes with the framework's maps: a reader keeps the map it opened mapped
 * while the pin may already name another, so it compares map ids.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

struct nfc_events {
	struct ring_buffer *rb;
	int map_fd;          /* the ring's epoll watches it */
	__u32 map_id;
	char path[PATH_MAX]; /* the pin */
	nfc_event_fn fn;
	void *ctx;
};

static int map_id(int fd, __u32 *id)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

/* Records shorter than an event are of another ABI: left out. */
static int on_record(void *ctx, void *data, size_t size)
{
	struct nfc_events *ev = ctx;

	if (size < sizeof(struct nfc_event)) {
		nfc_pr(NFC_DEBUG, "event ring: a record of %zu bytes skipped\n",
		       size);
		return 0;
	}
	return ev->fn(ev->ctx, data);
}

int nfc_events__open(struct nfc_handle *h, nfc_event_fn fn, void *ctx,
		     struct nfc_events **out, struct nfc_err *err)
{
	struct nfc_events *ev;
	int fd, r;

	*out = NULL;
	fd = nfc_shared_map_fd(h, "nfc_events", err);
	if (fd < 0)
		return fd;
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		close(fd);
		return -ENOMEM;
	}
	ev->map_fd = fd;
	ev->fn = fn;
	ev->ctx = ctx;
	r = nfc_path(ev->path, sizeof(ev->path), "%s/maps/nfc_events",
		     h->bpffs);
	if (!r)
		r = map_id(fd, &ev->map_id);
	if (!r) {
		ev->rb = ring_buffer__new(fd, on_record, ev, NULL);
		if (!ev->rb)
			r = -errno;
	}
	if (r) {
		close(fd);
		free(ev);
		return nfc_errf(err, r, "map 'nfc_events' (%s/maps/nfc_events): %s",
				h->bpffs, strerror(-r));
	}
	*out = ev;
	return 0;
}

int nfc_events__fd(const struct nfc_events *ev)
{
	return ring_buffer__epoll_fd(ev->rb);
}

int nfc_events__consume(struct nfc_events *ev)
{
	return ring_buffer__consume(ev->rb);
}

bool nfc_events__stale(const struct nfc_events *ev)
{
	__u32 id = 0;
	int fd = bpf_obj_get(ev->path);

	if (fd < 0)
		return true;
	if (map_id(fd, &id))
		id = ev->map_id; /* cannot tell: keep reading */
	close(fd);
	return id != ev->map_id;
}

void nfc_events__free(struct nfc_events *ev)
{
	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	close(ev->map_fd);
	free(ev);
}

int nfc_state_dir(char *buf, size_t len)
{
	const char *state = getenv("ULTRANIO_STATE");

	return nfc_path(buf, len, "%s",
			state && *state ? state : NFC_DEFAULT_STATE);
}

int nfc_monitor_socket(char *buf, size_t len)
{
	char dir[PATH_MAX];
	int r = nfc_state_dir(dir, sizeof(dir));

	return r ?: nfc_path(buf, len, "%s/nfmgrd.sock", dir);
}
