/*
 * html.c - HTML documents (Word's "Save as Web Page" included) -> lines.
 *
 * libxml2's HTML parser builds the tree; one walk over it, iterative so
 * that no nesting depth can exhaust the stack, collects the text of each
 * block or table row into a reusable buffer and appends it to the qdx_text
 * with the source line where that text starts.
 *
 * Source lines: libxml2 records on each element the line where its start
 * tag ends (where Word puts the first character), but in 16 bits, so a SAX
 * hook keeps the full number in the node's unused `psvi`.  Between
 * elements the walk counts the newlines of the text and comments it passes.
 */
#include "html.h"
#include "decode.h"

#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#include <limits.h>
#include <stdlib.h>

/* XML_PARSE_HUGE lifts libxml2's nesting limit of 256 elements: without it
 * the parser stops at the 257th and silently drops the rest of the file.
 * The parser and xmlFreeDoc are iterative, so depth costs no stack. */
#define HTML_OPTIONS                                                                    \
	(HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | \
	 XML_PARSE_HUGE)

#define HTML_PRESCAN 65536      /* bytes searched for a <meta> charset */
#define HTML_SNIFF 4096         /* bytes qdx_html_sniff looks at */
#define HTML_MARKER_MAX 64      /* longest <![if ...]> marker skipped */
#define HTML_MAX_COLSPAN 1000   /* HTML's own limits */
#define HTML_MAX_ROWSPAN 65534
#define HTML_COLS 1024          /* columns whose rowspans are followed */
/* Colspan padding turns "<td colspan=1000>" into a thousand tabs: the text
 * may grow past the input, up to this many times its size. */
#define HTML_GROWTH 16

/* ---- elements ----------------------------------------------------------- */

enum {
	K_BLOCK = 1u << 0,    /* its text is a line of its own */
	K_SKIP = 1u << 1,     /* holds no document text */
	K_BOLD = 1u << 2,     /* rendered bold unless its style says otherwise */
	K_HEADING = 1u << 3,
	K_PRE = 1u << 4,      /* newlines are line breaks */
	K_PARA = 1u << 5,
	K_TABLE = 1u << 6,
	K_ROW = 1u << 7,
	K_CELL = 1u << 8,
	K_BREAK = 1u << 9
};

/* Sorted for bsearch.  libxml2 gives names in lower case, and without a
 * namespace prefix: Word's <o:p> arrives as "p" (see K_PARA in enter()). */
static const struct html_tag {
	const char *name;
	unsigned kind;
} html_tags[] = {
	{ "address", K_BLOCK },
	{ "article", K_BLOCK },
	{ "aside", K_BLOCK },
	{ "b", K_BOLD },
	{ "blockquote", K_BLOCK },
	{ "body", K_BLOCK },
	{ "br", K_BREAK },
	{ "caption", K_BLOCK },
	{ "center", K_BLOCK },
	{ "dd", K_BLOCK },
	{ "details", K_BLOCK },
	{ "dir", K_BLOCK },
	{ "div", K_BLOCK },
	{ "dl", K_BLOCK },
	{ "dt", K_BLOCK },
	{ "fieldset", K_BLOCK },
	{ "figcaption", K_BLOCK },
	{ "figure", K_BLOCK },
	{ "footer", K_BLOCK },
	{ "form", K_BLOCK },
	{ "h1", K_BLOCK | K_BOLD | K_HEADING },
	{ "h2", K_BLOCK | K_BOLD | K_HEADING },
	{ "h3", K_BLOCK | K_BOLD | K_HEADING },
	{ "h4", K_BLOCK | K_BOLD | K_HEADING },
	{ "h5", K_BLOCK | K_BOLD | K_HEADING },
	{ "h6", K_BLOCK | K_BOLD | K_HEADING },
	{ "head", K_SKIP },
	{ "header", K_BLOCK },
	{ "hr", K_BLOCK },
	{ "legend", K_BLOCK },
	{ "li", K_BLOCK },
	{ "main", K_BLOCK },
	{ "menu", K_BLOCK },
	{ "nav", K_BLOCK },
	{ "ol", K_BLOCK },
	{ "p", K_BLOCK | K_PARA },
	{ "pre", K_BLOCK | K_PRE },
	{ "script", K_SKIP },
	{ "section", K_BLOCK },
	{ "strong", K_BOLD },
	{ "style", K_SKIP },
	{ "summary", K_BLOCK },
	{ "table", K_BLOCK | K_TABLE },
	{ "td", K_BLOCK | K_CELL },
	{ "template", K_SKIP },
	{ "th", K_BLOCK | K_CELL | K_BOLD },
	{ "title", K_SKIP },
	{ "tr", K_BLOCK | K_ROW },
	{ "ul", K_BLOCK },
	{ "xml", K_SKIP },   /* Word's XML data islands */
};

static int tag_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct html_tag *)elem)->name);
}

static unsigned tag_kind(const xmlChar *name)
{
	const struct html_tag *t;

	if (name == NULL)
		return 0;
	t = bsearch(name, html_tags, QDX_COUNT(html_tags), sizeof(html_tags[0]), tag_cmp);
	return t ? t->kind : 0;
}

/* An attribute's text, read in place: xmlGetProp would allocate a copy. */
static const char *attr(const xmlNode *n, const char *name)
{
	const xmlAttr *a;

	for (a = n->properties; a != NULL; a = a->next)
		if (a->children != NULL && a->children->type == XML_TEXT_NODE &&
		    !strcmp((const char *)a->name, name))
			return (const char *)a->children->content;
	return NULL;
}

/* A span attribute's leading number, clamped to [1, max]: "0", junk and
 * absence all mean one. */
