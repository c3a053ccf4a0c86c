#!/bin/sh
# The threads of parse and ingest under ThreadSanitizer (QDX built with
# SAN=thread): three threads, two parsers and the consumer that parses too,
# over every corpus document three times (legacy encodings, the Word page),
# report no race and print and store what one thread does.
set -u
Q=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "threads: $*"; exit 1; }
TSAN_OPTIONS="halt_on_error=1 exitcode=66"
export TSAN_OPTIONS

mkdir "$tmp/docs"
for i in 1 2 3; do
	for f in corpus/*.txt corpus/*.htm; do cp "$f" "$tmp/docs/$i-$(basename "$f")"; done
done

"$Q" parse -j3 "$tmp/docs" >"$tmp/j3.json" 2>"$tmp/err" || fail "parse -j3: $(head -40 "$tmp/err")"
"$Q" parse -j1 "$tmp/docs" >"$tmp/j1.json" 2>"$tmp/err" || fail "parse -j1: $(head -40 "$tmp/err")"
[ -s "$tmp/j1.json" ] && cmp -s "$tmp/j1.json" "$tmp/j3.json" || fail "parse -j3 printed other JSON than -j1"

"$Q" ingest -j3 --db "$tmp/x.db" "$tmp/docs" 2>"$tmp/err" || fail "ingest -j3: $(head -40 "$tmp/err")"
[ "$(sqlite3 "$tmp/x.db" 'select count(*) from documents')" = "$(ls "$tmp/docs" | wc -l)" ] ||
	fail "ingest -j3 stored $(sqlite3 "$tmp/x.db" 'select count(*) from documents') documents"
