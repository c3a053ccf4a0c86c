/*
 * test_xml.c - the XML renderer (src/xml.c) and its schema (schema/qdx.rng).
 *
 * Small trees are built by hand, so that each test controls exactly what
 * the renderer sees; the corpus test then parses every document of
 * corpus/ and validates its XML against the schema with libxml2, printing
 * the validator's messages when it fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#include "internal.h"
#include "render.h"

#ifndef QDX_TOP
#define QDX_TOP "."
#endif

static xmlRelaxNGPtr schema;

/* ---- helpers ------------------------------------------------------------ */

static qdx_doc *doc_new(void)
{
	qdx_doc *doc = qdx_xcalloc(1, sizeof(*doc));

	doc->source = "unit.txt";
	memset(doc->sha256, 'a', 64);
	doc->root = qdx_node_new(doc, QDX_NODE_DOCUMENT, 0);
	doc->root->type = "document";
	return doc;
}

static qdx_node *add(qdx_doc *doc, qdx_node *parent, qdx_node_kind kind, unsigned line,
                     const char *type, const char *label, const char *text)
{
	qdx_node *n = qdx_node_new(doc, kind, line);

	n->type = type;
	n->label = label;
	if (text)
		n->text = text;
	qdx_node_append(parent, n);
	return n;
}

static char *render(const qdx_doc *doc, size_t *len)
{
	char *out = NULL;
	size_t n = 0;

	assert_int_equal(qdx_render(&out, &n, doc, QDX_FORMAT_XML), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), n);
	if (len)
		*len = n;
	return out;
}

static xmlDocPtr parse_xml(const char *s, size_t n)
{
	xmlDocPtr x = xmlReadMemory(s, (int)n, "out.xml", NULL,
	                            XML_PARSE_NONET | XML_PARSE_HUGE);

	if (!x)
		print_error("not well-formed XML:\n%s\n", s);
	assert_non_null(x);
	return x;
}

/* Depth-first, without recursion: the next element after `n` under `top`. */
static xmlNodePtr next_element(xmlNodePtr n, xmlNodePtr top)
{
	xmlNodePtr c = xmlFirstElementChild(n);

	if (c)
		return c;
	while (n && n != top) {
		xmlNodePtr s = xmlNextElementSibling(n);
		if (s)
			return s;
		n = n->parent;
	}
	return NULL;
}

/* The element `name` whose attribute `key` is `value`, or the first
 * element `name` when key is NULL. */
static xmlNodePtr find(xmlDocPtr x, const char *name, const char *key, const char *value)
{
	xmlNodePtr top = xmlDocGetRootElement(x), n;

	for (n = top; n; n = next_element(n, top)) {
		xmlChar *v;
		int hit;

		if (strcmp((const char *)n->name, name))
			continue;
		if (!key)
			return n;
		v = xmlGetProp(n, (const xmlChar *)key);
		hit = v && !strcmp((const char *)v, value);
		xmlFree(v);
		if (hit)
			return n;
	}
	return NULL;
}

static void assert_prop(xmlNodePtr n, const char *key, const char *want)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)key);

	if (!want) {
		if (v)
			print_error("<%s> has %s=\"%s\", expected none\n", n->name, key, v);
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal((const char *)v, want);
	xmlFree(v);
}

static void assert_content(xmlNodePtr n, const char *want)
{
	xmlChar *v = xmlNodeGetContent(n);

	assert_non_null(v);
	assert_string_equal((const char *)v, want);
	xmlFree(v);
}

/* Elements made from tree nodes must say where they start.  Returns the
 * number of failures, each printed with the file. */
static int check_lines(xmlDocPtr x, const char *file)
{
	static const char *const need[] = { "part", "block", "item", "deadline",
	                                    "agency", "budget", "citation" };
	xmlNodePtr top = xmlDocGetRootElement(x), n;
	int bad = 0;
	size_t i;

	for (n = top; n; n = next_element(n, top)) {
		for (i = 0; i < QDX_COUNT(need); i++) {
			xmlChar *v;
			char *end;
			long line;

			if (strcmp((const char *)n->name, need[i]))
				continue;
			v = xmlGetProp(n, (const xmlChar *)"line");
			line = v ? strtol((const char *)v, &end, 10) : 0;
			if (!v || *end || line <= 0) {
				print_error("%s:%ld: <%s> without a positive line= (%s)\n", file,
				            xmlGetLineNo(n), n->name, v ? (const char *)v : "none");
				bad++;
			}
			xmlFree(v);
		}
	}
	return bad;
}

