## The archive (SQLite), the search language, and the command line.
libpetrel_a_SOURCES += \
	src/hash.c src/hash.h \
	src/json.c src/json.h \
	src/store.c src/store.h \
	src/query.c src/query.h \
	src/handoff.c src/handoff.h \
	src/importer.c src/importer.h \
	src/cli.c src/cli.h

check_PROGRAMS += tests/unit/test-store tests/unit/test-query tests/unit/test-importer
TESTS += tests/unit/test-store tests/unit/test-query tests/unit/test-importer
tests_unit_test_store_SOURCES = tests/unit/test-store.c tests/tap.h
tests_unit_test_store_LDADD = $(PETREL_LIBS)
tests_unit_test_query_SOURCES = tests/unit/test-query.c tests/tap.h
tests_unit_test_query_LDADD = $(PETREL_LIBS)
tests_unit_test_importer_SOURCES = tests/unit/test-importer.c tests/tap.h
tests_unit_test_importer_LDADD = $(PETREL_LIBS)

## Built on demand (make tests/bench/bench-window), never by make check;
## index-scaling.sh builds both for itself.
EXTRA_PROGRAMS = tests/bench/bench-window tests/bench/index-fill
tests_bench_bench_window_SOURCES = tests/bench/bench-window.c
tests_bench_bench_window_LDADD = $(PETREL_LIBS)
tests_bench_index_fill_SOURCES = tests/bench/index-fill.c
tests_bench_index_fill_LDADD = $(PETREL_LIBS)
CLEANFILES += tests/bench/bench-window tests/bench/index-fill
EXTRA_DIST += tests/bench/index-scaling.sh
