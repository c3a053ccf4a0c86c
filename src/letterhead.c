/*
 * letterhead.c - the two columns of a letterhead, one piece per line.
 *
 * Nghị định 30/2020/NĐ-CP sets the issuer and the number on the left and
 * the national motto and the place and date on the right.  Converters keep
 * the columns as table cells (a row per line, or one cell per line with
 * "|" borders) or run them together on one line.  Segmenting reads one
 * piece per line, so this stage unfolds the top of the file: the cells of
 * consecutive rows column by column, then each piece split where
 * rules/letterhead.rules finds a seam.  Every piece keeps the number of
 * the line it came from.
 */
#include "internal.h"
#include "segment.h"

/* Letterheads sit above the kind line; no document has one lower. */
#define LETTERHEAD_LINES 40
/* Pieces run together are short: a line longer than this is prose. */
#define PIECE_MAX 240

static uint32_t piece_flags(const char *s, size_t n, uint32_t line_flags);

/* Appends s[0..n) split at every seam the rules find; each piece gets the
 * line's bold flag and its own upper-case flag. */
static void add_pieces(qdx_doc *doc, const qdx_ruleset *seams, qdx_text *out, const char *s,
                       size_t n, uint32_t no, uint32_t flags)
{
	qdx_match m;
	size_t from = 0;

	while (seams && n <= PIECE_MAX && qdx_ruleset_search(seams, doc->matcher, s, n, from, &m) == 1 &&
	       m.end > m.start) {
		if (m.start > from)
			qdx_text_add(out, s + from, m.start - from, no,
			             piece_flags(s + from, m.start - from, flags));
		from = m.end;
	}
	if (!from)
		qdx_text_add(out, s, n, no, flags);    /* no seam: the line as it was */
	else if (n > from)
		qdx_text_add(out, s + from, n - from, no, piece_flags(s + from, n - from, flags));
}

static uint32_t piece_flags(const char *s, size_t n, uint32_t line_flags)
{
	uint32_t f = line_flags & QDX_LINE_BOLD;

	return qdx_upper_only(s, n) ? f | QDX_LINE_UPPER : f;
}

/* Cell k of a tab-separated row, or an empty span. */
static qdx_span cell(const char *s, size_t n, int k)
{
	qdx_span c = { s, 0 };
	const char *end = s + n, *p = s;

	for (; k > 0 && p; k--) {
		p = memchr(p, '\t', (size_t)(end - p));
		if (p)
			p++;
	}
	if (!p)
		return c;
	c.p = p;
	p = memchr(p, '\t', (size_t)(end - p));
	c.n = (size_t)((p ? p : end) - c.p);
	return c;
}

static int count_cells(const char *s, size_t n)
{
	int k = 1;
	size_t i;

	for (i = 0; i < n; i++)
		k += s[i] == '\t';
	return k;
}

/* Does a cell of rows [from, to) hold a piece only a letterhead has? */
static int holds_letterhead(qdx_doc *doc, const qdx_text *in, size_t from, size_t to, int cols)
{
	const qdx_ruleset *seg = qdx_rules_set(doc->rules, "segment");
	size_t j;
	int col;
	qdx_match m;

	for (j = from; seg && j < to; j++) {
		for (col = 0; col < cols; col++) {
			qdx_span c = cell(qdx_text_line(in, j), in->v[j].len, col);
			const char *what;
			if (!c.n || qdx_ruleset_classify(seg, doc->matcher, c.p, c.n, &m) != 1)
				continue;
			what = qdx_rule_attr(m.rule, "line");
			if (what && (!strcmp(what, "motto") || !strcmp(what, "number") ||
			             !strcmp(what, "date")))
				return 1;
		}
	}
	return 0;
}

/* Appends lines [from, to) of in as they are. */
static void add_lines(qdx_text *out, const qdx_text *in, size_t from, size_t to)
{
	for (; from < to; from++)
		qdx_text_add(out, qdx_text_line(in, from), in->v[from].len, in->v[from].no,
		             in->v[from].flags);
}

int qdx_letterhead_unfold(qdx_doc *doc, const qdx_text *in, qdx_text *out)
{
	const qdx_ruleset *seams = qdx_rules_set(doc->rules, "letterhead");
	size_t i, top = in->n < LETTERHEAD_LINES ? in->n : LETTERHEAD_LINES;

	/* The lines above the first row or seam stay as they are. */
	for (i = 0; i < top; i++) {
		qdx_match m;
		if ((in->v[i].flags & QDX_LINE_ROW) ||
		    (in->v[i].len <= PIECE_MAX && seams &&
		     qdx_ruleset_search(seams, doc->matcher, qdx_text_line(in, i), in->v[i].len, 0,
		                        &m) == 1))
			break;
	}
	if (i == top)
		return 0;
	qdx_buf_reserve(&out->buf, in->buf.len + 64);
	add_lines(out, in, 0, i);
	for (; i < top; i++) {
		const qdx_line *l = &in->v[i];
		const char *s = qdx_text_line(in, i);
		size_t j, end = i;
		int col, cols = 0;

		if (!(l->flags & QDX_LINE_ROW)) {
			add_pieces(doc, seams, out, s, l->len, l->no, l->flags);
			continue;
		}
		/* A run of rows: each column top to bottom, left to right, when
		 * the run holds the motto, a number or a date; else a table. */
		while (end < top && (in->v[end].flags & QDX_LINE_ROW)) {
			int c = count_cells(qdx_text_line(in, end), in->v[end].len);
			cols = c > cols ? c : cols;
			end++;
		}
		if (!holds_letterhead(doc, in, i, end, cols)) {
			add_lines(out, in, i, end);
			i = end - 1;
			continue;
		}
		for (col = 0; col < cols; col++) {
			for (j = i; j < end; j++) {
				qdx_span c = cell(qdx_text_line(in, j), in->v[j].len, col);
				if (c.n)
					add_pieces(doc, seams, out, c.p, c.n, in->v[j].no,
					           piece_flags(c.p, c.n, in->v[j].flags));
			}
		}
		i = end - 1;
	}
	add_lines(out, in, top, in->n);
	return 1;
}