/* libxml2 2.12 made the error const. */
#if LIBXML_VERSION >= 21200
static void collect_error(void *ctx, const xmlError *e)
#else
static void collect_error(void *ctx, xmlErrorPtr e)
#endif
{
	qdx_buf *b = ctx;

	qdx_buf_printf(b, "  %s:%d: %s", e->file ? e->file : "out.xml", e->line,
	               e->message ? e->message : "?\n");
}

/* Validates against schema/qdx.rng; the messages go into `errs`. */
static int validate(xmlDocPtr x, qdx_buf *errs)
{
	xmlRelaxNGValidCtxtPtr v = xmlRelaxNGNewValidCtxt(schema);
	int rc;

	assert_non_null(v);
	xmlRelaxNGSetValidStructuredErrors(v, collect_error, errs);
	rc = xmlRelaxNGValidateDoc(v, x);
	xmlRelaxNGFreeValidCtxt(v);
	return rc;
}

static void assert_valid(xmlDocPtr x, const char *what, const char *xml)
{
	qdx_buf errs;
	int rc;

	qdx_buf_init(&errs);
	rc = validate(x, &errs);
	if (rc)
		print_error("%s does not match schema/qdx.rng:\n%s%s\n", what, errs.p,
		            xml ? xml : "");
	qdx_buf_free(&errs);
	assert_int_equal(rc, 0);
}

static int load_schema(void **state)
{
	const char *path = QDX_TOP "/schema/qdx.rng";
	xmlRelaxNGParserCtxtPtr p;
	FILE *f = fopen(path, "rb");
	qdx_buf b;
	char chunk[8192];
	size_t k;

	QDX_UNUSED(state);
	if (!f) {
		print_error("cannot open %s\n", path);
		return -1;
	}
	qdx_buf_init(&b);
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		qdx_buf_put(&b, chunk, k);
	fclose(f);
	p = xmlRelaxNGNewMemParserCtxt(b.p, (int)b.len);
	schema = xmlRelaxNGParse(p);
	xmlRelaxNGFreeParserCtxt(p);
	qdx_buf_free(&b);
	if (!schema) {
		print_error("%s does not compile\n", path);
		return -1;
	}
	return 0;
}

static int free_schema(void **state)
{
	QDX_UNUSED(state);
	xmlRelaxNGFree(schema);
	xmlCleanupParser();
	return 0;
}

/* A small plan: a roman heading, numbered items, decimal and bulleted
 * children, a task-table row, front matter with a citation. */
