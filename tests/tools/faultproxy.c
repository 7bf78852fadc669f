/* faultproxy.c - a TCP proxy for fault tests and benchmarks.
 *
 * It sits between a client and a server on loopback and forwards bytes
 * both ways, and on request:
 *   - delays every chunk by N ms in one or both directions, through a timed
 *     queue, so a delay emulates latency without capping throughput;
 *   - limits the rate of each direction;
 *   - cuts the connection (FIN or RST, both sides) once exactly B bytes
 *     have been delivered in the chosen direction;
 *   - stalls it (forwards nothing more, keeps the sockets open) once
 *     exactly B bytes have been delivered;
 *   - opens each upstream connection with a HAProxy PROXY v1 line, so the
 *     server sees another source address.
 * One process, one poll(2) loop, every buffer and count capped.  Run
 * "faultproxy --help" for the options. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#ifdef __linux__
#include <linux/sockios.h>
#endif

#define CHUNK_MAX (64 * 1024)
#define MAX_CONNS_LIMIT 256
#define BUFFER_LIMIT ((size_t)1 << 30)
#define DUMP_CONNS 64
#define DUMP_MAX ((uint64_t)64 << 20)
#define CLOSE_GRACE_US 2000000 /* draining after a FIN cut, or a RST wait */

enum { UP, DOWN }; /* UP: client to server; DOWN: server to client */
enum which { W_UP = 1, W_DOWN = 2, W_BOTH = 3 };
enum state { ST_CONNECTING, ST_OPEN, ST_STALLED, ST_DRAINING, ST_RSTWAIT };

struct chunk {
	struct chunk *next;
	int64_t release; /* monotonic microseconds when it may be written */
	size_t len, off;
	int eof; /* no data: the source's end of stream */
	unsigned char data[];
};

struct flow {
	struct chunk *head, *tail;
	size_t queued;
	uint64_t nread, nsent;
	int eof_read, shut, eof_drained;
	double tokens;
	int64_t refilled;
	FILE *dump;
	uint64_t dumped;
};

struct conn {
	int id;
	int fd[2]; /* fd[UP] is the client's socket, fd[DOWN] the server's */
	enum state state;
	int faulty;
	int64_t deadline;
	struct flow f[2]; /* f[UP] reads fd[UP] and writes fd[DOWN] */
};

static struct {
	const char *listen_host;
	int listen_port;
	const char *connect_spec;
	struct sockaddr_storage server;
	socklen_t server_len;
	char server_ip[INET6_ADDRSTRLEN];
	int server_port;
	int64_t delay_us;
	enum which delay_dir;
	uint64_t cut_after, stall_after;
	int cut, stall;
	enum which cut_dir, stall_dir;
	int cut_rst;
	double rate;
	int times; /* faults to make before forwarding cleanly; 0: no limit */
	const char *haproxy_src;
	const char *port_file, *log_file, *dump_prefix;
	int max_conns;
	size_t buffer;
	long lifetime;
	int verbose;
} opt = {
	.listen_host = "127.0.0.1",
	.delay_dir = W_BOTH,
	.cut_dir = W_DOWN,
	.stall_dir = W_DOWN,
	.max_conns = 32,
	.buffer = (size_t)16 << 20,
};

static struct conn *conns[MAX_CONNS_LIMIT];
static int nconns, next_id = 1, faults_done;
static int sigpipe_fds[2] = { -1, -1 };
static FILE *logfile;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("faultproxy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t parse_num(const char *s, const char *what, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		die("%s: \"%s\" is not a number", what, s);
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		die("%s: \"%s\" is not a number from 0 to %llu", what, s,
		    (unsigned long long)max);
	return v;
}

static enum which parse_dir(const char *s, const char *what)
{
	if (!strcmp(s, "up"))
		return W_UP;
	if (!strcmp(s, "down"))
		return W_DOWN;
	if (!strcmp(s, "both"))
		return W_BOTH;
	die("%s: \"%s\" is not one of up, down, both", what, s);
}

