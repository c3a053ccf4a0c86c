/*
 * search.c - `qdx search`: full-text search over titles and item texts.
 *
 * The FTS5 tables hold qdx_fold(text) (see db.c), so a query is folded the
 * same way and matched there; the originals come from documents and items.
 *
 * A reader types Vietnamese words as syllables: "vi tri viec lam" is two
 * words of two syllables.  So syllables that stand together in the query
 * are first looked for together, as an FTS5 phrase, and only then anywhere
 * in the row (all of them): a row that says "vị trí việc làm" outranks one
 * that has "vị", "trí", "việc" and "làm" in four places.
 *
 * An exact phrase (in double quotes, or the whole query with --exact) is the
 * folded phrase match narrowed by the original text: the row must contain
 * the phrase as typed, tone marks and đ included, compared after NFC and
 * Unicode case folding.  That keeps "quý" from finding "quy định" while
 * still using the index for the heavy part.
 */
#include "reader.h"

#include <stdlib.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define DEFAULT_LIMIT 20
/* A snippet shows about this many columns of the text around the first
 * match; shorter texts are shown whole. */
#define SNIPPET_WIDTH 160

/* One group of query syllables: the loose words, or one exact phrase. */
typedef struct phrase {
	qdx_words w;
	char *typed;           /* exact phrases: NFC + case-folded, else NULL */
	char **keys;           /* exact phrases: each word NFC + case-folded */
} phrase;

typedef struct query {
	phrase *v;             /* v[0]: the loose words (may be empty) */
	size_t n;
	const qdx_search_options *opt;
	/* what is left to print */
	size_t hits, limit;
	qdx_buf out;
	/* items already printed, so the second pass does not repeat them */
	sqlite3_int64 *seen;
	size_t nseen, capseen;
	/* scratch */
	qdx_words words;
	qdx_buf key;
	char *marks;
	size_t capmarks;
} query;

/* NFC, then Unicode full case folding, through UTF-16 (ICU's C API). */
static int exact_key(qdx_buf *out, const char *s, size_t n)
{
	UErrorCode ec = U_ZERO_ERROR;
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&ec);
	int32_t n16 = 0, m16, f16, n8 = 0;
	UChar *a, *b;

	out->len = 0;
	if (U_FAILURE(ec) || n > (size_t)INT32_MAX / 4)
		return -1;
	u_strFromUTF8(NULL, 0, &n16, s, (int32_t)n, &ec);
	if (ec != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(ec))
		return -1;
	ec = U_ZERO_ERROR;
	/* NFC never grows Vietnamese; folding at most triples a code unit. */
	a = qdx_xmalloc(((size_t)n16 * 3 + 4) * sizeof(UChar));
	b = qdx_xmalloc(((size_t)n16 * 3 + 4) * sizeof(UChar));
	u_strFromUTF8WithSub(a, n16 + 1, &n16, s, (int32_t)n, 0xFFFD, NULL, &ec);
	m16 = unorm2_normalize(nfc, a, n16, b, n16 * 3 + 4, &ec);
	f16 = u_strFoldCase(a, n16 * 3 + 4, b, m16, U_FOLD_CASE_DEFAULT, &ec);
	if (U_SUCCESS(ec))
		u_strToUTF8(NULL, 0, &n8, a, f16, &ec);
	if (ec == U_BUFFER_OVERFLOW_ERROR)
		ec = U_ZERO_ERROR;
	if (U_SUCCESS(ec)) {
		qdx_buf_reserve(out, (size_t)n8);
		u_strToUTF8(out->p, n8 + 1, &n8, a, f16, &ec);
		out->len = (size_t)n8;
		out->p[out->len] = '\0';
	}
	free(a);
	free(b);
	return U_SUCCESS(ec) ? 0 : -1;
}

static phrase *add_phrase(query *q)
{
	q->v = qdx_xrealloc(q->v, (q->n + 1) * sizeof(*q->v));
	memset(&q->v[q->n], 0, sizeof(phrase));
	return &q->v[q->n++];
}

static int add_exact(query *q, const char *s, size_t n)
{
	phrase *p = add_phrase(q);
	qdx_buf b;
	size_t i;

	qdx_words_split(&p->w, s, n);
	if (!p->w.n) {              /* "" or "--": nothing to look for */
		q->n--;
		qdx_words_free(&p->w);
		return 0;
	}
	qdx_buf_init(&b);
	if (exact_key(&b, s, n)) {
		qdx_buf_free(&b);
		return -1;
	}
	p->typed = qdx_buf_detach(&b, NULL);
	/* Each word as typed, to mark only the words that match exactly. */
	p->keys = qdx_xcalloc(p->w.n, sizeof(*p->keys));
	for (i = 0; i < p->w.n; i++) {
		qdx_buf_init(&b);
		if (exact_key(&b, s + p->w.v[i].from, p->w.v[i].to - p->w.v[i].from)) {
			qdx_buf_free(&b);
			return -1;
		}
		p->keys[i] = qdx_buf_detach(&b, NULL);
	}
	return 0;
}

