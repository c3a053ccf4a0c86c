/*
 * meta.c - the document's identity from what segment.c read.
 *
 * The letterhead names the governing body on its first line(s) and the
 * issuing unit below it ("ỦY BAN MTTQ VIỆT NAM / XÃ LƯƠNG MINH / BAN
 * THƯỜNG TRỰC"); lines that begin with a locality word continue the line
 * above.  The issuer is the unit followed by its governing body, except
 * that departments of a People's Committee are named after the locality
 * alone ("Sở Nội vụ tỉnh Bình Định").
 */
#include "internal.h"
#include "segment.h"

#include <stdlib.h>
#include <unicode/ucasemap.h>

static const struct {
	const char *abbr, *full;
} expansions[] = {
	{ "UBND", "Ủy ban nhân dân" },  { "HĐND", "Hội đồng nhân dân" },
	{ "MTTQ", "Mặt trận Tổ quốc" }, { "UB", "Ủy ban" },
	{ "TP.", "thành phố" },         { "TP", "thành phố" },
};

static const char *const localities[] = { "TỈNH ", "THÀNH PHỐ ", "HUYỆN ", "XÃ ", "PHƯỜNG ",
	                                  "QUẬN ", "THỊ XÃ ", "THỊ TRẤN " };

static int starts_with_locality(const char *s)
{
	size_t i;

	for (i = 0; i < QDX_COUNT(localities); i++)
		if (!strncmp(s, localities[i], strlen(localities[i])))
			return 1;
	return 0;
}

/* Appends s with abbreviations expanded, word by word. */
static void put_expanded(qdx_buf *b, const char *s)
{
	while (*s) {
		size_t w = strcspn(s, " "), i;
		for (i = 0; i < QDX_COUNT(expansions); i++)
			if (strlen(expansions[i].abbr) == w && !strncmp(s, expansions[i].abbr, w))
				break;
		if (b->len)
			qdx_buf_putc(b, ' ');
		if (i < QDX_COUNT(expansions))
			qdx_buf_puts(b, expansions[i].full);
		else
			qdx_buf_put(b, s, w);
		s += w;
		while (*s == ' ')
			s++;
	}
}

/* Upper-cases the first letter of the word at p (in place). */
static void capitalise(UCaseMap *cm, char *p)
{
	char tmp[8];
	UErrorCode ec = U_ZERO_ERROR;
	size_t first = 1;
	int32_t n;

	while (p[first] && ((unsigned char)p[first] & 0xC0) == 0x80)
		first++;
	n = ucasemap_utf8ToUpper(cm, tmp, sizeof(tmp), p, (int32_t)first, &ec);
	if (!U_FAILURE(ec) && (size_t)n == first)
		memcpy(p, tmp, first);
}

/* "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH" -> "Ủy ban nhân dân tỉnh Bình Định":
 * lower case, a capital for the first word (all words when `title`) and
 * for every word of the place named after a locality word.  `cm`: the
 * document's Vietnamese case map, or NULL (s comes back as it is). */
static const char *recase(qdx_doc *doc, UCaseMap *cm, const char *s, int title)
{
	static const char *const places[] = { "tỉnh", "phố", "xã", "huyện", "quận", "phường" };
	UErrorCode ec = U_ZERO_ERROR;
	size_t n = strlen(s), i;
	char *lo, *p;
	int cap = 1;

	if (!cm)
		return s;
	lo = qdx_arena_alloc(&doc->arena, 2 * n + 1);
	ucasemap_utf8ToLower(cm, lo, (int32_t)(2 * n + 1), s, (int32_t)n, &ec);
	if (U_FAILURE(ec))
		return s;
	for (p = lo; *p;) {
		size_t w = strcspn(p, " ");
		if (cap || title)
			capitalise(cm, p);
		if (cap == 1 && p == lo)
			cap = 0;
		for (i = 0; i < QDX_COUNT(places); i++)
			if (strlen(places[i]) == w && !strncmp(p, places[i], w))
				cap = 2;
		p += w;
		while (*p == ' ')
			p++;
	}
	return lo;
}

static void derive_issuer(qdx_doc *doc, UCaseMap *cm)
{
	qdx_meta *m = &doc->meta;
	qdx_buf parent, unit, out;
	const char *s = m->issuer_raw;
	int in_unit = 0;

	if (!s)
		return;
	qdx_buf_init(&parent);
	qdx_buf_init(&unit);
	qdx_buf_init(&out);
	/* issuer_raw joins the letterhead lines with spaces; the unit starts at
	 * the first body word after the governing body and its locality. */
	while (*s) {
		size_t w = strcspn(s, " \n");
		int line_start = s == m->issuer_raw || s[-1] == '\n';
		/* A unit's name after a governing body that is complete (it
		 * named its locality, or is a national body). */
		if (!in_unit && parent.len && line_start &&
		    (!strncmp(s, "BAN ", 4) || !strncmp(s, "SỞ ", 4) || !strncmp(s, "PHÒNG ", 7) ||
		     !strncmp(s, "VĂN PHÒNG ", 11) || !strncmp(s, "TIỂU BAN ", 10)) &&
		    !starts_with_locality(s))
			in_unit = 1;
		qdx_buf *b;

		b = in_unit ? &unit : &parent;
		if (b->len)
			qdx_buf_putc(b, ' ');
		qdx_buf_put(b, s, w);
		s += w;
		while (*s == ' ' || *s == '\n')
			s++;
	}
	if (unit.len) {
		put_expanded(&out, unit.p);
		if (!strncmp(parent.p, "UBND", 4) || !strncmp(parent.p, "ỦY BAN NHÂN DÂN", 21)) {
			size_t i;
			for (i = 0; i < QDX_COUNT(localities); i++) {
				const char *loc = strstr(parent.p, localities[i]);
				if (loc) {
					put_expanded(&out, loc);
					break;
				}
			}
		} else {
			put_expanded(&out, parent.p);
		}
	} else {
		put_expanded(&out, parent.p);
	}
	m->issuer = recase(doc, cm, out.p, 0);
	qdx_buf_free(&parent);
	qdx_buf_free(&unit);
	qdx_buf_free(&out);
}