static unsigned long attr_span(const xmlNode *n, const char *name, unsigned long max)
{
	const char *s = attr(n, name);
	unsigned long v = 0;

	if (s == NULL)
		return 1;
	while (*s == ' ')
		s++;
	for (; *s >= '0' && *s <= '9' && v <= max; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	return v < 1 ? 1 : v > max ? max : v;
}

/* ---- inline CSS ------------------------------------------------------- */

static int is_css_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static qdx_span trim(const char *s, const char *e)
{
	qdx_span sp;

	while (s < e && is_css_space(*s))
		s++;
	while (e > s && is_css_space(e[-1]))
		e--;
	sp.p = s;
	sp.n = (size_t)(e - s);
	return sp;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Whether `sp` is the lower-case ASCII word `word`, ignoring case. */
static int span_is(qdx_span sp, const char *word)
{
	size_t i;

	for (i = 0; i < sp.n; i++)
		if (word[i] == '\0' || lower((unsigned char)sp.p[i]) != word[i])
			return 0;
	return word[i] == '\0';
}

/* A font-weight value: 1 bold, 0 not, -1 for what we cannot tell
 * ("inherit"). */
static int css_weight(qdx_span v)
{
	unsigned long w = 0;
	size_t i;

	if (span_is(v, "bold") || span_is(v, "bolder"))
		return 1;
	if (span_is(v, "normal") || span_is(v, "lighter"))
		return 0;
	for (i = 0; i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && w < 1000; i++)
		w = w * 10 + (unsigned long)(v.p[i] - '0');
	return i == 0 ? -1 : w >= 600;
}

/* Reads what the walk needs from a style attribute.  Word writes
 * "mso-bidi-font-weight:normal" on every <b> (it concerns right-to-left
 * scripts only), so property names compare whole; the last declaration
 * wins, as in CSS. */
static void css_read(const char *style, int *weight, int *hidden)
{
	const char *s = style;

	while (*s != '\0') {
		const char *end = strchr(s, ';'), *colon;
		qdx_span name, value;

		if (end == NULL)
			end = s + strlen(s);
		colon = memchr(s, ':', (size_t)(end - s));
		if (colon != NULL) {
			name = trim(s, colon);
			value = trim(colon + 1, end);
			if (value.n >= 10 && span_is(trim(value.p + value.n - 10, value.p + value.n),
			                             "!important"))
				value = trim(value.p, value.p + value.n - 10);
			if (span_is(name, "font-weight"))
				*weight = css_weight(value);
			else if (span_is(name, "display"))
				*hidden = span_is(value, "none");
		}
		s = *end ? end + 1 : end;
	}
}

/* ---- the walk ----------------------------------------------------------- */

/* What an element changed on entry, to undo when it ends. */
enum {
	U_SKIP = 1u << 0,
	U_BOLD = 1u << 1,
	U_HEADING = 1u << 2,
	U_PRE = 1u << 3,
	U_PARA = 1u << 4,
	U_BLOCK = 1u << 5,
	U_ROW = 1u << 6,
	U_TABLE = 1u << 7
};

typedef struct html_frame {
	unsigned short undo;
	unsigned char bold;   /* the walk's `bold` before the element */
} html_frame;

typedef struct html_walk {
	qdx_text *out;
	qdx_buf line;          /* the block or row being collected */
	size_t seg;            /* where the current cell starts in `line` */
	uint32_t no;           /* source line of `line`'s first character; 0: none yet */
	uint32_t flags;        /* QDX_LINE_* gathered for `line` */
	int strong, plain;     /* `line` has bold / not bold letters or digits */
	int space;             /* whitespace passed since the last character */
	uint32_t pos;          /* source line the walk has reached */
	int bold, skip, heading, pre, paras;

	const xmlNode *row;    /* the tr being collected, or NULL */
	size_t col;            /* the row's next free column */
	size_t cell;           /* column of the cell being collected; SIZE_MAX: none yet */
	size_t ncols;          /* columns the table has used */
	int tables;            /* tables open outside any row */
	size_t rows;           /* lines the outermost open table produced */
	unsigned short down[HTML_COLS];   /* rows still covered by a rowspan above */

	html_frame *stack;
	size_t depth, cap;
	size_t limit;          /* bytes of text allowed, see HTML_GROWTH */
	int too_big;
} html_walk;

static void reset_line(html_walk *w)
{
	if (w->line.len) {
		w->line.len = 0;
		w->line.p[0] = '\0';
	}
	w->seg = 0;
	w->no = 0;
	w->flags = 0;
	w->strong = w->plain = 0;
	w->space = 0;
}

static void add_line(html_walk *w, uint32_t flags)
{
	if (w->out->buf.len + w->line.len >= w->limit) {
		w->too_big = 1;
		return;
	}
	if (w->strong && !w->plain)
		flags |= QDX_LINE_BOLD;
	qdx_text_add(w->out, w->line.p, w->line.len, w->no, flags | w->flags);
}

/* Ends the block being collected. */
static void flush(html_walk *w)
{
	if (w->no != 0)
		add_line(w, 0);
	reset_line(w);
}

/* A block boundary or <br>: a new line, or inside a row a space, since a
 * row stays one line whatever its cells hold. */
static void line_break(html_walk *w)
{
	if (w->row != NULL)
		w->space = 1;
	else
		flush(w);
}

static int room(html_walk *w, size_t n)
{
	if (w->line.len + n + 1 >= w->limit)
		w->too_big = 1;
	return !w->too_big;
}

/* Whether s[0..n) holds a letter or a digit (any non-ASCII character
 * counts: in these documents it is a Vietnamese letter). */
static int has_word(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'z'))
			return 1;
	}
	return 0;
}

/* Appends visible characters, with the space collapsed before them.
 * Boldness counts letters and digits only: Word often leaves the
 * punctuation of a bold heading plain ("<b>III</b>.<b> HÌNH THỨC</b>"). */
static void put(html_walk *w, const char *s, size_t n)
{
	if (!room(w, n + 1))
		return;
	if (w->space && w->line.len > w->seg)
		qdx_buf_putc(&w->line, ' ');
	w->space = 0;
	if (w->no == 0)
		w->no = w->pos;
	if (has_word(s, n)) {
		if (w->bold)
			w->strong = 1;
		else
			w->plain = 1;
	}
	if (w->heading)
		w->flags |= QDX_LINE_HEADING;
	qdx_buf_put(&w->line, s, n);
}

static void put_tabs(html_walk *w, size_t k)
{
	if (!room(w, k))
		return;
	while (k-- > 0)
		qdx_buf_putc(&w->line, '\t');
}

