/*
 * segment.c - a file -> its parts, its identity (meta), and the lines that
 * hold numbered content.
 *
 * Nghị định 30/2020/NĐ-CP fixes the order of a document's pieces:
 * letterhead (issuer beside the national motto), number, place and date,
 * kind and title, bases, body, signature, recipients.  Each line is
 * classified once by rules/segment.rules; this file walks that sequence.
 * A new part starts where another document's kind line, an appendix
 * heading, or a "(kèm theo ...)" title follows the end of a body (its
 * signature or recipients).  Lines that are not body get QDX_LINE_SKIP so
 * the hierarchy never takes a recipient for a bullet.
 */
#include "internal.h"
#include "segment.h"

#include <stdlib.h>

enum kind {
	L_NONE, L_MOTTO, L_NUMBER, L_DATE, L_DECIDE, L_APPENDIX, L_KIND, L_ATTACHED, L_BASIS,
	L_RECIPIENTS, L_ON_BEHALF, L_ROLE, L_BODY, L_KIND_CASELESS, L_ROLE_CASELESS
};
static const char *const kind_names[] = { "", "motto", "number", "date", "decide", "appendix",
	                                  "kind", "attached", "basis", "recipients", "on-behalf",
	                                  "role", "body", "kind-caseless", "role-caseless" };

typedef struct seg {
	qdx_doc *doc;
	qdx_text *t;
	const qdx_ruleset *rules, *labels;
	unsigned char *kinds;
	unsigned char *mute;    /* the rules that say nothing of this document */
	qdx_match m;
} seg;

static enum kind classify(seg *s, size_t i)
{
	const char *what;
	int k;

	if (!s->t->v[i].len || (s->t->v[i].flags & (QDX_LINE_ROW | QDX_LINE_CELL)))
		return L_NONE;
	if (qdx_ruleset_classify_unless(s->rules, s->doc->matcher, qdx_text_line(s->t, i),
	                                s->t->v[i].len, s->mute, &s->m) != 1)
		return L_NONE;
	what = qdx_rule_attr(s->m.rule, "line");
	for (k = 1; what && k < (int)QDX_COUNT(kind_names); k++)
		if (!strcmp(kind_names[k], what))
			break;
	if (k == L_KIND_CASELESS)
		return L_KIND;
	if (k == L_ROLE_CASELESS)
		return L_ROLE;
	return k < (int)QDX_COUNT(kind_names) ? (enum kind)k : L_NONE;
}

/* Rules for text without capitals speak only for such text: in any other
 * document a line they match is no kind or role line, whatever a later
 * rule says.  Muted there rather than run on every line: they were 209k
 * and 130k calls on the bench corpus, nearly all in vain (~3.7% of regex
 * time).  NULL for a document without capitals. */
static unsigned char *caseless_mute(const seg *s)
{
	size_t i, n = qdx_ruleset_count(s->rules);
	unsigned char *mute;

	if (s->doc->caseless)
		return NULL;
	mute = qdx_xcalloc(n + 1, 1);
	for (i = 0; i < n; i++) {
		const char *what = qdx_rule_attr(qdx_ruleset_rule(s->rules, i), "line");
		mute[i] = what && (!strcmp(what, kind_names[L_KIND_CASELESS]) ||
		                   !strcmp(what, kind_names[L_ROLE_CASELESS]));
	}
	return mute;
}

/* "-0-" and other ornaments under a letterhead hold no letter. */
static int has_letter(const seg *s, size_t i)
{
	const unsigned char *p = (const unsigned char *)qdx_text_line(s->t, i);
	size_t k;

	for (k = 0; k < s->t->v[i].len; k++)
		if (((p[k] | 32) >= 'a' && (p[k] | 32) <= 'z') || p[k] >= 0xC3)
			return 1;
	return 0;
}

/* The issuer's lines in [from, to): a motto or a border between the two
 * lines of a letterhead column is not part of it. */
