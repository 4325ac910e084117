/*
 * loadgen: load for benchmarks of the Sanctuary relay, and of any relay
 * that speaks the same create/join/msg subset of sanctuary(7) (the npm ws
 * baseline does). One thread, one epoll loop, one wslay client context per
 * connection; the results are one line of JSON on standard output.
 *
 * usage: loadgen --port PORT --mode fanout|paced|idle [--host ADDR]
 *            [--pid PID] [--rooms R] [--members M] [--conns C]
 *            [--concurrency N] [--senders S] [--size BYTES] [--seconds T]
 *            [--window W] [--rate D] [--settle T] [--timeout T]
 *            [--slow K] [--slow-rate BYTES] [--tls]
 *
 * Setup, every mode: R rooms of M members on loopback. Member 0 of a room
 * creates it (mode everyone); once it is welcomed the others join. At most
 * N upgrades are in flight at once, since the relay caps them. Setup fails
 * (one line on standard error, exit 1) on a refused connection or upgrade,
 * an error frame, a close, or when --timeout seconds pass.
 *
 * fanout	Members 0..S-1 of each room send; member M-1, never a sender,
 *		watches. A sender keeps at most W messages that its room's
 *		watcher has not seen yet in flight.
 * paced	The senders together send D/(M-1) messages per second, evenly
 *		spread over senders and time, so that the relay delivers D per
 *		second; no window.
 *		In both, K members of each room just before the watcher read at
 *		most --slow-rate bytes per second through a 4 KiB receive
 *		buffer; after the run they read freely for up to 3 s, so that
 *		a close the relay sent them is seen (slow_close_codes).
 * idle		C connections in R rooms (C/R members each) sit joined; the
 *		relay's memory comes from /proc/PID/smaps_rollup before, once
 *		joined, and after every connection is closed.
 *
 * A BODY is "S" SENDER "." SEQ "." T_NS "." padded with 'x' to --size
 * bytes, T_NS being CLOCK_MONOTONIC at send; a delivery's latency is its
 * arrival time minus T_NS. Sent messages, deliveries and latencies count
 * from setup + 0.5 s for --seconds only.
 *
 * Output, one flat JSON object. fanout and paced: mode rooms members
 * senders size window|rate,msg_rate conns setup_s seconds sent [skipped]
 * deliveries deliveries_per_s [relay_cpu_s deliveries_per_cpu_s] gen_cpu_s
 * p50_us p90_us p99_us p999_us max_us mean_us unparsed. idle: mode conns
 * rooms members setup_s setup_relay_cpu_s (the relay's CPU time during
 * setup) {rss,pss,pd}_{before,joined,after}_kb
 * rss_per_conn_b pd_per_conn_b. Both: errors closed close_codes
 * error_codes, the last two as "1008x3,1006x1" and "floodx2". relay_cpu_s
 * (with --pid) is -1 if the relay was gone at the end; gen_cpu_s is our
 * own, to tell whether the generator set the pace.
 *
 * --tls speaks wss: a GnuTLS client session per connection, its handshake
 * after TCP's and before the upgrade (counted in setup_s), the certificate
 * not checked (loopback, a benchmark: test/tls checks certificates). Each
 * connection makes a full handshake, no resumption. Not with --slow: a
 * throttled read would leave records GnuTLS holds unseen by epoll.
 *
 * Exit status: 0 with the JSON line, even when errors or closes were
 * counted (they are in the JSON); 1 on bad options or a failed setup.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <gnutls/gnutls.h>
#include <sodium.h>
#include <wslay/wslay.h>

#include "test/lib/wsclient.h"

#define KEY_BYTES	16
#define KEY_LEN		22		/* base64url, no padding */
#define HS_MAX		2048		/* request, then the 101 and more */
#define OUT_MAX		16384		/* frames batched into one send() */
#define HEAD_MAX	128		/* "msg " ALIAS " S1.2.3." fits */
#define RECV_MAX	(16 * 1024 * 1024)	/* per frame: a big welcome */
#define BODY_MIN	48		/* "S" 7 "." 12 "." 17 "." digits fit */
#define PREFIX_MAX	64		/* "S" 20 "." 20 "." 20 "." */
#define BODY_MAX	65532		/* --max-message 65536 minus "msg " */
#define EVENTS_MAX	1024
#define WARMUP_NS	500000000ULL
#define NS		1000000000ULL
#define HIST_US		100000		/* 1 us buckets below 100 ms */
#define HIST_MS		100000		/* then 1 ms buckets below 100.1 s */
#define TALLY_MAX	32
#define SENDQ_MAX	(256 * 1024)	/* bytes queued per sender, at most */
#define SLOW_RCVBUF	4096		/* a slow reader's socket is small */
#define SLOW_TICK_NS	10000000ULL	/* slow readers' budget, every 10 ms */
#define DRAIN_NS	(3 * NS)	/* then slow readers catch up */

enum mode { FANOUT, PACED, IDLE };

enum state {
	S_NEW,			/* not connected yet */
	S_CONNECTING,		/* TCP connect in progress */
	S_TLS,			/* --tls: the TLS handshake */
	S_UPGRADING,		/* request sent, reading the 101 */
	S_WAITING,		/* upgraded, waiting for the room's creator */
	S_HELLO,		/* create or join sent */
	S_JOINED,		/* welcomed */
	S_DEAD
};

struct conn;

struct room {
	char		 key[KEY_LEN + 1];
	struct conn	*first;		/* not owned: M consecutive conns */
	int		 created;
};

/* Where cb_recv is in the relay's frame stream: see scan_bytes(). */
struct scan {
	uint8_t		 hdr[14];	/* the longest header: 2 + 8 + 4 */
	size_t		 hdrlen;	/* header bytes seen */
	size_t		 hdrneed;	/* the header's length, once known */
	uint64_t	 left;		/* payload bytes still to pass */
};

struct conn {
	int		 fd;
	gnutls_session_t tls;		/* --tls, else NULL */
	enum state	 state;
	uint32_t	 events;	/* epoll interest */
	int		 registered;	/* fd is in the epoll set */
	size_t		 member;	/* 0 creates, M-1 watches */
	int		 dirty;		/* messages queued, not flushed */
	int		 lost;		/* a close frame came */
	unsigned	 lost_code;
	int		 rx_ctrl;	/* the frame being read is control */
	int		 rx_fin;	/* ... and ends its message */
	int		 rx_short;	/* a recv came short: socket drained */
	int		 slow;		/* reads <= --slow-rate after setup */
	size_t		 budget;	/* bytes it may still read this tick */
	struct scan	 scan;
	struct room	*room;		/* not owned */
	wslay_event_context_ptr ctx;
	char		*hs;		/* upgrade buffer; what follows the
					   101 feeds wslay */
	size_t		 hslen, hsoff;
	char		 wskey[WSCLIENT_KEY_LEN + 1];
	uint8_t		*out;		/* wslay's frames, for one send() */
	size_t		 outlen;
	uint8_t		 head[HEAD_MAX];	/* the message's first bytes */
	size_t		 headlen;
};

struct sender {
	struct conn	*c;		/* not owned */
	uint64_t	 seq;		/* messages sent */
	uint64_t	 seen;		/* of those, seen by the watcher */
};

