/*
 * decode.c - bytes in whatever encoding an archive holds -> UTF-8 lines.
 *
 * The checks run in the order of their certainty: a BOM; UTF-16's pattern
 * of NUL bytes; UTF-8 validity (8-bit Vietnamese text is practically never
 * valid UTF-8); and only then a vote among the 8-bit encodings, each
 * decoding a sample that is scored by how many of its words are Vietnamese
 * syllables.  Valid UTF-8 is copied; only the lines that a byte test finds
 * suspicious are read back as TCVN3 or VNI and scored, to repair text that
 * was once mis-decoded as windows-1252.
 */
#include "decode.h"
#include "legacy.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

/* ---- encodings and their names ----------------------------------------- */

enum { E_UTF8, E_UTF16LE, E_UTF16BE, E_CP1258, E_TCVN3, E_VNI, E_VISCII, E_CP1252, E_COUNT };

static const struct encoding {
	const char *name;
	qdx_legacy_enc legacy;   /* the table of an 8-bit encoding */
	const char *aliases;     /* '|'-separated */
} encodings[E_COUNT] = {
	[E_UTF8] = { "utf-8", QDX_LEGACY_COUNT, "utf8" },
	[E_UTF16LE] = { "utf-16le", QDX_LEGACY_COUNT, "utf16le|utf-16|utf16|ucs-2" },
	[E_UTF16BE] = { "utf-16be", QDX_LEGACY_COUNT, "utf16be" },
	[E_CP1258] = { "windows-1258", QDX_LEGACY_CP1258, "cp1258|win1258|1258" },
	[E_TCVN3] = { "tcvn3", QDX_LEGACY_TCVN3, "tcvn|abc|tcvn-3|vn3|tcvn5712" },
	[E_VNI] = { "vni", QDX_LEGACY_VNI, "vni-windows|vni-win|vniwin" },
	[E_VISCII] = { "viscii", QDX_LEGACY_VISCII, "" },
	[E_CP1252] = { "windows-1252", QDX_LEGACY_CP1252, "cp1252|1252|latin1|latin-1|iso-8859-1" },
};

static int is_utf16(int e)
{
	return e == E_UTF16LE || e == E_UTF16BE;
}

static int alias_match(const char *name, const char *aliases)
{
	size_t len = strlen(name);

	while (*aliases) {
		size_t n = strcspn(aliases, "|");
		if (n == len && !strncasecmp(name, aliases, n))
			return 1;
		aliases += n + (aliases[n] == '|');
	}
	return 0;
}

static int encoding_find(const char *name)
{
	int e;

	for (e = 0; e < E_COUNT; e++)
		if (!strcasecmp(name, encodings[e].name) || alias_match(name, encodings[e].aliases))
			return e;
	return -1;
}

const char *qdx_decode_name(const char *name)
{
	int e = name ? encoding_find(name) : -1;
	return e < 0 ? NULL : encodings[e].name;
}

/* ---- a memory of words ---------------------------------------------------- */

/* A document repeats its words, and a word's class depends on nothing but
 * its bytes and how they are read, so each distinct word is read and
 * classified once per document and reading, and looked up after that; one
 * slot keeps a word's classes under every reading, since detection reads
 * the same words in each 8-bit encoding.  Open addressing, doubled at 3/4
 * full; a word too long for a slot, which is rare, is read every time. */
#define MEMO_BYTES 24
#define MEMO_UTF8 QDX_LEGACY_COUNT   /* `how` of text that is UTF-8 already */

typedef struct memo_slot {
	uint8_t len;                      /* 0: free */
	uint8_t known;                    /* bit `how` set: cls[how] is known */
	uint8_t cls[MEMO_UTF8 + 1];       /* W_* by how the word is read */
	unsigned char b[MEMO_BYTES];
} memo_slot;

typedef struct memo {
	memo_slot *slot;
	size_t cap, used;   /* cap is 0 or a power of two */
} memo;

/* The slot holding word s[0..n), or the free slot where it belongs. */
static memo_slot *memo_probe(const memo *m, const unsigned char *s, size_t n)
{
	size_t i = qdx_hash(QDX_HASH_SEED, s, n) & (m->cap - 1);

	for (;; i = (i + 1) & (m->cap - 1)) {
		memo_slot *e = &m->slot[i];

		if (!e->len || (e->len == n && !memcmp(e->b, s, n)))
			return e;
	}
}

static void memo_grow(memo *m)
{
	memo old = *m;
	size_t i;

	m->cap = old.cap ? 2 * old.cap : 256;
	m->slot = qdx_xcalloc(m->cap, sizeof(*m->slot));
	for (i = 0; i < old.cap; i++)
		if (old.slot[i].len)
			*memo_probe(m, old.slot[i].b, old.slot[i].len) = old.slot[i];
	free(old.slot);
}

/* The slot of word s[0..n), for memo_class() and memo_keep(); NULL when
 * the word is empty or too long to keep.  Valid until the next call. */
static memo_slot *memo_find(memo *m, const unsigned char *s, size_t n)
{
	if (!n || n > MEMO_BYTES)
		return NULL;
	if (4 * (m->used + 1) > 3 * m->cap)
		memo_grow(m);
	return memo_probe(m, s, n);
}

/* The class `e` knows for reading `how`, or -1. */
static int memo_class(const memo_slot *e, int how)
{
	return e && (e->known >> how & 1) ? e->cls[how] : -1;
}

static void memo_keep(memo *m, memo_slot *e, int how, const unsigned char *s, size_t n, int cls)
{
	if (!e)
		return;
	if (!e->len) {
		e->len = (uint8_t)n;
		memcpy(e->b, s, n);
		m->used++;
	}
	e->known |= (uint8_t)(1u << how);
	e->cls[how] = (uint8_t)cls;
}

/* A word of legacy text and the UTF-8 legacy_word() made of it; the
 * slot is the word's hash, a newer word takes it over. */
#define WORD_OUT_BYTES 24
#define WORD_OUTS 1024

typedef struct word_out {
	uint8_t enc;      /* the reading + 1; 0: empty */
	uint8_t in_len, out_len, loose;
	unsigned char in[WORD_OUT_BYTES];
	char out[3 * WORD_OUT_BYTES];
} word_out;

/* What each thread keeps from one document to the next: an archive's
 * documents share most of their words, and so do the copies of one text.
 * The memo is emptied after a document that grew it past MEMO_KEPT slots
 * (a megabyte). */
#define MEMO_KEPT (1u << 15)

typedef struct thread_words {
	memo words;
	word_out outs[WORD_OUTS];
} thread_words;

static void thread_words_free(void *p)
{
	thread_words *t = p;

	free(t->words.slot);
	free(t);
}

static qdx_thread_state words_state = QDX_THREAD_STATE(thread_words_free, sizeof(thread_words));

static thread_words *thread_words_get(void)
{
	return qdx_thread_get(&words_state);
}

static void memo_trim(memo *m)
{
	if (m->cap <= MEMO_KEPT)
		return;
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* ---- the decoder's state ------------------------------------------------ */

typedef struct dec {
	qdx_buf *out;
	qdx_decode_info *info;
	int strict;
	qdx_error *err;
	int valid;        /* the input is valid UTF-8: 1, 0, or -1 not known yet */
	qdx_buf work;     /* UTF-8 made from UTF-16, or with invalid bytes replaced */
	qdx_buf line;     /* a line given TCVN3 capitals to see if they change it */
	qdx_buf bytes;    /* a word turned back into windows-1252 bytes */
	memo *words;      /* the classes of the words scored so far, and */
	word_out *outs;   /* the words read last: the thread's, see thread_words */
	struct verdict *judged;   /* judge_text()'s verdicts on the UTF-8 being read */
	size_t njudged;
	int doc_kind;             /* its kind of mojibake (K_*), or -1 */
} dec;

static void buf_truncate(qdx_buf *b, size_t len)
{
	b->len = len;
	if (b->cap)
		b->p[len] = '\0';
}

/* ---- UTF-8 in and out ----------------------------------------------------- */

/* qdx_utf8_decode() with the forms of Vietnamese text inline, as in
 * qdx_utf8_valid_prefix(): ASCII, C2..DF 80..BF, and E1..EC / EE..EF
 * 80..BF 80..BF, which are never overlong nor surrogates.  The scorers
 * read every character. */
static inline size_t utf8_at(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF && n >= 2 && (s[1] & 0xC0) == 0x80) {
		*cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
		return 2;
	}
	if (s[0] >= 0xE1 && s[0] <= 0xEF && s[0] != 0xED && n >= 3 && (s[1] & 0xC0) == 0x80 &&
	    (s[2] & 0xC0) == 0x80) {
		*cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
		return 3;
	}
	return qdx_utf8_decode(s, n, cp);
}

/* One character of UTF-8, an invalid byte being U+FFFD. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t k = utf8_at(s, n, cp);

	if (!k) {
		*cp = 0xFFFD;
		k = 1;
	}
	return k;
}

/* Writes a character of the Basic Multilingual Plane, which is all the
 * 8-bit encodings hold, to p; returns its length. */
