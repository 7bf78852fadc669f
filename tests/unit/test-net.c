/* test-net.c - connecting and timeouts against real sockets on loopback:
 * 127.0.0.1 and ::1, a refused port, a name that does not resolve, a
 * connect that is never answered, a read that never gets data, a write the
 * peer never reads, and a peer that hangs up. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "net.h"
#include "stream.h"
#include "tls.h"
#include "util.h"
#include "../tap.h"

static bool contains(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* A listening socket on addr (an IP literal) and a kernel-chosen free
 * port, so parallel tests never collide.  -1 when the address family is
 * not available. */
static int listen_on(const char *addr, int backlog, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof ss);
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return -1;
		len = sizeof *sin6;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			return -1;
		len = sizeof *sin;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, backlog) != 0) {
		close(fd);
		return -1;
	}
	len = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* accept() with a bound wait, so a broken test cannot hang. */
static int accept_within(int lfd, int ms)
{
	struct pollfd pfd = { lfd, POLLIN, 0 };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return accept(lfd, NULL, NULL);
}

static void test_connect(const char *addr)
{
	struct net_params np = { .timeout_ms = 2000 };
	struct stream_params sp = { .timeout_ms = 2000 };
	struct error *err = NULL;
	struct transport *t;
	struct stream *s;
	unsigned port;
	int lfd = listen_on(addr, 8, &port), cfd, nodelay = 0;
	socklen_t olen = sizeof nodelay;
	const char *line;
	size_t len;
	char buf[64], *want_peer;
	ssize_t n;

	if (lfd < 0) {
		ok(1, "# SKIP %s is not available here", addr);
		return;
	}
	t = net_open(addr, port, &np, &err);
	ok(t != NULL, "%s: connects to a listening socket", addr);
	if (t == NULL) {
		diag("%s", err->msg);
		error_free(&err);
		close(lfd);
		return;
	}
	want_peer = net_peer_name(addr, port);
	is_str(transport_peer(t), want_peer, "%s: the peer is named host:port", addr);
	free(want_peer);
	getsockopt(net_transport_fd(t), IPPROTO_TCP, TCP_NODELAY, &nodelay, &olen);
	ok(nodelay != 0, "%s: TCP_NODELAY is set", addr);
	cfd = accept_within(lfd, 2000);
	s = stream_new(t, &sp);
	ok(cfd >= 0 && write(cfd, "+OK ready\r\n", 11) == 11 &&
	   stream_read_line(s, &line, &len, &err) == 0 && strcmp(line, "+OK ready") == 0,
	   "%s: a line from the server", addr);
	ok(stream_puts(s, "CAPA\r\n", &err) == 0 && stream_flush(s, &err) == 0 &&
	   (n = read(cfd, buf, sizeof buf)) == 6 && memcmp(buf, "CAPA\r\n", 6) == 0,
	   "%s: a command to the server", addr);
	close(cfd);
	ok(stream_read_line(s, &line, &len, &err) == -1 && stream_eof(s) &&
	   err->kind == ERR_TEMP && contains(err->msg, "the server closed the connection"),
	   "%s: the server hanging up is a clean EOF", addr);
	error_free(&err);
	stream_free(&s);
	close(lfd);
}

/* A name that resolves to several addresses where only one listens. */
static void test_localhost(void)
{
	struct net_params np = { .timeout_ms = 2000 };
	struct error *err = NULL;
	unsigned port;
	int lfd = listen_on("127.0.0.1", 8, &port);
	struct transport *t = net_open("localhost", port, &np, &err);

	ok(t != NULL, "\"localhost\" resolves and connects (trying each address)");
	if (err != NULL)
		diag("%s", err->msg);
	{
		char *want = net_peer_name("localhost", port);

		is_str(t ? transport_peer(t) : NULL, want, "named by the name, not the address");
		free(want);
	}
	error_free(&err);
	transport_free(&t);
	close(lfd);
}

static void test_refused(void)
{
	struct net_params np = { .timeout_ms = 2000 };
	struct error *err = NULL;
	unsigned port;
	int lfd = listen_on("127.0.0.1", 1, &port), fd;
	char want[128];

	close(lfd);	/* nothing listens there now */
	fd = net_connect("127.0.0.1", port, &np, &err);
	snprintf(want, sizeof want, "cannot connect to 127.0.0.1:%u (127.0.0.1): "
		 "connection refused", port);
	ok(fd == -1 && err != NULL && err->kind == ERR_TEMP && contains(err->msg, want),
	   "a closed port: ERR_TEMP \"connection refused\" naming host and port");
	if (err != NULL)
		diag("%s", err->msg);
	error_free(&err);
}

