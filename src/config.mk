## Configuration file: src/conf.{c,h} (not config.h: that name is autoconf's).
libpetrel_a_SOURCES += src/conf.c src/conf.h

check_PROGRAMS += tests/unit/test-config
TESTS += tests/unit/test-config
tests_unit_test_config_SOURCES = tests/unit/test-config.c tests/tap.h
tests_unit_test_config_LDADD = $(PETREL_LIBS)
