/*
 * table.c - task tables in every layout converters produce -> item rows.
 *
 * Two physical layouts reach here after normalisation: a row per line with
 * cells separated by tabs (tab-separated text, pipe tables and HTML rows
 * all become this), and a cell per line, each line starting with a tab,
 * rows separated by a blank line.  Both are read into the same rows of
 * cells; then one pass finds the header (its words give each column a role
 * through rules/table.rules), drops header rows repeated after page breaks,
 * joins rows a page break split (an empty STT cell continuing the text) and
 * nests the rows by their STT labels the way prose items nest.  A third
 * layout, PDF text with each cell's lines written column after column,
 * is read into the same rows by pdftable.c and nested here alike.
 */
#include "internal.h"
#include "hierarchy.h"
#include "rules.h"

#include <stdlib.h>

#define MAX_COLS QDX_TABLE_COLS

enum role {
	R_NONE = QDX_COL_NONE,
	R_STT = QDX_COL_STT,
	R_CONTENT = QDX_COL_CONTENT,
	R_LEAD = QDX_COL_LEAD,
	R_PARTNERS = QDX_COL_PARTNERS,
	R_TIME = QDX_COL_TIME,
	R_BUDGET = QDX_COL_BUDGET,
	R_PRODUCT = QDX_COL_PRODUCT,
	R_NOTE = QDX_COL_NOTE
};
static const char *const role_names[] = { "", "stt", "content", "lead", "partners",
	                                  "time", "budget", "product", "note" };
static const char *const role_attrs[] = { NULL, NULL, NULL, "cell.lead", "cell.partners",
	                                  "cell.time", "cell.budget", "cell.product", "cell.note" };

typedef qdx_table_row row;

typedef struct table {
	qdx_doc *doc;
	const qdx_text *t;
	int roles[MAX_COLS];
	int ncols, has_header;
	qdx_buf header_sig;            /* the header's cells, to spot repeats */
} table;

void qdx_table_row_init(row *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < MAX_COLS; i++)
		qdx_buf_init(&r->cells[i]);
}

void qdx_table_row_free(row *r)
{
	int i;

	for (i = 0; i < MAX_COLS; i++)
		qdx_buf_free(&r->cells[i]);
}

void qdx_table_cell_append(qdx_buf *c, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n)
		return;
	if (c->len)
		qdx_buf_putc(c, ' ');
	qdx_buf_put(c, s, n);
}

/* Reads one row starting at line i; returns the line after it.  `ncols`
 * is the header's width (0 before the header): in the one-cell-per-line
 * layout a cell's text can run onto a line of its own, even past a blank
 * line, and such a line belongs to the row while the row is short. */
static size_t read_row(const qdx_text *t, size_t i, size_t to, row *r, int ncols)
{
	const char *s = qdx_text_line(t, i);

	r->line = t->v[i].no;
	r->from = i;
	if (t->v[i].flags & QDX_LINE_ROW) {
		const char *p = s, *end = s + t->v[i].len;
		while (p <= end && r->ncells < MAX_COLS) {
			const char *tab = memchr(p, '\t', (size_t)(end - p));
			const char *e = tab ? tab : end;
			qdx_table_cell_append(&r->cells[r->ncells++], p, (size_t)(e - p));
			p = e + 1;
		}
		r->to = i + 1;
		return i + 1;
	}
	/* One cell per line until a blank line or a line that is no cell. */
	for (;;) {
		size_t j = i;
		if (i < to && t->v[i].len && (t->v[i].flags & QDX_LINE_CELL)) {
			if (r->ncells < MAX_COLS)
				qdx_table_cell_append(&r->cells[r->ncells++], qdx_text_line(t, i), t->v[i].len);
			else
				qdx_table_cell_append(&r->cells[MAX_COLS - 1], qdx_text_line(t, i), t->v[i].len);
			i++;
			continue;
		}
		if (!r->ncells || r->ncells >= ncols)
			break;
		while (j < to && !t->v[j].len)
			j++;
		if (j + 1 >= to || !t->v[j].len || (t->v[j].flags & (QDX_LINE_CELL | QDX_LINE_ROW)) ||
		    !(t->v[j + 1].flags & QDX_LINE_CELL))
			break;
		qdx_table_cell_append(&r->cells[r->ncells - 1], qdx_text_line(t, j), t->v[j].len);
		i = j + 1;
	}
	r->to = i;
	return i;
}

static int filled(const row *r)
{
	int i, n = 0;

	for (i = 0; i < r->ncells; i++)
		n += r->cells[i].len > 0;
	return n;
}