static const char *join_issuer(seg *s, size_t from, size_t to)
{
	qdx_buf b;
	size_t i;
	const char *out;

	qdx_buf_init(&b);
	for (i = from; i < to; i++) {
		if (!s->t->v[i].len || s->kinds[i] == L_MOTTO || !has_letter(s, i))
			continue;
		if (b.len)
			qdx_buf_putc(&b, '\n');
		qdx_buf_put(&b, qdx_text_line(s->t, i), s->t->v[i].len);
	}
	out = qdx_arena_strndup(&s->doc->arena, b.p, b.len);
	qdx_buf_free(&b);
	return out;
}

/* Upper case marks headings; in a caseless document any short line of
 * letters may be one. */
static int is_upper(const seg *s, size_t i)
{
	const qdx_line *l = &s->t->v[i];

	if (s->doc->caseless)
		return l->len && l->len < 120 && !(l->flags & (QDX_LINE_ROW | QDX_LINE_CELL)) &&
		       strcspn(qdx_text_line(s->t, i), "abcdefghiklmnopqrstuvxy") < l->len;
	return (l->flags & QDX_LINE_UPPER) != 0;
}

static const char *kind_slug(const char *w)
{
	static const struct {
		const char *word, *slug;
	} kinds[] = {
		{ "QUYẾT ĐỊNH", "quyet-dinh" }, { "KẾ HOẠCH", "ke-hoach" },
		{ "NGHỊ QUYẾT", "nghi-quyet" }, { "CHỈ THỊ", "chi-thi" },
		{ "CÔNG VĂN", "cong-van" },     { "THÔNG BÁO", "thong-bao" },
		{ "BÁO CÁO", "bao-cao" },
		/* as caseless documents write them */
		{ "quyết định", "quyet-dinh" }, { "kế hoạch", "ke-hoach" },
		{ "nghị quyết", "nghi-quyet" }, { "chỉ thị", "chi-thi" },
		{ "công văn", "cong-van" },     { "thông báo", "thong-bao" },
		{ "báo cáo", "bao-cao" },
	};
	size_t i;

	for (i = 0; i < QDX_COUNT(kinds); i++)
		if (!strncmp(w, kinds[i].word, strlen(kinds[i].word)))
			return kinds[i].slug;
	return "other";
}

/* Joins lines [from, to) with `sep` into one string (arena). */
static const char *join_lines(seg *s, size_t from, size_t to, char sep)
{
	qdx_buf b;
	size_t i;
	const char *out;

	qdx_buf_init(&b);
	for (i = from; i < to; i++) {
		if (!s->t->v[i].len)
			continue;
		if (b.len)
			qdx_buf_putc(&b, sep);
		qdx_buf_put(&b, qdx_text_line(s->t, i), s->t->v[i].len);
	}
	out = qdx_arena_strndup(&s->doc->arena, b.p, b.len);
	qdx_buf_free(&b);
	return out;
}

static const char *group(seg *s, const char *name)
{
	qdx_span sp;

	if (!qdx_match_group(&s->m, name, &sp) || !sp.n)
		return NULL;
	return qdx_arena_strndup(&s->doc->arena, sp.p, sp.n);
}

static void set_date(seg *s)
{
	const char *d = group(s, "day"), *m = group(s, "month"), *y = group(s, "year");
	qdx_meta *meta = &s->doc->meta;
	int day = d ? atoi(d) : 0, mon = m ? atoi(m) : 0;

	if (meta->year)
		return;
	meta->year = y;
	if (y && day >= 1 && day <= 31 && mon >= 1 && mon <= 12)
		meta->date = qdx_arena_printf(&s->doc->arena, "%s-%02d-%02d", y, mon, day);
}

/* A "Số:" line: the number as written without inner spaces; null when a
 * draft leaves it blank or dotted ("Số: /KH-SNV", "Số: ..../QĐ"). */