static size_t utf8_put(char *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xC0 | cp >> 6);
		p[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	p[0] = (char)(0xE0 | cp >> 12);
	p[1] = (char)(0x80 | (cp >> 6 & 0x3F));
	p[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

/* ---- how Vietnamese a text looks ----------------------------------------- */

/* Words are compared as "keys", one byte per letter: a consonant is its
 * lower-case ASCII letter ('D' for đ), a vowel 0x80 + vowel * 6 + tone
 * (QDX_V_*, QDX_TONE_*).  Case is gone and every letter is one byte, so
 * the lists below, written in UTF-8 for the reader, are turned into keys
 * once, packed into integers (key_pack()) and searched by bisection. */
#define KEY_D 'D'
#define KEY_VOWEL(v, t) ((char)(0x80 + (v) * QDX_TONE_COUNT + (t)))
#define KEY_IS_VOWEL(c) ((unsigned char)(c) >= 0x80)

/* Rimes (a syllable after its initial consonants) without tone: the
 * inventory of Vietnamese orthography. */
static const char *const rimes[] = {
	"a", "ac", "ach", "ai", "am", "an", "ang", "anh", "ao", "ap", "at", "au", "ay",
	"ăc", "ăm", "ăn", "ăng", "ăp", "ăt",
	"âc", "âm", "ân", "âng", "âp", "ât", "âu", "ây",
	"e", "ec", "em", "en", "eng", "eo", "ep", "et",
	"ê", "êch", "êm", "ên", "ênh", "êp", "êt", "êu",
	"i", "ia", "ich", "im", "in", "inh", "ip", "it", "iu",
	"iêc", "iêm", "iên", "iêng", "iêp", "iêt", "iêu",
	"yêm", "yên", "yêng", "yêt", "yêu",
	"o", "oc", "oi", "om", "on", "ong", "op", "ot", "ooc", "oong",
	"oa", "oac", "oach", "oai", "oam", "oan", "oang", "oanh", "oao", "oap", "oat", "oay",
	"oăc", "oăm", "oăn", "oăng", "oăt",
	"oe", "oen", "oeo", "oet",
	"ô", "ôc", "ôi", "ôm", "ôn", "ông", "ôp", "ôt",
	"ơ", "ơi", "ơm", "ơn", "ơp", "ơt",
	"u", "ua", "uc", "ui", "um", "un", "ung", "up", "ut",
	"uân", "uâng", "uât", "uây",
	"uê", "uêch", "uênh", "uơ",
	"uôc", "uôi", "uôm", "uôn", "uông", "uôt",
	"uy", "uya", "uych", "uyên", "uyêt", "uyn", "uynh", "uyp", "uyt", "uyu",
	"ư", "ưa", "ưc", "ưi", "ưm", "ưn", "ưng", "ưt", "ưu",
	"ươc", "ươi", "ươm", "ươn", "ương", "ươp", "ươt", "ươu",
	"y",
};

/* Initial consonants ("qu" and "gi" are handled in syllable_ok()). */
static const char *const onsets[] = {
	"b", "c", "ch", "d", "đ", "g", "gh", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
	"nh", "p", "ph", "r", "s", "t", "th", "tr", "v", "x",
};

/* Syllables frequent in administrative text.  A wrong decoding makes
 * syllables of a legal shape now and then, but rarely these. */
static const char *const common[] = {
	"à", "ấy", "bản", "báo", "bằng", "bị", "biểu", "bộ", "các", "cán", "cáo", "cấp",
	"căn", "chỉ", "chính", "chịu", "chủ", "chức", "chương", "có", "công", "của", "cùng",
	"cục", "cứ", "cơ", "cộng", "dân", "dẫn", "dụng", "dự", "đã", "đạo", "đất", "đầu",
	"để", "đề", "đến", "địa", "điều", "định", "đó", "độc", "đối", "đơn", "đồng",
	"động", "được", "giá", "giải", "giám", "hạn", "hạnh", "hàng", "hành", "hằng",
	"hiện", "hoà", "hòa", "hoạch", "hoạt", "học", "hội", "hợp", "huyện", "hướng",
	"khác", "khẩu", "không", "kế", "kèm", "kết", "kiểm", "lập", "lý", "luật", "lượng",
	"mặt", "mức", "một", "năm", "nâng", "này", "ngày", "nghị", "nghĩa", "nghiệp",
	"ngành", "người", "nhà", "nhập", "nhân", "nhằm", "nhiệm", "những", "nước", "nội",
	"phải", "phát", "phần", "phó", "phòng", "phối", "phủ", "phố", "phúc", "quản",
	"quốc", "quyết", "rừng", "sách", "sở", "sử", "số", "tác", "tại", "tài", "thể",
	"thị", "thời", "thông", "thuế", "thực", "thường", "tháng", "thành", "thủ", "thứ",
	"tỉnh", "tịch", "tiến", "tiêu", "tổ", "tổng", "trên", "triển", "trình",
	"trưởng", "trường", "trực", "tư", "từ", "tự", "ủy", "uỷ", "văn", "vào", "và", "về",
	"việc", "việt", "viên", "vụ", "vực", "với", "vị", "xã", "xây", "xuất", "ý",
};

#define KEY_MAX 8   /* "nghiêng", the longest syllable, has 7 letters */

/* A key of up to 7 letters packed in an integer, so that a lookup costs
 * integer compares; no letter is a 0 byte, so the packing is unique. */
static uint64_t key_pack(const char *k, size_t n)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		x = x << 8 | (unsigned char)k[i];
	return x;
}

static uint64_t rime_keys[QDX_COUNT(rimes)];
static uint64_t onset_keys[QDX_COUNT(onsets)];
static uint64_t common_keys[QDX_COUNT(common)];

/* The packed key of a UTF-8 word of the lists above; `toned` keeps the
 * tones. */
static uint64_t key_of(const char *s, int toned)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k = 0;
	char key[KEY_MAX];

	while (i < n && k < KEY_MAX - 1) {
		uint32_t cp = 0;
		qdx_vletter v;

		i += qdx_utf8_decode(u + i, n - i, &cp);
		if (qdx_legacy_letter(cp, &v))
			key[k++] = KEY_VOWEL(v.vowel, toned ? v.tone : 0);
		else
			key[k++] = cp == 0x0111 ? KEY_D : (char)cp;
	}
	return key_pack(key, k);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int key_listed(const uint64_t *v, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] == x)
			return 1;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Flags of a two-byte UTF-8 sequence for line_suspect(), by the class of
 * its lead byte and the low six bits of the byte after. */
enum { F_LATIN = 1, F_VIET = 2, F_ALIEN = 4 };
enum { L_NONE, L_C2, L_C3, L_C4, L_C5, L_C6, L_E1, L_COUNT };
static const uint8_t lead_class[256] = {
	[0xC2] = L_C2, [0xC3] = L_C3, [0xC4] = L_C4, [0xC5] = L_C5, [0xC6] = L_C6, [0xE1] = L_E1,
};
static uint8_t pair_flag[L_COUNT][64];

/* By lead byte, the length of the forms utf8_at() reads inline (C2..DF,
 * E1..EC, EE..EF: only their continuation bytes need a look), else 0. */
static uint8_t short_len[256];

/* Bit k set: U+00C0+k is a letter of Vietnamese (À Á Â Ã È É Ê Ì Í Ò Ó Ô
 * Õ Ù Ú Ý and their small forms). */
#define VIET_LATIN1 0x263C370F263C370Full

/* Mojibake of TCVN3 and VNI always holds Latin-1 characters (lead bytes
 * C2, C3) and never the letters only Unicode has (ă đ ĩ ũ ơ ư, U+1EA0-
 * U+1EF9): those mark real Vietnamese.  "Alien" are the characters no
 * Vietnamese text uses (µ, §, ø, Ñ, C1 controls...). */
static uint8_t pair_flags_of(int lead, unsigned c)
{
	switch (lead) {
	case L_C2:
		return c == 0xA0 || c == 0xB0 ? 0 : F_LATIN | F_ALIEN;   /* NBSP and ° are common */
	case L_C3:
		return F_LATIN | ((VIET_LATIN1 >> (c - 0x80)) & 1 ? 0 : F_ALIEN);
	case L_C4:
		return c == 0x82 || c == 0x83 || c == 0x90 || c == 0x91 || c == 0xA8 || c == 0xA9
		               ? F_VIET : 0;
	case L_C5:
		return c == 0xA8 || c == 0xA9 ? F_VIET : 0;
	case L_C6:
		return c == 0xA0 || c == 0xA1 || c == 0xAF || c == 0xB0 ? F_VIET : 0;
	case L_E1:
		return c == 0xBA || c == 0xBB ? F_VIET : 0;
	default:
		return 0;
	}
}

static int key_modified(char c)
{
	int v = ((unsigned char)c - 0x80) / QDX_TONE_COUNT;

	return v == QDX_V_A_BREVE || v == QDX_V_A_CIRC || v == QDX_V_E_CIRC || v == QDX_V_O_CIRC ||
	       v == QDX_V_O_HORN || v == QDX_V_U_HORN;
}

/* Whether the tone may sit on letter `tp` of rime r[0..n): on the vowel
 * with a modifier (the second of "ươ"), on a lone vowel, on the last vowel
 * before a final consonant ("hoàn"), in the middle of three ("ngoài"), on
 * either of "oa", "oe", "uy" (old and new style: "hòa", "hoà"), else on
 * the first ("hài", "múa").  "AÙ" is not "àu". */
static int tone_place_ok(const char *r, size_t n, size_t tp)
{
	const char a = KEY_VOWEL(QDX_V_A, 0), e = KEY_VOWEL(QDX_V_E, 0), o = KEY_VOWEL(QDX_V_O, 0);
	const char u = KEY_VOWEL(QDX_V_U, 0), y = KEY_VOWEL(QDX_V_Y, 0);
	size_t nv = 0, i;

	while (nv < n && KEY_IS_VOWEL(r[nv]))
		nv++;
	for (i = nv; i-- > 0;)
		if (key_modified(r[i]))
			return tp == i;
	if (nv == 1)
		return tp == 0;
	if (nv < n)
		return tp == nv - 1;
	if (nv == 3)
		return tp == 1;
	if (nv == 2 && ((r[0] == o && (r[1] == a || r[1] == e)) || (r[0] == u && r[1] == y)))
		return tp <= 1;
	return tp == 0;
}

/* A listed rime, with its tone in place (`tp`, the toned letter's index in
 * the rime, or -1 for none).  A rime ending in a stop (c, ch, p, t) takes
 * only the acute or dot tone. */
