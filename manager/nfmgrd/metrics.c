// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Prometheus /metrics (text exposition format 0.0.4) from libmicrohttpd's
 * own thread, so that a scrape never holds up the event loop. Each scrape
 * opens a handle of its own: it sees the chains as they are now, and
 * shares nothing with the loop but two atomic counters. Every counter
 * comes from pinned maps, so it goes on across daemon restarts.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include "nfmgrd.h"

struct scrape {
	FILE *f;
	struct nfmgrd *d;
	struct nfc_handle *h;
	struct nfc_chain_view **views;
	int n_views;
	int errors; /* parts that could not be read */
};

static void family(struct scrape *s, const char *name, const char *type,
		   const char *help)
{
	fprintf(s->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values: backslash, double quote and line feed escaped. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* NAME{k1="v1",...} VALUE; the labels are NULL-terminated pairs. */
static void sample(struct scrape *s, const char *name, __u64 v, ...)
{
	const char *k;
	bool first = true;
	va_list ap;

	fputs(name, s->f);
	va_start(ap, v);
	while ((k = va_arg(ap, const char *))) {
		fprintf(s->f, "%s%s=\"", first ? "{" : ",", k);
		label_value(s->f, va_arg(ap, const char *));
		fputc('"', s->f);
		first = false;
	}
	va_end(ap);
	fprintf(s->f, "%s %llu\n", first ? "" : "}", (unsigned long long)v);
}

static void part_failed(struct scrape *s, const char *what, int r,
			const struct nfc_err *err)
{
	/* before the first chain nothing is pinned: not an error */
	if (r == -ENOENT)
		return;
	s->errors++;
	nfmgrd_log(NFC_INFO, "metrics: %s: %s\n", what,
		   err->n ? err->msg[0] : strerror(-r));
}

static void chains(struct scrape *s)
{
	int i, j;

	family(s, "ultranio_chain_version", "gauge",
	       "The chain's active version.");
	for (i = 0; i < s->n_views; i++)
		sample(s, "ultranio_chain_version", s->views[i]->info->version,
		       "chain", s->views[i]->info->name, NULL);
	family(s, "ultranio_chain_packets_total", "counter",
	       "Packets that entered the chain.");
	for (i = 0; i < s->n_views; i++)
		sample(s, "ultranio_chain_packets_total",
		       s->views[i]->counters.packets, "chain",
		       s->views[i]->info->name, NULL);
	family(s, "ultranio_chain_bytes_total", "counter",
	       "Bytes that entered the chain.");
	for (i = 0; i < s->n_views; i++)
		sample(s, "ultranio_chain_bytes_total",
		       s->views[i]->counters.bytes, "chain",
		       s->views[i]->info->name, NULL);
	family(s, "ultranio_chain_verdicts_total", "counter",
	       "Packets by the chain's verdict.");
	for (i = 0; i < s->n_views; i++)
		for (j = 0; j < NFC_V_NAMED; j++)
			sample(s, "ultranio_chain_verdicts_total",
			       s->views[i]->counters.verdict[j], "chain",
			       s->views[i]->info->name, "verdict",
			       nfc_verdict_str(j), NULL);
	family(s, "ultranio_chain_drops_total", "counter",
	       "Packets the chain dropped, by reason.");
	for (i = 0; i < s->n_views; i++)
		for (j = 1; j < NFC_DROP_MAX; j++)
			sample(s, "ultranio_chain_drops_total",
			       s->views[i]->counters.drop[j], "chain",
			       s->views[i]->info->name, "reason",
			       nfc_drop_reason_str(j), NULL);
	family(s, "ultranio_chain_cached_packets_total", "counter",
	       "Packets that took the flow cache's fast path.");
	for (i = 0; i < s->n_views; i++)
		sample(s, "ultranio_chain_cached_packets_total",
		       s->views[i]->counters.cached, "chain",
		       s->views[i]->info->name, NULL);
	family(s, "ultranio_chain_flows_written_total", "counter",
	       "Flow cache entries the chain wrote.");
	for (i = 0; i < s->n_views; i++)
		sample(s, "ultranio_chain_flows_written_total",
		       s->views[i]->counters.flows, "chain",
		       s->views[i]->info->name, NULL);
}

static void nodes(struct scrape *s)
{
	const struct nfc_chain_view *v;
	const struct nfc_node_view *nv;
	char num[12];
	int i, j, o;

	family(s, "ultranio_node_packets_total", "counter",
	       "Packets that entered the node instance.");
	for (i = 0; i < s->n_views; i++)
		for (v = s->views[i], j = 0; j < v->n_nodes; j++)
			sample(s, "ultranio_node_packets_total",
			       v->nodes[j].counters.packets, "chain",
			       v->info->name, "node", v->nodes[j].info->name,
			       NULL);
	family(s, "ultranio_node_bytes_total", "counter",
	       "Bytes that entered the node instance.");
	for (i = 0; i < s->n_views; i++)
		for (v = s->views[i], j = 0; j < v->n_nodes; j++)
			sample(s, "ultranio_node_bytes_total",
			       v->nodes[j].counters.bytes, "chain",
			       v->info->name, "node", v->nodes[j].info->name,
			       NULL);
	family(s, "ultranio_node_outcomes_total", "counter",
	       "Packets by the outcome the node instance gave them.");
	for (i = 0; i < s->n_views; i++) {
		for (v = s->views[i], j = 0; j < v->n_nodes; j++) {
			nv = &v->nodes[j];
			for (o = 0; o < NFC_MAX_OUTCOMES; o++) {
				const char *name = num;

				if (nv->module && o < nv->module->n_outcomes)
					name = nv->module->outcomes[o];
				else if (nv->module || !nv->counters.outcome[o])
					continue;
				snprintf(num, sizeof(num), "%d", o);
				sample(s, "ultranio_node_outcomes_total",
				       nv->counters.outcome[o], "chain",
				       v->info->name, "node", nv->info->name,
				       "outcome", name, NULL);
			}
		}
	}
}

static void endpoints(struct scrape *s)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fields[] = {
		{ "ultranio_endpoint_in_packets_total",
		  "Packets entering a chain at the interface.",
		  offsetof(struct nfc_ep_stats, in_packets) },
		{ "ultranio_endpoint_in_bytes_total",
		  "Bytes entering a chain at the interface.",
		  offsetof(struct nfc_ep_stats, in_bytes) },
		{ "ultranio_endpoint_out_packets_total",
		  "Packets chains sent out of the interface.",
		  offsetof(struct nfc_ep_stats, out_packets) },
		{ "ultranio_endpoint_out_bytes_total",
		  "Bytes chains sent out of the interface.",
		  offsetof(struct nfc_ep_stats, out_bytes) },
		{ "ultranio_endpoint_new_connections_total",
		  "Connections opened by packets entering at the interface.",
		  offsetof(struct nfc_ep_stats, new_conns) },
	};
	struct nfc_ep_view *ev = NULL;
	struct nfc_err err = {};
	unsigned int f;
	int n = 0, i, j, r;

	r = nfc_stats__endpoints(s->h, &ev, &n, &err);
	if (r) {
		part_failed(s, "endpoints", r, &err);
		n = 0;
	}
	/* an interface that is gone has no name to label it with (its
	 * number may be another's name): its counters end with it, and the
	 * next aging pass forgets them */
	for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		family(s, fields[f].name, "counter", fields[f].help);
		for (i = 0; i < n; i++)
			if (ev[i].ifname[0])
				sample(s, fields[f].name,
				       *(const __u64 *)((const char *)&ev[i].s +
							fields[f].off),
				       "interface", ev[i].ifname, NULL);
	}
	family(s, "ultranio_endpoint_drops_total", "counter",
	       "Packets entering at the interface that were dropped, by reason.");
	for (i = 0; i < n; i++)
		for (j = 1; ev[i].ifname[0] && j < NFC_DROP_MAX; j++)
			sample(s, "ultranio_endpoint_drops_total", ev[i].s.drop[j],
			       "interface", ev[i].ifname, "reason",
			       nfc_drop_reason_str(j), NULL);
	free(ev);
}

