/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * Options structs, the way libbpf does them: every one starts with
 * `size_t sz`, callers fill it with NFC_OPTS(), and the library accepts a
 * struct from a newer caller only when the fields it does not know are
 * zero. So a struct can grow without breaking callers built against an
 * older header, and a caller never has a field silently ignored.
 *
 * A struct grows past its current size only: a new field never takes the
 * tail padding of the struct before it. The bytes up to the library's own
 * sizeof are then the library's, padding included, and go unchecked —
 * which matters, since a compiler may leave padding unzeroed (gcc -O0
 * copies a compound literal's padding as it finds it).
 */
#ifndef NFC_OPTS_H
#define NFC_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define NFC_OPTS(TYPE, NAME, ...)                                             \
	struct TYPE NAME = ({                                                 \
		memset(&NAME, 0, sizeof(struct TYPE));                        \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };      \
	})

#define nfc_offsetofend(TYPE, FIELD)                                          \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))

/* Whether @opts (may be NULL) is valid for a library that knows TYPE up to
 * LAST_FIELD (and its padding: see above). */
#define NFC_OPTS_VALID(opts, TYPE, LAST_FIELD)                                \
	nfc_opts_valid((opts), (opts) ? (opts)->sz : 0,                       \
		       sizeof(struct TYPE) +                                  \
			       0 * nfc_offsetofend(struct TYPE, LAST_FIELD))
/* A field, or @def when the caller's struct is too short to hold it. */
#define NFC_OPTS_GET(opts, FIELD, def)                                        \
	((opts) && (opts)->sz >= nfc_offsetofend(__typeof__(*(opts)), FIELD) ? \
		 (opts)->FIELD :                                              \
		 (def))

static inline bool nfc_opts_valid(const void *opts, size_t sz, size_t known)
{
	const char *p = opts;
	size_t i;

	if (!opts)
		return true;
	if (sz < sizeof(size_t))
		return false;
	for (i = known; i < sz; i++)
		if (p[i])
			return false;
	return true;
}

#endif /* NFC_OPTS_H */
