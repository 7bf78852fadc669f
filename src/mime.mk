## MIME: the part tree, transfer encodings, RFC 2231 parameters, HTML to
## text, format=flowed, the summary for the archive and the text the pager
## shows.  Unit tests, the corpus test against Python's email package, fuzz
## targets (wired in tests/fuzz/fuzz.mk) and the scaling benchmark.
libpetrel_a_SOURCES += \
	src/transfer.c src/transfer.h \
	src/rfc2231.c src/rfc2231.h \
	src/mime.c src/mime.h \
	src/html.c src/html.h \
	src/flowed.c src/flowed.h \
	src/render.c src/render.h

check_PROGRAMS += tests/unit/test-transfer
TESTS += tests/unit/test-transfer
tests_unit_test_transfer_SOURCES = tests/unit/test-transfer.c tests/tap.h
tests_unit_test_transfer_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-rfc2231
TESTS += tests/unit/test-rfc2231
tests_unit_test_rfc2231_SOURCES = tests/unit/test-rfc2231.c tests/tap.h
tests_unit_test_rfc2231_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-mime
TESTS += tests/unit/test-mime
tests_unit_test_mime_SOURCES = tests/unit/test-mime.c tests/tap.h
tests_unit_test_mime_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-html
TESTS += tests/unit/test-html
tests_unit_test_html_SOURCES = tests/unit/test-html.c tests/tap.h
tests_unit_test_html_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-render
TESTS += tests/unit/test-render
tests_unit_test_render_SOURCES = tests/unit/test-render.c tests/tap.h
tests_unit_test_render_LDADD = $(PETREL_LIBS)

## The corpus test: Python's email package generates and decodes a few
## thousand messages; mime-dump prints Petrel's reading; compare.py checks.
check_PROGRAMS += tests/mime/mime-dump
tests_mime_mime_dump_SOURCES = tests/mime/mime-dump.c
tests_mime_mime_dump_LDADD = $(PETREL_LIBS)
TESTS += tests/mime/corpus.sh
EXTRA_DIST += tests/mime/gen-corpus.py tests/mime/compare.py tests/mime/corpus.sh

## The scaling benchmark: run by hand (the script compiles its driver).
EXTRA_DIST += tests/bench/mime-scaling.sh tests/bench/mime-scaling.c
