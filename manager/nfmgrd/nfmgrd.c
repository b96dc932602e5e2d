// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfmgrd - the UltraNIO manager daemon: streams the datapath's events to
 * `nfctl monitor` clients, ages connections and flows, serves Prometheus
 * metrics. It runs in the foreground and may be killed at any time: the
 * datapath keeps forwarding and a new daemon takes over what is pinned.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "nfmgrd.h"

int nfmgrd_verbose;

static const char usage_text[] =
	"Usage: nfmgrd [-v] [--socket PATH] [--metrics ADDR:PORT|off]\n"
	"              [--gc-interval SEC] [--flow-idle SEC]\n"
	"\n"
	"  -v, --verbose        say what it does (twice: libbpf's messages too)\n"
	"  --socket PATH        for nfctl monitor (default STATE/nfmgrd.sock)\n"
	"  --metrics ADDR:PORT  Prometheus /metrics (default 127.0.0.1:9617)\n"
	"  --gc-interval SEC    age connections and flows every SEC (default 5)\n"
	"  --flow-idle SEC      flows idle this long go (default 60)\n"
	"\n"
	"Environment: ULTRANIO_BPFFS (pin root, default " NFC_DEFAULT_BPFFS "),\n"
	"             ULTRANIO_STATE (state directory, default " NFC_DEFAULT_STATE ").\n";

/* The library's warnings always, libbpf's with -vv; one line at a time
 * from the loop, the aging and the HTTP threads. */
static int print_msg(enum nfc_print_level level, const char *fmt, va_list ap)
{
	int r;

	if ((int)level > nfmgrd_verbose)
		return 0;
	flockfile(stderr);
	fputs("nfmgrd: ", stderr);
	r = vfprintf(stderr, fmt, ap);
	funlockfile(stderr);
	return r;
}

void nfmgrd_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_msg(level, fmt, ap);
	va_end(ap);
}

int nfmgrd_watch(struct nfmgrd *d, struct src *s, unsigned int events)
{
	struct epoll_event ev = { .events = events, .data.ptr = s };

	if (!epoll_ctl(d->epfd, EPOLL_CTL_ADD, s->fd, &ev))
		return 0;
	if (errno == EEXIST && !epoll_ctl(d->epfd, EPOLL_CTL_MOD, s->fd, &ev))
		return 0;
	return -errno;
}

void nfmgrd_unwatch(struct nfmgrd *d, struct src *s)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, s->fd, NULL);
}

static int open_handle(struct nfmgrd *d)
{
	NFC_OPTS(nfc_open_opts, oo, .lock = false);
	char path[PATH_MAX + 16];
	struct nfc_err err = {};
	int r;

	snprintf(path, sizeof(path), "%s/state.json", d->state_dir);
	if (stat(path, &d->state_st))
		memset(&d->state_st, 0, sizeof(d->state_st));
	r = nfc_open(&d->h, &oo, &err);
	if (r)
		nfmgrd_log(NFC_WARN, "%s\n",
			   err.n ? err.msg[0] : strerror(-r));
	return r;
}

bool nfmgrd_refresh(struct nfmgrd *d)
{
	char path[PATH_MAX + 16];
	struct timespec now;
	struct stat st;

	/* a state that could not be read is tried again once a second, not
	 * for every event */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!d->h && now.tv_sec == d->open_failed_s)
		return false;
	snprintf(path, sizeof(path), "%s/state.json", d->state_dir);
	if (stat(path, &st))
		memset(&st, 0, sizeof(st));
	if (d->h && st.st_ino == d->state_st.st_ino &&
	    st.st_size == d->state_st.st_size &&
	    st.st_mtim.tv_sec == d->state_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == d->state_st.st_mtim.tv_nsec)
		return false;
	nfmgrd_log(NFC_INFO, "chains changed: reading the state again\n");
	nfc_close(d->h);
	d->h = NULL;
	if (open_handle(d))
		d->open_failed_s = now.tv_sec;
	return true;
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(tmp, 0700) && errno != EEXIST ? -errno : 0;
}

/* One daemon per state directory: the lock is held for the process's life
 * (the kernel lets it go whatever way the process ends) and the file says
 * who holds it. */
static int take_lock(struct nfmgrd *d)
{
	char path[PATH_MAX + 16], pid[32] = "";
	int fd, r;

	r = mkdir_p(d->state_dir);
	if (r) {
		nfmgrd_log(NFC_WARN, "%s: %s\n", d->state_dir, strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/nfmgrd.lock", d->state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		nfmgrd_log(NFC_WARN, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		r = -errno;
		if (errno == EWOULDBLOCK) {
			ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			nfmgrd_log(NFC_WARN, "another nfmgrd%s%s runs on %s (%s is locked)\n",
				   *pid ? " pid " : "", pid, d->state_dir, path);
		} else {
			nfmgrd_log(NFC_WARN, "%s: %s\n", path, strerror(errno));
		}
		close(fd);
		return r;
	}
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, strlen(pid), 0) < 0)
		nfmgrd_log(NFC_WARN, "%s: %s\n", path, strerror(errno));
	return fd; /* kept open until exit */
}