static void test_resolve(void)
{
	struct net_params np = { .timeout_ms = 2000 };
	struct error *err = NULL;
	int fd = net_connect("no-such-host.invalid", 110, &np, &err);

	ok(fd == -1 && err != NULL && err->kind == ERR_TEMP &&
	   contains(err->msg, "cannot resolve host no-such-host.invalid"),
	   "an unknown name: \"cannot resolve host\"");
	if (err != NULL)
		diag("%s", err->msg);
	error_free(&err);
	fd = net_connect("127.0.0.1", 0, &np, &err);
	ok(fd == -1 && err != NULL && err->kind == ERR_CONFIG, "port 0 is refused");
	error_free(&err);
}

static void test_connect_timeout(void)
{
	struct net_params np = { .timeout_ms = 1000 };
	struct error *err = NULL;
	unsigned port;
	int lfd = listen_on("127.0.0.1", 0, &port), filler[4], fd;
	struct sockaddr_in sin;
	int64_t t0, dt;

	/* Fill the accept queue: further SYNs are dropped, unanswered. */
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (size_t i = 0; i < ARRAY_LEN(filler); i++) {
		filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(filler[i], (struct sockaddr *)&sin, sizeof sin);
	}
	usleep(100000);
	t0 = transport_now_ms();
	fd = net_connect("127.0.0.1", port, &np, &err);
	dt = transport_now_ms() - t0;
	if (fd >= 0) {
		ok(1, "# SKIP this kernel answers connects beyond the backlog");
		ok(1, "# SKIP (the same)");
		close(fd);
	} else {
		ok(err != NULL && err->kind == ERR_TEMP &&
		   contains(err->msg, "no answer within 1 second; the attempt was abandoned"),
		   "an unanswered connect times out with a clear sentence");
		if (err != NULL)
			diag("%s", err->msg);
		ok(dt >= 900 && dt < 5000, "after about the timeout (%lld ms)", (long long)dt);
	}
	error_free(&err);
	for (size_t i = 0; i < ARRAY_LEN(filler); i++)
		close(filler[i]);
	close(lfd);
}

static void test_read_timeout(void)
{
	struct net_params np = { .timeout_ms = 1000 };
	struct stream_params sp = { .timeout_ms = 1000 };
	struct error *err = NULL;
	struct transport *t;
	struct stream *s;
	unsigned port;
	int lfd = listen_on("127.0.0.1", 8, &port), cfd;
	const char *line;
	size_t len;
	char want[128];
	int64_t t0, dt;

	t = net_open("127.0.0.1", port, &np, &err);
	cfd = accept_within(lfd, 2000);
	s = stream_new(t, &sp);
	/* Half a line, then silence: a stall is about progress, not lines. */
	ok(t != NULL && cfd >= 0 && write(cfd, "+OK hal", 7) == 7, "server sends half a line");
	t0 = transport_now_ms();
	snprintf(want, sizeof want,
		 "127.0.0.1:%u: no data for 1 second; the connection was abandoned", port);
	ok(stream_read_line(s, &line, &len, &err) == -1, "the read fails");
	dt = transport_now_ms() - t0;
	is_str(err ? err->msg : NULL, want, "with the stall sentence naming host and port");
	ok(err != NULL && err->kind == ERR_TEMP, "as ERR_TEMP");
	ok(dt >= 900 && dt < 5000, "after about the timeout (%lld ms)", (long long)dt);
	is_int(stream_bytes_in(s), 7, "the 7 bytes that came are counted");
	error_free(&err);
	stream_free(&s);
	close(cfd);
	close(lfd);
}

