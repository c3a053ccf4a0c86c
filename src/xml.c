/*
 * xml.c - the document tree as XML (the vocabulary of schema/qdx.rng).
 *
 * One walk with qdx_iter: an element opens on ENTER and closes on EXIT, so a
 * tree nested thousands of levels deep costs no stack.  The writer is a
 * plain escaping copy into a qdx_buf: libxml2's xmlTextWriter does the same
 * job at a quarter of the speed, and nothing here needs a DOM.
 *
 *   <document source= sha256=>
 *     <meta> kind number issuer province date year title signer attached_to
 *     <part line= type= title=>
 *       <text/>? <citation/>*
 *       <block line= type=> <text/>? <citation/>* </block>
 *       <item line= label= style= path=>
 *         <text/> <product/>?  (deadline agency budget citation)* item*
 *       </item>
 *     </part>
 *     <diagnostics> <diagnostic line= severity=>message</diagnostic>*
 *   </document>
 *
 * Every element made from a node of the tree carries line=, the line where
 * it starts in the original file; <text> and <product> belong to their item
 * and share its line.  An attribute whose value is NULL is left out.
 *
 * An item's path is its numbering from the top of its part, labels joined by
 * ".": "II.2.a".  A decimal label that extends its parent's ("2.1" under
 * "2") adds only its new part ("II.2.1", not "II.2.2.1").  Bullets are not
 * numbers, so a bullet is its marker followed by its position among its
 * parent's items, counting from 1 ("II.2.a.-3"); an item with a blank label
 * (a table row whose STT cell is empty) is "#" and its position ("#4").
 * Items nested more than XML_MAX_PATH_DEPTH levels deep have no path.
 */
#include "render.h"

#include <stdlib.h>

/* Beyond this depth elements are no longer indented further: a pathological
 * tree would otherwise make the output quadratic in its depth. */
#define XML_MAX_INDENT 32

/* Items nested deeper than this have no path: each path repeats its
 * parent's, so writing them all would be quadratic in the depth, and no
 * document numbers its items more than a handful of levels deep. */
#define XML_MAX_PATH_DEPTH 64

typedef struct xml_frame {
	size_t path_len;     /* length of the item's path in xml_writer.path */
	unsigned items;      /* item children seen so far */
} xml_frame;

typedef struct xml_writer {
	qdx_buf *out;
	int depth;
	qdx_buf path;        /* the path of the item being written */
	xml_frame *stack;    /* [0] is the part, then one per open item */
	size_t nstack, capstack;
} xml_writer;

/* ASCII that cannot be copied as it is: markup characters and the C0
 * controls (NUL included: it ends a string). */
static const unsigned char xml_special[128] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x10 */
	0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x20 " & */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0,   /* 0x30 < > */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x50 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x70 */
};

/* The unchecked append of the hot path: room is made only when needed and
 * the terminating NUL is written once, when the document is done. */
