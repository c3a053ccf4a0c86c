/*
 * agency.c - who leads a task and who helps.
 *
 * Three sources, in the contract's order: a table row's "Cơ quan chủ trì"
 * and "Cơ quan phối hợp" cells; the labelled fields of prose ("- Cơ quan
 * thực hiện: Bộ Công an, Bộ Tư pháp ..."); and running text, where
 * rules/agencies.rules says where a list of agencies stands ("Sở Nội vụ
 * chủ trì", "phối hợp với Sở Tài chính và các đơn vị có liên quan đôn
 * đốc ...") and its helper rules say where an agency starts (body) and
 * where running text takes over again (stop).  The "X:" heading of an
 * assignment item ("b) Sở Tài chính: ...", "2. Giao Công an thành phố có
 * trách nhiệm ...") names its lead as well.
 *
 * A list is split into agencies at ";" and, where the next words start
 * an agency, at "," and "và": "Sở Kế hoạch và Đầu tư" and "Các sở, ban,
 * ngành" stay whole.
 */
#include "extract.h"
#include "rules.h"

#include <stdint.h>
#include <stdlib.h>

#define MAX_AGENCIES 32

/* ---- canonical names a thread remembers --------------------------------------- */

/* The same few hundred agencies recur across plans, and expanding one
 * searches all the abbreviations: each thread keeps the names it has
 * expanded (in extract.c's memo of the thread). */

#define CANON_SLOTS 2048        /* a power of two; emptied when 3/4 full */
#define CANON_POOL (1u << 20)   /* bytes of remembered names before emptying */

typedef struct canon_slot {
	uint32_t hash, n, cn;   /* n == 0: empty */
	uint32_t off;           /* the text at pool + off, its canonical name after it */
} canon_slot;

struct qdx_canon {
	size_t n;
	canon_slot slot[CANON_SLOTS];
	qdx_buf pool;
};

qdx_canon *qdx_canon_new(void)
{
	qdx_canon *c = qdx_xcalloc(1, sizeof(*c));

	qdx_buf_init(&c->pool);
	return c;
}

void qdx_canon_clear(qdx_canon *c)
{
	memset(c->slot, 0, sizeof(c->slot));
	c->n = 0;
	c->pool.len = 0;
}

void qdx_canon_free(qdx_canon *c)
{
	if (!c)
		return;
	qdx_buf_free(&c->pool);
	free(c);
}

/* ---- the helpers ------------------------------------------------------------- */

typedef struct ag {
	const qdx_ruleset *set;
	const qdx_rule *body, *stop, *prefix;
	qdx_matcher *mt;
	qdx_buf *scratch;
} ag;

typedef struct piece {
	size_t a, b;
} piece;

static void ag_init(ag *g, const qdx_ruleset *set, qdx_matcher *mt, qdx_buf *scratch)
{
	g->set = set;
	g->mt = mt;
	g->scratch = scratch;
	g->body = set ? qdx_rule_named(set, "body") : NULL;
	g->stop = set ? qdx_rule_named(set, "stop") : NULL;
	g->prefix = set ? qdx_rule_named(set, "prefix") : NULL;
}

/* The same from the document's context, where the helpers are looked up
 * once per document. */
static void ag_from(ag *g, qdx_xctx *x)
{
	g->set = x->agencies;
	g->mt = x->mt;
	g->scratch = &x->help;
	g->body = x->body;
	g->stop = x->stop;
	g->prefix = x->prefix;
}

/* Does helper `r` match right at `pos`?  *end gets where it ends.  Agency
 * heads, stop words and prefixes are short: 96 bytes of text suffice. */
static int at(const ag *g, const qdx_rule *r, const char *s, size_t n, size_t pos, size_t *end)
{
	return qdx_helper_at(g->scratch, g->mt, r, s, n, pos, 96, end, NULL);
}

/* Skips spaces, bullets and dashes ("-", "+", "*", "–", "•"). */
static size_t skip_lead(const char *s, size_t i, size_t b)
{
	while (i < b) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '-' || c == '+' || c == '*' || c == ',')
			i++;
		else if (c == 0xE2 && i + 2 < b && (unsigned char)s[i + 1] == 0x80)
			i += 3;
		else
			break;
	}
	return i;
}