int nfmgrd_timer(unsigned int sec)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = sec },
		.it_value = { .tv_sec = sec },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void drain(int fd)
{
	__u64 buf[16];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int loop(struct nfmgrd *d, struct src *sig, struct src *tick)
{
	struct epoll_event evs[32];
	int n, i;

	for (;;) {
		n = epoll_wait(d->epfd, evs, 32, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			nfmgrd_log(NFC_WARN, "epoll: %s\n", strerror(errno));
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct src *s = evs[i].data.ptr;

			switch (s->kind) {
			case SRC_SIGNAL: {
				struct signalfd_siginfo si;

				if (read(sig->fd, &si, sizeof(si)) == sizeof(si)) {
					nfmgrd_log(NFC_INFO, "%s: exiting\n",
						   strsignal(si.ssi_signo));
					return 0;
				}
				break;
			}
			case SRC_LISTEN:
				server_accept(d);
				break;
			case SRC_CLIENT:
				server_client_io(d, (struct client *)s,
						 evs[i].events);
				break;
			case SRC_RING:
				events_consume(d);
				break;
			case SRC_KERNEL:
				kernel_watch_read(d);
				break;
			case SRC_TICK:
				drain(tick->fd);
				events_ring_check(d);
				events_account(d);
				break;
			}
		}
		server_reap(d);
	}
}

static int parse_uint(const char *opt, const char *s, unsigned int min,
		      unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > 86400 * 365) {
		fprintf(stderr, "nfmgrd: %s: '%s' is not a number of seconds >= %u\n",
			opt, s, min);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_args(struct nfmgrd *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "socket", required_argument, NULL, 's' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "gc-interval", required_argument, NULL, 'g' },
		{ "flow-idle", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	unsigned int v;
	int c;

	while ((c = getopt_long(argc, argv, "vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			d->verbose++;
			break;
		case 's':
			snprintf(d->sock_path, sizeof(d->sock_path), "%s",
				 optarg);
			break;
		case 'm':
			d->metrics = optarg;
			break;
		case 'g':
			if (parse_uint("--gc-interval", optarg, 1, &v))
				return 2;
			d->gc_interval_s = v;
			break;
		case 'f':
			if (parse_uint("--flow-idle", optarg, 1, &v))
				return 2;
			d->flow_idle_s = v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("nfmgrd %s (ABI %d)\n", NFC_VERSION,
			       NFC_ABI_VERSION);
			exit(0);
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nfmgrd: unexpected argument '%s'\n\n%s",
			argv[optind], usage_text);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct nfmgrd d = {
		.gc_interval_s = 5,
		.flow_idle_s = 60,
		.metrics = "127.0.0.1:9617",
		.epfd = -1,
		.aging_stop = -1,
		.aging_timer = -1,
		.listen_src = { SRC_LISTEN, -1 },
	};
	struct src sig = { SRC_SIGNAL, -1 }, tick = { SRC_TICK, -1 };
	sigset_t mask;
	int lock_fd, r, rc = 1;

	r = parse_args(&d, argc, argv);
	if (r)
		return r;
	nfmgrd_verbose = d.verbose;
	nfc_set_print(print_msg);
	if (nfc_state_dir(d.state_dir, sizeof(d.state_dir)) ||
	    (!d.sock_path[0] &&
	     nfc_monitor_socket(d.sock_path, sizeof(d.sock_path)))) {
		fprintf(stderr, "nfmgrd: the state directory's path is too long\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	lock_fd = take_lock(&d);
	if (lock_fd < 0)
		return 1;
	if (open_handle(&d))
		goto out;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	tick.fd = nfmgrd_timer(1);
	if (sig.fd < 0 || d.epfd < 0 || tick.fd < 0 ||
	    nfmgrd_watch(&d, &sig, EPOLLIN) ||
	    nfmgrd_watch(&d, &tick, EPOLLIN)) {
		nfmgrd_log(NFC_WARN, "event loop: %s\n", strerror(errno));
		goto out;
	}
	if (server_open(&d) || metrics_start(&d) || aging_start(&d) ||
	    kernel_watch_start(&d))
		goto out;
	events_ring_check(&d);
	events_account(&d);
	nfmgrd_log(NFC_INFO, "running: state %s, socket %s, metrics %s\n",
		   d.state_dir, d.sock_path, d.metrics);
	rc = loop(&d, &sig, &tick);
out:
	kernel_watch_stop(&d);
	aging_stop(&d);
	metrics_stop(&d);
	server_close(&d);
	events_close(&d);
	nfc_close(d.h);
	if (sig.fd >= 0)
		close(sig.fd);
	if (tick.fd >= 0)
		close(tick.fd);
	if (d.epfd >= 0)
		close(d.epfd);
	close(lock_fd);
	return rc;
}
