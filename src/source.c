/*
 * source.c - bytes -> lines numbered as in the file the user gave.
 *
 * Decides what the bytes are (text in some encoding, HTML, or not a
 * document at all), hands them to decode.c or html.c, and turns what those
 * learnt (the encoding, replaced bytes, repaired lines) into diagnostics.
 */
#include "internal.h"
#include "decode.h"
#include "html.h"

#include <stdio.h>

/* Signatures of files people put in document folders by mistake. */
static const struct {
	const char *magic;
	size_t n;
	const char *what;
} binaries[] = {
	{ "\x89PNG", 4, "a PNG image" },
	{ "\xFF\xD8\xFF", 3, "a JPEG image" },
	{ "GIF8", 4, "a GIF image" },
	{ "%PDF", 4, "a PDF file (extract its text first)" },
	{ "PK\x03\x04", 4, "a ZIP archive (a .docx? save it as text or HTML)" },
	{ "\xD0\xCF\x11\xE0", 4, "an OLE file (a .doc? save it as text or HTML)" },
};

static int is_utf16_bom(const unsigned char *d, size_t n)
{
	return n >= 2 && ((d[0] == 0xFF && d[1] == 0xFE) || (d[0] == 0xFE && d[1] == 0xFF));
}

static int refuse_binary(const unsigned char *d, size_t n, const qdx_parse_options *opt,
                         qdx_error *err)
{
	const unsigned char *nul;
	size_t i;

	for (i = 0; i < QDX_COUNT(binaries); i++)
		if (n >= binaries[i].n && !memcmp(d, binaries[i].magic, binaries[i].n))
			return qdx_error_set(err, QDX_EINPUT, opt->source, 0, 0,
			                     "not a text document: %s", binaries[i].what);
	/* UTF-16 is full of NULs; anything else holding one is binary. */
	if (is_utf16_bom(d, n) || (opt->encoding && !strncasecmp(opt->encoding, "utf-16", 6)))
		return 0;
	nul = memchr(d, 0, n);
	if (nul)
		return qdx_error_set(err, QDX_EINPUT, opt->source, 0, 0,
		                     "binary file (NUL byte at offset %zu)", (size_t)(nul - d));
	return 0;
}

static void report_decoding(qdx_doc *doc, const qdx_decode_info *info)
{
	size_t i, shown = info->invalid < QDX_COUNT(info->invalid_offsets)
	                          ? info->invalid : QDX_COUNT(info->invalid_offsets);
	qdx_buf offs;

	if (strcmp(info->encoding, "utf-8"))
		qdx_doc_diag_add(doc, 0, "note", "decoded as %s (confidence %d%%)", info->encoding,
		                 info->confidence);
	if (info->repaired_lines)
		qdx_doc_diag_add(doc, 0, "note",
		                 "%zu line(s) repaired: %s text once mis-decoded as windows-1252",
		                 info->repaired_lines, info->repaired_from ? info->repaired_from : "legacy");
	if (!info->invalid)
		return;
	qdx_buf_init(&offs);
	for (i = 0; i < shown; i++)
		qdx_buf_printf(&offs, "%s%zu", i ? ", " : "", info->invalid_offsets[i]);
	qdx_doc_diag_add(doc, 0, "warning", "%zu invalid byte(s) replaced by U+FFFD at offset %s%s",
	                 info->invalid, offs.p, info->invalid > shown ? ", ..." : "");
	qdx_buf_free(&offs);
}

/* TCVN3's base font has no toned capitals: headings set in its capital
 * font come out in lower case, and then case says nothing about a line.
 * Text whose capitals survived has an upper-case letterhead or title. */
static int upper_heading(const qdx_text *t)
{
	size_t i;

	for (i = 0; i < t->n && i < 20; i++)
		if (qdx_upper_only(qdx_text_line(t, i), t->v[i].len))
			return 1;
	return 0;
}

int qdx_source_read(qdx_doc *doc, qdx_text *out, const unsigned char *data, size_t len,
                    const qdx_parse_options *opt, qdx_error *err)
{
	qdx_decode_info info;
	qdx_buf utf8;
	int rc;

	if (!len)
		return qdx_error_set(err, QDX_EINPUT, opt->source, 0, 0, "empty file");
	rc = refuse_binary(data, len, opt, err);
	if (rc)
		return rc;
	if (opt->html > 0 || (opt->html < 0 && qdx_html_sniff(data, len)))
		return qdx_html_read(out, data, len, err);

	memset(&info, 0, sizeof(info));
	qdx_buf_init(&utf8);
	rc = qdx_decode(&utf8, &info, data, len, opt->encoding, opt->strict, err);
	if (!rc) {
		report_decoding(doc, &info);
		qdx_text_adopt(out, &utf8);
		if (!strcmp(info.encoding, "tcvn3") ||
		    (info.repaired_from && !strcmp(info.repaired_from, "tcvn3")))
			doc->caseless = !upper_heading(out);
	} else if (!err->path[0]) {
		snprintf(err->path, sizeof(err->path), "%s", opt->source ? opt->source : "-");
	}
	qdx_buf_free(&utf8);
	return rc;
}