static int rime_ok(const char *r, size_t n, int tone, long tp)
{
	char last = n ? r[n - 1] : 0;

	if (!n || !key_listed(rime_keys, QDX_COUNT(rimes), key_pack(r, n)))
		return 0;
	if (tone && (tp < 0 || !tone_place_ok(r, n, (size_t)tp)))
		return 0;
	if (last == 'c' || last == 'p' || last == 't' || (n >= 2 && !memcmp(r + n - 2, "ch", 2)))
		return tone == QDX_TONE_ACUTE || tone == QDX_TONE_DOT;
	return 1;
}

/* A known initial, and the spelling rules that tie it to the vowel after:
 * k/gh/ngh before i, e, ê (and k before y), c/g/ng elsewhere: "ke",
 * "ghi", "nghe", but "ca", "ga", "nga". */
static int onset_ok(const char *w, size_t k)
{
	const char i = KEY_VOWEL(QDX_V_I, 0), y = KEY_VOWEL(QDX_V_Y, 0);
	int front = w[k] == i || w[k] == KEY_VOWEL(QDX_V_E, 0) || w[k] == KEY_VOWEL(QDX_V_E_CIRC, 0);
	uint64_t x = key_pack(w, k);

	if (!key_listed(onset_keys, QDX_COUNT(onsets), x))
		return 0;
	if (x == 'k')
		return front || w[1] == y;
	if (x == 'c')
		return !front && w[1] != y;
	if (x == key_pack("gh", 2) || x == key_pack("ngh", 3))
		return front;
	if (x == 'g')
		return !front || w[1] == i;   /* "gì": g + i */
	if (x == key_pack("ng", 2))
		return !front;
	return 1;
}

/* Whether the toneless key w[0..n) is a syllable, its tone `tone` on
 * letter `tp`: initial consonants, then a rime.  After "qu" the u is the
 * rime's glide ("quyết" is qu + yêt or q + uyêt, "quốc" q + uôc); "gi"
 * before a vowel is one initial ("giá", "giữ"), but "gìn" and "giếng" are
 * g + in, g + iêng. */
static int syllable_ok(const char *w, size_t n, int tone, long tp)
{
	const char u = KEY_VOWEL(QDX_V_U, 0), i = KEY_VOWEL(QDX_V_I, 0);
	size_t k = 0;

	while (k < n && !KEY_IS_VOWEL(w[k]))
		k++;
	if (k == n)
		return 0;
	if (k == 0)
		return rime_ok(w, n, tone, tp);
	if (k == 1 && w[0] == 'q')
		return w[1] == u &&
		       (rime_ok(w + 1, n - 1, tone, tp - 1) || rime_ok(w + 2, n - 2, tone, tp - 2));
	if (k == 1 && w[0] == 'g' && w[1] == i && n > 2 && KEY_IS_VOWEL(w[2]) && w[2] != i &&
	    rime_ok(w + 2, n - 2, tone, tp - 2))
		return 1;
	return onset_ok(w, k) && rime_ok(w + k, n - k, tone, tp - (long)k);
}

/* What a word says about the encoding. */
enum { W_NONE, W_GOOD, W_COMMON, W_ABBREV, W_ODD, W_FOREIGN };

/* The weights: a common syllable is strong evidence, any syllable good
 * evidence; an impossible letter sequence mild evidence against, and a
 * character no Vietnamese word holds (µ, §, ø, a stray mark) strong. */
static const int word_value[] = {
	[W_NONE] = 0, [W_GOOD] = 2, [W_COMMON] = 4, [W_ABBREV] = 0, [W_ODD] = -1, [W_FOREIGN] = -2,
};

typedef struct word {
	char key[KEY_MAX];         /* toneless key of the first KEY_MAX - 1 letters */
	uint8_t tone[KEY_MAX];
	int n;                     /* letters; may pass the key's room */
	int nonascii, foreign, symbols, upper, lower, camel, last_lower, tones, vowels;
} word;

typedef struct score {
	int good, odd, foreign, value;
} score;

