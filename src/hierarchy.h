/*
 * hierarchy.h - what hierarchy.c and table.c share: numbering labels and
 * the table reader the hierarchy hands table lines to.
 */
#ifndef QDX_HIERARCHY_H
#define QDX_HIERARCHY_H

#include "internal.h"

/* Reads the table whose first line is t->v[from] (a QDX_LINE_ROW or
 * QDX_LINE_CELL line) up to `to`; appends its rows as items under
 * `parent`.  Returns the index of the first line after the table, or
 * `from` when the lines turn out to be no table (tab-indented prose). */
size_t qdx_table_build(qdx_doc *doc, const qdx_text *t, size_t from, size_t to,
                       qdx_node *parent);

/* Nesting key of a table row's STT label: rows nest by the kind of their
 * number ("I" above "1" above "a") as prose items do. */
const char *qdx_label_key(const char *label);

#endif