static void set_number(seg *s)
{
	const char *raw = group(s, "number");
	char *out;
	size_t i, j = 0;
	int digit = 0;

	if (s->doc->meta.number || s->doc->meta.number_seen || !raw)
		return;
	s->doc->meta.number_seen = 1;
	out = qdx_arena_strdup(&s->doc->arena, raw);
	for (i = 0; out[i]; i++) {
		if (out[i] == ' ')
			continue;
		digit |= out[i] >= '0' && out[i] <= '9' && (j == 0 || out[j - 1] != '.');
		out[j++] = out[i];
	}
	out[j] = '\0';
	if (digit && out[0] >= '0' && out[0] <= '9')
		s->doc->meta.number = out;
}

/* A numbered line ends any header: letterheads carry no numbering. */
static int starts_item(seg *s, size_t i)
{
	qdx_match m;

	return s->labels && s->kinds[i] == L_NONE &&
	       qdx_ruleset_classify(s->labels, s->doc->matcher, qdx_text_line(s->t, i),
	                            s->t->v[i].len, &m) == 1 &&
	       strcmp(qdx_rule_attr(m.rule, "style") ? qdx_rule_attr(m.rule, "style") : "", "bullet");
}

/* A place and date that a converter wrapped over two lines. */
static int date_across(seg *s, size_t i)
{
	qdx_buf b;
	int ok;

	qdx_buf_init(&b);
	qdx_buf_put(&b, qdx_text_line(s->t, i), s->t->v[i].len);
	qdx_buf_putc(&b, ' ');
	qdx_buf_put(&b, qdx_text_line(s->t, i + 1), s->t->v[i + 1].len);
	ok = qdx_ruleset_classify(s->rules, s->doc->matcher, b.p, b.len, &s->m) == 1 &&
	     !strcmp(qdx_rule_attr(s->m.rule, "line"), "date");
	if (ok)
		set_date(s);
	qdx_buf_free(&b);
	return ok;
}

/* The letterhead and title of a part: from `from` until the body starts.
 * Returns the first line of the body. */
