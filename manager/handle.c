// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The library handle: where state lives (pin root, state dir), the lock
 * that serialises mutations, the catalog, and libbpf's log.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <xdp/libxdp.h>
#include "internal.h"

#define NFC_DEFAULT_BPFFS "/sys/fs/bpf/ultranio"
#define NFC_DEFAULT_STATE "/run/ultranio"

double nfc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* libbpf's messages, kept for error reports instead of printed. */
static char libbpf_log[64 * 1024];
static size_t libbpf_log_len;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	if (libbpf_log_len >= sizeof(libbpf_log) - 1)
		return 0;
	n = vsnprintf(libbpf_log + libbpf_log_len,
		      sizeof(libbpf_log) - libbpf_log_len, fmt, ap);
	if (n > 0)
		libbpf_log_len += n;
	if (libbpf_log_len >= sizeof(libbpf_log))
		libbpf_log_len = sizeof(libbpf_log) - 1;
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	return libbpf_print(level == LIBXDP_DEBUG ? LIBBPF_DEBUG : LIBBPF_WARN,
			    fmt, ap);
}

void nfc_libbpf_log_reset(void)
{
	libbpf_log_len = 0;
	libbpf_log[0] = '\0';
}

const char *nfc_libbpf_verifier_excerpt(char *buf, size_t len)
{
	const char *begin = strstr(libbpf_log, "-- BEGIN PROG LOAD LOG --");
	const char *end, *p, *eol;
	size_t used = 0;
	int lines = 0;

	if (!begin)
		return NULL;
	begin = strchr(begin, '\n');
	if (!begin)
		return NULL;
	begin++;
	end = strstr(begin, "-- END PROG LOAD LOG --");
	if (!end)
		end = begin + strlen(begin);
	while (end > begin && end[-1] == '\n')
		end--;
	/* the last lines say what failed; the rest is the walk there */
	for (p = end; p > begin; p--) {
		if (p[-1] == '\n' && ++lines >= 6)
			break;
	}
	buf[0] = '\0';
	for (; p < end && used + 1 < len; p = eol + 1) {
		int n;

		eol = memchr(p, '\n', end - p) ?: end;
		n = snprintf(buf + used, len - used, "  %.*s%s\n",
			     (int)(eol - p > 160 ? 160 : eol - p), p,
			     eol - p > 160 ? " ..." : "");
		if (n < 0)
			break;
		used += n;
		if (eol == end)
			break;
	}
	if (used >= len)
		used = len - 1;
	while (used && buf[used - 1] == '\n')
		buf[--used] = '\0';
	return buf;
}

int nfc_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int nfc_mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path) && errno != ENOENT ? -errno : 0;
}

int nfc_rmtree(const char *path)
{
	int r = nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	return r && errno == ENOENT ? 0 : r;
}

