#!/bin/sh
# Inputs that are not documents: each must give one line on stderr of the
# form "qdx: PATH[:LINE]: error: ..." and a documented exit status, never
# a crash, a hang or partial JSON on stdout.
set -u
Q=$1
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp"; rm -rf "$tmp"' EXIT
fails=0

# expect NAME STATUS PATTERN FILE...: run qdx parse, check exit status,
# stderr and that stdout stayed empty.
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	timeout 60 "$Q" parse "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != "$want" ] || ! grep -q -- "$pat" "$tmp/err" || [ -s "$tmp/out" ]; then
		echo "$name: exit $got (want $want), stderr: $(head -c 300 "$tmp/err"), stdout $(wc -c <"$tmp/out") bytes"
		fails=$((fails + 1))
	fi
}

: >"$tmp/empty.txt"
expect empty 1 "empty.txt: error: empty file" "$tmp/empty.txt"

printf 'Số: 1\000\001\002binary' >"$tmp/nul.txt"
expect nul 1 "nul.txt: error: binary file (NUL byte at offset 7)" "$tmp/nul.txt"

printf '\211PNG\r\n\032\n\000\000\000\rIHDR' >"$tmp/image.txt"
expect png 1 "image.txt: error: not a text document: a PNG image" "$tmp/image.txt"

expect directory 4 "error: no such file\|not a regular file\|cannot open" "$tmp/missing.txt"

mkdir "$tmp/dir.txt"
chmod 000 "$tmp/dir.txt"
expect empty-dir 2 "dir.txt: warning: no documents in this directory" "$tmp/dir.txt"
chmod 755 "$tmp/dir.txt"

printf 'I. MỤC TIÊU\n' >"$tmp/locked.txt"
chmod 000 "$tmp/locked.txt"
if [ "$(id -u)" != 0 ]; then
	expect unreadable 4 "locked.txt: error: cannot open: Permission denied" "$tmp/locked.txt"
fi
chmod 644 "$tmp/locked.txt"

printf 'I. MỤC TIÊU CỦA KẾ HOẠCH NÀY \377 tiếp tục\n' >"$tmp/invalid.txt"
expect strict 1 "invalid.txt:1:.*error: invalid UTF-8 byte 0xFF at offset 39" --strict "$tmp/invalid.txt"

truncate -s 100M "$tmp/huge.txt"
expect huge 1 "huge.txt: error: file too large" "$tmp/huge.txt"

# Inputs that are odd but readable parse with exit 0.
expect_ok() {
	name=$1
	shift
	timeout 60 "$Q" parse "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != 0 ] || ! jq -e .items "$tmp/out" >/dev/null 2>&1; then
		echo "$name: exit $got, stderr: $(head -c 300 "$tmp/err")"
		fails=$((fails + 1))
	fi
}
printf 'I. MỤC TIÊU CỦA KẾ HOẠCH NÀY \377 tiếp tục\n1. Mục tiêu\n' >"$tmp/replaced.txt"
expect_ok invalid-replaced "$tmp/replaced.txt"
grep -q "invalid byte" "$tmp/out" || { echo "invalid bytes not reported"; fails=$((fails + 1)); }

printf 'I. MỤC TIÊU\r1. Mục tiêu chung\r2. Yêu cầu\r' >"$tmp/cr.txt"
expect_ok cr-only "$tmp/cr.txt"
[ "$(jq -c '[.items[] | [.line, .parent]]' "$tmp/out")" = '[[1,null],[2,1],[3,1]]' ] ||
	{ echo "cr-only: wrong lines $(jq -c '[.items[] | [.line, .parent]]' "$tmp/out")"; fails=$((fails + 1)); }

awk 'BEGIN { for (i = 0; i < 1048576 / 8; i++) printf "công tá "; print "" }' >"$tmp/longline.txt"
expect_ok long-line "$tmp/longline.txt"

awk 'BEGIN { for (i = 1; i <= 10000; i++) { printf "%d", 1; for (j = 1; j < (i % 6) + 1; j++) printf ".1"; print ". Mục" } }' >"$tmp/deep.txt"
awk 'BEGIN { for (i = 1; i <= 10000; i++) { for (j = 0; j < i % 40; j++) printf "+"; print "- Mục " i } }' >>"$tmp/deep.txt"
expect_ok nested "$tmp/deep.txt"

head -c 2000 corpus/hau-giang-1625-qd-ubnd-2013.txt >"$tmp/truncated.txt"
printf '\341\273' >>"$tmp/truncated.txt"
expect_ok truncated "$tmp/truncated.txt"

# A rule that runs away on some input stops at PCRE2's limits: the
# document still parses, and a diagnostic names the rules file.
mkdir "$tmp/rules"
cp rules/* "$tmp/rules/"
printf '\nrule runaway\n  pattern (?:a|a)*(?:a|a)*(?:a|a)*(?:a|a)*b\n' >>"$tmp/rules/noise.rules"
awk 'BEGIN { printf "I. "; for (i = 0; i < 60; i++) printf "a"; print "." }' >"$tmp/runaway.txt"
expect_ok runaway-rule --rules "$tmp/rules" "$tmp/runaway.txt"
grep -q "stopped by a PCRE2 limit.*noise.rules" "$tmp/out" ||
	{ echo "runaway rule: no diagnostic"; fails=$((fails + 1)); }

# A malformed rule names its file, line and column, with PCRE2's message.
printf '\nrule broken\n  pattern (?<label>[IVX+\n' >>"$tmp/rules/hierarchy.rules"
expect broken-rule 3 "hierarchy.rules:[0-9]*:[0-9]*: error: rule 'broken': missing terminating ] for character class" \
	--rules "$tmp/rules" "$tmp/runaway.txt"

[ "$fails" = 0 ]
