/*
 * reader.c - a read-only connection to the index, and what the commands
 * that read it share: folded words and output helpers.
 *
 * The folded FTS5 tables (see db.c) only answer queries folded the same
 * way, so opening checks the fold version the index was built with before
 * anything is searched: a mismatch would not fail, it would silently find
 * nothing.
 */
#include "reader.h"
#include "fold.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

int qdx_reader_error(qdx_reader *r, qdx_error *err, const char *what)
{
	return qdx_error_set(err, QDX_EDB, r->path, 0, 0, "%s: %s", what, sqlite3_errmsg(r->db));
}

int qdx_reader_prepare(qdx_reader *r, sqlite3_stmt **st, const char *sql, qdx_error *err)
{
	if (sqlite3_prepare_v2(r->db, sql, -1, st, NULL)) {
		*st = NULL;
		return qdx_reader_error(r, err, "cannot query the index");
	}
	return 0;
}

const char *qdx_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}


int qdx_reader_open(qdx_reader **out, const char *path, qdx_error *err)
{
	qdx_reader *r;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int rc;

	*out = NULL;
	if (!path || !*path)
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0, "no index path given");
	/* SQLite would open a missing file as an empty database and then
	 * report "no such table": say what is really wrong. */
	if (stat(path, &sb))
		return qdx_error_set(err, QDX_EIO, path, 0, 0,
		                     "cannot open: %s (make the index with `qdx ingest --db %s PATH...`)",
		                     strerror(errno), path);
	if (!S_ISREG(sb.st_mode))
		return qdx_error_set(err, QDX_EIO, path, 0, 0, "cannot open: not a regular file");
	r = qdx_xcalloc(1, sizeof(*r));
	r->path = qdx_xstrdup(path);
	qdx_buf_init(&r->fold);
	if ((rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL))) {
		rc = r->db ? qdx_reader_error(r, err, "cannot open")
		           : qdx_error_set(err, QDX_EDB, path, 0, 0, "cannot open: %s",
		                           sqlite3_errstr(rc));
		goto cleanup;
	}
	/* A writer holds its lock for one batch at most. */
	sqlite3_busy_timeout(r->db, 10000);
	if (qdx_fold_register(r->db, &r->fold)) {
		rc = qdx_reader_error(r, err, "cannot register qdx_fold()");
		goto cleanup;
	}
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT (SELECT value FROM qdx_meta WHERE key = 'fold_version'),"
	                       " (SELECT count(*) FROM documents_fts WHERE 0),"
	                       " (SELECT count(*) FROM items_fts WHERE 0),"
	                       " EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'items_parent')"
	                       "  OR EXISTS (SELECT 1 FROM qdx_meta WHERE key = 'index:items_parent')",
	                       -1, &st, NULL)) {
		rc = qdx_error_set(err, QDX_EDB, path, 0, 0,
		                   "not a qdx index (%s); make one with `qdx ingest`",
		                   sqlite3_errmsg(r->db));
		goto cleanup;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = qdx_reader_error(r, err, "cannot read");
		goto cleanup;
	}
	/* An index with no document yet has no fold version recorded. */
	if (sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    sqlite3_column_int(st, 0) != QDX_FOLD_VERSION) {
		rc = qdx_error_set(err, QDX_EDB, path, 0, 0,
		                   "its search tables were folded by another version of qdx (%d, "
		                   "this one folds as %d); run `qdx ingest --db %s` on it to rebuild them",
		                   sqlite3_column_int(st, 0), QDX_FOLD_VERSION, path);
		goto cleanup;
	}
	/* Migration 2 (db.c) indexes items.parent, which the queries walking
	 * the tree need: without it they scan the items at every step.  A
	 * reader cannot migrate; the next ingest does.  An index whose load
	 * is under way (or was killed) has it deferred, listed in qdx_meta:
	 * the answers are the same, found more slowly. */
	if (!sqlite3_column_int(st, 3)) {
		rc = qdx_error_set(err, QDX_EDB, path, 0, 0,
		                   "made by an older qdx; run `qdx ingest --db %s` on it to upgrade it",
		                   path);
		goto cleanup;
	}
	*out = r;
	r = NULL;
	rc = 0;
cleanup:
	sqlite3_finalize(st);
	qdx_reader_close(r);
	return rc;
}

void qdx_reader_close(qdx_reader *r)
{
	if (!r)
		return;
	sqlite3_close(r->db);
	qdx_buf_free(&r->fold);
	free(r->path);
	free(r);
}

/* ---- words ------------------------------------------------------------- */

/* Punctuation and symbols that survive folding: Latin-1 signs, the
 * multiplication and division signs, general punctuation (dashes, curly
 * quotes, "…"), arrows, shapes, CJK and full-width punctuation.  Anything
 * else left after folding is a letter of some script. */