/* rules/table.rules' rules and the role each gives (`role stt`), read
 * from their attributes once per document: the table stage asks on every
 * short line of a body, and comparing the names there cost ~1% of a
 * parse. */
struct table_roles {
	const qdx_ruleset *set;
	unsigned char *role;                  /* per rule: R_*, R_NONE without */
	size_t last[QDX_COUNT(role_names)];   /* 1 + the last rule giving each */
};

static const struct table_roles *roles_of(qdx_doc *doc)
{
	struct table_roles *tr = doc->roles;
	size_t k;
	int i;

	if (tr)
		return tr;
	tr = qdx_arena_alloc(&doc->arena, sizeof(*tr));
	tr->set = doc->rules ? qdx_rules_set(doc->rules, "table") : NULL;
	tr->role = qdx_arena_alloc(&doc->arena, tr->set ? tr->set->n + 1 : 1);
	for (k = 0; tr->set && k < tr->set->n; k++) {
		const char *role = qdx_rule_attr(&tr->set->v[k], "role");
		for (i = 1; role && i < (int)QDX_COUNT(role_names); i++)
			if (!strcmp(role_names[i], role)) {
				tr->role[k] = (unsigned char)i;
				tr->last[i] = k + 1;
			}
	}
	doc->roles = tr;
	return tr;
}

int qdx_table_role_is(qdx_doc *doc, const char *cell, size_t n, int role)
{
	const struct table_roles *tr;
	size_t k;
	qdx_match m;

	if (role <= R_NONE || role > R_NOTE)
		return 0;
	tr = roles_of(doc);
	/* The rules that could win before the last one giving `role`: the
	 * first of them that matches decides, as in qdx_table_role(). */
	for (k = 0; k < tr->last[role]; k++)
		if (tr->role[k] != R_NONE &&
		    qdx_rule_search(&tr->set->v[k], doc->matcher, cell, n, 0, &m) == 1)
			return tr->role[k] == role;
	return 0;
}

int qdx_table_role(qdx_doc *doc, const char *cell, size_t n)
{
	const struct table_roles *tr = roles_of(doc);
	size_t k;
	qdx_match m;

	/* One pass of the combined pattern says whether any rule matches at
	 * all (most cells name no column); then the rules in priority order. */
	if (!tr->set || qdx_ruleset_search(tr->set, doc->matcher, cell, n, 0, &m) != 1)
		return R_NONE;
	for (k = 0; k < tr->set->n; k++)
		if (qdx_rule_search(&tr->set->v[k], doc->matcher, cell, n, 0, &m) == 1 &&
		    tr->role[k] != R_NONE)
			return tr->role[k];
	return R_NONE;
}

static void header_signature(const row *r, qdx_buf *out)
{
	int i;

	out->len = 0;
	for (i = 0; i < r->ncells; i++) {
		qdx_buf_put(out, r->cells[i].p, r->cells[i].len);
		qdx_buf_putc(out, '\t');
	}
}

/* A header row names at least two roles, content or STT among them. */
static int try_header(table *tb, const row *r)
{
	int roles[MAX_COLS], i, named = 0, key = 0;

	for (i = 0; i < r->ncells; i++) {
		roles[i] = r->cells[i].len < 80 ? qdx_table_role(tb->doc, r->cells[i].p, r->cells[i].len)
		                                : R_NONE;
		named += roles[i] != R_NONE;
		key += roles[i] == R_CONTENT || roles[i] == R_STT;
	}
	if (named < 2 || !key)
		return 0;
	memcpy(tb->roles, roles, sizeof(roles));
	tb->ncols = r->ncells;
	tb->has_header = 1;
	/* Without a named content column, the one after STT holds the text. */
	for (i = 0; i < r->ncells && roles[i] != R_CONTENT; i++)
		;
	if (i == r->ncells && r->ncells > 1 && roles[1] == R_NONE)
		tb->roles[1] = R_CONTENT;
	header_signature(r, &tb->header_sig);
	return 1;
}

static int col_of(const table *tb, int role)
{
	int i;

	for (i = 0; i < tb->ncols; i++)
		if (tb->roles[i] == role)
			return i;
	return -1;
}


/* Group rows repeat their heading in every cell (one-cell-per-line
 * layout) or leave every cell but the first two empty. */
static int all_same(const row *r)
{
	int i;

	for (i = 2; i < r->ncells; i++)
		if (r->cells[i].len != r->cells[1].len ||
		    memcmp(r->cells[i].p, r->cells[1].p, r->cells[1].len))
			return 0;
	return r->ncells > 2;
}

