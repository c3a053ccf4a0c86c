/*
 * legacy_tables.c - byte charts of the 8-bit Vietnamese encodings, and the
 * Vietnamese vowel letters.
 *
 * Each table gives the upper half of an encoding (bytes 0x80-0xFF); the
 * lower half is ASCII everywhere except VISCII's six capitals in C0.  A 0
 * in a table means "as windows-1252": the TCVN3 (.VnTime) and VNI (VNI-Times)
 * fonts are ANSI fonts, so the positions their charts leave free still show
 * the windows-1252 glyph, and documents typed with them use it (VNI files are
 * full of 0x85 "..." and 0x96 "-" fill-ins).
 */
#include "legacy.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

/* Combining marks, as the tables write them. */
#define GRV 0x0300u
#define ACU 0x0301u
#define CIR 0x0302u
#define TIL 0x0303u
#define BRV 0x0306u
#define HOK 0x0309u
#define HRN 0x031Bu
#define DOT 0x0323u
/* Two marks in one VNI byte, first applied first. */
#define P2(a, b) ((uint32_t)(b) << 16 | (uint32_t)(a))

/* windows-1252, bytes 0x80-0x9F (Microsoft's cp1252 table; its five
 * undefined bytes read as the C1 controls, as the WHATWG encoding standard
 * does).  0xA0-0xFF are Latin-1. */
