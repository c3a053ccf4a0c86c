#!/bin/sh
# After an ingest of corpus/, the index holds as many items as the JSON
# outputs list, and re-ingesting the same files adds nothing.
set -eu
Q=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$Q" ingest --db "$tmp/x.db" corpus 2>/dev/null
json=$("$Q" parse corpus | jq -s '[.[].items | length] | add')
db=$(sqlite3 "$tmp/x.db" 'select count(*) from items')
[ "$json" = "$db" ] || { echo "items: JSON $json, index $db"; exit 1; }
"$Q" ingest --db "$tmp/x.db" corpus 2>/dev/null
db2=$(sqlite3 "$tmp/x.db" 'select count(*) from items')
[ "$db" = "$db2" ] || { echo "re-ingest changed items: $db -> $db2"; exit 1; }
