/*
 * extract.c - deadlines, agencies, budgets and citations of a segmented
 * document.
 *
 * One pass over the text's lines: each line belongs to the innermost node
 * whose own span holds it (an item, else the block or part around it);
 * consecutive non-blank lines of one node form a paragraph, searched once
 * per rule set.  Citations are read everywhere; deadlines and agencies in
 * items only.  A table row (an item with "cell.*" attributes) takes its
 * deadlines, agencies, budget and product from its cells instead: its
 * other cells are task descriptions whose dates are not the task's.
 *
 * Before that pass, the plan's period is fixed, because recurring and
 * continuous deadlines carry it: from a heading-level "Thời gian thực
 * hiện" item (binh-dinh-4078: "Từ tháng 12 năm 2013 đến tháng 10 năm
 * 2015"), else from a title ("giai đoạn 2021-2025", "đến năm 2030",
 * "năm 2014").
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "extract.h"
#include "rules.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- small helpers shared by the extraction files --------------------- */

int qdx_days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* By hand: snprintf() cost 1,700 instructions a date. */
char *qdx_ymd_iso(const qdx_ymd *d, char out[11])
{
	unsigned y = (unsigned)d->y % 10000u, m = (unsigned)d->m % 100u, dd = (unsigned)d->d % 100u;

	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + dd / 10);
	out[9] = (char)('0' + dd % 10);
	out[10] = '\0';
	return out;
}

void qdx_trim_span(const char **s, size_t *n, const char *punct)
{
	const char *p = *s;
	size_t k = *n;

	while (k && (*p == ' ' || *p == '\t' || (punct && strchr(punct, *p)))) {
		p++;
		k--;
	}
	while (k && (p[k - 1] == ' ' || p[k - 1] == '\t' || (punct && strchr(punct, p[k - 1]))))
		k--;
	*s = p;
	*n = k;
}

