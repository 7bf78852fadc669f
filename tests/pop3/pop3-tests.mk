## POP3 test infrastructure: a fault-injecting TCP proxy of our own, a
## private Dovecot started by the tests, and the fetch integration and
## fault tests against it.  The benchmark (tests/bench/fetch-vs-mpop.sh)
## is not part of make check.
check_PROGRAMS += tests/tools/faultproxy
tests_tools_faultproxy_SOURCES = tests/tools/faultproxy.c
tests_tools_faultproxy_LDADD =

TESTS += tests/tools/test-faultproxy.sh tests/pop3/fetch-basic.sh tests/pop3/fetch-faults.sh \
	tests/pop3/fetch-retention.sh tests/pop3/fetch-progress.sh
EXTRA_DIST += tests/tools/test-faultproxy.sh tests/tools/netpeer.py \
	tests/tools/faultproxy.sh \
	tests/pop3/dovecot.sh tests/pop3/mailtool.py \
	tests/pop3/fetch-basic.sh tests/pop3/fetch-faults.sh \
	tests/pop3/fetch-retention.sh tests/pop3/fetch-progress.sh \
	tests/bench/fetch-vs-mpop.sh