static qdx_doc *sample(void)
{
	qdx_doc *doc = doc_new();
	qdx_node *p, *b, *i1, *i2, *i3, *r, *n;
	int k;

	doc->meta.kind = "ke-hoach";
	doc->meta.number = "103a-KH/TU";
	doc->meta.year = "2013";
	doc->meta.date = "2013-10-03";
	doc->meta.title = "Đẩy mạnh cải cách";
	doc->meta.title_line = 4;
	doc->meta.signer_role = "CHỦ TỊCH";
	doc->meta.signer_name = "Lê Hữu Lộc";
	p = add(doc, doc->root, QDX_NODE_PART, 1, "plan", NULL, NULL);
	b = add(doc, p, QDX_NODE_BLOCK, 2, "basis", NULL, "Căn cứ Quyết định số 1557/QĐ-TTg");
	n = add(doc, b, QDX_NODE_CITATION, 2, "quyet-dinh", NULL, "1557/QĐ-TTg");
	qdx_node_set_attr(doc, n, "date", "2012-10-18");
	i1 = add(doc, p, QDX_NODE_ITEM, 5, "roman", "II", "NHIỆM VỤ");
	i2 = add(doc, i1, QDX_NODE_ITEM, 6, "arabic", "2", "Công chức");
	i3 = add(doc, i2, QDX_NODE_ITEM, 7, "decimal", "2.1", "Tuyển dụng");
	for (k = 0; k < 3; k++) {
		qdx_node *bullet = add(doc, i3, QDX_NODE_ITEM, 8 + (unsigned)k, "bullet", "-", "Thi");
		n = add(doc, bullet, QDX_NODE_DEADLINE, 8 + (unsigned)k, "quarter", NULL, "Quý III/2014");
		qdx_node_set_attr(doc, n, "start", "2014-07-01");
		qdx_node_set_attr(doc, n, "end", "2014-09-30");
	}
	add(doc, i3, QDX_NODE_ITEM, 11, "alpha", "a", "Thi nâng ngạch");
	n = add(doc, i2, QDX_NODE_DEADLINE, 6, "recurring", NULL, "Trước ngày 15/12 hằng năm");
	qdx_node_set_attr(doc, n, "freq", "yearly");
	qdx_node_set_attr(doc, n, "at", "--12-15");
	qdx_node_set_attr(doc, n, "inferred", "true");
	r = add(doc, p, QDX_NODE_ITEM, 12, "row", "", "Rà soát");
	qdx_node_set_attr(doc, r, "product", "Báo cáo");
	n = add(doc, r, QDX_NODE_AGENCY, 12, "lead", NULL, "Sở Nội vụ");
	qdx_node_set_attr(doc, n, "canonical", "Sở Nội vụ");
	add(doc, r, QDX_NODE_AGENCY, 13, "partner", NULL, "các sở, ngành");
	n = add(doc, r, QDX_NODE_BUDGET, 12, "budget", NULL, "45 tr/ huyện");
	qdx_node_set_attr(doc, n, "vnd", "45000000");
	qdx_node_set_attr(doc, n, "per", "huyện");
	p = add(doc, doc->root, QDX_NODE_PART, 20, "appendix", NULL, NULL);
	qdx_node_set_attr(doc, p, "title", "Phụ lục");
	add(doc, p, QDX_NODE_ITEM, 21, "arabic", "1", "Lại từ đầu");
	qdx_doc_diag_add(doc, 3, "warning", "invalid byte replaced");
	qdx_doc_diag_add(doc, 0, "note", "decoded as VNI");
	return doc;
}

/* Occurrences of `pat` in s[0..n), without strstr: ASan's strstr measures
 * the whole haystack on every call. */
static size_t count(const char *s, size_t n, const char *pat)
{
	size_t k = strlen(pat), i, c = 0;

	for (i = 0; i + k <= n; i++)
		if (s[i] == pat[0] && !memcmp(s + i, pat, k))
			c++;
	return c;
}

/* ---- tests -------------------------------------------------------------- */

static void test_escaping(void **state)
{
	qdx_doc *doc = doc_new();
	qdx_node *p, *it;
	xmlDocPtr x;
	xmlNodePtr e;
	char *out;
	size_t len, i;

	QDX_UNUSED(state);
	doc->meta.title = "A & B <c> \"d\"";
	p = add(doc, doc->root, QDX_NODE_PART, 1, "plan", NULL, NULL);
	/* Markup characters, the C0 controls XML 1.0 forbids, U+FFFE, a byte
	 * that is not UTF-8, and tab, LF, CR that it allows. */
	it = add(doc, p, QDX_NODE_ITEM, 2, "arabic", "1",
	         "a < b && c > \"d\" ]]> \x01\x08\x0b\x0c\x1f\x7f|\xef\xbf\xbe|\xff|\t|\n|\r|ệ");
	qdx_node_set_attr(doc, it, "product", "x\"<&>\ty\nz\rw\x02");
	it->label = "1\"<&>\t";
	qdx_doc_diag_add(doc, 2, "warning", "bad <%s> & \x03", "tag");

	out = render(doc, &len);
	assert_non_null(strstr(out, "<title>A &amp; B &lt;c&gt; &quot;d&quot;</title>"));
	assert_non_null(strstr(out, "a &lt; b &amp;&amp; c &gt; &quot;d&quot; ]]&gt; "));
	assert_non_null(strstr(out, "label=\"1&quot;&lt;&amp;&gt;&#9;\""));
	assert_non_null(strstr(out, "<product>x&quot;&lt;&amp;&gt;\ty\nz&#13;w</product>"));
	assert_non_null(strstr(out, ">bad &lt;tag&gt; &amp; </diagnostic>"));
	assert_null(strstr(out, "\xef\xbf\xbe"));
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c < 0x20 && c != '\t' && c != '\n')
			fail_msg("raw control character 0x%02x at offset %zu", c, i);
	}

	/* What a parser reads back is the input minus what XML cannot hold. */
	x = parse_xml(out, len);
	e = find(x, "item", NULL, NULL);
	assert_non_null(e);
	assert_prop(e, "label", "1\"<&>\t");
	assert_content(xmlFirstElementChild(e),
	               "a < b && c > \"d\" ]]> \x7f||\xef\xbf\xbd|\t|\n|\r|ệ");
	assert_content(find(x, "product", NULL, NULL), "x\"<&>\ty\nz\rw");
	assert_valid(x, "the escaping test", out);
	xmlFreeDoc(x);
	free(out);
	qdx_doc_free(doc);
}

