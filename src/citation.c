/*
 * citation.c - mentions of numbered documents.
 *
 * rules/citations.rules finds a type word, a number with a code and the
 * date when one follows.  The kind is the folded type word ("Nghị quyết"
 * -> nghi-quyet) unless the rule names it; a list ("các số 18-NQ/TW,
 * 19-NQ/TW") continues with the kind of the citation it follows.  Every
 * mention counts, the same document cited twice included, and each is
 * placed on the line of its type word.
 */
#include "extract.h"
#include "fold.h"


/* Is `c` somewhere right after a digit?  memchr skips the text between. */
static int after_digit(const char *s, size_t n, char c)
{
	const char *p = s, *e = s + n;

	while ((p = memchr(p, c, (size_t)(e - p))) != NULL) {
		if (p > s && p[-1] >= '0' && p[-1] <= '9')
			return 1;
		p++;
	}
	return 0;
}

/* Something worth a regex search: a digit joined to '/' or '-', as every
 * document number has ("1557/QĐ-TTg", "09-CTr/TU", "87/CP"). */
static int maybe_numbered(const char *s, size_t n)
{
	return after_digit(s, n, '/') || after_digit(s, n, '-');
}

#define WINDOW_BACK 200
#define WINDOW_AHEAD 160

/* The next number a document's number may start with: digits joined to
 * "/" or "-" ("1557/QĐ-TTg", "103a-KH/TU", "…05…./2006/"). */
