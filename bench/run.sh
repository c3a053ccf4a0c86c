#!/usr/bin/env bash
# `make bench`: qdx's speed and memory, measured against a floor program and
# (when ../shared/bench/peer.py is there) the stdlib-Python peer, in one run
# on one machine.  Prints one table and rewrites README.md's "## Speed"
# results (between the bench:begin/bench:end markers; BENCH_README=0 leaves
# README.md alone).  Nothing here asserts a timing: it measures and reports.
#
# Knobs (environment):  BENCH_REPS=3 runs per row, the median is shown
#   BENCH_FILES=2000 BENCH_MB=55   the corpus: at least that many files and MB
#   BENCH_MEM_FILES=10000          the memory row's many-files ingest
#   BENCH_BIG_MB=8                 the one large file for parse memory
#   BENCH_SEED=20240601            the corpus generator's seed
#   BENCH_QUIET_WAIT=60            seconds to wait for other work to stop
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
B=build/bench
REPS=${BENCH_REPS:-3}
FILES=${BENCH_FILES:-2000}
MINMB=${BENCH_MB:-55}
MEMFILES=${BENCH_MEM_FILES:-10000}
BIGMB=${BENCH_BIG_MB:-8}
SEED=${BENCH_SEED:-20240601}
CFLAGS_BENCH='-O2 -g -DNDEBUG'
QDX=$B/qdx
RULES=(--rules "$TOP/rules")
LOGS=$B/logs

die() { echo "bench: error: $*" >&2; exit 1; }

# ---- tools -----------------------------------------------------------------
if ! /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then
	die "needs GNU time as /usr/bin/time (peak RSS): apt-get install time"
fi
command -v python3 >/dev/null || die "needs python3 (the corpus generator): apt-get install python3"
command -v "${CC:-cc}" >/dev/null || die "needs a C compiler: apt-get install build-essential"

# ---- build -----------------------------------------------------------------
mkdir -p "$B" "$LOGS"
echo "bench: building $QDX ($CFLAGS_BENCH)" >&2
make -s BUILD="$B" CFLAGS="$CFLAGS_BENCH" "$QDX" >"$LOGS/build.log" 2>&1 ||
	{ cat "$LOGS/build.log" >&2; die "the build failed"; }
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -o "$B/floor" bench/floor.c ||
	die "bench/floor.c does not compile"

# ---- corpus ----------------------------------------------------------------
# Generated once; again only when the generator, the templates or the knobs
# change.
stamp=$( { cat bench/gen.py; ls -l corpus; echo "$SEED $FILES $MINMB $MEMFILES $BIGMB"; } |
	cksum | cut -d' ' -f1)