static size_t read_header(seg *s, size_t from, size_t to, qdx_node *part, int first)
{
	qdx_meta *meta = &s->doc->meta;
	size_t i, issuer_from = to, issuer_to = to, title_from = to, title_to = to;
	int seen_kind = 0;

	for (i = from; i < to; i++) {
		enum kind k = s->kinds[i];
		if (!s->t->v[i].len)
			continue;
		if (k == L_BASIS || k == L_DECIDE || k == L_RECIPIENTS || starts_item(s, i))
			break;
		if (k == L_NONE && first && !meta->year && i + 1 < to && strstr(qdx_text_line(s->t, i), "ngày") &&
		    date_across(s, i)) {
			i++;      /* "Cần Thơ, ngày" / "17 tháng 11 năm 2025" */
			continue;
		}
		if (!seen_kind && k == L_NONE && !is_upper(s, i) &&
		    !(s->t->v[i].flags & QDX_LINE_BOLD) && has_letter(s, i))
			break;     /* prose before any kind line: no header here */
		if (k == L_KIND || (k == L_APPENDIX && !seen_kind)) {
			if (!seen_kind && first && !meta->kind) {
				qdx_match_group(&s->m, "kind", &(qdx_span){ 0 });
				meta->kind = k == L_KIND ? kind_slug(qdx_text_line(s->t, i)) : "other";
			}
			part->type = k == L_APPENDIX ? "appendix" : part->type;
			seen_kind = 1;
			title_from = to;
			continue;
		}
		if (seen_kind) {
			/* The title runs until a blank line, the authority's line, a
			 * basis, the "(kèm theo ...)" line or a table. */
			if (s->t->v[i].flags & (QDX_LINE_ROW | QDX_LINE_CELL))
				break;
			if (k == L_ATTACHED) {
				if (!meta->attached_line) {
					meta->attached_line = (uint32_t)i + 1;
					meta->attached_part = !first;
				}
				i++;
				while (i < to && s->t->v[i].len && s->kinds[i] == L_NONE &&
				       !(s->t->v[i].flags & QDX_LINE_UPPER) &&
				       !strchr(qdx_text_line(s->t, i - 1), ')'))
					i++;
				break;
			}
			if (k == L_ROLE || k == L_BODY || k == L_ON_BEHALF) {
				/* No letterhead: the deciding authority is the issuer. */
				if (first && issuer_from == to) {
					issuer_from = i;
					issuer_to = i + 1;
				}
				i++;
				break;
			}
			if (title_from == to)
				title_from = i;
			else if (title_to < i && !(s->t->v[i].flags & QDX_LINE_JOINED))
				break;
			title_to = i + 1;
			continue;
		}
		if ((k == L_NUMBER || k == L_DATE) && first) {
			classify(s, i);     /* the match of this line, for its groups */
			if (k == L_DATE) {
				set_date(s);
			} else if (group(s, "number")) {
				set_number(s);
			} else if (i + 1 < to && qdx_text_line(s->t, i + 1)[0] >= '0' &&
			           qdx_text_line(s->t, i + 1)[0] <= '9') {
				/* "Số:" in one cell, the number in the next */
				qdx_buf b;
				qdx_buf_init(&b);
				qdx_buf_puts(&b, "Số: ");
				qdx_buf_put(&b, qdx_text_line(s->t, i + 1), s->t->v[i + 1].len);
				if (qdx_ruleset_classify(s->rules, s->doc->matcher, b.p, b.len, &s->m) == 1)
					set_number(s);
				qdx_buf_free(&b);
				i++;
			}
		}
		else if ((k == L_BODY || k == L_ROLE || (k == L_NONE && is_upper(s, i))) && first &&
		         issuer_from == to) {
			issuer_from = i;
			issuer_to = i + 1;
		} else if ((k == L_NONE || k == L_BODY) && is_upper(s, i) && issuer_to == i) {
			issuer_to = i + 1;
		} else if (k == L_NONE && is_upper(s, i) && issuer_from < to &&
		           issuer_to < i && i - issuer_to <= 2 && !meta->number_seen) {
			/* an issuer broken around a blank or a border line */
			issuer_to = i + 1;
		}
	}
	if (title_from < to && title_to <= to) {
		part->attrs = NULL;
		qdx_node_set_attr(s->doc, part, "title", join_lines(s, title_from, title_to, ' '));
		if (first && !meta->title) {
			meta->title = qdx_node_attr(part, "title");
			meta->title_line = s->t->v[title_from].no;
		}
	}
	if (first && issuer_from < to && !meta->issuer_raw)
		meta->issuer_raw = join_issuer(s, issuer_from, issuer_to);
	return i;
}

/* The signature: "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH" / name.  Marks its lines
 * and, for the first part, fills meta.signer. */
static size_t read_signature(seg *s, size_t i, size_t to, int first)
{
	qdx_meta *meta = &s->doc->meta;
	const char *behalf = NULL, *role = NULL;
	size_t j;
	int seen = 0;

	for (j = i; j < to && seen < 8; j++) {
		const qdx_line *l = &s->t->v[j];
		enum kind k = s->kinds[j];
		if (!l->len)
			continue;
		seen++;
		if (k == L_ON_BEHALF && !behalf && !role) {
			const char *p = qdx_text_line(s->t, j);
			size_t tabs = strspn(p, "\t");
			behalf = qdx_arena_strndup(&s->doc->arena, p + tabs, l->len - tabs);
		} else if (behalf && !role && k == L_NONE && is_upper(s, j)) {
			/* "TM. ỦY BAN" / "NHÂN DÂN": the on-behalf line wrapped */
			behalf = qdx_arena_printf(&s->doc->arena, "%s %.*s", behalf, (int)l->len,
			                          qdx_text_line(s->t, j));
		} else if (k == L_ROLE && !role) {
			role = qdx_arena_strndup(&s->doc->arena, qdx_text_line(s->t, j), l->len);
		} else if (role && k == L_NONE && !is_upper(s, j) && l->len < 60 &&
		           !memchr(qdx_text_line(s->t, j), '(', l->len) &&
		           !memchr(qdx_text_line(s->t, j), ':', l->len)) {
			if (first && !meta->signer_name) {
				meta->signer_name = qdx_arena_strndup(&s->doc->arena,
				                                      qdx_text_line(s->t, j), l->len);
				meta->signer_role = role;
				meta->signer_on_behalf = behalf;
			}
			s->t->v[j].flags |= QDX_LINE_SKIP;
			return j + 1;
		} else if (k != L_NONE || !(l->flags & QDX_LINE_UPPER || l->len < 12)) {
			break;
		}
		s->t->v[j].flags |= QDX_LINE_SKIP;
	}
	if (first && role && !meta->signer_role) {
		meta->signer_role = role;
		meta->signer_on_behalf = behalf;
	}
	return j;
}

