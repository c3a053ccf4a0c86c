#!/bin/sh
# The main job: install what is missing, build, parse every document in
# corpus/ into out/*.xml and out/*.json, index them all in out/qdx.db, and
# print a summary.
set -eu
cd "$(dirname "$0")"
sh scripts/deps.sh
make -s
rm -rf out && mkdir -p out
start=$(date +%s%N)
build/qdx parse --format xml --out out corpus
build/qdx parse --format json --out out corpus
build/qdx ingest --db out/qdx.db corpus
end=$(date +%s%N)
docs=$(sqlite3 out/qdx.db 'select count(*) from documents')
items=$(sqlite3 out/qdx.db 'select count(*) from items')
deadlines=$(sqlite3 out/qdx.db 'select count(*) from deadlines')
ms=$(( (end - start) / 1000000 ))
printf 'qdx: %s documents, %s items, %s deadlines -> out/*.xml, out/*.json, out/qdx.db in %d.%03d s\n' \
	"$docs" "$items" "$deadlines" $((ms / 1000)) $((ms % 1000))