const char *nfc_js(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

long long nfc_ji(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_int64(v);
}

static json_object *state_member(struct nfc_handle *h, const char *key,
				 json_type type)
{
	json_object *v;

	if (json_object_object_get_ex(h->state, key, &v) &&
	    json_object_is_type(v, type))
		return v;
	v = type == json_type_array ? json_object_new_array() :
				      json_object_new_object();
	json_object_object_add(h->state, key, v);
	return v;
}

json_object *nfc_state_chains(struct nfc_handle *h)
{
	return state_member(h, "chains", json_type_object);
}

json_object *nfc_state_modules(struct nfc_handle *h)
{
	return state_member(h, "modules", json_type_array);
}

json_object *nfc_state_chain(struct nfc_handle *h, const char *name)
{
	json_object *c;

	if (!json_object_object_get_ex(nfc_state_chains(h), name, &c))
		return NULL;
	return c;
}

static int state_load(struct nfc_handle *h, struct nfc_err *err)
{
	char path[PATH_MAX];

	nfc_path(path, sizeof(path), "%s/state.json", h->state_dir);
	if (access(path, F_OK)) {
		h->state = json_object_new_object();
		return 0;
	}
	h->state = json_object_from_file(path);
	if (!h->state || !json_object_is_type(h->state, json_type_object))
		return nfc_errf(err, "%s: unreadable state: %s", path,
				json_util_get_last_err());
	return 0;
}

int nfc_state_save(struct nfc_handle *h, struct nfc_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	nfc_path(path, sizeof(path), "%s/state.json", h->state_dir);
	nfc_path(tmp, sizeof(tmp), "%s/state.json.%d", h->state_dir,
		 getpid());
	if (json_object_to_file_ext(tmp, h->state, JSON_C_TO_STRING_PRETTY) ||
	    rename(tmp, path)) {
		unlink(tmp);
		return nfc_errf(err, "%s: cannot write state: %s", path,
				strerror(errno));
	}
	return 0;
}

/* Running from the build tree: use its objects and catalog. */
static bool in_build_tree(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *build = NFC_BUILD_BPF;
	const char *slash = strrchr(build, '/');

	if (n <= 0 || !slash)
		return false;
	exe[n] = '\0';
	return !strncmp(exe, build, slash - build);
}

static int catalog_open(struct nfc_handle *h, struct nfc_err *err)
{
	char *dirs[64];
	char *env, *tok, *save = NULL;
	json_object *mods = nfc_state_modules(h);
	int n = 0, i, r;
	size_t k;

	if (in_build_tree()) {
		dirs[n++] = strdup(NFC_BUILD_CATALOG);
	} else {
		dirs[n++] = strdup(NFC_INSTALL_DATA "/catalog");
	}
	env = getenv("ULTRANIO_CATALOG");
	if (env) {
		env = strdup(env);
		for (tok = strtok_r(env, ":", &save); tok && n < 48;
		     tok = strtok_r(NULL, ":", &save))
			if (*tok)
				dirs[n++] = strdup(tok);
		free(env);
	}
	/* a registered manifest that was since removed is skipped, so that a
	 * stale registration cannot lock the operator out of nfctl */
	for (k = 0; k < json_object_array_length(mods) && n < 64; k++) {
		const char *m = json_object_get_string(json_object_array_get_idx(mods, k));

		if (!access(m, R_OK))
			dirs[n++] = strdup(m);
	}
	for (i = 0; i < n; i++)
		if (!dirs[i])
			return -ENOMEM;
	r = nfc_catalog__load(&h->cat, dirs, n, err);
	for (i = 0; i < n; i++)
		free(dirs[i]);
	return r;
}

static int ensure_bpffs(const char *pin_root, struct nfc_err *err)
{
	struct statfs fs;
	char parent[PATH_MAX];
	char *slash;
	int r;

	snprintf(parent, sizeof(parent), "%s", pin_root);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &fs) || fs.f_type != BPF_FS_MAGIC)
		return nfc_errf(err,
				"%s is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)",
				pin_root);
	r = nfc_mkdirs(pin_root);
	if (r)
		return nfc_errf(err, "%s: %s", pin_root, strerror(-r));
	return 0;
}

int nfc_open(struct nfc_handle **out, const struct nfc_open_opts *opts,
	     struct nfc_err *err)
{
	struct nfc_handle *h;
	const char *bpffs = opts ? opts->bpffs : NULL;
	const char *state = opts ? opts->state : NULL;
	char path[PATH_MAX];
	int r;

	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->lock_fd = -1;
	h->chains_fd = -1;
	if (!bpffs)
		bpffs = getenv("ULTRANIO_BPFFS") ?: NFC_DEFAULT_BPFFS;
	if (!state)
		state = getenv("ULTRANIO_STATE") ?: NFC_DEFAULT_STATE;
	snprintf(h->bpffs, sizeof(h->bpffs), "%s", bpffs);
	snprintf(h->state_dir, sizeof(h->state_dir), "%s", state);
	snprintf(h->bpf_dir, sizeof(h->bpf_dir), "%s",
		 in_build_tree() ? NFC_BUILD_BPF : NFC_INSTALL_DATA "/bpf");

