## Folder formats: message flags, mbox and Maildir readers and writers.
libpetrel_a_SOURCES += \
	src/msgflags.c src/msgflags.h \
	src/mbox.c src/mbox.h \
	src/maildir.c src/maildir.h

check_PROGRAMS += tests/unit/test-mbox tests/unit/test-maildir
TESTS += tests/unit/test-mbox tests/unit/test-maildir
tests_unit_test_mbox_SOURCES = tests/unit/test-mbox.c tests/tap.h
tests_unit_test_mbox_LDADD = $(PETREL_LIBS)
tests_unit_test_maildir_SOURCES = tests/unit/test-maildir.c tests/tap.h
tests_unit_test_maildir_LDADD = $(PETREL_LIBS)
