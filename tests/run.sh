#!/bin/sh
# Runs every test against one build directory (build or build/san) and
# ends with "N passed, N failed".  UPDATE_GOLDEN=1 rewrites tests/golden/.
set -u
B=${1:-build}
Q=$B/qdx
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { name=$1; shift; if "$@" >"$tmp/out" 2>&1; then ok; else bad "$name"; sed 's/^/    /' "$tmp/out" | head -40; fi; }

# Unit tests (cmocka), each its own binary.
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	check "unit $(basename "$t")" "$t"
done

# The public header stands alone, strictly.
printf '#include "qdx.h"\n' >"$tmp/h.c"
check "qdx.h alone" cc -std=c11 -Wall -Wextra -pedantic -Werror -Iinclude -c "$tmp/h.c" -o "$tmp/h.o"

# Every rules file's own examples.
check "rules examples" "$Q" rules test

# Example files in cmark's style: tests/examples/*.txt.
for f in tests/examples/*.txt; do
	[ -e "$f" ] || continue
	check "examples $(basename "$f")" sh tests/examples.sh "$Q" "$f"
done

# Golden outputs: the whole JSON and XML of every corpus document.
for f in corpus/*.txt corpus/*.htm; do
	n=$(basename "${f%.*}")
	for fmt in json xml; do
		"$Q" parse --format $fmt "$f" >"$tmp/$n.$fmt" 2>"$tmp/err"
		if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
			cp "$tmp/$n.$fmt" "tests/golden/$n.$fmt"
		fi
		if cmp -s "$tmp/$n.$fmt" "tests/golden/$n.$fmt"; then
			ok
		else
			bad "golden $n.$fmt (regenerate on purpose with UPDATE_GOLDEN=1 and review the diff)"
			diff "tests/golden/$n.$fmt" "$tmp/$n.$fmt" 2>&1 | head -10 | sed 's/^/    /'
		fi
	done
done

# The score against the hand-checked gold.
check "score against tests/gold" sh tests/score.sh "$Q"

# The index holds what the JSON holds.
check "ingest matches the JSON" sh tests/index.sh "$Q"

# search, tasks, stats and compare on an index of corpus/.
check "index commands (search, tasks, stats, compare)" sh tests/commands.sh "$Q"

# Batch ingest: a kill and a re-run, twice the same, a changed file, stdin.
check "ingest as a batch" sh tests/ingest.sh "$Q"

# Bad inputs: messages and exit codes.
check "bad inputs" sh tests/bad.sh "$Q"

# valgrind over the whole corpus, every sink (the plain build only: the
# sanitizers already watch the other).  PCRE2's JIT code is opaque to it.
if [ "$B" = build ] && command -v valgrind >/dev/null; then
	vg() { QDX_NO_JIT=1 valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=9 "$@"; }
	check "valgrind parse json" vg "$Q" parse -j1 corpus
	check "valgrind parse xml" vg "$Q" parse -j1 --format xml --out "$tmp/vg" corpus
	check "valgrind ingest" vg "$Q" ingest -j2 --db "$tmp/vg.db" corpus
fi

# The fuzz target's saved corpus, replayed under this build.
if [ -x "$B/tests/fuzz_replay" ]; then
	check "fuzz replay" "$B/tests/fuzz_replay" tests/fuzz/corpus corpus
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
