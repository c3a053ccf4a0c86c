/*
 * render.h - the sinks that turn a parsed document's tree into text.
 *
 * Each renderer is one walk of the tree with qdx_iter (see node.c) and
 * appends to a caller's buffer: the caller owns `out` before and after, and
 * frees it with qdx_buf_free() (or takes it with qdx_buf_detach()).
 * qdx_render() in render.c is the public entry that picks one.
 */
#ifndef QDX_RENDER_H
#define QDX_RENDER_H

#include "internal.h"

/* Where a renderer's buffer goes while it grows: renderers call
 * qdx_sink_spill() between elements, and once the buffer holds a piece
 * worth a write it is handed over and emptied.  A NULL sink keeps it all.
 * After a write fails (`rc` set) the rest is dropped. */
typedef struct qdx_sink {
	qdx_write_fn write;
	void *ctx;
	int rc;
} qdx_sink;

void qdx_sink_spill(qdx_sink *sink, qdx_buf *b, int last);

/* xml.c: the document as XML in the vocabulary of schema/qdx.rng.  Appends
 * to `out` (through `sink` when not NULL); returns 0 (a tree that exists
 * can always be written). */
int qdx_render_xml(qdx_buf *out, const qdx_doc *doc, qdx_sink *sink);

/* json.c: the document as JSON in the shape fixed by CONTRACT.md.  Appends
 * to `out` (through `sink` when not NULL); returns 0 or a negative QDX_E*
 * code. */
int qdx_render_json(qdx_buf *out, const qdx_doc *doc, qdx_sink *sink);

#endif
