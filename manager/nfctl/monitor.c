// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfctl monitor: reads nfmgrd's JSON lines from its socket, keeps the
 * events the filters select (all of them must match) and prints each as
 * one line for people, or passes the JSON through. Lines that say events
 * were lost or suppressed always pass: a gap is never silent.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <json-c/json.h>
#include "monitor.h"
#include "ultranio.h"

enum { F_CHAIN, F_TYPE, F_VERDICT, F_ADDR, F_PORT, F_PROTO, F_TENANT, F_IF };

static const char *const filter_names[] = {
	[F_CHAIN] = "chain",     [F_TYPE] = "type",     [F_VERDICT] = "verdict",
	[F_ADDR] = "addr",       [F_PORT] = "port",     [F_PROTO] = "proto",
	[F_TENANT] = "tenant",   [F_IF] = "interface",
};

struct filter {
	unsigned int given; /* 1 << F_* */
	const char *chain, *type, *verdict, *proto, *ifname;
	int af, prefix;
	unsigned char addr[16];
	long port, tenant;
};

struct monitor {
	bool json;
	long count;      /* events to print before exiting, 0: no limit */
	long timeout_s;  /* 0: none */
	const char *sock;
	struct filter f;
};

static int usage(const char *fmt, const char *arg)
{
	fputs("nfctl: monitor: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n\nUsage:\n" NFCTL_MONITOR_USAGE, stderr);
	return 2;
}

static bool parse_long(const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return !errno && end != s && !*end && *out >= min && *out <= max;
}

/* The daemon's name of a protocol given by name, alias or number (0-255),
 * or NULL when it is none of those. */
static const char *proto_name(const char *p)
{
	static const struct {
		const char *name, *alias;
	} protos[] = {
		{ "1", "icmp" },	{ "6", "tcp" },	      { "17", "udp" },
		{ "58", "icmpv6" },	{ "icmp6", "icmpv6" }, { "ipv6-icmp", "icmpv6" },
		{ "132", "sctp" },	{ "47", "gre" },      { "50", "esp" },
		{ "51", "ah" },		{ "icmp", "icmp" },   { "tcp", "tcp" },
		{ "udp", "udp" },	{ "icmpv6", "icmpv6" }, { "sctp", "sctp" },
		{ "gre", "gre" },	{ "esp", "esp" },     { "ah", "ah" },
	};
	unsigned int i;
	long n;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcasecmp(p, protos[i].name))
			return protos[i].alias;
	/* a number the daemon has no name for: it prints the number */
	return parse_long(p, 0, 255, &n) ? p : NULL;
}

static int parse_addr(struct filter *f, const char *s)
{
	char buf[INET6_ADDRSTRLEN + 4];
	char *slash;
	long len;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	f->af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(f->af, buf, f->addr) != 1)
		return -EINVAL;
	f->prefix = f->af == AF_INET ? 32 : 128;
	if (slash) {
		if (!parse_long(slash, 0, f->prefix, &len))
			return -EINVAL;
		f->prefix = len;
	}
	return 0;
}

static int parse_filter(struct filter *f, const char *name, const char *v)
{
	unsigned int i;

	for (i = 0; i < sizeof(filter_names) / sizeof(filter_names[0]); i++)
		if (!strcmp(name, filter_names[i]))
			break;
	if (i == sizeof(filter_names) / sizeof(filter_names[0]))
		return usage("unknown filter '%s'", name);
	if (f->given & (1U << i))
		return usage("filter '%s' given twice", name);
	f->given |= 1U << i;
	switch (i) {
	case F_CHAIN:
		f->chain = v;
		break;
	case F_TYPE:
		if (strcmp(v, "drop") && strcmp(v, "decision"))
			return usage("type: '%s' is not drop or decision", v);
		f->type = v;
		break;
	case F_VERDICT:
		if (strcmp(v, "allow") && strcmp(v, "deny") && strcmp(v, "pass") &&
		    strcmp(v, "redirect") && strcmp(v, "tx") && strcmp(v, "drop") &&
		    strcmp(v, "flood"))
			return usage("verdict: '%s' is not allow, deny, pass, redirect, tx, drop or flood",
				     v);
		f->verdict = v;
		break;
	case F_ADDR:
		if (parse_addr(f, v))
			return usage("addr: '%s' is not an IP address or prefix", v);
		break;
	case F_PORT:
		if (!parse_long(v, 0, 65535, &f->port))
			return usage("port: '%s' is not a port number", v);
		break;
	case F_PROTO:
		f->proto = proto_name(v);
		if (!f->proto)
			return usage("proto: '%s' is not a protocol name or number (0-255)", v);
		break;
	case F_TENANT:
		if (!parse_long(v, 0, 0xffffffffL, &f->tenant))
			return usage("tenant: '%s' is not a number", v);
		break;
	case F_IF:
		f->ifname = v;
		break;
	}
	return 0;
}