/* Random bytes, heavy in the ones that need care, in text and attributes:
 * every document must be well-formed XML that matches the schema. */
static void test_random_bytes(void **state)
{
	static const unsigned char alphabet[] = {
		'a', ' ', '<', '>', '&', '"', '\'', ']', 0x01, 0x08, '\t', '\n', '\r', 0x1f, 0x7f,
		0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbb, 0xbe, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xdf,
		0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf3, 0xf4, 0xf5, 0xff
	};
	uint32_t seed = 12345;
	int round;

	QDX_UNUSED(state);
	for (round = 0; round < 300; round++) {
		qdx_doc *doc = doc_new();
		qdx_node *p = add(doc, doc->root, QDX_NODE_PART, 1, "plan", NULL, NULL);
		char *s[3];
		xmlDocPtr x;
		char *out;
		size_t len;
		int k, i;

		for (k = 0; k < 3; k++) {
			int n = (int)(seed >> 27);
			s[k] = qdx_arena_alloc(&doc->arena, (size_t)n + 1);
			for (i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				s[k][i] = (char)alphabet[(seed >> 16) % sizeof(alphabet)];
			}
			seed = seed * 1103515245u + 12345u;
		}
		p = add(doc, p, QDX_NODE_ITEM, 2, "alpha", s[0], s[1]);
		qdx_node_set_attr(doc, p, "product", s[2]);
		doc->meta.title = s[1];
		doc->meta.signer_name = s[0];
		out = render(doc, &len);
		x = parse_xml(out, len);
		assert_valid(x, "a document of random bytes", out);
		xmlFreeDoc(x);
		free(out);
		qdx_doc_free(doc);
	}
}