static inline void put(qdx_buf *b, const void *s, size_t n)
{
	if (b->len + n >= b->cap)
		qdx_buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

static inline void put_str(qdx_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_uint(qdx_buf *b, unsigned long v)
{
	char d[24];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(b, d + i, sizeof(d) - i);
}

/* The fast path of put_esc(): an automaton that accepts well-formed UTF-8
 * holding no byte that needs escaping.  It is a shift automaton: a state is
 * a bit offset, and the row of a byte holds, at each state's offset, the
 * state that byte leads to; so one step is a table load that does not
 * depend on the state, a shift and a mask.  Bytes that need a decision
 * (markup characters, controls, NUL, the lead byte EF of U+FFFE/U+FFFF, and
 * bytes no UTF-8 holds) lead to U_ERR, where the slow path takes over for
 * one character.  The second byte's range after E0, ED, F0 and F4 is
 * narrowed as in Unicode's table 3-7 (no overlongs, no surrogates, nothing
 * past U+10FFFF). */
enum { U_S0 = 0, U_S1 = 6, U_S2 = 12, U_S3 = 18, U_E0 = 24, U_ED = 30, U_F0 = 36, U_F4 = 42,
       U_ERR = 48 };
#define U_ROW(s0, s1, s2, s3, e0, ed, f0, f4) \
	((uint64_t)(s0) << U_S0 | (uint64_t)(s1) << U_S1 | (uint64_t)(s2) << U_S2 | \
	 (uint64_t)(s3) << U_S3 | (uint64_t)(e0) << U_E0 | (uint64_t)(ed) << U_ED | \
	 (uint64_t)(f0) << U_F0 | (uint64_t)(f4) << U_F4 | (uint64_t)U_ERR << U_ERR)
#define R_A  U_ROW(U_S0, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR)   /* plain ASCII */
#define R_X  U_ROW(U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR) /* to the slow path */
#define R_C8 U_ROW(U_ERR, U_S0, U_S1, U_S2, U_ERR, U_S1, U_ERR, U_S2)      /* 80..8F */
#define R_C9 U_ROW(U_ERR, U_S0, U_S1, U_S2, U_ERR, U_S1, U_S2, U_ERR)      /* 90..9F */
#define R_CA U_ROW(U_ERR, U_S0, U_S1, U_S2, U_S1, U_ERR, U_S2, U_ERR)      /* A0..BF */
#define R_L2 U_ROW(U_S1, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR)  /* C2..DF */
#define R_E0 U_ROW(U_E0, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR)
#define R_L3 U_ROW(U_S2, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR)  /* E1..EC EE */
#define R_ED U_ROW(U_ED, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR)
#define R_F0 U_ROW(U_F0, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR)
#define R_L4 U_ROW(U_S3, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR)  /* F1..F3 */
#define R_F4 U_ROW(U_F4, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR, U_ERR)
static const uint64_t utf8_dfa[256] = {
	R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,
	R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,
	R_A,  R_A,  R_X,  R_A,  R_A,  R_A,  R_X,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,
	R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_X,  R_A,  R_X,  R_A,
	R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,
	R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,
	R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,
	R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,  R_A,
	R_C8, R_C8, R_C8, R_C8, R_C8, R_C8, R_C8, R_C8, R_C8, R_C8, R_C8, R_C8, R_C8, R_C8, R_C8, R_C8,
	R_C9, R_C9, R_C9, R_C9, R_C9, R_C9, R_C9, R_C9, R_C9, R_C9, R_C9, R_C9, R_C9, R_C9, R_C9, R_C9,
	R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA,
	R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA, R_CA,
	R_X,  R_X,  R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2,
	R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2, R_L2,
	R_E0, R_L3, R_L3, R_L3, R_L3, R_L3, R_L3, R_L3, R_L3, R_L3, R_L3, R_L3, R_L3, R_ED, R_L3, R_X,
	R_F0, R_L4, R_L4, R_L4, R_F4, R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,  R_X,
};

/* Appends the C string `str` escaped for character data (attr 0) or for a
 * double-quoted attribute value (attr 1).  Characters XML 1.0 forbids (C0
 * controls other than tab, LF and CR; U+FFFE, U+FFFF) are dropped; each
 * byte that is not part of well-formed UTF-8 becomes U+FFFD, so the output
 * is well-formed whatever the tree holds.  CR is kept as &#13; (a parser
 * would turn a raw one into LF), and in attributes tab and LF are escaped
 * too, or attribute normalisation would turn them into spaces.
 *
 * Runs the automaton above until it fails, then goes back to the start of
 * the character it failed in and decides character by character up to the
 * failing byte.  On the corpus this is 2.5 times the speed of deciding
 * every character (Vietnamese letters are a third of the bytes). */
static void put_esc(qdx_buf *b, const char *str, int attr)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, bad, k;
	uint64_t st, prev;
	uint32_t cp;

	for (;;) {
		st = U_S0;
		do {
			prev = st;
			st = (utf8_dfa[s[i++]] >> st) & 63;
		} while (st != U_ERR);
		bad = i - 1;
		/* A failure inside a sequence sends us back to its lead byte,
		 * at most three bytes before. */
		if (prev == U_S0)
			i = bad;
		else
			for (i = bad - 1; (s[i] & 0xC0) == 0x80; i--)
				;
		while (i <= bad) {
			unsigned c = s[i];

			k = 0;
			if (c >= 0x80) {
				/* The string ends in a NUL, which no continuation
				 * test accepts: a bound of 4 reads nothing past it. */
				k = qdx_utf8_decode(s + i, 4, &cp);
				if (k && cp != 0xFFFE && cp != 0xFFFF) {
					i += k;
					continue;
				}
			} else if (!xml_special[c]) {
				i++;
				continue;
			}
			put(b, s + run, i - run);
			if (!c)
				return;
			if (c >= 0x80) {
				if (k)          /* U+FFFE or U+FFFF: dropped */
					i += k;
				else {
					PUTS(b, "\xEF\xBF\xBD");
					i++;
				}
				run = i;
				continue;
			}
			switch (c) {
			case '<': PUTS(b, "&lt;"); break;
			case '>': PUTS(b, "&gt;"); break;
			case '&': PUTS(b, "&amp;"); break;
			case '"': PUTS(b, "&quot;"); break;
			case '\r': PUTS(b, "&#13;"); break;
			case '\t':
				if (attr)
					PUTS(b, "&#9;");
				else
					PUTS(b, "\t");
				break;
			case '\n':
				if (attr)
					PUTS(b, "&#10;");
				else
					PUTS(b, "\n");
				break;
			default:        /* another C0 control: no XML 1.0 document may hold it */
				break;
			}
			run = ++i;
		}
	}
}

static inline void indent(xml_writer *w)
{
	static const char spaces[2 * XML_MAX_INDENT + 1] =
		"                                                                ";
	int d = w->depth < XML_MAX_INDENT ? w->depth : XML_MAX_INDENT;

	put(w->out, spaces, 2 * (size_t)d);
}

/* `<name` at the current indentation; attributes follow. */
static inline void open_tag(xml_writer *w, const char *name)
{
	indent(w);
	PUTS(w->out, "<");
	put_str(w->out, name);
}

static inline void attr(xml_writer *w, const char *name, const char *value)
{
	if (!value)
		return;
	PUTS(w->out, " ");
	put_str(w->out, name);
	PUTS(w->out, "=\"");
	put_esc(w->out, value, 1);
	PUTS(w->out, "\"");
}

static inline void attr_line(xml_writer *w, unsigned line)
{
	PUTS(w->out, " line=\"");
	put_uint(w->out, line);
	PUTS(w->out, "\"");
}

/* Ends the start tag of an element whose content is `text`, writes it and
 * the end tag, on one line. */
static inline void text_and_close(xml_writer *w, const char *name, const char *text)
{
	PUTS(w->out, ">");
	put_esc(w->out, text, 0);
	PUTS(w->out, "</");
	put_str(w->out, name);
	PUTS(w->out, ">\n");
}

static inline void simple(xml_writer *w, const char *name, const char *text)
{
	if (!text)
		return;
	open_tag(w, name);
	text_and_close(w, name, text);
}

static inline void close_tag(xml_writer *w, const char *name)
{
	indent(w);
	PUTS(w->out, "</");
	put_str(w->out, name);
	PUTS(w->out, ">\n");
}

static void write_meta(xml_writer *w, const qdx_doc *doc)
{
	static const char *const fields[] = { "kind", "number", "issuer", "province", "date",
	                                      "year" };
	const char *title = qdx_doc_meta(doc, "title");
	const char *role = qdx_doc_meta(doc, "signer.role");
	const char *name = qdx_doc_meta(doc, "signer.name");
	const char *behalf = qdx_doc_meta(doc, "signer.on_behalf");
	const char *anum = qdx_doc_meta(doc, "attached_to.number");
	const char *adate = qdx_doc_meta(doc, "attached_to.date");
	size_t i;

	open_tag(w, "meta");
	PUTS(w->out, ">\n");
	w->depth++;
	for (i = 0; i < QDX_COUNT(fields); i++)
		simple(w, fields[i], qdx_doc_meta(doc, fields[i]));
	if (title) {
		open_tag(w, "title");
		if (doc->meta.title_line)
			attr_line(w, doc->meta.title_line);
		text_and_close(w, "title", title);
	}
	if (role || name || behalf) {
		open_tag(w, "signer");
		attr(w, "role", role);
		attr(w, "name", name);
		attr(w, "on_behalf", behalf);
		PUTS(w->out, "/>\n");
	}
	if (anum || adate) {
		open_tag(w, "attached_to");
		attr(w, "number", anum);
		attr(w, "date", adate);
		PUTS(w->out, "/>\n");
	}
	w->depth--;
	close_tag(w, "meta");
}

static void write_diagnostics(xml_writer *w, const qdx_doc *doc)
{
	size_t i, n = qdx_doc_diag_count(doc);

	if (!n)
		return;
	open_tag(w, "diagnostics");
	PUTS(w->out, ">\n");
	w->depth++;
	for (i = 0; i < n; i++) {
		unsigned line = 0;
		const char *severity = NULL;
		const char *msg = qdx_doc_diag(doc, i, &line, &severity);

		open_tag(w, "diagnostic");
		if (line)
			attr_line(w, line);
		attr(w, "severity", severity);
		text_and_close(w, "diagnostic", msg ? msg : "");
	}
	w->depth--;
	close_tag(w, "diagnostics");
}

/* ---- item paths --------------------------------------------------------- */

static xml_frame *push_frame(xml_writer *w)
{
	if (w->nstack == w->capstack) {
		w->capstack = w->capstack ? 2 * w->capstack : 32;
		w->stack = qdx_xrealloc(w->stack, w->capstack * sizeof(*w->stack));
	}
	return &w->stack[w->nstack++];
}

/* Extends the path by item `n`'s component (see the top of the file) and
 * opens a frame for its children.  Returns the item's path, or NULL when
 * it is too deep to have one. */
static const char *path_enter(xml_writer *w, const qdx_node *n)
{
	const qdx_node *up = qdx_node_parent(n);
	const char *label = qdx_node_label(n);
	xml_frame *f;
	unsigned pos;

	if (!w->nstack) {       /* an item walked without its part: its own top */
		f = push_frame(w);
		f->path_len = 0;
		f->items = 0;
	}
	pos = ++w->stack[w->nstack - 1].items;
	w->path.len = w->stack[w->nstack - 1].path_len;
	f = push_frame(w);
	f->path_len = w->path.len;
	f->items = 0;
	if (w->nstack > XML_MAX_PATH_DEPTH + 1)
		return NULL;
	if (w->path.len)
		PUTS(&w->path, ".");
	if (!label || !*label) {
		PUTS(&w->path, "#");
		put_uint(&w->path, pos);
	} else if (!strcmp(qdx_node_type(n), "bullet")) {
		put_str(&w->path, label);
		put_uint(&w->path, pos);
	} else {
		const char *pl = up && qdx_node_get_kind(up) == QDX_NODE_ITEM ? qdx_node_label(up) : NULL;
		size_t k = pl ? strlen(pl) : 0;

		if (k && !strncmp(label, pl, k) && label[k] == '.' && label[k + 1])
			label += k + 1;
		put_str(&w->path, label);
	}
	f->path_len = w->path.len;
	put(&w->path, "", 1);   /* NUL, so the path can be read as a string */
	w->path.len--;
	return w->path.p;
}

/* ---- the walk ------------------------------------------------------------ */

static int empty_container(const qdx_node *n)
{
	return !qdx_node_first_child(n) && !*qdx_node_text(n);
}

static int is_leaf(const qdx_node *n)
{
	qdx_node_kind k = qdx_node_get_kind(n);

	return k == QDX_NODE_DEADLINE || k == QDX_NODE_AGENCY || k == QDX_NODE_BUDGET ||
	       k == QDX_NODE_CITATION;
}

static void write_leaf(xml_writer *w, const qdx_node *n)
{
	const char *text = qdx_node_text(n);

	switch (qdx_node_get_kind(n)) {
	case QDX_NODE_DEADLINE:
		open_tag(w, "deadline");
		attr_line(w, qdx_node_line(n));
		attr(w, "kind", qdx_node_type(n));
		attr(w, "start", qdx_node_attr(n, "start"));
		attr(w, "end", qdx_node_attr(n, "end"));
		attr(w, "freq", qdx_node_attr(n, "freq"));
		attr(w, "at", qdx_node_attr(n, "at"));
		attr(w, "inferred", qdx_node_attr(n, "inferred"));
		attr(w, "condition", qdx_node_attr(n, "condition"));
		text_and_close(w, "deadline", text);
		return;
	case QDX_NODE_AGENCY:
		open_tag(w, "agency");
		attr_line(w, qdx_node_line(n));
		attr(w, "role", qdx_node_type(n));
		attr(w, "canonical", qdx_node_attr(n, "canonical"));
		text_and_close(w, "agency", text);
		return;
	case QDX_NODE_BUDGET:
		open_tag(w, "budget");
		attr_line(w, qdx_node_line(n));
		attr(w, "vnd", qdx_node_attr(n, "vnd"));
		attr(w, "per", qdx_node_attr(n, "per"));
		text_and_close(w, "budget", text);
		return;
	case QDX_NODE_CITATION:
		open_tag(w, "citation");
		attr_line(w, qdx_node_line(n));
		attr(w, "kind", qdx_node_type(n));
		attr(w, "date", qdx_node_attr(n, "date"));
		text_and_close(w, "citation", text);
		return;
	default:
		return;
	}
}

/* A container's own facts (the deadlines, agencies, budget and citations
 * hanging directly off it) are written right after its text, before the
 * items it holds: the extractor appends them after the hierarchy is built,
 * and a reader wants "1. Do X - Quý III/2014" together, not after the
 * sub-items of 1.  The walk then passes over the leaves it meets. */
static void write_leaves(xml_writer *w, const qdx_node *n)
{
	const qdx_node *c;

	for (c = qdx_node_first_child(n); c; c = qdx_node_next(c))
		if (is_leaf(c))
			write_leaf(w, c);
}

static void enter(xml_writer *w, const qdx_doc *doc, const qdx_node *n)
{
	const char *text = qdx_node_text(n);

	switch (qdx_node_get_kind(n)) {
	case QDX_NODE_DOCUMENT:
		PUTS(w->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		open_tag(w, "document");
		attr(w, "source", doc->source);
		attr(w, "sha256", qdx_doc_sha256(doc));
		PUTS(w->out, ">\n");
		w->depth++;
		write_meta(w, doc);
		return;
	case QDX_NODE_PART:
	case QDX_NODE_BLOCK: {
		int part = qdx_node_get_kind(n) == QDX_NODE_PART;

		if (part) {     /* paths start again from the top */
			xml_frame *f;

			w->nstack = 0;
			f = push_frame(w);
			f->path_len = 0;
			f->items = 0;
		}
		open_tag(w, part ? "part" : "block");
		attr_line(w, qdx_node_line(n));
		attr(w, "type", qdx_node_type(n));
		if (part)
			attr(w, "title", qdx_node_attr(n, "title"));
		if (empty_container(n)) {
			PUTS(w->out, "/>\n");
			return;
		}
		PUTS(w->out, ">\n");
		w->depth++;
		if (*text)
			simple(w, "text", text);
		write_leaves(w, n);
		return;
	}
	case QDX_NODE_ITEM: {
		const char *path = path_enter(w, n);

		open_tag(w, "item");
		attr_line(w, qdx_node_line(n));
		attr(w, "label", qdx_node_label(n));
		attr(w, "style", qdx_node_type(n));
		attr(w, "path", path);
		PUTS(w->out, ">\n");
		w->depth++;
		simple(w, "text", text);
		simple(w, "product", qdx_node_attr(n, "product"));
		write_leaves(w, n);
		return;
	}
	default:        /* a leaf: its container wrote it */
		return;
	}
}

static void leave(xml_writer *w, const qdx_doc *doc, const qdx_node *n)
{
	switch (qdx_node_get_kind(n)) {
	case QDX_NODE_DOCUMENT:
		write_diagnostics(w, doc);
		w->depth--;
		close_tag(w, "document");
		return;
	case QDX_NODE_PART:
	case QDX_NODE_BLOCK:
		if (empty_container(n))
			return;
		w->depth--;
		close_tag(w, qdx_node_get_kind(n) == QDX_NODE_PART ? "part" : "block");
		return;
	case QDX_NODE_ITEM:
		w->depth--;
		close_tag(w, "item");
		if (w->nstack)
			w->nstack--;
		return;
	default:
		return;
	}
}

int qdx_render_xml(qdx_buf *out, const qdx_doc *doc, qdx_sink *sink)
{
	xml_writer w;
	qdx_iter it;
	const qdx_node *n;
	qdx_event ev;

	memset(&w, 0, sizeof(w));
	w.out = out;
	qdx_buf_init(&w.path);
	/* A document renders to tens of kilobytes: starting there saves the
	 * first doublings. */
	qdx_buf_reserve(out, 64 * 1024);
	qdx_iter_init(&it, qdx_doc_root(doc));
	while ((ev = qdx_iter_next(&it, &n)) != QDX_EVENT_DONE) {
		if (ev == QDX_EVENT_ENTER)
			enter(&w, doc, n);
		else
			leave(&w, doc, n);
		qdx_sink_spill(sink, out, 0);
	}
	qdx_buf_reserve(out, 0);
	out->p[out->len] = '\0';
	qdx_buf_free(&w.path);
	free(w.stack);
	return 0;
}
