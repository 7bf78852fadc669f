## (mail area: files are added here as they land)

## Message parsing: header fields, charsets, RFC 2047, addresses, dates,
## message ids, and the envelope the index needs.
libpetrel_a_SOURCES += \
	src/lex822.c src/lex822.h \
	src/charset.c src/charset.h \
	src/rfc2047.c src/rfc2047.h \
	src/header.c src/header.h \
	src/address.c src/address.h \
	src/date.c src/date.h \
	src/msgid.c src/msgid.h \
	src/envelope.c src/envelope.h

check_PROGRAMS += tests/unit/test-charset
TESTS += tests/unit/test-charset
tests_unit_test_charset_SOURCES = tests/unit/test-charset.c tests/tap.h
tests_unit_test_charset_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-rfc2047
TESTS += tests/unit/test-rfc2047
tests_unit_test_rfc2047_SOURCES = tests/unit/test-rfc2047.c tests/tap.h
tests_unit_test_rfc2047_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-header
TESTS += tests/unit/test-header
tests_unit_test_header_SOURCES = tests/unit/test-header.c tests/tap.h
tests_unit_test_header_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-address
TESTS += tests/unit/test-address
tests_unit_test_address_SOURCES = tests/unit/test-address.c tests/tap.h
tests_unit_test_address_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-date
TESTS += tests/unit/test-date
tests_unit_test_date_SOURCES = tests/unit/test-date.c tests/tap.h
tests_unit_test_date_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-msgid
TESTS += tests/unit/test-msgid
tests_unit_test_msgid_SOURCES = tests/unit/test-msgid.c tests/tap.h
tests_unit_test_msgid_LDADD = $(PETREL_LIBS)

check_PROGRAMS += tests/unit/test-envelope
TESTS += tests/unit/test-envelope
tests_unit_test_envelope_SOURCES = tests/unit/test-envelope.c tests/tap.h
tests_unit_test_envelope_LDADD = $(PETREL_LIBS)

include tests/fuzz/fuzz.mk
