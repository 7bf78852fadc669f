## The network layer: transports (socket, TLS, in-memory, failure
## injection) and the buffered line stream POP3 and SMTP share.
libpetrel_a_SOURCES += \
	src/transport.c src/transport.h \
	src/net.c src/net.h \
	src/tls.c src/tls.h \
	src/stream.c src/stream.h

check_PROGRAMS += tests/unit/test-stream tests/unit/test-net tests/net/tls-client
TESTS += tests/unit/test-stream tests/unit/test-net tests/net/tls.sh
EXTRA_DIST += tests/net/tls.sh
tests_unit_test_stream_SOURCES = tests/unit/test-stream.c tests/tap.h
tests_unit_test_stream_LDADD = $(PETREL_LIBS)
tests_unit_test_net_SOURCES = tests/unit/test-net.c tests/tap.h
tests_unit_test_net_LDADD = $(PETREL_LIBS)
tests_net_tls_client_SOURCES = tests/net/tls-client.c
tests_net_tls_client_LDADD = $(PETREL_LIBS)
