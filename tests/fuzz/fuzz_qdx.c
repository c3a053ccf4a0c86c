/*
 * fuzz_qdx.c - the libFuzzer target: one input through the whole pipeline
 * and every renderer.  The rules are loaded once from QDX_TOP/rules.
 */
#include "qdx.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static qdx_rules *rules;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const qdx_format formats[] = { QDX_FORMAT_JSON, QDX_FORMAT_XML };
	qdx_parse_options opt = { "fuzz", NULL, -1, 0 };
	qdx_error err;
	qdx_doc *doc = NULL;
	size_t i;

	if (!rules) {
		const char *dir = getenv("QDX_RULES");
		if (qdx_rules_load(&rules, dir ? dir : QDX_TOP "/rules", &err))
			abort();
	}
	/* The first byte picks text or HTML, so both readers are explored. */
	if (size && data[0] == '<')
		opt.html = 1;
	if (qdx_doc_parse(&doc, rules, data, size, &opt, &err))
		return 0;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char *out;
		size_t len;
		if (!qdx_render(&out, &len, doc, formats[i]))
			free(out);
	}
	qdx_doc_free(doc);
	return 0;
}