/* Length of the whitespace character at s (NBSP included), or 0. */
static size_t space_len(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
		return 1;
	return (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0 ? 2 : 0;
}

/* Length of a Word marker at s, or 0.  "<![if !vml]>" and "<![endif]>"
 * bracket what browsers other than Word show; libxml2 keeps the markers
 * as text. */
static size_t marker_len(const char *s)
{
	size_t i;

	if (s[0] != '<' || s[1] != '!' || s[2] != '[')
		return 0;
	for (i = 3; i < HTML_MARKER_MAX && s[i] != '\0'; i++)
		if (s[i] == ']' && s[i + 1] == '>')
			return i + 2;
	return 0;
}

static uint32_t count_newlines(const char *s, size_t n)
{
	uint32_t k = 0;
	const char *e = s + n;

	while ((s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		k++;
		s++;
	}
	return k;
}

/* The bytes that may start a space, a marker or the end of a text: a
 * run of visible characters is read a table lookup a byte. */
static const unsigned char run_stop[256] = {
	['\0'] = 1, [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\f'] = 1, ['\v'] = 1,
	['<'] = 1, [0xC2] = 1
};

static int ends_run(const char *s)
{
	return run_stop[(unsigned char)*s] && (*s == '\0' || space_len(s) || marker_len(s));
}

static void text(html_walk *w, const char *s)
{
	if (w->skip) {
		w->pos += count_newlines(s, strlen(s));
		return;
	}
	while (*s != '\0') {
		size_t k = space_len(s);
		const char *e;

		if (k > 0) {
			if (*s == '\n') {
				w->pos++;
				if (w->pre)
					line_break(w);
			}
			w->space = 1;
			s += k;
			continue;
		}
		k = marker_len(s);
		if (k > 0) {
			w->pos += count_newlines(s, k);
			s += k;
			continue;
		}
		for (e = s + 1; !ends_run(e); e++)
			;
		put(w, s, (size_t)(e - s));
		s = e;
	}
}

/* Whether s shows anything once whitespace and Word's markers are gone. */
static int visible(const char *s)
{
	while (*s != '\0') {
		size_t k = space_len(s);

		if (k == 0)
			k = marker_len(s);
		if (k == 0)
			return 1;
		s += k;
	}
	return 0;
}

/* Whether an element holds visible text.  Word draws shapes (the rule
 * under a letterhead) as a table of empty cells and an image, anchored
 * inside a paragraph: such a table must not split the paragraph. */
static int has_text(const xmlNode *top)
{
	const xmlNode *n = top->children;

	while (n != NULL) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
		    n->content != NULL && visible((const char *)n->content))
			return 1;
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n->next == NULL) {
			n = n->parent;
			if (n == top || n == NULL)
				return 0;
		}
		n = n->next;
	}
	return 0;
}

static void table_reset(html_walk *w)
{
	memset(w->down, 0, sizeof(w->down));
	w->ncols = 0;
	w->rows = 0;
}

static void table_begin(html_walk *w)
{
	flush(w);
	if (w->tables++ == 0)
		table_reset(w);
}

/* An empty line after a table shows where it ended. */
static void table_end(html_walk *w)
{
	flush(w);
	if (--w->tables > 0)
		return;
	if (w->rows > 0)
		qdx_text_add(w->out, "", 0, w->pos, 0);
	table_reset(w);
}

static void row_begin(html_walk *w, const xmlNode *tr)
{
	flush(w);
	w->row = tr;
	w->col = 0;
	w->cell = SIZE_MAX;
}

static void row_end(html_walk *w)
{
	size_t c, width = w->col;

	/* Columns right of the last cell may still be held from above. */
	for (c = w->col; c < w->ncols && c < HTML_COLS; c++) {
		if (w->down[c] > 0) {
			w->down[c]--;
			width = c + 1;
		}
	}
	if (w->cell != SIZE_MAX && width > w->cell + 1)
		put_tabs(w, width - 1 - w->cell);
	if (w->no != 0) {
		add_line(w, QDX_LINE_ROW);
		w->rows++;
	}
	reset_line(w);
	w->row = NULL;
}

static void cell_begin(html_walk *w, const xmlNode *td)
{
	unsigned long span = attr_span(td, "colspan", HTML_MAX_COLSPAN);
	unsigned long down = attr_span(td, "rowspan", HTML_MAX_ROWSPAN);
	size_t c;

	/* Columns held by a cell above get an empty cell here. */
	while (w->col < HTML_COLS && w->down[w->col] > 0)
		w->down[w->col++]--;
	put_tabs(w, w->cell == SIZE_MAX ? w->col : w->col - w->cell);
	w->cell = w->col;
	for (c = w->col; c < w->col + span && c < HTML_COLS; c++)
		w->down[c] = (unsigned short)(down - 1);
	w->col += span;
	if (w->col > w->ncols)
		w->ncols = w->col;
	w->seg = w->line.len;
	w->space = 0;
}

/* The layout role an element plays, given where the walk is; returns the
 * U_* effects to undo at its end. */
static unsigned structure(html_walk *w, const xmlNode *n, unsigned kind)
{
	if (kind & K_BREAK) {
		line_break(w);
		return 0;
	}
	if ((kind & K_ROW) && w->row == NULL) {
		row_begin(w, n);
		return U_ROW;
	}
	/* Cells of tables nested in a cell are that cell's text. */
	if ((kind & K_CELL) && w->row != NULL && n->parent == w->row) {
		cell_begin(w, n);
		return 0;
	}
	if ((kind & K_TABLE) && w->row == NULL) {
		/* Only the outermost: has_text is a walk of its own. */
		if (w->tables == 0 && !has_text(n)) {
			w->skip++;
			return U_SKIP;
		}
		table_begin(w);
		return U_TABLE;
	}
	if (kind & K_BLOCK) {
		line_break(w);
		return U_BLOCK;
	}
	return 0;
}

/* Whether a p nested in a p is Word's <o:p>, which libxml2 hands over as
 * "p": an end-of-paragraph mark holding at most a space, to be read as
 * inline lest it end its paragraph early.  A p with text inside a p is a
 * real one, in a text box's table anchored in the outer paragraph. */
