/*
 * json.c - the document as the JSON of CONTRACT.md.
 *
 * The contract lists items flat, in document order, each naming its parent
 * by line, with its deadlines, agencies and budget inside it; citations
 * come in a list of their own.  So the walk writes an item's object on
 * ENTER from the item and its leaf children, and the items nested under it
 * follow as their own objects: one loop over the tree, like every sink.
 */
#include "render.h"

#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The bytes a JSON string cannot hold as they are. */
static const unsigned char json_special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

/* The first byte of s[i..n) a JSON string cannot hold, or n: 16 bytes at
 * a time where SSE2 is (most texts hold none, and are most of the
 * output). */
static size_t next_special(const unsigned char *s, size_t n, size_t i)
{
#ifdef __SSE2__
	const __m128i ctl = _mm_set1_epi8(0x1F), quote = _mm_set1_epi8('"');
	const __m128i bslash = _mm_set1_epi8('\\');

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl),
		                         _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	while (i < n && !json_special[s[i]])
		i++;
	return i;
}

static void put_str(qdx_buf *b, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), run = 0, i;

	qdx_buf_putc(b, '"');
	for (i = next_special(s, n, 0); i < n; i = next_special(s, n, i + 1)) {
		qdx_buf_put(b, s + run, i - run);
		switch (s[i]) {
		case '"': qdx_buf_puts(b, "\\\""); break;
		case '\\': qdx_buf_puts(b, "\\\\"); break;
		case '\n': qdx_buf_puts(b, "\\n"); break;
		case '\t': qdx_buf_puts(b, "\\t"); break;
		case '\r': qdx_buf_puts(b, "\\r"); break;
		default:
			qdx_buf_puts(b, "\\u00");
			qdx_buf_putc(b, hex[s[i] >> 4]);
			qdx_buf_putc(b, hex[s[i] & 15]);
		}
		run = i + 1;
	}
	qdx_buf_put(b, s + run, n - run);
	qdx_buf_putc(b, '"');
}

static void put_uint(qdx_buf *b, unsigned v)
{
	char d[12];
	int k = sizeof(d);

	do
		d[--k] = (char)('0' + v % 10);
	while ((v /= 10));
	qdx_buf_put(b, d + k, sizeof(d) - (size_t)k);
}

static void put_str_or_null(qdx_buf *b, const char *s)
{
	if (s)
		put_str(b, s);
	else
		qdx_buf_puts(b, "null");
}

/* Keys are the contract's names: nothing in them to escape. */
static void put_key(qdx_buf *b, int *first, const char *key)
{
	if (!*first)
		qdx_buf_putc(b, ',');
	*first = 0;
	qdx_buf_putc(b, '"');
	qdx_buf_puts(b, key);
	qdx_buf_put(b, "\":", 2);
}

static void put_meta(qdx_buf *b, const qdx_doc *doc)
{
	static const char *const plain[] = { "kind", "number", "issuer", "province", "date" };
	const char *v;
	size_t i;
	int first = 1;

	qdx_buf_putc(b, '{');
	for (i = 0; i < QDX_COUNT(plain); i++) {
		put_key(b, &first, plain[i]);
		put_str_or_null(b, qdx_doc_meta(doc, plain[i]));
	}
	put_key(b, &first, "year");
	v = qdx_doc_meta(doc, "year");
	qdx_buf_puts(b, v ? v : "null");
	put_key(b, &first, "title");
	put_str_or_null(b, qdx_doc_meta(doc, "title"));
	put_key(b, &first, "signer");
	if (qdx_doc_meta(doc, "signer.name") || qdx_doc_meta(doc, "signer.role")) {
		int f2 = 1;
		qdx_buf_putc(b, '{');
		put_key(b, &f2, "role");
		put_str_or_null(b, qdx_doc_meta(doc, "signer.role"));
		put_key(b, &f2, "name");
		put_str_or_null(b, qdx_doc_meta(doc, "signer.name"));
		if ((v = qdx_doc_meta(doc, "signer.on_behalf"))) {
			put_key(b, &f2, "on_behalf");
			put_str(b, v);
		}
		qdx_buf_putc(b, '}');
	} else {
		qdx_buf_puts(b, "null");
	}
	put_key(b, &first, "attached_to");
	if ((v = qdx_doc_meta(doc, "attached_to.number"))) {
		int f2 = 1;
		qdx_buf_putc(b, '{');
		put_key(b, &f2, "number");
		put_str(b, v);
		put_key(b, &f2, "date");
		put_str_or_null(b, qdx_doc_meta(doc, "attached_to.date"));
		qdx_buf_putc(b, '}');
	} else {
		qdx_buf_puts(b, "null");
	}
	qdx_buf_putc(b, '}');
}

