/* net.c - TCP connections: resolution, connect with timeout, the socket
 * transport. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "i18n.h"
#include "net.h"

char *net_peer_name(const char *host, unsigned port)
{
	if (strchr(host, ':') != NULL)
		return xasprintf("[%s]:%u", host, port);
	return xasprintf("%s:%u", host, port);
}

/* Waits for events on fd for at most timeout_ms (< 0: forever), restarting
 * after signals with the time left.  Returns 1 ready, 0 timed out, -1
 * error (errno set). */
static int wait_fd(int fd, short events, int timeout_ms)
{
	int64_t deadline = timeout_ms >= 0 ? transport_now_ms() + timeout_ms : -1;
	struct pollfd pfd;
	int left = timeout_ms, rc;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, left);
		if (rc >= 0)
			return rc > 0 ? 1 : 0;
		if (errno != EINTR)
			return -1;
		if (deadline >= 0) {
			int64_t now = transport_now_ms();

			left = now >= deadline ? 0 : (int)(deadline - now);
		}
	}
}

static void set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ---- Connecting ---- */

/* How telling a failure is, to pick one error out of several addresses. */
enum attempt_rank { RANK_OTHER, RANK_UNREACHABLE, RANK_TIMEOUT, RANK_REFUSED };

static int connect_one(const struct addrinfo *ai, const char *peer, int timeout_ms,
		       struct error **err, enum attempt_rank *rank)
{
	char addr[INET6_ADDRSTRLEN];
	int fd, e = 0, one = 1;
	socklen_t elen = sizeof e;

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr, NULL, 0,
			NI_NUMERICHOST) != 0)
		snprintf(addr, sizeof addr, "?");
	*rank = RANK_OTHER;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return error_set_errno(err, ERR_TEMP, errno,
				       _("cannot connect to %s (%s)"), peer, addr);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			e = errno;
		} else {
			int rc = wait_fd(fd, POLLOUT, timeout_ms);

			if (rc == 0) {
				char *d = transport_duration(timeout_ms);

				close(fd);
				*rank = RANK_TIMEOUT;
				error_set(err, ERR_TEMP,
					  _("cannot connect to %s (%s): no answer within %s; "
					    "the attempt was abandoned"), peer, addr, d);
				free(d);
				return -1;
			}
			if (rc < 0)
				e = errno;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0)
				e = errno;
		}
	}
	if (e != 0) {
		close(fd);
		switch (e) {
		case ECONNREFUSED:
			*rank = RANK_REFUSED;
			return error_set(err, ERR_TEMP,
					 _("cannot connect to %s (%s): connection refused "
					   "(nothing listens on that port)"), peer, addr);
		case ENETUNREACH:
			*rank = RANK_UNREACHABLE;
			return error_set(err, ERR_TEMP,
					 _("cannot connect to %s (%s): the network is "
					   "unreachable"), peer, addr);
		case EHOSTUNREACH:
			*rank = RANK_UNREACHABLE;
			return error_set(err, ERR_TEMP,
					 _("cannot connect to %s (%s): the host is "
					   "unreachable"), peer, addr);
		case ETIMEDOUT:
			*rank = RANK_TIMEOUT;
			return error_set(err, ERR_TEMP,
					 _("cannot connect to %s (%s): the connection "
					   "attempt timed out"), peer, addr);
		default:
			return error_set_errno(err, ERR_TEMP, e,
					       _("cannot connect to %s (%s)"), peer, addr);
		}
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

int net_connect(const char *host, unsigned port, const struct net_params *p,
		struct error **err)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct error *best = NULL;
	enum attempt_rank best_rank = RANK_OTHER;
	char service[16], *peer;
	int rc, fd = -1, timeout_ms = p != NULL && p->timeout_ms > 0 ? p->timeout_ms : -1;

	if (port == 0 || port > 65535)
		return error_set(err, ERR_CONFIG, _("%u is not a valid port number"), port);
	peer = net_peer_name(host, port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = p != NULL ? p->family : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
	snprintf(service, sizeof service, "%u", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY || rc == EAI_NODATA) {
		/* AI_ADDRCONFIG hides loopback-only setups; ask once more. */
		hints.ai_flags &= ~AI_ADDRCONFIG;
		rc = getaddrinfo(host, service, &hints, &res);
	}
	if (rc != 0) {
		if (rc == EAI_SYSTEM)
			error_set_errno(err, ERR_TEMP, errno, _("cannot resolve host %s"), host);
		else
			error_set(err, ERR_TEMP, _("cannot resolve host %s: %s"), host,
				  gai_strerror(rc));
		free(peer);
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct error *e = NULL;
		enum attempt_rank rank;

		fd = connect_one(ai, peer, timeout_ms, &e, &rank);
		if (fd >= 0) {
			error_free(&e);
			break;
		}
		if (best == NULL || rank > best_rank) {
			error_free(&best);
			best = e;
			best_rank = rank;
		} else {
			error_free(&e);
		}
	}
	freeaddrinfo(res);
	free(peer);
	if (fd >= 0) {
		error_free(&best);
		return fd;
	}
	if (best == NULL)
		return error_set(err, ERR_TEMP, _("cannot resolve host %s: no address"), host);
	if (err != NULL && *err == NULL)
		*err = best;
	else
		error_free(&best);
	return -1;
}

/* ---- The socket transport ---- */

struct sock_transport {
	struct transport base;
	int fd;
	bool is_socket;		/* send()/recv() work; else read()/write() */
};

static ssize_t sock_read(struct transport *t, void *p, size_t n, int timeout_ms,
			 struct error **err)
{
	struct sock_transport *s = (struct sock_transport *)t;

	for (;;) {
		ssize_t got = s->is_socket ? recv(s->fd, p, n, 0) : read(s->fd, p, n);
		int rc;

		if (got >= 0)
			return got;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			if (errno == ECONNRESET)
				return error_set(err, ERR_TEMP,
						 _("%s: the server reset the connection"),
						 t->peer);
			return error_set_errno(err, ERR_TEMP, errno,
					       _("%s: cannot read from the connection"),
					       t->peer);
		}
		rc = wait_fd(s->fd, POLLIN, timeout_ms);
		if (rc == 0)
			return transport_read_timeout(err, t->peer, timeout_ms);
		if (rc < 0)
			return error_set_errno(err, ERR_TEMP, errno,
					       _("%s: cannot wait for data"), t->peer);
	}
}