static void usage(FILE *f)
{
	fputs("usage: faultproxy --listen PORT --connect HOST:PORT [options]\n"
	      "  --listen PORT          port to listen on (0: any free port)\n"
	      "  --listen-host ADDR     address to listen on (default 127.0.0.1)\n"
	      "  --connect HOST:PORT    the server ([ADDR]:PORT for IPv6)\n"
	      "  --delay-ms N           hold every chunk N ms before forwarding it\n"
	      "  --delay-direction D    up, down or both (default both: N ms each way)\n"
	      "  --rate BYTES_PER_SEC   forward at most this many bytes a second each way\n"
	      "  --cut-after B          cut both sides once B bytes were delivered\n"
	      "  --cut-direction D      bytes counted: down (server to client, default),\n"
	      "                         up (client to server) or both (the sum)\n"
	      "  --cut-mode fin|rst     close with FIN (default) or reset with RST\n"
	      "  --stall-after B        forward nothing more after B bytes, keep sockets open\n"
	      "  --stall-direction D    as --cut-direction for the stall (default down)\n"
	      "  --once                 only the first cut or stall happens; later\n"
	      "                         connections are forwarded whole\n"
	      "  --times N              as --once, after N cuts or stalls\n"
	      "  --haproxy-src ADDR     start each upstream connection with a PROXY v1\n"
	      "                         line giving ADDR as the client's address\n"
	      "  --port-file FILE       write the listening port to FILE when ready\n"
	      "                         (otherwise print it on stdout)\n"
	      "  --log FILE             append one line per finished connection:\n"
	      "                         conn N up BYTES down BYTES end REASON\n"
	      "  --dump PREFIX          write each connection's bytes, as read, to\n"
	      "                         PREFIX.N.up and PREFIX.N.down (first 64, 64 MiB)\n"
	      "  --max-conns N          connections at once (default 32, at most 256)\n"
	      "  --buffer BYTES         bytes queued per direction (default 16 MiB)\n"
	      "  --lifetime SECONDS     exit after this long whatever happens (0: never)\n"
	      "  --verbose              report connections on stderr\n"
	      "Exits 0 on SIGTERM or SIGINT.\n", f);
}

