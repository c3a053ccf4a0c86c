#!/bin/sh
# make fuzz: builds the libFuzzer target with clang (ASan + UBSan) and runs
# it on tests/fuzz/corpus seeded with corpus/.  FUZZ_SECONDS (default 600)
# bounds the run; new inputs are kept in tests/fuzz/corpus for the replay.
set -eu
cd "$(dirname "$0")/../.."
sh scripts/deps.sh --with-tools
out=build/fuzz
mkdir -p "$out" tests/fuzz/corpus
flags="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Isrc -DQDX_ARENA_MALLOC -DQDX_RULES_DIR=\"\" -DQDX_TOP=\"$(pwd)\" $(pkg-config --cflags icu-uc icu-i18n libpcre2-8 libxml-2.0 sqlite3 nettle)"
# shellcheck disable=SC2086
clang $flags -o "$out/fuzz_qdx" tests/fuzz/fuzz_qdx.c $(ls src/*.c | grep -v src/main.c) \
	$(pkg-config --libs icu-uc icu-i18n libpcre2-8 libxml-2.0 sqlite3 nettle) -lm -lpthread
mkdir -p "$out/seeds" "$out/work"
# Seeds: the corpus documents cut into pieces of at most 8 KB (a header, a
# table, a page break each fit), so that the fuzzer runs fast.
for f in corpus/*.txt corpus/*.htm; do
	split -b 8000 "$f" "$out/seeds/$(basename "$f")."
done
"$out/fuzz_qdx" -max_total_time="${FUZZ_SECONDS:-600}" -max_len=8192 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 "$out/work" "$out/seeds" tests/fuzz/corpus
# Keep a minimal set that covers what was found, for the replay in the tests.
"$out/fuzz_qdx" -merge=1 tests/fuzz/corpus "$out/work"