static void put_deadline(qdx_buf *b, const qdx_node *n)
{
	static const char *const attrs[] = { "start", "end" };
	static const char *const extra[] = { "freq", "at", "condition" };
	const char *v;
	size_t i;
	int first = 1;

	qdx_buf_putc(b, '{');
	put_key(b, &first, "line");
	put_uint(b, qdx_node_line(n));
	put_key(b, &first, "text");
	put_str(b, qdx_node_text(n));
	put_key(b, &first, "kind");
	put_str(b, qdx_node_type(n));
	for (i = 0; i < QDX_COUNT(attrs); i++) {
		put_key(b, &first, attrs[i]);
		put_str_or_null(b, qdx_node_attr(n, attrs[i]));
	}
	for (i = 0; i < QDX_COUNT(extra); i++) {
		if ((v = qdx_node_attr(n, extra[i]))) {
			put_key(b, &first, extra[i]);
			put_str(b, v);
		}
	}
	if ((v = qdx_node_attr(n, "inferred")) && !strcmp(v, "true")) {
		put_key(b, &first, "inferred");
		qdx_buf_puts(b, "true");
	}
	qdx_buf_putc(b, '}');
}

/* The agencies of one role as a list of strings, or nothing. */
static void put_agencies(qdx_buf *b, int *first, const qdx_node *item, const char *role,
                         const char *key)
{
	const qdx_node *c;
	int any = 0;

	for (c = qdx_node_first_child(item); c; c = qdx_node_next(c)) {
		if (qdx_node_get_kind(c) != QDX_NODE_AGENCY || strcmp(qdx_node_type(c), role))
			continue;
		if (!any)
			put_key(b, first, key), qdx_buf_putc(b, '[');
		else
			qdx_buf_putc(b, ',');
		put_str(b, qdx_node_text(c));
		any = 1;
	}
	if (any)
		qdx_buf_putc(b, ']');
}

static void put_item(qdx_buf *b, const qdx_node *n)
{
	const qdx_node *c, *p = qdx_node_parent(n);
	const char *v;
	int first = 1, any = 0;

	qdx_buf_putc(b, '{');
	put_key(b, &first, "line");
	put_uint(b, qdx_node_line(n));
	put_key(b, &first, "label");
	put_str(b, qdx_node_label(n) ? qdx_node_label(n) : "");
	put_key(b, &first, "parent");
	if (p && qdx_node_get_kind(p) == QDX_NODE_ITEM)
		put_uint(b, qdx_node_line(p));
	else
		qdx_buf_puts(b, "null");
	put_key(b, &first, "style");
	put_str(b, qdx_node_type(n));
	put_key(b, &first, "text");
	put_str(b, qdx_node_text(n));
	for (c = qdx_node_first_child(n); c; c = qdx_node_next(c)) {
		if (qdx_node_get_kind(c) != QDX_NODE_DEADLINE)
			continue;
		if (!any)
			put_key(b, &first, "deadlines"), qdx_buf_putc(b, '[');
		else
			qdx_buf_putc(b, ',');
		put_deadline(b, c);
		any = 1;
	}
	if (any)
		qdx_buf_putc(b, ']');
	put_agencies(b, &first, n, "lead", "lead");
	put_agencies(b, &first, n, "partner", "partners");
	if ((v = qdx_node_attr(n, "product"))) {
		put_key(b, &first, "product");
		put_str(b, v);
	}
	for (c = qdx_node_first_child(n); c; c = qdx_node_next(c)) {
		int f2 = 1;
		if (qdx_node_get_kind(c) != QDX_NODE_BUDGET)
			continue;
		put_key(b, &first, "budget");
		qdx_buf_putc(b, '{');
		put_key(b, &f2, "text");
		put_str(b, qdx_node_text(c));
		put_key(b, &f2, "vnd");
		v = qdx_node_attr(c, "vnd");
		qdx_buf_puts(b, v ? v : "null");
		put_key(b, &f2, "per");
		put_str_or_null(b, qdx_node_attr(c, "per"));
		qdx_buf_putc(b, '}');
		break;
	}
	qdx_buf_putc(b, '}');
}

