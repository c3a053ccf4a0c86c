/*
 * hierarchy.c - numbered lines -> a tree of items.
 *
 * Each line is classified once by rules/hierarchy.rules (one combined,
 * anchored PCRE2 pattern).  Nesting follows the numbering, never
 * indentation or markdown marks: a style not open yet opens a level below
 * the current item; a style already open closes everything below it and
 * continues at its level.  This re-nesting is what legislation parsers do,
 * and it is right for documents whose writers mix "1." under "I." with
 * "1." under "Điều 2" or bullets under any level.
 */
#include "internal.h"
#include "hierarchy.h"
#include "rules.h"

#include <stdlib.h>

/* Deeper numbering than this is not a document any more; deeper items are
 * kept as siblings at the last level, with a diagnostic. */
#define MAX_DEPTH 32

typedef struct open_level {
	qdx_node *node;
	const char *key;
	int value;
} open_level;

/* How a style's labels count ("Chương II", "Mục 3": the number after the
 * word). */
enum counting { C_NONE, C_WORD, C_ROMAN, C_ALPHA, C_ARTICLE, C_DECIMAL, C_ARABIC };

/* What a rule of rules/hierarchy.rules says about its labels, read from
 * its attributes once per part, not per line. */
typedef struct rule_style {
	const char *style;      /* the items' type; NULL: not read yet */
	const char *key;        /* NULL: by the depth of a decimal label */
	enum counting counting;
} rule_style;

/* A line's numbering, found once per line: the rule, where the label is
 * and where the text after it starts (offsets past leading tabs), the
 * style key it nests by and its place in its sequence. */
typedef struct label_at {
	const qdx_rule *rule;
	const char *key;
	uint32_t lab, lab_len, end;
	int value;
} label_at;

typedef struct builder {
	qdx_doc *doc;
	const qdx_text *t;
	const qdx_ruleset *rules;
	qdx_node *part;
	open_level stack[MAX_DEPTH];
	int depth;
	qdx_node *cur;          /* the item whose paragraph may go on */
	int para_open;
	qdx_buf text;
	int wrapped;            /* lines are hard-wrapped by a converter */
	int blank_paras;        /* paragraphs are separated by blank lines */
	size_t wrap_width;      /* bytes: how long a wrapped line runs */
	int depth_warned;
	label_at *labels;       /* indexed by line - from */
	rule_style *styles;     /* indexed by the rule's place in its set */
} builder;

static const char *alphabet[] = { "a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l", "m",
	                          "n", "o", "p", "q", "r", "s", "t", "u", "v", "x", "y" };

static int roman_value(const char *s, size_t n)
{
	int v = 0, prev = 0;
	size_t i;

	for (i = n; i-- > 0;) {
		int d = s[i] == 'I' ? 1 : s[i] == 'V' ? 5 : s[i] == 'X' ? 10 : s[i] == 'L' ? 50 : 100;
		v += d < prev ? -d : d;
		if (d > prev)
			prev = d;
	}
	return v;
}

/* The position of a label in its sequence, to notice skips and repeats. */
static int label_value(enum counting c, const char *s, size_t n)
{
	size_t i;
	const char *dot;

	switch (c) {
	case C_WORD: {
		const char *sp = memchr(s, ' ', n);
		if (!sp)
			return 0;
		n -= (size_t)(sp + 1 - s);
		s = sp + 1;
		return (s[0] >= '0' && s[0] <= '9') ? (int)strtol(s, NULL, 10) : roman_value(s, n);
	}
	case C_ROMAN:
		return roman_value(s, n);
	case C_ALPHA:
		for (i = 0; i < QDX_COUNT(alphabet); i++)
			if (strlen(alphabet[i]) == n && !memcmp(alphabet[i], s, n))
				return (int)i + 1;
		return 0;
	case C_ARTICLE:
		return (int)strtol(s + strcspn(s, "0123456789"), NULL, 10);
	case C_DECIMAL:
		dot = s;
		for (i = 0; i < n; i++)
			if (s[i] == '.')
				dot = s + i + 1;
		return (int)strtol(dot, NULL, 10);
	case C_ARABIC:
		return (int)strtol(s, NULL, 10);
	default:
		return 0;
	}
}

