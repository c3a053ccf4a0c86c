/*
 * test_html.c - html.c: blocks, rows, flags and source lines.
 *
 * Fixtures live in tests/html/; the real Word export is
 * corpus/pho-bang-01-kh-tbtt-2025.htm.  Expected line numbers were read off
 * the fixture files themselves (`cat -n`), not off the reader's output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>

#include "html.h"

#ifndef QDX_TOP
#define QDX_TOP "."
#endif

#define ROW QDX_LINE_ROW
#define BOLD QDX_LINE_BOLD
#define HEAD QDX_LINE_HEADING

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long size;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	p = malloc((size_t)size + 1);
	assert_non_null(p);
	*n = fread(p, 1, (size_t)size, f);
	assert_int_equal(*n, (size_t)size);
	fclose(f);
	return p;
}

/* Each test's qdx_text, freed by teardown even when an assertion fails. */
static int setup(void **state)
{
	qdx_text *t = malloc(sizeof(*t));

	if (t == NULL)
		return -1;
	qdx_text_init(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	qdx_text_free(*state);
	free(*state);
	return 0;
}

static void read_bytes(qdx_text *t, const void *s, size_t n)
{
	qdx_error err;

	memset(&err, 0, sizeof(err));
	qdx_text_free(t);
	if (qdx_html_read(t, s, n, &err) != 0)
		fail_msg("qdx_html_read: %s", err.message);
}

static void read_string(qdx_text *t, const char *s)
{
	read_bytes(t, s, strlen(s));
}

static void read_file(qdx_text *t, const char *rel)
{
	char path[1024];
	unsigned char *p;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", QDX_TOP, rel);
	p = slurp(path, &n);
	read_bytes(t, p, n);
	free(p);
}

/* Line i is `text`, from source line `no`, with exactly `flags`. */
static void expect(const qdx_text *t, size_t i, uint32_t no, uint32_t flags, const char *text)
{
	if (i >= t->n)
		fail_msg("line %zu missing (%zu lines): expected \"%s\"", i, t->n, text);
	assert_string_equal(qdx_text_line(t, i), text);
	assert_int_equal(t->v[i].len, strlen(text));
	if (t->v[i].no != no)
		fail_msg("line %zu \"%s\": no %u, expected %u", i, text, t->v[i].no, no);
	if (t->v[i].flags != flags)
		fail_msg("line %zu \"%s\": flags %#x, expected %#x", i, text, t->v[i].flags, flags);
}

static void test_paragraphs(void **state)
{
	qdx_text *t = *state;

	read_file(t, "tests/html/paragraphs.html");
	expect(t, 0, 9, BOLD | HEAD, "Kế hoạch");
	/* the start tag spans lines 10-11: the text starts on 11 */
	expect(t, 1, 11, 0, "Căn cứ Luật Tổ chức chính quyền.");
	expect(t, 2, 13, 0, "one");
	expect(t, 3, 13, 0, "two");
	expect(t, 4, 14, 0, "three");
	expect(t, 5, 15, 0, "before");
	expect(t, 6, 16, 0, "inside");
	expect(t, 7, 17, 0, "after");
	expect(t, 8, 18, 0, "first");
	expect(t, 9, 19, BOLD, "all bold too");
	expect(t, 10, 20, 0, "partly bold");
	expect(t, 11, 21, 0, "shown");
	expect(t, 12, 23, 0, "a b");
	expect(t, 13, 24, 0, "c");
	/* after a comment over two lines */
	expect(t, 14, 26, 0, "tail");
	expect(t, 15, 26, BOLD, "styled");
	expect(t, 16, 27, 0, "bold plain");
	assert_int_equal(t->n, 17);
}

static void test_table(void **state)
{
	qdx_text *t = *state;

	read_file(t, "tests/html/table.html");
	expect(t, 0, 2, 0, "Before");
	/* th is bold, and so is the <b> of the last cell; colspan=2 pads */
	expect(t, 1, 5, ROW | BOLD, "STT\tNội dung\t\tThời gian");
	expect(t, 2, 8, ROW, "1\tViệc một\tx\tQuý I");
	/* column 0 is held by the rowspan above */
	expect(t, 3, 13, ROW, "\tViệc hai\t\t2026");
	/* the row of blank cells is dropped; a nested table is cell text */
	expect(t, 4, 15, ROW, "3\tCó bảng lồng nhau trong ô\tcuối\t");
	expect(t, 5, 16, 0, "");
	expect(t, 6, 17, 0, "After");
	assert_int_equal(t->n, 7);
}

static void test_entities(void **state)
{
	qdx_text *t = *state;

	read_file(t, "tests/html/entities.html");
	expect(t, 0, 2, 0, "Độc lập - Tự do - Hạnh phúc");
	expect(t, 1, 3, 0, "a b & c <d> café “q”");
	assert_int_equal(t->n, 2);
}

static void test_cp1252(void **state)
{
	qdx_text *t = *state;

	read_file(t, "tests/html/cp1252.html");
	expect(t, 0, 4, 0, "Phát triên “ngoãc” – Ngày");
	/* 0x81 is unassigned in windows-1252: whatever the decoder makes of
	 * it, the rest of the file is still read (libxml2's own conversion
	 * would stop there) */
	assert_true(t->n > 1);
	assert_memory_equal(qdx_text_line(t, 1), "odd ", 4);
	assert_int_equal(t->v[1].no, 5);
	expect(t, 2, 6, 0, "Văn bản");
	assert_int_equal(t->n, 3);
}

static void test_charsets(void **state)
{
	static const struct {
		const char *html, *text;
	} cases[] = {
		/* Latin-1 labels mean windows-1252, as in browsers */
		{ "<meta charset=ISO-8859-1><p>\x93x\x94 \xe0</p>", "“x” à" },
		{ "<meta http-equiv=Content-Type content='text/html; charset=us-ascii'><p>\x96</p>",
		  "–" },
		/* declared UTF-8 with a bad byte: U+FFFD, the rest intact */
		{ "<meta charset=\"utf-8\"><p>a\xff" "b Việt</p>", "a\xEF\xBF\xBD" "b Việt" },
		/* a UTF-8 BOM outranks the meta */
		{ "\xEF\xBB\xBF<meta charset=windows-1252><p>Việt</p>", "Việt" },
		/* entities are Unicode whatever the charset */
		{ "<meta charset=windows-1252><p>&#7897;&#x1EA1;</p>", "ộạ" },
	};
	qdx_text *t = *state;
	size_t i;

	for (i = 0; i < QDX_COUNT(cases); i++) {
		read_string(t, cases[i].html);
		assert_int_equal(t->n, 1);
		assert_string_equal(qdx_text_line(t, 0), cases[i].text);
	}
}

/* Old Macintosh files end lines with a lone CR; libxml2 counts only LF,
 * the decoder turns every terminator into one. */
static void test_line_ends(void **state)
{
	qdx_text *t = *state;

	read_string(t, "<html><body>\r\n<p>crlf</p>\r<p>cr</p>\n<p>lf</p></body></html>");
	expect(t, 0, 2, 0, "crlf");
	expect(t, 1, 3, 0, "cr");
	expect(t, 2, 4, 0, "lf");
}

static void test_word(void **state)
{
	qdx_text *t = *state;

	read_file(t, "tests/html/word.html");
	/* <b style='mso-bidi-font-weight:normal'> is bold all the same */
	expect(t, 0, 20, BOLD, "KẾ HOẠCH");
	/* the list number Word writes for other browsers; it stands on 22 */
	expect(t, 1, 22, 0, "- Tuyển truyền");
	/* plain punctuation between bold runs keeps the line bold */
	expect(t, 2, 24, BOLD, "III. HÌNH THỨC");
	expect(t, 3, 25, BOLD, "Styled bold");
	expect(t, 4, 26, 0, "Para not bold");
	/* a drawn line's fallback table does not split its paragraph */
	expect(t, 5, 27, 0, "Text after shape");
	expect(t, 6, 35, 0, "Visible text end");
	/* a text box: Word's fallback is a table anchored in the paragraph */
	expect(t, 7, 38, ROW, "DỰ THẢO Lần 2");
	expect(t, 8, 39, 0, "");
	expect(t, 9, 39, 0, "Body text");
	assert_int_equal(t->n, 10);
}

/* The comments and styles of a head are taken out before the parse, their
 * line ends kept: the lines after keep their numbers.  What drop_head()
 * does not know (a title; stray text, which a comment before it must
 * still end) stops it, and the text is read as libxml2 reads it whole. */
static void test_head(void **state)
{
	qdx_text *t = *state;

	read_string(t, "<html>\n<head>\n<meta charset=utf-8>\n"
	               "<!--[if gte mso 9]><xml>\n<o:x>y</o:x>\n</xml><![endif]-->\n"
	               "<style>\np {color: red}\n</STYLE >\n<link rel=x href='a>b'>\n"
	               "<!-- last -->\n</head>\n<body>\n<p>one</p>\n"
	               "<!-- c -->\n<p>two</p>\n</body></html>");
	expect(t, 0, 14, 0, "one");
	expect(t, 1, 16, 0, "two");
	assert_int_equal(t->n, 2);

	read_string(t, "<html><head>\n<!-- a -->\nstray text\n<!-- b -->\n"
	               "<style>x</style>\n</head><body><p>p</p></body></html>");
	expect(t, 0, 5, 0, "stray text");
	expect(t, 1, 6, 0, "p");
	assert_int_equal(t->n, 2);

	/* libxml2 2.9 reads "<!-->" as a comment's start: left to it */
	read_string(t, "<html><head><!-->\n<p>hidden</p>\n<!-- x -->\n</head>"
	               "<body><p>p</p></body></html>");
	expect(t, 0, 4, 0, "p");
	assert_int_equal(t->n, 1);
}

/* What libxml2 is spared (attributes the walk does not read, references,
 * comments' text) leaves every line, flag and line number as they were. */
static void test_slim(void **state)
{
	qdx_text *t = *state;

	read_string(t, "<html><body>\n"
	               "<p class=x style=\"mso-bidi-font-weight:normal;font-weight:bold\"\n"
	               "align=center>B&#7887;ld</p>\n<!-- a\nb -->\n<p>after</p>\n"
	               /* libxml2 keeps the first of two styles */
	               "<p style=\"color:red\" style=\"font-weight:bold\">plain</p>\n"
	               "<p style=\"font-weight:bold\" style=\"color:red\">bold</p>\n"
	               "<p STYLE='FONT-WEIGHT:BOLD' Class=y>caps</p>\n"
	               "<table><tr><td class=a colspan=2>a</td><td>b</td></tr>\n"
	               "<tr><td>c</td><td>d</td><td>e</td></tr></table></body></html>");
	expect(t, 0, 3, BOLD, "Bỏld");
	expect(t, 1, 6, 0, "after");
	expect(t, 2, 7, 0, "plain");
	expect(t, 3, 8, BOLD, "bold");
	expect(t, 4, 9, BOLD, "caps");
	expect(t, 5, 10, ROW, "a\t\tb");
	expect(t, 6, 11, ROW, "c\td\te");
	expect(t, 7, 11, 0, "");
	assert_int_equal(t->n, 8);

	/* Text before a body makes libxml2 imply one, at the line where the
	 * run it read ends: the reference ends the first. */
	read_string(t, "A&#7879;\nB<p>x</p>");
	expect(t, 0, 1, 0, "Aệ B");
	expect(t, 1, 2, 0, "x");
	assert_int_equal(t->n, 2);
}

static void repeat(qdx_buf *b, const char *s, size_t k)
{
	while (k-- > 0)
		qdx_buf_puts(b, s);
}

static void test_deep_nesting(void **state)
{
	qdx_text *t = *state;
	qdx_buf b;

	qdx_buf_init(&b);
	qdx_buf_puts(&b, "<html><body>");
	repeat(&b, "<div><b>", 5000);
	qdx_buf_puts(&b, "deep");
	repeat(&b, "</b></div>", 5000);
	qdx_buf_puts(&b, "\n<p>after</p>\n<table><tr><td>");
	repeat(&b, "<table><tr><td>", 3400);
	qdx_buf_puts(&b, "cell");
	repeat(&b, "</td></tr></table>", 3400);
	qdx_buf_puts(&b, "</td><td>two</td></tr></table></body></html>");
	read_bytes(t, b.p, b.len);
	qdx_buf_free(&b);
	expect(t, 0, 1, BOLD, "deep");
	expect(t, 1, 2, 0, "after");
	expect(t, 2, 3, ROW, "cell\ttwo");
	expect(t, 3, 3, 0, "");
	assert_int_equal(t->n, 4);
}

/* libxml2 keeps 16 bits of line number in a node. */
static void test_far_lines(void **state)
{
	qdx_text *t = *state;
	qdx_buf b;

	qdx_buf_init(&b);
	qdx_buf_puts(&b, "<html><body>");
	repeat(&b, "\n", 70000);
	qdx_buf_puts(&b, "<p>far</p>\n<p\nclass=x>farther</p>\ntail</body></html>");
	read_bytes(t, b.p, b.len);
	qdx_buf_free(&b);
	expect(t, 0, 70001, 0, "far");
	expect(t, 1, 70003, 0, "farther");
	expect(t, 2, 70004, 0, "tail");
	assert_int_equal(t->n, 3);
}

static void test_errors(void **state)
{
	qdx_text *t = *state;
	qdx_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(qdx_html_read(t, (const unsigned char *)"", 0, &err), QDX_EINPUT);
	assert_int_equal(err.code, QDX_EINPUT);
	assert_true(err.message[0] != '\0');
	assert_int_equal(t->n, 0);
}

/* "<td colspan=1000>" is 17 bytes and a thousand tabs: the text may not
 * grow without bound. */
static void test_colspan_bomb(void **state)
{
	qdx_text *t = *state;
	qdx_error err;
	qdx_buf b;
	int rc;

	qdx_buf_init(&b);
	qdx_buf_puts(&b, "<table><tr>");
	repeat(&b, "<td colspan=1000>x", 2000);
	memset(&err, 0, sizeof(err));
	rc = qdx_html_read(t, (const unsigned char *)b.p, b.len, &err);
	qdx_buf_free(&b);
	assert_int_equal(rc, QDX_EINPUT);
	assert_non_null(strstr(err.message, "exceeds"));
}

static int sniff(const char *s)
{
	return qdx_html_sniff((const unsigned char *)s, strlen(s));
}

static void test_sniff(void **state)
{
	QDX_UNUSED(state);
	assert_true(sniff("<!DOCTYPE html>\n<html>"));
	assert_true(sniff("\xEF\xBB\xBF  \r\n<html xmlns:o=\"urn:x\">"));
	assert_true(sniff("<!-- saved by Word --><HTML>"));
	assert_true(sniff("<?xml version=\"1.0\"?>\n<html>"));
	assert_true(sniff("<meta http-equiv=Content-Type content=\"text/html\">"));
	assert_true(sniff("\n\n<body>"));
	assert_true(sniff("<html"));
	assert_false(sniff(""));
	assert_false(sniff("Căn cứ Luật Tổ chức chính quyền địa phương"));
	assert_false(sniff("<b>QUYẾT ĐỊNH</b>"));
	assert_false(sniff("<htmlx>"));
	assert_false(sniff("<!-- never closed <html>"));
}

static void test_corpus(void **state)
{
	qdx_text *t = *state;

	read_file(t, "corpus/pho-bang-01-kh-tbtt-2025.htm");
	/* the letterhead: a two-cell layout table, each cell's paragraphs
	 * joined; its text starts on line 996 */
	expect(t, 0, 996, ROW,
	       "ỦY BAN BẦU CỬ XÃ PHỐ BẢNG TIỂU BAN THÔNG TIN, TUYÊN TRUYỀN, KHÁNH TIẾT "
	       "Số: 01/KH-TBTTKT\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - "
	       "Hạnh phúc Phố Bảng, ngày 10 tháng 12 năm 2025");
	expect(t, 1, 1127, 0, "");
	expect(t, 2, 1133, BOLD, "KẾ HOẠCH");
	expect(t, 3, 1136, BOLD,
	       "Triển khai của Tiểu ban thông tin, tuyên truyền, khánh tiết bầu cử đại biểu "
	       "Quốc hội khóa XVI và bầu cử đại biểu Hội đồng nhân dân các cấp,");
	expect(t, 4, 1142, BOLD, "nhiệm kỳ 2026 - 2031 trên địa bàn xã Phố Bảng");
	expect(t, 7, 1223, BOLD, "I. MỤC ĐÍCH, YÊU CẦU");
	expect(t, 8, 1228, BOLD, "1. Mục đích");
	expect(t, 15, 1315, 0,
	       "- Công tác khánh tiết phải trang trọng, chu đáo, tiết kiệm, thiết thực, đúng "
	       "quy định, đảm bảo tính thẩm mỹ và ý nghĩa chính trị sâu sắc.");
	expect(t, 37, 1632, BOLD, "III. HÌNH THỨC, THỜI GIAN TUYÊN TRUYỀN");
	expect(t, 77, 1973, ROW,
	       "Nơi nhận: - Thường trực Đảng ủy (Báo cáo); - Ủy ban bầu cử xã (Báo cáo); "
	       "- Thành viên Tiểu ban thông tin, tuyên truyền, khánh tiết (T/h); - Lưu Ban "
	       "xây dựng Đảng.\tTM. TIỂU BAN TRƯỞNG TIỂU BAN Nguyễn Văn Hoàn TRƯỞNG BAN "
	       "XÂY DỰNG ĐẢNG");
	expect(t, 78, 2023, 0, "");
	assert_int_equal(t->n, 81);
	assert_int_equal(qdx_utf8_valid_prefix((const unsigned char *)t->buf.p, t->buf.len),
	                 t->buf.len);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paragraphs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entities, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cp1252, setup, teardown),
		cmocka_unit_test_setup_teardown(test_charsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_word, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_far_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_colspan_bomb, setup, teardown),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test_setup_teardown(test_corpus, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	xmlCleanupParser();
	return rc;
}
