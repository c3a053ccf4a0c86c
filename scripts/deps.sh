#!/bin/sh
# Installs what qdx needs to build and test, with apt-get when run as root;
# otherwise says exactly what to install.  Quiet when all is there.
set -u
# To build and run: the compiler, the libraries, sqlite3 for the summary.
PKGS="build-essential pkg-config libicu-dev libpcre2-dev libxml2-dev libsqlite3-dev nettle-dev sqlite3"
# To test: cmocka, jq, valgrind, an iCalendar library and a browser.
case "${1:-}" in
--test) PKGS="$PKGS libcmocka-dev jq valgrind python3 python3-icalendar chromium" ;;
--with-tools) PKGS="$PKGS clang libclang-rt-14-dev" ;;
esac

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "qdx: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
		echo "qdx: error: apt-get could not install:$missing" >&2
		exit 1
	}
else
	echo "qdx: error: missing packages:$missing" >&2
	echo "qdx: install them with: sudo apt-get install$missing" >&2
	exit 1
fi