/* Where a list that starts at `a` ends, before `b`: a sentence's end, ';',
 * ':', a parenthesis in running text, or (trunc) a word of rule stop. */
static size_t list_end(const ag *g, const char *s, size_t a, size_t b, int trunc, int prose)
{
	size_t i;

	for (i = a; i < b; i++) {
		char c = s[i];
		if (c == ';' || c == ':')
			return i;
		if (prose && (c == '(' || c == ')'))
			return i;
		if (c == '.' && (i + 1 == b || s[i + 1] == ' '))
			return i;
		if (trunc && i > a && s[i - 1] == ' ' && !(c >= 'A' && c <= 'Z') &&
		    at(g, g->stop, s, b, i, NULL))
			return i;
	}
	return b;
}

/* " và " at i (the connector between two agencies). */
static int is_va(const char *s, size_t i, size_t b)
{
	return i + 5 <= b && !memcmp(s + i, " v\xC3\xA0 ", 5);
}

/* Splits [a, b) into agencies: at ';' always, at ',' or " và " where an
 * agency starts right after. */
static size_t split(const ag *g, const char *s, size_t a, size_t b, piece *out, size_t max)
{
	size_t i, start = a, k = 0;

	for (i = a; i < b && k < max; i++) {
		size_t next = 0;
		if (s[i] != ';' && s[i] != ',' && s[i] != ' ')
			continue;
		if (s[i] == ';') {
			next = i + 1;
		} else if (s[i] == ',' || is_va(s, i, b)) {
			size_t j = s[i] == ',' ? i + 1 : i + 5;
			while (j < b && s[j] == ' ')
				j++;
			if (j < b && at(g, g->body, s, b, j, NULL))
				next = j;
		}
		if (next) {
			out[k].a = start;
			out[k].b = i;
			k++;
			start = next;
			i = next - 1;
		}
	}
	if (k < max) {
		out[k].a = start;
		out[k].b = b;
		k++;
	}
	/* Tidy each: no spaces or stray punctuation around, no leading "và". */
	for (i = 0; i < k; i++) {
		const char *p = s + out[i].a;
		size_t n = out[i].b - out[i].a;
		qdx_trim_span(&p, &n, ",.;:");
		if (n >= 4 && !memcmp(p, "v\xC3\xA0 ", 4)) {
			p += 4;
			n -= 4;
			qdx_trim_span(&p, &n, ",.;:");
		}
		out[i].a = (size_t)(p - s);
		out[i].b = out[i].a + n;
	}
	return k;
}

/* A list of agencies ending at `end`, written before it: from the nearest
 * "(", ";", ":", ")" or sentence end (or `lo`), past a bullet and a
 * "Giao"/"Đề nghị", from the first place an agency starts.  `paren`: the
 * list must follow "(" or ";".  1 and [*pa, *pb) when found. */
static int list_before(const ag *g, const char *s, size_t lo, size_t end, int paren, size_t *pa,
                       size_t *pb)
{
	size_t i = end, a, e, k;
	char bch = 0;

	while (end > lo && (s[end - 1] == ' ' || s[end - 1] == ','))
		end--;
	i = end;
	while (i > lo && end - i < 400) {
		char c = s[i - 1];
		if (c == '(' || c == ';' || c == ':' || c == ')') {
			bch = c;
			break;
		}
		if (c == '.' && i < end && s[i] == ' ') {
			bch = c;
			break;
		}
		i--;
	}
	if (paren && bch != '(' && bch != ';')
		return 0;
	a = skip_lead(s, i, end);
	if (at(g, g->prefix, s, end, a, &e))
		a = e;
	/* The first place an agency starts: the list's start, or past a
	 * comma ("Trên cơ sở đó, Sở Y tế chủ trì"). */
	for (k = a; k < end; k++) {
		if (k != a && !(s[k - 1] == ' ' && k >= 2 && s[k - 2] == ','))
			continue;
		if (at(g, g->body, s, end, k, NULL))
			break;
	}
	if (k >= end)
		return 0;
	/* A clause, not a list: a verb inside. */
	if (list_end(g, s, k, end, 1, 1) < end)
		return 0;
	*pa = k;
	*pb = end;
	return 1;
}