static int is_separator(uint32_t cp)
{
	if (cp < 0x80)
		return !((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
	return cp == 0xA0 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF ||
	       cp == 0xFFFD;
}

/* A capital after a small ASCII letter ("banỢ") is how a wrong table
 * reads; a small toned letter between capitals ("NộI") is how TCVN3 writes
 * the capitals it lacks, so only ASCII counts as small there. */
static void word_letter(word *w, char key, int tone, int upper, int ascii)
{
	if (w->n < KEY_MAX - 1) {
		w->key[w->n] = key;
		w->tone[w->n] = (uint8_t)tone;
	}
	w->n++;
	w->tones += tone != 0;
	w->vowels += KEY_IS_VOWEL(key);
	if (upper && w->last_lower)
		w->camel = 1;
	w->last_lower = !upper && ascii;
	w->upper += upper;
	w->lower += !upper;
}

/* A combining mark in decomposed (NFD) text belongs to the vowel before.
 * Past the key's room the word is too long to be a syllable anyway. */
static int word_mark(word *w, int mark)
{
	qdx_vletter v;
	int last = w->n - 1;

	if (last >= KEY_MAX - 1)
		return 1;
	if (last < 0 || !KEY_IS_VOWEL(w->key[last]))
		return 0;
	v.vowel = (uint8_t)(((unsigned char)w->key[last] - 0x80) / QDX_TONE_COUNT);
	v.tone = w->tone[last];
	v.upper = 0;
	if (!qdx_legacy_apply(&v, mark))
		return 0;
	w->key[last] = KEY_VOWEL(v.vowel, 0);
	w->tones += !w->tone[last] && v.tone;
	w->tone[last] = v.tone;
	return 1;
}

static void word_vowel(word *w, const qdx_vletter *v, uint32_t cp)
{
	if (cp >= 0x80)
		w->nonascii = 1;
	word_letter(w, KEY_VOWEL(v->vowel, 0), v->tone, v->upper, cp < 0x80);
}

static void word_loose_mark(word *w, int mark)
{
	w->nonascii = 1;   /* the marks are U+0300-U+0323 */
	if (!word_mark(w, mark))
		w->foreign++;
}

/* A character that is neither a mark nor a vowel letter. */
static void word_other(word *w, uint32_t cp)
{
	if (cp < 0x80) {
		word_letter(w, (char)(cp | 0x20), 0, cp < 'a', 1);
		return;
	}
	w->nonascii = 1;
	if (cp == 0x0110 || cp == 0x0111) {
		word_letter(w, KEY_D, 0, cp == 0x0110, 0);
	} else {
		w->foreign++;
		/* Latin-1 signs (« ° § ±) standing alone are punctuation. */
		w->symbols += (cp >= 0xA1 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7;
	}
}

static void word_add(word *w, uint32_t cp)
{
	qdx_vletter v;
	int mark = qdx_legacy_mark(cp);

	if (mark)
		word_loose_mark(w, mark);
	else if (qdx_legacy_letter(cp, &v))
		word_vowel(w, &v, cp);
	else
		word_other(w, cp);
}

static int word_common(const word *w)
{
	char toned[KEY_MAX];
	int i;

	for (i = 0; i < w->n; i++)
		toned[i] = (char)(w->key[i] + (KEY_IS_VOWEL(w->key[i]) ? w->tone[i] : 0));
	return key_listed(common_keys, QDX_COUNT(common), key_pack(toned, (size_t)w->n));
}

static int word_class(word *w)
{
	if (!w->nonascii)
		return W_NONE;   /* the same in every encoding: no evidence */
	if (w->foreign)
		return !w->n && w->foreign == 1 && w->symbols == 1 ? W_NONE : W_FOREIGN;
	/* A lone capital is an initial, or a stray byte that VISCII reads as
	 * a letter. */
	if (w->n == 1 && w->upper)
		return W_NONE;
	if (!w->camel && w->n < KEY_MAX && w->tones <= 1) {
		int i, tone = 0;
		long tp = -1;

		for (i = 0; i < w->n; i++)
			if (w->tone[i]) {
				tone = w->tone[i];
				tp = i;
			}
		if (syllable_ok(w->key, (size_t)w->n, tone, tp))
			return word_common(w) ? W_COMMON : W_GOOD;
	}
	/* HĐND, QĐ: abbreviations in capitals without tones are neutral, and
	 * so is a word without a vowel ("đ)" labels an item). */
	return !w->vowels || (!w->lower && !w->tones) ? W_ABBREV : W_ODD;
}

static void score_add(score *sc, int c)
{
	sc->good += c == W_GOOD || c == W_COMMON;
	sc->odd += c == W_ODD;
	sc->foreign += c == W_FOREIGN;
	sc->value += word_value[c];
}

/* The class of the word read into `w`, which then starts over. */
static int word_take(word *w)
{
	int c = word_class(w);

	memset(w, 0, sizeof(*w));
	return c;
}

/* A word of ASCII letters scores nothing (word_class()), whatever the
 * encoding: the scorers skip such words without reading them.  The end
 * of the ASCII letters from s[i]. */
static size_t ascii_letters(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && (s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')
		i++;
	return i;
}

/* ---- the bytes of the 8-bit encodings ------------------------------------ */

/* A character a legacy byte stands for, taken apart once: detection
 * composes and scores every byte of its sample five times over. */
typedef struct glyph {
	uint32_t cp;
	uint8_t mark;    /* QDX_TONE_* or QDX_MARK_* when cp is a combining mark */
	uint8_t vowel;   /* 1 when cp is a vowel letter, `v` */
	qdx_vletter v;
} glyph;

typedef struct bytecode {
	glyph g[2];      /* VNI writes two marks in one byte */
	uint8_t n;
	uint8_t sep;     /* the byte ends a word: is_separator() */
	uint8_t len;     /* one character, not a mark: `utf8` holds its len bytes */
	uint8_t same;    /* ... and that character is the byte itself */
	char utf8[4];
} bytecode;

static bytecode bytecodes[QDX_LEGACY_COUNT][256];
static int printable_same;   /* every encoding reads ' '..'~' as themselves */

/* What a byte is to score_legacy(): a separator in every 8-bit encoding,
 * in some, and not an ASCII letter. */
enum { B_SEP_ALL = 1, B_SEP_SOME = 2, B_NOT_LETTER = 4 };
static uint8_t byte_class[256];

static void glyph_of(glyph *g, uint32_t cp)
{
	g->cp = cp;
	g->mark = (uint8_t)qdx_legacy_mark(cp);
	g->vowel = !g->mark && qdx_legacy_letter(cp, &g->v);
}

static void bytecodes_build(void)
{
	int e;
	unsigned b;

	for (e = 0; e < QDX_LEGACY_COUNT; e++)
		for (b = 0; b < 256; b++) {
			bytecode *bc = &bytecodes[e][b];
			uint32_t m = qdx_legacy_map((qdx_legacy_enc)e, (unsigned char)b);

			glyph_of(&bc->g[0], m & 0xFFFF);
			bc->n = 1;
			if (m >> 16)
				glyph_of(&bc->g[bc->n++], m >> 16);
			bc->sep = (uint8_t)is_separator(m & 0xFFFF);
			if (bc->n == 1 && !bc->g[0].mark)
				bc->len = (uint8_t)utf8_put(bc->utf8, m);
			bc->same = m == b && b < 0x80;
		}
	printable_same = 1;
	for (e = 0; e < QDX_LEGACY_COUNT; e++)
		for (b = 0x20; b < 0x7F; b++)
			printable_same &= bytecodes[e][b].same;
	for (b = 0; b < 256; b++) {
		unsigned seps = 0;

		for (e = 0; e < QDX_LEGACY_COUNT; e++)
			seps += bytecodes[e][b].sep;
		byte_class[b] = (uint8_t)((seps == QDX_LEGACY_COUNT ? B_SEP_ALL : 0) |
		                          (seps ? B_SEP_SOME : 0) |
		                          (((b | 0x20) >= 'a' && (b | 0x20) <= 'z') ? 0 : B_NOT_LETTER));
	}
}

static void tables_build(void)
{
	size_t i;
	int l;
	unsigned c;

	for (i = 0; i < QDX_COUNT(rimes); i++)
		rime_keys[i] = key_of(rimes[i], 0);
	for (i = 0; i < QDX_COUNT(onsets); i++)
		onset_keys[i] = key_of(onsets[i], 0);
	for (i = 0; i < QDX_COUNT(common); i++)
		common_keys[i] = key_of(common[i], 1);
	qsort(rime_keys, QDX_COUNT(rimes), sizeof(rime_keys[0]), cmp_u64);
	qsort(onset_keys, QDX_COUNT(onsets), sizeof(onset_keys[0]), cmp_u64);
	qsort(common_keys, QDX_COUNT(common), sizeof(common_keys[0]), cmp_u64);
	for (l = 0; l < L_COUNT; l++)
		for (c = 0x80; c < 0xC0; c++)
			pair_flag[l][c & 0x3F] = pair_flags_of(l, c);
	for (c = 0xC2; c <= 0xEF; c++)
		short_len[c] = c <= 0xDF ? 2 : c == 0xE0 || c == 0xED ? 0 : 3;
	bytecodes_build();
}

/* pthread_once() rather than C11's call_once(), which glibc runs without
 * the entry point ThreadSanitizer watches: it then saw every reader of the
 * tables race with the thread that built them. */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
	pthread_once(&tables_once, tables_build);
}

/* ---- composing letters and marks ---------------------------------------- */

/* VNI and windows-1258 write a vowel as its base letter followed by marks;
 * the composer holds the last vowel back until no mark can follow, then
 * writes the precomposed letter, which is what NFC has for every
 * Vietnamese letter.  It writes UTF-8 to `out`, where compose_bytes() has
 * made room, or hands the characters of one word straight to `w`, to score
 * a reading without writing it. */
typedef struct composer {
	qdx_buf *out;
	word *w;       /* instead of out */
	qdx_vletter v;
	int pending;   /* v is a vowel that marks may still modify */
	int loose;     /* a mark fit no vowel: the text needs ICU's NFC */
} composer;

static void composer_init(composer *c, qdx_buf *out, word *w)
{
	c->out = out;
	c->w = w;
	c->pending = c->loose = 0;
}

static void compose_put(composer *c, uint32_t cp)
{
	c->out->len += utf8_put(c->out->p + c->out->len, cp);
}

static void compose_flush(composer *c)
{
	uint32_t cp;

	if (!c->pending)
		return;
	c->pending = 0;
	cp = qdx_legacy_compose(&c->v);
	if (c->w)
		word_vowel(c->w, &c->v, cp);
	else
		compose_put(c, cp);
}

static void compose_glyph(composer *c, const glyph *g)
{
	if (g->mark) {
		if (c->pending && qdx_legacy_apply(&c->v, g->mark))
			return;
		compose_flush(c);
		c->loose = 1;
		if (c->w)
			word_loose_mark(c->w, g->mark);
		else
			compose_put(c, g->cp);
		return;
	}
	compose_flush(c);
	if (g->vowel) {
		c->v = g->v;
		c->pending = 1;
	} else if (c->w) {
		word_other(c->w, g->cp);
	} else {
		compose_put(c, g->cp);
	}
}

static void compose_byte(composer *c, const bytecode *bc)
{
	compose_glyph(c, &bc->g[0]);
	if (bc->n > 1)
		compose_glyph(c, &bc->g[1]);
}

/* Whether the 8 bytes at s are all printable ASCII: none has bit 7 set,
 * none is below ' ' (subtracting borrows) or DEL (adding carries). */
static int printable8(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return !((w | (w - 0x2020202020202020ull) | (w + 0x0101010101010101ull)) &
	         0x8080808080808080ull);
}

/* Appends s[0..n) read as `enc` to `out`; 1 when the result holds a mark
 * that NFC must still compose.  A byte makes at most two characters of
 * three bytes each. */
static int compose_bytes(qdx_buf *out, qdx_legacy_enc enc, const unsigned char *s, size_t n)
{
	const bytecode *t;
	composer c;
	size_t i;

	t = bytecodes[enc];
	if (out->cap - out->len <= 6 * n)
		qdx_buf_reserve(out, 6 * n);
	composer_init(&c, out, NULL);
	for (i = 0; i < n; i++) {
		const bytecode *bc = &t[s[i]];
		size_t j = i;

		/* A character no mark follows is what it reads alone (a vowel
		 * composes back to itself), and most are such; a run of bytes
		 * that read as themselves, ASCII, is copied as it is. */
		if (bc->same) {
			char *o;

			compose_flush(&c);
			o = out->p + out->len;
			for (; printable_same && j + 8 <= n && printable8(s + j); j += 8)
				memcpy(o + (j - i), s + j, 8);
			for (; j < n && t[s[j]].same; j++)
				o[j - i] = (char)s[j];
			if (j < n && t[s[j]].g[0].mark)
				j--;
			out->len += j - i;
			if (j == i)
				compose_byte(&c, bc);
			else
				i = j - 1;
		} else if (bc->len && (i + 1 == n || !t[s[i + 1]].g[0].mark)) {
			compose_flush(&c);
			memcpy(out->p + out->len, bc->utf8, sizeof(bc->utf8));
			out->len += bc->len;
		} else {
			compose_byte(&c, bc);
		}
	}
	compose_flush(&c);
	out->p[out->len] = '\0';
	return c.loose;
}

/* Composes b[from..] to NFC.  Only legacy text with a mark that sits on no
 * Vietnamese vowel needs this, so ICU's UTF-16 round trip is rare. */
static void nfc_tail(qdx_buf *b, size_t from)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&st);
	size_t n = b->len - from;
	int32_t n16 = 0, m16 = 0, n8 = 0;
	UChar *src, *dst;
	char *u8;

	/* NFC grows a string at most threefold; keep every size in int32_t. */
	if (U_FAILURE(st) || n > INT32_MAX / 9)
		return;
	src = qdx_xmalloc((n + 1) * sizeof(UChar));
	dst = qdx_xmalloc((3 * n + 1) * sizeof(UChar));
	u8 = qdx_xmalloc(9 * n + 1);
	u_strFromUTF8(src, (int32_t)n + 1, &n16, b->p + from, (int32_t)n, &st);
	m16 = unorm2_normalize(nfc, src, n16, dst, (int32_t)(3 * n + 1), &st);
	u_strToUTF8(u8, (int32_t)(9 * n + 1), &n8, dst, m16, &st);
	if (U_SUCCESS(st)) {
		buf_truncate(b, from);
		qdx_buf_put(b, u8, (size_t)n8);
	}
	free(src);
	free(dst);
	free(u8);
}

/* ---- scoring ------------------------------------------------------------- */

/* The class of the UTF-8 word s[0..n), which holds no separator, read and
 * kept in its memo slot `e` (or NULL). */
static int text_word_read(memo *m, memo_slot *e, const unsigned char *s, size_t n)
{
	word w;
	size_t i = 0;
	int c;

	memset(&w, 0, sizeof(w));
	while (i < n) {
		uint32_t cp;

		i += utf8_char(s + i, n - i, &cp);
		word_add(&w, cp);
	}
	c = word_take(&w);
	memo_keep(m, e, MEMO_UTF8, s, n, c);
	return c;
}

/* The class of the UTF-8 word s[0..n): most are in the memo, which is
 * asked without a call. */
static inline int text_word(memo *m, const unsigned char *s, size_t n)
{
	memo_slot *e = memo_find(m, s, n);
	int c = memo_class(e, MEMO_UTF8);

	return c >= 0 ? c : text_word_read(m, e, s, n);
}

/* Where the UTF-8 word that s[i] is in ends: the separator after it, whose
 * length goes to `*k`, or n. */
static size_t text_word_end(const unsigned char *s, size_t n, size_t i, size_t *k)
{
	while (i < n) {
		uint32_t cp;

		*k = utf8_char(s + i, n - i, &cp);
		if (is_separator(cp))
			return i;
		i += *k;
	}
	return n;
}

/* Scores UTF-8 text by its words: see word_value. */
static void score_text(memo *m, score *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < n) {
		size_t j = ascii_letters(u, n, i), k = 1;

		if (j < n && u[j] >= 0x80) {
			j = text_word_end(u, n, j, &k);
			score_add(out, text_word(m, u + i, j - i));
		}
		i = j + k;   /* past the separator */
	}
}