static void test_absent_attributes(void **state)
{
	qdx_doc *doc = doc_new();
	qdx_node *p, *it;
	xmlDocPtr x;
	xmlNodePtr e;
	char *out;
	size_t len;

	QDX_UNUSED(state);
	p = add(doc, doc->root, QDX_NODE_PART, 1, "decision", NULL, NULL);
	it = add(doc, p, QDX_NODE_ITEM, 2, "article", NULL, "Điều này");
	add(doc, it, QDX_NODE_DEADLINE, 2, "continuous", NULL, "Thường xuyên");
	add(doc, it, QDX_NODE_AGENCY, 2, "lead", NULL, "UBND huyện");
	add(doc, it, QDX_NODE_BUDGET, 2, "budget", NULL, "Ngân sách tỉnh");
	add(doc, it, QDX_NODE_CITATION, 2, "luat", NULL, "77/2015/QH13");

	out = render(doc, &len);
	assert_null(strstr(out, "=\"\""));
	x = parse_xml(out, len);
	e = xmlDocGetRootElement(x);
	assert_prop(e, "source", "unit.txt");
	e = find(x, "meta", NULL, NULL);
	assert_non_null(e);
	assert_null(xmlFirstElementChild(e));       /* nothing known, nothing said */
	e = find(x, "part", NULL, NULL);
	assert_prop(e, "title", NULL);
	e = find(x, "item", NULL, NULL);
	assert_prop(e, "label", NULL);
	assert_null(find(x, "product", NULL, NULL));
	e = find(x, "deadline", NULL, NULL);
	assert_prop(e, "kind", "continuous");
	assert_prop(e, "start", NULL);
	assert_prop(e, "end", NULL);
	assert_prop(e, "freq", NULL);
	assert_prop(e, "at", NULL);
	assert_prop(e, "inferred", NULL);
	assert_prop(e, "condition", NULL);
	assert_prop(find(x, "agency", NULL, NULL), "canonical", NULL);
	e = find(x, "budget", NULL, NULL);
	assert_prop(e, "vnd", NULL);
	assert_prop(e, "per", NULL);
	assert_prop(find(x, "citation", NULL, NULL), "date", NULL);
	assert_null(find(x, "diagnostics", NULL, NULL));
	assert_null(find(x, "signer", NULL, NULL));
	assert_null(find(x, "attached_to", NULL, NULL));
	assert_valid(x, "the absent-attributes test", out);
	xmlFreeDoc(x);
	free(out);
	qdx_doc_free(doc);
}

static void test_sample(void **state)
{
	qdx_doc *doc = sample();
	xmlDocPtr x;
	xmlNodePtr e;
	char *out;
	size_t len;

	QDX_UNUSED(state);
	out = render(doc, &len);
	x = parse_xml(out, len);
	assert_int_equal(check_lines(x, "sample"), 0);
	assert_valid(x, "the sample document", out);

	e = find(x, "title", NULL, NULL);
	assert_prop(e, "line", "4");
	assert_content(e, "Đẩy mạnh cải cách");
	e = find(x, "signer", NULL, NULL);
	assert_prop(e, "role", "CHỦ TỊCH");
	assert_prop(e, "on_behalf", NULL);
	assert_prop(find(x, "citation", NULL, NULL), "line", "2");
	e = find(x, "deadline", "kind", "recurring");
	assert_prop(e, "line", "6");
	assert_prop(e, "at", "--12-15");
	assert_prop(e, "inferred", "true");
	e = find(x, "agency", "role", "partner");
	assert_prop(e, "line", "13");
	assert_content(e, "các sở, ngành");
	e = find(x, "budget", NULL, NULL);
	assert_prop(e, "vnd", "45000000");
	assert_content(e, "45 tr/ huyện");
	/* An item's own facts come before the items it holds, whatever order
	 * the extractor appended them in. */
	e = find(x, "item", "line", "6");
	e = xmlNextElementSibling(xmlFirstElementChild(e));
	assert_string_equal((const char *)e->name, "deadline");
	assert_string_equal((const char *)xmlNextElementSibling(e)->name, "item");
	e = find(x, "diagnostic", "severity", "warning");
	assert_prop(e, "line", "3");
	e = find(x, "diagnostic", "severity", "note");
	assert_prop(e, "line", NULL);        /* about the whole file */
	xmlFreeDoc(x);
	free(out);
	qdx_doc_free(doc);
}

static void test_paths(void **state)
{
	static const struct {
		const char *line, *path;
	} want[] = {
		{ "5", "II" },
		{ "6", "II.2" },
		{ "7", "II.2.1" },       /* "2.1" under "2" adds only ".1" */
		{ "8", "II.2.1.-1" },    /* bullets count among their siblings */
		{ "9", "II.2.1.-2" },
		{ "10", "II.2.1.-3" },
		{ "11", "II.2.1.a" },
		{ "12", "#2" },          /* a row with a blank STT, second at the top */
		{ "21", "1" },           /* a new part starts again */
	};
	qdx_doc *doc = sample();
	xmlDocPtr x;
	char *out;
	size_t len, i;

	QDX_UNUSED(state);
	out = render(doc, &len);
	x = parse_xml(out, len);
	for (i = 0; i < QDX_COUNT(want); i++) {
		xmlNodePtr e = find(x, "item", "line", want[i].line);
		if (!e)
			fail_msg("no item at line %s", want[i].line);
		assert_prop(e, "path", want[i].path);
	}
	xmlFreeDoc(x);
	free(out);
	qdx_doc_free(doc);
}