/* ---- nodes ------------------------------------------------------------------ */

static const char *canonical_of(qdx_xctx *x, const char *t, size_t n, size_t *cn);

static int has_agency(const qdx_node *item, const char *role, const char *s, size_t n)
{
	const qdx_node *c;

	for (c = item->first; c; c = c->next)
		if (c->kind == QDX_NODE_AGENCY && !strcmp(c->type, role) && strlen(c->text) == n &&
		    !memcmp(c->text, s, n))
			return 1;
	return 0;
}

static void emit_pieces(qdx_xctx *x, qdx_node *item, const char *role, const ag *g,
                        const char *s, size_t a, size_t b, const qdx_para *p, uint32_t line)
{
	piece pc[MAX_AGENCIES];
	size_t k, np = split(g, s, a, b, pc, MAX_AGENCIES), cn;
	qdx_doc *doc = x->doc;
	const char *canon;

	for (k = 0; k < np; k++) {
		const char *t = s + pc[k].a;
		size_t tn = pc[k].b - pc[k].a;
		qdx_node *n;
		if (!tn || has_agency(item, role, t, tn))
			continue;
		n = qdx_node_new(doc, QDX_NODE_AGENCY, p ? qdx_para_line(x, p, pc[k].a) : line);
		n->type = role;
		n->text = qdx_arena_intern(&doc->arena, t, tn);
		canon = canonical_of(x, t, tn, &cn);
		n->attrs = NULL;
		qdx_node_set_attr(doc, n, "canonical",
		                  cn == tn && !memcmp(canon, t, tn)
		                          ? n->text
		                          : qdx_arena_intern(&doc->arena, canon, cn));
		qdx_node_append(item, n);
	}
}

/* Abbreviations are runs of capitals ("UBND", "HĐND", "TT&TT"), "P." or
 * "đ/c": text without any is its own canonical form. */
static int may_abbreviate(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		unsigned c = s[i], d;
		if (c - 'A' > 'Z' - 'A' && c != 0xC4)
			continue;
		d = s[i + 1];
		if ((c >= 'A' && c <= 'Z') &&
		    ((d >= 'A' && d <= 'Z') || d == '&' || d == '.' || (d == 0xC4 && i + 2 < n)))
			return 1;
		if (c == 0xC4 && (d == 0x90 || d == 0x91) && i + 2 < n &&
		    ((s[i + 2] >= 'A' && s[i + 2] <= 'Z') || s[i + 2] == '/'))
			return 1;
	}
	return 0;
}

/* qdx_agency_canonical(); 1 when a search gave up (a PCRE2 limit), so that
 * the name is not remembered and the next text like it meets the limit
 * again, as it would have. */
static int expand(const qdx_ruleset *abbrev, qdx_matcher *mt, const char *s, size_t n,
                  qdx_buf *out)
{
	size_t from = 0;
	qdx_match m;
	int rc = 0;

	if (!may_abbreviate(s, n)) {
		qdx_buf_put(out, s, n);
		return 0;
	}

	while (abbrev && from < n && (rc = qdx_ruleset_search(abbrev, mt, s, n, from, &m)) == 1) {
		const char *canon = qdx_rule_attr(m.rule, "canonical");
		qdx_buf_put(out, s + from, m.start - from);
		if (!canon || !*canon) {
			qdx_buf_put(out, s + m.start, m.end - m.start);
		} else {
			size_t cl = strlen(canon);
			unsigned char next = m.end < n ? (unsigned char)s[m.end] : ' ';
			qdx_buf_put(out, canon, cl);
			/* "P.TCBC" -> "Phòng" + " " + "Tổ chức - Biên chế" */
			if (next != ' ' && next != ',' && next != ';' && next != '.' && next != ')' &&
			    next != '-' && next != '/' && canon[cl - 1] != ' ')
				qdx_buf_putc(out, ' ');
		}
		if (m.end == m.start) {
			if (m.end < n)
				qdx_buf_putc(out, s[m.end]);
			from = m.end + 1;
		} else {
			from = m.end;
		}
	}
	if (from < n)
		qdx_buf_put(out, s + from, n - from);
	return rc < 0;
}