/* The class of word s[0..n) read as `enc`, `e` its memo slot (or NULL):
 * no byte of it is a separator. */
static int bytes_word_read(memo *m, memo_slot *e, qdx_legacy_enc enc, const unsigned char *s,
                           size_t n)
{
	const bytecode *t = bytecodes[enc];
	composer c;
	word w;
	size_t i;
	int cls;

	memset(&w, 0, sizeof(w));
	composer_init(&c, NULL, &w);
	for (i = 0; i < n; i++)
		compose_byte(&c, &t[s[i]]);
	compose_flush(&c);
	cls = word_take(&w);
	memo_keep(m, e, (int)enc, s, n, cls);
	return cls;
}

/* bytes_word_read(), the memo asked first without a call. */
static inline int bytes_word(memo *m, memo_slot *e, qdx_legacy_enc enc, const unsigned char *s,
                             size_t n)
{
	int cls = memo_class(e, (int)enc);

	return cls >= 0 ? cls : bytes_word_read(m, e, enc, s, n);
}

/* Scores s[0..n) read as `enc`: score_text() of compose_bytes()'s text,
 * without writing the text.  The separators compose with nothing, so the
 * words between them are read apart. */
static void score_bytes(memo *m, score *out, qdx_legacy_enc enc, const unsigned char *s, size_t n)
{
	const bytecode *t;
	size_t i = 0;

	t = bytecodes[enc];
	memset(out, 0, sizeof(*out));
	while (i < n) {
		size_t j = ascii_letters(s, n, i);

		if (j < n && !t[s[j]].sep) {
			while (j < n && !t[s[j]].sep)
				j++;
			score_add(out, bytes_word(m, memo_find(m, s + i, j - i), enc, s + i, j - i));
		}
		i = j + 1;
	}
}

static void score_sum(score *sc, const score *more)
{
	sc->good += more->good;
	sc->odd += more->odd;
	sc->foreign += more->foreign;
	sc->value += more->value;
}

/* score_bytes() of s[0..n) in every 8-bit encoding at once, out[enc]:
 * detection reads a sample in each.  A run of bytes between separators of
 * all the encodings is one word in each when none of them takes any of
 * its bytes for a separator, which is the rule: then one memo slot holds
 * its classes.  Other runs are read by each encoding apart. */
static void score_legacy(memo *m, score *out, const unsigned char *s, size_t n)
{
	size_t i = 0;
	int e;

	memset(out, 0, QDX_LEGACY_COUNT * sizeof(*out));
	while (i < n) {
		size_t j = i;
		unsigned any = 0;

		for (; j < n && !(byte_class[s[j]] & B_SEP_ALL); j++)
			any |= byte_class[s[j]];
		if (any & B_SEP_SOME) {
			for (e = 0; e < QDX_LEGACY_COUNT; e++) {
				score sc;

				score_bytes(m, &sc, (qdx_legacy_enc)e, s + i, j - i);
				score_sum(&out[e], &sc);
			}
		} else if (any & B_NOT_LETTER) {
			memo_slot *slot = memo_find(m, s + i, j - i);

			for (e = 0; e < QDX_LEGACY_COUNT; e++)
				score_add(&out[e], bytes_word(m, slot, (qdx_legacy_enc)e, s + i, j - i));
		}
		i = j + 1;
	}
}

static int bad_words(const score *sc)
{
	return sc->odd + sc->foreign;
}

/* ---- legacy text --------------------------------------------------------- */

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static int has_high(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 0x80)
			return 1;
	return 0;
}

/* TCVN3 documents hold words pasted from VNI and the other way round. */
static int other_legacy(qdx_legacy_enc enc, qdx_legacy_enc *other)
{
	if (enc == QDX_LEGACY_TCVN3)
		*other = QDX_LEGACY_VNI;
	else if (enc == QDX_LEGACY_VNI)
		*other = QDX_LEGACY_TCVN3;
	else
		return 0;
	return 1;
}

/* Appends one word (bytes without blanks) decoded as `enc` to `out`; when it
 * reads badly and the sibling encoding reads it as Vietnamese, uses that.
 * Returns 1 when the result holds a mark that NFC must still compose. */
static int read_word(dec *d, qdx_buf *out, qdx_legacy_enc enc, const unsigned char *s, size_t n)
{
	qdx_legacy_enc other;
	score sc, alt;

	if (other_legacy(enc, &other) && has_high(s, n)) {
		score_bytes(d->words, &sc, enc, s, n);
		if (bad_words(&sc)) {
			score_bytes(d->words, &alt, other, s, n);
			if (!bad_words(&alt) && alt.good && alt.value >= sc.value + 3)
				enc = other;
		}
	}
	return compose_bytes(out, enc, s, n);
}

/* read_word(), whose result depends on nothing but the word and `enc`:
 * remembered in the thread's table of the words it read last (see
 * word_out). */
static int legacy_word(dec *d, qdx_buf *out, qdx_legacy_enc enc, const unsigned char *s, size_t n)
{
	word_out *e;
	size_t at = out->len;
	int loose;

	if (n > WORD_OUT_BYTES)
		return read_word(d, out, enc, s, n);
	e = &d->outs[(qdx_hash(QDX_HASH_SEED, s, n) + enc) % WORD_OUTS];
	if (e->enc == enc + 1 && e->in_len == n && !memcmp(e->in, s, n)) {
		qdx_buf_put(out, e->out, e->out_len);
		return e->loose;
	}
	loose = read_word(d, out, enc, s, n);
	if (out->len - at <= sizeof(e->out)) {
		e->enc = (uint8_t)(enc + 1);
		e->in_len = (uint8_t)n;
		memcpy(e->in, s, n);
		e->out_len = (uint8_t)(out->len - at);
		memcpy(e->out, out->p + at, e->out_len);
		e->loose = (uint8_t)loose;
	}
	return loose;
}

/* How TCVN3 writes a letter's case: a letter it has in both cases
 * (ASCII, đ, the toneless vowels), small or capital; a small toned vowel,
 * which it has in small only; or no letter at all. */
enum { T_NONE, T_SMALL, T_CAPITAL, T_TONED };

/* Bit k set: 'a' + k is a vowel. */
#define ASCII_VOWELS (1u << 0 | 1u << ('e' - 'a') | 1u << ('i' - 'a') | 1u << ('o' - 'a') | \
                      1u << ('u' - 'a') | 1u << ('y' - 'a'))

/* The case of `cp` as TCVN3 writes it, and in `*vowel` whether it is a
 * vowel letter. */
static int tcvn3_case(uint32_t cp, int *vowel)
{
	qdx_vletter v;

	*vowel = 0;
	if (cp < 0x80) {
		if ((cp | 0x20) < 'a' || (cp | 0x20) > 'z')
			return T_NONE;
		*vowel = ASCII_VOWELS >> ((cp | 0x20) - 'a') & 1;
		return cp < 'a' ? T_CAPITAL : T_SMALL;
	}
	if (qdx_legacy_letter(cp, &v)) {
		*vowel = 1;
		return v.upper ? T_CAPITAL : v.tone ? T_TONED : T_SMALL;
	}
	if (cp == 0x0110)
		return T_CAPITAL;
	return cp == 0x0111 ? T_SMALL : T_NONE;
}

/* Small and capital Vietnamese letters have UTF-8 forms of one length
 * whose last bytes differ by the code points' difference (0x20 in Latin-1,
 * 1 elsewhere, small letters being the odd ones): the capital is written
 * over the small letter in place. */
static void upper_in_place(char *p, size_t len, uint32_t cp)
{
	p[len - 1] = (char)((unsigned char)p[len - 1] - (cp - qdx_legacy_upper(cp)));
}

/* A run of letters as tcvn3_capitals() sees it. */
typedef struct capword {
	size_t start, end;
	int eligible;   /* small toned vowels, and capitals for every other letter */
	int later;      /* a capital after the first letter */
	int strong;     /* a word in capitals: later, and a vowel ("UBND", not "QĐ") */
} capword;

static void capword_scan(capword *w, const char *s, size_t n, size_t from)
{
	const unsigned char *u = (const unsigned char *)s;
	int caps = 0, smalls = 0, toned = 0, vowel = 0, isv, c;
	size_t i = from, k;
	uint32_t cp;

	memset(w, 0, sizeof(*w));
	/* Skip what is not a letter, then take the letters. */
	while (i < n && (!(k = utf8_at(u + i, n - i, &cp)) || tcvn3_case(cp, &isv) == T_NONE))
		i += k ? k : 1;
	w->start = i;
	for (; i < n && (k = utf8_at(u + i, n - i, &cp)) && (c = tcvn3_case(cp, &isv)); i += k) {
		caps += c == T_CAPITAL;
		smalls += c == T_SMALL;
		toned += c == T_TONED;
		vowel |= isv;
		if (c == T_CAPITAL && i > w->start)
			w->later = 1;
	}
	w->end = i;
	w->eligible = toned && caps && !smalls;
	w->strong = w->later && !smalls && vowel;
}