/* The schema is worth something only if it refuses: a wrong enumeration, a
 * missing line and a malformed date must each fail. */
static void test_schema_refuses(void **state)
{
	static const char *const bad[] = {
		"<deadline line=\"6\" kind=\"soon\">x</deadline>",
		"<deadline kind=\"year\">Năm 2014</deadline>",
		"<deadline line=\"6\" kind=\"date\" start=\"2014-7-1\">x</deadline>",
		"<deadline line=\"0\" kind=\"year\">x</deadline>",
		"<agency line=\"6\" role=\"boss\">x</agency>",
	};
	static const char *const head =
		"<document source=\"x\" sha256=\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"><meta/><part line=\"1\" type=\"plan\">"
		"<item line=\"2\" style=\"arabic\" path=\"1\" label=\"1\"><text>t</text>";
	size_t i;

	QDX_UNUSED(state);
	for (i = 0; i <= QDX_COUNT(bad); i++) {
		qdx_buf b, errs;
		xmlDocPtr x;
		int rc;

		qdx_buf_init(&b);
		qdx_buf_init(&errs);
		qdx_buf_printf(&b, "%s%s</item></part></document>", head,
		               i < QDX_COUNT(bad) ? bad[i] : "");
		x = parse_xml(b.p, b.len);
		rc = validate(x, &errs);
		if (i < QDX_COUNT(bad) && rc == 0)
			fail_msg("the schema accepts %s", bad[i]);
		if (i == QDX_COUNT(bad) && rc != 0)
			fail_msg("the schema refuses a valid document:\n%s", errs.p);
		xmlFreeDoc(x);
		qdx_buf_free(&b);
		qdx_buf_free(&errs);
	}
}

/* The walk is iterative: depth costs no stack; indentation stops growing
 * and paths stop at 64 levels, so the output stays linear in the depth. */
static void test_deep(void **state)
{
	enum { DEPTH = 50000 };
	qdx_doc *doc = doc_new();
	qdx_node *n = add(doc, doc->root, QDX_NODE_PART, 1, "plan", NULL, NULL);
	char *out;
	size_t len;
	int i;

	QDX_UNUSED(state);
	for (i = 0; i < DEPTH; i++)
		n = add(doc, n, QDX_NODE_ITEM, 2 + (unsigned)i, "bullet", "-", "x");
	out = render(doc, &len);
	assert_int_equal(count(out, len, "<item "), DEPTH);
	assert_int_equal(count(out, len, "</item>"), DEPTH);
	assert_int_equal(count(out, len, " path=\""), 64);
	assert_true(len < (size_t)DEPTH * 400);
	free(out);
	qdx_doc_free(doc);
}

static void test_render_api(void **state)
{
	qdx_doc *doc = doc_new();
	char *out = (char *)"untouched";
	size_t len = 7;
	qdx_buf b;

	QDX_UNUSED(state);
	assert_int_equal(qdx_render(&out, &len, doc, (qdx_format)42), QDX_EUSAGE);
	assert_null(out);
	assert_int_equal(len, 0);
	/* qdx_render_xml appends to what the buffer already holds. */
	qdx_buf_init(&b);
	qdx_buf_puts(&b, "<!-- before -->");
	assert_int_equal(qdx_render_xml(&b, doc, NULL), 0);
	assert_memory_equal(b.p, "<!-- before --><?xml", 20);
	assert_int_equal(strlen(b.p), b.len);
	qdx_buf_free(&b);
	qdx_doc_free(doc);
}

/* qdx_render_write()'s writers: one that collects the pieces, one that
 * refuses the second piece. */
typedef struct pieces {
	qdx_buf all;
	size_t n, largest;
	int refuse_at;
} pieces;

static int collect(void *ctx, const char *p, size_t n)
{
	pieces *c = ctx;

	c->n++;
	if (n > c->largest)
		c->largest = n;
	if (c->refuse_at && (int)c->n == c->refuse_at)
		return 7;
	qdx_buf_put(&c->all, p, n);
	return 0;
}

