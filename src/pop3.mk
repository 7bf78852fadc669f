## POP3: the protocol state machine over the stream (src/pop3.c), its
## transcript-driven unit tests.  The fuzz target tests/fuzz/fuzz-pop3.c
## and its corpus tests/fuzz/corpus/pop3/ are wired in tests/fuzz/fuzz.mk.
libpetrel_a_SOURCES += src/pop3.c src/pop3.h

check_PROGRAMS += tests/unit/test-pop3
TESTS += tests/unit/test-pop3
tests_unit_test_pop3_SOURCES = tests/unit/test-pop3.c tests/tap.h
tests_unit_test_pop3_LDADD = $(PETREL_LIBS)