void qdx_agency_canonical(const qdx_ruleset *abbrev, qdx_matcher *mt, const char *s, size_t n,
                          qdx_buf *out)
{
	expand(abbrev, mt, s, n, out);
}

/* The slot of text s[0..n) with hash h: its entry or the empty slot where
 * it goes. */
static canon_slot *canon_find(qdx_canon *c, uint32_t h, const char *s, size_t n)
{
	size_t i = h & (CANON_SLOTS - 1);

	while (c->slot[i].n && (c->slot[i].hash != h || c->slot[i].n != n ||
	                        memcmp(c->pool.p + c->slot[i].off, s, n)))
		i = (i + 1) & (CANON_SLOTS - 1);
	return &c->slot[i];
}

/* The canonical name of t[0..n) (n > 0), *cn bytes long, valid until the
 * next call: from the memo when this thread expanded the text before. */
static const char *canonical_of(qdx_xctx *x, const char *t, size_t n, size_t *cn)
{
	qdx_canon *mm = x->canon;
	uint32_t h;
	canon_slot *c;

	if (!may_abbreviate(t, n)) {
		*cn = n;
		return t;
	}
	h = qdx_hash(QDX_HASH_SEED, t, n);
	c = canon_find(mm, h, t, n);
	if (c->n) {
		*cn = c->cn;
		return mm->pool.p + c->off + n;
	}
	x->tmp2.len = 0;
	if (!expand(x->abbrev, x->mt, t, n, &x->tmp2) && n + x->tmp2.len <= CANON_POOL / 64) {
		if (mm->n >= CANON_SLOTS / 4 * 3 || mm->pool.len + n + x->tmp2.len > CANON_POOL) {
			qdx_canon_clear(mm);
			c = canon_find(mm, h, t, n);
		}
		c->hash = h;
		c->n = (uint32_t)n;
		c->cn = (uint32_t)x->tmp2.len;
		c->off = (uint32_t)mm->pool.len;
		qdx_buf_put(&mm->pool, t, n);
		qdx_buf_put(&mm->pool, x->tmp2.p, x->tmp2.len);
		mm->n++;
	}
	*cn = x->tmp2.len;
	return x->tmp2.p;
}

/* ---- table rows --------------------------------------------------------------- */

static uint32_t cell_line_of(const qdx_xctx *x, const qdx_node *item, const char *cell)
{
	const qdx_text *t = x->t;
	size_t cl = strlen(cell), i;

	if (item->span_to > t->n)
		return item->line;
	for (i = item->span_from; i < item->span_to; i++) {
		const char *s = qdx_text_line(t, i);
		size_t k = 0, n = t->v[i].len;
		while (k < n && (s[k] == '\t' || s[k] == ' '))
			k++;
		if (n - k >= 3 && cl >= 3 && !memcmp(s + k, cell, (n - k < cl ? n - k : cl) < 12
		                                                      ? (n - k < cl ? n - k : cl)
		                                                      : 12))
			return t->v[i].no;
		if (memmem(s, n, cell, cl < 24 ? cl : 24))
			return t->v[i].no;
	}
	return item->line;
}

void qdx_agencies_cells(qdx_xctx *x, qdx_node *item)
{
	const char *lead = qdx_node_attr(item, "cell.lead");
	const char *partners = qdx_node_attr(item, "cell.partners");
	ag g;

	ag_from(&g, x);
	if (lead && *lead)
		emit_pieces(x, item, "lead", &g, lead, 0, strlen(lead), NULL,
		            cell_line_of(x, item, lead));
	if (partners && *partners)
		emit_pieces(x, item, "partner", &g, partners, 0, strlen(partners), NULL,
		            cell_line_of(x, item, partners));
}

/* ---- prose --------------------------------------------------------------------- */