/* Splits the query into the loose words (v[0]) and the exact phrases,
 * quoted with ASCII or curly double quotes. */
static int parse_query(query *q, const char *s, int exact, qdx_error *err)
{
	qdx_buf loose;
	const char *p = s;
	size_t i, total = 0;

	qdx_buf_init(&loose);
	add_phrase(q);
	if (exact) {
		/* --exact: the query is one phrase; quotes around it are allowed. */
		qdx_buf lit;
		qdx_buf_init(&lit);
		for (; *p; p++)
			if (*p != '"')
				qdx_buf_putc(&lit, *p);
		if (add_exact(q, lit.p, lit.len))
			goto bad;
		qdx_buf_free(&lit);
	} else {
		while (*p) {
			size_t open = 0;
			if (*p == '"')
				open = 1;
			else if (!strncmp(p, "\xe2\x80\x9c", 3) || !strncmp(p, "\xe2\x80\x9d", 3))
				open = 3;
			if (!open) {
				qdx_buf_putc(&loose, *p++);
				continue;
			}
			p += open;
			{
				const char *end = p;
				while (*end && *end != '"' && strncmp(end, "\xe2\x80\x9c", 3) &&
				       strncmp(end, "\xe2\x80\x9d", 3))
					end++;
				if (add_exact(q, p, (size_t)(end - p)))
					goto bad;
				p = *end == '"' ? end + 1 : *end ? end + 3 : end;
			}
			qdx_buf_putc(&loose, ' ');
		}
	}
	qdx_words_split(&q->v[0].w, loose.p, loose.len);
	qdx_buf_free(&loose);
	for (i = 0; i < q->n; i++)
		total += q->v[i].w.n;
	if (!total)
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0,
		                     "nothing to search for in '%s': no letters or digits", s);
	return 0;
bad:
	qdx_buf_free(&loose);
	return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0, "cannot read the query '%s'", s);
}

/* Appends an FTS5 phrase of p's syllables: "vi tri viec lam". */
static void put_fts_phrase(qdx_buf *b, const qdx_words *w, size_t from, size_t to)
{
	size_t i;

	qdx_buf_putc(b, '"');
	for (i = from; i < to; i++) {
		if (i > from)
			qdx_buf_putc(b, ' ');
		qdx_buf_puts(b, qdx_word_text(w, i));
	}
	qdx_buf_putc(b, '"');
}

/* The MATCH expression of one pass: the loose syllables as one phrase
 * (pass 0) or each on its own (pass 1), AND every exact phrase. */
static void fts_query(qdx_buf *b, const query *q, int pass)
{
	size_t i, k;

	b->len = 0;
	b->p[0] = '\0';
	if (q->v[0].w.n) {
		if (pass == 0) {
			put_fts_phrase(b, &q->v[0].w, 0, q->v[0].w.n);
		} else {
			for (k = 0; k < q->v[0].w.n; k++) {
				if (k)
					qdx_buf_puts(b, " AND ");
				put_fts_phrase(b, &q->v[0].w, k, k + 1);
			}
		}
	}
	for (i = 1; i < q->n; i++) {
		if (b->len)
			qdx_buf_puts(b, " AND ");
		put_fts_phrase(b, &q->v[i].w, 0, q->v[i].w.n);
	}
}

/* The original text holds every exact phrase as typed. */
static int exact_ok(query *q, const char *text)
{
	size_t i;

	if (q->n < 2)
		return 1;
	if (exact_key(&q->key, text, strlen(text)))
		return 0;
	for (i = 1; i < q->n; i++)
		if (!strstr(q->key.p, q->v[i].typed))
			return 0;
	return 1;
}

static int seen(const query *q, sqlite3_int64 id)
{
	size_t i;

	for (i = 0; i < q->nseen; i++)
		if (q->seen[i] == id)
			return 1;
	return 0;
}

static void remember(query *q, sqlite3_int64 id)
{
	if (q->nseen == q->capseen) {
		q->capseen = q->capseen ? 2 * q->capseen : 32;
		q->seen = qdx_xrealloc(q->seen, q->capseen * sizeof(*q->seen));
	}
	q->seen[q->nseen++] = id;
}

/* Word i of the text is word j of phrase p: folded alike and, for an
 * exact phrase, alike as typed. */
