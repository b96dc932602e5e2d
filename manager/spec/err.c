// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "err.h"

int nfc_verrf(struct nfc_err *err, int ret, const char *fmt, va_list ap)
{
	if (!err)
		return ret;
	if (err->n >= NFC_ERR_MAX) {
		err->dropped++;
		return ret;
	}
	vsnprintf(err->msg[err->n++], NFC_ERR_LEN, fmt, ap);
	return ret;
}

int nfc_errf(struct nfc_err *err, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nfc_verrf(err, ret, fmt, ap);
	va_end(ap);
	return ret;
}

int nfc_err_at(struct nfc_err *err, int ret, const char *file, int line,
	       int col, const char *fmt, ...)
{
	char msg[NFC_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nfc_errf(err, ret, "%s:%d:%d: %s", file, line, col, msg);
}

void nfc_err_clear(struct nfc_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}