/* Front matter kept as a block of the part: lines [from, to). */
static void add_block(seg *s, qdx_node *part, const char *type, size_t from, size_t to)
{
	qdx_node *b;

	if (from >= to)
		return;
	b = qdx_node_new(s->doc, QDX_NODE_BLOCK, s->t->v[from].no);
	b->type = type;
	b->end_line = s->t->v[to - 1].no;
	b->span_from = (uint32_t)from;
	b->span_to = (uint32_t)to;
	b->text = join_lines(s, from, to, ' ');
	qdx_node_append(part, b);
}

static int is_recipient(const char *l)
{
	return strchr("-+•", l[0]) || !strncmp(l, "–", 3) || !strncmp(l, "Lưu", 4);
}

/* "Nơi nhận:" and its list: bullets, the lines a long recipient wraps
 * onto, and "Lưu: VT". Returns the first line after the list. */
static size_t skip_recipients(seg *s, size_t i)
{
	qdx_text *t = s->t;

	t->v[i].flags |= QDX_LINE_SKIP;
	for (i++; i < t->n; i++) {
		const char *l = qdx_text_line(t, i);
		size_t j;

		if (t->v[i].len && s->kinds[i])
			break;
		if (t->v[i].len && !is_recipient(l)) {
			/* a wrapped recipient goes on until the next bullet */
			for (j = i + 1; j < t->n && !t->v[j].len; j++)
				;
			if (t->v[i].len > 80 || j >= t->n || !is_recipient(qdx_text_line(t, j)))
				break;
		}
		t->v[i].flags |= QDX_LINE_SKIP;
	}
	return i;
}

/* "TM. ỦY BAN NHÂN DÂN TỈNH" set in a cell of the signature's column (a
 * tab before it) above the role: the line index, or i when there is none. */
static size_t on_behalf_above(seg *s, size_t i)
{
	size_t j = i;
	const char *l;
	qdx_match m;

	while (j > 0 && !s->t->v[j - 1].len)
		j--;
	if (!j || !(s->t->v[j - 1].flags & QDX_LINE_CELL))
		return i;
	l = qdx_text_line(s->t, j - 1);
	while (*l == '\t')
		l++;
	if (qdx_ruleset_classify(s->rules, s->doc->matcher, l, strlen(l), &m) == 1 &&
	    !strcmp(qdx_rule_attr(m.rule, "line"), "on-behalf"))
		return j - 1;
	return i;
}

static qdx_node *new_part(seg *s, size_t i, const char *type)
{
	qdx_node *p = qdx_node_new(s->doc, QDX_NODE_PART, s->t->n ? s->t->v[i < s->t->n ? i : s->t->n - 1].no : 1);
	p->type = type;
	p->span_from = (uint32_t)i;
	qdx_node_append(s->doc->root, p);
	return p;
}