static void test_write_timeout(void)
{
	struct net_params np = { .timeout_ms = 1000 };
	struct stream_params sp = { .timeout_ms = 500 };
	struct error *err = NULL;
	struct transport *t;
	struct stream *s;
	unsigned port;
	int lfd = listen_on("127.0.0.1", 8, &port), cfd, small = 4096;
	size_t big = 64u * 1024 * 1024;
	char *data = xcalloc(1, big);
	int64_t t0, dt;

	t = net_open("127.0.0.1", port, &np, &err);
	cfd = accept_within(lfd, 2000);
	if (t != NULL)
		setsockopt(net_transport_fd(t), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	if (cfd >= 0)
		setsockopt(cfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	s = stream_new(t, &sp);
	t0 = transport_now_ms();
	ok(stream_write(s, data, big, &err) == -1 && err != NULL && err->kind == ERR_TEMP &&
	   contains(err->msg, "could not send for 0.5 seconds"),
	   "a peer that reads nothing: the write fails after the timeout");
	dt = transport_now_ms() - t0;
	if (err != NULL)
		diag("%s", err->msg);
	ok(dt >= 400 && dt < 10000, "after about the timeout (%lld ms)", (long long)dt);
	error_free(&err);
	stream_free(&s);
	free(data);
	close(cfd);
	close(lfd);
}

/* TLS over a real socket to a server that is silent, or speaks plain
 * text: the handshake runs under the timeout and says what happened. */
static void test_tls_handshake(void)
{
	struct net_params np = { .timeout_ms = 1000 };
	struct tls_params tp = { .host = "127.0.0.1" };
	struct error *err = NULL;
	struct transport *t, *secure;
	unsigned port;
	int lfd = listen_on("127.0.0.1", 8, &port), cfd;
	char want[128];
	int64_t t0, dt;

	t = net_open("127.0.0.1", port, &np, &err);
	cfd = accept_within(lfd, 2000);
	t0 = transport_now_ms();
	secure = t != NULL ? tls_transport_new(t, &tp, TLS_IMPLICIT, 1000, &err) : NULL;
	dt = transport_now_ms() - t0;
	snprintf(want, sizeof want,
		 "127.0.0.1:%u: no data for 1 second; the connection was abandoned", port);
	ok(secure == NULL, "a silent server: the TLS handshake fails");
	is_str(err ? err->msg : NULL, want, "with the stall sentence");
	ok(dt >= 900 && dt < 5000, "after about the timeout (%lld ms)", (long long)dt);
	error_free(&err);
	transport_free(&t);
	close(cfd);

	t = net_open("127.0.0.1", port, &np, &err);
	cfd = accept_within(lfd, 2000);
	ok(cfd >= 0 && write(cfd, "+OK POP3 ready\r\n", 16) == 16, "a plain-text greeting");
	secure = t != NULL ? tls_transport_new(t, &tp, TLS_IMPLICIT, 1000, &err) : NULL;
	ok(secure == NULL && err != NULL && err->kind == ERR_PERM &&
	   contains(err->msg, "does not speak TLS on this port"),
	   "implicit TLS against plain text: says the port does not speak TLS");
	error_free(&err);
	transport_free(&t);
	close(cfd);

	t = net_open("127.0.0.1", port, &np, &err);
	cfd = accept_within(lfd, 2000);
	secure = NULL;
	if (t != NULL && cfd >= 0) {
		struct stream *s = stream_new(t, NULL);
		const char *line;
		size_t len;

		ok(write(cfd, "+OK Begin TLS\r\n", 15) == 15 &&
		   stream_read_line(s, &line, &len, &err) == 0, "STLS go-ahead read");
		ok(write(cfd, "-ERR injected\r\n", 15) == 15, "then injected plain text");
		usleep(100000);
		ok(stream_start_tls(s, &tp, &err) == -1 && err != NULL &&
		   contains(err->msg, "CVE-2020-14954"),
		   "bytes waiting on the socket after the go-ahead: refused");
		stream_free(&s);
	} else {
		ok(0, "connect for the STLS test");
	}
	error_free(&err);
	close(cfd);
	close(lfd);
}

static void test_peer_name(void)
{
	char *p = net_peer_name("pop.example.org", 995);

	is_str(p, "pop.example.org:995", "peer name for a host");
	free(p);
	p = net_peer_name("::1", 110);
	is_str(p, "[::1]:110", "peer name for an IPv6 literal");
	free(p);
}

int main(void)
{
	test_peer_name();
	test_connect("127.0.0.1");
	test_connect("::1");
	test_localhost();
	test_refused();
	test_resolve();
	test_connect_timeout();
	test_read_timeout();
	test_write_timeout();
	test_tls_handshake();
	return tap_done();
}