static void parse_connect(const char *spec)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	size_t hl;
	struct addrinfo hints, *res;
	int rc;

	if (!colon || colon == spec)
		die("--connect: \"%s\" is not HOST:PORT", spec);
	hl = (size_t)(colon - spec);
	if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		die("--connect: bad host in \"%s\"", opt.connect_spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	opt.server_port = (int)parse_num(colon + 1, "--connect port", 65535);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0)
		die("--connect: %s: %s", host, gai_strerror(rc));
	memcpy(&opt.server, res->ai_addr, res->ai_addrlen);
	opt.server_len = res->ai_addrlen;
	if (res->ai_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr,
			  opt.server_ip, sizeof(opt.server_ip));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr,
			  opt.server_ip, sizeof(opt.server_ip));
	freeaddrinfo(res);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "listen-host", required_argument, NULL, 'L' },
		{ "connect", required_argument, NULL, 'c' },
		{ "delay-ms", required_argument, NULL, 'd' },
		{ "delay-direction", required_argument, NULL, 'D' },
		{ "rate", required_argument, NULL, 'r' },
		{ "cut-after", required_argument, NULL, 'x' },
		{ "cut-direction", required_argument, NULL, 'X' },
		{ "cut-mode", required_argument, NULL, 'm' },
		{ "stall-after", required_argument, NULL, 's' },
		{ "stall-direction", required_argument, NULL, 'S' },
		{ "once", no_argument, NULL, 'o' },
		{ "times", required_argument, NULL, 'T' },
		{ "haproxy-src", required_argument, NULL, 'H' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'g' },
		{ "dump", required_argument, NULL, 'u' },
		{ "max-conns", required_argument, NULL, 'n' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "lifetime", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_listen = 0;
	struct in6_addr a6;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			opt.listen_port = (int)parse_num(optarg, "--listen", 65535);
			have_listen = 1;
			break;
		case 'L': opt.listen_host = optarg; break;
		case 'c': opt.connect_spec = optarg; break;
		case 'd':
			opt.delay_us = (int64_t)parse_num(optarg, "--delay-ms", 600000) * 1000;
			break;
		case 'D': opt.delay_dir = parse_dir(optarg, "--delay-direction"); break;
		case 'r':
			opt.rate = (double)parse_num(optarg, "--rate", (uint64_t)1 << 40);
			if (opt.rate < 1)
				die("--rate: must be at least 1");
			break;
		case 'x':
			opt.cut_after = parse_num(optarg, "--cut-after", UINT64_MAX / 2);
			opt.cut = 1;
			break;
		case 'X': opt.cut_dir = parse_dir(optarg, "--cut-direction"); break;
		case 'm':
			if (!strcmp(optarg, "rst"))
				opt.cut_rst = 1;
			else if (!strcmp(optarg, "fin"))
				opt.cut_rst = 0;
			else
				die("--cut-mode: \"%s\" is not fin or rst", optarg);
			break;
		case 's':
			opt.stall_after = parse_num(optarg, "--stall-after", UINT64_MAX / 2);
			opt.stall = 1;
			break;
		case 'S': opt.stall_dir = parse_dir(optarg, "--stall-direction"); break;
		case 'o': opt.times = 1; break;
		case 'T':
			opt.times = (int)parse_num(optarg, "--times", 1000000);
			if (opt.times < 1)
				die("--times: must be at least 1");
			break;
		case 'H': opt.haproxy_src = optarg; break;
		case 'p': opt.port_file = optarg; break;
		case 'g': opt.log_file = optarg; break;
		case 'u': opt.dump_prefix = optarg; break;
		case 'n':
			opt.max_conns = (int)parse_num(optarg, "--max-conns", MAX_CONNS_LIMIT);
			if (opt.max_conns < 1)
				die("--max-conns: must be at least 1");
			break;
		case 'b':
			opt.buffer = (size_t)parse_num(optarg, "--buffer", BUFFER_LIMIT);
			if (opt.buffer < 1024)
				die("--buffer: must be at least 1024");
			break;
		case 't': opt.lifetime = (long)parse_num(optarg, "--lifetime", 86400); break;
		case 'v': opt.verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc)
		die("unexpected argument \"%s\"", argv[optind]);
	if (!have_listen || !opt.connect_spec) {
		usage(stderr);
		exit(2);
	}
	if (opt.cut && opt.stall)
		die("--cut-after and --stall-after cannot be used together");
	if (opt.haproxy_src && inet_pton(AF_INET6, opt.haproxy_src, &a6) != 1 &&
	    inet_pton(AF_INET, opt.haproxy_src, &a6) != 1)
		die("--haproxy-src: \"%s\" is not an IP address", opt.haproxy_src);
	parse_connect(opt.connect_spec);
}

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (write(sigpipe_fds[1], &c, 1) < 0) {
		/* the pipe is full: a wake-up is already pending */
	}
	errno = saved;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl: %s", strerror(errno));
}

