/*
 * html.h - HTML documents (Word's "Save as Web Page" included) -> lines.
 */
#ifndef QDX_HTML_H
#define QDX_HTML_H

#include "internal.h"

/* Reads HTML bytes into lines appended to `out`.  Each block (p, div, h1-h6,
 * li, blockquote, each line of a pre; br breaks a line) becomes one line:
 * inline markup removed, whitespace collapsed (NBSP counts as space),
 * entities decoded.  A table row becomes ONE line flagged QDX_LINE_ROW whose
 * cells are separated by '\t' (a cell's paragraphs joined by a space); a cell
 * spanning N columns is followed by N-1 empty cells and a cell spanning rows
 * leaves an empty cell in the rows below, so columns stay aligned; rows with
 * no text are dropped, and an empty line follows each table that had any
 * (a table with no text at all, Word's picture of a drawn line, is
 * ignored).  A line whose letters and digits are all bold (b, strong, th,
 * h1-h6, a font-weight style) gets QDX_LINE_BOLD; text of h1-h6 gets
 * QDX_LINE_HEADING.  Script, style, head, comments (Word's conditional
 * comments included), Word's XML islands, its <![if ...]> markers and
 * display:none elements are skipped.
 *
 * `no` is the 1-based line of the original file where the line's text
 * starts.  The text is UTF-8; entities may still need NFC (the normaliser
 * does that).  The bytes are decoded by qdx_decode() as the <meta> charset
 * declares (the Latin-1 labels meaning windows-1252, as in browsers) or,
 * without a declaration or with a UTF-8/UTF-16 one, as it detects; a charset
 * qdx_decode() does not know is left to libxml2.
 *
 * Returns 0, or QDX_EINPUT with `err` filled (no path: the caller knows it)
 * when there is nothing libxml2 can parse or the text would be too large;
 * `out` may then hold some lines and is still the caller's to free. */
int qdx_html_read(qdx_text *out, const unsigned char *in, size_t n, qdx_error *err);

/* 1 when the bytes look like HTML: after a BOM, whitespace, comments and an
 * XML declaration, the first thing is <!DOCTYPE html, <html, <head, <meta or
 * <body.  Looks at the first 4 KiB only. */
int qdx_html_sniff(const unsigned char *in, size_t n);

#endif
