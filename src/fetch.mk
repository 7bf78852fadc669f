## The POP3 fetch policy and account secrets.
libpetrel_a_SOURCES += \
	src/secret.c src/secret.h \
	src/fetch.c src/fetch.h \
	src/checkpoint.c src/checkpoint.h

check_PROGRAMS += tests/unit/test-fetch
TESTS += tests/unit/test-fetch
tests_unit_test_fetch_SOURCES = tests/unit/test-fetch.c tests/tap.h
tests_unit_test_fetch_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-checkpoint
TESTS += tests/unit/test-checkpoint
tests_unit_test_checkpoint_SOURCES = tests/unit/test-checkpoint.c tests/tap.h
tests_unit_test_checkpoint_LDADD = $(PETREL_LIBS)
