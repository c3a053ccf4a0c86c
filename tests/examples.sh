#!/bin/sh
# Runs the examples of one file in cmark's spec style:
#
#   ~~~ name of the example
#   input lines
#   .
#   LINE LABEL PARENT TEXT      (one line per item; PARENT "-" for none)
#   ~~~
#
# or, for a document's identity, expected lines "meta.KEY=VALUE" (null for
# none), each compared with the JSON's meta.
#
# and prints the example's line number and a diff for each failure.
set -u
Q=$1
f=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v dir="$tmp" '
  /^~~~ / && !inside { inside = 1; part = "in"; n++; start[n] = NR; name = substr($0, 5);
                       print NR " " name > (dir "/" n ".name"); printf "" > (dir "/" n ".in"); printf "" > (dir "/" n ".exp"); next }
  /^~~~$/ && inside  { inside = 0; next }
  inside && /^\.$/ && part == "in" { part = "exp"; next }
  inside { print > (dir "/" n "." part) }
' "$f"
fails=0
for name in "$tmp"/*.name; do
	[ -e "$name" ] || continue
	k=${name%.name}
	if grep -q '^meta\.' "$k.exp"; then
		# meta examples: "meta.KEY=VALUE" lines, compared key by key
		"$Q" parse - <"$k.in" >"$k.json" 2>"$k.err"
		cut -d= -f1 "$k.exp" | while read -r key; do
			printf '%s=%s\n' "$key" "$(jq -r ".$key // \"null\"" "$k.json" 2>>"$k.err")"
		done >"$k.got"
	else
		"$Q" parse - <"$k.in" 2>"$k.err" |
			jq -r '.items[] | "\(.line) \(.label) \(.parent // "-") \(.text)"' >"$k.got" 2>>"$k.err"
	fi
	if ! cmp -s "$k.exp" "$k.got"; then
		fails=$((fails + 1))
		echo "$f:$(cut -d' ' -f1 "$name"): example '$(cut -d' ' -f2- "$name")' failed:"
		diff "$k.exp" "$k.got" | sed 's/^/    /'
		sed 's/^/    stderr: /' "$k.err"
	fi
done
[ "$fails" = 0 ]
