#!/bin/sh
# Every test: unit tests (cmocka), rules examples, example files, golden
# outputs, the score against tests/gold, bad inputs, the fuzz replay; then
# the same again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -eu
cd "$(dirname "$0")"
sh scripts/deps.sh --test
make -s test