static int is_word_op(const xmlNode *p)
{
	const xmlNode *c;

	for (c = p->children; c != NULL; c = c->next)
		if (c->type != XML_TEXT_NODE ||
		    (c->content != NULL && visible((const char *)c->content)))
			return 0;
	return 1;
}

static uint32_t element_line(const xmlNode *n, uint32_t pos)
{
	uintptr_t line = (uintptr_t)n->psvi;
	long l;

	if (line == 0) {
		l = xmlGetLineNo(n);
		line = l > 0 ? (uintptr_t)l : pos;
	}
	return line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
}

static void push(html_walk *w, html_frame f)
{
	if (w->depth == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->stack = qdx_xrealloc(w->stack, w->cap * sizeof(*w->stack));
	}
	w->stack[w->depth++] = f;
}

static void enter(html_walk *w, const xmlNode *n)
{
	unsigned kind = tag_kind(n->name);
	const char *style = attr(n, "style");
	html_frame f = { 0, (unsigned char)w->bold };
	int weight = -1, hidden = 0;

	w->pos = element_line(n, w->pos);
	if (style != NULL)
		css_read(style, &weight, &hidden);
	if ((kind & K_SKIP) || hidden) {
		w->skip++;
		f.undo |= U_SKIP;
	}
	if (weight < 0 && (kind & K_BOLD))
		weight = 1;
	if (weight >= 0) {
		w->bold = weight;
		f.undo |= U_BOLD;
	}
	if (kind & K_HEADING) {
		w->heading++;
		f.undo |= U_HEADING;
	}
	if (kind & K_PRE) {
		w->pre++;
		f.undo |= U_PRE;
	}
	if (kind & K_PARA) {
		if (w->paras++ > 0 && is_word_op(n))
			kind &= ~(unsigned)K_BLOCK;
		f.undo |= U_PARA;
	}
	if (w->skip == 0)
		f.undo |= structure(w, n, kind);
	push(w, f);
}

static void leave(html_walk *w)
{
	html_frame f = w->stack[--w->depth];

	if (f.undo & U_ROW)
		row_end(w);
	if (f.undo & U_TABLE)
		table_end(w);
	if (f.undo & U_BLOCK)
		line_break(w);
	if (f.undo & U_PARA)
		w->paras--;
	if (f.undo & U_PRE)
		w->pre--;
	if (f.undo & U_HEADING)
		w->heading--;
	if (f.undo & U_BOLD)
		w->bold = f.bold;
	if (f.undo & U_SKIP)
		w->skip--;
}

static void leaf(html_walk *w, const xmlNode *n)
{
	const char *s = (const char *)n->content;

	if (s == NULL)
		return;
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
		text(w, s);
	else if (n->type == XML_COMMENT_NODE)
		w->pos += count_newlines(s, strlen(s));
}

/* Depth-first over the tree through parent and sibling links, so nesting
 * costs heap (one small frame per open element), never stack. */
static void walk(html_walk *w, xmlNode *root)
{
	xmlNode *n = root->children;

	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE) {
			enter(w, n);
			if (n->children != NULL) {
				n = n->children;
				continue;
			}
			leave(w);
		} else {
			leaf(w, n);
		}
		while (n->next == NULL) {
			n = n->parent;
			if (n == NULL || n == root)
				return;
			leave(w);
		}
		n = n->next;
	}
}

/* ---- the bytes libxml2 sees ------------------------------------------- */

/* Whether ASCII `s` (n bytes available) starts with lower-case `lit`,
 * ignoring case. */
static int starts_ci(const unsigned char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; lit[i] != '\0'; i++)
		if (i >= n || lower(s[i]) != lit[i])
			return 0;
	return 1;
}

static int is_label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == ':';
}

/* The charset named in the tag s[0..n): in <meta charset=X> or in
 * content="text/html; charset=X". */
static qdx_span tag_charset(const unsigned char *s, size_t n)
{
	qdx_span cs = { NULL, 0 };
	size_t i, k;

	for (i = 0; i + 7 < n; i++) {
		if (!starts_ci(s + i, n - i, "charset"))
			continue;
		for (k = i + 7; k < n && is_css_space((char)s[k]); k++)
			;
		if (k >= n || s[k] != '=')
			continue;
		for (k++; k < n && (is_css_space((char)s[k]) || s[k] == '"' || s[k] == '\''); k++)
			;
		cs.p = (const char *)s + k;
		while (k < n && is_label_char(s[k]))
			k++;
		cs.n = (size_t)((const char *)s + k - cs.p);
		if (cs.n > 0)
			return cs;
	}
	cs.n = 0;
	return cs;
}

/* The charset the first <meta> declaring one names, or an empty span. */
static qdx_span declared_charset(const unsigned char *in, size_t n)
{
	size_t lim = n < HTML_PRESCAN ? n : HTML_PRESCAN, i;
	qdx_span none = { NULL, 0 };

	for (i = 0; i < lim; i++) {
		const unsigned char *end;
		qdx_span cs;

		if (in[i] != '<' || !starts_ci(in + i + 1, lim - i - 1, "meta"))
			continue;
		end = memchr(in + i, '>', lim - i);
		if (end == NULL)
			break;
		cs = tag_charset(in + i, (size_t)(end - (in + i)));
		if (cs.n > 0)
			return cs;
	}
	return none;
}

/* Whether the label is one of `names`, ignoring case. */
static int label_in(qdx_span cs, const char *const *names, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (span_is(cs, names[i]))
			return 1;
	return 0;
}

/* Whether s starts with the tag opening `lit` followed by the end of a
 * name. */
static int tag_at(const unsigned char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return starts_ci(s, n, lit) &&
	       (k == n || is_css_space((char)s[k]) || s[k] == '>' || s[k] == '/');
}

/* ---- what libxml2 need not read ------------------------------------------ */

/* The offset after the '>' of the tag opening at s[i] (a quoted attribute
 * value may hold one), or n when it does not end. */
static size_t tag_end(const char *s, size_t n, size_t i)
{
	char quote = 0;

	for (i++; i < n; i++) {
		if (quote) {
			if (s[i] == quote)
				quote = 0;
		} else if (s[i] == '"' || s[i] == '\'') {
			quote = s[i];
		} else if (s[i] == '>') {
			return i + 1;
		}
	}
	return n;
}