static int in_span(const qdx_xctx *x, size_t a, size_t b)
{
	size_t i;

	for (i = 0; i < x->ncites; i++)
		if (a < x->cites[i].end && b > x->cites[i].start)
			return 1;
	return 0;
}

/* Does the text at p (ending at e) start with `lit`? */
static int starts(const char *p, const char *e, const char *lit)
{
	size_t k = strlen(lit);

	return (size_t)(e - p) >= k && !memcmp(p, lit, k);
}

/* The triggers' words: "chủ trì", "phối hợp", and "thực hiện" where a
 * parenthesis may hold an assignment ("(Các sở, ngành thực hiện; ...)").
 * Each has a letter of the U+1EC0 block (bytes E1 BB) right after an 'h':
 * one pass over the paragraph's 0xBB bytes finds them all. */
static int prose_trigger(const char *s, size_t n)
{
	const char *p = s, *e = s + n;
	int paren = -1;

	while ((p = memchr(p, 0xBB, (size_t)(e - p))) != NULL) {
		const char *h = p - 2;
		p++;
		if (h < s || h[0] != 'h' || h[1] != '\xE1')
			continue;
		if (starts(h, e, "h\xE1\xBB\xA7 tr\xC3\xAC") ||          /* hủ trì */
		    starts(h, e, "h\xE1\xBB\x91i h\xE1\xBB\xA3p"))        /* hối hợp */
			return 1;
		if (h > s && h[-1] == 't' && starts(h - 1, e, "th\xE1\xBB\xB1" "c hi\xE1\xBB\x87n")) {
			if (paren < 0)
				paren = memchr(s, '(', n) != NULL;
			if (paren)
				return 1;
		}
	}
	return 0;
}

void qdx_agencies_scan(qdx_xctx *x, qdx_node *item, const qdx_para *p, const qdx_field *f,
                       size_t nf)
{
	const char *s = p->s;
	size_t n = p->n, from = 0, k;
	ag g;

	if (!x->agencies)
		return;
	ag_from(&g, x);

	/* Labelled fields: their values, split at ';', each cut where running
	 * text takes over ("Bộ Công an tiến hành rà soát ...; các bộ ..."). */
	for (k = 0; k < nf; k++) {
		const char *role = !strcmp(f[k].role, "lead")      ? "lead"
		                   : !strcmp(f[k].role, "partner") ? "partner"
		                                                    : NULL;
		size_t a = f[k].value_start, b = f[k].value_end;
		if (!role)
			continue;
		while (a < b) {
			const char *semi = memchr(s + a, ';', b - a);
			size_t sb = semi ? (size_t)(semi - s) : b, e;
			a = skip_lead(s, a, sb);
			e = list_end(&g, s, a, sb, 1, 0);
			if (e > a)
				emit_pieces(x, item, role, &g, s, a, e, p, 0);
			a = sb + 1;
		}
	}

	if (!prose_trigger(s, n))
		return;
	while (from < n) {
		qdx_match m;
		const char *role, *side, *after, *subject;
		size_t a, b, ms, me;
		int rc = qdx_ruleset_search(x->agencies, x->mt, s, n, from, &m);

		if (rc == 0)
			break;
		if (rc < 0) {
			qdx_extract_match_error(x, x->agencies, s, n, from, rc, qdx_para_line(x, p, from));
			break;
		}
		ms = m.start;
		me = m.end;
		from = me > from ? me : from + 1;
		role = qdx_rule_attr(m.rule, "role");
		side = qdx_rule_attr(m.rule, "side");
		if (!role || !side || in_span(x, ms, me)) {
			if (ms == m.end)   /* a helper matched where the search began */
				from = ms + 1;
			continue;
		}
		after = qdx_rule_attr(m.rule, "after");
		subject = qdx_rule_attr(m.rule, "subject");
		if (!strcmp(side, "left")) {
			if (list_before(&g, s, 0, ms, after != NULL, &a, &b))
				emit_pieces(x, item, role, &g, s, a, b, p, 0);
			continue;
		}
		/* side right: the list after the trigger, and perhaps its subject */
		a = skip_lead(s, me, n);
		b = list_end(&g, s, a, n, 1, 1);
		if (b > a)
			emit_pieces(x, item, role, &g, s, a, b, p, 0);
		if (subject && list_before(&g, s, 0, ms, 0, &a, &b))
			emit_pieces(x, item, subject, &g, s, a, b, p, 0);
		from = b > from ? b : from;
	}
}

