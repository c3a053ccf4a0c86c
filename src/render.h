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

/* xml.c: the document as XML in the vocabulary of schema/qdx.rng.  Appends
 * to `out`; returns 0 (a tree that exists can always be written). */
int qdx_render_xml(qdx_buf *out, const qdx_doc *doc);

/* json.c: the document as JSON in the shape fixed by CONTRACT.md.  Appends
 * to `out`; returns 0 or a negative QDX_E* code. */
int qdx_render_json(qdx_buf *out, const qdx_doc *doc);

#endif