/* The offset after the style element opening at s[i]: its end tag is the
 * first "</style" (libxml2 reads the content as raw text), then '>' after
 * blanks.  n when it does not end so. */
static size_t style_end(const char *s, size_t n, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;

	for (i = tag_end(s, n, i); i < n; i++) {
		const char *lt = memchr(s + i, '<', n - i);
		size_t k;

		if (!lt)
			break;
		i = (size_t)(lt - s);
		if (!starts_ci(u + i, n - i, "</style"))
			continue;
		for (k = i + 7; k < n && is_css_space(s[k]); k++)
			;
		return k < n && s[k] == '>' ? k + 1 : n;
	}
	return n;
}

/* The offset after the comment opening at s[i] ("<!--"), or n when it does
 * not end or ends in a way parsers disagree on ("<!-->"). */
static size_t comment_end(const char *s, size_t n, size_t i)
{
	const char *e;

	if (i + 6 > n || s[i + 4] == '>' || (s[i + 4] == '-' && s[i + 5] == '>'))
		return n;
	e = memmem(s + i + 4, n - i - 4, "-->", 3);
	return e ? (size_t)(e - s) + 3 : n;
}

/* What drop_head() finds at s[i]: a comment or a style element, which
 * it may drop, or a tag it passes over; `*end` is the offset after it. */
enum { H_OTHER, H_DROP, H_PASS };

static int head_item(const char *s, size_t n, size_t i, size_t *end)
{
	static const char *const pass[] = { "<!doctype", "<?xml", "<html", "<head", "<meta", "<link",
		                            "<base" };
	const unsigned char *u = (const unsigned char *)s + i;
	size_t k;

	if (i >= n || s[i] != '<')
		return H_OTHER;
	if (starts_ci(u, n - i, "<!--") || tag_at(u, n - i, "<style")) {
		*end = s[i + 1] == '!' ? comment_end(s, n, i) : style_end(s, n, i);
		return *end < n ? H_DROP : H_OTHER;
	}
	for (k = 0; k < QDX_COUNT(pass); k++)
		if (tag_at(u, n - i, pass[k])) {
			*end = tag_end(s, n, i);
			return *end < n ? H_PASS : H_OTHER;
		}
	return H_OTHER;
}

static size_t skip_space(const char *s, size_t n, size_t i)
{
	while (i < n && is_css_space(s[i]))
		i++;
	return i;
}

/* Writes the line ends of s[from..to) to o, which may be s itself at or
 * before `from`; returns how many.  What is dropped before the parse is
 * long and has few: eight bytes at a time are passed over while they hold
 * neither '\n' nor '\r'. */
static size_t line_ends(char *o, const char *s, size_t from, size_t to)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	size_t k = 0;

	while (from < to) {
		size_t end = to - from >= 8 ? from + 8 : to;
		uint64_t w, lf, cr;

		if (end - from == 8) {
			memcpy(&w, s + from, 8);
			lf = w ^ (ones * '\n');
			cr = w ^ (ones * '\r');
			/* a byte of lf or cr is 0 where w has a line end */
			if (!(((lf - ones) & ~lf) & high) && !(((cr - ones) & ~cr) & high)) {
				from = end;
				continue;
			}
		}
		for (; from < end; from++)
			if (s[from] == '\n' || s[from] == '\r')
				o[k++] = s[from];
	}
	return k;
}

/* Word's "Save as Web Page" fills the head with styles and with XML
 * islands in conditional comments, a third of the file, which the walk
 * skips (K_SKIP) but libxml2 reads a character at a time.  They are taken
 * out of the text before the parse, all but their line ends, so that every
 * line number stays.  Only what is surely in the head goes: comments and
 * style elements after nothing but whitespace, a doctype and the tags that
 * open a head, and before more of those or "</head>", so that the
 * whitespace around one, now one text, is a head's and nothing to the walk
 * (before stray text it would lend it its line ends).  Anything else ends
 * the search.  Returns the text's new length. */
static size_t drop_head(char *s, size_t n)
{
	size_t i = 0, o = 0, end, next, next_end = 0;
	int what = head_item(s, n, skip_space(s, n, 0), &end), next_what;

	for (; what != H_OTHER; i = end, end = next_end, what = next_what) {
		next = skip_space(s, n, end);
		next_what = head_item(s, n, next, &next_end);
		if (what == H_PASS) {
			memmove(s + o, s + i, end - i);
			o += end - i;
			continue;
		}
		if (next_what == H_OTHER && !tag_at((const unsigned char *)s + next, n - next, "</head"))
			break;
		o += line_ends(s + o, s, i, end);
		i = end;
	}
	if (o < i) {
		memmove(s + o, s + i, n - i);
		s[o + n - i] = '\0';
	}
	return o + n - i;
}

/* ---- what libxml2 need not read in the body ------------------------------ */

/* libxml2 reads a page a character at a time, at a hundred instructions
 * a byte, and a Word page is mostly what no line holds: the attributes of
 * every element (class, width, Word's mso- styles), the VML drawings in
 * its conditional comments, and every letter beyond windows-1252 written
 * as a character reference ("&#7879;").  slim() rewrites the text libxml2
 * is given so that the walk finds the same tree: the same elements, with
 * the attributes it reads (colspan, rowspan, a style that may say
 * font-weight or display); the same text, those references decoded as
 * libxml2 decodes them; each comment with only its line ends; and every
 * line end where it was, so that each node keeps its line.  It reads the
 * text as libxml2 2.9 does, and from what it cannot be sure to read alike
 * (a script or a style, whose text is raw; a '<' that opens no tag; a
 * tag, comment or declaration out of the ordinary; a NUL) it leaves the
 * rest as it is. */
#define SLIM_NAME_MAX 100   /* libxml2 cuts a longer name */
#define SLIM_ATTRS 64

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_name_start(unsigned char c)
{
	return (lower(c) >= 'a' && lower(c) <= 'z') || c == '_' || c == ':' || c == '.';
}