static int word_is(query *q, const char *text, size_t i, const phrase *p, size_t j)
{
	const qdx_word *w = &q->words.v[i];

	if (strcmp(qdx_word_text(&q->words, i), qdx_word_text(&p->w, j)))
		return 0;
	if (!p->keys)
		return 1;
	return !exact_key(&q->key, text + w->from, w->to - w->from) && !strcmp(q->key.p, p->keys[j]);
}

/* Marks, in q->marks, the words of q->words that match: each occurrence of
 * a phrase's syllables in a row, and, when the loose syllables never stand
 * together (the second pass), each loose syllable alone.  An exact phrase's
 * words are marked 2, loose ones 1. */
static int mark_words(query *q, const char *text)
{
	const qdx_words *t = &q->words;
	size_t i, j, k, any = 0;

	if (q->capmarks < t->n + 1) {
		q->capmarks = t->n + 1;
		q->marks = qdx_xrealloc(q->marks, q->capmarks);
	}
	memset(q->marks, 0, t->n + 1);
	for (k = 0; k < q->n; k++) {
		const qdx_words *p = &q->v[k].w;
		size_t found = 0;
		if (!p->n)
			continue;
		for (i = 0; i + p->n <= t->n; i++) {
			for (j = 0; j < p->n; j++)
				if (!word_is(q, text, i + j, &q->v[k], j))
					break;
			if (j == p->n) {
				memset(q->marks + i, k ? 2 : 1, p->n);
				found++;
			}
		}
		if (!found && k == 0) {
			for (i = 0; i < t->n; i++)
				for (j = 0; j < p->n; j++)
					if (!strcmp(qdx_word_text(t, i), qdx_word_text(p, j)))
						q->marks[i] = 1, found++;
		}
		any += found;
	}
	return any > 0;
}

/* Appends the text, or a window of it around the first match, with the
 * matches marked: runs of marked words (and what separates them) become
 * one mark. */
static void put_snippet(query *q, qdx_buf *b, const char *text, int color)
{
	const qdx_words *t = &q->words;
	const char *open = color ? "\033[1;31m" : "[", *close = color ? "\033[0m" : "]";
	size_t n = strlen(text), first = 0, from = 0, to = n, i, pos;

	qdx_words_split(&q->words, text, n);
	mark_words(q, text);
	/* The window opens on the first exact match, the most telling, else
	 * on the first match. */
	for (i = t->n; i-- > 0;)
		if (q->marks[i] && (!q->marks[first] || q->marks[i] >= q->marks[first]))
			first = i;
	if (qdx_out_width(text, n) > SNIPPET_WIDTH && t->n) {
		/* Start a few words before the first match, end at the width. */
		size_t start = first > 8 ? first - 8 : 0, end = start;
		from = start ? t->v[start].from : 0;
		while (end + 1 < t->n && qdx_out_width(text + from, t->v[end + 1].to - from) <= SNIPPET_WIDTH)
			end++;
		to = end + 1 < t->n ? t->v[end].to : n;
	}
	if (from)
		qdx_buf_puts(b, "\xe2\x80\xa6");
	pos = from;
	for (i = 0; i < t->n; i++) {
		size_t j;
		if (!q->marks[i] || t->v[i].from < from || t->v[i].to > to)
			continue;
		for (j = i; j + 1 < t->n && q->marks[j + 1] && t->v[j + 1].to <= to; j++)
			;
		qdx_buf_put(b, text + pos, t->v[i].from - pos);
		qdx_buf_puts(b, open);
		qdx_buf_put(b, text + t->v[i].from, t->v[j].to - t->v[i].from);
		qdx_buf_puts(b, close);
		pos = t->v[j].to;
		i = j;
	}
	qdx_buf_put(b, text + pos, to - pos);
	if (to < n)
		qdx_buf_puts(b, "\xe2\x80\xa6");
}

/* One hit: a title (item_path NULL) or an item. */
static void put_hit(query *q, const char *doc, const char *number, unsigned line,
                    const char *item_path, const char *text)
{
	qdx_buf *b = &q->out;

	if (q->opt->format == QDX_OUT_NDJSON) {
		qdx_buf_puts(b, "{\"path\":");
		qdx_out_json_str(b, doc);
		qdx_buf_puts(b, ",\"number\":");
		qdx_out_json_str(b, *number ? number : NULL);
		qdx_buf_printf(b, ",\"line\":%u,\"in\":", line);
		qdx_out_json_str(b, item_path ? "item" : "title");
		qdx_buf_puts(b, ",\"item\":");
		qdx_out_json_str(b, item_path);
		qdx_buf_puts(b, ",\"text\":");
		qdx_out_json_str(b, text);
		qdx_buf_puts(b, ",\"snippet\":");
		{
			qdx_buf s;
			qdx_buf_init(&s);
			put_snippet(q, &s, text, 0);
			qdx_out_json_str(b, s.p);
			qdx_buf_free(&s);
		}
		qdx_buf_puts(b, "}\n");
	} else {
		qdx_buf_printf(b, "%s:%u: %s", doc, line, item_path ? item_path : "title");
		if (*number)
			qdx_buf_printf(b, " (%s)", number);
		qdx_buf_puts(b, "\n    ");
		put_snippet(q, b, text, q->opt->color);
		qdx_buf_putc(b, '\n');
	}
	q->hits++;
}