/* ---- the heading of an assignment ----------------------------------------------------- */

static int ends_sentence(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '/' || s[n - 1] == '"' || s[n - 1] == '*'))
		n--;
	return n && strchr(".;!?", s[n - 1]);
}

void qdx_agencies_heading(qdx_xctx *x, qdx_node *item)
{
	const char *s = item->text;
	size_t n, a, e, end, colon;
	qdx_field f;
	ag g;
	const qdx_node *c;
	int has_children = 0;

	if (!x->agencies || !s || !*s)
		return;
	n = strlen(s);
	ag_from(&g, x);
	a = skip_lead(s, 0, n);
	if (at(&g, g.prefix, s, n, a, &e))
		a = e;
	if (!at(&g, g.body, s, n, a, NULL))
		return;
	/* Only then the costlier search for fields (in one heading of ten). */
	if (memchr(s, ':', n) && qdx_field_next(x, s, n, 0, &f) && f.label_start <= 3)
		return;         /* "Cơ quan chủ trì: ..." is a field, read with the prose */
	for (c = item->first; c; c = c->next)
		if (c->kind == QDX_NODE_ITEM)
			has_children = 1;
	{
		const char *cp = memchr(s + a, ':', n - a);
		colon = cp ? (size_t)(cp - s) : n;
	}
	if (has_children && !ends_sentence(s, n)) {
		/* A section heading names its agency whole ("3. Cán bộ phụ trách
		 * lĩnh vực giám sát và phản biện xã hội"): up to ':' or '('. */
		const char *pp = memchr(s + a, '(', colon - a);
		end = pp ? (size_t)(pp - s) : colon;
	} else {
		end = list_end(&g, s, a, colon, 1, 1);
	}
	if (end > a)
		emit_pieces(x, item, "lead", &g, s, a, end, NULL, item->line);
}

/* ---- the rules' test hook --------------------------------------------------------------- */

int qdx_agency_test_value(const qdx_match *m, const char *key, qdx_buf *out)
{
	const qdx_ruleset *set = m->rule->set;
	const char *s = m->subject;
	size_t n = strlen(s), a, b, k, np;
	piece pc[MAX_AGENCIES];
	qdx_matcher *mt;
	qdx_buf scratch;
	const char *side;
	ag g;

	if (out->cap) {
		out->len = 0;
		out->p[0] = '\0';
	}
	if (!strcmp(key, "role")) {
		const char *r = qdx_rule_attr(m->rule, "role");
		qdx_buf_puts(out, r ? r : "");
		return 0;
	}
	if (strcmp(key, "canonical") && strcmp(key, "agencies"))
		return -1;
	/* The caller's match stays valid: these searches use their own matcher. */
	mt = qdx_matcher_new();
	if (!strcmp(key, "canonical")) {
		qdx_agency_canonical(set, mt, s, n, out);
		qdx_matcher_free(mt);
		return 0;
	}
	qdx_buf_init(&scratch);
	ag_init(&g, set, mt, &scratch);
	side = qdx_rule_attr(m->rule, "side");
	np = 0;
	if (side && !strcmp(side, "left")) {
		if (list_before(&g, s, 0, m->start, qdx_rule_attr(m->rule, "after") != NULL, &a, &b))
			np = split(&g, s, a, b, pc, MAX_AGENCIES);
	} else if (side) {
		a = skip_lead(s, m->end, n);
		b = list_end(&g, s, a, n, 1, 1);
		if (b > a)
			np = split(&g, s, a, b, pc, MAX_AGENCIES);
	}
	for (k = 0; k < np; k++) {
		if (k)
			qdx_buf_puts(out, " | ");
		qdx_buf_put(out, s + pc[k].a, pc[k].b - pc[k].a);
	}
	qdx_matcher_free(mt);
	qdx_buf_free(&scratch);
	return 0;
}