static void rules(struct scrape *s)
{
	struct nfc_rule_view *rv = NULL;
	struct nfc_err err = {};
	char id[12];
	int n = 0, i, r;

	r = nfc_stats__rules(s->h, &rv, &n, &err);
	if (r) {
		part_failed(s, "rules", r, &err);
		n = 0;
	}
	/* the rules of a node instance in no chain have no labels to tell
	 * them from another such instance's: left out */
	family(s, "ultranio_rule_packets_total", "counter",
	       "Packets the rule decided, flow cache hits included.");
	for (i = 0; i < n; i++) {
		if (rv[i].deleted)
			continue;
		snprintf(id, sizeof(id), "%u", rv[i].key.policy);
		sample(s, "ultranio_rule_packets_total", rv[i].s.packets,
		       "chain", rv[i].chain, "node", rv[i].node, "rule_id", id,
		       "rule", rv[i].name, NULL);
	}
	family(s, "ultranio_rule_bytes_total", "counter",
	       "Bytes the rule decided, flow cache hits included.");
	for (i = 0; i < n; i++) {
		if (rv[i].deleted)
			continue;
		snprintf(id, sizeof(id), "%u", rv[i].key.policy);
		sample(s, "ultranio_rule_bytes_total", rv[i].s.bytes, "chain",
		       rv[i].chain, "node", rv[i].node, "rule_id", id, "rule",
		       rv[i].name, NULL);
	}
	free(rv);
}