static void set_nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int make_listener(void)
{
	struct addrinfo hints, *res;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char port[16];
	int fd, one = 1, rc;

	snprintf(port, sizeof(port), "%d", opt.listen_port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(opt.listen_host, port, &hints, &res);
	if (rc != 0)
		die("--listen-host: %s: %s", opt.listen_host, gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0)
		die("cannot listen on %s port %s: %s", opt.listen_host, port, strerror(errno));
	freeaddrinfo(res);
	if (listen(fd, 64) < 0)
		die("listen: %s", strerror(errno));
	set_nonblock(fd);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		die("getsockname: %s", strerror(errno));
	if (ss.ss_family == AF_INET)
		opt.listen_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		opt.listen_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void announce_port(void)
{
	if (opt.port_file) {
		size_t n = strlen(opt.port_file) + 8;
		char *tmp = malloc(n);
		FILE *f;

		if (!tmp)
			die("out of memory");
		snprintf(tmp, n, "%s.tmp", opt.port_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", opt.listen_port) < 0 || fclose(f) != 0 ||
		    rename(tmp, opt.port_file) != 0)
			die("cannot write %s: %s", opt.port_file, strerror(errno));
		free(tmp);
	} else {
		printf("%d\n", opt.listen_port);
		fflush(stdout);
	}
}

static uint64_t counted(const struct conn *c, enum which w, int sent)
{
	uint64_t n = 0;

	if (w & W_UP)
		n += sent ? c->f[UP].nsent : c->f[UP].nread;
	if (w & W_DOWN)
		n += sent ? c->f[DOWN].nsent : c->f[DOWN].nread;
	return n;
}

/* How many more bytes flow d may read before the fault threshold. */
static uint64_t read_allowance(const struct conn *c, int d)
{
	enum which w;
	uint64_t limit, got;

	if (!c->faulty || c->state != ST_OPEN)
		return UINT64_MAX;
	w = opt.cut ? opt.cut_dir : opt.stall_dir;
	if (!(w & (d == UP ? W_UP : W_DOWN)))
		return UINT64_MAX;
	limit = opt.cut ? opt.cut_after : opt.stall_after;
	got = counted(c, w, 0);
	return got >= limit ? 0 : limit - got;
}

static void refill(struct flow *f, int64_t now)
{
	double burst = opt.rate / 20 > 1460 ? opt.rate / 20 : 1460;

	if (opt.rate <= 0)
		return;
	if (burst > opt.rate)
		burst = opt.rate;
	f->tokens += opt.rate * (double)(now - f->refilled) / 1e6;
	if (f->tokens > burst)
		f->tokens = burst;
	f->refilled = now;
}

static size_t want_read(struct conn *c, int d)
{
	struct flow *f = &c->f[d];
	uint64_t allow;
	size_t n = CHUNK_MAX;

	if (c->state != ST_OPEN || f->eof_read || f->queued >= opt.buffer)
		return 0;
	if (opt.buffer - f->queued < n)
		n = opt.buffer - f->queued;
	allow = read_allowance(c, d);
	if (allow < n)
		n = (size_t)allow;
	if (opt.rate > 0) {
		if (f->tokens < 1)
			return 0;
		if ((double)n > f->tokens)
			n = (size_t)f->tokens;
	}
	return n;
}

static int head_ready(const struct flow *f, int64_t now)
{
	return f->head && f->head->release <= now;
}

static void push_chunk(struct conn *c, int d, const unsigned char *data, size_t len, int eof,
		       int64_t now)
{
	struct flow *f = &c->f[d];
	struct chunk *ch = malloc(sizeof(*ch) + len);

	if (!ch)
		die("out of memory");
	ch->next = NULL;
	ch->release = now;
	if (opt.delay_dir & (d == UP ? W_UP : W_DOWN))
		ch->release += opt.delay_us;
	ch->len = len;
	ch->off = 0;
	ch->eof = eof;
	if (len)
		memcpy(ch->data, data, len);
	if (f->tail)
		f->tail->next = ch;
	else
		f->head = ch;
	f->tail = ch;
	f->queued += len;
}

static void pop_chunk(struct flow *f)
{
	struct chunk *ch = f->head;

	f->head = ch->next;
	if (!f->head)
		f->tail = NULL;
	f->queued -= ch->len;
	free(ch);
}

static void free_flow(struct flow *f)
{
	while (f->head)
		pop_chunk(f);
	if (f->dump)
		fclose(f->dump);
	f->dump = NULL;
}

static void close_conn(struct conn *c, const char *reason, int rst)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (c->fd[i] < 0)
			continue;
		if (rst) {
			struct linger lg = { 1, 0 };

			(void)setsockopt(c->fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		close(c->fd[i]);
		c->fd[i] = -1;
	}
	if (logfile) {
		fprintf(logfile, "conn %d up %llu down %llu end %s\n", c->id,
			(unsigned long long)c->f[UP].nsent, (unsigned long long)c->f[DOWN].nsent,
			reason);
		fflush(logfile);
	}
	if (opt.verbose)
		fprintf(stderr, "faultproxy: conn %d up %llu down %llu end %s\n", c->id,
			(unsigned long long)c->f[UP].nsent,
			(unsigned long long)c->f[DOWN].nsent, reason);
	free_flow(&c->f[UP]);
	free_flow(&c->f[DOWN]);
	for (i = 0; i < nconns; i++) {
		if (conns[i] == c) {
			conns[i] = conns[--nconns];
			break;
		}
	}
	free(c);
}

static FILE *open_dump(int id, const char *dir)
{
	size_t n;
	char *name;
	FILE *f;

	if (!opt.dump_prefix || id > DUMP_CONNS)
		return NULL;
	n = strlen(opt.dump_prefix) + 32;
	name = malloc(n);
	if (!name)
		die("out of memory");
	snprintf(name, n, "%s.%d.%s", opt.dump_prefix, id, dir);
	f = fopen(name, "wb");
	if (!f)
		die("cannot write %s: %s", name, strerror(errno));
	free(name);
	return f;
}

static void accept_conns(int lfd, int64_t now)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int cfd = accept(lfd, (struct sockaddr *)&ss, &sl);
		struct conn *c;
		int sfd;

		if (cfd < 0)
			return; /* EAGAIN, or an aborted connection */
		if (nconns >= opt.max_conns) {
			close(cfd);
			continue;
		}
		sfd = socket(opt.server.ss_family, SOCK_STREAM, 0);
		if (sfd < 0) {
			close(cfd);
			continue;
		}
		set_nonblock(cfd);
		set_nonblock(sfd);
		set_nodelay(cfd);
		set_nodelay(sfd);
		c = calloc(1, sizeof(*c));
		if (!c)
			die("out of memory");
		c->id = next_id++;
		c->fd[UP] = cfd;
		c->fd[DOWN] = sfd;
		c->faulty = (opt.cut || opt.stall) && !(opt.times && faults_done >= opt.times);
		c->f[UP].refilled = c->f[DOWN].refilled = now;
		c->f[UP].dump = open_dump(c->id, "up");
		c->f[DOWN].dump = open_dump(c->id, "down");
		conns[nconns++] = c;
		if (connect(sfd, (struct sockaddr *)&opt.server, opt.server_len) == 0) {
			c->state = ST_OPEN;
		} else if (errno == EINPROGRESS) {
			c->state = ST_CONNECTING;
		} else {
			close_conn(c, "connect-failed", 1);
			continue;
		}
		if (opt.haproxy_src) {
			/* The PROXY line goes out as soon as the connection is up;
			 * it is written ahead of any client byte and not counted. */
			char line[160];
			int v6 = strchr(opt.haproxy_src, ':') != NULL;
			int cport = ss.ss_family == AF_INET
				? ntohs(((struct sockaddr_in *)&ss)->sin_port)
				: ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
			const char *dst = opt.server_ip;

			if (v6 != (strchr(dst, ':') != NULL))
				dst = v6 ? "::1" : "127.0.0.1";
			struct chunk *ch;

			snprintf(line, sizeof(line), "PROXY %s %s %s %d %d\r\n", v6 ? "TCP6" : "TCP4",
				 opt.haproxy_src, dst, cport, opt.server_port);
			ch = malloc(sizeof(*ch) + strlen(line));
			if (!ch)
				die("out of memory");
			ch->next = NULL;
			ch->release = 0;
			ch->len = strlen(line);
			ch->off = 0;
			ch->eof = -1; /* marks the uncounted PROXY line */
			memcpy(ch->data, line, ch->len);
			c->f[UP].head = c->f[UP].tail = ch;
			c->f[UP].queued = ch->len;
		}
		if (opt.verbose)
			fprintf(stderr, "faultproxy: conn %d accepted\n", c->id);
	}
}