	r = ensure_bpffs(h->bpffs, err);
	if (r)
		goto fail;
	r = nfc_mkdirs(h->state_dir);
	if (r) {
		nfc_errf(err, "%s: %s", h->state_dir, strerror(-r));
		goto fail;
	}
	if (opts && opts->lock) {
		nfc_path(path, sizeof(path), "%s/lock", h->state_dir);
		h->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (h->lock_fd < 0 || flock(h->lock_fd, LOCK_EX)) {
			r = -errno;
			nfc_errf(err, "%s: cannot lock: %s", path, strerror(errno));
			goto fail;
		}
	}
	r = state_load(h, err);
	if (r)
		goto fail;
	if (!(opts && opts->no_catalog)) {
		r = catalog_open(h, err);
		if (r)
			goto fail;
	}
	*out = h;
	return 0;
fail:
	nfc_close(h);
	return r;
}

void nfc_close(struct nfc_handle *h)
{
	if (!h)
		return;
	if (h->chains_mm)
		munmap(h->chains_mm, sysconf(_SC_PAGESIZE));
	if (h->chains_fd >= 0)
		close(h->chains_fd);
	if (h->lock_fd >= 0)
		close(h->lock_fd);
	nfc_catalog__free(h->cat);
	json_object_put(h->state);
	free(h);
}

const struct nfc_catalog *nfc_catalog(struct nfc_handle *h)
{
	return h->cat;
}

const char *nfc_bpffs(struct nfc_handle *h)
{
	return h->bpffs;
}

int nfc_global_map_fd(struct nfc_handle *h, const char *name)
{
	char path[PATH_MAX];
	int fd;

	nfc_path(path, sizeof(path), "%s/maps/%s", h->bpffs, name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int nfc_chains_mmap(struct nfc_handle *h, struct nfc_err *err)
{
	void *p;

	if (h->chains_mm)
		return 0;
	h->chains_fd = nfc_global_map_fd(h, "nfc_chains");
	if (h->chains_fd < 0)
		return nfc_errf(err, "map 'nfc_chains': %s",
				strerror(-h->chains_fd));
	p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		 MAP_SHARED, h->chains_fd, 0);
	if (p == MAP_FAILED)
		return nfc_errf(err, "map 'nfc_chains': mmap: %s",
				strerror(errno));
	h->chains_mm = p;
	return 0;
}

struct bpf_object *nfc_obj_open(struct nfc_handle *h, const char *path,
				bool private_maps)
{
	char maps[PATH_MAX];
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *m;

	nfc_path(maps, sizeof(maps), "%s/maps", h->bpffs);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = maps);
	obj = bpf_object__open_file(path, &oo);
	if (!obj)
		return NULL;
	if (private_maps)
		bpf_object__for_each_map(m, obj)
			bpf_map__set_pin_path(m, NULL);
	bpf_object__for_each_program(prog, obj)
		if (bpf_program__type(prog) == BPF_PROG_TYPE_XDP)
			bpf_program__set_expected_attach_type(prog, 0);
	return obj;
}

/*
 * The executor of a hook sits in slot 0 of that hook's program array; loading
 * it also creates (or reuses) every global map under <pin root>/maps.
 */
int nfc_infra_ensure(struct nfc_handle *h, enum nfc_objkind kind,
		     struct nfc_err *err)
{
	const char *k = kind == NFC_OBJ_XDP ? "xdp" : "tc";
	char pin[PATH_MAX], maps[PATH_MAX], obj_path[PATH_MAX], arr[64];
	struct bpf_object *obj;
	struct bpf_program *prog;
	__u32 slot = NFC_EXEC_SLOT, id;
	int fd, arr_fd, r;