/* The eviction count is derived (created - removed - live) from counters
 * read one after the other, so a scrape may compute less than an earlier
 * one did; a counter must not go back, so the most published stands, until
 * the maps are new (fewer connections created than last time). */
static __u64 evicted(struct nfmgrd *d, const struct nfc_ct_summary *cs)
{
	if (cs->dp.created < d->ct_created)
		d->evicted = 0;
	d->ct_created = cs->dp.created;
	if (cs->evicted > d->evicted)
		d->evicted = cs->evicted;
	return d->evicted;
}

static void conntrack(struct scrape *s)
{
	struct nfc_ct_summary cs;
	struct nfc_err err = {};
	bool ok;
	__u64 flows;
	int r;

	r = nfc_ct__summary(s->h, &cs, &err);
	if (r)
		part_failed(s, "conntrack", r, &err);
	ok = !r;
	family(s, "ultranio_conntrack_entries", "gauge",
	       "Connections tracked now.");
	if (ok)
		sample(s, "ultranio_conntrack_entries", cs.live, NULL);
	family(s, "ultranio_conntrack_max", "gauge",
	       "Connections the table holds at most.");
	if (ok)
		sample(s, "ultranio_conntrack_max", cs.max, NULL);
	family(s, "ultranio_conntrack_created_total", "counter",
	       "Connections the datapath opened.");
	if (ok)
		sample(s, "ultranio_conntrack_created_total", cs.dp.created,
		       NULL);
	family(s, "ultranio_conntrack_evicted_total", "counter",
	       "Connections the full table evicted (LRU).");
	if (ok)
		sample(s, "ultranio_conntrack_evicted_total",
		       evicted(s->d, &cs), NULL);
	family(s, "ultranio_conntrack_expired_total", "counter",
	       "Connections nfmgrd aged out.");
	if (ok)
		sample(s, "ultranio_conntrack_expired_total", cs.gc.expired,
		       NULL);
	family(s, "ultranio_conntrack_flushed_total", "counter",
	       "Connections removed by nfctl.");
	if (ok)
		sample(s, "ultranio_conntrack_flushed_total", cs.gc.flushed,
		       NULL);
	family(s, "ultranio_conntrack_gc_runs_total", "counter",
	       "Aging passes of nfmgrd.");
	if (ok)
		sample(s, "ultranio_conntrack_gc_runs_total", cs.gc.runs, NULL);
	family(s, "ultranio_flows_expired_total", "counter",
	       "Flow cache entries nfmgrd aged out.");
	if (ok)
		sample(s, "ultranio_flows_expired_total", cs.gc.flows_expired,
		       NULL);
	family(s, "ultranio_flows_flushed_total", "counter",
	       "Flow cache entries removed by nfctl.");
	if (ok)
		sample(s, "ultranio_flows_flushed_total", cs.gc.flows_flushed,
		       NULL);

	memset(&err, 0, sizeof(err));
	r = nfc_flow__count(s->h, &flows, &err);
	if (r)
		part_failed(s, "flows", r, &err);
	family(s, "ultranio_flows_entries", "gauge",
	       "Flow cache entries now.");
	if (!r)
		sample(s, "ultranio_flows_entries", flows, NULL);
}