struct tally {
	char		 name[16];
	uint64_t	 n;
};

struct mem {
	long long	 rss, pss, pd;	/* kB */
};

/* Numeric options: one table feeds parsing, bounds and --help. */
enum {
	O_PORT, O_PID, O_ROOMS, O_MEMBERS, O_CONNS, O_CONCURRENCY, O_SENDERS,
	O_SIZE, O_SECONDS, O_WINDOW, O_RATE, O_SETTLE, O_TIMEOUT, O_SLOW,
	O_SLOW_RATE, O_NUM
};

struct opt {
	const char	*name;
	long long	 min, max, def;
	const char	*arg;
	const char	*help;
	long long	 val;
	int		 set;
};

static struct opt opts[O_NUM] = {
	[O_PORT] = { "port", 1, 65535, 0, "PORT", "relay port (required)",
	    0, 0 },
	[O_PID] = { "pid", 1, INT_MAX, 0, "PID",
	    "relay process, for CPU and memory (idle: required)", 0, 0 },
	[O_ROOMS] = { "rooms", 1, 1000000, 1, "R", "rooms", 0, 0 },
	[O_MEMBERS] = { "members", 2, 1000000, 10, "M",
	    "members per room (fanout, paced)", 0, 0 },
	[O_CONNS] = { "conns", 1, 1000000, 0, "C",
	    "connections (idle: required, a multiple of R)", 0, 0 },
	[O_CONCURRENCY] = { "concurrency", 1, 100000, 64, "N",
	    "upgrades in flight at once", 0, 0 },
	[O_SENDERS] = { "senders", 1, 1000000, 1, "S",
	    "senders per room, at most M-1", 0, 0 },
	[O_SIZE] = { "size", BODY_MIN, BODY_MAX, 64, "BYTES", "BODY length",
	    0, 0 },
	[O_SECONDS] = { "seconds", 1, 3600, 3, "T", "measured interval", 0, 0 },
	[O_WINDOW] = { "window", 1, 1000000, 32, "W",
	    "fanout: messages in flight per sender", 0, 0 },
	[O_RATE] = { "rate", 1, 1000000000, 0, "D",
	    "paced: deliveries per second (required)", 0, 0 },
	[O_SETTLE] = { "settle", 0, 3600, 2, "T",
	    "idle: seconds to wait before each reading", 0, 0 },
	[O_TIMEOUT] = { "timeout", 1, 3600, 60, "T", "setup deadline, seconds",
	    0, 0 },
	[O_SLOW] = { "slow", 0, 1000000, 0, "K",
	    "fanout, paced: members per room (before the watcher) that read "
	    "slowly", 0, 0 },
	[O_SLOW_RATE] = { "slow-rate", 1024, 1000000000, 65536, "BYTES",
	    "a slow reader's bytes per second", 0, 0 },
};

static struct bench {
	enum mode	 mode;
	const char	*host;
	struct sockaddr_storage addr;
	socklen_t	 addrlen;
	char		 hosthdr[80];
	int		 ep;
	pid_t		 pid;
	int		 tls;		/* --tls */
	gnutls_certificate_credentials_t cred;

	struct conn	*conns;
	size_t		 nconns;
	struct room	*rooms;
	size_t		 nrooms, members;
	struct sender	*senders;
	size_t		 nsenders;
	struct conn	**slow;		/* not owned: the slow readers */
	size_t		 nslow;
	int		 throttling;	/* slow readers keep to their rate */
	uint64_t	 slow_at;	/* last budget refill */
	uint8_t		*msg;		/* "msg " BODY, reused for each send */
	size_t		 msglen;

	size_t		 launched, inflight, joined;
	int		 setup_done, measuring;
	uint64_t	 now;		/* ns, at the last recv */

	uint64_t	 sent, skipped, deliveries, errors, closed, unparsed;
	uint64_t	 lat_max, lat_sum, lat_n;
	uint64_t	*hist;
	struct tally	 codes[TALLY_MAX], errs[TALLY_MAX];
	struct tally	 slow_codes[TALLY_MAX];	/* slow readers' codes */
	size_t		 ncodes, nerrs, nslow_codes;
	uint64_t	 t_setup, t_start, t_stop;
	double		 relay_cpu0, relay_cpu1, gen_cpu0, gen_cpu1;
} B;

