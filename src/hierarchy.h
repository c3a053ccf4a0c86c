/*
 * hierarchy.h - what hierarchy.c and table.c share: numbering labels and
 * the table reader the hierarchy hands table lines to.
 */
#ifndef QDX_HIERARCHY_H
#define QDX_HIERARCHY_H

#include "internal.h"

/* Reads the table whose first line is t->v[from] up to `to`: a
 * QDX_LINE_ROW or QDX_LINE_CELL line, or the first line of a header for
 * which qdx_table_pdf_header() said yes.  Appends its rows as items under
 * `parent`.  Returns the index of the first line after the table, or
 * `from` when the lines turn out to be no table (tab-indented prose). */
size_t qdx_table_build(qdx_doc *doc, const qdx_text *t, size_t from, size_t to,
                       qdx_node *parent);

/* ---- what table.c and pdftable.c share ---------------------------------- */

#define QDX_TABLE_COLS 16

/* One row of a table as a layout reader delivers it: its cells' text in
 * column order (owned buffers, freed with qdx_table_row_free), the qdx_text
 * lines [from, to) it was read from, and the original line of its first
 * cell. */
typedef struct qdx_table_row {
	uint32_t line;
	size_t from, to;
	int ncells;
	qdx_buf cells[QDX_TABLE_COLS];
} qdx_table_row;

void qdx_table_row_init(qdx_table_row *r);
void qdx_table_row_free(qdx_table_row *r);

/* Column roles, named by the words of header cells (rules/table.rules). */
enum {
	QDX_COL_NONE,
	QDX_COL_STT,
	QDX_COL_CONTENT,
	QDX_COL_LEAD,
	QDX_COL_PARTNERS,
	QDX_COL_TIME,
	QDX_COL_BUDGET,
	QDX_COL_PRODUCT,
	QDX_COL_NOTE
};


/* table.c: appends s[0..n), trimmed of spaces and tabs, to a cell's text,
 * a space between it and what the cell held; nothing when it is blank. */
void qdx_table_cell_append(qdx_buf *c, const char *s, size_t n);

/* table.c: the role the header cell text s[0..n) names, or QDX_COL_NONE. */
int qdx_table_role(qdx_doc *doc, const char *s, size_t n);
/* Whether qdx_table_role() would say `role`, running only the rules that
 * could decide it (the STT rule comes first: one search, not the set's). */
int qdx_table_role_is(qdx_doc *doc, const char *s, size_t n, int role);

/* pdftable.c: 1 when line i starts the header of a table whose cells PDF
 * text extraction wrote one after another, column by column (no tabs),
 * so that hierarchy.c hands it to qdx_table_build(); 0 otherwise, cheaply
 * for the lines of prose. */
int qdx_table_pdf_header(qdx_doc *doc, const qdx_text *t, size_t i, size_t to);

/* pdftable.c: reads such a table starting at `from` into *rows (an array
 * the caller frees with free(), after qdx_table_row_free() on each row):
 * rows[0] is the header, one cell per column; then one row per group or
 * task row, its STT cell holding the label as written ("1.", "II."), rows
 * that a page break split joined back.  Returns the index of the first
 * line after the table, or `from` (and *nrows 0) when there is none. */
size_t qdx_table_pdf_read(qdx_doc *doc, const qdx_text *t, size_t from, size_t to,
                          qdx_table_row **rows, size_t *nrows);

/* Nesting key of a table row's STT label: rows nest by the kind of their
 * number ("I" above "1" above "a") as prose items do. */
const char *qdx_label_key(const char *label);

#endif
