/*
 * stats.c - `qdx stats`: what the index holds, counted.
 *
 * Every figure is one GROUP BY; the text and the JSON are two renderings of
 * the same list of sections, so they cannot disagree.
 */
#include "reader.h"

#include <stdlib.h>

typedef struct section {
	const char *key;        /* JSON key */
	const char *title;      /* text heading */
	const char *sql;        /* rows of (label, count) */
} section;

/* A NULL label is shown as "(none)": a document whose province or year is
 * unknown still counts. */
static const section sections[] = {
	{ "documents_by_kind", "documents by kind",
	  "SELECT kind, count(*) FROM documents GROUP BY kind ORDER BY count(*) DESC, kind" },
	{ "documents_by_province", "documents by province",
	  "SELECT province, count(*) FROM documents GROUP BY province"
	  " ORDER BY count(*) DESC, province" },
	{ "documents_by_year", "documents by year",
	  "SELECT year, count(*) FROM documents GROUP BY year ORDER BY year DESC" },
	{ "deadlines_by_kind", "deadlines by kind",
	  "SELECT kind, count(*) FROM deadlines GROUP BY kind ORDER BY count(*) DESC, kind" },
	/* Agencies are counted once per item they lead, under their
	 * canonical name ("UBND tỉnh" and "Ủy ban nhân dân tỉnh" are one). */
	{ "top_lead_agencies", "top lead agencies (canonical name, items led)",
	  "SELECT coalesce(canonical, text), count(DISTINCT item) FROM agencies WHERE role = 'lead'"
	  " GROUP BY coalesce(canonical, text) ORDER BY count(DISTINCT item) DESC, 1"
	  " LIMIT 15" },
};

static const char sql_totals[] =
	"SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM parts),"
	" (SELECT count(*) FROM items), (SELECT count(*) FROM deadlines),"
	" (SELECT count(*) FROM agencies), (SELECT count(*) FROM citations),"
	" (SELECT count(*) FROM budgets)";

static const char *const totals[] = {
	"documents", "parts", "items", "deadlines", "agencies", "citations", "budgets"
};

static int put_section(qdx_buf *b, qdx_reader *r, const section *s, qdx_output format,
                       qdx_error *err)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	if ((rc = qdx_reader_prepare(r, &st, s->sql, err)))
		return rc;
	if (format == QDX_OUT_JSON) {
		qdx_buf_printf(b, ",\n  \"%s\": [", s->key);
	} else {
		qdx_buf_printf(b, "\n%s\n", s->title);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *label = sqlite3_column_type(st, 0) == SQLITE_NULL ? NULL : qdx_col(st, 0);
		long long count = sqlite3_column_int64(st, 1);
		if (format == QDX_OUT_JSON) {
			qdx_buf_puts(b, n ? ", {\"name\": " : "{\"name\": ");
			if (label && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
				qdx_buf_puts(b, label);
			else
				qdx_out_json_str(b, label);
			qdx_buf_printf(b, ", \"count\": %lld}", count);
		} else {
			qdx_buf_printf(b, "  %6lld  %s\n", count, label ? label : "(none)");
		}
		n++;
	}
	if (format == QDX_OUT_JSON)
		qdx_buf_putc(b, ']');
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : qdx_reader_error(r, err, "cannot count");
}

int qdx_stats(char **out, size_t *len, qdx_reader *r, qdx_output format, qdx_error *err)
{
	sqlite3_stmt *st;
	qdx_buf b;
	size_t i;
	int rc;

	*out = NULL;
	*len = 0;
	if (format != QDX_OUT_TEXT && format != QDX_OUT_JSON)
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0, "stats prints text or json");
	if ((rc = qdx_reader_prepare(r, &st, sql_totals, err)))
		return rc;
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = qdx_reader_error(r, err, "cannot count");
		sqlite3_finalize(st);
		return rc;
	}
	qdx_buf_init(&b);
	if (format == QDX_OUT_JSON)
		qdx_buf_puts(&b, "{\n  \"index\": ");
	if (format == QDX_OUT_JSON)
		qdx_out_json_str(&b, r->path);
	else
		qdx_buf_printf(&b, "%s\n", r->path);
	for (i = 0; i < QDX_COUNT(totals); i++) {
		long long v = sqlite3_column_int64(st, (int)i);
		if (format == QDX_OUT_JSON)
			qdx_buf_printf(&b, ",\n  \"%s\": %lld", totals[i], v);
		else
			qdx_buf_printf(&b, "  %6lld  %s\n", v, totals[i]);
	}
	sqlite3_finalize(st);
	for (i = 0; i < QDX_COUNT(sections); i++)
		if ((rc = put_section(&b, r, &sections[i], format, err)))
			goto cleanup;
	if (format == QDX_OUT_JSON)
		qdx_buf_puts(&b, "\n}\n");
	*out = qdx_buf_detach(&b, len);
	rc = 0;
cleanup:
	qdx_buf_free(&b);
	return rc;
}
