/*
 * rules.h - the loaded form of rules/NAME.rules, shared by rules.c (loading,
 * matching) and ruletest.c (running the files' examples).
 */
#ifndef QDX_RULES_H
#define QDX_RULES_H

#include "internal.h"

typedef struct qdx_rule_kv {
	char *key, *value;
} qdx_rule_kv;

typedef struct qdx_rule_example {
	char *input, *expect;   /* expect: "key=value key=value", may be empty */
	unsigned line;
	int reject;             /* 1: the set must find nothing in input */
} qdx_rule_example;

/* Where each `pattern` line starts in the concatenated pattern. */
typedef struct qdx_rule_piece {
	size_t offset;
	unsigned line, column;
} qdx_rule_piece;

struct qdx_rule {
	char *name;
	unsigned line;
	const qdx_ruleset *set;
	qdx_buf pattern;
	qdx_rule_piece *pieces;
	size_t npieces;
	struct pcre2_real_code_8 *code;
	_Atomic int jitted;     /* code was offered to the JIT compiler (on first
	                           use): 1, and 2 when it took it */
	qdx_rule_kv *attrs;
	size_t nattrs;
	qdx_rule_example *examples;
	size_t nexamples;
};

/* A classify set's lanes hold at most this many rules. */
#define QDX_LANE_RULES 4

/* Of a classify set: the rules that can match a subject starting with
 * one of some bytes, when they are few. */
typedef struct qdx_lane {
	int n;                  /* -1: more than QDX_LANE_RULES */
	unsigned short rule[QDX_LANE_RULES];   /* indexes, in file order */
} qdx_lane;

struct qdx_ruleset {
	char *name, *path;
	int classify;           /* anchored at the subject's start */
	qdx_rule *v;
	size_t n;
	struct pcre2_real_code_8 *code;   /* all rules as one alternation */
	qdx_span *needs;        /* when every rule says what text it needs: all
	                           those texts (a subject with none cannot match),
	                           in the order of their first bytes */
	size_t nneeds;
	unsigned char need_at[256]; /* 1 + the first need starting with a byte */
	int jit;                /* code is JIT-compiled */
	unsigned char first[256]; /* the bytes a match can start with */
	qdx_lane *lanes;        /* classify: by a subject's first byte */
	size_t nlanes;
	unsigned char lane_of[256];
};

struct qdx_rules {
	qdx_ruleset *sets;
	size_t nsets;
	struct UTransliterator *tone;   /* rules/tone.translit, or NULL */
	unsigned long serial;           /* unique per load, never 0 */
};

/* The rule of the set that exceeds a match limit on this subject, to name
 * it in a diagnostic; NULL if none does alone. */
const qdx_rule *qdx_ruleset_blame(const qdx_ruleset *s, qdx_matcher *mt, const char *subj,
                                  size_t n, size_t from);

#endif