/* A large document streams in bounded pieces that add up to exactly what
 * qdx_render() returns, for both formats; a writer's refusal stops it. */
static void test_render_write(void **state)
{
	static const qdx_format formats[] = { QDX_FORMAT_JSON, QDX_FORMAT_XML };
	qdx_doc *doc = doc_new();
	qdx_node *part = add(doc, doc->root, QDX_NODE_PART, 1, "plan", NULL, "KẾ HOẠCH");
	char text[200], *whole;
	size_t i, len;

	QDX_UNUSED(state);
	for (i = 0; i < 3000; i++) {
		snprintf(text, sizeof(text), "Nhiệm vụ số %zu: <rà soát> & \"báo cáo\" kết quả thực hiện", i);
		add(doc, part, QDX_NODE_ITEM, 2 + (unsigned)i, "arabic", "1",
		    qdx_arena_strdup(&doc->arena, text));
	}
	for (i = 0; i < QDX_COUNT(formats); i++) {
		pieces c = { { NULL, 0, 0 }, 0, 0, 0 };
		qdx_buf_init(&c.all);
		assert_int_equal(qdx_render(&whole, &len, doc, formats[i]), 0);
		assert_true(len > 3 * 64 * 1024);
		assert_int_equal(qdx_render_write(doc, formats[i], collect, &c), 0);
		assert_true(c.n >= 3);
		assert_true(c.largest < 2 * 64 * 1024);
		assert_int_equal(c.all.len, len);
		assert_memory_equal(c.all.p, whole, len);
		free(whole);
		qdx_buf_free(&c.all);
	}
	{
		pieces c = { { NULL, 0, 0 }, 0, 0, 2 };
		qdx_buf_init(&c.all);
		assert_int_equal(qdx_render_write(doc, QDX_FORMAT_JSON, collect, &c), 7);
		assert_int_equal(c.n, 2);   /* nothing handed over after the refusal */
		qdx_buf_free(&c.all);
	}
	assert_int_equal(qdx_render_write(doc, (qdx_format)42, collect, NULL), QDX_EUSAGE);
	qdx_doc_free(doc);
}

/* JSON strings: every byte a JSON string cannot hold, at each offset
 * 0-40 of a text (the writer scans 16 bytes at a time), comes out
 * escaped, and everything around it as it was. */
static void test_json_escapes(void **state)
{
	static const struct { char c; const char *esc; } special[] = {
		{ '"', "\\\"" }, { '\\', "\\\\" }, { '\n', "\\n" }, { '\t', "\\t" },
		{ '\r', "\\r" }, { '\x01', "\\u0001" }, { '\x1f', "\\u001f" },
	};
	size_t k, pad;

	QDX_UNUSED(state);
	for (k = 0; k < QDX_COUNT(special); k++) {
		for (pad = 0; pad <= 40; pad++) {
			qdx_doc *doc = doc_new();
			qdx_node *part = add(doc, doc->root, QDX_NODE_PART, 1, "plan", NULL, "KẾ HOẠCH");
			char text[128], want[160], *out;
			size_t len;
			/* pad bytes of Vietnamese and ASCII, the special byte, a tail */
			memset(text, 'a', pad);
			if (pad >= 3)
				memcpy(text, "\xE1\xBB\x87", 3);   /* ệ */
			snprintf(text + pad, sizeof(text) - pad, "%cđuôi 0123456789abcdef", special[k].c);
			add(doc, part, QDX_NODE_ITEM, 2, "arabic", "1", qdx_arena_strdup(&doc->arena, text));
			snprintf(want, sizeof(want), "\"text\":\"%.*s%sđuôi 0123456789abcdef\"", (int)pad,
			         text, special[k].esc);
			assert_int_equal(qdx_render(&out, &len, doc, QDX_FORMAT_JSON), 0);
			if (!strstr(out, want))
				fail_msg("offset %zu: no %s in %s", pad, want, out);
			free(out);
			qdx_doc_free(doc);
		}
	}
}

/* A small text through the whole pipeline: markup characters in the
 * input reach the XML escaped and come back out of a parser intact. */