static void capword_raise(char *s, const capword *w)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t j = w->start;

	while (j < w->end) {
		uint32_t cp;
		size_t k = utf8_at(u + j, w->end - j, &cp);
		int isv;

		if (tcvn3_case(cp, &isv) == T_TONED)
			upper_in_place(s + j, k, cp);
		j += k;
	}
}

/* TCVN3 has no codes for capitals with a tone (Ầ, Ộ, Ế...), so "NỘI DUNG"
 * typed in capitals arrives as "NộI DUNG".  Small toned vowels are taken
 * for capitals in a word whose other letters are all capitals, when one of
 * those follows its first letter ("NộI", not "Lộc") or a word next to it is
 * in capitals too ("Bé TµI" is "BỘ TÀI"; but "Số: 144/QĐ", "Số TT" stay).
 * Headings set in the .VnTimeH font are in small codes throughout and stay
 * small: nothing tells them from text. */
static void tcvn3_capitals(char *s, size_t n)
{
	capword prev = { 0, 0, 0, 0, 0 }, cur, next;

	capword_scan(&cur, s, n, 0);
	while (cur.start < n) {
		capword_scan(&next, s, n, cur.end);
		if (cur.eligible && (cur.later || prev.strong || next.strong))
			capword_raise(s, &cur);
		prev = cur;
		cur = next;
	}
}

/* Appends one line of legacy bytes, word by word when a word may be the
 * sibling encoding's (legacy_word()); blanks compose with nothing, so the
 * lines of the other encodings are read whole. */
static int legacy_line(dec *d, qdx_buf *out, qdx_legacy_enc enc, const unsigned char *s, size_t n)
{
	size_t i = 0, from = out->len;
	qdx_legacy_enc other;
	int loose = 0;

	if (!other_legacy(enc, &other))
		return compose_bytes(out, enc, s, n);
	while (i < n) {
		size_t j = i;

		if (is_blank(s[i])) {
			while (j < n && is_blank(s[j]))
				j++;
			qdx_buf_put(out, s + i, j - i);
		} else {
			while (j < n && !is_blank(s[j]))
				j++;
			loose |= legacy_word(d, out, enc, s + i, j - i);
		}
		i = j;
	}
	if (enc == QDX_LEGACY_TCVN3)
		tcvn3_capitals(out->p + from, out->len - from);
	return loose;
}

/* ---- lines --------------------------------------------------------------- */

/* Walks the lines of a buffer: LF, CRLF and a lone CR each end one.  The
 * next CR and LF are remembered, so a file of lone CRs is not rescanned
 * to its end for every line. */
typedef struct lines {
	const unsigned char *s;
	size_t n, pos;
	const unsigned char *cr, *lf;   /* the next CR / LF from pos, or NULL */
} lines;

static void lines_init(lines *it, const unsigned char *s, size_t n)
{
	it->s = s;
	it->n = n;
	it->pos = 0;
	it->cr = memchr(s, '\r', n);
	it->lf = memchr(s, '\n', n);
}

static int lines_next(lines *it, size_t *start, size_t *len, int *eol)
{
	const unsigned char *p = it->s + it->pos, *end = it->s + it->n, *stop;

	if (it->pos >= it->n)
		return 0;
	if (it->cr && it->cr < p)
		it->cr = memchr(p, '\r', (size_t)(end - p));
	if (it->lf && it->lf < p)
		it->lf = memchr(p, '\n', (size_t)(end - p));
	stop = it->lf;
	if (it->cr && (!stop || it->cr < stop))
		stop = it->cr;
	*start = it->pos;
	*eol = stop != NULL;
	if (!stop)
		stop = end;
	*len = (size_t)(stop - p);
	it->pos = (size_t)(stop - it->s) + (stop < end);
	if (stop < end && *stop == '\r' && it->pos < it->n && it->s[it->pos] == '\n')
		it->pos++;
	return 1;
}

static void legacy_text(dec *d, qdx_legacy_enc enc, const unsigned char *s, size_t n)
{
	size_t from = d->out->len, start, len;
	int eol, loose = 0;
	lines it;

	qdx_buf_reserve(d->out, n + n / 2);
	lines_init(&it, s, n);
	while (lines_next(&it, &start, &len, &eol)) {
		loose |= legacy_line(d, d->out, enc, s + start, len);
		if (eol)
			qdx_buf_putc(d->out, '\n');
	}
	if (loose)
		nfc_tail(d->out, from);
}

/* ---- mojibake ------------------------------------------------------------ */


#ifdef __SSE2__
/* How far line_flags() gets through s[0..n) sixteen bytes at a time,
 * adding to *f the flags of the characters it passes: ASCII and the forms
 * of short_len[], whose continuation bytes are checked all at once
 * against where their leads want them.  A character that runs past the
 * block starts the next one.  It stops at a block that holds another
 * byte or a broken form, which the byte-wise loop then reads. */
static size_t flags16(const unsigned char *s, size_t n, unsigned *f)
{
	size_t i = 0;

	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		/* as signed bytes: 80..BF < -64, C2..DF in [-62, -33], E1..EF in
		 * [-31, -17] */
		unsigned hi = (unsigned)_mm_movemask_epi8(v), cont, lead2, lead3, cut = 16, low, m;

		if (!hi) {
			i += 16;
			continue;
		}
		cont = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(-64)));
		lead2 = (unsigned)_mm_movemask_epi8(
			_mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(-63)), _mm_cmplt_epi8(v, _mm_set1_epi8(-32))));
		lead3 = (unsigned)_mm_movemask_epi8(
			_mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xED)),
			                 _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(-32)),
			                               _mm_cmplt_epi8(v, _mm_set1_epi8(-16)))));
		if (hi & ~(cont | lead2 | lead3))
			break;
		if ((m = (lead2 & 0x8000) | (lead3 & 0xC000)) != 0)
			cut = (unsigned)__builtin_ctz(m);
		low = (1u << cut) - 1;
		lead2 &= low;
		lead3 &= low;
		if ((lead2 << 1 | lead3 << 1 | lead3 << 2) != (cont & low))
			break;
		m = lead2 | lead3;
		if (*f & F_VIET)   /* then only Latin-1 can say more */
			m &= (unsigned)_mm_movemask_epi8(_mm_or_si128(
				_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC2)), _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC3))));
		for (; m; m &= m - 1) {
			const unsigned char *c = s + i + __builtin_ctz(m);
			*f |= pair_flag[lead_class[c[0]]][c[1] & 0x3F];
		}
		i += cut;
	}
	return i;
}
#endif

/* What the characters of line s[0..n) say about mojibake (see
 * pair_flags_of(); flags_suspect() reads them), and the length of the
 * line's valid UTF-8 prefix, n when it is all valid.  A file is checked
 * to be UTF-8 and judged in this one walk over its characters, which
 * reads every byte of every UTF-8 document once; a line ends at an ASCII
 * byte, so the lines are valid when the whole is. */
static size_t line_flags(const unsigned char *s, size_t n, int *flags)
{
	unsigned f = 0;
	size_t i = 0;

#ifdef __SSE2__
	i = flags16(s, n, &f);
#endif
	while ((i = qdx_skip_ascii(s, n, i)) < n) {
		uint32_t cp;
		size_t k = short_len[s[i]];

		if (!k || n - i < k || (s[i + 1] & 0xC0) != 0x80 || (k == 3 && (s[i + 2] & 0xC0) != 0x80))
			k = qdx_utf8_decode(s + i, n - i, &cp);
		if (!k)
			break;
		f |= pair_flag[lead_class[s[i]]][s[i + 1] & 0x3F];
		i += k;
	}
	*flags = (int)f;
	return i;
}

static int flags_suspect(int f)
{
	return (f & F_LATIN) && (!(f & F_VIET) || (f & F_ALIEN));
}

/* The windows-1252 byte that decodes to `cp`, or -1.  C1 controls count:
 * a converter that took the bytes for Latin-1 leaves them. */
static int cp1252_byte(uint32_t cp)
{
	unsigned b;

	if (cp <= 0xFF)
		return (int)cp;
	for (b = 0x80; b < 0xA0; b++)
		if (qdx_legacy_map(QDX_LEGACY_CP1252, (unsigned char)b) == cp)
			return (int)b;
	return -1;
}

enum { K_TCVN3, K_VNI, K_COUNT };
static const qdx_legacy_enc repair_enc[K_COUNT] = { QDX_LEGACY_TCVN3, QDX_LEGACY_VNI };
static const char *const repair_name[K_COUNT] = { "tcvn3", "vni" };

/* Turns a word of UTF-8 back into the windows-1252 bytes it was decoded
 * from; 0 when it holds a character windows-1252 cannot produce.  With
 * `same`, same[k] says whether the bytes read as repair_enc[k] are the
 * word again. */
static int to_cp1252(qdx_buf *b, const char *s, size_t n, int *same)
{
	const bytecode *t = bytecodes[repair_enc[K_TCVN3]], *v = bytecodes[repair_enc[K_VNI]];
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int all_t = 1, all_v = 1;

	buf_truncate(b, 0);
	qdx_buf_reserve(b, n);   /* a character, one byte at least, makes one */
	while (i < n) {
		uint32_t cp;
		size_t k = utf8_at(u + i, n - i, &cp);
		int byte = k ? cp1252_byte(cp) : -1;

		if (byte < 0)
			break;
		if (same) {
			all_t &= t[byte].len && t[byte].g[0].cp == cp;
			all_v &= v[byte].len && v[byte].g[0].cp == cp;
		}
		b->p[b->len++] = (char)byte;
		i += k;
	}
	buf_truncate(b, b->len);
	if (same) {
		same[K_TCVN3] = all_t;
		same[K_VNI] = all_v;
	}
	return i == n;
}

