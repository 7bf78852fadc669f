/* net.h - TCP connections: name resolution, connecting with a timeout over
 * IPv6 and IPv4, and the socket transport with read/write deadlines.
 *
 * Every failure is an ERR_TEMP error (the network may come back; the
 * outbox and the fetch retry later) whose sentence says what failed and
 * names the host and port: the name did not resolve, the connection was
 * refused, the network or host is unreachable, nothing answered in time.
 * The socket is non-blocking and waits in poll(), so a stalled peer can
 * never hang the caller for longer than the timeout. */
#ifndef PETREL_NET_H
#define PETREL_NET_H

#include <stdbool.h>

#include "error.h"
#include "transport.h"

struct net_params {
	int timeout_ms;	/* connecting to each address, and every later read or
			 * write that makes no progress; <= 0: wait forever */
	int family;	/* AF_UNSPEC (0): whatever the name resolves to;
			 * AF_INET or AF_INET6 to insist on one */
};

/* "host:port", or "[v6-literal]:port"; allocated. */
char *net_peer_name(const char *host, unsigned port);

/* Resolves host and connects to port, trying each address in the order
 * getaddrinfo() gives them (so IPv6 first where the system prefers it),
 * each under the full timeout.  Returns a connected, non-blocking,
 * close-on-exec socket with TCP_NODELAY set, or -1 with *err set.  When
 * every address fails, the error is the most telling one (refused beats
 * timed out beats unreachable). */
int net_connect(const char *host, unsigned port, const struct net_params *p,
		struct error **err);

/* Wraps a connected socket (or any fd: pipes work too) in a transport
 * that owns it and closes it when freed.  peer names it in messages.  The
 * fd is made non-blocking. */
struct transport *net_transport_new(int fd, const char *peer);

/* net_connect() plus net_transport_new(): the usual way to open a
 * connection.  NULL with *err set on failure. */
struct transport *net_open(const char *host, unsigned port,
			   const struct net_params *p, struct error **err);

/* The fd under a socket transport (searching the stack), or -1. */
int net_transport_fd(struct transport *t);

#endif