static int is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* The end of the name at s[i] as libxml2 reads a tag's or an attribute's,
 * or i when none starts there or it is too long to be read alike. */
static size_t name_end(const char *s, size_t n, size_t i)
{
	size_t k = i;

	if (i >= n || !is_name_start((unsigned char)s[i]))
		return i;
	while (k < n && is_name_char((unsigned char)s[k]))
		k++;
	return k - i < SLIM_NAME_MAX ? k : i;
}

static size_t skip_blanks(const char *s, size_t n, size_t i)
{
	while (i < n && is_blank(s[i]))
		i++;
	return i;
}

/* Appends the line ends of s[from..to). */
static void put_line_ends(qdx_buf *out, const char *s, size_t from, size_t to)
{
	if (out->cap - out->len <= to - from)
		qdx_buf_reserve(out, to - from);
	out->len += line_ends(out->p + out->len, s, from, to);
	out->p[out->len] = '\0';
}

/* A decimal character reference at s[i] ("&#7879;"): its length and its
 * character, or 0 for one that is left to libxml2: ASCII and NBSP, which
 * the walk reads as markup or space, and what libxml2 refuses. */
static size_t char_ref(const char *s, size_t n, size_t i, uint32_t *cp)
{
	size_t k = i + 2;
	uint32_t v = 0;

	if (i + 2 >= n || s[i + 1] != '#')
		return 0;
	for (; k < n && k - i < 10 && s[k] >= '0' && s[k] <= '9'; k++)
		v = v * 10 + (uint32_t)(s[k] - '0');
	if (k == i + 2 || k >= n || s[k] != ';' || v <= 0xA0 || v > 0x10FFFF ||
	    (v >= 0xD800 && v <= 0xDFFF) || v == 0xFFFE || v == 0xFFFF)
		return 0;
	*cp = v;
	return k + 1 - i;
}

/* The end of an attribute's value at s[k], quoted or not, or 0 for one
 * that is not read alike. */
static size_t value_end(const char *s, size_t n, size_t k)
{
	size_t from = k;

	if (k < n && (s[k] == '"' || s[k] == '\'')) {
		const char *q = memchr(s + k + 1, s[k], n - k - 1);
		return q ? (size_t)(q - s) + 1 : 0;
	}
	for (; k < n && !is_blank(s[k]) && s[k] != '>'; k++)
		if (s[k] == '"' || s[k] == '\'' || s[k] == '<' || s[k] == '=' || s[k] == '`')
			return 0;
	return k > from && k < n ? k : 0;
}

/* Whether a style attribute's text s[0..n) may hold what css_read()
 * looks for: without "weight" or "display" (or a reference that could
 * spell them) it sets nothing, as if it were not there. */
static int style_matters(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < n; i++) {
		int c = lower(u[i]);
		if (c == '&' || (c == 'w' && starts_ci(u + i, n - i, "weight")) ||
		    (c == 'd' && starts_ci(u + i, n - i, "display")))
			return 1;
	}
	return 0;
}

typedef struct slim_attr {
	size_t from, name_to, to;
} slim_attr;

/* Whether the attribute s[a->from..a->to) is one the walk reads (attr()),
 * `styles` being how many style attributes the tag has: libxml2 keeps the
 * first, so one that does not matter goes only when it is alone. */
static int attr_kept(const char *s, const slim_attr *a, size_t styles)
{
	qdx_span name = { s + a->from, a->name_to - a->from };

	if (span_is(name, "colspan") || span_is(name, "rowspan"))
		return 1;
	return span_is(name, "style") && (styles > 1 || style_matters(s + a->from, a->to - a->from));
}

/* The attributes of the start tag whose name ends at s[k]: their bounds
 * in a[], their number in *na, the offset of the tag's '>' or "/>"; 0 when
 * it is not read alike. */
static size_t tag_attrs(const char *s, size_t n, size_t k, slim_attr *a, size_t *na)
{
	*na = 0;
	for (;;) {
		k = skip_blanks(s, n, k);
		if (k >= n)
			return 0;
		if (s[k] == '>' || (s[k] == '/' && k + 1 < n && s[k + 1] == '>'))
			return k;
		if (*na == SLIM_ATTRS)
			return 0;
		a[*na].from = k;
		k = a[*na].name_to = name_end(s, n, k);
		if (k == a[*na].from)
			return 0;
		k = skip_blanks(s, n, k);
		if (k < n && s[k] == '=') {
			k = value_end(s, n, skip_blanks(s, n, k + 1));
			if (!k)
				return 0;
			a[*na].to = k;
		} else {
			k = a[*na].to = a[*na].name_to;
		}
		++*na;
	}
}

/* The start tag at s[i] ('<' and a letter), with only the attributes the
 * walk reads, their line ends kept.  Returns the offset after it, 0 when
 * it is not read alike.  A meta may name the charset libxml2 switches to:
 * it goes as it is. */
static size_t slim_tag(qdx_buf *out, const char *s, size_t n, size_t i)
{
	static const char *const raw[] = { "script", "style", "textarea", "title", "xmp",
		                           "plaintext", "iframe", "noembed", "noframes",
		                           "noscript", "template" };
	slim_attr a[SLIM_ATTRS];
	size_t e = name_end(s, n, i + 1), na, k, c, styles = 0, prev;
	qdx_span name = { s + i + 1, e - i - 1 };

	for (k = 0; k < QDX_COUNT(raw); k++)
		if (span_is(name, raw[k]))
			return 0;
	c = e > i + 1 ? tag_attrs(s, n, e, a, &na) : 0;
	if (!c)
		return 0;
	if (span_is(name, "meta")) {
		qdx_buf_put(out, s + i, c + 1 - i);
		return c + 1;
	}
	for (k = 0; k < na; k++)
		styles += span_is((qdx_span){ s + a[k].from, a[k].name_to - a[k].from }, "style");
	qdx_buf_put(out, s + i, e - i);
	for (prev = e, k = 0; k < na; prev = a[k++].to) {
		put_line_ends(out, s, prev, a[k].from);
		if (attr_kept(s, &a[k], styles)) {
			qdx_buf_putc(out, ' ');
			qdx_buf_put(out, s + a[k].from, a[k].to - a[k].from);
		} else {
			put_line_ends(out, s, a[k].from, a[k].to);
		}
	}
	put_line_ends(out, s, prev, c);
	k = s[c] == '>' ? c + 1 : c + 2;
	qdx_buf_put(out, s + c, k - c);
	return k;
}