	nfc_path(pin, sizeof(pin), "%s/progs/exec_%s", h->bpffs, k);
	nfc_path(maps, sizeof(maps), "%s/maps", h->bpffs);
	snprintf(arr, sizeof(arr), "nfc_progs_%s", k);
	fd = bpf_obj_get(pin);
	arr_fd = nfc_global_map_fd(h, arr);
	if (fd >= 0 && arr_fd >= 0 &&
	    !bpf_map_lookup_elem(arr_fd, &slot, &id)) {
		close(fd);
		close(arr_fd);
		return 0;
	}
	if (fd >= 0)
		close(fd);
	if (arr_fd >= 0)
		close(arr_fd);

	r = nfc_mkdirs(maps);
	if (!r)
		r = nfc_path(obj_path, sizeof(obj_path), "%s/exec.%s.o",
			     h->bpf_dir, k);
	if (r)
		return nfc_errf(err, "%s: %s", maps, strerror(-r));
	nfc_libbpf_log_reset();
	obj = nfc_obj_open(h, obj_path, false);
	if (!obj)
		return nfc_errf(err, "executor: cannot open %s: %s", obj_path,
				strerror(errno));
	r = bpf_object__load(obj);
	if (r) {
		char ex[4096];

		nfc_errf(err, "executor (%s): load failed: %s%s%s", obj_path,
			 strerror(-r),
			 nfc_libbpf_verifier_excerpt(ex, sizeof(ex)) ? "\n" : "",
			 nfc_libbpf_verifier_excerpt(ex, sizeof(ex)) ?: "");
		goto out;
	}
	prog = bpf_object__next_program(obj, NULL);
	nfc_path(maps, sizeof(maps), "%s/progs", h->bpffs);
	nfc_mkdirs(maps);
	unlink(pin);
	r = bpf_program__pin(prog, pin);
	if (r) {
		nfc_errf(err, "executor: pin %s: %s", pin, strerror(-r));
		goto out;
	}
	arr_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, arr));
	fd = bpf_program__fd(prog);
	if (bpf_map_update_elem(arr_fd, &slot, &fd, BPF_ANY)) {
		r = -errno;
		nfc_errf(err, "executor: program array slot 0: %s",
			 strerror(errno));
	}
out:
	bpf_object__close(obj);
	return r;
}

int nfc_obj_set_rodata(struct bpf_object *obj, const char *var,
		       const void *val, size_t size, char *errbuf,
		       size_t errlen)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec, *t;
	struct bpf_map *map = NULL, *m;
	struct btf *btf = bpf_object__btf(obj);
	size_t map_size;
	const void *init;
	char *data;
	int id, i, r;

	/* "<obj>.rodata", not "<obj>.rodata.str1.1" (string literals) */
	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);
		size_t len = strlen(n);

		if (bpf_map__is_internal(m) && len >= 7 &&
		    !strcmp(n + len - 7, ".rodata")) {
			map = m;
			break;
		}
	}
	if (!map || !btf) {
		snprintf(errbuf, errlen, "object has no .rodata for '%s'", var);
		return -ENOENT;
	}
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0) {
		snprintf(errbuf, errlen, "object has no .rodata BTF for '%s'", var);
		return -ENOENT;
	}
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		t = btf__type_by_id(btf, vs->type);
		if (strcmp(btf__name_by_offset(btf, t->name_off), var))
			continue;
		if (vs->size != size) {
			snprintf(errbuf, errlen,
				 "rodata '%s' is %u bytes, the manifest says %zu",
				 var, vs->size, size);
			return -EINVAL;
		}
		init = bpf_map__initial_value(map, &map_size);
		if (!init || vs->offset + size > map_size) {
			snprintf(errbuf, errlen, "rodata '%s' out of range", var);
			return -EINVAL;
		}
		data = malloc(map_size);
		if (!data)
			return -ENOMEM;
		memcpy(data, init, map_size);
		memcpy(data + vs->offset, val, size);
		r = bpf_map__set_initial_value(map, data, map_size);
		free(data);
		return r;
	}
	snprintf(errbuf, errlen, "object has no rodata variable '%s'", var);
	return -ENOENT;
}
