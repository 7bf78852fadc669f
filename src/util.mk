## Engine utilities: buffers, errors, paths, logging.
libpetrel_a_SOURCES += \
	src/i18n.h \
	src/util.c src/util.h \
	src/buf.c src/buf.h \
	src/error.c src/error.h \
	src/paths.c src/paths.h \
	src/log.c src/log.h

check_PROGRAMS += tests/unit/test-util
TESTS += tests/unit/test-util
tests_unit_test_util_SOURCES = tests/unit/test-util.c tests/tap.h
tests_unit_test_util_LDADD = $(PETREL_LIBS)
