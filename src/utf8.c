/*
 * utf8.c - UTF-8 decoding helpers shared by the stages.
 */
#include "internal.h"

size_t qdx_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (!n)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}


size_t qdx_utf8_valid_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while ((i = qdx_skip_ascii(s, n, i)) < n) {
		uint32_t cp;
		size_t k;

		/* The two- and three-byte forms of Vietnamese letters, inline:
		 * C2..DF 80..BF, and E1..EC / EE..EF 80..BF 80..BF (E0 and ED
		 * have narrower second bytes and take the general path). */
		if (s[i] >= 0xC2 && s[i] <= 0xDF && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
			i += 2;
			continue;
		}
		if (s[i] >= 0xE1 && s[i] <= 0xEF && s[i] != 0xED && i + 2 < n &&
		    (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
			i += 3;
			continue;
		}
		k = qdx_utf8_decode(s + i, n - i, &cp);
		if (!k)
			return i;
		i += k;
	}
	return n;
}

int qdx_is_lower(uint32_t cp)
{
	/* ASCII, Latin-1, đ ĩ ũ ơ ư ă, and the U+1EA0 block where upper and
	 * lower case alternate (even upper, odd lower). */
	return (cp >= 'a' && cp <= 'z') || (cp >= 0xDF && cp <= 0xFF && cp != 0xF7) ||
	       cp == 0x111 || cp == 0x129 || cp == 0x169 || cp == 0x1A1 || cp == 0x1B0 ||
	       cp == 0x103 || (cp >= 0x1EA0 && cp <= 0x1EF9 && (cp & 1));
}

int qdx_starts_lower(const char *s, size_t n)
{
	uint32_t cp;

	return qdx_utf8_decode((const unsigned char *)s, n, &cp) && qdx_is_lower(cp);
}

int qdx_upper_only(const char *s, size_t n)
{
	size_t i = 0;
	int letters = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t k;

		/* Every line is asked, and most answer at their second letter,
		 * an ASCII one as often as not: those are read here. */
		if (c < 0x80) {
			if (c >= 'a' && c <= 'z')
				return 0;
			letters += c >= 'A' && c <= 'Z';
			i++;
			continue;
		}
		k = qdx_utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (!k)
			return 0;
		if (qdx_is_lower(cp))
			return 0;
		if ((cp >= 'A' && cp <= 'Z') || cp >= 0xC0)
			letters++;
		i += k;
	}
	return letters >= 2;
}

int qdx_ends_sentence(const char *s, size_t n)
{
	for (;;) {
		while (n && (s[n - 1] == ' ' || s[n - 1] == '"' || s[n - 1] == ')' || s[n - 1] == '*'))
			n--;
		if (n >= 3 && !memcmp(s + n - 3, "\xE2\x80\x9D", 3))   /* a closing quote */
			n -= 3;
		else
			break;
	}
	return n && strchr(".:;!?", s[n - 1]);
}
