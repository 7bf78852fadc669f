## Test infrastructure shared by all areas.
EXTRA_DIST += tests/tap.h tests/lib.sh

## Command-line integration tests: the real binary on real files.
TESTS += tests/cli/archive.sh tests/cli/tui.sh tests/cli/faults.sh
EXTRA_DIST += tests/cli/archive.sh tests/cli/tui.sh tests/cli/faults.sh

## When an import waits for the disk, read off its system calls (strace).
TESTS += tests/cli/import-sync.sh
EXTRA_DIST += tests/cli/import-sync.sh

## petrel show with several IDs (delimiters, order, a missing one).
TESTS += tests/cli/show.sh
EXTRA_DIST += tests/cli/show.sh

## Benchmark: show --text against notmuch and mu, run by hand (tests/bench/README).
EXTRA_DIST += tests/bench/show-vs-notmuch.sh tests/bench/lib.sh

## POP3 against a scripted hostile server of our own.
TESTS += tests/pop3/hostile.sh
EXTRA_DIST += tests/pop3/hostile.sh tests/pop3/hostile.py

## Message catalogs: valid and complete (msgfmt --check --statistics).
TESTS += tests/cli/i18n.sh
EXTRA_DIST += tests/cli/i18n.sh