/* Starts the fault on c once its threshold is reached. */
static void check_trigger(struct conn *c, int64_t now)
{
	enum which w;
	uint64_t limit;

	if (!c->faulty || c->state != ST_OPEN)
		return;
	if (opt.times && faults_done >= opt.times) {
		c->faulty = 0;
		return;
	}
	w = opt.cut ? opt.cut_dir : opt.stall_dir;
	limit = opt.cut ? opt.cut_after : opt.stall_after;
	if (counted(c, w, 1) < limit)
		return;
	faults_done++;
	if (opt.verbose)
		fprintf(stderr, "faultproxy: conn %d %s after %llu bytes\n", c->id,
			opt.cut ? "cut" : "stalled", (unsigned long long)limit);
	if (opt.stall) {
		c->state = ST_STALLED;
		return;
	}
	c->deadline = now + CLOSE_GRACE_US;
	if (opt.cut_rst) {
		c->state = ST_RSTWAIT;
	} else {
		c->state = ST_DRAINING;
		c->f[UP].eof_drained = c->f[DOWN].eof_drained = 0;
		(void)shutdown(c->fd[UP], SHUT_WR);
		(void)shutdown(c->fd[DOWN], SHUT_WR);
	}
}

/* Bytes still in the kernel's send queue of fd, or 0 when unknown. */
static int outq(int fd)
{
#ifdef SIOCOUTQ
	int n = 0;

	if (ioctl(fd, SIOCOUTQ, &n) == 0)
		return n;
#else
	(void)fd;
#endif
	return 0;
}