/* A rule's style (its name when it has none) and how it counts. */
static const rule_style *style_of(builder *b, const qdx_rule *rule)
{
	static const struct {
		const char *style;
		enum counting counting;
	} countings[] = {
		{ "chapter", C_WORD },     { "section", C_WORD }, { "roman", C_ROMAN },
		{ "alpha", C_ALPHA },      { "article", C_ARTICLE },
		{ "decimal", C_DECIMAL }, { "arabic", C_ARABIC },
	};
	rule_style *st = &b->styles[rule - b->rules->v];
	size_t i;

	if (st->style)
		return st;
	st->style = qdx_rule_attr(rule, "style");
	if (!st->style)
		st->style = qdx_rule_name(rule);
	for (i = 0; i < QDX_COUNT(countings); i++)
		if (!strcmp(countings[i].style, st->style))
			st->counting = countings[i].counting;
	st->key = qdx_rule_attr(rule, "key");
	if (!st->key && st->counting != C_DECIMAL)
		st->key = st->style;
	return st;
}

/* Decimal labels nest by their depth: "2.1" and "2.1.3" are two styles. */
static const char *style_key(const rule_style *st, const char *label, size_t n)
{
	static const char *depth_keys[] = { "decimal1", "decimal2", "decimal3", "decimal4",
		                            "decimal5", "decimal6" };
	size_t i, dots = 0;

	if (st->key)
		return st->key;
	for (i = 0; i < n; i++)
		dots += label[i] == '.';
	return depth_keys[dots < QDX_COUNT(depth_keys) ? dots : QDX_COUNT(depth_keys) - 1];
}

/* Converters that hard-wrap lines leave many lines that neither end a
 * sentence nor are followed by a blank line; one-paragraph-per-line text
 * has almost none. */
static int detect_wrapped(const qdx_text *t, size_t from, size_t to)
{
	size_t i, text = 0, broken = 0;

	for (i = from; i < to; i++) {
		if (!t->v[i].len || (t->v[i].flags & (QDX_LINE_ROW | QDX_LINE_CELL)))
			continue;
		text++;
		if (i + 1 < to && t->v[i + 1].len &&
		    !(t->v[i + 1].flags & (QDX_LINE_ROW | QDX_LINE_CELL)) &&
		    !qdx_ends_sentence(qdx_text_line(t, i), t->v[i].len) &&
		    qdx_starts_lower(qdx_text_line(t, i + 1), t->v[i + 1].len))
			broken++;
	}
	return text && broken * 10 >= text;
}

static void close_paragraph(builder *b)
{
	if (b->cur && b->para_open) {
		size_t n = b->text.len;
		while (n && b->text.p[n - 1] == ' ')
			n--;
		b->cur->text = qdx_arena_strndup(&b->doc->arena, b->text.p, n);
	}
	b->para_open = 0;
	b->text.len = 0;
}

static void add_text(builder *b, const char *s, size_t n)
{
	while (n && *s == ' ')
		s++, n--;
	if (b->text.len && b->text.p[b->text.len - 1] != ' ' && n)
		qdx_buf_putc(&b->text, ' ');
	qdx_buf_put(&b->text, s, n);
}

/* Where a new item of style `key` goes: returns the depth it takes. */
static int place(builder *b, const char *key, int value, uint32_t line, const char *label)
{
	int d;

	for (d = b->depth - 1; d >= 0; d--) {
		if (strcmp(b->stack[d].key, key))
			continue;
		if (value && b->stack[d].value && value == b->stack[d].value)
			qdx_doc_diag_add(b->doc, line, "warning", "label '%s' repeats the one before it",
			                 label);
		else if (value && b->stack[d].value && value != b->stack[d].value + 1)
			qdx_doc_diag_add(b->doc, line, "note", "label '%s' does not follow '%s' in sequence",
			                 label, qdx_node_label(b->stack[d].node));
		return d;
	}
	if (b->depth == MAX_DEPTH) {
		if (!b->depth_warned++)
			qdx_doc_diag_add(b->doc, line, "warning",
			                 "numbering nested deeper than %d levels; kept at that level",
			                 MAX_DEPTH);
		return MAX_DEPTH - 1;
	}
	return b->depth;
}

