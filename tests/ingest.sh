#!/bin/sh
# qdx ingest as a batch tool: killed in the middle it leaves a consistent
# index and a re-run finishes the work; the same folder twice adds nothing;
# a changed file replaces its rows; -j1 and -j3 write the same index; a
# list on standard input; a bad file is reported and skipped while the rest
# goes in.
set -u
Q=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "ingest: $*"; exit 1; }
count() { sqlite3 "$tmp/x.db" "$1"; }

mkdir "$tmp/docs"
for i in $(seq 1 40); do
	for f in corpus/*.txt; do cp "$f" "$tmp/docs/$i-$(basename "$f")"; done
done
total=$(ls "$tmp/docs" | wc -l)
items=$("$Q" parse "$tmp/docs" | jq -s '[.[].items | length] | add')

# Killed while it works: what is stored is whole and consistent.
timeout -s KILL 0.3 "$Q" ingest -j2 --db "$tmp/x.db" "$tmp/docs" 2>/dev/null
[ "$(count 'pragma integrity_check')" = ok ] || fail "index damaged by a kill"
part=$(count 'select count(*) from documents')
[ "$part" -lt "$total" ] || echo "ingest: note: finished before the kill ($part files)"
orphans=$(count 'select count(*) from items where doc not in (select id from documents)')
[ "$orphans" = 0 ] || fail "$orphans items of no document after a kill"
# Its readers answer meanwhile, its secondary indexes still deferred.
"$Q" stats --db "$tmp/x.db" >"$tmp/out" 2>&1 || fail "stats of a killed load: $(cat "$tmp/out")"

# The same command again completes the work.
"$Q" ingest -j2 --db "$tmp/x.db" "$tmp/docs" 2>"$tmp/err" || fail "re-run: $(cat "$tmp/err")"
[ "$(count 'select count(*) from documents')" = "$total" ] || fail "re-run stored $(count 'select count(*) from documents') of $total"
[ "$(count 'select count(*) from items')" = "$items" ] || fail "items $(count 'select count(*) from items'), JSON $items"
# The indexes a load into an empty index defers are all back.
[ "$(count "select count(*) from qdx_meta where key glob 'index:*'")" = 0 ] || fail "indexes left deferred"
[ "$(count "select count(*) from sqlite_schema where name = 'items_parent'")" = 1 ] || fail "items_parent missing"

# Any number of threads writes the same index: rows in input order, with
# the same ids, whichever thread parsed a file.
mkdir "$tmp/few"
cp "$tmp"/docs/[1-5]-* "$tmp/few"
for j in 1 3; do
	"$Q" ingest -j$j --db "$tmp/j$j.db" "$tmp/few" 2>/dev/null || fail "ingest -j$j"
	sqlite3 "$tmp/j$j.db" 'select id, path from documents order by id;
		select id, doc, parent, line, path, text from items order by id;
		select id, item, kind, text, start, end from deadlines order by id;
		select rowid from items_fts where items_fts match '"'"'"ke hoach"'"'"' order by rowid' >"$tmp/j$j.rows"
done
[ -s "$tmp/j1.rows" ] && cmp -s "$tmp/j1.rows" "$tmp/j3.rows" || fail "-j1 and -j3 wrote different indexes"

# The same folder again adds nothing.
"$Q" ingest --db "$tmp/x.db" "$tmp/docs" 2>"$tmp/err"
grep -q "ingested 0 document(s) ($total unchanged" "$tmp/err" || fail "second run: $(cat "$tmp/err")"

# A changed file replaces its rows.
f="$tmp/docs/1-hau-giang-1625-qd-ubnd-2013.txt"
printf '\n- Bổ sung nhiệm vụ mới.\n' >>"$f"
"$Q" ingest --db "$tmp/x.db" "$f" 2>/dev/null || fail "changed file"
[ "$(count 'select count(*) from documents')" = "$total" ] || fail "a changed file added a document"
[ "$(count 'select count(*) from items')" = $((items + 1)) ] || fail "changed file: items $(count 'select count(*) from items'), want $((items + 1))"
[ "$(count "select sha256 from documents where path = '$f'")" = "$(sha256sum "$f" | cut -d' ' -f1)" ] ||
	fail "changed file keeps its old hash"

# A list of paths on standard input, with a bad file among them.
printf 'not a document\000' >"$tmp/bad.txt"
rm -f "$tmp/y.db"
{ echo "$tmp/bad.txt"; ls corpus/*.txt; } | "$Q" ingest --db "$tmp/y.db" - 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "a bad file should exit 1, got $rc"
grep -q "bad.txt: error: binary file" "$tmp/err" || fail "bad file not reported: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/y.db" 'select count(*) from documents')" = "$(ls corpus/*.txt | wc -l)" ] ||
	fail "the good files of the list were not all stored"