/* Appends line `s` read back as the bytes windows-1252 made of it and
 * decoded as `enc`.  Words holding a character windows-1252 cannot have
 * produced (a name typed later in Unicode) are kept as they are. */
static int repair_line(dec *d, qdx_buf *out, qdx_legacy_enc enc, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, from = out->len;
	int loose = 0;

	while (i < n) {
		size_t j = i;

		if (is_blank(u[i])) {
			while (j < n && is_blank(u[j]))
				j++;
			qdx_buf_put(out, s + i, j - i);
		} else {
			while (j < n && !is_blank(u[j]))
				j++;
			if (to_cp1252(&d->bytes, s + i, j - i, NULL))
				loose |= legacy_word(d, out, enc, (const unsigned char *)d->bytes.p,
				                     d->bytes.len);
			else
				qdx_buf_put(out, s + i, j - i);
		}
		i = j;
	}
	if (enc == QDX_LEGACY_TCVN3)
		tcvn3_capitals(out->p + from, out->len - from);
	return loose;
}

/* How line `s` fares read back as repair_line() reads it, each word as
 * TCVN3 and as VNI alone (see legacy_word()): the scores in judge[k], word
 * by word from the bytes (score_bytes()), and in changed[k] whether the
 * reading changes the line at all.  A word is turned back into bytes once
 * for both.  Nothing is written: a word changes when a byte of it reads
 * as another character, and the capitals of tcvn3_capitals() change no
 * word's class, only, maybe, a line no reading changed. */
static void read_back(dec *d, const char *s, size_t n, score *judge, int *changed)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int same[K_COUNT] = { 1, 1 }, word_same[K_COUNT], k;
	score sc;

	memset(judge, 0, K_COUNT * sizeof(*judge));
	while (i < n) {
		size_t j = i;

		if (is_blank(u[i])) {
			i++;
			continue;
		}
		while (j < n && !is_blank(u[j]))
			j++;
		if (to_cp1252(&d->bytes, s + i, j - i, word_same)) {
			for (k = 0; k < K_COUNT; k++) {
				score_bytes(d->words, &sc, repair_enc[k], (const unsigned char *)d->bytes.p,
				            d->bytes.len);
				score_sum(&judge[k], &sc);
				same[k] &= word_same[k];
			}
		} else {
			score_text(d->words, &sc, s + i, j - i);
			for (k = 0; k < K_COUNT; k++)
				score_sum(&judge[k], &sc);
		}
		i = j;
	}
	if (same[K_TCVN3]) {
		buf_truncate(&d->line, 0);
		qdx_buf_put(&d->line, s, n);
		tcvn3_capitals(d->line.p, n);
		same[K_TCVN3] = !memcmp(d->line.p, s, n);
	}
	for (k = 0; k < K_COUNT; k++)
		changed[k] = !same[k];
}

/* A suspicious line, and how its TCVN3 and VNI readings fare. */
enum { V_NONE, V_AMBIGUOUS, V_CLEAR };
typedef struct verdict {
	size_t start, len;
	int deferred;             /* not read back yet: see judge_text() */
	int value[K_COUNT];       /* the readings' scores */
	uint8_t state[K_COUNT];   /* V_* */
} verdict;

/* Reads line `s` back as TCVN3 and as VNI and compares each reading with
 * the line as it is (`as_is`).  "Clear" needs the reading to win by more
 * than one syllable and to remove bad words; an "ambiguous" reading is
 * merely as good and has no bad word, like "Sè:" ("Số:" in TCVN3) or an
 * item label "®)" ("đ)"), and is only taken when the rest of the file shows
 * it is mojibake of that kind.  Returns 1 when one of them is either. */
static int judge_line(dec *d, const char *s, size_t n, const score *as_is, verdict *v)
{
	int k, any = 0, changed[K_COUNT];
	score sc[K_COUNT];

	v->deferred = 0;
	read_back(d, s, n, sc, changed);
	for (k = 0; k < K_COUNT; k++) {
		v->state[k] = V_NONE;
		v->value[k] = INT_MIN;
		if (!changed[k])
			continue;
		v->value[k] = sc[k].value;
		if (sc[k].value >= as_is->value + 3 && bad_words(&sc[k]) < bad_words(as_is))
			v->state[k] = V_CLEAR;
		else if (sc[k].value >= as_is->value && !bad_words(&sc[k]))
			v->state[k] = V_AMBIGUOUS;
		any |= v->state[k] != V_NONE;
	}
	return any;
}

/* The reading a line is repaired with, or -1.  In a file of known kind,
 * that kind whenever its reading is at least ambiguous: short words read
 * well both ways ("Löu" is "Lưu" in VNI and "Lửu" in TCVN3, "ñ)" is "đ)" and
 * "ủ)"); the other kind only when clear, for a line pasted from elsewhere.
 * Otherwise the better clear reading. */
static int verdict_kind(const verdict *v, int doc_kind)
{
	int k = v->value[K_VNI] > v->value[K_TCVN3] ? K_VNI : K_TCVN3;

	if (v->deferred)
		return -1;
	if (doc_kind >= 0 && v->state[doc_kind] != V_NONE)
		return doc_kind;
	return v->state[k] == V_CLEAR ? k : -1;
}

/* Pass one of text_lines(): whether s[0..n) is valid UTF-8 and, when it
 * is, the suspicious lines and their verdicts, in d->judged.  A line of Vietnamese-looking words and
 * no alien character can at best be ambiguous, so reading it back waits
 * until the file is known to hold mojibake: in real Vietnamese text such
 * lines ("thành", "Các", "liên quan") are the only ones that pass the byte
 * test, and they then cost one scoring each.  Sets `*doc_kind` to the
 * file's kind of mojibake once two lines or more show it clearly. */
static int judge_text(dec *d, const unsigned char *s, size_t n)
{
	verdict *v = NULL, one;
	size_t nv = 0, cap = 0, i, start, len;
	int clear[K_COUNT] = { 0, 0 }, eol, f, k, *doc_kind = &d->doc_kind;
	score as_is;
	lines it;

	lines_init(&it, s, n);
	while (lines_next(&it, &start, &len, &eol)) {
		if (line_flags(s + start, len, &f) != len) {
			free(v);
			return 0;
		}
		if (!flags_suspect(f))
			continue;
		score_text(d->words, &as_is, (const char *)s + start, len);
		if (!(f & F_ALIEN) && !bad_words(&as_is))
			one.deferred = 1;
		else if (!judge_line(d, (const char *)s + start, len, &as_is, &one))
			continue;
		one.start = start;
		one.len = len;
		for (k = 0; k < K_COUNT && !one.deferred; k++)
			clear[k] += one.state[k] == V_CLEAR && one.value[k] > one.value[!k];
		if (nv == cap) {
			cap = cap ? 2 * cap : 64;
			v = qdx_xrealloc(v, cap * sizeof(*v));
		}
		v[nv++] = one;
	}
	*doc_kind = -1;
	for (k = 0; k < K_COUNT; k++)
		if (clear[k] >= 2 && clear[k] > 2 * clear[!k])
			*doc_kind = k;
	for (i = 0; i < nv && *doc_kind >= 0; i++) {
		if (!v[i].deferred)
			continue;
		score_text(d->words, &as_is, (const char *)s + v[i].start, v[i].len);
		judge_line(d, (const char *)s + v[i].start, v[i].len, &as_is, &v[i]);
	}
	d->judged = v;
	d->njudged = nv;
	return 1;
}

/* Valid UTF-8 that judge_text() has judged -> output: line terminators
 * to '\n', mojibake repaired. */
static void text_lines(dec *d, const unsigned char *s, size_t n)
{
	verdict *v = d->judged;
	size_t nv = d->njudged, iv = 0, i, start, len, repaired[K_COUNT] = { 0, 0 };
	int doc_kind = d->doc_kind, eol, k;
	lines it;

	d->judged = NULL;
	d->njudged = 0;
	for (i = 0; i < nv; i++)
		if ((k = verdict_kind(&v[i], doc_kind)) >= 0)
			repaired[k]++;
	if (!repaired[K_TCVN3] && !repaired[K_VNI] && !memchr(s, '\r', n)) {
		qdx_buf_put(d->out, s, n);   /* the fast path: clean UTF-8 */
		free(v);
		return;
	}
	qdx_buf_reserve(d->out, n + n / 8);
	lines_init(&it, s, n);
	while (lines_next(&it, &start, &len, &eol)) {
		k = iv < nv && v[iv].start == start ? verdict_kind(&v[iv++], doc_kind) : -1;
		if (k >= 0) {
			size_t from = d->out->len;
			if (repair_line(d, d->out, repair_enc[k], (const char *)s + start, len))
				nfc_tail(d->out, from);
		} else {
			qdx_buf_put(d->out, s + start, len);
		}
		if (eol)
			qdx_buf_putc(d->out, '\n');
	}
	free(v);
	d->info->repaired_lines = repaired[K_TCVN3] + repaired[K_VNI];
	if (d->info->repaired_lines)
		d->info->repaired_from = repair_name[repaired[K_VNI] > repaired[K_TCVN3]];
}

/* ---- invalid input ------------------------------------------------------- */

/* Line and column (in characters) of the end of the text decoded so far:
 * where the invalid unit that stops a strict decode sits. */
static void position(const qdx_buf *b, unsigned *line, unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->p[i];

		if (c == '\n' || (c == '\r' && !(i + 1 < b->len && b->p[i + 1] == '\n'))) {
			++*line;
			*col = 1;
		} else if (c != '\r' && (c & 0xC0) != 0x80) {
			++*col;
		}
	}
}

/* Counts an invalid unit at input offset `off`; 1 when strict mode makes
 * it an error, which the caller then reports. */