if [ "$(cat "$B/corpus.stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "bench: generating the corpus (once)" >&2
	rm -rf "$B/corpus" "$B/corpus-mem" "$B/big-plan.txt" "$B/corpus.stamp"
	python3 bench/gen.py --seed "$SEED" --files "$FILES" --min-mb "$MINMB" \
		--big "$B/big-plan.txt" --big-mb "$BIGMB" corpus "$B/corpus" >&2
	n=$(find "$B/corpus" -type f | wc -l)
	if [ "$MEMFILES" -gt "$n" ]; then
		python3 bench/gen.py --seed $((SEED + 1)) --files $((MEMFILES - n)) --min-mb 0 \
			--prefix m corpus "$B/corpus-mem" >&2
	else
		mkdir -p "$B/corpus-mem"
	fi
	echo "$stamp" >"$B/corpus.stamp"
fi
mapfile -t CORPUS < <(find "$B/corpus" -type f | LC_ALL=C sort)
mapfile -t MEMSET < <(find "$B/corpus" "$B/corpus-mem" -type f | LC_ALL=C sort | head -n "$MEMFILES")
NDOCS=${#CORPUS[@]}
BYTES=$(cat "${CORPUS[@]}" | wc -c)    # also brings the corpus into the page cache
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
NMEM=${#MEMSET[@]}
cat "${MEMSET[@]}" >/dev/null
BIGBYTES=$(wc -c <"$B/big-plan.txt")

# ---- peer ------------------------------------------------------------------
PEER=""
if [ -f ../shared/bench/peer.py ]; then
	cp ../shared/bench/peer.py "$B/peer.py"
	PEER="$B/peer.py"
else
	echo "bench: ../shared/bench/peer.py not found: the peer rows are skipped" >&2
fi

JOBS=0
"$QDX" help ingest 2>&1 | grep -q -- '--jobs' && JOBS=1

# ---- measuring -------------------------------------------------------------
now() { if [ -n "${EPOCHREALTIME:-}" ]; then echo "${EPOCHREALTIME/,/.}"; else date +%s.%N; fi; }

# measure NAME REPS PREP CMD...: runs CMD (after the shell command PREP,
# untimed) REPS times; sets T (median wall seconds), RSS (peak KB, the
# largest of the runs) and RC (the worst exit status).  Standard output
# goes to $OUT (default $LOGS/NAME.out), errors to $LOGS/NAME.err.
measure() {
	local name=$1 reps=$2 prep=$3 i t0 t1 rc times="" rss=0 r worst=0
	local out=${OUT:-$LOGS/$name.out}
	shift 3
	for ((i = 0; i < reps; i++)); do
		eval "$prep"
		t0=$(now)
		rc=0
		/usr/bin/time -f '%M' -o "$LOGS/$name.time" "$@" >"$out" 2>"$LOGS/$name.err" || rc=$?
		t1=$(now)
		times="$times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')"
		r=$(tail -n 1 "$LOGS/$name.time")
		case $r in '' | *[!0-9]*) r=0 ;; esac
		[ "$r" -gt "$rss" ] && rss=$r
		[ "$rc" -gt "$worst" ] && worst=$rc
	done
	T=$(echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	RSS=$rss
	RC=$worst
	if [ "$RC" -ne 0 ]; then
		echo "bench: $name exited with status $RC; the end of its errors:" >&2
		tail -n 5 "$LOGS/$name.err" >&2
	fi
	echo "bench: $name: ${T}s, peak ${RSS} KB" >&2
}

rows=()        # "label|seconds|docs|bytes|rss_kb|rc|peer_label"
add_row() { rows+=("$1|$T|$2|$3|$RSS|$RC|$4"); }
add_na() { rows+=("$1|||||na|"); }

echo "bench: $NDOCS documents, $MB MB; $REPS run(s) per row, median shown" >&2
# Other work on the machine: how many cores were busy over two seconds
# before the run (the load average would count the generator too).
busy_cores() {
	local a b
	a=$(head -n 1 /proc/stat)
	sleep 2
	b=$(head -n 1 /proc/stat)
	printf '%s\n%s\n' "$a" "$b" | awk '{
		idle = $5 + $6; tot = 0; for (i = 2; i <= NF; i++) tot += $i
		if (NR == 1) { i0 = idle; t0 = tot } else printf "%.1f", (1 - (idle - i0) / (tot - t0)) * n
	}' n="$(nproc)"
}
# Wait (up to BENCH_QUIET_WAIT seconds, 60 by default) for a quiet machine.
LOAD0=$(busy_cores)
waited=0
while awk -v b="$LOAD0" 'BEGIN { exit !(b > 0.3) }' && [ "$waited" -lt "${BENCH_QUIET_WAIT:-60}" ]; do
	[ "$waited" = 0 ] && echo "bench: $LOAD0 cores busy with other work: waiting for a quiet moment" >&2
	LOAD0=$(busy_cores)
	waited=$((waited + 2))
done
# And over the whole run: the machine's busy time less this script's own
# (its children's, which it waits for), in cores on average.
jiffies() { head -n 1 /proc/stat | awk '{ print $2 + $3 + $4 + $7 + $8 }'; }
own() { sed 's/^.*) //' /proc/$$/stat | awk '{ print $12 + $13 + $14 + $15 }'; }
RUN_T0=$(now)
RUN_BUSY0=$(jiffies)
RUN_OWN0=$(own)
BUSY=$(awk -v b="$LOAD0" 'BEGIN { if (b > 0.3) print "busy" }')
[ -n "$BUSY" ] && echo "bench: warning: $LOAD0 cores busy with other work before the run: figures will be low" >&2

# The floor is cheap and short, so one hiccup would skew every ratio: 7 runs.
measure floor 7 : "$B/floor" "$B/corpus"
add_row "floor: read + UTF-8 validate + line split" "$NDOCS" "$BYTES" ""
T_FLOOR=$T
RSS_FLOOR=$RSS

OUT=/dev/null measure parse-json "$REPS" : "$QDX" parse "${RULES[@]}" --format json "$B/corpus"
add_row "qdx parse --format json" "$NDOCS" "$BYTES" "peer parse"

measure parse-xml "$REPS" "rm -rf $B/xml && mkdir -p $B/xml" \
	"$QDX" parse "${RULES[@]}" --format xml --out "$B/xml" "$B/corpus"
add_row "qdx parse --format xml --out DIR" "$NDOCS" "$BYTES" "peer parse"

fresh_db="rm -f $B/bench.db $B/bench.db-wal $B/bench.db-shm $B/bench.db-journal"
if [ "$JOBS" = 1 ]; then
	measure ingest-j1 "$REPS" "$fresh_db" "$QDX" ingest "${RULES[@]}" -j 1 --db "$B/bench.db" "$B/corpus"
	add_row "qdx ingest -j1 (FTS5)" "$NDOCS" "$BYTES" "peer ingest"
	T_J1=$T
	measure ingest-j2 "$REPS" "$fresh_db" "$QDX" ingest "${RULES[@]}" -j 2 --db "$B/bench.db" "$B/corpus"
	add_row "qdx ingest -j2 (FTS5)" "$NDOCS" "$BYTES" "peer ingest"
	T_J2=$T
	JARG=(-j 2)
else
	measure ingest-j1 "$REPS" "$fresh_db" "$QDX" ingest "${RULES[@]}" --db "$B/bench.db" "$B/corpus"
	add_row "qdx ingest, no -j yet (FTS5)" "$NDOCS" "$BYTES" "peer ingest"
	add_na "qdx ingest -j2 (FTS5)"
	T_J1=$T
	T_J2=""
	JARG=()
fi

if [ -n "$PEER" ]; then
	OUT=/dev/null measure peer-parse "$REPS" : python3 "$PEER" - "${CORPUS[@]}"
	add_row "peer.py parse" "$NDOCS" "$BYTES" ""
	T_PEER_PARSE=$T
	measure peer-ingest "$REPS" "rm -f $B/peer.db $B/peer.db-wal $B/peer.db-shm" \
		python3 "$PEER" "$B/peer.db" "${CORPUS[@]}"
	add_row "peer.py ingest (FTS5)" "$NDOCS" "$BYTES" ""
	T_PEER_INGEST=$T
else
	add_na "peer.py parse"
	add_na "peer.py ingest (FTS5)"
	T_PEER_PARSE=""
	T_PEER_INGEST=""
fi

# Memory: ingest of 100, 1,000 and $NMEM files, a fresh index each; and
# the parse of one large document.
commas() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }
RSS_MEM=()
for k in 100 1000 "$NMEM"; do
	[ "$k" -gt "$NMEM" ] && continue
	measure "ingest-$k" 1 "$fresh_db" "$QDX" ingest "${RULES[@]}" "${JARG[@]}" --db "$B/bench.db" "${MEMSET[@]:0:$k}"
	add_row "memory: qdx ingest ${JARG[*]} of $(commas "$k") files" "$k" "$(cat "${MEMSET[@]:0:$k}" | wc -c)" ""
	RSS_MEM+=("$k:$RSS")
done
OUT=/dev/null measure parse-big 1 : "$QDX" parse "${RULES[@]}" --format json "$B/big-plan.txt"
add_row "memory: qdx parse json, one $(awk -v b="$BIGBYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB file" 1 "$BIGBYTES" ""
RSS_BIG=$RSS
rm -rf "$B/bench.db" "$B/bench.db-wal" "$B/bench.db-shm" "$B/peer.db" "$B/peer.db-wal" \
	"$B/peer.db-shm" "$B/xml"
OTHER=$(awk -v t0="$RUN_T0" -v t1="$(now)" -v b0="$RUN_BUSY0" -v b1="$(jiffies)" \
	-v o0="$RUN_OWN0" -v o1="$(own)" -v hz="$(getconf CLK_TCK)" \
	'BEGIN { v = ((b1 - b0) - (o1 - o0)) / hz / (t1 - t0); printf "%.1f", v < 0 ? 0 : v }')
awk -v b="$OTHER" 'BEGIN { exit !(b > 0.2) }' && BUSY=busy
LOAD1=$(busy_cores)

# ---- the table ---------------------------------------------------------------
peer_time() {
	case $1 in
	"peer parse") echo "$T_PEER_PARSE" ;;
	"peer ingest") echo "$T_PEER_INGEST" ;;
	esac
}