/* A declaration, a processing instruction or one of Word's "<![if ...]>"
 * markers at s[i]: copied up to its '>', which no '<' (nor, in a doctype,
 * a quote that could hide a '>') may precede.  Returns the offset after
 * it, 0 when it is not read alike. */
static size_t slim_bang(qdx_buf *out, const char *s, size_t n, size_t i)
{
	const char *gt = memchr(s + i, '>', n - i);
	int doctype = starts_ci((const unsigned char *)s + i, n - i, "<!doctype");
	size_t k, end;

	if (!gt || (s[i + 1] == '?' && (i + 2 >= n || !is_name_start((unsigned char)s[i + 2]))))
		return 0;
	end = (size_t)(gt - s) + 1;
	for (k = i + 1; k < end; k++)
		if (s[k] == '<' || (doctype && (s[k] == '"' || s[k] == '\'')))
			return 0;
	qdx_buf_put(out, s + i, end - i);
	return end;
}

/* The comment at s[i] with only its line ends.  0 when libxml2 might end
 * it elsewhere than at the first "-->" ("<!-->", "--!>"). */
static size_t slim_comment(qdx_buf *out, const char *s, size_t n, size_t i)
{
	size_t e = comment_end(s, n, i);

	if (e >= n || memmem(s + i + 4, e - 1 - (i + 4), "--!", 3))
		return 0;
	qdx_buf_put(out, "<!--", 4);
	put_line_ends(out, s, i + 4, e - 3);
	qdx_buf_put(out, "-->", 3);
	return e;
}

/* What starts with the '<' at s[i]; see slim_tag(). */
static size_t slim_markup(qdx_buf *out, const char *s, size_t n, size_t i)
{
	unsigned char c = i + 1 < n ? (unsigned char)s[i + 1] : 0;
	size_t e;

	if (lower(c) >= 'a' && lower(c) <= 'z')
		return slim_tag(out, s, n, i);
	if (c == '/') {
		if (i + 2 >= n || lower((unsigned char)s[i + 2]) < 'a' || lower((unsigned char)s[i + 2]) > 'z')
			return 0;
		e = skip_blanks(s, n, name_end(s, n, i + 2));
		if (e >= n || s[e] != '>' || e == i + 2)
			return 0;
		qdx_buf_put(out, s + i, e + 1 - i);
		return e + 1;
	}
	if (starts_ci((const unsigned char *)s + i, n - i, "<!--"))
		return slim_comment(out, s, n, i);
	if (c == '!' || c == '?')
		return slim_bang(out, s, n, i);
	return 0;
}

/* Whether the markup at u[0..n), read alike, opens or closes the body.
 * Text outside a body, or straight in the html or head element, makes
 * libxml2 open the elements it implies (html, body, a p) when it hands
 * the text over, at the end of the run it read in one go: decoding a
 * reference joins two runs and moves those elements' line.  In a body no
 * text implies any, and nothing but "</body>" and "</html>" closes it. */
static int body_after(const unsigned char *u, size_t n, int body)
{
	if (tag_at(u, n, "<body"))
		return 1;
	return body && !tag_at(u, n, "</body") && !tag_at(u, n, "</html");
}

/* Appends s[0..n) to `out` as libxml2 need read it (see above). */
static void slim(qdx_buf *out, const char *s, size_t n)
{
	size_t i = 0, j, k, end = memchr(s, '\0', n) ? 0 : n;
	int body = 0;
	uint32_t cp;

	qdx_buf_reserve(out, n);
	while (i < end) {
		for (j = i; j < n && s[j] != '<' && s[j] != '&'; j++)
			;
		qdx_buf_put(out, s + i, j - i);
		i = j;
		if (i >= n)
			break;
		if (s[i] == '&') {
			k = body ? char_ref(s, n, i, &cp) : 0;
			if (k) {
				qdx_buf_put_utf8(out, cp);
				i += k;
			} else {
				qdx_buf_putc(out, '&');
				i++;
			}
			continue;
		}
		k = slim_markup(out, s, n, i);
		if (!k)
			break;
		body = body_after((const unsigned char *)s + i, n - i, body);
		i = k;
	}
	qdx_buf_put(out, s + i, n - i);
}

/* Gives libxml2 UTF-8 from qdx_decode(), the decoder text files go
 * through: libxml2's own iconv conversion stops at the first byte iconv
 * rejects (0x81 in windows-1252, any unassigned byte in windows-1258) and
 * silently drops the rest of the file, and it knows neither TCVN3 nor VNI.
 * A declared charset is obeyed, read as WHATWG's encoding standard says
 * browsers must: a BOM outranks it, the Latin-1 and ASCII labels mean
 * windows-1252, and a UTF-16 label on a page whose <meta> was legible as
 * ASCII means UTF-8.  Without one qdx_decode() detects the encoding.  A
 * label it does not know is left to libxml2: *encoding stays NULL and the
 * bytes stay as they are. */
