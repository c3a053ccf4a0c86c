/*
 * decode.h - bytes in whatever encoding an archive holds -> UTF-8 text.
 *
 * Vietnamese documents arrive as UTF-8 (with or without a BOM), UTF-16, the
 * 8-bit encodings of the 1990s (TCVN3/ABC, VNI-Windows, VISCII,
 * windows-1258), plain windows-1252, and as UTF-8 that holds TCVN3 or VNI
 * bytes once mis-read as windows-1252 ("Céng hßa x· héi", "COÄNG HOØA").
 * qdx_decode() finds out which from the bytes and gives back NFC UTF-8 with
 * one '\n' per line terminator of the input, so line numbers survive.
 */
#ifndef QDX_DECODE_H
#define QDX_DECODE_H

#include "internal.h"   /* qdx_buf (src/internal.h), qdx_error (include/qdx.h) */

/** What qdx_decode() found.  The strings are static. */
typedef struct qdx_decode_info {
	const char *encoding;     /* detected or forced: "utf-8", "utf-16le", "utf-16be", "windows-1258", "tcvn3", "vni", "viscii", "windows-1252" */
	int confidence;           /* 0..100 */
	int bom;                  /* 1 if a BOM was present and removed */
	size_t invalid;           /* invalid bytes replaced by U+FFFD */
	size_t invalid_offsets[8];/* byte offsets in the input of the first invalid bytes */
	size_t repaired_lines;    /* lines repaired from mojibake */
	const char *repaired_from;/* "tcvn3" or "vni" when any were repaired */
} qdx_decode_info;

/** Decodes `in[0..n)` and appends it to `out` (initialised by the caller,
 *  who frees it) as UTF-8 with every line terminator (LF, CRLF, lone CR;
 *  for UTF-16 the same after decoding) turned into one '\n', so that output
 *  line k is input line k.  Text read from a legacy encoding is NFC; valid
 *  UTF-8 is kept byte for byte except for the BOM, the line terminators and
 *  lines repaired from mojibake.
 *
 *  `forced` is an encoding name (case-insensitive; aliases such as
 *  "abc"/"tcvn"/"tcvn3", "vni"/"vni-windows", "cp1258"/"windows-1258",
 *  "utf8", "utf-16" are accepted) or NULL to detect it.  In `strict` mode an
 *  invalid byte is an error instead of a U+FFFD.  Returns 0 and fills
 *  `*info`, or QDX_EINPUT with `err` filled: an unknown forced name, or in
 *  strict mode the first invalid byte (its offset, line and column). */
int qdx_decode(qdx_buf *out, qdx_decode_info *info, const unsigned char *in, size_t n,
               const char *forced, int strict, qdx_error *err);

/** The canonical name of an encoding name or alias ("ABC" -> "tcvn3"), or
 *  NULL when qdx_decode() does not know it. */
const char *qdx_decode_name(const char *name);

#endif
