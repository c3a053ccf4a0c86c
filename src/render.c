/*
 * render.c - qdx_render(): the public door to the renderers.
 *
 * Adding a format is a line here and a file of its own; no renderer knows
 * about another.
 */
#include "render.h"

int qdx_render(char **out, size_t *len, const qdx_doc *doc, qdx_format fmt)
{
	qdx_buf b;
	int rc;

	*out = NULL;
	if (len)
		*len = 0;
	if (!doc)
		return QDX_EUSAGE;
	qdx_buf_init(&b);
	switch (fmt) {
	case QDX_FORMAT_JSON:
		rc = qdx_render_json(&b, doc);
		break;
	case QDX_FORMAT_XML:
		rc = qdx_render_xml(&b, doc);
		break;
	default:
		rc = QDX_EUSAGE;
		break;
	}
	if (rc) {
		qdx_buf_free(&b);
		return rc;
	}
	*out = qdx_buf_detach(&b, len);
	return 0;
}