table() {
	echo "| run | MB/s | docs/s | peak RSS MB | time ÷ floor | RSS ÷ floor | speed ÷ peer |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	local row label t docs bytes rss rc peer pt
	for row in "${rows[@]}"; do
		IFS='|' read -r label t docs bytes rss rc peer <<<"$row"
		if [ "$rc" = na ]; then
			echo "| $label | n/a | n/a | n/a | n/a | n/a | n/a |"
			continue
		fi
		[ "$rc" != 0 ] && label="$label (exit $rc)"
		pt=""
		[ -n "$peer" ] && pt=$(peer_time "$peer")
		awk -v label="$label" -v t="$t" -v docs="$docs" -v bytes="$bytes" -v rss="$rss" \
			-v tf="$T_FLOOR" -v rf="$RSS_FLOOR" -v pt="$pt" -v peer="$peer" -v nd="$NDOCS" 'BEGIN {
			mbs = bytes / 1e6 / t
			floor = (docs == nd && label !~ /^memory/) ? sprintf("%.1f×", t / tf) : "–"
			if (label ~ /^floor/) floor = "1×"
			vs = (pt != "") ? sprintf("%.2f×", pt / t) : ""
			printf "| %s | %s | %s | %.1f | %s | %.1f× | %s |\n", label,
				(mbs >= 100 ? sprintf("%.0f", mbs) : sprintf("%.1f", mbs)),
				(docs / t >= 100 ? sprintf("%.0f", docs / t) : sprintf("%.1f", docs / t)),
				rss * 1024 / 1e6, floor, rss / rf, vs
		}'
	done
}

