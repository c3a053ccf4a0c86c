/*
 * segment.h - what segment.c hands to meta.c.
 */
#ifndef QDX_SEGMENT_H
#define QDX_SEGMENT_H

#include "internal.h"

/* Derives issuer (abbreviations expanded), province and attached_to from
 * what segment.c read into doc->meta. */
void qdx_meta_finish(qdx_doc *doc, const qdx_text *t);

/* letterhead.c: unfolds the letterhead at the top of `in` into `out`, a
 * piece per line.  Returns 0, leaving `out` untouched, when nothing at the
 * top needed it. */
int qdx_letterhead_unfold(qdx_doc *doc, const qdx_text *in, qdx_text *out);

#endif