static int is_separator(uint32_t cp)
{
	if (cp < 0x80)
		return !((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ||
		         (cp >= 'A' && cp <= 'Z'));
	return cp <= 0xBF || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
	       (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
	       (cp >= 0xFF00 && cp <= 0xFF0F) || cp == 0xFFFD;
}

void qdx_words_split(qdx_words *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int in = 0;

	w->n = 0;
	w->folded.len = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = qdx_utf8_decode(p + i, n - i, &cp);
		if (!k) {
			cp = 0xFFFD;
			k = 1;
		}
		cp = qdx_fold_cp(cp);
		if (cp == 0) {            /* a combining mark: part of its letter */
			if (in)
				w->v[w->n - 1].to = (uint32_t)(i + k);
		} else if (is_separator(cp)) {
			if (in) {
				qdx_buf_putc(&w->folded, '\0');
				in = 0;
			}
		} else {
			if (!in) {
				if (w->n == w->cap) {
					w->cap = w->cap ? 2 * w->cap : 64;
					w->v = qdx_xrealloc(w->v, w->cap * sizeof(*w->v));
				}
				w->v[w->n].from = (uint32_t)i;
				w->v[w->n].fold = (uint32_t)w->folded.len;
				w->v[w->n].nfold = 0;
				w->n++;
				in = 1;
			}
			qdx_buf_put_utf8(&w->folded, cp);
			w->v[w->n - 1].to = (uint32_t)(i + k);
			w->v[w->n - 1].nfold = (uint32_t)(w->folded.len - w->v[w->n - 1].fold);
		}
		i += k;
	}
	if (in)
		qdx_buf_putc(&w->folded, '\0');
}

void qdx_words_free(qdx_words *w)
{
	free(w->v);
	qdx_buf_free(&w->folded);
	memset(w, 0, sizeof(*w));
}

/* ---- output -------------------------------------------------------------- */

void qdx_out_list(qdx_buf *b, const char *list, const char *sep)
{
	const char *p = list, *q;

	while (p && *p) {
		q = strstr(p, QDX_LIST_SEP);
		if (!q)
			q = p + strlen(p);
		qdx_buf_put(b, p, (size_t)(q - p));
		if (!*q)
			break;
		qdx_buf_puts(b, sep);
		p = q + 1;
	}
}

void qdx_out_json_list(qdx_buf *b, const char *list)
{
	const char *p = list, *q;
	qdx_buf one;

	qdx_buf_init(&one);
	qdx_buf_putc(b, '[');
	while (p && *p) {
		q = strstr(p, QDX_LIST_SEP);
		if (!q)
			q = p + strlen(p);
		one.len = 0;
		qdx_buf_put(&one, p, (size_t)(q - p));
		if (p != list)
			qdx_buf_putc(b, ',');
		qdx_out_json_str(b, one.p);
		if (!*q)
			break;
		p = q + 1;
	}
	qdx_buf_putc(b, ']');
	qdx_buf_free(&one);
}

void qdx_out_json_str(qdx_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		qdx_buf_puts(b, "null");
		return;
	}
	qdx_buf_putc(b, '"');
	for (; *p; p++) {
		switch (*p) {
		case '"': qdx_buf_puts(b, "\\\""); break;
		case '\\': qdx_buf_puts(b, "\\\\"); break;
		case '\n': qdx_buf_puts(b, "\\n"); break;
		case '\r': qdx_buf_puts(b, "\\r"); break;
		case '\t': qdx_buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20)
				qdx_buf_printf(b, "\\u%04x", *p);
			else
				qdx_buf_putc(b, *p);
		}
	}
	qdx_buf_putc(b, '"');
}

void qdx_out_html(qdx_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		const char *e = NULL;
		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		qdx_buf_put(b, s + run, i - run);
		qdx_buf_puts(b, e);
		run = i + 1;
	}
	qdx_buf_put(b, s + run, n - run);
}

size_t qdx_out_width(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, w = 0;

	while (i < n) {
		uint32_t cp;
		size_t k = qdx_utf8_decode(p + i, n - i, &cp);
		if (!k) {
			cp = 0xFFFD;
			k = 1;
		}
		if (!(cp >= 0x300 && cp <= 0x36F))
			w++;
		i += k;
	}
	return w;
}

void qdx_out_cell(qdx_buf *b, const char *s, size_t width, int pad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, w = 0, cut = 0, cutw = 0;

	if (qdx_out_width(s, n) <= width) {
		qdx_buf_put(b, s, n);
		w = qdx_out_width(s, n);
	} else if (width) {
		/* Keep width-1 columns and add "…"; a cut never splits a letter
		 * from its combining marks. */
		while (i < n) {
			uint32_t cp;
			size_t k = qdx_utf8_decode(p + i, n - i, &cp);
			if (!k) {
				cp = 0xFFFD;
				k = 1;
			}
			if (!(cp >= 0x300 && cp <= 0x36F)) {
				if (w == width - 1)
					break;
				w++;
			}
			i += k;
			cut = i;
			cutw = w;
		}
		while (cut && s[cut - 1] == ' ')
			cut--, cutw--;
		qdx_buf_put(b, s, cut);
		qdx_buf_puts(b, "\xe2\x80\xa6");
		w = cutw + 1;
	}
	while (pad && w < width) {
		qdx_buf_putc(b, ' ');
		w++;
	}
}