const char *qdx_label_key(const char *label)
{
	size_t n = strlen(label), i, dots = 0;

	if (!n)
		return "empty";
	if (strspn(label, "IVXLC") == n)
		return "roman";
	if (strspn(label, "0123456789") == n)
		return "arabic";
	for (i = 0; i < n; i++)
		dots += label[i] == '.';
	if (dots && strspn(label, "0123456789.") == n)
		return dots == 1 ? "decimal2" : dots == 2 ? "decimal3" : "decimal4";
	return "alpha";
}

typedef struct nest {
	qdx_node *node[8];
	const char *key[8];
	int depth;
} nest;

static void emit_row(table *tb, row *r, qdx_node *parent, nest *ns)
{
	qdx_doc *doc = tb->doc;
	int stt = col_of(tb, R_STT), content = col_of(tb, R_CONTENT), i, d;
	qdx_node *item;
	const char *label, *key;
	qdx_buf *text;
	qdx_span lab = { "", 0 };
	qdx_match m;
	size_t skip = 0;

	if (stt < 0)
		stt = 0;
	if (content < 0)
		content = tb->ncols > 1 ? 1 : 0;
	/* An STT cell may hold a whole group heading: "I. CÔNG TÁC CHỈ ĐẠO". */
	if (stt < r->ncells && r->cells[stt].len &&
	    qdx_ruleset_classify(qdx_rules_set(doc->rules, "hierarchy"), doc->matcher,
	                         r->cells[stt].p, r->cells[stt].len, &m) == 1 &&
	    qdx_match_group(&m, "label", &lab)) {
		skip = m.end;
	} else if (stt < r->ncells) {
		lab.p = r->cells[stt].p;
		lab.n = strcspn(lab.p, ".) ");
		skip = r->cells[stt].len;
	}
	label = qdx_arena_strndup(&doc->arena, lab.p, lab.n);
	text = content < r->ncells ? &r->cells[content] : NULL;
	item = qdx_node_new(doc, QDX_NODE_ITEM, r->line);
	item->type = "row";
	item->label = label;
	if (skip < r->cells[stt].len && (!text || !text->len || text == &r->cells[stt] || all_same(r)))
		item->text = qdx_arena_strdup(&doc->arena, r->cells[stt].p + skip +
		                                                   strspn(r->cells[stt].p + skip, " "));
	else
		item->text = text ? qdx_arena_strndup(&doc->arena, text->p, text->len) : "";
	item->span_from = (uint32_t)r->from;
	item->span_to = (uint32_t)r->to;
	if (!all_same(r)) {
		for (i = 0; i < r->ncells && i < tb->ncols; i++)
			if (role_attrs[tb->roles[i]] && r->cells[i].len)
				qdx_node_set_attr(doc, item, role_attrs[tb->roles[i]],
				                  qdx_arena_intern(&doc->arena, r->cells[i].p,
				                                   r->cells[i].len));
	}
	key = qdx_label_key(label);
	for (d = ns->depth - 1; d >= 0 && strcmp(ns->key[d], key); d--)
		;
	if (d < 0)
		d = ns->depth < (int)QDX_COUNT(ns->node) ? ns->depth : ns->depth - 1;
	item->level = parent->kind == QDX_NODE_ITEM ? parent->level + 1 + d : d;
	qdx_node_append(d ? ns->node[d - 1] : parent, item);
	ns->node[d] = item;
	ns->key[d] = key;
	ns->depth = d + 1;
}

/* Joins a row a page break split onto the row before it, cell by cell. */
static void join_rows(row *prev, const row *r)
{
	int i;

	for (i = 0; i < r->ncells && i < MAX_COLS; i++)
		qdx_table_cell_append(&prev->cells[i], r->cells[i].p, r->cells[i].len);
	if (prev->ncells < r->ncells)
		prev->ncells = r->ncells;
	prev->to = r->to;
}

static int is_continuation(const table *tb, const row *prev, const row *r)
{
	int stt = col_of(tb, R_STT), content = col_of(tb, R_CONTENT);

	if (stt < 0)
		stt = 0;
	if (content < 0)
		content = 1;
	if (!prev->ncells || (stt < r->ncells && r->cells[stt].len))
		return 0;
	if (content >= r->ncells || !r->cells[content].len)
		return 1;
	return qdx_starts_lower(r->cells[content].p, r->cells[content].len);
}

/* Does an appendix heading ("PHỤ LỤC", rules/segment.rules) stand in the
 * few lines above line `from`?  A table under its own appendix heading is
 * no part of the item the text before it ended with. */