static void events(struct scrape *s)
{
	struct nfc_ev_summary es;
	struct nfc_err err = {};
	int i, r;

	r = nfc_events__summary(s->h, &es, &err);
	if (r)
		part_failed(s, "events", r, &err);
	family(s, "ultranio_events_lost_total", "counter",
	       "Events the datapath could not put on the full ring.");
	if (!r)
		sample(s, "ultranio_events_lost_total", es.s.lost, NULL);
	family(s, "ultranio_events_suppressed_total", "counter",
	       "Drop events left out by the rate limit, by reason.");
	for (i = 1; !r && i < NFC_DROP_MAX; i++)
		sample(s, "ultranio_events_suppressed_total",
		       es.s.suppressed[i], "reason", nfc_drop_reason_str(i),
		       NULL);
	family(s, "ultranio_events_read_total", "counter",
	       "Events this nfmgrd read from the ring.");
	sample(s, "ultranio_events_read_total",
	       __atomic_load_n(&s->d->events_read, __ATOMIC_RELAXED), NULL);
	family(s, "ultranio_events_sent_total", "counter",
	       "Event lines this nfmgrd queued to monitor clients.");
	sample(s, "ultranio_events_sent_total",
	       __atomic_load_n(&s->d->events_sent, __ATOMIC_RELAXED), NULL);
	family(s, "ultranio_kernel_invalidations_total", "counter",
	       "Times a change of the kernel's neighbours or routes made the cached flows misses.");
	sample(s, "ultranio_kernel_invalidations_total",
	       __atomic_load_n(&s->d->kernel_invalidations, __ATOMIC_RELAXED),
	       NULL);
	family(s, "ultranio_monitor_clients", "gauge",
	       "nfctl monitor clients connected.");
	sample(s, "ultranio_monitor_clients",
	       __atomic_load_n(&s->d->n_clients, __ATOMIC_RELAXED), NULL);
}

static void take_views(struct scrape *s)
{
	const struct nfc_state *st = nfc_state(s->h);
	struct nfc_err err = {};
	int i, r;

	s->views = calloc(st->n_chains + 1, sizeof(*s->views));
	if (!s->views) {
		s->errors++;
		return;
	}
	for (i = 0; i < st->n_chains; i++) {
		r = nfc_chain__view(s->h, st->chains[i].name,
				    &s->views[s->n_views], &err);
		if (!r)
			s->n_views++;
		else
			part_failed(s, st->chains[i].name, r, &err);
	}
}

/* The whole exposition; NULL when even the state cannot be read. */
static char *scrape(struct nfmgrd *d, size_t *len)
{
	NFC_OPTS(nfc_open_opts, oo, .lock = false);
	struct scrape s = { .d = d };
	struct nfc_err err = {};
	char *buf = NULL;
	int i, r;

	r = nfc_open(&s.h, &oo, &err);
	if (r) {
		nfmgrd_log(NFC_WARN, "metrics: %s\n",
			   err.n ? err.msg[0] : strerror(-r));
		return NULL;
	}
	s.f = open_memstream(&buf, len);
	if (s.f) {
		take_views(&s);
		chains(&s);
		nodes(&s);
		endpoints(&s);
		rules(&s);
		conntrack(&s);
		events(&s);
		family(&s, "ultranio_scrape_errors", "gauge",
		       "Parts of this scrape that could not be read (nfmgrd -v says why).");
		sample(&s, "ultranio_scrape_errors", s.errors, NULL);
		if (fclose(s.f)) {
			free(buf);
			buf = NULL;
		}
	}
	for (i = 0; i < s.n_views; i++)
		nfc_chain_view__free(s.views[i]);
	free(s.views);
	nfc_close(s.h);
	return buf;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	MHD_add_response_header(resp, "Content-Type", "text/plain");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	char *text;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "only GET /metrics\n");
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND,
			     "UltraNIO's metrics are at /metrics\n");
	text = scrape(cls, &len);
	if (!text)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "the state could not be read: see nfmgrd's log\n");
	resp = MHD_create_response_from_buffer(len, text,
					       MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type",
				"text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	if (nfmgrd_verbose < NFC_INFO)
		return;
	fputs("nfmgrd: metrics: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ADDR:PORT, [ADDR6]:PORT */
static int parse_addr(const char *spec, struct sockaddr_storage *ss)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *ai;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(spec, ':');
	size_t n;

	if (!colon || colon == spec || !colon[1])
		return -EINVAL;
	n = colon - spec;
	if (spec[0] == '[' && spec[n - 1] == ']') {
		spec++;
		n -= 2;
	}
	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

int metrics_start(struct nfmgrd *d)
{
	struct sockaddr_storage ss = {};
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (!strcmp(d->metrics, "off"))
		return 0;
	if (parse_addr(d->metrics, &ss)) {
		nfmgrd_log(NFC_WARN, "--metrics %s: not ADDR:PORT, [ADDR]:PORT or off\n",
			   d->metrics);
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	d->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, d,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, 16,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10,
				  MHD_OPTION_END);
	if (!d->mhd) {
		nfmgrd_log(NFC_WARN, "metrics on %s: cannot listen (in use? run nfmgrd -v to see why)\n",
			   d->metrics);
		return -EADDRINUSE;
	}
	return 0;
}

void metrics_stop(struct nfmgrd *d)
{
	if (d->mhd)
		MHD_stop_daemon(d->mhd);
	d->mhd = NULL;
}
