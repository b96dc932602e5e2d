// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The monitor socket: each client gets every line. The daemon never waits
 * for a client: each has a bounded output buffer, and what does not fit is
 * dropped, counted and said in a {"type":"lost","where":"client"} line as
 * soon as there is room again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "nfmgrd.h"

#define CLIENT_BUF (256 * 1024)
#define CLIENTS_MAX 64

struct client {
	struct src src; /* first: epoll hands it back */
	char *buf;
	size_t off, len; /* pending bytes: buf[off, off + len) */
	unsigned long dropped;
	bool want_out;
	bool dead;
	struct client *next;
};

int server_open(struct nfmgrd *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, r;

	if (strlen(d->sock_path) >= sizeof(sa.sun_path)) {
		nfmgrd_log(NFC_WARN, "socket %s: path too long\n", d->sock_path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, d->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* we hold the daemon lock: a socket file left there is a dead
	 * daemon's */
	unlink(d->sock_path);
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r || listen(fd, 16))
		goto fail;
	d->listen_src.kind = SRC_LISTEN;
	d->listen_src.fd = fd;
	if (nfmgrd_watch(d, &d->listen_src, EPOLLIN))
		goto fail;
	return 0;
fail:
	r = -errno;
	nfmgrd_log(NFC_WARN, "socket %s: %s\n", d->sock_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	d->listen_src.fd = -1;
	return r;
}

static void client_free(struct nfmgrd *d, struct client *c)
{
	nfmgrd_unwatch(d, &c->src);
	close(c->src.fd);
	free(c->buf);
	free(c);
	__atomic_sub_fetch(&d->n_clients, 1, __ATOMIC_RELAXED);
}

void server_reap(struct nfmgrd *d)
{
	struct client **pp = &d->clients, *c;

	while ((c = *pp)) {
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		nfmgrd_log(NFC_INFO, "monitor client %d left\n", c->src.fd);
		client_free(d, c);
	}
}

void server_accept(struct nfmgrd *d)
{
	struct client *c;
	int fd;

	while ((fd = accept4(d->listen_src.fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (__atomic_load_n(&d->n_clients, __ATOMIC_RELAXED) >= CLIENTS_MAX) {
			nfmgrd_log(NFC_WARN, "monitor client refused: %d clients already\n",
				   CLIENTS_MAX);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c)
			c->buf = malloc(CLIENT_BUF);
		if (!c || !c->buf) {
			free(c);
			close(fd);
			continue;
		}
		c->src.kind = SRC_CLIENT;
		c->src.fd = fd;
		if (nfmgrd_watch(d, &c->src, EPOLLIN | EPOLLRDHUP)) {
			free(c->buf);
			free(c);
			close(fd);
			continue;
		}
		c->next = d->clients;
		d->clients = c;
		__atomic_add_fetch(&d->n_clients, 1, __ATOMIC_RELAXED);
		nfmgrd_log(NFC_INFO, "monitor client %d connected\n", fd);
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		nfmgrd_log(NFC_WARN, "accept: %s\n", strerror(errno));
}

static void want_out(struct nfmgrd *d, struct client *c, bool on)
{
	if (c->want_out == on)
		return;
	c->want_out = on;
	nfmgrd_watch(d, &c->src, EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0));
}

static bool append(struct client *c, const char *s, size_t n)
{
	if (c->len + n > CLIENT_BUF)
		return false;
	if (c->off + c->len + n > CLIENT_BUF) {
		memmove(c->buf, c->buf + c->off, c->len);
		c->off = 0;
	}
	memcpy(c->buf + c->off + c->len, s, n);
	c->len += n;
	return true;
}

/* Say what was dropped when there is room for it and for @need more. */
static void report_dropped(struct client *c, size_t need)
{
	char line[96];
	int n;

	if (!c->dropped)
		return;
	n = snprintf(line, sizeof(line),
		     "{\"type\":\"lost\",\"count\":%lu,\"where\":\"client\"}\n",
		     c->dropped);
	if (c->len + n + need <= CLIENT_BUF && append(c, line, n))
		c->dropped = 0;
}

static void flush(struct nfmgrd *d, struct client *c)
{
	ssize_t n;

	while (c->len) {
		n = send(c->src.fd, c->buf + c->off, c->len,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			c->dead = true;
			return;
		}
		c->off += n;
		c->len -= n;
		if (!c->len) {
			c->off = 0;
			report_dropped(c, 0);
		}
	}
	want_out(d, c, c->len > 0);
}

void server_client_io(struct nfmgrd *d, struct client *c, unsigned int ev)
{
	char buf[512];
	ssize_t n;

	if (c->dead)
		return;
	/* clients only listen: what they send is read and ignored */
	if (ev & EPOLLIN) {
		while ((n = recv(c->src.fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			;
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			c->dead = true;
	}
	if (ev & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		c->dead = true;
	if (!c->dead && (ev & EPOLLOUT))
		flush(d, c);
}

void server_broadcast(struct nfmgrd *d, const char *line, size_t len,
		      bool event)
{
	struct client *c;

	for (c = d->clients; c; c = c->next) {
		if (c->dead)
			continue;
		report_dropped(c, len);
		if (c->dropped || !append(c, line, len)) {
			c->dropped++;
			continue;
		}
		if (event)
			__atomic_add_fetch(&d->events_sent, 1, __ATOMIC_RELAXED);
		if (!c->want_out)
			flush(d, c);
	}
}

void server_close(struct nfmgrd *d)
{
	struct client *c;

	while ((c = d->clients)) {
		d->clients = c->next;
		client_free(d, c);
	}
	if (d->listen_src.fd >= 0) {
		close(d->listen_src.fd);
		unlink(d->sock_path);
	}
}