/* Where paragraphs are set apart by blank lines, a bullet or number at the
 * start of a hard-wrapped line with no blank line before it is the
 * sentence going on ("... của Công an thành phố\n- Thường trực ..."). */
static int is_continuation(builder *b, size_t i, const char *key, int value)
{
	const qdx_line *prev;
	int d;

	if (!b->wrapped || !b->blank_paras || !i || !b->para_open)
		return 0;
	prev = &b->t->v[i - 1];
	if (!prev->len || (prev->flags & (QDX_LINE_BOLD | QDX_LINE_UPPER | QDX_LINE_HEADING)) ||
	    qdx_ends_sentence(qdx_text_line(b->t, i - 1), prev->len))
		return 0;
	/* A number that continues an open sequence is a real label. */
	for (d = 0; d < b->depth; d++)
		if (!strcmp(b->stack[d].key, key) && value == b->stack[d].value + 1 && value > 1)
			return 0;
	return 1;
}

/* Opens the item whose label `la` found in s[0..n), line i. */
static void start_item(builder *b, size_t i, const label_at *la, const char *s, size_t n)
{
	const qdx_line *l = &b->t->v[i];
	const char *label = qdx_arena_strndup(&b->doc->arena, s + la->lab, la->lab_len);
	qdx_node *item;
	int d;

	close_paragraph(b);
	if (b->cur)
		b->cur->span_to = (uint32_t)i;
	d = place(b, la->key, la->value, l->no, label);
	b->depth = d;
	item = qdx_node_new(b->doc, QDX_NODE_ITEM, l->no);
	item->type = style_of(b, la->rule)->style;
	item->label = label;
	item->level = d;
	item->span_from = (uint32_t)i;
	item->span_to = (uint32_t)i + 1;
	qdx_node_append(d ? b->stack[d - 1].node : b->part, item);
	b->stack[d].node = item;
	b->stack[d].key = la->key;
	b->stack[d].value = la->value;
	b->depth = d + 1;
	b->cur = item;
	b->para_open = 1;
	add_text(b, s + la->end, n - la->end);
}

/* Does line i go on with the open paragraph? */
static int continues(builder *b, size_t i)
{
	const qdx_line *l = &b->t->v[i], *prev = &b->t->v[i - 1];
	const char *s = qdx_text_line(b->t, i);

	if (b->para_open && !b->text.len)
		return 1;   /* a label alone on its line: the text is on the next */
	if (!b->para_open || !prev->len)
		return (l->flags & QDX_LINE_JOINED) && b->para_open;
	if (l->flags & QDX_LINE_JOINED)
		return 1;
	if (qdx_starts_lower(s, l->len))
		return 1;
	/* "... đến hết năm" / "2015. Tiếp tục ...": a number that is no label
	 * goes on with a sentence that did not end */
	if (s[0] >= '0' && s[0] <= '9' && !qdx_ends_sentence(qdx_text_line(b->t, i - 1), prev->len))
		return 1;
	/* An upper-case heading is a paragraph of its own. */
	if ((prev->flags & QDX_LINE_UPPER) && !(l->flags & QDX_LINE_UPPER))
		return 0;
	if (b->blank_paras)
		return 1;
	/* Hard-wrapped text ends a paragraph at a blank line or a label, or
	 * where a line stops well short of the wrapping width before a capital
	 * (a heading: "Điều 1. Phạm vi điều chỉnh"); a sentence ending at a full
	 * line's end says nothing in PDF text. */
	if (b->wrapped && prev->len * 10 < b->wrap_width * 6 && !qdx_starts_lower(s, l->len))
		return 0;
	return b->wrapped;
}

/* Documents that put a blank line between paragraphs (most converters'
 * output) end a paragraph only there, whatever its last character.  They
 * are known by their labels: most stand after a blank line. */
static int detect_blank_paras(builder *b, size_t from, size_t to)
{
	const qdx_text *t = b->t;
	size_t i, labels = 0, after_blank = 0;

	for (i = from; i < to; i++) {
		if (!b->labels[i - from].rule || (t->v[i].flags & (QDX_LINE_ROW | QDX_LINE_CELL)))
			continue;
		labels++;
		after_blank += i > from && !t->v[i - 1].len;
	}
	return labels && after_blank * 2 >= labels;
}