static void __attribute__((noreturn, format(printf, 1, 2)))
fatal(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("loadgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Setup failed at connection c: one line naming it, exit 1. */
static void __attribute__((noreturn, format(printf, 2, 3)))
setup_fail(const struct conn *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fatal("setup failed: room %zu member %zu: %s",
	    (size_t)(c->room - B.rooms), c->member, msg);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* Milliseconds from now until t, rounded up, within 0..cap. */
static int
ms_until(uint64_t t, int cap)
{
	uint64_t now = now_ns(), ms;

	if (t <= now)
		return 0;
	ms = (t - now + 999999) / 1000000;
	return ms > (uint64_t)cap ? cap : (int)ms;
}

/* ---------- options ---------- */

static void __attribute__((noreturn))
usage(int status)
{
	FILE *f = status ? stderr : stdout;
	const struct opt *o;
	size_t i;

	fprintf(f, "usage: loadgen --port PORT --mode fanout|paced|idle "
	    "[--host ADDR] [--pid PID] [--tls] [--OPTION N ...]\n");
	if (status != 0)
		exit(status);		/* getopt said what was wrong */
	fprintf(f, "  --%-12s %-6s %s\n  --%-12s %-6s %s\n",
	    "mode", "MODE", "fanout, paced or idle (required)",
	    "host", "ADDR", "relay's loopback address (default 127.0.0.1)");
	fprintf(f, "  --%-12s %-6s %s\n", "tls", "",
	    "wss: TLS under each connection, certificate not checked");
	for (i = 0; i < O_NUM; i++) {
		o = &opts[i];
		if (o->def == 0)		/* required, or no default */
			fprintf(f, "  --%-12s %-6s %s, %lld-%lld\n", o->name,
			    o->arg, o->help, o->min, o->max);
		else
			fprintf(f, "  --%-12s %-6s %s, %lld-%lld "
			    "(default %lld)\n", o->name, o->arg, o->help,
			    o->min, o->max, o->def);
	}
	exit(status);
}

/* Parses a decimal integer in [o->min, o->max], all of s, or exits. */
static void
opt_number(struct opt *o, const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < o->min || v > o->max)
		fatal("--%s: want an integer from %lld to %lld, not \"%s\"",
		    o->name, o->min, o->max, s);
	o->val = v;
	o->set = 1;
}

static long long
opt(int i)
{
	return opts[i].set ? opts[i].val : opts[i].def;
}

/* Loopback only: the figures mean nothing across a network. */
static void
host_parse(const char *host, long long port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&B.addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&B.addr;

	memset(&B.addr, 0, sizeof(B.addr));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			fatal("--host: %s is not a loopback address", host);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		B.addrlen = sizeof(*sin);
		snprintf(B.hosthdr, sizeof(B.hosthdr), "%s:%lld", host, port);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			fatal("--host: %s is not a loopback address", host);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		B.addrlen = sizeof(*sin6);
		snprintf(B.hosthdr, sizeof(B.hosthdr), "[%s]:%lld", host, port);
	} else
		fatal("--host: want a numeric loopback address, not \"%s\"",
		    host);
}

/* Checks the options against each other and sizes the run. */
static void
opts_check(const char *mode)
{
	if (mode == NULL || !opts[O_PORT].set)
		fatal("--port and --mode are required (--help)");
	if (strcmp(mode, "fanout") == 0)
		B.mode = FANOUT;
	else if (strcmp(mode, "paced") == 0)
		B.mode = PACED;
	else if (strcmp(mode, "idle") == 0)
		B.mode = IDLE;
	else
		fatal("--mode: want fanout, paced or idle, not \"%s\"", mode);
	B.nrooms = (size_t)opt(O_ROOMS);
	if (B.mode == IDLE) {
		if (!opts[O_CONNS].set || !opts[O_PID].set)
			fatal("--mode idle needs --conns and --pid");
		if (opt(O_CONNS) % opt(O_ROOMS) != 0)
			fatal("--conns must be a multiple of --rooms");
		B.members = (size_t)(opt(O_CONNS) / opt(O_ROOMS));
	} else {
		B.members = (size_t)opt(O_MEMBERS);
		if (opt(O_SENDERS) + opt(O_SLOW) > opt(O_MEMBERS) - 1)
			fatal("--senders plus --slow must be at most --members "
			    "- 1: the last member watches");
		if (B.mode == PACED && !opts[O_RATE].set)
			fatal("--mode paced needs --rate");
		B.nsenders = B.nrooms * (size_t)opt(O_SENDERS);
	}
	if (B.nrooms > SIZE_MAX / B.members || B.nrooms * B.members > 1000000)
		fatal("at most 1000000 connections");
	B.nconns = B.nrooms * B.members;
	if (B.tls && opt(O_SLOW) > 0)
		fatal("--tls does not go with --slow");
	B.pid = opts[O_PID].set ? (pid_t)opt(O_PID) : 0;
	host_parse(B.host, opt(O_PORT));
}

static void
opts_parse(int argc, char *argv[])
{
	struct option lo[O_NUM + 5];
	const char *mode = NULL;
	int ch;
	size_t i;

	for (i = 0; i < O_NUM; i++) {
		lo[i].name = opts[i].name;
		lo[i].has_arg = required_argument;
		lo[i].flag = NULL;
		lo[i].val = 256 + (int)i;
	}
	lo[O_NUM] = (struct option){ "mode", required_argument, NULL, 'm' };
	lo[O_NUM + 1] = (struct option){ "host", required_argument, NULL, 'H' };
	lo[O_NUM + 2] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[O_NUM + 3] = (struct option){ "tls", no_argument, NULL, 'T' };
	lo[O_NUM + 4] = (struct option){ NULL, 0, NULL, 0 };
	B.host = "127.0.0.1";
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch >= 256 && ch < 256 + O_NUM)
			opt_number(&opts[ch - 256], optarg);
		else if (ch == 'm')
			mode = optarg;
		else if (ch == 'H')
			B.host = optarg;
		else if (ch == 'T')
			B.tls = 1;
		else if (ch == 'h')
			usage(0);
		else
			usage(1);
	}
	if (optind != argc)
		fatal("unexpected argument \"%s\" (--help)", argv[optind]);
	opts_check(mode);
}

/* ---------- /proc readers ---------- */