int qdx_has(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

const qdx_rule *qdx_rule_named(const qdx_ruleset *set, const char *name)
{
	size_t i, n = qdx_ruleset_count(set);

	for (i = 0; i < n; i++)
		if (!strcmp(qdx_rule_name(qdx_ruleset_rule(set, i)), name))
			return qdx_ruleset_rule(set, i);
	return NULL;
}


/* ---- what a thread remembers between documents ------------------------------ */

/* Most words a helper is asked about cannot start its match: "và", "các",
 * "cơ" where stop is tried, "Xây", "Tổ" where body is, the words before
 * a date where deadlines.rules' start is.  PCRE2's hard partial matching
 * tells so from the first word alone: when "\x01WORD " neither matches
 * nor could match with more text, no text that starts with "WORD "
 * matches, whatever follows (partial matching turns PCRE2's start-up
 * optimisations off).  Each thread keeps that verdict per helper and word
 * while it extracts: a hundred plans ask ~40,000 times about a few
 * thousand pairs, and a helper run costs ~1,000 instructions.  The
 * agencies' canonical names are kept in the same place (agency.c). */

#define WORD_MAX 24             /* bytes of a word's key (a multiple of 8): words are shorter */
#define WORD_SLOTS 4096         /* a power of two; emptied when 3/4 full */
#define PROBE_LIMIT 100000u     /* a probe that needs more proves nothing */

/* What a word tells of a helper's match: nothing yet (SEEN_ONCE), no
 * match (NEVER), a match that ends `end` bytes into the text whatever
 * follows the word (ALWAYS), or something the rest decides (DEPENDS). */
enum { SEEN_ONCE, NEVER, ALWAYS, DEPENDS };

typedef struct word_slot {
	const qdx_rule *r;      /* NULL: empty */
	uint64_t key[WORD_MAX / 8];     /* the key's bytes, then zeros */
	unsigned char state;
	unsigned char end;      /* ALWAYS: where the match ends in the text */
} word_slot;

typedef struct memo {
	unsigned long serial;   /* of the qdx_rules the entries are about */
	pcre2_match_data *md;
	pcre2_match_context *mc;
	size_t nwords;
	word_slot word[WORD_SLOTS];
	qdx_canon *canon;
} memo;

static void memo_free(void *p)
{
	memo *mm = p;

	if (!mm)
		return;
	pcre2_match_data_free(mm->md);
	pcre2_match_context_free(mm->mc);
	qdx_canon_free(mm->canon);
	free(mm);
}

static qdx_thread_state memo_state = QDX_THREAD_STATE(memo_free, sizeof(memo));

/* This thread's memo, emptied when the rules are not those it knows. */
static memo *thread_memo(const qdx_rules *rules)
{
	memo *mm = qdx_thread_get(&memo_state);

	if (!mm->md) {
		mm->md = pcre2_match_data_create(1, NULL);
		mm->mc = pcre2_match_context_create(NULL);
		if (!mm->md || !mm->mc)
			qdx_die("out of memory (PCRE2 match data)");
		pcre2_set_match_limit(mm->mc, PROBE_LIMIT);
		mm->canon = qdx_canon_new();
	}
	if (mm->serial != rules->serial) {
		memset(mm->word, 0, sizeof(mm->word));
		mm->nwords = 0;
		qdx_canon_clear(mm->canon);
		mm->serial = rules->serial;
	}
	return mm;
}

/* The memo of the extraction running on this thread, or NULL: what the
 * key holds, at no library call per helper. */
static _Thread_local memo *memo_on;

/* Extends the key k of the text at s[pos..e), kn bytes so far (zeros
 * after them), by the next word with the space after it (spaces before
 * it included), to at most WORD_MAX bytes and whole characters.  Returns
 * its new length. */
static size_t word_key(const char *s, size_t e, size_t pos, size_t kn, uint64_t k[WORD_MAX / 8])
{
	unsigned char *b = (unsigned char *)k;
	const char *p = s + pos;
	size_t lim = e - pos < WORD_MAX ? e - pos : WORD_MAX, i = kn;

	while (i < lim && p[i] == ' ')
		b[i++] = ' ';
	while (i < lim) {
		b[i] = (unsigned char)p[i];
		if (p[i++] == ' ')
			return i;
	}
	if (i < e - pos)
		while (i > kn && ((unsigned char)p[i] & 0xC0) == 0x80)
			b[--i] = 0;
	return i;
}

/* The slot of helper r and key k: its entry or the empty slot where it
 * goes. */
static word_slot *word_find(memo *mm, const qdx_rule *r, const uint64_t k[WORD_MAX / 8])
{
	uint64_t h = ((uint64_t)(uintptr_t)r ^ k[0]) * 0x9E3779B97F4A7C15u;
	size_t i;

	h = (h ^ k[1]) * 0x9E3779B97F4A7C15u;
	h = (h ^ k[2]) * 0x9E3779B97F4A7C15u;
	for (i = (size_t)(h >> 32) & (WORD_SLOTS - 1);
	     mm->word[i].r && (mm->word[i].r != r || mm->word[i].key[0] != k[0] ||
	                       mm->word[i].key[1] != k[1] || mm->word[i].key[2] != k[2]);
	     i = (i + 1) & (WORD_SLOTS - 1))
		;
	return &mm->word[i];
}

/* What every text that starts with s[0..n) does to helper r: NEVER
 * matches when "\x01" + s[0..n) neither matches nor could with more text;
 * ALWAYS matches, ending at *end, when it matches without PCRE2 looking
 * past its end (hard partial matching would have said partial); else
 * DEPENDS.  The interpreter runs it (r's JIT code is for complete
 * matches). */
static int probe(memo *mm, const qdx_rule *r, const char *s, size_t n, unsigned char *end)
{
	char subj[1 + WORD_MAX];
	int rc;

	subj[0] = 1;
	memcpy(subj + 1, s, n);
	rc = pcre2_match(r->code, (PCRE2_SPTR)subj, n + 1, 0,
	                 PCRE2_ANCHORED | PCRE2_PARTIAL_HARD | PCRE2_NO_UTF_CHECK,
	                 mm->md, mm->mc);
	if (rc == PCRE2_ERROR_NOMATCH)
		return NEVER;
	if (rc < 0 || pcre2_get_ovector_pointer(mm->md)[0] != 0)
		return DEPENDS;
	*end = (unsigned char)(pcre2_get_ovector_pointer(mm->md)[1] - 1);
	return ALWAYS;
}

/* Runs the helper on its copy of s[pos..e). */
static int helper_run(qdx_buf *scratch, qdx_matcher *mt, const qdx_rule *r, const char *s,
                      size_t pos, size_t e, size_t *end, qdx_match *m)
{
	scratch->len = 0;
	qdx_buf_putc(scratch, 1);
	qdx_buf_put(scratch, s + pos, e - pos);
	if (qdx_rule_search(r, mt, scratch->p, scratch->len, 0, m) != 1 || m->start != 0)
		return 0;
	if (end)
		*end = pos + m->end - 1;
	return 1;
}

/* A word the memo has an answer for is not run: one the helper can never
 * start with, or (unless the caller wants the match) one it always does.
 * A word is probed the second time it comes (a probe costs several runs,
 * and most numbers and names come once), before the run: the first run
 * offered r to the JIT compiler, which must not race with a probe's read
 * of r. */
int qdx_helper_at(qdx_buf *scratch, qdx_matcher *mt, const qdx_rule *r, const char *s, size_t n,
                  size_t pos, size_t w, size_t *end, qdx_match *out)
{
	size_t e = pos + w < n ? pos + w : n, kn;
	uint64_t key[WORD_MAX / 8];
	qdx_match m;
	memo *mm;
	word_slot *ws;

	if (!r || pos > n)
		return 0;
	/* whole characters only: the copy must stay valid UTF-8 */
	while (e > pos && e < n && ((unsigned char)s[e] & 0xC0) == 0x80)
		e--;
	mm = pos < e ? memo_on : NULL;
	if (!mm)
		return helper_run(scratch, mt, r, s, pos, e, end, out ? out : &m);
	memset(key, 0, sizeof(key));
	kn = word_key(s, e, pos, 0, key);
	ws = word_find(mm, r, key);
	/* "các ", "tổ ": the next word decides, and may be known */
	while (ws->r) {
		size_t k;
		if (ws->state == SEEN_ONCE)
			ws->state = (unsigned char)probe(mm, r, s + pos, kn, &ws->end);
		if (ws->state != DEPENDS || s[pos + kn - 1] != ' ' ||
		    (k = word_key(s, e, pos, kn, key)) == kn)
			break;
		kn = k;
		ws = word_find(mm, r, key);
	}
	if (!ws->r) {
		if (mm->nwords >= WORD_SLOTS / 4 * 3) {
			memset(mm->word, 0, sizeof(mm->word));
			mm->nwords = 0;
			ws = word_find(mm, r, key);
		}
		ws->r = r;
		memcpy(ws->key, key, sizeof(key));
		ws->state = SEEN_ONCE;
		mm->nwords++;
	}
	if (ws->state == NEVER)
		return 0;
	if (ws->state == ALWAYS && !out) {
		if (end)
			*end = pos + ws->end;
		return 1;
	}
	return helper_run(scratch, mt, r, s, pos, e, end, out ? out : &m);
}

uint32_t qdx_para_line(const qdx_xctx *x, const qdx_para *p, size_t off)
{
	size_t lo = 0, hi;

	if (!p || !p->nlines)
		return 0;
	hi = p->nlines;
	/* The last line that starts at or before `off`. */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (p->off[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return x->t->v[p->first + lo].no;
}

void qdx_extract_match_error(qdx_xctx *x, const qdx_ruleset *set, const char *s, size_t n,
                             size_t from, int rc, uint32_t line)
{
	const qdx_rule *r = qdx_ruleset_blame(set, x->mt, s, n, from);

	qdx_doc_diag_add(x->doc, line, "warning",
	                 "%s: rule '%s' gave up on this line (PCRE2 error %d); its phrases "
	                 "here are not extracted",
	                 set->path, r ? qdx_rule_name(r) : "(the combined pattern)", rc);
}

/* ---- fields ------------------------------------------------------------ */

/* A field's label stands at the paragraph's start, after a numbering or a
 * bullet ("- ", "a) ", "2.1. ", "(1) "), or after "(", ";" or ". ". */
static int field_place(const char *s, size_t at)
{
	size_t i = at, k;

	while (i > 0 && s[i - 1] == ' ')
		i--;
	if (i == 0 || s[i - 1] == '(' || s[i - 1] == ';')
		return 1;
	/* a short numbering or bullet before it: no space inside, 12 bytes */
	if (i <= 12) {
		for (k = 0; k < i && s[k] != ' '; k++)
			;
		if (k == i)
			return 1;
	}
	return s[i - 1] == '.' && i < at;   /* a sentence's end */
}

/* Where a search for fields from `from` may stop: every label is letters,
 * spaces and commas followed by "\s*:\s*", so a match that starts before
 * the first colon at or after `from` ends right after that colon and the
 * spaces that follow it (unless a non-ASCII character follows them, which
 * may be a space too: then n).  Only rule time's "label\s*$" needs no
 * colon: without one, 0 when the text cannot end with a label. */
static size_t fields_end(const char *s, size_t n, size_t from)
{
	const char *c = memchr(s + from, ':', n - from);
	size_t e;

	if (!c) {
		for (e = n; e > from && qdx_is_space((unsigned char)s[e - 1]); e--)
			;
		return e > from && ((unsigned char)s[e - 1] >= 0x80 || ((s[e - 1] | 32) >= 'a' &&
		                                                         (s[e - 1] | 32) <= 'z'))
		               ? n
		               : 0;
	}
	for (e = (size_t)(c - s) + 1; e < n && qdx_is_space((unsigned char)s[e]); e++)
		;
	return e < n && (unsigned char)s[e] >= 0x80 ? n : e;
}

int qdx_field_next(qdx_xctx *x, const char *s, size_t n, size_t from, qdx_field *f)
{
	qdx_match m;
	qdx_span lab;
	int rc;

	if (!x->fields)
		return 0;
	while (from <= n) {
		/* no match starts before this colon: go on after it */
		size_t e = fields_end(s, n, from);
		const char *c;
		rc = e ? qdx_ruleset_search(x->fields, x->mt, s, e, from, &m) : 0;
		if (rc == 0 && e && e < n && (c = memchr(s + from, ':', e - from)) != NULL) {
			from = (size_t)(c - s) + 1;
			continue;
		}
		if (rc <= 0)
			return 0;
		f->label_start = qdx_match_group(&m, "label", &lab) ? (size_t)(lab.p - s) : m.start;
		if (field_place(s, f->label_start)) {
			f->role = qdx_rule_attr(m.rule, "field");
			if (!f->role)
				f->role = "";
			f->value_start = m.end;
			f->value_end = qdx_field_value_end(s, n, f->label_start, m.end);
			return 1;
		}
		from = m.start + 1;
		while (from < n && ((unsigned char)s[from] & 0xC0) == 0x80)
			from++;
	}
	return 0;
}

static int is_upper_start(const char *s, size_t n)
{
	uint32_t cp;

	if (!n || !qdx_utf8_decode((const unsigned char *)s, n, &cp))
		return 0;
	if (cp >= 'A' && cp <= 'Z')
		return 1;
	/* Vietnamese capitals: Latin-1, Đ, Ơ, Ư and the even code points of the
	 * U+1EA0 block. */
	return (cp >= 0xC0 && cp <= 0xDD && cp != 0xD7) || cp == 0x110 || cp == 0x102 ||
	       cp == 0x1A0 || cp == 0x1AF || cp == 0x128 || cp == 0x168 ||
	       (cp >= 0x1EA0 && cp <= 0x1EF8 && !(cp & 1));
}

size_t qdx_field_value_end(const char *s, size_t n, size_t label_start, size_t from)
{
	size_t i, depth = 0;
	int in_paren = 0;

	/* Does the field sit in an open parenthesis? */
	for (i = 0; i < label_start; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && depth)
			depth--;
	}
	in_paren = depth > 0;
	depth = 0;
	for (i = from; i < n; i++) {
		if (s[i] == '(') {
			depth++;
		} else if (s[i] == ')') {
			if (depth)
				depth--;
			else if (in_paren)
				return i;
		} else if (s[i] == '.' && i + 2 < n && s[i + 1] == ' ' && !depth &&
		           is_upper_start(s + i + 2, n - i - 2)) {
			return i;
		}
	}
	return n;
}

/* ---- paragraphs ---------------------------------------------------------- */

static int para_line_kind(const qdx_line *l)
{
	return (l->flags & (QDX_LINE_ROW | QDX_LINE_CELL)) != 0;
}

/* Builds the paragraph of text lines [i, j). */
static void build_para(qdx_xctx *x, size_t i, size_t j, qdx_para *p)
{
	const qdx_text *t = x->t;
	size_t k, nl = j - i;

	if (nl > x->offcap) {
		x->offcap = nl + 16;
		x->off = qdx_xrealloc(x->off, x->offcap * sizeof(*x->off));
	}
	p->first = i;
	p->nlines = nl;
	p->off = x->off;
	if (nl == 1) {
		p->s = qdx_text_line(t, i);
		p->n = t->v[i].len;
		x->off[0] = 0;
		return;
	}
	x->para.len = 0;
	for (k = i; k < j; k++) {
		x->off[k - i] = x->para.len;
		qdx_buf_put(&x->para, qdx_text_line(t, k), t->v[k].len);
		if (k + 1 < j)
			qdx_buf_putc(&x->para, ' ');
	}
	p->s = x->para.p;
	p->n = x->para.len;
}

/* ---- the plan's period ------------------------------------------------------ */

static int parse_iso(const char *s, qdx_ymd *d)
{
	int y = 0, m = 0, dd = 0, i;

	memset(d, 0, sizeof(*d));
	if (!s)
		return 0;
	for (i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		y = y * 10 + (s[i] - '0');
	}
	if (s[4] != '-' || s[5] < '0' || s[5] > '9' || s[6] < '0' || s[6] > '9' || s[7] != '-' ||
	    s[8] < '0' || s[8] > '9' || s[9] < '0' || s[9] > '9')
		return 0;
	m = (s[5] - '0') * 10 + (s[6] - '0');
	dd = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || dd < 1 || dd > qdx_days_in_month(y, m))
		return 0;
	d->y = y;
	d->m = m;
	d->d = dd;
	return 1;
}

static int item_depth(const qdx_node *n)
{
	int d = 0;

	for (n = n->parent; n && n->kind == QDX_NODE_ITEM; n = n->parent)
		d++;
	return d;
}

static int is_row(const qdx_node *n)
{
	return n->type && !strcmp(n->type, "row");
}

/* The period a "Thời gian thực hiện" heading item states: its value after
 * the colon, else the first paragraph of its own span that has one. */
static int period_from_item(qdx_xctx *x, const qdx_node *it, qdx_deadline *out)
{
	const qdx_text *t = x->t;
	qdx_field f;
	size_t tl = strlen(it->text), i, j;
	qdx_para p;

	/* only a "Thời gian ..." / "Tiến độ ..." heading: a cheap look first */
	if (!qdx_has(it->text, tl, "h\xE1\xBB\x9Di gian") && !qdx_has(it->text, tl, "H\xE1\xBB\x9CI GIAN") &&
	    !qdx_has(it->text, tl, "i\xE1\xBA\xBFn \xC4\x91\xE1\xBB\x99"))
		return 0;
	if (!qdx_field_next(x, it->text, tl, 0, &f) || strcmp(f.role, "time") || f.label_start > 8)
		return 0;
	if (f.value_end > f.value_start &&
	    qdx_deadline_period(x, it->text + f.value_start, f.value_end - f.value_start, 1, out))
		return 1;
	if (it->span_to > t->n)
		return 0;
	for (i = it->span_from + 1; i < it->span_to; i = j) {
		j = i + 1;
		if (!t->v[i].len)
			continue;
		while (j < it->span_to && t->v[j].len && !para_line_kind(&t->v[j]))
			j++;
		build_para(x, i, j, &p);
		if (qdx_deadline_period(x, p.s, p.n, 1, out))
			return 1;
	}
	return 0;
}

static void set_period(qdx_xctx *x, const qdx_deadline *d)
{
	if (d->start.y)
		x->tc.plan_start = d->start;
	if (d->end.y)
		x->tc.plan_end = d->end;
}

static void find_period(qdx_xctx *x)
{
	qdx_doc *doc = x->doc;
	qdx_iter it;
	const qdx_node *n;
	qdx_event ev;
	qdx_deadline d, title;
	int have_title = 0;

	/* The titles: the document's, then each part's. */
	memset(&title, 0, sizeof(title));
	if (doc->meta.title) {
		qdx_citations_spans(x, doc->meta.title, strlen(doc->meta.title));
		have_title = qdx_deadline_period(x, doc->meta.title, strlen(doc->meta.title), 1, &title);
	}
	qdx_iter_init(&it, doc->root);
	while (!have_title && (ev = qdx_iter_next(&it, &n)) != QDX_EVENT_DONE) {
		const char *pt;
		if (ev != QDX_EVENT_ENTER || n->kind != QDX_NODE_PART)
			continue;
		pt = qdx_node_attr(n, "title");
		if (!pt)
			continue;
		qdx_citations_spans(x, pt, strlen(pt));
		have_title = qdx_deadline_period(x, pt, strlen(pt), 1, &title);
	}
	x->ncites = 0;
	if (have_title) {
		/* "đến năm 2030": from the document's year to then. */
		if (!title.start.y && title.end.y && x->tc.doc_date.y) {
			title.start.y = x->tc.doc_date.y;
			title.start.m = 1;
			title.start.d = 1;
		}
		if (title.start.y && !title.end.y && !strcmp(title.kind, "range"))
			title.start.y = 0;      /* "từ năm 2020": no end, no period */
	}

	/* A heading-level "Thời gian thực hiện" item wins over a title. */
	qdx_iter_init(&it, doc->root);
	while ((ev = qdx_iter_next(&it, &n)) != QDX_EVENT_DONE) {
		if (ev != QDX_EVENT_ENTER || n->kind != QDX_NODE_ITEM || is_row(n) ||
		    !strcmp(n->type, "bullet") || item_depth(n) > 1 || !n->text)
			continue;
		if (!period_from_item(x, n, &d))
			continue;
		if (!strcmp(d.kind, "range") && d.start.y && d.end.y) {
			set_period(x, &d);
			x->period_from_item = 1;
		} else if (!strcmp(d.kind, "before") && d.end.y) {
			x->tc.plan_end = d.end;
			x->tc.plan_start = title.start.y ? title.start : x->tc.doc_date;
			if (x->tc.plan_start.y)
				x->tc.plan_start.d = 1;
			x->period_from_item = 1;
		}
		if (x->period_from_item)
			break;
	}
	if (!x->period_from_item && have_title && title.start.y && title.end.y)
		set_period(x, &title);
	if (!x->tc.plan_start.y || !x->tc.plan_end.y ||
	    x->tc.plan_start.y > x->tc.plan_end.y) {
		memset(&x->tc.plan_start, 0, sizeof(x->tc.plan_start));
		memset(&x->tc.plan_end, 0, sizeof(x->tc.plan_end));
		return;
	}
	doc->meta.plan_start_year = x->tc.plan_start.y;
	doc->meta.plan_start_month = x->tc.plan_start.m;
	doc->meta.plan_end_year = x->tc.plan_end.y;
	doc->meta.plan_end_month = x->tc.plan_end.m;
}

static void time_context(qdx_xctx *x)
{
	const qdx_meta *m = &x->doc->meta;

	parse_iso(m->date, &x->tc.doc_date);
	/* The year a phrase without one takes: a one-year plan's, else the
	 * document's, else the plan's first. */
	if (x->tc.plan_start.y && x->tc.plan_start.y == x->tc.plan_end.y)
		x->tc.year = x->tc.plan_start.y;
	else if (x->tc.doc_date.y)
		x->tc.year = x->tc.doc_date.y;
	else if (m->year && strlen(m->year) == 4)
		x->tc.year = (int)strtol(m->year, NULL, 10);
	else
		x->tc.year = x->tc.plan_start.y;
}

/* ---- items ----------------------------------------------------------------- */

/* The line of text a cell of a row stands on: the first line of the row's
 * span holding a tab-separated field that the cell's text begins with
 * (a cell broken over lines was joined by the table reader). */
static uint32_t cell_line(const qdx_xctx *x, const qdx_node *item, const char *cell)
{
	const qdx_text *t = x->t;
	size_t cl = strlen(cell), i, pass;

	if (item->span_to > t->n)
		return item->line;
	for (pass = 0; pass < 2; pass++) {
		for (i = item->span_from; i < item->span_to; i++) {
			const char *s = qdx_text_line(t, i), *e = s + t->v[i].len;
			while (s < e) {
				const char *f = s, *fe = memchr(s, '\t', (size_t)(e - s));
				size_t fl;
				if (!fe)
					fe = e;
				s = fe + 1;
				fl = (size_t)(fe - f);
				qdx_trim_span(&f, &fl, NULL);
				if (!fl)
					continue;
				if (pass == 0 ? (fl == cl && !memcmp(f, cell, cl))
				              : (fl >= 3 && fl < cl && !memcmp(f, cell, fl)))
					return t->v[i].no;
			}
		}
	}
	return item->line;
}

static void row_cells(qdx_xctx *x, qdx_node *item)
{
	const char *time = qdx_node_attr(item, "cell.time");
	const char *budget = qdx_node_attr(item, "cell.budget");
	const char *product = qdx_node_attr(item, "cell.product");

	if (time && *time) {
		const char *s = time;
		size_t n = strlen(time);
		qdx_trim_span(&s, &n, NULL);
		x->ncites = 0;
		qdx_citations_spans(x, s, n);
		qdx_deadlines_scan(x, item, s, n, 0, NULL, 1, cell_line(x, item, time));
		x->ncites = 0;
	}
	qdx_agencies_cells(x, item);
	if (budget && *budget)
		qdx_budget_cell(x, item, budget);
	if (product && *product)
		qdx_node_set_attr(x->doc, item, "product", product);
}

/* A prose paragraph of an item: fields read like cells, the rest as prose. */
static void item_paragraph(qdx_xctx *x, qdx_node *item, const qdx_para *p)
{
	qdx_field f[8];
	size_t nf = 0, from = 0, ncite = x->ncites, k;

	/* Every field has its colon; only a heading ("Thời gian thực hiện")
	 * goes without, and its value is the next paragraph's. */
	while (from < p->n && nf < QDX_COUNT(f)) {
		const char *colon = memchr(p->s + from, ':', p->n - from);
		size_t c;
		if (!colon)
			break;
		/* a label ends at its colon: start looking just before it */
		c = (size_t)(colon - p->s);
		if (c > from + 64) {
			from = c - 64;
			while (from < c && ((unsigned char)p->s[from] & 0xC0) == 0x80)
				from++;
		}
		/* none from here on means none from any later place either */
		if (!qdx_field_next(x, p->s, p->n, from, &f[nf]))
			break;
		from = f[nf].value_end > f[nf].value_start ? f[nf].value_end : f[nf].value_start + 1;
		nf++;
	}
	for (k = 0; k < nf; k++) {
		/* A field's value ends where the next field starts. */
		if (k + 1 < nf && f[k].value_end > f[k + 1].label_start)
			f[k].value_end = f[k + 1].label_start;
		if (!strcmp(f[k].role, "time") && f[k].value_end > f[k].value_start) {
			const char *s = p->s + f[k].value_start;
			size_t n = f[k].value_end - f[k].value_start;
			qdx_trim_span(&s, &n, ";.");
			if (n)
				qdx_deadlines_scan(x, item, s, n, (size_t)(s - p->s), p, 1, 0);
		}
	}
	/* The fields' values are not prose: keep the prose scans out. */
	for (k = 0; k < nf; k++) {
		if (x->ncites == x->citecap) {
			x->citecap = x->citecap ? 2 * x->citecap : 16;
			x->cites = qdx_xrealloc(x->cites, x->citecap * sizeof(*x->cites));
		}
		x->cites[x->ncites].start = f[k].label_start;
		x->cites[x->ncites].end = f[k].value_end;
		x->ncites++;
	}
	qdx_deadlines_scan(x, item, p->s, p->n, 0, p, 0, 0);
	qdx_agencies_scan(x, item, p, f, nf);
	x->ncites = ncite;
}

/* ---- the stage ------------------------------------------------------------- */

void qdx_extract(qdx_doc *doc, const qdx_text *t)
{
	qdx_xctx x;
	qdx_node **owner = NULL;
	qdx_iter it;
	const qdx_node *cn;
	qdx_event ev;
	size_t i, j;
	memo *mm;

	if (!doc->rules || !doc->root || !t->n)
		return;
	memset(&x, 0, sizeof(x));
	x.doc = doc;
	x.t = t;
	x.mt = doc->matcher;
	x.deadlines = qdx_rules_set(doc->rules, "deadlines");
	x.deadline_cells = qdx_rules_set(doc->rules, "deadline-cells");
	x.citations = qdx_rules_set(doc->rules, "citations");
	x.agencies = qdx_rules_set(doc->rules, "agencies");
	x.abbrev = qdx_rules_set(doc->rules, "abbreviations");
	x.budgets = qdx_rules_set(doc->rules, "budgets");
	x.fields = qdx_rules_set(doc->rules, "fields");
	qdx_buf_init(&x.para);
	qdx_buf_init(&x.tmp);
	qdx_buf_init(&x.tmp2);
	qdx_buf_init(&x.help);
	mm = thread_memo(doc->rules);
	memo_on = mm;
	x.canon = mm->canon;
	x.join = x.deadlines ? qdx_rule_named(x.deadlines, "join") : NULL;
	x.more = x.citations ? qdx_rule_named(x.citations, "more") : NULL;
	x.body = x.agencies ? qdx_rule_named(x.agencies, "body") : NULL;
	x.stop = x.agencies ? qdx_rule_named(x.agencies, "stop") : NULL;
	x.prefix = x.agencies ? qdx_rule_named(x.agencies, "prefix") : NULL;
	x.dl_start = x.deadlines ? qdx_rule_named(x.deadlines, "start") : NULL;
	x.cell_start = x.deadline_cells ? qdx_rule_named(x.deadline_cells, "start") : NULL;
	qdx_first_bytes(x.deadlines, x.dl_first);
	memcpy(x.cell_first, x.dl_first, sizeof(x.cell_first));
	qdx_first_bytes(x.deadline_cells, x.cell_first);

	parse_iso(doc->meta.date, &x.tc.doc_date);
	find_period(&x);
	time_context(&x);

	/* Who owns each line: parts, then blocks and items inside them (a
	 * walk visits a node before what it holds, so the innermost wins). */
	owner = qdx_xcalloc(t->n, sizeof(*owner));
	qdx_iter_init(&it, doc->root);
	while ((ev = qdx_iter_next(&it, &cn)) != QDX_EVENT_DONE) {
		qdx_node *n = (qdx_node *)cn;
		if (ev != QDX_EVENT_ENTER || n->kind == QDX_NODE_DOCUMENT ||
		    (n->kind != QDX_NODE_PART && n->kind != QDX_NODE_BLOCK && n->kind != QDX_NODE_ITEM))
			continue;
		for (i = n->span_from; i < n->span_to && i < t->n; i++)
			owner[i] = n;
		if (n->kind == QDX_NODE_ITEM) {
			if (is_row(n))
				row_cells(&x, n);
			else
				qdx_agencies_heading(&x, n);
		}
	}

	for (i = 0; i < t->n; i = j) {
		qdx_node *o = owner[i];
		qdx_para p;

		j = i + 1;
		if (!o || !t->v[i].len)
			continue;
		if (!para_line_kind(&t->v[i]))
			while (j < t->n && owner[j] == o && t->v[j].len && !para_line_kind(&t->v[j]))
				j++;
		build_para(&x, i, j, &p);
		x.ncites = 0;
		qdx_citations_scan(&x, o, &p);
		if (o->kind != QDX_NODE_ITEM || is_row(o))
			continue;
		item_paragraph(&x, o, &p);
	}

	free(owner);
	free(x.off);
	free(x.cites);
	qdx_buf_free(&x.para);
	qdx_buf_free(&x.tmp);
	qdx_buf_free(&x.tmp2);
	qdx_buf_free(&x.help);
	memo_on = NULL;
}