static void put_citation(qdx_buf *b, const qdx_node *n)
{
	int first = 1;

	qdx_buf_putc(b, '{');
	put_key(b, &first, "line");
	put_uint(b, qdx_node_line(n));
	put_key(b, &first, "kind");
	put_str(b, qdx_node_type(n));
	put_key(b, &first, "number");
	put_str(b, qdx_node_text(n));
	put_key(b, &first, "date");
	put_str_or_null(b, qdx_node_attr(n, "date"));
	qdx_buf_putc(b, '}');
}

/* One walk per list: the contract puts citations before items. */
static void put_list(qdx_buf *b, const qdx_doc *doc, qdx_node_kind kind, qdx_sink *sink)
{
	qdx_iter it;
	const qdx_node *n;
	qdx_event ev;
	int any = 0;

	qdx_buf_putc(b, '[');
	qdx_iter_init(&it, qdx_doc_root(doc));
	while ((ev = qdx_iter_next(&it, &n)) != QDX_EVENT_DONE) {
		if (ev != QDX_EVENT_ENTER || qdx_node_get_kind(n) != kind)
			continue;
		if (any)
			qdx_buf_putc(b, ',');
		if (kind == QDX_NODE_ITEM)
			put_item(b, n);
		else
			put_citation(b, n);
		any = 1;
		qdx_sink_spill(sink, b, 0);
	}
	qdx_buf_putc(b, ']');
}

int qdx_render_json(qdx_buf *b, const qdx_doc *doc, qdx_sink *sink)
{
	size_t i, n = qdx_doc_diag_count(doc);
	int first = 1;

	qdx_buf_putc(b, '{');
	put_key(b, &first, "source");
	put_str(b, doc->source);
	put_key(b, &first, "sha256");
	put_str(b, qdx_doc_sha256(doc));
	put_key(b, &first, "meta");
	put_meta(b, doc);
	put_key(b, &first, "citations");
	put_list(b, doc, QDX_NODE_CITATION, sink);
	put_key(b, &first, "items");
	put_list(b, doc, QDX_NODE_ITEM, sink);
	put_key(b, &first, "diagnostics");
	qdx_buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		unsigned line;
		const char *sev, *msg = qdx_doc_diag(doc, i, &line, &sev);
		int f2 = 1;
		if (i)
			qdx_buf_putc(b, ',');
		qdx_buf_putc(b, '{');
		put_key(b, &f2, "line");
		if (line)
			put_uint(b, line);
		else
			qdx_buf_puts(b, "null");
		put_key(b, &f2, "severity");
		put_str(b, sev);
		put_key(b, &f2, "message");
		put_str(b, msg);
		qdx_buf_putc(b, '}');
	}
	qdx_buf_puts(b, "]}");
	return 0;
}
