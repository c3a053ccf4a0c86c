#!/bin/sh
# The project's own scoring of its output against tests/gold (hand-checked
# expected extractions): items matched by line; recall, precision, label
# and parent, and meta fields compared as words, case and punctuation
# aside.  Fails below the floors this project has reached, so a change
# that loses quality fails the test command.
set -eu
Q=$1
MIN_F1=${MIN_F1:-0.99}
MIN_PARENT=${MIN_PARENT:-0.99}
MIN_LABEL=${MIN_LABEL:-0.99}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for g in tests/gold/*.json; do
	n=$(basename "$g" .json)
	"$Q" parse "corpus/$n.txt" >"$tmp/$n.json" 2>/dev/null || echo '{}' >"$tmp/$n.json"
	jq -n --slurpfile g "$g" --slurpfile p "$tmp/$n.json" '
	  def norm: (. // "") | tostring | ascii_downcase | gsub("[^\\p{L}\\p{N}]+"; " ") | ltrimstr(" ") | rtrimstr(" ");
	  def lab: (. // "") | tostring | gsub("[–—]"; "-") | if length > 1 then gsub("^[.):( ]+|[.):( ]+$"; "") else . end | ascii_downcase;
	  ($g[0]) as $G | ($p[0]) as $P |
	  (($P.items // []) | map({key: (.line|tostring), value: .}) | from_entries) as $pi |
	  ($G.items // null) as $gi |
	  {
	    required: (if $gi then [$gi[] | select(.optional | not)] | length else 0 end),
	    found: (if $gi then [$gi[] | select((.optional | not) and ($pi[.line|tostring] != null))] | length else 0 end),
	    predicted: (if $gi then ($P.items // []) | length else 0 end),
	    matched: (if $gi then [$gi[] | select($pi[.line|tostring] != null)] | length else 0 end),
	    label: (if $gi then [$gi[] | select($pi[.line|tostring] != null) | select((.label|lab) == ($pi[.line|tostring].label|lab))] | length else 0 end),
	    parent: (if $gi then [$gi[] | select($pi[.line|tostring] != null) | select(.parent == $pi[.line|tostring].parent)] | length else 0 end),
	    meta: [$G.meta | to_entries[] | select(.value | type != "object") | select((.value|norm) == ($P.meta[.key]|norm))] | length,
	    metan: [$G.meta | to_entries[] | select(.value | type != "object")] | length
	  }' >"$tmp/$n.score"
done
jq -s -r --argjson f1 "$MIN_F1" --argjson par "$MIN_PARENT" --argjson lab "$MIN_LABEL" '
  def sum(f): map(f) | add;
  (sum(.found) / sum(.required)) as $r | (sum(.matched) / sum(.predicted)) as $p |
  (2 * $p * $r / ($p + $r)) as $f |
  (sum(.parent) / sum(.matched)) as $pa | (sum(.label) / sum(.matched)) as $la |
  (sum(.meta) / sum(.metan)) as $m |
  "items_f1=\($f*1000|floor/1000) recall=\($r*1000|floor/1000) precision=\($p*1000|floor/1000) label=\($la*1000|floor/1000) parent=\($pa*1000|floor/1000) meta=\($m*1000|floor/1000)",
  (if $f < $f1 or $pa < $par or $la < $lab then "below the floor (items_f1 \($f1), parent \($par), label \($lab))" | halt_error(1) else empty end)
' "$tmp"/*.score