/* The width a converter wrapped lines at: the length nine lines in ten
 * stay under (a histogram, lines longer than 400 bytes counted as 400). */
static size_t wrap_width(const qdx_text *t, size_t from, size_t to)
{
	size_t hist[401] = { 0 }, i, n = 0, seen = 0;

	for (i = from; i < to; i++) {
		if (!t->v[i].len || (t->v[i].flags & (QDX_LINE_ROW | QDX_LINE_CELL)))
			continue;
		hist[t->v[i].len < 400 ? t->v[i].len : 400]++;
		n++;
	}
	for (i = 0; i <= 400; i++) {
		seen += hist[i];
		if (seen * 10 >= n * 9)
			return i;
	}
	return 400;
}

/* Classifies every line of the part once (past leading tabs). */
static void find_labels(builder *b, size_t from, size_t to)
{
	const qdx_text *t = b->t;
	size_t i;
	qdx_match m;

	b->labels = qdx_xcalloc(to - from + 1, sizeof(*b->labels));
	b->styles = qdx_xcalloc(qdx_ruleset_count(b->rules) + 1, sizeof(*b->styles));
	for (i = from; b->rules && i < to; i++) {
		const char *s = qdx_text_line(t, i), *p = s;
		label_at *la = &b->labels[i - from];
		const rule_style *st;
		size_t n;
		qdx_span lab;

		if (!t->v[i].len || (t->v[i].flags & QDX_LINE_SKIP))
			continue;
		while (*p == '\t')
			p++;
		n = t->v[i].len - (size_t)(p - s);
		if (qdx_ruleset_classify(b->rules, b->doc->matcher, p, n, &m) != 1)
			continue;
		lab.p = p;
		lab.n = 0;
		qdx_match_group(&m, "label", &lab);
		st = style_of(b, m.rule);
		la->rule = m.rule;
		la->lab = (uint32_t)(lab.p - p);
		la->lab_len = (uint32_t)lab.n;
		la->end = (uint32_t)m.end;
		la->key = style_key(st, lab.p, lab.n);
		la->value = label_value(st->counting, lab.p, lab.n);
	}
}

void qdx_hierarchy_build(qdx_doc *doc, const qdx_text *t, size_t from, size_t to, qdx_node *part)
{
	builder b;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.doc = doc;
	b.t = t;
	b.part = part;
	b.rules = qdx_rules_set(doc->rules, "hierarchy");
	find_labels(&b, from, to);
	b.wrapped = detect_wrapped(t, from, to);
	b.blank_paras = detect_blank_paras(&b, from, to);
	b.wrap_width = wrap_width(t, from, to);
	qdx_buf_init(&b.text);

	for (i = from; i < to; i++) {
		const qdx_line *l = &t->v[i];
		const char *s = qdx_text_line(t, i);
		const label_at *la = &b.labels[i - from];
		size_t n;

		if (!l->len || (l->flags & QDX_LINE_SKIP)) {
			/* a label alone before a blank line still takes the text after it */
			if (!(b.para_open && !b.text.len && !(l->flags & QDX_LINE_SKIP)))
				close_paragraph(&b);
			continue;
		}
		if ((l->flags & (QDX_LINE_ROW | QDX_LINE_CELL)) || qdx_table_pdf_header(doc, t, i, to)) {
			/* A table in the body belongs to the item it follows. */
			size_t next = qdx_table_build(doc, t, i, to,
			                              b.depth ? b.stack[b.depth - 1].node : part);
			if (next > i) {
				close_paragraph(&b);
				if (b.cur)
					b.cur->span_to = (uint32_t)i;
				b.cur = NULL;
				i = next - 1;
				continue;
			}
		}
		while (*s == '\t')
			s++;    /* indentation, not a cell */
		n = l->len - (size_t)(s - qdx_text_line(t, i));
		if (la->rule && !is_continuation(&b, i, la->key, la->value)) {
			start_item(&b, i, la, s, n);
			continue;
		}
		if (i > from && continues(&b, i))
			add_text(&b, s, n);
		else
			close_paragraph(&b);
		if (b.cur)
			b.cur->span_to = (uint32_t)i + 1;
	}
	close_paragraph(&b);
	qdx_buf_free(&b.text);
	free(b.labels);
	free(b.styles);
}
