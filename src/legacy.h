/*
 * legacy.h - the 8-bit Vietnamese encodings and the Vietnamese alphabet.
 *
 * Tables only, written from the published charts (each named where it is
 * defined in legacy_tables.c): what a byte of TCVN3, VNI-Windows, VISCII,
 * windows-1258 or windows-1252 stands for, and how a Vietnamese vowel letter
 * is built from a base vowel, a tone and upper/lower case.  decode.c reads
 * bytes with them; the unit test builds its encoders from the same tables.
 */
#ifndef QDX_LEGACY_H
#define QDX_LEGACY_H

#include <stdint.h>

typedef enum qdx_legacy_enc {
	QDX_LEGACY_CP1252,
	QDX_LEGACY_CP1258,
	QDX_LEGACY_TCVN3,
	QDX_LEGACY_VNI,
	QDX_LEGACY_VISCII,
	QDX_LEGACY_COUNT
} qdx_legacy_enc;

/* What byte `b` stands for in `enc`: one code point, or two packed as
 * (second << 16 | first) where VNI writes two marks in one byte (circumflex
 * and a tone, breve and a tone).  Combining marks are returned as the
 * Unicode combining characters; decode.c composes them with the letter
 * before.  Every byte maps to something: positions a chart leaves empty read
 * as the windows-1252 glyph the fonts of that encoding draw there. */
uint32_t qdx_legacy_map(qdx_legacy_enc enc, unsigned char b);

/* 1 when the chart of `enc` defines byte `b`, 0 when qdx_legacy_map() only
 * falls back to the windows-1252 glyph there.  An encoder should write
 * Vietnamese letters with defined bytes only: a TCVN3 capital À is "µ" in
 * the .VnTimeH font, not the 0xC0 its font happens to draw as À. */
int qdx_legacy_defined(qdx_legacy_enc enc, unsigned char b);

/* The twelve vowels of the Vietnamese alphabet, in the order of the table. */
enum {
	QDX_V_A, QDX_V_A_BREVE, QDX_V_A_CIRC, QDX_V_E, QDX_V_E_CIRC, QDX_V_I,
	QDX_V_O, QDX_V_O_CIRC, QDX_V_O_HORN, QDX_V_U, QDX_V_U_HORN, QDX_V_Y,
	QDX_V_COUNT
};

/* Marks a combining character can put on a vowel: the five tones (in the
 * order of the table's columns, 0 being no tone) and the three modifiers. */
enum {
	QDX_TONE_NONE, QDX_TONE_GRAVE, QDX_TONE_HOOK, QDX_TONE_TILDE, QDX_TONE_ACUTE,
	QDX_TONE_DOT, QDX_TONE_COUNT,
	QDX_MARK_CIRC = QDX_TONE_COUNT, QDX_MARK_BREVE, QDX_MARK_HORN
};

/* Lower-case vowel letters by vowel and tone (Unicode code points). */
extern const uint16_t qdx_legacy_vowels[QDX_V_COUNT][QDX_TONE_COUNT];

/* A vowel letter taken apart. */
typedef struct qdx_vletter {
	uint8_t vowel, tone, upper;
} qdx_vletter;

/* 1 and `*out` when `cp` is a Vietnamese vowel letter (with or without
 * tone, either case), else 0.  Thread-safe. */
int qdx_legacy_letter(uint32_t cp, qdx_vletter *out);

/* The code point of a vowel letter. */
uint32_t qdx_legacy_compose(const qdx_vletter *v);

/* The upper-case form of a lower-case Vietnamese letter (vowels, đ). */
uint32_t qdx_legacy_upper(uint32_t lower);

/* The mark (QDX_TONE_* or QDX_MARK_*) a combining character stands for,
 * or 0 when `cp` is none of the eight Vietnamese ones. */
int qdx_legacy_mark(uint32_t cp);

/* The combining character for a mark: the inverse of qdx_legacy_mark(). */
uint32_t qdx_legacy_mark_cp(int mark);

/* Puts `mark` on `*v`: 1 when Vietnamese allows it (a tone on a toneless
 * vowel, a circumflex on a/e/o, a breve on a, a horn on o/u), else 0 and
 * `*v` is unchanged. */
int qdx_legacy_apply(qdx_vletter *v, int mark);

#endif