/* Reads and throws away whatever fd has; returns 1 at its end. */
static int discard(int fd)
{
	unsigned char buf[CHUNK_MAX];
	ssize_t r;
	int i;

	for (i = 0; i < 16; i++) {
		r = read(fd, buf, sizeof(buf));
		if (r == 0)
			return 1;
		if (r < 0)
			return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
	}
	return 0;
}

/* Moves bytes for one flow; returns a reason when the connection ended. */
static const char *pump(struct conn *c, int d, short rev_src, int64_t now)
{
	struct flow *f = &c->f[d];
	int src = c->fd[d], dst = c->fd[!d];
	unsigned char buf[CHUNK_MAX];
	size_t n;

	refill(f, now);
	n = want_read(c, d);
	if (n > 0 && (rev_src & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t r = read(src, buf, n);

		if (r > 0) {
			push_chunk(c, d, buf, (size_t)r, 0, now);
			f->nread += (uint64_t)r;
			if (opt.rate > 0)
				f->tokens -= (double)r;
			if (f->dump && f->dumped < DUMP_MAX) {
				fwrite(buf, 1, (size_t)r, f->dump);
				f->dumped += (uint64_t)r;
			}
		} else if (r == 0) {
			push_chunk(c, d, NULL, 0, 1, now);
			f->eof_read = 1;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			return d == UP ? "client-error" : "server-error";
		}
	}
	while (head_ready(f, now) && c->state == ST_OPEN) {
		struct chunk *ch = f->head;
		ssize_t w;

		if (ch->eof == 1) {
			(void)shutdown(dst, SHUT_WR);
			f->shut = 1;
			pop_chunk(f);
			continue;
		}
		w = write(dst, ch->data + ch->off, ch->len - ch->off);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return d == UP ? "server-error" : "client-error";
		}
		ch->off += (size_t)w;
		if (ch->eof == 0)
			f->nsent += (uint64_t)w;
		if (ch->off == ch->len)
			pop_chunk(f);
		check_trigger(c, now);
	}
	return NULL;
}