/* Reads a small /proc file of PID into buf (NUL-terminated); 0 or -1. */
static int
proc_read(char *buf, size_t size, pid_t pid, const char *name)
{
	char path[64];
	ssize_t n;
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (len < size - 1 &&
	    (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return len > 0 ? 0 : -1;
}

/* The relay's utime + stime in seconds, or -1. */
static double
proc_cpu(pid_t pid)
{
	char buf[1024], *p, *end;
	unsigned long long ut, st;
	int i;

	if (proc_read(buf, sizeof(buf), pid, "stat") != 0 ||
	    (p = strrchr(buf, ')')) == NULL)
		return -1;
	/* After "(comm)": state is field 3, utime 14 and stime 15. */
	for (p++, i = 0; i < 11; i++) {
		while (*p == ' ')
			p++;
		while (*p != ' ' && *p != '\0')
			p++;
	}
	errno = 0;
	ut = strtoull(p, &end, 10);
	st = strtoull(end, &end, 10);
	if (errno != 0 || end == p)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The value in kB of the smaps_rollup line for field, or -1. */
static long long
smaps_field(const char *text, const char *field)
{
	const char *line;
	size_t n = strlen(field);

	for (line = text; line != NULL && *line != '\0'; ) {
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			return strtoll(line + n + 1, NULL, 10);
		if ((line = strchr(line, '\n')) != NULL)
			line++;
	}
	return -1;
}

static void
proc_mem(struct mem *m)
{
	char buf[4096];

	if (proc_read(buf, sizeof(buf), B.pid, "smaps_rollup") != 0)
		fatal("cannot read /proc/%d/smaps_rollup", (int)B.pid);
	m->rss = smaps_field(buf, "Rss");
	m->pss = smaps_field(buf, "Pss");
	m->pd = smaps_field(buf, "Private_Dirty");
}

static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---------- results ---------- */

/* Counts one more of name in t (at most TALLY_MAX names, then "other"). */
static void
tally_add(struct tally *t, size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(t[i].name, name) == 0)
			break;
	if (i == *n) {
		if (*n == TALLY_MAX) {
			i = TALLY_MAX - 1;
			name = "other";
		} else
			(*n)++;
		snprintf(t[i].name, sizeof(t[i].name), "%s", name);
	}
	t[i].n++;
}

/* "NAMExCOUNT,..." of a tally, for the JSON. */
static void
tally_format(char *buf, size_t size, const struct tally *t, size_t n)
{
	size_t i, len = 0;
	int w;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++) {
		w = snprintf(buf + len, size - len, "%s%sx%llu", i ? "," : "",
		    t[i].name, (unsigned long long)t[i].n);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* A latency into the histogram: 1 us buckets, then 1 ms ones. */
static void
hist_add(uint64_t ns)
{
	uint64_t us = ns / 1000, i;

	if (us < HIST_US)
		i = us;
	else if ((i = HIST_US + us / 1000 - HIST_US / 1000) > HIST_US + HIST_MS)
		i = HIST_US + HIST_MS;
	B.hist[i]++;
	if (us > B.lat_max)
		B.lat_max = us;
	B.lat_sum += us;
	B.lat_n++;
}

/* The latency in us below which a fraction p of the deliveries fall. */
static uint64_t
hist_quantile(double p)
{
	uint64_t want, sum = 0, v;
	size_t i;

	if (B.lat_n == 0)
		return 0;
	want = (uint64_t)(p * (double)B.lat_n + 0.999999);
	if (want == 0)
		want = 1;
	for (i = 0; i <= HIST_US + HIST_MS; i++)
		if ((sum += B.hist[i]) >= want)
			break;
	v = i < HIST_US ? i : (i - HIST_US + HIST_US / 1000) * 1000;
	return v > B.lat_max ? B.lat_max : v;
}

static int json_n;

static void
json_key(const char *k)
{
	printf("%s\"%s\":", json_n++ ? "," : "{", k);
}

static void
json_u(const char *k, unsigned long long v)
{
	json_key(k);
	printf("%llu", v);
}

static void
json_i(const char *k, long long v)
{
	json_key(k);
	printf("%lld", v);
}

static void
json_f(const char *k, double v)
{
	json_key(k);
	printf("%.3f", v);
}

/* Only our own strings: names, digits, 'x' and commas. */
static void
json_s(const char *k, const char *v)
{
	json_key(k);
	printf("\"%s\"", v);
}

static void
json_end(void)
{
	puts("}");
	fflush(stdout);
}

static void
report_counts(void)
{
	char buf[TALLY_MAX * 40];

	json_u("tls", (unsigned long long)B.tls);
	json_u("errors", B.errors);
	json_u("closed", B.closed);
	tally_format(buf, sizeof(buf), B.codes, B.ncodes);
	json_s("close_codes", buf);
	tally_format(buf, sizeof(buf), B.errs, B.nerrs);
	json_s("error_codes", buf);
	if (B.nslow > 0) {
		tally_format(buf, sizeof(buf), B.slow_codes, B.nslow_codes);
		json_s("slow_close_codes", buf);
	}
}

static void
report_traffic(void)
{
	double secs = (double)(B.t_stop - B.t_start) / 1e9, cpu;

	json_s("mode", B.mode == FANOUT ? "fanout" : "paced");
	json_u("rooms", B.nrooms);
	json_u("members", B.members);
	json_u("senders", (unsigned long long)opt(O_SENDERS));
	json_u("size", (unsigned long long)opt(O_SIZE));
	if (B.mode == FANOUT)
		json_u("window", (unsigned long long)opt(O_WINDOW));
	else {
		json_u("rate", (unsigned long long)opt(O_RATE));
		json_f("msg_rate",
		    (double)opt(O_RATE) / (double)(B.members - 1));
	}
	json_u("conns", B.nconns);
	if (B.nslow > 0) {
		json_u("slow", (unsigned long long)opt(O_SLOW));
		json_u("slow_rate", (unsigned long long)opt(O_SLOW_RATE));
	}
	json_f("setup_s", (double)(B.t_setup) / 1e9);
	json_f("seconds", secs);
	json_u("sent", B.sent);
	if (B.mode == PACED)
		json_u("skipped", B.skipped);
	json_u("deliveries", B.deliveries);
	json_f("deliveries_per_s", secs > 0 ? (double)B.deliveries / secs : 0);
	if (B.pid != 0) {		/* -1: the relay was gone at the end */
		cpu = B.relay_cpu1 < 0 ? -1 : B.relay_cpu1 - B.relay_cpu0;
		json_f("relay_cpu_s", cpu);
		json_f("deliveries_per_cpu_s",
		    cpu > 0 ? (double)B.deliveries / cpu : 0);
	}
	json_f("gen_cpu_s", B.gen_cpu1 - B.gen_cpu0);
	json_u("p50_us", hist_quantile(0.50));
	json_u("p90_us", hist_quantile(0.90));
	json_u("p99_us", hist_quantile(0.99));
	json_u("p999_us", hist_quantile(0.999));
	json_u("max_us", B.lat_max);
	json_f("mean_us", B.lat_n ? (double)B.lat_sum / (double)B.lat_n : 0);
	json_u("unparsed", B.unparsed);
	report_counts();
	json_end();
}

/* (b - a) kB over C connections, in bytes per connection. */
static long long
per_conn(long long a, long long b)
{
	return ((b - a) * 1024 + (long long)B.nconns / 2) / (long long)B.nconns;
}

static void
report_idle(const struct mem *before, const struct mem *joined,
    const struct mem *after)
{
	json_s("mode", "idle");
	json_u("conns", B.nconns);
	json_u("rooms", B.nrooms);
	json_u("members", B.members);
	json_f("setup_s", (double)B.t_setup / 1e9);
	json_f("setup_relay_cpu_s", B.relay_cpu0 < 0 || B.relay_cpu1 < 0 ? -1 :
	    B.relay_cpu1 - B.relay_cpu0);
	json_i("rss_before_kb", before->rss);
	json_i("pss_before_kb", before->pss);
	json_i("pd_before_kb", before->pd);
	json_i("rss_joined_kb", joined->rss);
	json_i("pss_joined_kb", joined->pss);
	json_i("pd_joined_kb", joined->pd);
	json_i("rss_per_conn_b", per_conn(before->rss, joined->rss));
	json_i("pd_per_conn_b", per_conn(before->pd, joined->pd));
	json_i("rss_after_kb", after->rss);
	json_i("pss_after_kb", after->pss);
	json_i("pd_after_kb", after->pd);
	report_counts();
	json_end();
}

/* ---------- the opening handshake ---------- */

/* Checks the response head in c->hs (NUL at its blank line); NULL if a 101. */
static const char *
upgrade_check(struct conn *c)
{
	if (strncmp(c->hs, "HTTP/1.1 101 ", 13) != 0)
		return "upgrade refused";
	return wsclient_check(strstr(c->hs, "\r\n") + 2, c->wskey);
}

/* ---------- connections ---------- */

static void
conn_watch(struct conn *c, uint32_t events)
{
	struct epoll_event ev;

	if (events == c->events && c->registered)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(B.ep, c->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    c->fd, &ev) == -1)
		fatal("epoll_ctl: %s", strerror(errno));
	c->events = events;
	c->registered = 1;
}

/* Frees what c holds; copes with any state. */
static void
conn_release(struct conn *c)
{
	if (c->state == S_CONNECTING || c->state == S_TLS ||
	    c->state == S_UPGRADING)
		B.inflight--;
	if (c->tls != NULL)
		gnutls_deinit(c->tls);
	c->tls = NULL;
	if (c->fd != -1)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
	c->events = 0;
	c->registered = 0;
	wslay_event_context_free(c->ctx);
	c->ctx = NULL;
	free(c->hs);
	c->hs = NULL;
	free(c->out);
	c->out = NULL;
	c->outlen = 0;
	c->state = S_DEAD;
}

/* The relay closed c (a close frame, or 1006 when TCP just ended). */
static void
conn_lost(struct conn *c)
{
	char code[8];

	snprintf(code, sizeof(code), "%u", c->lost ? c->lost_code : 1006);
	if (!B.setup_done)
		setup_fail(c, "closed by the relay (%s)", code);
	B.closed++;
	tally_add(B.codes, &B.ncodes, code);
	if (c->slow)
		tally_add(B.slow_codes, &B.nslow_codes, code);
	conn_release(c);
}

/* errno for a GnuTLS result: EAGAIN when the call is to be made again. */
static ssize_t
tls_errno(ssize_t r)
{
	if (r >= 0)
		return r;
	errno = r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED ? EAGAIN :
	    EIO;
	return -1;
}

/*
 * send(2) and recv(2) over c's transport. Over TLS a send that answered
 * EAGAIN is repeated with the same bytes, as out_flush() does.
 */
static ssize_t
io_send(struct conn *c, const void *p, size_t n)
{
	if (c->tls != NULL)
		return tls_errno(gnutls_record_send(c->tls, p, n));
	return send(c->fd, p, n, MSG_NOSIGNAL);
}

static ssize_t
io_recv(struct conn *c, void *p, size_t n)
{
	if (c->tls != NULL)
		return tls_errno(gnutls_record_recv(c->tls, p, n));
	return recv(c->fd, p, n, 0);
}

/* Bytes GnuTLS decrypted and holds: epoll will not say so. */
static size_t
io_held(const struct conn *c)
{
	return c->tls != NULL ? gnutls_record_check_pending(c->tls) : 0;
}

/* Writes out what wslay put in c->out; 0, or -1 if the socket failed. */
static int
out_flush(struct conn *c)
{
	ssize_t r;

	while (c->outlen > 0) {
		r = io_send(c, c->out, c->outlen);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->outlen -= (size_t)r;
		memmove(c->out, c->out + r, c->outlen);
	}
	return 0;
}

/*
 * Sends what wslay has queued, batched through c->out: one send() per
 * OUT_MAX bytes, not one per frame. Watches for EPOLLOUT while bytes wait.
 */
static void
conn_flush(struct conn *c)
{
	size_t made;
	int more;

	c->dirty = 0;
	for (;;) {
		made = c->outlen;
		if (wslay_event_want_write(c->ctx) &&
		    wslay_event_send(c->ctx) != 0)
			break;
		made = c->outlen - made;
		if (out_flush(c) != 0)
			break;
		more = wslay_event_want_write(c->ctx);
		/* made == 0 with frames left would spin: let EPOLLOUT retry. */
		if (c->outlen > 0 || !more || made == 0) {
			conn_watch(c, EPOLLIN |
			    (c->outlen > 0 || more ? EPOLLOUT : 0));
			return;
		}
	}
	conn_lost(c);
}

static void
conn_read(struct conn *c)
{
	c->rx_short = 0;
	if (wslay_event_recv(c->ctx) != 0 || c->lost) {
		conn_lost(c);
		return;
	}
	if (wslay_event_want_write(c->ctx))	/* a pong */
		conn_flush(c);
}

/* Queues text frame s on c; 0 or -1. */
static int
conn_queue(struct conn *c, const uint8_t *s, size_t n)
{
	struct wslay_event_msg m = { WSLAY_TEXT_FRAME, s, n };

	return wslay_event_queue_msg(c->ctx, &m) == 0 ? 0 : -1;
}

/* Sends create (member 0) or join. */
static void
conn_hello(struct conn *c)
{
	char s[128];
	int n;

	if (c->member == 0)
		n = snprintf(s, sizeof(s), "create 1 %s u0 everyone",
		    c->room->key);
	else
		n = snprintf(s, sizeof(s), "join 1 %s u%zu", c->room->key,
		    c->member);
	if (conn_queue(c, (const uint8_t *)s, (size_t)n) != 0)
		setup_fail(c, "could not queue the hello");
	c->state = S_HELLO;
	conn_flush(c);
}

/* c has its welcome; the creator's lets the others join. */
static void
conn_welcomed(struct conn *c)
{
	struct conn *m;
	size_t i;

	c->state = S_JOINED;
	B.joined++;
	if (c->member != 0)
		return;
	c->room->created = 1;
	for (i = 1; i < B.members; i++) {
		m = &c->room->first[i];
		if (m->state == S_WAITING)
			conn_hello(m);
	}
}

/* Reads a decimal number ended by '.'; advances *p past the dot. */
static int
parse_dotted(uint64_t *v, const uint8_t **p, const uint8_t *end)
{
	const uint8_t *s = *p;

	*v = 0;
	while (s < end && *s >= '0' && *s <= '9' && s - *p < 20)
		*v = *v * 10 + (uint64_t)(*s++ - '0');
	if (s == *p || s == end || *s != '.')
		return -1;
	*p = s + 1;
	return 0;
}

/* Parses "FROM S<sender>.<seq>.<t_ns>." at p; 0 or -1. */
static int
body_parse(uint64_t *id, uint64_t *t, const uint8_t *p, const uint8_t *end)
{
	uint64_t seq;

	while (p < end && *p != ' ')		/* FROM */
		p++;
	if (end - p < 2 || p[1] != 'S')
		return -1;
	p += 2;
	if (parse_dotted(id, &p, end) != 0 ||
	    parse_dotted(&seq, &p, end) != 0 ||
	    parse_dotted(t, &p, end) != 0)
		return -1;
	return 0;
}

/* A msg frame: counts it, times it, credits its sender's window. */
static void
conn_delivery(struct conn *c, const uint8_t *p, const uint8_t *end)
{
	uint64_t id, t;
	int ours;

	if (!(ours = body_parse(&id, &t, p, end) == 0))
		B.unparsed++;			/* counted, not timed */
	if (B.measuring) {
		B.deliveries++;
		if (ours)
			hist_add(B.now > t ? B.now - t : 0);
	}
	if (ours && c->member == B.members - 1 && id < B.nsenders &&
	    B.senders[id].c->room == c->room)
		B.senders[id].seen++;
}

/* Error codes are short lowercase words; keep them JSON-safe anyway. */
static void
conn_error(const uint8_t *p, size_t n)
{
	char name[16];
	size_t i, k = 0;

	for (i = 0; i < n && k < sizeof(name) - 1; i++)
		if ((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9'))
			name[k++] = (char)p[i];
	name[k] = '\0';
	B.errors++;
	tally_add(B.errs, &B.nerrs, name);
}

static int
head_is(const struct conn *c, const char *prefix)
{
	size_t n = strlen(prefix);

	return c->headlen >= n && memcmp(c->head, prefix, n) == 0;
}

/* One whole text message from the relay, of which c->head has the start. */
static void
conn_message(struct conn *c)
{
	const uint8_t *end = c->head + c->headlen;

	if (c->state == S_JOINED) {
		if (head_is(c, "msg "))
			conn_delivery(c, c->head + 4, end);
		else if (head_is(c, "error "))
			conn_error(c->head + 6, c->headlen - 6);
		return;			/* joined, left, ...: not ours */
	}
	if (head_is(c, "welcome "))
		conn_welcomed(c);
	else if (head_is(c, "error "))
		setup_fail(c, "the relay said \"%.*s\"", (int)c->headlen,
		    (const char *)c->head);
}

/* ---------- wslay callbacks ---------- */

static uint64_t
scan_length(const uint8_t *h)
{
	uint64_t n = h[1] & 0x7f;
	int i, bytes = n == 126 ? 2 : n == 127 ? 8 : 0;

	if (bytes == 0)
		return n;
	for (n = 0, i = 0; i < bytes; i++)
		n = n << 8 | h[2 + i];
	return n;
}

/*
 * Follows the frames in n bytes just read and turns each text frame into
 * a binary one, in place, before wslay parses them. wslay checks UTF-8
 * byte by byte in text frames and nothing lets us switch that off: at
 * 20 KB bodies it took 80% of our CPU and the generator, not the relay,
 * set the pace. Relay frames are ASCII by construction (sanctuary(7)), and
 * the callbacks below treat both opcodes alike.
 */
static void
scan_bytes(struct scan *s, uint8_t *p, size_t n)
{
	size_t k;

	while (n > 0) {
		if (s->left > 0) {
			k = s->left < n ? (size_t)s->left : n;
			s->left -= k;
			p += k;
			n -= k;
			continue;
		}
		if (s->hdrlen == 0 && (*p & 0x0f) == WSLAY_TEXT_FRAME)
			*p = (uint8_t)((*p & 0xf0) | WSLAY_BINARY_FRAME);
		s->hdr[s->hdrlen++] = *p++;
		n--;
		if (s->hdrlen == 2)
			s->hdrneed = 2 + ((s->hdr[1] & 0x7f) == 126 ? 2 :
			    (s->hdr[1] & 0x7f) == 127 ? 8 : 0) +
			    ((s->hdr[1] & 0x80) ? 4 : 0);
		if (s->hdrlen >= 2 && s->hdrlen == s->hdrneed) {
			s->left = scan_length(s->hdr);
			s->hdrlen = 0;
		}
	}
}

static ssize_t
cb_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *user)
{
	struct conn *c = user;
	ssize_t r;
	size_t n;

	(void)flags;
	if (c->hs != NULL) {		/* bytes that came with the 101 */
		n = c->hslen - c->hsoff < len ? c->hslen - c->hsoff : len;
		memcpy(buf, c->hs + c->hsoff, n);
		scan_bytes(&c->scan, buf, n);
		if ((c->hsoff += n) == c->hslen) {
			free(c->hs);
			c->hs = NULL;
		}
		B.now = now_ns();
		return (ssize_t)n;
	}
	/* Level-triggered epoll says when more comes: skip the EAGAIN call. */
	if (c->rx_short) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (c->slow && B.throttling) {
		if (c->budget == 0) {	/* slow_tick() turns reading back on */
			conn_watch(c, c->events & ~(uint32_t)EPOLLIN);
			wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
			return -1;
		}
		if (len > c->budget)
			len = c->budget;
	}
	do
		r = io_recv(c, buf, len);
	while (r == -1 && errno == EINTR);
	if (r > 0) {
		if (c->slow && B.throttling)
			c->budget -= (size_t)r;
		B.now = now_ns();
		/* A short TLS read ends a record, not the socket's bytes. */
		c->rx_short = (size_t)r < len && io_held(c) == 0;
		scan_bytes(&c->scan, buf, (size_t)r);
		return r;
	}
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

/* Collects frames in c->out; conn_flush() writes them in one go. */
static ssize_t
cb_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *user)
{
	struct conn *c = user;
	size_t n = OUT_MAX - c->outlen;

	(void)flags;
	if (n == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (n > len)
		n = len;
	memcpy(c->out + c->outlen, data, n);
	c->outlen += n;
	return (ssize_t)n;
}

/* Masks from a pool: randombytes_buf() is a getrandom() call each time. */
static int
cb_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
	static uint8_t pool[4096];
	static size_t left;

	(void)ctx;
	(void)user;
	if (len > sizeof(pool)) {
		randombytes_buf(buf, len);
		return 0;
	}
	if (left < len) {
		randombytes_buf(pool, sizeof(pool));
		left = sizeof(pool);
	}
	memcpy(buf, pool + sizeof(pool) - left, len);
	left -= len;
	return 0;
}

/*
 * No buffering: only the first HEAD_MAX bytes of a message are kept. Text
 * arrives as binary (scan_bytes), and either is a message to read.
 */
static void
cb_frame_start(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *arg, void *user)
{
	struct conn *c = user;

	(void)ctx;
	c->rx_ctrl = (arg->opcode & 0x8) != 0;
	c->rx_fin = arg->fin;
	if (arg->opcode == WSLAY_TEXT_FRAME ||
	    arg->opcode == WSLAY_BINARY_FRAME)
		c->headlen = 0;
}

static void
cb_frame_chunk(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg *arg, void *user)
{
	struct conn *c = user;
	size_t n = HEAD_MAX - c->headlen;

	(void)ctx;
	if (c->rx_ctrl)
		return;
	if (n > arg->data_length)
		n = arg->data_length;
	memcpy(c->head + c->headlen, arg->data, n);
	c->headlen += n;
}

static void
cb_frame_end(wslay_event_context_ptr ctx, void *user)
{
	struct conn *c = user;

	(void)ctx;
	if (!c->rx_ctrl && c->rx_fin)
		conn_message(c);
}

/* Control frames are buffered by wslay, which also answers pings. */
static void
cb_msg(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct conn *c = user;

	(void)ctx;
	if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
		c->lost = 1;
		c->lost_code = arg->status_code ? arg->status_code : 1005;
	}
}

static const struct wslay_event_callbacks callbacks = {
	cb_recv, cb_send, cb_genmask, cb_frame_start, cb_frame_chunk,
	cb_frame_end, cb_msg
};

/* ---------- setup ---------- */

/* Starts the TCP connection of c. */
static void
conn_connect(struct conn *c)
{
	int one = 1;

	c->fd = socket(B.addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		setup_fail(c, "socket: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->slow) {
		int rcvbuf = SLOW_RCVBUF;

		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	}
	if (connect(c->fd, (const struct sockaddr *)&B.addr, B.addrlen) == -1 &&
	    errno != EINPROGRESS)
		setup_fail(c, "connect: %s", strerror(errno));
	c->state = S_CONNECTING;
	B.inflight++;
	conn_watch(c, EPOLLOUT);
}

/* Sends the upgrade request. */
static void
conn_request(struct conn *c)
{
	int n;
	ssize_t r;

	wsclient_key(c->wskey);
	if ((c->hs = malloc(HS_MAX)) == NULL)
		fatal("out of memory");
	n = snprintf(c->hs, HS_MAX,
	    "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\nUser-Agent: loadgen\r\n\r\n",
	    B.hosthdr, c->wskey);
	/* A fresh socket's buffer takes 200 bytes whole. */
	r = io_send(c, c->hs, (size_t)n);
	if (r != n)
		setup_fail(c, "send: %s", r == -1 ? strerror(errno) : "short");
	c->hslen = 0;
	c->state = S_UPGRADING;
	conn_watch(c, EPOLLIN);
}

/* One step of the TLS handshake; the request once it is done. */
static void
conn_tls(struct conn *c)
{
	int r = gnutls_handshake(c->tls);

	if (r == 0)
		conn_request(c);
	else if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		conn_watch(c, gnutls_record_get_direction(c->tls) ? EPOLLOUT :
		    EPOLLIN);
	else
		setup_fail(c, "tls: %s", gnutls_strerror(r));
}

static void
conn_tls_start(struct conn *c)
{
	if (gnutls_init(&c->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK |
	    GNUTLS_NO_SIGNAL) < 0 ||
	    gnutls_set_default_priority(c->tls) < 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE,
	    B.cred) < 0)
		fatal("gnutls_init failed");
	gnutls_transport_set_int(c->tls, c->fd);
	c->state = S_TLS;
	conn_tls(c);
}

/* TCP is up: TLS (--tls), else the upgrade request. */
static void
conn_connected(struct conn *c)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0)
		setup_fail(c, "connect: %s", strerror(err ? err : errno));
	if (B.tls)
		conn_tls_start(c);
	else
		conn_request(c);
}