static int parse_args(struct monitor *m, int argc, char **argv)
{
	int i, r;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--json") || !strcmp(a, "-j")) {
			m->json = true;
			continue;
		}
		if (!v)
			return usage(a[0] == '-' ? "%s: missing value" :
						   "filter '%s': missing value",
				     a);
		if (!strcmp(a, "--count")) {
			if (!parse_long(v, 1, 1L << 40, &m->count))
				return usage("--count: '%s' is not a number >= 1", v);
		} else if (!strcmp(a, "--timeout")) {
			if (!parse_long(v, 1, 1L << 30, &m->timeout_s))
				return usage("--timeout: '%s' is not a number of seconds >= 1",
					     v);
		} else if (!strcmp(a, "--socket")) {
			m->sock = v;
		} else if (a[0] == '-') {
			return usage("unknown option '%s'", a);
		} else {
			r = parse_filter(&m->f, a, v);
			if (r)
				return r;
		}
		i++;
	}
	return 0;
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) :
						     NULL;
}

static long num(json_object *o, const char *k, long def)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) :
						     def;
}

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static bool addr_in(const struct filter *f, const char *s)
{
	unsigned char a[16];
	int bytes = f->prefix / 8, bits = f->prefix % 8;

	if (!s || inet_pton(f->af, s, a) != 1)
		return false;
	if (memcmp(a, f->addr, bytes))
		return false;
	return !bits || !((a[bytes] ^ f->addr[bytes]) & (0xff << (8 - bits)));
}

/* Either side of the packet as it came or as it went out. */
static bool match_tuple(const struct filter *f, json_object *e)
{
	json_object *out = NULL;
	json_object *t[2] = { e, NULL };
	bool addr = !(f->given & (1U << F_ADDR));
	bool port = !(f->given & (1U << F_PORT));
	int i;

	if (json_object_object_get_ex(e, "out", &out))
		t[1] = out;
	for (i = 0; i < 2 && t[i]; i++) {
		if (!addr)
			addr = addr_in(f, str(t[i], "src")) ||
			       addr_in(f, str(t[i], "dst"));
		if (!port)
			port = num(t[i], "sport", -1) == f->port ||
			       num(t[i], "dport", -1) == f->port;
	}
	return addr && port;
}

static bool match(const struct filter *f, json_object *e)
{
	const char *verdict = str(e, "verdict");

	if (f->chain && !same(str(e, "chain"), f->chain))
		return false;
	if (f->type && !same(str(e, "type"), f->type))
		return false;
	if (f->verdict) {
		if (!strcmp(f->verdict, "allow") || !strcmp(f->verdict, "deny")) {
			if (!verdict || !strcmp(verdict, "drop") ==
						!strcmp(f->verdict, "allow"))
				return false;
		} else if (!same(verdict, f->verdict)) {
			return false;
		}
	}
	if (f->proto && !(str(e, "proto") && !strcasecmp(str(e, "proto"), f->proto)))
		return false;
	if ((f->given & (1U << F_TENANT)) && num(e, "tenant", -1) != f->tenant)
		return false;
	if (f->ifname && !same(str(e, "ifname"), f->ifname) &&
	    !same(str(e, "out_ifname"), f->ifname))
		return false;
	return match_tuple(f, e);
}

/* "May  1 14:02:03.123" in local time, from the daemon's UTC ISO-8601. */
static void local_time(const char *iso, char *buf, size_t len)
{
	struct tm tm = {};
	const char *rest;
	time_t t;
	size_t n;
	int ms = 0;

	rest = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!rest) {
		snprintf(buf, len, "%s", iso ? iso : "-");
		return;
	}
	sscanf(rest, ".%d", &ms);
	t = timegm(&tm);
	localtime_r(&t, &tm);
	n = strftime(buf, len, "%b %e %H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03d", ms);
}

static void print_endpoint(FILE *f, json_object *t, const char *addr,
			   const char *port)
{
	const char *a = str(t, addr);
	long p = num(t, port, -1);

	if (!a)
		a = "?";
	if (p < 0)
		fputs(a, f);
	else if (strchr(a, ':'))
		fprintf(f, "[%s]:%ld", a, p);
	else
		fprintf(f, "%s:%ld", a, p);
}

static void print_tuple(FILE *f, json_object *t, const char *proto)
{
	if (!str(t, "src")) {
		fprintf(f, "%s %s -> %s", str(t, "ethertype") ?: "frame",
			str(t, "src_mac") ?: "?", str(t, "dst_mac") ?: "?");
		return;
	}
	if (proto)
		fprintf(f, "%s ", proto);
	print_endpoint(f, t, "src", "sport");
	fputs(" -> ", f);
	print_endpoint(f, t, "dst", "dport");
	if (num(t, "icmp_type", -1) >= 0)
		fprintf(f, " type %ld code %ld id %ld", num(t, "icmp_type", 0),
			num(t, "icmp_code", 0), num(t, "icmp_id", 0));
}