static int prepare(qdx_buf *tmp, const unsigned char **p, size_t *n, const char **encoding,
                   qdx_error *err)
{
	static const char *const unicode[] = { "utf-8", "utf8", "unicode-1-1-utf-8",
		                               "utf-16", "utf-16le", "utf-16be" };
	static const char *const latin1[] = { "windows-1252", "cp1252", "x-cp1252", "iso-8859-1",
		                              "iso8859-1", "iso_8859-1", "latin1", "l1",
		                              "us-ascii", "ascii", "ansi_x3.4-1968" };
	const unsigned char *in = *p;
	int bom = (*n >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) ||
	          (*n >= 2 && ((in[0] == 0xFF && in[1] == 0xFE) || (in[0] == 0xFE && in[1] == 0xFF)));
	qdx_span cs = declared_charset(in, bom ? 0 : *n);
	const char *forced = NULL;
	qdx_decode_info info;
	char name[64];
	int rc;

	*encoding = NULL;
	if (cs.n > 0) {
		if (label_in(cs, unicode, QDX_COUNT(unicode))) {
			forced = qdx_decode_name("utf-8");
		} else if (label_in(cs, latin1, QDX_COUNT(latin1))) {
			forced = qdx_decode_name("windows-1252");
		} else if (cs.n < sizeof(name)) {
			memcpy(name, cs.p, cs.n);
			name[cs.n] = '\0';
			forced = qdx_decode_name(name);
		}
		if (forced == NULL)
			return 0;
	}
	memset(&info, 0, sizeof(info));
	rc = qdx_decode(tmp, &info, *p, *n, forced, 0, err);
	if (rc != 0)
		return rc;
	*p = (const unsigned char *)tmp->p;
	*n = tmp->len;
	*encoding = "UTF-8";
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

/* Keeps the element's full line number (node->line stops at 65535). */
static void start_element(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	htmlParserCtxtPtr ctxt = ctx;

	xmlSAX2StartElement(ctx, name, atts);
	if (ctxt->node != NULL && ctxt->node->psvi == NULL && ctxt->input != NULL &&
	    ctxt->input->line > 0)
		ctxt->node->psvi = (void *)(uintptr_t)ctxt->input->line;
}

/* libxml2 reports encoding and I/O trouble through its generic error
 * handler, which prints to stderr; the library never prints. */
static void quiet(void *ctx, const char *msg, ...)
{
	QDX_UNUSED(ctx);
	QDX_UNUSED(msg);
}

static htmlDocPtr parse(const unsigned char *p, size_t n, const char *encoding)
{
	xmlGenericErrorFunc saved = xmlGenericError;
	void *saved_ctx = xmlGenericErrorContext;
	htmlParserCtxtPtr ctxt;
	htmlDocPtr doc;

	ctxt = htmlNewParserCtxt();
	if (ctxt == NULL)
		qdx_die("out of memory (HTML parser)");
	ctxt->sax->startElement = start_element;
	xmlSetGenericErrorFunc(NULL, quiet);
	doc = htmlCtxtReadMemory(ctxt, (const char *)p, (int)n, NULL, encoding, HTML_OPTIONS);
	xmlSetGenericErrorFunc(saved_ctx, saved);
	htmlFreeParserCtxt(ctxt);
	return doc;
}

int qdx_html_read(qdx_text *out, const unsigned char *in, size_t n, qdx_error *err)
{
	const unsigned char *p = in;
	const char *encoding;
	htmlDocPtr doc = NULL;
	html_walk *w = NULL;
	qdx_buf tmp, slimmed;
	size_t limit;
	int rc = 0;

	qdx_buf_init(&tmp);
	qdx_buf_init(&slimmed);
	if (n == 0) {
		rc = qdx_error_set(err, QDX_EINPUT, NULL, 0, 0, "empty HTML document");
		goto cleanup;
	}
	rc = prepare(&tmp, &p, &n, &encoding, err);
	if (rc != 0)
		goto cleanup;
	if (n > INT_MAX) {
		rc = qdx_error_set(err, QDX_EINPUT, NULL, 0, 0, "HTML document too large");
		goto cleanup;
	}
	limit = n < (QDX_BUF_MAX / 2 - 65536) / HTML_GROWTH ? n * HTML_GROWTH + 65536 : QDX_BUF_MAX / 2;
	if (encoding != NULL) {   /* the text is UTF-8 of ours, in tmp */
		tmp.len = drop_head(tmp.p, tmp.len);
		slim(&slimmed, tmp.p, tmp.len);
		p = (const unsigned char *)slimmed.p;
		n = slimmed.len;
	}
	doc = parse(p, n, encoding);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		rc = qdx_error_set(err, QDX_EINPUT, NULL, 0, 0, "no HTML found to parse");
		goto cleanup;
	}
	/* On the heap: the rowspan table makes the state 2 KiB. */
	w = qdx_xcalloc(1, sizeof(*w));
	w->out = out;
	w->pos = 1;
	w->cell = SIZE_MAX;
	w->limit = limit;
	qdx_buf_init(&w->line);
	reset_line(w);
	walk(w, (xmlNode *)doc);
	flush(w);
	if (w->too_big)
		rc = qdx_error_set(err, QDX_EINPUT, NULL, 0, 0,
		                   "HTML document's text exceeds %zu bytes", w->limit);
cleanup:
	if (w != NULL) {
		qdx_buf_free(&w->line);
		free(w->stack);
		free(w);
	}
	xmlFreeDoc(doc);
	qdx_buf_free(&tmp);
	qdx_buf_free(&slimmed);
	return rc;
}

/* ---- sniffing ------------------------------------------------------------ */

/* Skips a construct that may precede the root ("<!--...-->", "<?xml ...?>"):
 * returns the offset after it, or `i` when there is none. */
static size_t skip_prolog(const unsigned char *s, size_t n, size_t i)
{
	static const struct {
		const char *open, *close;
	} prologs[] = { { "<!--", "-->" }, { "<?", "?>" } };
	size_t k, j, len;

	for (k = 0; k < QDX_COUNT(prologs); k++) {
		if (!starts_ci(s + i, n - i, prologs[k].open))
			continue;
		len = strlen(prologs[k].close);
		for (j = i + strlen(prologs[k].open); j + len <= n; j++)
			if (!memcmp(s + j, prologs[k].close, len))
				return j + len;
		return n;
	}
	return i;
}

int qdx_html_sniff(const unsigned char *in, size_t n)
{
	static const char *const roots[] = { "<!doctype html", "<html", "<head", "<meta",
		                             "<body" };
	size_t lim = n < HTML_SNIFF ? n : HTML_SNIFF, i = 0, k, was;

	if (lim >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF)
		i = 3;
	do {
		was = i;
		while (i < lim && is_css_space((char)in[i]))
			i++;
		i = skip_prolog(in, lim, i);
	} while (i != was && i < lim);
	for (k = 0; k < QDX_COUNT(roots); k++)
		if (tag_at(in + i, lim - i, roots[k]))
			return 1;
	return 0;
}