/* The upgrade succeeded: the wslay context and the hello. */
static void
conn_open(struct conn *c, size_t headlen)
{
	B.inflight--;
	if (wslay_event_context_client_init(&c->ctx, &callbacks, c) != 0 ||
	    (c->out = malloc(OUT_MAX)) == NULL)
		fatal("out of memory");
	wslay_event_config_set_no_buffering(c->ctx, 1);
	wslay_event_config_set_max_recv_msg_length(c->ctx, RECV_MAX);
	c->hsoff = headlen;
	if (c->hsoff == c->hslen) {
		free(c->hs);
		c->hs = NULL;
	}
	c->state = S_WAITING;
	conn_watch(c, EPOLLIN);
	if (c->member == 0 || c->room->created)
		conn_hello(c);
	if (c->hs != NULL && c->state != S_DEAD)
		conn_read(c);		/* frames that came with the 101 */
}

/* Reads the response to the upgrade request. */
static void
conn_upgrade(struct conn *c)
{
	char *end;
	ssize_t r;
	const char *why;

again:
	r = io_recv(c, c->hs + c->hslen, HS_MAX - 1 - c->hslen);
	if (r == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (r <= 0)
		setup_fail(c, "upgrade: %s", r == 0 ? "connection closed" :
		    strerror(errno));
	c->hslen += (size_t)r;
	c->hs[c->hslen] = '\0';
	if ((end = strstr(c->hs, "\r\n\r\n")) == NULL) {
		if (c->hslen == HS_MAX - 1)
			setup_fail(c, "upgrade: response head over %d bytes",
			    HS_MAX);
		if (io_held(c) > 0)
			goto again;
		return;
	}
	end[2] = '\0';		/* the head ends with one CRLF */
	if ((why = upgrade_check(c)) != NULL)
		setup_fail(c, "%s: %.*s", why, (int)strcspn(c->hs, "\r"),
		    c->hs);
	conn_open(c, (size_t)(end + 4 - c->hs));
}

static void
conn_event(struct conn *c, uint32_t ev)
{
	switch (c->state) {
	case S_CONNECTING:
		conn_connected(c);
		break;
	case S_TLS:
		conn_tls(c);
		break;
	case S_UPGRADING:
		conn_upgrade(c);
		break;
	case S_WAITING:
	case S_HELLO:
	case S_JOINED:
		if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
			conn_read(c);
		if (c->state != S_DEAD && (ev & EPOLLOUT))
			conn_flush(c);
		break;
	case S_NEW:
	case S_DEAD:
		break;
	}
}

/* One epoll_wait and its events. */
static void
loop_once(int timeout_ms)
{
	struct epoll_event ev[EVENTS_MAX];
	int n, i;

	if ((n = epoll_wait(B.ep, ev, EVENTS_MAX, timeout_ms)) == -1) {
		if (errno == EINTR)
			return;
		fatal("epoll_wait: %s", strerror(errno));
	}
	for (i = 0; i < n; i++)
		conn_event(ev[i].data.ptr, ev[i].events);
}

/* Creators first, so that joiners rarely wait for their room. */
static struct conn *
launch_order(size_t i)
{
	size_t r, m;

	if (i < B.nrooms)
		return &B.rooms[i].first[0];
	i -= B.nrooms;
	r = i / (B.members - 1);
	m = 1 + i % (B.members - 1);
	return &B.rooms[r].first[m];
}

/* Every connection upgraded and welcomed, or exit 1. */
static void
setup_run(void)
{
	uint64_t t0 = now_ns();
	uint64_t deadline = t0 + (uint64_t)opt(O_TIMEOUT) * NS;

	while (B.joined < B.nconns) {
		while (B.inflight < (size_t)opt(O_CONCURRENCY) &&
		    B.launched < B.nconns)
			conn_connect(launch_order(B.launched++));
		if (now_ns() >= deadline)
			fatal("setup failed: timeout after %lld s, %zu of "
			    "%zu connections in their rooms", opt(O_TIMEOUT),
			    B.joined, B.nconns);
		loop_once(ms_until(deadline, 100));
	}
	B.setup_done = 1;
	B.t_setup = now_ns() - t0;
}

/* ---------- traffic ---------- */

static size_t
fmt_u64(uint8_t *p, uint64_t v)
{
	uint8_t tmp[20];
	size_t n = 0, i;

	do
		tmp[n++] = (uint8_t)('0' + v % 10);
	while ((v /= 10) != 0);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* Queues one message of sender id, stamped now; 0 or -1. */
static int
sender_send(size_t id, uint64_t now)
{
	struct sender *s = &B.senders[id];
	uint8_t *b = B.msg + 4;
	size_t n = 0;

	memset(b, 'x', BODY_MIN);	/* the last prefix may be longer */
	b[n++] = 'S';
	n += fmt_u64(b + n, id);
	b[n++] = '.';
	n += fmt_u64(b + n, s->seq);
	b[n++] = '.';
	n += fmt_u64(b + n, now);
	b[n++] = '.';
	/* Only with 10^12 messages or 30 years of uptime (B.msg has room). */
	if (n > B.msglen - 4)
		return -1;
	if (conn_queue(s->c, B.msg, B.msglen) != 0)
		return -1;
	s->seq++;
	s->c->dirty = 1;
	if (B.measuring)
		B.sent++;
	return 0;
}

static void
senders_flush(void)
{
	size_t i;

	for (i = 0; i < B.nsenders; i++)
		if (B.senders[i].c->dirty && B.senders[i].c->state == S_JOINED)
			conn_flush(B.senders[i].c);
}

/*
 * Fanout: fills every sender's window, but never queues more than SENDQ_MAX
 * bytes here: with a window larger than the relay takes (the overload run),
 * the kernel's flow control is what paces the senders.
 */
static void
fanout_fill(void)
{
	uint64_t w = (uint64_t)opt(O_WINDOW), now = now_ns();
	struct sender *s;
	size_t i;

	for (i = 0; i < B.nsenders; i++) {
		s = &B.senders[i];
		while (s->c->state == S_JOINED && s->seq - s->seen < w &&
		    wslay_event_get_queued_msg_length(s->c->ctx) < SENDQ_MAX)
			if (sender_send(i, now) != 0)
				break;
	}
	senders_flush();
}

/*
 * Paced: sends what is due by now, round robin over the senders. A message
 * due on a closed sender, or on one with SENDQ_MAX bytes still queued (the
 * relay stopped reading it), is skipped rather than piled up without bound.
 */
static void
paced_fill(uint64_t t_begin, uint64_t *issued)
{
	double rate = (double)opt(O_RATE) / (double)(B.members - 1);
	uint64_t now = now_ns();
	uint64_t due = (uint64_t)((double)(now - t_begin) / 1e9 * rate);
	struct conn *c;
	size_t id;

	for (; *issued < due; (*issued)++) {
		id = (size_t)(*issued % B.nsenders);
		c = B.senders[id].c;
		if (c->state != S_JOINED ||
		    wslay_event_get_queued_msg_length(c->ctx) >= SENDQ_MAX ||
		    sender_send(id, now) != 0) {
			if (B.measuring)
				B.skipped++;
		}
	}
	senders_flush();
}

/* Gives each slow reader its budget for the next tick and lets it read. */
static void
slow_tick(uint64_t now)
{
	size_t i, budget;
	struct conn *c;

	if (!B.throttling || now - B.slow_at < SLOW_TICK_NS)
		return;
	budget = (size_t)((double)opt(O_SLOW_RATE) *
	    (double)(now - B.slow_at) / 1e9);
	B.slow_at = now;
	for (i = 0; i < B.nslow; i++) {
		c = B.slow[i];
		if (c->state != S_JOINED)
			continue;
		c->budget = budget;
		c->rx_short = 0;
		conn_watch(c, c->events | EPOLLIN);
	}
}

/*
 * After the run: slow readers read freely, so that the close a relay sent
 * them (1008 for a reader it gave up on) is seen and counted.
 */
static void
slow_drain(void)
{
	uint64_t end = now_ns() + DRAIN_NS;
	size_t i, alive;

	if (B.nslow == 0)
		return;
	B.throttling = 0;
	for (;;) {
		for (i = 0, alive = 0; i < B.nslow; i++)
			if (B.slow[i]->state == S_JOINED) {
				alive++;
				conn_watch(B.slow[i],
				    B.slow[i]->events | EPOLLIN);
			}
		if (alive == 0 || now_ns() >= end)
			return;
		loop_once(ms_until(end, 100));
	}
}

static void
measure_start(uint64_t now)
{
	B.measuring = 1;
	B.t_start = now;
	B.gen_cpu0 = self_cpu();
	if (B.pid != 0)
		B.relay_cpu0 = proc_cpu(B.pid);
}

static void
measure_stop(uint64_t now)
{
	B.measuring = 0;
	B.t_stop = now;
	B.gen_cpu1 = self_cpu();
	if (B.pid != 0)
		B.relay_cpu1 = proc_cpu(B.pid);
}

/* Fanout and paced: warm up, measure, stop. */
static void
traffic_run(void)
{
	uint64_t t_begin = now_ns(), issued = 0, now, next;
	uint64_t t0 = t_begin + WARMUP_NS;
	uint64_t t1 = t0 + (uint64_t)opt(O_SECONDS) * NS;

	B.throttling = B.nslow > 0;
	B.slow_at = t_begin;
	for (;;) {
		now = now_ns();
		if (!B.measuring && now >= t0)
			measure_start(now);
		if (B.measuring && now >= t1) {
			measure_stop(now);
			break;
		}
		slow_tick(now);
		if (B.mode == FANOUT)
			fanout_fill();
		else
			paced_fill(t_begin, &issued);
		next = B.measuring ? t1 : t0;
		loop_once(ms_until(next, B.mode == PACED ? 1 :
		    B.throttling ? 10 : 100));
	}
	slow_drain();
}

/* Keeps the loop (and pong replies) going for seconds. */
static void
idle_wait(long long seconds)
{
	uint64_t end = now_ns() + (uint64_t)seconds * NS;

	while (now_ns() < end)
		loop_once(ms_until(end, 100));
}

static void
idle_run(void)
{
	struct mem before, joined, after;
	struct timespec ts = { (time_t)opt(O_SETTLE), 0 };
	size_t i;

	proc_mem(&before);
	B.relay_cpu0 = proc_cpu(B.pid);
	setup_run();
	B.relay_cpu1 = proc_cpu(B.pid);
	idle_wait(opt(O_SETTLE));
	proc_mem(&joined);
	for (i = 0; i < B.nconns; i++)
		conn_release(&B.conns[i]);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	proc_mem(&after);
	report_idle(&before, &joined, &after);
}

/* ---------- start and end ---------- */

/* Our file descriptors: soft limit up to the hard one. */
static void
rlimit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit: %s", strerror(errno));
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("setrlimit: %s", strerror(errno));
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < B.nconns + 16)
		fatal("%zu connections need %zu file descriptors; the "
		    "limit is %llu", B.nconns, B.nconns + 16,
		    (unsigned long long)rl.rlim_cur);
}