static void service(struct conn *c, short rev[2], int64_t now)
{
	const char *end;
	int d;

	switch (c->state) {
	case ST_CONNECTING:
		if (rev[DOWN] & (POLLOUT | POLLERR | POLLHUP)) {
			int err = 0;
			socklen_t el = sizeof(err);

			if (getsockopt(c->fd[DOWN], SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
				close_conn(c, "connect-failed", 1);
				return;
			}
			c->state = ST_OPEN;
			check_trigger(c, now);
			rev[DOWN] = 0;
		}
		if (c->state != ST_OPEN)
			return;
		/* fall through */
	case ST_OPEN:
		for (d = 0; d < 2; d++) {
			end = pump(c, d, rev[d], now);
			if (end) {
				close_conn(c, end, 1);
				return;
			}
			if (c->state != ST_OPEN)
				break;
		}
		if (c->state == ST_OPEN && c->f[UP].shut && c->f[DOWN].shut)
			close_conn(c, "eof", 0);
		else if (c->state == ST_OPEN)
			check_trigger(c, now);
		return;
	case ST_STALLED:
		/* Nothing moves; only notice the client going away. */
		if ((rev[UP] & (POLLIN | POLLHUP | POLLERR)) && discard(c->fd[UP]))
			close_conn(c, "stalled", 0);
		return;
	case ST_DRAINING:
		for (d = 0; d < 2; d++)
			if (!c->f[d].eof_drained && (rev[d] & (POLLIN | POLLHUP | POLLERR)))
				c->f[d].eof_drained = discard(c->fd[d]);
		if ((c->f[UP].eof_drained && c->f[DOWN].eof_drained) || now >= c->deadline)
			close_conn(c, "cut", 0);
		return;
	case ST_RSTWAIT:
		if ((outq(c->fd[UP]) == 0 && outq(c->fd[DOWN]) == 0) || now >= c->deadline)
			close_conn(c, "cut", 1);
		return;
	}
}

static void set_events(struct conn *c, struct pollfd *p, int64_t now, int64_t *wake)
{
	int d;

	p[0].fd = c->fd[UP];
	p[1].fd = c->fd[DOWN];
	p[0].events = p[1].events = 0;
	switch (c->state) {
	case ST_CONNECTING:
		p[1].events = POLLOUT;
		return;
	case ST_OPEN:
		for (d = 0; d < 2; d++) {
			struct flow *f = &c->f[d];

			refill(f, now);
			if (want_read(c, d) > 0)
				p[d].events |= POLLIN;
			else if (opt.rate > 0 && f->tokens < 1 && !f->eof_read &&
				 f->queued < opt.buffer) {
				int64_t t = now + (int64_t)((1 - f->tokens) * 1e6 / opt.rate) + 1;

				if (t < *wake)
					*wake = t;
			}
			if (head_ready(f, now))
				p[!d].events |= POLLOUT;
			else if (f->head && f->head->release < *wake)
				*wake = f->head->release;
		}
		return;
	case ST_STALLED:
		p[0].events = POLLIN;
		return;
	case ST_DRAINING:
		for (d = 0; d < 2; d++)
			if (!c->f[d].eof_drained)
				p[d].events = POLLIN;
		if (c->deadline < *wake)
			*wake = c->deadline;
		return;
	case ST_RSTWAIT:
		if (now + 2000 < *wake)
			*wake = now + 2000;
		return;
	}
}

int main(int argc, char **argv)
{
	struct pollfd pfd[2 + 2 * MAX_CONNS_LIMIT];
	struct conn *snap[MAX_CONNS_LIMIT];
	struct sigaction sa;
	int lfd, i, n;
	int64_t start, end_at = 0;

	parse_args(argc, argv);
	if (pipe(sigpipe_fds) < 0)
		die("pipe: %s", strerror(errno));
	set_nonblock(sigpipe_fds[0]);
	set_nonblock(sigpipe_fds[1]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (opt.log_file) {
		logfile = fopen(opt.log_file, "a");
		if (!logfile)
			die("cannot write %s: %s", opt.log_file, strerror(errno));
	}
	lfd = make_listener();
	announce_port();
	start = now_us();
	if (opt.lifetime > 0)
		end_at = start + (int64_t)opt.lifetime * 1000000;

	for (;;) {
		int64_t now = now_us(), wake = now + 1000000;
		int timeout;

		if (end_at && now >= end_at)
			break;
		if (end_at && end_at < wake)
			wake = end_at;
		pfd[0].fd = sigpipe_fds[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = lfd;
		pfd[1].events = nconns < opt.max_conns ? POLLIN : 0;
		n = nconns;
		for (i = 0; i < n; i++) {
			snap[i] = conns[i];
			set_events(snap[i], &pfd[2 + 2 * i], now, &wake);
		}
		timeout = wake <= now ? 0 : (int)((wake - now + 999) / 1000);
		if (poll(pfd, (nfds_t)(2 + 2 * n), timeout) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (pfd[0].revents)
			break;
		now = now_us();
		/* Connections may close while serviced: work on the snapshot,
		 * each entry serviced once and never touched after closing. */
		for (i = 0; i < n; i++) {
			short rev[2] = { pfd[2 + 2 * i].revents, pfd[3 + 2 * i].revents };

			service(snap[i], rev, now);
		}
		if (pfd[1].revents & POLLIN)
			accept_conns(lfd, now);
	}
	while (nconns > 0)
		close_conn(conns[0], "exit", 0);
	close(lfd);
	if (logfile)
		fclose(logfile);
	close(sigpipe_fds[0]);
	close(sigpipe_fds[1]);
	return 0;
}
