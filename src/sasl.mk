## Authentication: SASL mechanisms, mechanism choice and APOP, as pure
## credential transforms (no I/O), and the strict base64 they speak.
libpetrel_a_SOURCES += \
	src/base64.c src/base64.h \
	src/sasl.c src/sasl.h

check_PROGRAMS += tests/unit/test-sasl
TESTS += tests/unit/test-sasl
tests_unit_test_sasl_SOURCES = tests/unit/test-sasl.c tests/tap.h
tests_unit_test_sasl_LDADD = $(PETREL_LIBS)