static const uint16_t cp1252_c1[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* windows-1258 where it differs from windows-1252 (Microsoft's cp1258
 * table): no S/Z caron, and Vietnamese letters and the five tone marks as
 * combining characters in place of eleven Latin-1 letters. */
static const uint32_t cp1258_hi[128] = {
	/* 0x80 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x008A, 0, 0, 0, 0x008E, 0,
	/* 0x90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x009A, 0, 0, 0, 0x009E, 0,
	/* 0xA0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xB0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xC0 */ 0, 0, 0, 0x0102, 0, 0, 0, 0, 0, 0, 0, 0, GRV, 0, 0, 0,
	/* 0xD0 */ 0x0110, 0, HOK, 0, 0, 0x01A0, 0, 0, 0, 0, 0, 0, 0, 0x01AF, TIL, 0,
	/* 0xE0 */ 0, 0, 0, 0x0103, 0, 0, 0, 0, 0, 0, 0, 0, ACU, 0, 0, 0,
	/* 0xF0 */ 0x0111, 0, DOT, 0, 0, 0x01A1, 0, 0, 0, 0, 0, 0, 0, 0x01B0, 0x20AB, 0,
};

/* TCVN3 (ABC), the VN3 table of TCVN 5712:1993: seven capitals, the
 * lower-case letters with every tone, and at 0xB0-0xB4 the five tones as
 * combining marks.  It has no capitals with tones: headings were set in the
 * .VnTimeH font, which draws these same lower-case codes as capitals, so
 * they decode to lower case. */
static const uint32_t tcvn3_hi[128] = {
	/* 0x80 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xA0 */ 0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110,
	           0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0,
	/* 0xB0 */ GRV, HOK, TIL, ACU, DOT, 0x00E0, 0x1EA3, 0x00E3,
	           0x00E1, 0x1EA1, 0, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0,
	/* 0xC0 */ 0, 0, 0, 0, 0, 0, 0x1EB7, 0x1EA7,
	           0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0, 0x1EBB, 0x1EBD,
	/* 0xD0 */ 0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC,
	           0x1EC9, 0, 0, 0, 0x0129, 0x00ED, 0x1ECB, 0x00F2,
	/* 0xE0 */ 0, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,
	           0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,
	/* 0xF0 */ 0, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF,
	           0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0,
};

/* VNI-Windows (the VNI-Times font chart): a vowel is its ASCII base letter
 * followed by one byte carrying its marks, lower-case marks at 0xE0-0xFC
 * and their capital forms 0x20 below.  ơ, ư, đ and the i's and ỵ, whose
 * marks would collide with the letter's shape, are single bytes. */
static const uint32_t vni_hi[128] = {
	/* 0x80 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xA0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xB0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xC0 */ P2(CIR, GRV), P2(CIR, ACU), CIR, P2(CIR, TIL),
	           P2(CIR, DOT), P2(CIR, HOK), 0x1EC8, 0,
	           P2(BRV, GRV), P2(BRV, ACU), BRV, P2(BRV, DOT),
	           0x00CC, 0x00CD, 0x1EF4, DOT,
	/* 0xD0 */ 0, 0x0110, 0x1ECA, 0x0128, 0x01A0, TIL, 0x01AF, 0,
	           GRV, ACU, P2(BRV, HOK), HOK, P2(BRV, TIL), 0, 0, 0,
	/* 0xE0 */ P2(CIR, GRV), P2(CIR, ACU), CIR, P2(CIR, TIL),
	           P2(CIR, DOT), P2(CIR, HOK), 0x1EC9, 0,
	           P2(BRV, GRV), P2(BRV, ACU), BRV, P2(BRV, DOT),
	           0x00EC, 0x00ED, 0x1EF5, DOT,
	/* 0xF0 */ 0, 0x0111, 0x1ECB, 0x0129, 0x01A1, TIL, 0x01B0, 0,
	           GRV, ACU, P2(BRV, HOK), HOK, P2(BRV, TIL), 0, 0, 0,
};

/* VISCII (RFC 1456): all 134 letters precomposed, the upper half full and
 * six capitals in C0 where the other control codes are rare. */
static const uint32_t viscii_hi[128] = {
	/* 0x80 */ 0x1EA0, 0x1EAE, 0x1EB0, 0x1EB6, 0x1EA4, 0x1EA6, 0x1EA8, 0x1EAC,
	           0x1EBC, 0x1EB8, 0x1EBE, 0x1EC0, 0x1EC2, 0x1EC4, 0x1EC6, 0x1ED0,
	/* 0x90 */ 0x1ED2, 0x1ED4, 0x1ED6, 0x1ED8, 0x1EE2, 0x1EDA, 0x1EDC, 0x1EDE,
	           0x1ECA, 0x1ECE, 0x1ECC, 0x1EC8, 0x1EE6, 0x0168, 0x1EE4, 0x1EF2,
	/* 0xA0 */ 0x00D5, 0x1EAF, 0x1EB1, 0x1EB7, 0x1EA5, 0x1EA7, 0x1EA9, 0x1EAD,
	           0x1EBD, 0x1EB9, 0x1EBF, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EC7, 0x1ED1,
	/* 0xB0 */ 0x1ED3, 0x1ED5, 0x1ED7, 0x1EE0, 0x01A0, 0x1ED9, 0x1EDD, 0x1EDF,
	           0x1ECB, 0x1EF0, 0x1EE8, 0x1EEA, 0x1EEC, 0x01A1, 0x1EDB, 0x01AF,
	/* 0xC0 */ 0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x1EA2, 0x0102, 0x1EB3, 0x1EB5,
	           0x00C8, 0x00C9, 0x00CA, 0x1EBA, 0x00CC, 0x00CD, 0x0128, 0x1EF3,
	/* 0xD0 */ 0x0110, 0x1EE9, 0x00D2, 0x00D3, 0x00D4, 0x1EA1, 0x1EF7, 0x1EEB,
	           0x1EED, 0x00D9, 0x00DA, 0x1EF9, 0x1EF5, 0x00DD, 0x1EE1, 0x01B0,
	/* 0xE0 */ 0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x1EA3, 0x0103, 0x1EEF, 0x1EAB,
	           0x00E8, 0x00E9, 0x00EA, 0x1EBB, 0x00EC, 0x00ED, 0x0129, 0x1EC9,
	/* 0xF0 */ 0x0111, 0x1EF1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x1ECF, 0x1ECD,
	           0x1EE5, 0x00F9, 0x00FA, 0x0169, 0x1EE7, 0x00FD, 0x1EE3, 0x1EEE,
};

static uint32_t viscii_c0(unsigned char b)
{
	switch (b) {
	case 0x02: return 0x1EB2;
	case 0x05: return 0x1EB4;
	case 0x06: return 0x1EAA;
	case 0x14: return 0x1EF6;
	case 0x19: return 0x1EF8;
	case 0x1E: return 0x1EF4;
	default: return b;
	}
}

static const uint32_t *const tables[QDX_LEGACY_COUNT] = {
	[QDX_LEGACY_CP1252] = NULL,
	[QDX_LEGACY_CP1258] = cp1258_hi,
	[QDX_LEGACY_TCVN3] = tcvn3_hi,
	[QDX_LEGACY_VNI] = vni_hi,
	[QDX_LEGACY_VISCII] = viscii_hi,
};

uint32_t qdx_legacy_map(qdx_legacy_enc enc, unsigned char b)
{
	uint32_t cp;

	if (b < 0x80)
		return enc == QDX_LEGACY_VISCII ? viscii_c0(b) : b;
	cp = tables[enc] ? tables[enc][b - 0x80] : 0;
	if (cp)
		return cp;
	return b < 0xA0 ? cp1252_c1[b - 0x80] : b;
}

int qdx_legacy_defined(qdx_legacy_enc enc, unsigned char b)
{
	/* windows-1258 is a whole Microsoft table; its 0s only save typing. */
	if (b < 0x80 || enc == QDX_LEGACY_CP1252 || enc == QDX_LEGACY_CP1258)
		return 1;
	return tables[enc][b - 0x80] != 0;
}

/* The Vietnamese vowels with their tones, from the Unicode charts (Latin-1
 * Supplement, Latin Extended-A/B, and Latin Extended Additional
 * U+1EA0-U+1EF9).  Columns: no tone, grave, hook, tilde, acute, dot. */
const uint16_t qdx_legacy_vowels[QDX_V_COUNT][QDX_TONE_COUNT] = {
	[QDX_V_A]       = { 0x0061, 0x00E0, 0x1EA3, 0x00E3, 0x00E1, 0x1EA1 },
	[QDX_V_A_BREVE] = { 0x0103, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB7 },
	[QDX_V_A_CIRC]  = { 0x00E2, 0x1EA7, 0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD },
	[QDX_V_E]       = { 0x0065, 0x00E8, 0x1EBB, 0x1EBD, 0x00E9, 0x1EB9 },
	[QDX_V_E_CIRC]  = { 0x00EA, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7 },
	[QDX_V_I]       = { 0x0069, 0x00EC, 0x1EC9, 0x0129, 0x00ED, 0x1ECB },
	[QDX_V_O]       = { 0x006F, 0x00F2, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD },
	[QDX_V_O_CIRC]  = { 0x00F4, 0x1ED3, 0x1ED5, 0x1ED7, 0x1ED1, 0x1ED9 },
	[QDX_V_O_HORN]  = { 0x01A1, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3 },
	[QDX_V_U]       = { 0x0075, 0x00F9, 0x1EE7, 0x0169, 0x00FA, 0x1EE5 },
	[QDX_V_U_HORN]  = { 0x01B0, 0x1EEB, 0x1EED, 0x1EEF, 0x1EE9, 0x1EF1 },
	[QDX_V_Y]       = { 0x0079, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5 },
};

/* Every Vietnamese lower-case letter sits one code point above its capital
 * (two Unicode blocks pair them that way) or, below U+0100, 0x20 above. */
uint32_t qdx_legacy_upper(uint32_t lower)
{
	return lower < 0x100 ? lower - 0x20 : lower - 1;
}

/* Code point -> letter, built once from qdx_legacy_vowels so that the chart
 * is written in one place.  An entry is 0 for "not a vowel", else
 * 1 + vowel * QDX_TONE_COUNT + tone, with 0x80 set for a capital. */
#define LO_END 0x1B1u
#define EXT_BASE 0x1EA0u
#define EXT_END 0x1EFAu
static uint8_t index_lo[LO_END];
static uint8_t index_ext[EXT_END - EXT_BASE];
static pthread_once_t index_once = PTHREAD_ONCE_INIT; /* as decode.c's */
/* Set once the index is built: the scorer asks for a letter per character,
 * and a load is cheaper than a call to pthread_once() each time. */
static atomic_bool index_ready;

static uint8_t *index_slot(uint32_t cp)
{
	if (cp < LO_END)
		return &index_lo[cp];
	if (cp >= EXT_BASE && cp < EXT_END)
		return &index_ext[cp - EXT_BASE];
	return NULL;
}

static void index_build(void)
{
	unsigned v, t;

	for (v = 0; v < QDX_V_COUNT; v++)
		for (t = 0; t < QDX_TONE_COUNT; t++) {
			uint32_t cp = qdx_legacy_vowels[v][t];
			uint8_t code = (uint8_t)(1 + v * QDX_TONE_COUNT + t);

			*index_slot(cp) = code;
			*index_slot(qdx_legacy_upper(cp)) = code | 0x80;
		}
	atomic_store_explicit(&index_ready, 1, memory_order_release);
}

int qdx_legacy_letter(uint32_t cp, qdx_vletter *out)
{
	const uint8_t *slot;
	unsigned code;

	slot = index_slot(cp);
	if (!slot)
		return 0;
	if (!atomic_load_explicit(&index_ready, memory_order_acquire))
		pthread_once(&index_once, index_build);
	if (!*slot)
		return 0;
	code = (*slot & 0x7Fu) - 1;
	out->vowel = (uint8_t)(code / QDX_TONE_COUNT);
	out->tone = (uint8_t)(code % QDX_TONE_COUNT);
	out->upper = (*slot & 0x80) != 0;
	return 1;
}

uint32_t qdx_legacy_compose(const qdx_vletter *v)
{
	uint32_t cp = qdx_legacy_vowels[v->vowel][v->tone];
	return v->upper ? qdx_legacy_upper(cp) : cp;
}

static const uint32_t mark_cps[] = {
	[QDX_TONE_GRAVE] = GRV, [QDX_TONE_HOOK] = HOK, [QDX_TONE_TILDE] = TIL,
	[QDX_TONE_ACUTE] = ACU, [QDX_TONE_DOT] = DOT,
	[QDX_MARK_CIRC] = CIR, [QDX_MARK_BREVE] = BRV, [QDX_MARK_HORN] = HRN,
};

int qdx_legacy_mark(uint32_t cp)
{
	int m;

	if (cp < GRV || cp > DOT)
		return 0;
	for (m = QDX_TONE_GRAVE; m <= QDX_MARK_HORN; m++)
		if (mark_cps[m] == cp)
			return m;
	return 0;
}

uint32_t qdx_legacy_mark_cp(int mark)
{
	return mark > 0 && mark <= QDX_MARK_HORN ? mark_cps[mark] : 0;
}

int qdx_legacy_apply(qdx_vletter *v, int mark)
{
	/* Which vowel a modifier turns each vowel into; -1 where it cannot. */
	static const signed char circ[QDX_V_COUNT] = {
		[QDX_V_A] = QDX_V_A_CIRC, [QDX_V_A_BREVE] = -1, [QDX_V_A_CIRC] = -1,
		[QDX_V_E] = QDX_V_E_CIRC, [QDX_V_E_CIRC] = -1, [QDX_V_I] = -1,
		[QDX_V_O] = QDX_V_O_CIRC, [QDX_V_O_CIRC] = -1, [QDX_V_O_HORN] = -1,
		[QDX_V_U] = -1, [QDX_V_U_HORN] = -1, [QDX_V_Y] = -1,
	};
	int to = -1;

	if (mark > QDX_TONE_NONE && mark < QDX_TONE_COUNT) {
		if (v->tone)
			return 0;
		v->tone = (uint8_t)mark;
		return 1;
	}
	if (mark == QDX_MARK_CIRC)
		to = circ[v->vowel];
	else if (mark == QDX_MARK_BREVE)
		to = v->vowel == QDX_V_A ? QDX_V_A_BREVE : -1;
	else if (mark == QDX_MARK_HORN)
		to = v->vowel == QDX_V_O ? QDX_V_O_HORN : v->vowel == QDX_V_U ? QDX_V_U_HORN : -1;
	if (to < 0)
		return 0;
	v->vowel = (uint8_t)to;
	return 1;
}