/* Titles: a document is found once, in whichever pass finds it first. */
static const char sql_titles[] =
	"SELECT d.id, d.path, coalesce(d.number, d.attached_number, ''),"
	" coalesce((SELECT min(line) FROM parts p WHERE p.doc = d.id AND p.title = d.title),"
	"          (SELECT min(line) FROM parts p WHERE p.doc = d.id), 1), d.title"
	" FROM documents_fts f JOIN documents d ON d.id = f.rowid"
	" WHERE documents_fts MATCH ?1 ORDER BY f.rank, d.path";

static const char sql_items[] =
	"SELECT i.id, d.path, coalesce(d.number, d.attached_number, ''), i.line, i.path, i.text"
	" FROM items_fts f JOIN items i ON i.id = f.rowid JOIN documents d ON d.id = i.doc"
	" WHERE items_fts MATCH ?1 ORDER BY f.rank, d.path, i.line";

static int run_pass(query *q, qdx_reader *r, const char *match, qdx_error *err)
{
	sqlite3_stmt *st;
	int rc, t;

	for (t = 0; t < 2 && q->hits < q->limit; t++) {
		if ((rc = qdx_reader_prepare(r, &st, t ? sql_items : sql_titles, err)))
			return rc;
		sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
		while (q->hits < q->limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			/* Titles and items share the seen list: their ids are
			 * told apart by sign. */
			sqlite3_int64 id = sqlite3_column_int64(st, 0) * (t ? 1 : -1);
			const char *text = qdx_col(st, t ? 5 : 4);
			if (seen(q, id) || !exact_ok(q, text))
				continue;
			remember(q, id);
			put_hit(q, qdx_col(st, 1), qdx_col(st, 2), (unsigned)sqlite3_column_int(st, 3),
			        t ? qdx_col(st, 4) : NULL, text);
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			rc = qdx_reader_error(r, err, "cannot search");
			sqlite3_finalize(st);
			return rc;
		}
		sqlite3_finalize(st);
	}
	return 0;
}

int qdx_search(char **out, size_t *len, size_t *hits, qdx_reader *r, const char *text,
               const qdx_search_options *opt, qdx_error *err)
{
	static const qdx_search_options defaults = { 0, 0, 0, QDX_OUT_TEXT };
	query q;
	qdx_buf match;
	size_t i;
	int rc;

	*out = NULL;
	*len = *hits = 0;
	if (!opt)
		opt = &defaults;
	if (opt->format != QDX_OUT_TEXT && opt->format != QDX_OUT_NDJSON)
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0,
		                     "search prints text or ndjson only");
	memset(&q, 0, sizeof(q));
	q.opt = opt;
	q.limit = opt->limit ? opt->limit : DEFAULT_LIMIT;
	qdx_buf_init(&q.out);
	qdx_buf_init(&q.key);
	qdx_buf_init(&match);
	if ((rc = parse_query(&q, text ? text : "", opt->exact, err)))
		goto cleanup;
	/* Pass 0: the loose syllables together; pass 1: anywhere in the row.
	 * With one loose syllable or none the passes are the same. */
	for (i = 0; i < 2; i++) {
		if (i == 1 && q.v[0].w.n < 2)
			break;
		qdx_buf_reserve(&match, 1);
		fts_query(&match, &q, (int)i);
		if ((rc = run_pass(&q, r, match.p, err)))
			goto cleanup;
	}
	*hits = q.hits;
	*out = qdx_buf_detach(&q.out, len);
	rc = 0;
cleanup:
	for (i = 0; i < q.n; i++) {
		size_t k;
		for (k = 0; q.v[i].keys && k < q.v[i].w.n; k++)
			free(q.v[i].keys[k]);
		free(q.v[i].keys);
		qdx_words_free(&q.v[i].w);
		free(q.v[i].typed);
	}
	free(q.v);
	free(q.seen);
	free(q.marks);
	qdx_words_free(&q.words);
	qdx_buf_free(&q.key);
	qdx_buf_free(&q.out);
	qdx_buf_free(&match);
	return rc;
}