verdicts() {
	local r
	awk -v a="$T_PEER_PARSE" -v b="${rows[1]}" 'BEGIN {
		split(b, f, "|"); t = f[2]
		if (a == "") print "- parse json vs peer parse: no peer in this run (goal ≥ 8×)"
		else printf "- parse json vs peer parse: %.1f× (goal ≥ 8×): %s\n", a / t, (a / t >= 8 ? "met" : "NOT met")
	}'
	if [ -n "$T_PEER_INGEST" ]; then
		for r in "${rows[@]}"; do
			case $r in "qdx ingest"*)
				awk -v a="$T_PEER_INGEST" -v b="$r" 'BEGIN {
					split(b, f, "|"); if (f[6] == "na") exit
					printf "- %s vs peer ingest: %.1f× (goal ≥ 3×): %s\n", f[1], a / f[2], (a / f[2] >= 3 ? "met" : "NOT met")
				}' ;;
			esac
		done
	else
		echo "- ingest vs peer ingest: no peer in this run (goal ≥ 3×)"
	fi
	if [ -n "$T_J2" ]; then
		awk -v a="$T_J1" -v b="$T_J2" -v n="$(nproc)" 'BEGIN {
			printf "- ingest -j2 vs -j1 on %d cores: %.2f× (goal ≥ 1.6× on 2 cores): %s\n", n, a / b, (a / b >= 1.6 ? "met" : "NOT met")
		}'
	else
		echo "- ingest -j2 vs -j1: n/a (no -j in this build)"
	fi
	awk -v s="$BIGBYTES" -v r="$RSS_BIG" 'BEGIN {
		lim = 3 * s + 20e6; got = r * 1024
		printf "- parse of one %.1f MB file: peak %.1f MB, limit 3 × size + 20 MB = %.1f MB: %s\n", s / 1e6, got / 1e6, lim / 1e6, (got <= lim ? "met" : "NOT met")
	}'
	echo "${RSS_MEM[@]}" | awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, ":"); k[i] = kv[1]; r[i] = kv[2] * 1024 / 1e6 }
		if (NF < 2) exit
		line = "- ingest peak RSS by number of files:"
		for (i = 1; i <= NF; i++) line = line sprintf(" %d: %.1f MB;", k[i], r[i])
		print line
		printf "  %d vs %d files: %.2f× (goal: the same level): %s", k[NF], k[1], r[NF] / r[1], (r[NF] <= r[1] * 1.2 ? "met" : "NOT met")
		if (NF >= 3) printf "; %d vs %d files: %.2f× (%s)", k[NF], k[NF - 1], r[NF] / r[NF - 1], (r[NF] <= r[NF - 1] * 1.2 ? "flat: bounded" : "still growing")
		printf "\n"
	}'
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)
ccv=$("${CC:-cc}" --version | head -n 1)
pyv=$(python3 --version 2>&1)
# shellcheck disable=SC1091
os=$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -s)

results=$B/results.md
{
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($cpu), $mem RAM, $os,"
	echo "kernel $(uname -r), $ccv (\`$CFLAGS_BENCH\`), $pyv for the peer; cores busy"
	echo "with other work: $LOAD0 before the run, $OTHER on average during it, $LOAD1 after."
	echo "Corpus: $NDOCS generated documents, $MB MB"
	echo "(\`bench/gen.py\`, seed $SEED), warm page cache; median of $REPS runs per row (the floor: of 7)"
	echo "(the memory rows: one run); MB = 10⁶ bytes.  \"time ÷ floor\": how many times the floor's time"
	echo "the row takes on the same documents; \"speed ÷ peer\": the peer's time over"
	echo "qdx's (parse rows against \`peer.py -\`, ingest rows against \`peer.py DB\`)."
	echo "qdx parse runs one thread per core by itself; the floor and the peer use one."
	[ -n "$BUSY" ] && echo "**Other work was running on the machine: the figures are low and noisy.**"
	echo
	table
	echo
	verdicts
} >"$results"

echo
cat "$results"

if [ "${BENCH_README:-1}" != 0 ] && grep -q '<!-- bench:begin -->' README.md &&
	grep -q '<!-- bench:end -->' README.md; then
	awk -v f="$results" '
		/<!-- bench:begin -->/ { print; print ""; while ((getline l < f) > 0) print l; print ""; skip = 1; next }
		/<!-- bench:end -->/ { skip = 0 }
		!skip' README.md >"$B/README.new" && cat "$B/README.new" >README.md
	rm -f "$B/README.new"
	echo "bench: README.md's Speed section updated" >&2
fi