static int sock_write(struct transport *t, const void *p, size_t n, int timeout_ms,
		      struct error **err)
{
	struct sock_transport *s = (struct sock_transport *)t;
	const char *c = p;

	while (n > 0) {
		ssize_t put = s->is_socket ? send(s->fd, c, n, MSG_NOSIGNAL)
					   : write(s->fd, c, n);
		int rc;

		if (put > 0) {
			c += put;
			n -= (size_t)put;
			continue;
		}
		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			if (errno == EPIPE || errno == ECONNRESET)
				return error_set(err, ERR_TEMP,
						 _("%s: the server closed the connection "
						   "while we were sending"), t->peer);
			return error_set_errno(err, ERR_TEMP, errno,
					       _("%s: cannot send"), t->peer);
		}
		rc = wait_fd(s->fd, POLLOUT, timeout_ms);
		if (rc == 0)
			return transport_write_timeout(err, t->peer, timeout_ms);
		if (rc < 0)
			return error_set_errno(err, ERR_TEMP, errno,
					       _("%s: cannot wait to send"), t->peer);
	}
	return 0;
}

static bool sock_pending(struct transport *t)
{
	struct sock_transport *s = (struct sock_transport *)t;
	char c;

	if (wait_fd(s->fd, POLLIN, 0) <= 0)
		return false;
	if (!s->is_socket)
		return true;	/* cannot peek a pipe; readable may mean EOF */
	return recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

static void sock_destroy(struct transport *t)
{
	struct sock_transport *s = (struct sock_transport *)t;

	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static const struct transport_ops sock_ops = {
	.kind = "socket",
	.read = sock_read,
	.write = sock_write,
	.pending = sock_pending,
	.destroy = sock_destroy,
};

struct transport *net_transport_new(int fd, const char *peer)
{
	struct sock_transport *s = xcalloc(1, sizeof *s);
	int type;
	socklen_t len = sizeof type;

	transport_init(&s->base, &sock_ops, peer, NULL);
	s->fd = fd;
	s->is_socket = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
	set_nonblocking(fd);
	return &s->base;
}

struct transport *net_open(const char *host, unsigned port,
			   const struct net_params *p, struct error **err)
{
	struct transport *t;
	char *peer;
	int fd = net_connect(host, port, p, err);

	if (fd < 0)
		return NULL;
	peer = net_peer_name(host, port);
	t = net_transport_new(fd, peer);
	free(peer);
	return t;
}

int net_transport_fd(struct transport *t)
{
	struct transport *s = transport_find(t, &sock_ops);

	return s != NULL ? ((struct sock_transport *)s)->fd : -1;
}
