/*
 * segment.h - what segment.c hands to meta.c.
 */
#ifndef QDX_SEGMENT_H
#define QDX_SEGMENT_H

#include "internal.h"

/* Derives issuer (abbreviations expanded), province and attached_to from
 * what segment.c read into doc->meta. */
void qdx_meta_finish(qdx_doc *doc, const qdx_text *t);

#endif