/* Does a new document start at line i (after a body ended)? */
static int starts_part(seg *s, size_t i)
{
	size_t j;

	if (s->kinds[i] == L_KIND || s->kinds[i] == L_APPENDIX)
		return 1;
	/* An upper-case or bold title followed closely by "(kèm theo ...)". */
	if (!(s->t->v[i].flags & (QDX_LINE_UPPER | QDX_LINE_BOLD)) || s->kinds[i] != L_NONE)
		return 0;
	for (j = i + 1; j < s->t->n && j < i + 5; j++)
		if (s->kinds[j] == L_ATTACHED)
			return 1;
	return 0;
}

void qdx_segment(qdx_doc *doc, qdx_text *t)
{
	seg s;
	size_t i, body, part_from = 0;
	qdx_node *part;
	int ended = 0, first = 1, in_body = 0;

	memset(&s, 0, sizeof(s));
	s.doc = doc;
	s.t = t;
	s.rules = qdx_rules_set(doc->rules, "segment");
	s.labels = qdx_rules_set(doc->rules, "hierarchy");
	s.kinds = qdx_xcalloc(t->n + 1, 1);
	s.mute = caseless_mute(&s);
	for (i = 0; i < t->n; i++)
		s.kinds[i] = (unsigned char)classify(&s, i);

	part = new_part(&s, 0, "document");
	body = read_header(&s, 0, t->n, part, 1);
	for (i = 0; i < body; i++)
		t->v[i].flags |= QDX_LINE_SKIP;
	for (i = body; i < t->n; i++) {
		enum kind k = s.kinds[i];

		/* A new document after the end of one (its signature or its
		 * recipients); an appendix heading wherever it stands. */
		if ((ended && starts_part(&s, i)) ||
		    (k == L_APPENDIX && (t->v[i].flags & QDX_LINE_UPPER))) {
			part->span_to = (uint32_t)i;
			qdx_hierarchy_build(doc, t, part_from, i, part);
			qdx_node_sort_children(part);
			part = new_part(&s, i, k == L_APPENDIX ? "appendix" : "attachment");
			first = 0;
			body = read_header(&s, i, t->n, part, 0);
			for (; i < body; i++)
				t->v[i].flags |= QDX_LINE_SKIP;
			part_from = body;
			ended = 0;
			in_body = 0;
			i = body - 1;
			continue;
		}
		/* Bases come before a document's body; once articles or items have
		 * begun, "Căn cứ ..." is prose of an item. */
		if (!in_body && (k == L_DECIDE || (k == L_NONE && starts_item(&s, i))))
			in_body = 1;
		if (k == L_BASIS && !in_body) {
			/* A basis runs until its closing ";" or "," or ".". */
			size_t from = i;
			for (; i < t->n && t->v[i].len; i++) {
				const char *l = qdx_text_line(t, i);
				t->v[i].flags |= QDX_LINE_SKIP;
				if (strchr(";,.:", l[t->v[i].len - 1]) ||
				    (i + 1 < t->n && (s.kinds[i + 1] ||
				                      (t->v[i + 1].flags & (QDX_LINE_UPPER | QDX_LINE_BOLD)))))
					break;
			}
			add_block(&s, part, "basis", from, i < t->n ? i + 1 : i);
		} else if (k == L_DECIDE) {
			t->v[i].flags |= QDX_LINE_SKIP;
		} else if (k == L_RECIPIENTS) {
			size_t from = i;
			i = skip_recipients(&s, i);
			add_block(&s, part, "recipients", from, i);
			i--;
			ended = 1;
		} else if (k == L_ON_BEHALF || (k == L_ROLE && (t->v[i].flags & QDX_LINE_UPPER))) {
			size_t from = i;
			if (k == L_ROLE && (from = on_behalf_above(&s, i)) < i)
				s.kinds[from] = L_ON_BEHALF;
			else
				from = i;
			i = read_signature(&s, from, t->n, first);
			add_block(&s, part, "signature", from, i);
			i--;
			ended = 1;
		}
	}
	part->span_to = (uint32_t)t->n;
	qdx_hierarchy_build(doc, t, part_from, t->n, part);
	qdx_node_sort_children(part);
	free(s.kinds);
	free(s.mute);
	qdx_meta_finish(doc, t);
}