static void print_event(json_object *e)
{
	const char *type = str(e, "type"), *verdict = str(e, "verdict");
	const char *chain = str(e, "chain"), *node = str(e, "node");
	json_object *out;
	char when[40];
	long policy = num(e, "policy", 0), sup = num(e, "suppressed", 0);

	local_time(str(e, "time"), when, sizeof(when));
	printf("%s  ", when);
	if (chain)
		printf("%s", chain);
	else
		printf("chain#%ld", num(e, "chain_id", 0));
	printf("/%s  ", node ?: "-");
	if (same(type, "drop")) {
		printf("DROP %s", str(e, "reason") ?: "?");
	} else {
		printf("%s (%s)", same(verdict, "drop") ? "DENY" : "ALLOW",
		       verdict ?: "?");
	}
	if (policy) {
		const char *rule = str(e, "rule");

		if (rule)
			printf("  rule %s (#%ld)", rule, policy);
		else
			printf("  rule #%ld", policy);
	}
	if (num(e, "tenant", 0))
		printf("  tenant %ld", num(e, "tenant", 0));
	printf("  %s -> %s  ", str(e, "ifname") ?: "?",
	       str(e, "out_ifname") ?: "-");
	print_tuple(stdout, e, str(e, "proto"));
	if (str(e, "ct_state"))
		printf("  ct %s/%s%s", str(e, "ct_state"), str(e, "ct_dir") ?: "?",
		       num(e, "ct_related", 0) ? " related" : "");
	if (json_object_object_get_ex(e, "out", &out)) {
		fputs("  => ", stdout);
		print_tuple(stdout, out, NULL);
	}
	if (sup)
		printf("  (+%ld like it suppressed before)", sup);
	putchar('\n');
}

/* A line that says events are missing; true when @e is one. */
static bool print_gap(json_object *e, bool json, const char *line)
{
	const char *type = str(e, "type");
	const char *where = str(e, "where");

	if (!same(type, "lost") && !same(type, "suppressed"))
		return false;
	if (json)
		puts(line);
	else if (same(type, "lost"))
		printf("!! LOST %ld events: %s\n", num(e, "count", 0),
		       same(where, "client") ? "this monitor did not read them fast enough" :
					       "the event ring was full");
	else
		printf("!! SUPPRESSED %ld drop events (reason %s): over the rate limit\n",
		       num(e, "count", 0), str(e, "reason") ?: "?");
	return true;
}

static int connect_daemon(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "nfctl: monitor: %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	if (errno == ENOENT || errno == ECONNREFUSED)
		fprintf(stderr,
			"nfctl: monitor: nfmgrd is not running (nothing listens on %s).\n"
			"Start it: `systemctl start nfmgrd`, or `nfmgrd` in a terminal.\n",
			path);
	else
		fprintf(stderr, "nfctl: monitor: %s: %s%s\n", path,
			strerror(errno),
			errno == EACCES || errno == EPERM ?
				" (nfctl monitor needs root, or access to the state directory)" :
				"");
	if (fd >= 0)
		close(fd);
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One line from the daemon; true when enough events were printed. */
static bool handle_line(struct monitor *m, char *line, long *printed)
{
	json_object *e = json_tokener_parse(line);
	bool done = false;

	if (!e) {
		fprintf(stderr, "nfctl: monitor: not JSON from nfmgrd: %.80s\n",
			line);
		return false;
	}
	if (!print_gap(e, m->json, line) && match(&m->f, e)) {
		if (m->json)
			puts(line);
		else
			print_event(e);
		done = m->count && ++*printed >= m->count;
	}
	fflush(stdout);
	json_object_put(e);
	return done;
}

int nfctl_monitor(int argc, char **argv, bool json)
{
	struct monitor m = { .json = json };
	char path[4096], buf[65536];
	size_t len = 0;
	double end;
	long printed = 0;
	int fd, r;

	if (argc == 1 && !strcmp(argv[0], "help")) {
		fputs("Usage:\n" NFCTL_MONITOR_USAGE, stdout);
		return 0;
	}
	r = parse_args(&m, argc, argv);
	if (r)
		return r;
	if (!m.sock) {
		if (nfc_monitor_socket(path, sizeof(path))) {
			fputs("nfctl: monitor: the state directory's path is too long\n",
			      stderr);
			return 1;
		}
		m.sock = path;
	}
	fd = connect_daemon(m.sock);
	if (fd < 0)
		return 1;
	end = m.timeout_s ? now_s() + m.timeout_s : 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait = end ? (int)((end - now_s()) * 1000) + 1 : -1;
		char *nl, *start;
		ssize_t n;

		if (end && wait <= 0)
			break;
		r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			continue; /* the deadline is checked above */
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "nfctl: monitor: nfmgrd closed the connection%s%s\n",
				n ? ": " : "", n ? strerror(errno) : "");
			close(fd);
			return 1;
		}
		len += n;
		buf[len] = '\0';
		for (start = buf; (nl = strchr(start, '\n')); start = nl + 1) {
			*nl = '\0';
			if (handle_line(&m, start, &printed)) {
				close(fd);
				return 0;
			}
		}
		len -= start - buf;
		memmove(buf, start, len);
		if (len == sizeof(buf) - 1) {
			fprintf(stderr, "nfctl: monitor: a line of more than %zu bytes from nfmgrd\n",
				sizeof(buf) - 1);
			close(fd);
			return 1;
		}
	}
	close(fd);
	/* the time ran out: a failure only when events were asked for */
	return m.count && printed < m.count ? 1 : 0;
}
