## Demo area: the sample mail generator behind `petrel --demo`, and the
## benchmarks (tests/bench/, run by hand, not by make check).
libpetrel_a_SOURCES += src/demo.c src/demo.h

check_PROGRAMS += tests/unit/test-demo
TESTS += tests/unit/test-demo
tests_unit_test_demo_SOURCES = tests/unit/test-demo.c tests/tap.h
tests_unit_test_demo_LDADD = $(PETREL_LIBS)

# Benchmarks: shipped in the tarball, run by hand (see tests/bench/README).
EXTRA_DIST += tests/bench/README tests/bench/gen-maildir.py \
	tests/bench/import-vs-notmuch.sh
