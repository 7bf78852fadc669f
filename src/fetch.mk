## The POP3 fetch policy and account secrets.
libpetrel_a_SOURCES += \
	src/secret.c src/secret.h \
	src/fetch.c src/fetch.h