static int note_invalid(dec *d, size_t off)
{
	qdx_decode_info *info = d->info;

	if (info->invalid < QDX_COUNT(info->invalid_offsets))
		info->invalid_offsets[info->invalid] = off;
	info->invalid++;
	return d->strict;
}

/* Copies UTF-8 into d->work with each invalid byte replaced by U+FFFD.
 * `base` is the offset of s in the input (after a BOM). */
static int utf8_sanitize(dec *d, const unsigned char *s, size_t n, size_t base)
{
	size_t i = 0;

	qdx_buf_reserve(&d->work, n + n / 8);
	while (i < n) {
		size_t ok = qdx_utf8_valid_prefix(s + i, n - i);

		qdx_buf_put(&d->work, s + i, ok);
		i += ok;
		if (i == n)
			break;
		if (note_invalid(d, base + i)) {
			unsigned line, col;
			position(&d->work, &line, &col);
			return qdx_error_set(d->err, QDX_EINPUT, "", line, col,
			                     "invalid UTF-8 byte 0x%02X at offset %zu", s[i], base + i);
		}
		qdx_buf_put_utf8(&d->work, 0xFFFD);
		i++;
	}
	return 0;
}

static int utf8_text(dec *d, const unsigned char *s, size_t n, size_t base)
{
	int rc;

	if (d->valid < 0)
		d->valid = judge_text(d, s, n);
	if (d->valid) {
		text_lines(d, s, n);
		return 0;
	}
	rc = utf8_sanitize(d, s, n, base);
	if (!rc) {
		judge_text(d, (const unsigned char *)d->work.p, d->work.len);
		text_lines(d, (const unsigned char *)d->work.p, d->work.len);
	}
	return rc;
}

static uint32_t unit16(const unsigned char *s, int be)
{
	return be ? (uint32_t)s[0] << 8 | s[1] : (uint32_t)s[1] << 8 | s[0];
}

/* UTF-16 -> d->work as UTF-8; an unpaired surrogate or an odd last byte
 * becomes U+FFFD. */
static int utf16_text(dec *d, const unsigned char *s, size_t n, int be, size_t base)
{
	size_t i = 0;

	qdx_buf_reserve(&d->work, n + n / 2);
	while (i < n) {
		size_t at = i;
		uint32_t u = i + 1 < n ? unit16(s + i, be) : s[i];

		i += 2;
		if (at + 1 < n && (u < 0xD800 || u > 0xDFFF)) {
			qdx_buf_put_utf8(&d->work, u);
			continue;
		}
		if (at + 1 < n && u < 0xDC00 && i + 1 < n) {
			uint32_t lo = unit16(s + i, be);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				qdx_buf_put_utf8(&d->work, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
				i += 2;
				continue;
			}
		}
		if (note_invalid(d, base + at)) {
			unsigned line, col;
			position(&d->work, &line, &col);
			return qdx_error_set(d->err, QDX_EINPUT, "", line, col,
			                     "invalid UTF-16 code unit 0x%04X at offset %zu", u,
			                     base + at);
		}
		qdx_buf_put_utf8(&d->work, 0xFFFD);
	}
	judge_text(d, (const unsigned char *)d->work.p, d->work.len);
	text_lines(d, (const unsigned char *)d->work.p, d->work.len);
	return 0;
}

/* ---- detection ----------------------------------------------------------- */

/* The encoding a BOM announces, its length in `*len`; -1 for none. */
static int bom_of(const unsigned char *s, size_t n, size_t *len)
{
	if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
		*len = 3;
		return E_UTF8;
	}
	*len = 2;
	if (n >= 2 && s[0] == 0xFF && s[1] == 0xFE)
		return E_UTF16LE;
	if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF)
		return E_UTF16BE;
	*len = 0;
	return -1;
}

/* UTF-16 without a BOM: text is mostly ASCII, so one byte of most pairs is
 * NUL, and always the same one. */
static int sniff_utf16(const unsigned char *s, size_t n)
{
	size_t m = (n < 4096 ? n : 4096) & ~(size_t)1, i, zeven = 0, zodd = 0;

	if (m < 4 || !memchr(s, 0, m))
		return -1;
	for (i = 0; i < m; i += 2) {
		zeven += !s[i];
		zodd += !s[i + 1];
	}
	if (zodd * 4 >= m / 2 && zeven * 16 <= zodd)
		return E_UTF16LE;
	if (zeven * 4 >= m / 2 && zodd * 16 <= zeven)
		return E_UTF16BE;
	return -1;
}

/* Invalid bytes in s, and valid multi-byte characters in `*multi`. */
static size_t utf8_survey(const unsigned char *s, size_t n, size_t *multi)
{
	size_t i = 0, bad = 0;

	*multi = 0;
	while (i < n) {
		size_t ok = qdx_utf8_valid_prefix(s + i, n - i), j;

		for (j = i; j < i + ok; j++)
			*multi += s[j] >= 0xC2;
		i += ok;
		if (i < n) {
			bad++;
			i++;
		}
	}
	return bad;
}

/* A sample is enough to tell the legacy encodings apart. */
#define SAMPLE (64 * 1024)

/* The share of scored words that read as Vietnamese, discounted when the
 * runner-up comes close: a lead of a few points (a word or two) counts
 * for little, a lead of dozens for nearly all.  50 when nothing reads as
 * Vietnamese and windows-1252 won by default. */
static int confidence_of(const score *best, int second)
{
	int words = best->good + best->odd + best->foreign;
	double lead = (double)best->value - second;

	if (!words || best->value <= 0)
		return 50;
	return (int)(100.0 * best->good / words * (0.5 + 0.5 * lead / (lead + 4)) + 0.5);
}

/* Decodes s[0..m) with each 8-bit encoding and keeps the most Vietnamese;
 * the runner-up's score in `*second`.  windows-1252 comes first so that it
 * wins ties: with no Vietnamese in the text it is the honest answer. */
static int vote_legacy(dec *d, const unsigned char *s, size_t m, score *best, int *second)
{
	static const int candidates[] = { E_CP1252, E_TCVN3, E_VNI, E_VISCII, E_CP1258 };
	int won = E_CP1252;
	score all[QDX_LEGACY_COUNT];
	size_t i;

	score_legacy(d->words, all, s, m);
	best->value = *second = INT_MIN;
	for (i = 0; i < QDX_COUNT(candidates); i++) {
		score sc = all[encodings[candidates[i]].legacy];

		if (sc.value > best->value) {
			*second = best->value;
			*best = sc;
			won = candidates[i];
		} else if (sc.value > *second) {
			*second = sc.value;
		}
	}
	return won;
}

/* A sample tells the 8-bit encodings apart, unless it holds only the
 * bytes two of them share (VISCII keeps Latin-1's à á â ã è é ê ì í ò ó
 * ô õ ù ú ý): then the whole text votes. */
static int detect_legacy(dec *d, const unsigned char *s, size_t n)
{
	score best;
	int second, won = vote_legacy(d, s, n < SAMPLE ? n : SAMPLE, &best, &second);

	if (best.value == second && n > SAMPLE)
		won = vote_legacy(d, s, n, &best, &second);
	d->info->confidence = confidence_of(&best, second);
	/* The least bad of readings that are all bad is no evidence. */
	return best.value > 0 && best.good ? won : E_CP1252;
}

/* Which encoding to read `s` with; sets the BOM length to skip. */
static int detect(dec *d, const unsigned char *s, size_t n, int forced, size_t *skip)
{
	size_t multi, bad;
	int e = bom_of(s, n, skip);

	d->info->confidence = 100;
	if (e >= 0 && (forced < 0 || forced == e || (is_utf16(forced) && is_utf16(e)))) {
		d->info->bom = 1;
		return e;
	}
	*skip = 0;
	if (forced >= 0)
		return forced;
	e = sniff_utf16(s, n);
	if (e >= 0) {
		d->info->confidence = 90;   /* a guess from NULs, not a BOM */
		return e;
	}
	d->valid = judge_text(d, s, n);
	if (d->valid)
		return E_UTF8;
	/* A few bad bytes in a UTF-8 file are damage; 8-bit text is all bad
	 * bytes, its lead bytes seldom followed by continuation bytes. */
	bad = utf8_survey(s, n, &multi);
	if (multi >= 4 * bad) {
		d->info->confidence = (int)(100 * multi / (multi + bad));
		return E_UTF8;
	}
	return detect_legacy(d, s, n);
}

int qdx_decode(qdx_buf *out, qdx_decode_info *info, const unsigned char *in, size_t n,
               const char *forced, int strict, qdx_error *err)
{
	int forced_e = -1, e, rc = 0;
	size_t skip = 0;
	thread_words *tw;
	dec d;

	memset(info, 0, sizeof(*info));
	info->encoding = encodings[E_UTF8].name;
	if (forced && (forced_e = encoding_find(forced)) < 0)
		return qdx_error_set(err, QDX_EINPUT, "", 0, 0, "unknown encoding '%s'", forced);
	tables_init();
	memset(&d, 0, sizeof(d));
	d.out = out;
	d.info = info;
	d.strict = strict;
	d.err = err;
	d.valid = -1;
	qdx_buf_init(&d.work);
	qdx_buf_init(&d.line);
	qdx_buf_init(&d.bytes);
	tw = thread_words_get();
	d.words = &tw->words;
	d.outs = tw->outs;

	e = detect(&d, in, n, forced_e, &skip);
	info->encoding = encodings[e].name;
	if (e == E_UTF8)
		rc = utf8_text(&d, in + skip, n - skip, skip);
	else if (is_utf16(e))
		rc = utf16_text(&d, in + skip, n - skip, e == E_UTF16BE, skip);
	else
		legacy_text(&d, encodings[e].legacy, in, n);

	qdx_buf_free(&d.work);
	qdx_buf_free(&d.line);
	qdx_buf_free(&d.bytes);
	memo_trim(d.words);
	free(d.judged);
	return rc;
}