static const char *find_province(qdx_doc *doc, UCaseMap *cm, const char *s)
{
	const qdx_ruleset *set = qdx_rules_set(doc->rules, "meta");
	size_t k;
	qdx_match m;
	qdx_span sp;

	if (!s || !set)
		return NULL;
	for (k = 0; k < qdx_ruleset_count(set); k++) {
		const qdx_rule *r = qdx_ruleset_rule(set, k);
		if (strncmp(qdx_rule_name(r), "province", 8))
			continue;
		if (qdx_rule_search(r, doc->matcher, s, strlen(s), 0, &m) == 1 &&
		    qdx_match_group(&m, "name", &sp))
			return recase(doc, cm, qdx_arena_strndup(&doc->arena, sp.p, sp.n), 1);
	}
	return NULL;
}

/* Drafts leave blanks that are filled in by hand: "số …05…./2006/ QĐ-UBND,
 * ngày …25..tháng 01".  Drops the fill (ellipses, dot runs, a dot before
 * "/") and the spaces around "/", in place. */
static void drop_fill(qdx_buf *b)
{
	size_t i, j = 0;
	char prev = 0;

	for (i = 0; i < b->len; prev = b->p[i], i++) {
		char c = b->p[i];
		if (i + 2 < b->len && !memcmp(b->p + i, "\xE2\x80\xA6", 3)) {
			i += 2;
			continue;
		}
		if (c == '.' && ((i + 1 < b->len && (b->p[i + 1] == '.' || b->p[i + 1] == '/')) ||
		                 prev == '.'))
			continue;
		if (c == ' ' && ((j && b->p[j - 1] == '/') || (i + 1 < b->len && b->p[i + 1] == '/')))
			continue;
		b->p[j++] = c;
	}
	b->len = j;
	b->p[j] = '\0';
}

static void derive_attached(qdx_doc *doc, UCaseMap *cm, const qdx_text *t)
{
	qdx_meta *m = &doc->meta;
	const qdx_ruleset *set = qdx_rules_set(doc->rules, "meta");
	const qdx_rule *r = NULL;
	qdx_match mt;
	qdx_span sp;
	size_t k, i = m->attached_line - 1;
	qdx_buf line;

	if (!m->attached_line || !set)
		return;
	for (k = 0; k < qdx_ruleset_count(set); k++)
		if (!strcmp(qdx_rule_name(qdx_ruleset_rule(set, k)), "attached-ref"))
			r = qdx_ruleset_rule(set, k);
	if (!r)
		return;
	/* The reference may wrap: read the attached line and the next two. */
	qdx_buf_init(&line);
	for (k = i; k < t->n && k < i + 3; k++) {
		if (line.len)
			qdx_buf_putc(&line, ' ');
		qdx_buf_put(&line, qdx_text_line(t, k), t->v[k].len);
	}
	drop_fill(&line);
	if (qdx_rule_search(r, doc->matcher, line.p, line.len, 0, &mt) == 1) {
		qdx_span d, mo, y;
		if (qdx_match_group(&mt, "number", &sp))
			m->attached_number = qdx_arena_strndup(&doc->arena, sp.p, sp.n);
		if (qdx_match_group(&mt, "day", &d) && qdx_match_group(&mt, "month", &mo) &&
		    qdx_match_group(&mt, "year", &y))
			m->attached_date = qdx_arena_printf(&doc->arena, "%.*s-%02d-%02d", (int)y.n, y.p,
			                                    atoi(qdx_arena_strndup(&doc->arena, mo.p, mo.n)),
			                                    atoi(qdx_arena_strndup(&doc->arena, d.p, d.n)));
		if (!m->year && qdx_match_group(&mt, "year", &y))
			m->year = qdx_arena_strndup(&doc->arena, y.p, y.n);
		/* A later part attached to the document that leads the file says
		 * nothing of what the leader is attached to; a leading decision
		 * without a number of its own is the one that part names. */
		if (m->attached_part > 0) {
			if (!strcmp(m->kind, "quyet-dinh") && !m->number) {
				m->number = m->attached_number;
				if (!m->date)
					m->date = m->attached_date;
			}
			m->attached_number = m->attached_date = NULL;
		}
	}
	if (!m->province)
		m->province = find_province(doc, cm, line.p);
	qdx_buf_free(&line);
}

void qdx_meta_finish(qdx_doc *doc, const qdx_text *t)
{
	qdx_meta *m = &doc->meta;
	UErrorCode ec = U_ZERO_ERROR;
	/* One case map for the document: opening one per name cost more than
	 * the recasing. */
	UCaseMap *cm = ucasemap_open("vi", 0, &ec);

	if (U_FAILURE(ec))
		cm = NULL;
	if (!m->kind)
		m->kind = "other";
	derive_issuer(doc, cm);
	m->province = find_province(doc, cm, m->issuer_raw);
	derive_attached(doc, cm, t);
	if (!m->province)
		m->province = find_province(doc, cm, m->title);
	ucasemap_close(cm);
}