static int under_appendix(qdx_doc *doc, const qdx_text *t, size_t from)
{
	const qdx_ruleset *seg = qdx_rules_set(doc->rules, "segment");
	size_t k, seen = 0;
	qdx_match m;

	for (k = from; seg && k-- > 0 && seen < 8;) {
		const char *what;
		if (!t->v[k].len)
			continue;
		seen++;
		if (qdx_ruleset_classify(seg, doc->matcher, qdx_text_line(t, k), t->v[k].len, &m) != 1)
			continue;
		what = qdx_rule_attr(m.rule, "line");
		if (what && !strcmp(what, "appendix"))
			return 1;
	}
	return 0;
}

/* A table from PDF text: pdftable.c has read its rows, the header first. */
static size_t build_pdf(qdx_doc *doc, const qdx_text *t, size_t from, size_t to,
                        qdx_node *parent)
{
	table tb;
	nest ns;
	qdx_table_row *rows = NULL;
	size_t nrows = 0, next, k;

	if (under_appendix(doc, t, from))
		while (parent->kind == QDX_NODE_ITEM && parent->parent)
			parent = parent->parent;
	memset(&tb, 0, sizeof(tb));
	memset(&ns, 0, sizeof(ns));
	tb.doc = doc;
	tb.t = t;
	qdx_buf_init(&tb.header_sig);
	next = qdx_table_pdf_read(doc, t, from, to, &rows, &nrows);
	if (nrows < 2 || !try_header(&tb, &rows[0]))
		next = from;
	else
		for (k = 1; k < nrows; k++)
			emit_row(&tb, &rows[k], parent, &ns);
	for (k = 0; k < nrows; k++)
		qdx_table_row_free(&rows[k]);
	free(rows);
	qdx_buf_free(&tb.header_sig);
	return next;
}

size_t qdx_table_build(qdx_doc *doc, const qdx_text *t, size_t from, size_t to, qdx_node *parent)
{
	table tb;
	row prev, cur;
	nest ns;
	size_t i = from;
	qdx_buf sig;

	if (from < to && !(t->v[from].flags & (QDX_LINE_ROW | QDX_LINE_CELL)))
		return build_pdf(doc, t, from, to, parent);
	memset(&tb, 0, sizeof(tb));
	memset(&ns, 0, sizeof(ns));
	tb.doc = doc;
	tb.t = t;
	qdx_buf_init(&tb.header_sig);
	qdx_buf_init(&sig);
	qdx_table_row_init(&prev);
	while (i < to) {
		if (!t->v[i].len) {
			/* A blank line inside a table; the table ends where no row follows. */
			size_t j = i;
			while (j < to && !t->v[j].len)
				j++;
			if (j >= to || !(t->v[j].flags & (QDX_LINE_ROW | QDX_LINE_CELL)))
				break;
			i = j;
			continue;
		}
		if (!(t->v[i].flags & (QDX_LINE_ROW | QDX_LINE_CELL)))
			break;
		qdx_table_row_init(&cur);
		i = read_row(t, i, to, &cur, tb.ncols);
		if (!tb.has_header && try_header(&tb, &cur)) {
			qdx_table_row_free(&cur);
			continue;
		}
		/* Tab-indented prose looks like one cell per line, or like a row
		 * of one cell; without a header naming its columns it is no table. */
		if (!tb.has_header && (!(t->v[cur.from].flags & QDX_LINE_ROW) || filled(&cur) < 2)) {
			qdx_table_row_free(&cur);
			i = from;
			break;
		}
		if (!tb.has_header) {
			/* No header: assume STT then content. */
			tb.ncols = cur.ncells;
			tb.roles[0] = R_STT;
			tb.roles[1] = R_CONTENT;
			tb.has_header = 1;
		}
		header_signature(&cur, &sig);
		if (sig.len == tb.header_sig.len && !memcmp(sig.p, tb.header_sig.p, sig.len)) {
			qdx_table_row_free(&cur);    /* the header again after a page break */
			continue;
		}
		if (is_continuation(&tb, &prev, &cur)) {
			join_rows(&prev, &cur);
			qdx_table_row_free(&cur);
			continue;
		}
		if (prev.ncells)
			emit_row(&tb, &prev, parent, &ns);
		qdx_table_row_free(&prev);
		prev = cur;
	}
	if (prev.ncells)
		emit_row(&tb, &prev, parent, &ns);
	qdx_table_row_free(&prev);
	qdx_buf_free(&tb.header_sig);
	qdx_buf_free(&sig);
	return i;
}
