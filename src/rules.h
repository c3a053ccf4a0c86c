/*
 * rules.h - the loaded form of rules/NAME.rules, shared by rules.c (loading,
 * matching) and ruletest.c (running the files' examples).
 */
#ifndef QDX_RULES_H
#define QDX_RULES_H

#include "internal.h"
#include "hierarchy.h"

typedef struct qdx_rule_kv {
	char *key, *value;
} qdx_rule_kv;

typedef struct qdx_rule_example {
	char *input, *expect;   /* expect: "key=value key=value", may be empty */
	unsigned line;
	int reject;             /* 1: the set must find nothing in input */
} qdx_rule_example;

/* `needs TEXT|TEXT`: texts of which a subject must hold one for a match
 * to be possible, sorted by their first bytes.  A rule may have several
 * `needs` lines: a subject must satisfy each. */
typedef struct qdx_needs {
	qdx_span *v;
	size_t n;
	unsigned char at[256];  /* 1 + the first text starting with a byte */
} qdx_needs;

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
	qdx_needs *needs;       /* one per `needs` line, in file order */
	size_t nneeds;
	const uint8_t *names;   /* its code's name table: PCRE2's entries */
	uint32_t nnames, name_size;
	uint32_t group0;        /* groups of the rules before it in the set's
	                           combined pattern */
	int combined;           /* 1: in the set's combined pattern (all of a
	                           search set's rules; a classify set's that a
	                           lane may leave to it) */
	unsigned char *starts;  /* of a rule anchored where it is tried: the
	                           bytes its match can start with; NULL when
	                           it can start with any */
};

/* A classify set runs at most this many rules one by one; a lane holds
 * at most QDX_LANE_SLOTS, those with `needs` included. */
#define QDX_LANE_RULES 4
#define QDX_LANE_SLOTS 8

/* Of a classify set: the rules that can match a subject starting with
 * one of some bytes, when they are few. */
typedef struct qdx_lane {
	int n;                  /* -1: more than QDX_LANE_RULES without needs,
	                           or than QDX_LANE_SLOTS in all */
	int needy;              /* how many of them have needs */
	unsigned short rule[QDX_LANE_SLOTS];   /* indexes, in file order */
} qdx_lane;

struct qdx_ruleset {
	char *name, *path;
	int classify;           /* anchored at the subject's start */
	qdx_rule *v;
	size_t n;
	struct pcre2_real_code_8 *code;   /* the rules `combined` as one
	                                     alternation; NULL: none is */
	qdx_needs needs;        /* when every rule says what text it needs: all
	                           those texts (a subject with none cannot match) */
	_Atomic int jitted;     /* as a rule's */
	unsigned char first[256]; /* the bytes a match can start with */
	qdx_lane *lanes;        /* classify: by a subject's first byte */
	size_t empty;           /* classify: 1 + the first rule that matches an
	                           empty subject; 0: none does */
	size_t nlanes;
	unsigned char lane_of[256];
};

struct qdx_rules {
	qdx_ruleset *sets;      /* sorted by file name */
	size_t nsets;
	size_t by_first[256];          /* 1 + the first set whose name starts
	                                  with a byte; 0: none does */
	struct UTransliterator *tone;   /* rules/tone.translit, or NULL */
	unsigned long serial;           /* unique per load, never 0 */
};

/* Does s[from..n) hold, for each `needs` line of rule r, one of its
 * texts?  The rules' self-test holds each example to it. */
int qdx_rule_could_match(const qdx_rule *r, const char *s, size_t n, size_t from);

/* The rule of the set that exceeds a match limit on this subject, to name
 * it in a diagnostic; NULL if none does alone. */
const qdx_rule *qdx_ruleset_blame(const qdx_ruleset *s, qdx_matcher *mt, const char *subj,
                                  size_t n, size_t from);

#endif