static size_t next_number(const char *s, size_t n, size_t i)
{
	for (; i < n; i++) {
		size_t j;
		if (s[i] < '0' || s[i] > '9' || (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'))
			continue;
		for (j = i; j < n && s[j] >= '0' && s[j] <= '9'; j++)
			;
		/* a letter, dots or a space may come between: "103a-", "05…./", "4078 /" */
		while (j < n && j < i + 12 && (s[j] == '.' || s[j] == ' ' || (s[j] >= 'a' && s[j] <= 'z') ||
		                               (unsigned char)s[j] == 0xE2 || (unsigned char)s[j] == 0x80 ||
		                               (unsigned char)s[j] == 0xA6))
			j++;
		if (j < n && (s[j] == '/' || s[j] == '-'))
			return i;
	}
	return n;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Is there in s[from..to) something a rule's number can start with that
 * next_number() does not take for one (dots beyond its reach, a space
 * other than ' ' before '/'), or the byte that starts rule `more`?  A
 * rule's number is digits, [a-z]?, dots and ellipses, \s?, then '/' or
 * '-'; any non-ASCII character stands in for \s here. */
static int overlooked_number(const char *s, size_t from, size_t to)
{
	size_t i = from, j;

	if (memchr(s + from, 0x01, to - from))
		return 1;
	while (i < to) {
		while (i < to && !is_digit((unsigned char)s[i]))
			i++;
		for (j = i; j < to && is_digit((unsigned char)s[j]); j++)
			;
		if (j == i)
			break;
		i = j;
		if (j < to && s[j] >= 'a' && s[j] <= 'z')
			j++;
		for (;;) {
			if (j < to && s[j] == '.')
				j++;
			else if (j + 3 <= to && !memcmp(s + j, "\xE2\x80\xA6", 3))
				j += 3;
			else
				break;
		}
		if (j < to && (s[j] == '/' || s[j] == '-'))
			return 1;
		if (j < to && qdx_is_space((unsigned char)s[j]))
			j++;
		else if (j < to && (unsigned char)s[j] >= 0x80)
			for (j++; j < to && ((unsigned char)s[j] & 0xC0) == 0x80; j++)
				;
		if (j < to && (s[j] == '/' || s[j] == '-'))
			return 1;
	}
	return 0;
}

/* What a byte is to qdx_citation_search_start(), which reads the text
 * backwards from the number: a match never crosses STOP; crosses COLON
 * only when no NOT_COLON follows it, LIST only when no NOT_LIST does. */
enum { STOP = 1, COLON = 2, LIST = 4, NOT_COLON = 8, NOT_LIST = 16 };

static unsigned cite_class(unsigned char c)
{
	unsigned k = NOT_COLON;

	if (c >= 0x80 || qdx_is_space(c))
		return 0;
	if (c == '.')
		return NOT_LIST;
	if (is_digit(c) || c == ',')
		return k | LIST;
	if (c == 'v' || c == 'V')   /* "12, 13 và 14" */
		return k;
	k |= NOT_LIST;
	if (c == ';' || c == '(' || c == ')')
		k |= STOP;
	else if (c == ':')
		k |= COLON;
	return k;
}

/* Where the search for a citation around the number at `num` may start
 * instead of `ws` and find the same first match, so that PCRE2 does not
 * try the words of a long sentence before it.  Every match of
 * citations.rules holds a number at or after `num` (next_number() saw
 * none before it, unless overlooked_number() says so), and no match
 * crosses ';', '(' or ')'; nor ':' unless only spaces and dots follow it
 * up to its number; nor ',' or a word that starts with a digit unless in
 * a list of numbers ("87, 88, 31/CP", "12, 13 và 14/QĐ-UBND"). */
size_t qdx_citation_search_start(const char *s, size_t ws, size_t num)
{
	size_t b;
	unsigned stop = STOP;

	if (overlooked_number(s, ws, num))
		return ws;
	for (b = num; b-- > ws;) {
		unsigned char c = (unsigned char)s[b];
		unsigned k = cite_class(c);
		/* a digit counts where it starts a word: "năm 2014", not "A1" */
		if ((k & stop) && (!is_digit(c) || (b > 0 && qdx_is_space((unsigned char)s[b - 1]))))
			return b + 1;
		stop |= (k >> 2) & (COLON | LIST);
	}
	return ws;
}

/* '/' or '-', then after one space at most ("/ UBND") a capital; a byte
 * beyond ASCII stands in for a capital or a space (PCRE2_UCP's \s and
 * \p{Lu}).  Dates ("31/12/2025") and ranges ("2021-2025") alone have
 * none: 540 of the 683 searches that found nothing on a hundred
 * documents, each of which had read its whole window. */
int qdx_citation_has_code(const char *s, size_t from, size_t to)
{
	size_t i;

	for (i = from; i + 1 < to; i++) {
		unsigned char c;
		if (s[i] != '/' && s[i] != '-')
			continue;
		c = (unsigned char)s[i + 1];
		if (qdx_is_space(c) && i + 2 < to)
			c = (unsigned char)s[i + 2];
		if (c >= 0x80 || (c >= 'A' && c <= 'Z'))
			return 1;
	}
	return 0;
}

static void add_span(qdx_xctx *x, size_t a, size_t b)
{
	if (x->ncites == x->citecap) {
		x->citecap = x->citecap ? 2 * x->citecap : 16;
		x->cites = qdx_xrealloc(x->cites, x->citecap * sizeof(*x->cites));
	}
	x->cites[x->ncites].start = a;
	x->cites[x->ncites].end = b;
	x->ncites++;
}

/* "Nghị quyết" -> "nghi-quyet": folded, lower case, words joined by '-'. */
static void fold_kind(qdx_buf *out, const char *s, size_t n)
{
	size_t i = 0;
	int space = 0;

	out->len = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = qdx_utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (!k)
			break;
		i += k;
		if (cp == ' ' || cp == '\t') {
			space = out->len > 0;
			continue;
		}
		cp = qdx_fold_cp(cp);
		if (!cp)
			continue;
		if (space)
			qdx_buf_putc(out, '-');
		space = 0;
		qdx_buf_put_utf8(out, cp);
	}
}

/* A kind from a rule's `kinds` attribute ("QĐ=quyet-dinh NĐ=nghi-dinh"):
 * the one the type word maps to, or NULL. */
static const char *mapped_kind(qdx_xctx *x, const char *kinds, const qdx_span *type)
{
	const char *p = kinds;

	while (p && *p) {
		const char *eq, *end;
		while (*p == ' ')
			p++;
		eq = strchr(p, '=');
		if (!eq)
			break;
		end = strchr(eq, ' ');
		if (!end)
			end = eq + strlen(eq);
		if ((size_t)(eq - p) == type->n && !memcmp(p, type->p, type->n))
			return qdx_arena_strndup(&x->doc->arena, eq + 1, (size_t)(end - eq - 1));
		p = end;
	}
	return NULL;
}

/* The number as written, without the spaces OCR and typists put inside
 * and the dots of a form's blanks ("…05…./2006/ QĐ-UBND"); `code` is a
 * code the number shares with the rest of a list ("87" + "/CP"). */
static char *number_text(qdx_doc *doc, const char *p, size_t n, const qdx_span *code)
{
	size_t cn = code ? code->n : 0;
	char *s = qdx_arena_alloc(&doc->arena, n + cn + 1);
	size_t i, k = 0;

	for (i = 0; i < n + cn; i++) {
		const char *c = i < n ? p + i : code->p + (i - n);
		if (*c == ' ' || *c == '\t' || *c == '.')
			continue;
		if (i + 2 < n + cn && i + 2 < n && !memcmp(c, "\xE2\x80\xA6", 3)) {
			i += 2;       /* … */
			continue;
		}
		s[k++] = *c;
	}
	s[k] = '\0';
	return s;
}

static const char *match_date(qdx_xctx *x, const qdx_match *m, uint32_t line)
{
	qdx_span d, mo, y;
	int dd = 0, mm = 0, yy = 0;
	size_t i;
	char iso[11];
	qdx_ymd ymd;

	if (!qdx_match_group(m, "day", &d) || !qdx_match_group(m, "month", &mo) ||
	    !qdx_match_group(m, "year", &y))
		return NULL;
	for (i = 0; i < d.n; i++)
		dd = dd * 10 + (d.p[i] - '0');
	for (i = 0; i < mo.n; i++)
		mm = mm * 10 + (mo.p[i] - '0');
	for (i = 0; i < y.n; i++)
		yy = yy * 10 + (y.p[i] - '0');
	if (yy < 1900 || yy > 2100 || mm < 1 || mm > 12 || dd < 1 ||
	    dd > qdx_days_in_month(yy, mm)) {
		if (x->doc && line)
			qdx_doc_diag_add(x->doc, line, "warning",
			                 "impossible date %d/%d/%d of a cited document: left out", dd, mm,
			                 yy);
		return NULL;
	}
	ymd.y = yy;
	ymd.m = mm;
	ymd.d = dd;
	return qdx_arena_strdup(&x->doc->arena, qdx_ymd_iso(&ymd, iso));
}

static void add_citation(qdx_xctx *x, qdx_node *owner, uint32_t line, const char *kind,
                         const char *num, size_t n, const qdx_span *code, const char *date)
{
	qdx_node *c = qdx_node_new(x->doc, QDX_NODE_CITATION, line);

	c->type = kind;
	c->text = number_text(x->doc, num, n, code);
	if (date)
		qdx_node_set_attr(x->doc, c, "date", date);
	qdx_node_append(owner, c);
}

/* Reads the citation of match `m` into nodes under `owner`; returns its
 * kind.  `kind`: a list's, given; NULL: the rule's or its type word's.
 * The match's groups lie in `gs`; a group at gs + k is at s + k + delta. */
static const char *read_one(qdx_xctx *x, qdx_node *owner, const qdx_para *p, const qdx_match *m,
                            const char *kind, const char *gs, size_t delta)
{
	qdx_span num, type, code;
	const char *date;
	uint32_t line;
	int list = kind != NULL;

	if (!qdx_match_group(m, "number", &num) && !qdx_match_group(m, "list", &num))
		return kind;
	if (!kind)
		kind = qdx_rule_attr(m->rule, "kind");
	if (!kind && qdx_match_group(m, "type", &type)) {
		kind = mapped_kind(x, qdx_rule_attr(m->rule, "kinds"), &type);
		if (!kind) {
			fold_kind(&x->tmp, type.p, type.n);
			kind = qdx_arena_strndup(&x->doc->arena, x->tmp.p, x->tmp.len);
		}
	}
	if (!kind)
		kind = "other";
	/* On the line of the type word; a list's number on its own. */
	line = qdx_para_line(x, p, (list ? (size_t)(num.p - gs) : m->start) + delta);
	date = match_date(x, m, line);
	if (qdx_match_group(m, "code", &code)) {
		/* "87,88,31/CP": one citation per number, each with the code */
		size_t i = 0;
		while (i < num.n) {
			size_t j;
			while (i < num.n && (num.p[i] < '0' || num.p[i] > '9'))
				i++;
			for (j = i; j < num.n && num.p[j] >= '0' && num.p[j] <= '9'; j++)
				;
			if (j > i)
				add_citation(x, owner, line, kind, num.p + i, j - i, &code, date);
			i = j;
		}
	} else {
		add_citation(x, owner, line, kind, num.p, num.n, NULL, date);
	}
	return kind;
}

/* Scans s[0..n); with `owner`, appends a CITATION node per mention (lines
 * from paragraph `p`); records every mention's span. */
static void scan(qdx_xctx *x, qdx_node *owner, const qdx_para *p, const char *s, size_t n)
{
	size_t from = 0;

	if (!x->citations || !maybe_numbered(s, n))
		return;
	while (from < n) {
		qdx_match m;
		const char *kind = NULL;
		size_t start, end, more_end, num, ws, we;
		int rc;

		/* A mention ends a little after its number ("1557/QĐ-TTg ngày 18
		 * tháng 10 năm 2012") and starts at most 14 words before it: only
		 * that window of a long paragraph is searched. */
		num = next_number(s, n, from);
		if (num >= n)
			break;
		ws = num > from + WINDOW_BACK ? num - WINDOW_BACK : from;
		while (ws > from && ((unsigned char)s[ws] & 0xC0) == 0x80)
			ws--;
		we = num + WINDOW_AHEAD < n ? num + WINDOW_AHEAD : n;
		while (we < n && ((unsigned char)s[we] & 0xC0) == 0x80)
			we++;
		ws = qdx_citation_search_start(s, ws, num);
		rc = qdx_citation_has_code(s, ws, we) ? qdx_ruleset_search(x->citations, x->mt, s, we, ws, &m)
		                                      : 0;
		if (rc == 0) {
			from = num + 1;
			while (from < n && s[from] >= '0' && s[from] <= '9')
				from++;
			continue;
		}
		if (rc < 0) {
			if (owner)
				qdx_extract_match_error(x, x->citations, s, n, from, rc,
				                        qdx_para_line(x, p, from));
			break;
		}
		start = m.start;
		end = m.end;
		if (owner)
			kind = read_one(x, owner, p, &m, NULL, s, 0);
		/* "các số 18-NQ/TW, 19-NQ/TW, 08/NQ-CP": the list goes on where the
		 * citation ended, with its kind. */
		while (x->more &&
		       qdx_helper_at(&x->help, x->mt, x->more, s, n, end, 200, &more_end, &m) &&
		       more_end > end) {
			if (owner)
				kind = read_one(x, owner, p, &m, kind ? kind : "other", x->help.p, end - 1);
			end = more_end;
		}
		add_span(x, start, end);
		from = end > from ? end : from + 1;
	}
}

void qdx_citations_scan(qdx_xctx *x, qdx_node *owner, const qdx_para *p)
{
	scan(x, owner, p, p->s, p->n);
}

void qdx_citations_spans(qdx_xctx *x, const char *s, size_t n)
{
	x->ncites = 0;
	scan(x, NULL, NULL, s, n);
}