static void test_parse_small(void **state)
{
	static const char text[] =
		"ỦY BAN NHÂN DÂN\nTỈNH BÌNH ĐỊNH\nSố: 12/KH-UBND\n"
		"Bình Định, ngày 5 tháng 3 năm 2014\nKẾ HOẠCH\nVề việc A & B\n"
		"I. MỤC TIÊU & \"YÊU CẦU\"\n1. Hoàn thành Quý III/2014\n"
		"- Sở Nội vụ chủ trì & báo cáo\n";
	qdx_parse_options opt = { "small.txt", NULL, 0, 0 };
	qdx_rules *rules = NULL;
	qdx_doc *doc = NULL;
	qdx_error err;
	xmlDocPtr x;
	char *out, msg[1200];
	size_t len;

	QDX_UNUSED(state);
	memset(&err, 0, sizeof(err));
	if (qdx_rules_load(&rules, QDX_TOP "/rules", &err) ||
	    qdx_doc_parse(&doc, rules, text, sizeof(text) - 1, &opt, &err)) {
		qdx_error_format(&err, msg, sizeof(msg));
		fail_msg("%s", msg);
	}
	out = render(doc, &len);
	assert_non_null(strstr(out, "<text>MỤC TIÊU &amp; &quot;YÊU CẦU&quot;</text>"));
	x = parse_xml(out, len);
	assert_content(xmlFirstElementChild(find(x, "item", "line", "7")), "MỤC TIÊU & \"YÊU CẦU\"");
	assert_prop(find(x, "document", NULL, NULL), "source", "small.txt");
	assert_int_equal(check_lines(x, "small.txt"), 0);
	assert_valid(x, "small.txt", out);
	xmlFreeDoc(x);
	free(out);
	qdx_doc_free(doc);
	qdx_rules_free(rules);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every document of the corpus, through the whole pipeline: its XML must
 * be well-formed, carry its lines, and match the schema. */
static void test_corpus(void **state)
{
	const char *dir = QDX_TOP "/corpus";
	qdx_rules *rules = NULL;
	qdx_error err;
	DIR *d;
	struct dirent *de;
	char **names = NULL, msg[1200];
	size_t n = 0, cap = 0, i;
	int failed = 0;

	QDX_UNUSED(state);
	memset(&err, 0, sizeof(err));
	if (qdx_rules_load(&rules, QDX_TOP "/rules", &err)) {
		qdx_error_format(&err, msg, sizeof(msg));
		fail_msg("rules: %s", msg);
	}
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t k = strlen(de->d_name);
		if (de->d_name[0] == '.' || (k > 3 && !strcmp(de->d_name + k - 3, ".md")))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			names = qdx_xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = qdx_xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	assert_true(n >= 17);

	for (i = 0; i < n; i++) {
		char path[1024];
		qdx_doc *doc = NULL;
		qdx_buf errs;
		xmlDocPtr x;
		char *out;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (qdx_doc_parse_file(&doc, rules, path, NULL, &err)) {
			qdx_error_format(&err, msg, sizeof(msg));
			print_error("%s\n", msg);
			failed++;
			continue;
		}
		out = render(doc, &len);
		x = xmlReadMemory(out, (int)len, names[i], NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
		if (!x) {
			print_error("%s: the XML is not well-formed\n", names[i]);
			failed++;
		} else {
			qdx_buf_init(&errs);
			if (validate(x, &errs)) {
				print_error("%s: does not match schema/qdx.rng:\n%s", names[i], errs.p);
				failed++;
			}
			qdx_buf_free(&errs);
			failed += check_lines(x, names[i]) ? 1 : 0;
			xmlFreeDoc(x);
		}
		free(out);
		qdx_doc_free(doc);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	qdx_rules_free(rules);
	if (failed)
		fail_msg("%d of %zu corpus documents failed", failed, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_absent_attributes),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_schema_refuses),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_render_api),
		cmocka_unit_test(test_render_write),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_parse_small),
		cmocka_unit_test(test_corpus),
	};

	LIBXML_TEST_VERSION
	return cmocka_run_group_tests(tests, load_schema, free_schema);
}