static void
bench_init(void)
{
	uint8_t raw[KEY_BYTES];
	size_t i, per = (size_t)opt(O_SENDERS);

	if ((B.conns = calloc(B.nconns, sizeof(*B.conns))) == NULL ||
	    (B.rooms = calloc(B.nrooms, sizeof(*B.rooms))) == NULL ||
	    (B.hist = calloc(HIST_US + HIST_MS + 1, sizeof(*B.hist))) == NULL ||
	    (B.nsenders > 0 &&
	    (B.senders = calloc(B.nsenders, sizeof(*B.senders))) == NULL))
		fatal("out of memory");
	for (i = 0; i < B.nrooms; i++) {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(B.rooms[i].key, sizeof(B.rooms[i].key), raw,
		    sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		B.rooms[i].first = &B.conns[i * B.members];
	}
	for (i = 0; i < B.nconns; i++) {
		B.conns[i].fd = -1;
		B.conns[i].room = &B.rooms[i / B.members];
		B.conns[i].member = i % B.members;
	}
	for (i = 0; i < B.nsenders; i++)
		B.senders[i].c = &B.rooms[i / per].first[i % per];
	B.nslow = B.nrooms * (size_t)opt(O_SLOW);
	if (B.nslow > 0 && (B.slow = calloc(B.nslow, sizeof(*B.slow))) == NULL)
		fatal("out of memory");
	for (i = 0; i < B.nslow; i++) {
		size_t k = (size_t)opt(O_SLOW);

		B.slow[i] = &B.rooms[i / k].first[B.members - 1 - k + i % k];
		B.slow[i]->slow = 1;
	}
	B.msglen = 4 + (size_t)opt(O_SIZE);
	if ((B.msg = malloc(B.msglen + PREFIX_MAX)) == NULL)
		fatal("out of memory");
	memcpy(B.msg, "msg ", 4);
	memset(B.msg + 4, 'x', B.msglen - 4);
	if ((B.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1: %s", strerror(errno));
	if (B.tls && gnutls_certificate_allocate_credentials(&B.cred) < 0)
		fatal("gnutls_certificate_allocate_credentials failed");
}

static void
bench_free(void)
{
	size_t i;

	for (i = 0; i < B.nconns; i++)
		conn_release(&B.conns[i]);
	close(B.ep);
	if (B.cred != NULL)
		gnutls_certificate_free_credentials(B.cred);
	free(B.conns);
	free(B.rooms);
	free(B.senders);
	free(B.slow);
	free(B.hist);
	free(B.msg);
}

int
main(int argc, char *argv[])
{
	signal(SIGPIPE, SIG_IGN);
	opts_parse(argc, argv);
	rlimit_raise();
	if (sodium_init() < 0)
		fatal("sodium_init failed");
	if (B.pid != 0 && proc_cpu(B.pid) < 0)
		fatal("cannot read /proc/%d/stat", (int)B.pid);
	bench_init();
	if (B.mode == IDLE)
		idle_run();
	else {
		setup_run();
		traffic_run();
		report_traffic();
	}
	bench_free();
	return 0;
}
