/*
 * ws-burst: the cheapest heartbeat load generator for the gateway's
 * throughput window (bench:gateway). Plain C, epoll, libc only; built on
 * first use by scripts/load/native/build-native.ts, driven by ws-burst.ts.
 *
 * It opens N loopback TCP connections to 127.0.0.1:PORT/ws, upgrades each
 * to WebSocket, registers one client per connection, then keeps W answered
 * heartbeats in flight per connection (closed loop: once half the window is
 * answered, one write refills it), for --warmup-ms and then a counted
 * --window-ms, and exits. It answers ka_ping with ka_pong and ping frames
 * with pong frames, so no client it holds expires.
 *
 * With --quiet Q it also holds Q connections that register and only answer
 * pings; with --control stdin it keeps everything open after setup and runs
 * one burst per "burst" line read on stdin, until stdin ends (or 10 minutes
 * pass without a command).
 *
 * stdout, one JSON object per line: {"event":"ready"} after setup (with
 * --control), {"event":"window-start"} as a counted window begins (a caller
 * reads its own CPU figures there), then one {"event":"done", ...} with the
 * counts, replies/s over the window and this process's own CPU seconds over
 * the window (getrusage). Failures: a line on stderr and exit status 1 (2:
 * bad arguments).
 *
 * Costs, per connection: one read buffer (RBUF bytes) and one write buffer
 * (WBUF), allocated once; per reply: a frame-header read and a prefix
 * compare (one reply in SAMPLE_EVERY is checked whole); per refill: one
 * memcpy of pre-built frames and one write(2); per pass of the loop (at
 * most one per --min-loop-us, default 1000, while bursting): one
 * epoll_wait for every connection ready by then. What remains is mostly
 * the kernel's loopback TCP work per write and read. Client frames are
 * masked with the zero key (valid per RFC 6455 and leaves the payload as
 * is).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RBUF (16 * 1024)
#define WBUF (16 * 1024)
#define SAMPLE_EVERY 1024
#define MAX_WINDOW 128
#define MAX_CONNECTIONS 20000
/* Handshakes in flight at once: a listen backlog is finite, and SYN retries would cost a second. */
#define CONNECT_CONCURRENCY 64
#define SETUP_TIMEOUT_MS 60000
/* --control: a caller that neither sends a command nor ends stdin for this long is gone or hung; the tool exits. */
#define IDLE_BOUND_S 600

enum state { CONNECTING, UPGRADING, REGISTERING, READY, DEAD };

struct conn {
  int fd;
  enum state state;
  unsigned char *rbuf;
  size_t rlen;
  /* Bytes of an oversized frame still to be skipped (never expected: the tool asks for nothing large). */
  size_t skip;
  unsigned char *wbuf;
  size_t wlen;
  int want_out;
  /* Answered heartbeats still expected on this connection. */
  int outstanding;
  int low_water_set;
  /* Bursts (the first --connections), or only answers pings (the --quiet ones). */
  int bursts;
  char id[48];
  unsigned char *hb; /* MAX(W) copies of this client's heartbeat frame */
  size_t hb_len;     /* one frame */
  char echo[96];     /* the heartbeat text itself: what an echo server answers */
  size_t echo_len;
};

struct counts {
  uint64_t replies, sampled, bad, errors, ka_pings, pings, closes, sent, other;
  /* System calls of the loop: what the tool's CPU is mostly spent on (loopback TCP). */
  uint64_t reads, writes, waits;
};

static struct {
  int port;
  int connections;
  int window;
  long warmup_ms, window_ms;
  long timeout_ms, ping_interval_ms;
  const char *prefix;
  long min_loop_us;
  int quiet;
  int control;
} opt = {0, 100, 32, 1000, 3000, 8000, 4000, "wsb", 1000, 0, 0};

static struct counts cnt;
static int bursting;
static int epfd;
static struct conn *conns;
static int total;
/* The epoll entry of stdin (--control): its data.ptr, told apart from a connection's. */
static struct conn stdin_marker;
static char command[64];
static size_t command_len;
static int command_ready, stdin_eof;
static int registered, opened, started;
static int first_bad_printed, first_error_printed;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("ws-burst: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* A masked (zero key) client text frame of `text` at `out`; returns its length. Payloads here are under 126 bytes. */
static size_t client_frame(unsigned char *out, unsigned char opcode, const char *text, size_t len) {
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | (unsigned char)len;
  memset(out + 2, 0, 4);
  memcpy(out + 6, text, len);
  return 6 + len;
}

static void want_output(struct conn *c, int on) {
  if (c->want_out == on) return;
  struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->want_out = on;
}

static void kill_conn(struct conn *c, const char *why) {
  if (c->state == DEAD) return;
  if (cnt.closes++ < 3) fprintf(stderr, "ws-burst: connection %s: %s\n", c->id, why);
  c->state = DEAD;
  close(c->fd);
}

static void flush(struct conn *c) {
  while (c->wlen > 0) {
    ssize_t n = write(c->fd, c->wbuf, c->wlen);
    cnt.writes++;
    if (n < 0) {
      if (errno == EAGAIN) break;
      if (errno == EINTR) continue;
      kill_conn(c, strerror(errno));
      return;
    }
    memmove(c->wbuf, c->wbuf + n, c->wlen - n);
    c->wlen -= n;
  }
  want_output(c, c->wlen > 0);
}

/* Appends bytes to the write buffer; false when it is full (the server is not reading). */
static int queue(struct conn *c, const void *bytes, size_t len) {
  if (c->wlen + len > WBUF) return 0;
  memcpy(c->wbuf + c->wlen, bytes, len);
  c->wlen += len;
  return 1;
}

/* Closed loop: once half the window is answered, one write brings it back to W in flight. */
static void refill(struct conn *c) {
  if (!bursting || !c->bursts || c->state != READY || c->outstanding > opt.window / 2) return;
  int n = opt.window - (c->outstanding < 0 ? 0 : c->outstanding);
  while (n > 0 && c->wlen + c->hb_len * n > WBUF) n--;
  if (n <= 0) return;
  queue(c, c->hb, c->hb_len * n);
  c->outstanding += n;
  cnt.sent += n;
}

static int starts_with(const unsigned char *p, size_t len, const char *prefix) {
  size_t k = strlen(prefix);
  return len >= k && memcmp(p, prefix, k) == 0;
}

static int contains(const unsigned char *p, size_t len, const char *needle) {
  return memmem(p, len, needle, strlen(needle)) != NULL;
}

#define REPLY_PREFIX "{\"type\": \"ka_heartbeat_ok\""
/* The whole answer to msg_id 1: keepwatch's `..., "in_reply_to": 1, "last_seen_ms_ago": 0, "msg_id": N}` or a baseline's `..., "in_reply_to": 1}`. */
#define ANSWER_HEAD REPLY_PREFIX ", \"in_reply_to\": 1"

static int is_answer(const struct conn *c, const unsigned char *p, size_t len) {
  if (len == c->echo_len && memcmp(p, c->echo, len) == 0) return 1;
  size_t k = strlen(ANSWER_HEAD);
  return len > k && memcmp(p, ANSWER_HEAD, k) == 0 && (p[k] == ',' || p[k] == '}') && p[len - 1] == '}';
}

/*
 * While bursting, after the first reply: wake only once the bytes of half a window of
 * replies are in (SO_RCVLOWAT), i.e. when a refill is due, so each read and
 * each write moves half a window, whatever the relative speed of the tool
 * and the server. Replies never get shorter (keepwatch's msg_id grows, the
 * baselines' and the echo are fixed), so a connection with more than half a
 * window outstanding always reaches the mark; frames other than replies
 * only add bytes.
 */
static void set_low_water(struct conn *c, size_t reply_frame_len) {
  int lowat = (int)(reply_frame_len * (size_t)(opt.window / 2));
  if (lowat > 1) setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
  c->low_water_set = 1;
}

/* Between bursts a lone ka_ping must wake the loop again: back to one byte. */
static void clear_low_water(struct conn *c) {
  int one = 1;
  if (c->low_water_set && c->state != DEAD) setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
  c->low_water_set = 0;
}

static void on_reply(struct conn *c, const unsigned char *p, size_t len) {
  if (bursting && !c->low_water_set) set_low_water(c, len + 2);
  if (cnt.replies++ % SAMPLE_EVERY == 0) {
    cnt.sampled++;
    if (!is_answer(c, p, len)) {
      cnt.bad++;
      if (!first_bad_printed++) fprintf(stderr, "ws-burst: a heartbeat reply that does not answer it: %.*s\n", (int)(len > 200 ? 200 : len), p);
    }
  }
  c->outstanding--;
}

static void on_text(struct conn *c, const unsigned char *p, size_t len) {
  if (starts_with(p, len, REPLY_PREFIX) || (len == c->echo_len && memcmp(p, c->echo, len) == 0)) {
    on_reply(c, p, len);
    return;
  }
  if (contains(p, len, "\"ka_ping\"")) {
    char text[96];
    unsigned char frame[128];
    cnt.ka_pings++;
    int n = snprintf(text, sizeof text, "{\"type\":\"ka_pong\",\"client_id\":\"%s\"}", c->id);
    queue(c, frame, client_frame(frame, 0x1, text, n));
    return;
  }
  if (contains(p, len, "\"type\": \"error\"") || contains(p, len, "\"type\":\"error\"")) {
    cnt.errors++;
    if (!first_error_printed++) fprintf(stderr, "ws-burst: error from the server: %.*s\n", (int)(len > 200 ? 200 : len), p);
    if (c->state == REGISTERING) kill_conn(c, "register refused");
    return;
  }
  if (c->state == REGISTERING && contains(p, len, "ka_register")) {
    c->state = READY;
    registered++;
    return;
  }
  cnt.other++;
}

/* One whole server frame (servers do not mask). */
static void on_frame(struct conn *c, unsigned char b0, const unsigned char *p, size_t len) {
  unsigned char opcode = b0 & 0x0f;
  if (opcode == 0x1 && (b0 & 0x80)) {
    on_text(c, p, len);
  } else if (opcode == 0x9) {
    unsigned char frame[6 + 125];
    cnt.pings++;
    if (len <= 125) queue(c, frame, client_frame(frame, 0xA, (const char *)p, len));
  } else if (opcode == 0x8) {
    kill_conn(c, "closed by the server");
  } else {
    cnt.other++;
  }
}

/* Splits the read buffer into frames; keeps a cut frame's start for the next read. */
static void parse_frames(struct conn *c) {
  size_t pos = 0;
  if (c->skip > 0) {
    size_t n = c->skip < c->rlen ? c->skip : c->rlen;
    c->skip -= n;
    pos = n;
  }
  while (c->state != DEAD && pos + 2 <= c->rlen) {
    const unsigned char *h = c->rbuf + pos;
    size_t avail = c->rlen - pos, head = 2;
    uint64_t len = h[1] & 0x7f;
    if (len == 126) {
      if (avail < 4) break;
      len = ((uint64_t)h[2] << 8) | h[3];
      head = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; i++) len = (len << 8) | h[2 + i];
      head = 10;
    }
    if (h[1] & 0x80) {
      kill_conn(c, "a masked frame from the server");
      return;
    }
    if (head + len > RBUF) {
      cnt.other++;
      c->skip = head + len - avail;
      pos = c->rlen;
      break;
    }
    if (avail < head + len) break;
    on_frame(c, h[0], h + head, (size_t)len);
    pos += head + len;
  }
  if (c->state == DEAD) return;
  memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
  c->rlen -= pos;
}

static void send_register(struct conn *c) {
  char text[160];
  unsigned char frame[200];
  int n = snprintf(text, sizeof text, "{\"type\":\"ka_register\",\"client_id\":\"%s\",\"timeout_ms\":%ld,\"ping_interval_ms\":%ld,\"msg_id\":1}", c->id,
                   opt.timeout_ms, opt.ping_interval_ms);
  if (n >= 126) die("register frame too long for the id prefix '%s'", opt.prefix);
  queue(c, frame, client_frame(frame, 0x1, text, n));
  c->state = REGISTERING;
}

static void on_upgrade_bytes(struct conn *c) {
  unsigned char *end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
  if (end == NULL) {
    if (c->rlen == RBUF) kill_conn(c, "upgrade response too long");
    return;
  }
  if (!starts_with(c->rbuf, c->rlen, "HTTP/1.1 101")) {
    char *eol = memchr(c->rbuf, '\r', c->rlen);
    fprintf(stderr, "ws-burst: upgrade refused: %.*s\n", (int)(eol - (char *)c->rbuf), c->rbuf);
    kill_conn(c, "upgrade refused");
    return;
  }
  size_t used = (size_t)(end - c->rbuf) + 4;
  memmove(c->rbuf, c->rbuf + used, c->rlen - used);
  c->rlen -= used;
  send_register(c);
}

static void on_readable(struct conn *c) {
  for (;;) {
    if (c->rlen == RBUF) die("read buffer full on %s", c->id);
    ssize_t n = read(c->fd, c->rbuf + c->rlen, RBUF - c->rlen);
    cnt.reads++;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) kill_conn(c, strerror(errno));
      break;
    }
    if (n == 0) {
      kill_conn(c, "end of stream");
      break;
    }
    c->rlen += n;
    if (c->state == UPGRADING) on_upgrade_bytes(c);
    if (c->state == REGISTERING || c->state == READY) parse_frames(c);
    if (c->state == DEAD || (size_t)n < RBUF / 2) break;
  }
  if (c->state == DEAD) return;
  refill(c);
  flush(c);
}

static void start_connect(struct conn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) die("socket: %s", strerror(errno));
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(opt.port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) die("connect: %s", strerror(errno));
  c->state = CONNECTING;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
  c->want_out = 1;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
  started++;
}

static void on_connected(struct conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    kill_conn(c, strerror(err));
    return;
  }
  opened++;
  char req[256];
  int n = snprintf(req, sizeof req,
                   "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   opt.port);
  queue(c, req, n);
  c->state = UPGRADING;
}

/* Reads stdin up to the end of a command line (or its end). */
static void on_stdin(void) {
  ssize_t n = read(0, command + command_len, sizeof command - 1 - command_len);
  if (n <= 0) {
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    stdin_eof = 1;
    return;
  }
  command_len += (size_t)n;
  command[command_len] = '\0';
  char *nl = strchr(command, '\n');
  if (nl != NULL) {
    *nl = '\0';
    command_ready = 1;
  } else if (command_len == sizeof command - 1) die("command line too long");
}

static void on_event(struct conn *c, uint32_t events) {
  if (c == &stdin_marker) {
    on_stdin();
    return;
  }
  if (c->state == DEAD) return;
  if (c->state == CONNECTING) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    on_connected(c);
    if (c->state == DEAD) return;
    flush(c);
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
  else if (events & EPOLLOUT) {
    refill(c);
    flush(c);
  }
}

static void init_conn(struct conn *c, int i) {
  memset(c, 0, sizeof *c);
  c->bursts = i < opt.connections;
  c->fd = -1;
  c->state = DEAD;
  snprintf(c->id, sizeof c->id, "%s-%d", opt.prefix, i);
  c->echo_len = (size_t)snprintf(c->echo, sizeof c->echo, "{\"type\":\"ka_heartbeat\",\"client_id\":\"%s\",\"msg_id\":1}", c->id);
  if (c->echo_len >= 126) die("heartbeat frame too long for the id prefix '%s'", opt.prefix);
  c->rbuf = malloc(RBUF);
  c->wbuf = malloc(WBUF);
  c->hb = malloc((6 + c->echo_len) * opt.window);
  if (c->rbuf == NULL || c->wbuf == NULL || c->hb == NULL) die("out of memory");
  c->hb_len = client_frame(c->hb, 0x1, c->echo, c->echo_len);
  for (int k = 1; k < opt.window; k++) memcpy(c->hb + k * c->hb_len, c->hb, c->hb_len);
}

/*
 * While bursting, one pass of the loop every --min-loop-us at most: a
 * wake-up per ready connection or two would cost a context switch each;
 * waiting lets replies from many connections pile up and one pass serve
 * them all. The server does not starve meanwhile: it has half a window on
 * every other connection to answer (connections x W/2 messages, far more
 * than it answers in a pass's time).
 */
static void pace(double loop_start_ms) {
  double left_us = opt.min_loop_us - (now_ms() - loop_start_ms) * 1e3;
  if (left_us <= 0) return;
  struct timespec ts = {0, (long)(left_us * 1e3)};
  nanosleep(&ts, NULL);
}

/* Runs the loop until `until_ms` (monotonic), or, when `stop` is given, until it returns true. */
static void loop_until(double until_ms, int (*stop)(void)) {
  struct epoll_event evs[256];
  for (;;) {
    double loop_start = now_ms();
    if (stop != NULL && stop()) return;
    double left = until_ms - now_ms();
    if (left <= 0) return;
    int n = epoll_wait(epfd, evs, 256, left > 100 ? 100 : (int)left + 1);
    cnt.waits++;
    if (n < 0 && errno != EINTR) die("epoll_wait: %s", strerror(errno));
    for (int i = 0; i < n; i++) on_event(evs[i].data.ptr, evs[i].events);
    if (bursting && opt.min_loop_us > 0) pace(loop_start);
  }
}

/* Setup: keeps CONNECT_CONCURRENCY handshakes going until every connection is registered (or one failed). */
static int setup_done(void) {
  if (cnt.closes > 0) die("%llu connections failed while connecting (first reason above)", (unsigned long long)cnt.closes);
  while (started < total && started - registered < CONNECT_CONCURRENCY) start_connect(&conns[started]);
  return registered == total;
}

static long arg_long(const char *name, const char *v, long lo, long hi) {
  char *end;
  long x = strtol(v, &end, 10);
  if (*v == '\0' || *end != '\0' || x < lo || x > hi) {
    fprintf(stderr, "ws-burst: %s must be an integer in %ld..%ld, got '%s'\n", name, lo, hi, v);
    exit(2);
  }
  return x;
}

static void parse_args(int argc, char **argv) {
  for (int i = 1; i < argc; i += 2) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) {
      fprintf(stderr, "ws-burst: %s needs a value\n", k);
      exit(2);
    }
    if (!strcmp(k, "--port")) opt.port = (int)arg_long(k, v, 1, 65535);
    else if (!strcmp(k, "--connections")) opt.connections = (int)arg_long(k, v, 1, MAX_CONNECTIONS);
    else if (!strcmp(k, "--window")) opt.window = (int)arg_long(k, v, 1, MAX_WINDOW);
    else if (!strcmp(k, "--warmup-ms")) opt.warmup_ms = arg_long(k, v, 0, 600000);
    else if (!strcmp(k, "--window-ms")) opt.window_ms = arg_long(k, v, 1, 600000);
    else if (!strcmp(k, "--timeout-ms")) opt.timeout_ms = arg_long(k, v, 1, 2147483647L);
    else if (!strcmp(k, "--ping-interval-ms")) opt.ping_interval_ms = arg_long(k, v, 1, 2147483647L);
    else if (!strcmp(k, "--quiet")) opt.quiet = (int)arg_long(k, v, 0, MAX_CONNECTIONS);
    else if (!strcmp(k, "--control")) {
      if (strcmp(v, "stdin") != 0) {
        fprintf(stderr, "ws-burst: --control takes stdin\n");
        exit(2);
      }
      opt.control = 1;
    } else if (!strcmp(k, "--min-loop-us")) opt.min_loop_us = arg_long(k, v, 0, 100000);
    else if (!strcmp(k, "--id-prefix")) {
      if (strlen(v) < 1 || strlen(v) > 32 || strpbrk(v, "\"\\") != NULL) {
        fprintf(stderr, "ws-burst: --id-prefix must be 1-32 characters without quotes or backslashes\n");
        exit(2);
      }
      opt.prefix = v;
    } else {
      fprintf(stderr,
              "ws-burst: unknown option %s\nusage: ws-burst --port P [--connections N] [--window W] [--warmup-ms MS] [--window-ms MS] "
              "[--timeout-ms MS] [--ping-interval-ms MS] [--min-loop-us US] [--quiet Q] [--control stdin] [--id-prefix S]\n",
              k);
      exit(2);
    }
  }
  if (opt.port == 0) {
    fprintf(stderr, "ws-burst: --port is required (the gateway on 127.0.0.1)\n");
    exit(2);
  }
}

static int command_arrived(void) {
  return command_ready || stdin_eof;
}

/* One burst: every bursting connection refilled, the warm-up, then the counted window, reported on stdout. */
static void run_burst(void) {
  /* Bounded in time whatever the server does: the warm-up, the window and a margin. */
  alarm((unsigned)((opt.warmup_ms + opt.window_ms) / 1000 + 30));
  bursting = 1;
  for (int i = 0; i < opt.connections; i++) {
    refill(&conns[i]);
    flush(&conns[i]);
  }
  loop_until(now_ms() + opt.warmup_ms, NULL);

  struct counts c0 = cnt;
  double t0 = now_ms(), cpu0 = cpu_seconds();
  printf("{\"event\":\"window-start\"}\n");
  fflush(stdout);
  loop_until(t0 + opt.window_ms, NULL);
  struct counts c1 = cnt;
  double t1 = now_ms(), cpu1 = cpu_seconds();
  bursting = 0;
  for (int i = 0; i < opt.connections; i++) clear_low_water(&conns[i]);

  double secs = (t1 - t0) / 1000;
  printf("{\"event\":\"done\",\"connections\":%d,\"quiet\":%d,\"window\":%d,\"windowMs\":%.3f,\"replies\":%llu,\"repliesPerSec\":%.1f,"
         "\"cpuSeconds\":%.6f,\"cpuSecondsTotal\":%.6f,\"repliesTotal\":%llu,\"heartbeatsSent\":%llu,\"sampled\":%llu,\"bad\":%llu,"
         "\"errors\":%llu,\"kaPings\":%llu,\"pings\":%llu,\"closes\":%llu,\"other\":%llu,"
         "\"windowReads\":%llu,\"windowWrites\":%llu,\"windowWaits\":%llu}\n",
         opt.connections, opt.quiet, opt.window, t1 - t0, (unsigned long long)(c1.replies - c0.replies), (c1.replies - c0.replies) / secs, cpu1 - cpu0,
         cpu1, (unsigned long long)c1.replies, (unsigned long long)c1.sent, (unsigned long long)c1.sampled, (unsigned long long)c1.bad,
         (unsigned long long)c1.errors, (unsigned long long)c1.ka_pings, (unsigned long long)c1.pings, (unsigned long long)c1.closes,
         (unsigned long long)c1.other, (unsigned long long)(c1.reads - c0.reads), (unsigned long long)(c1.writes - c0.writes),
         (unsigned long long)(c1.waits - c0.waits));
  fflush(stdout);
  alarm(0);
}

/*
 * --control stdin: after setup, {"event":"ready"}; then each line "burst"
 * runs one burst, and the end of stdin (the caller closed it, or died) ends
 * the run, as does IDLE_BOUND_S without a command. Between bursts the
 * connections stay open and answer pings.
 */
static void serve_commands(void) {
  printf("{\"event\":\"ready\",\"connections\":%d,\"quiet\":%d}\n", opt.connections, opt.quiet);
  fflush(stdout);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &stdin_marker};
  for (;;) {
    alarm(IDLE_BOUND_S);
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev) < 0) die("epoll_ctl stdin: %s", strerror(errno));
    while (!command_arrived()) loop_until(now_ms() + 3600e3, command_arrived);
    epoll_ctl(epfd, EPOLL_CTL_DEL, 0, NULL);
    if (command_ready) {
      if (strcmp(command, "burst") != 0) die("unknown command '%s'", command);
      size_t rest = command_len - strlen(command) - 1;
      memmove(command, command + strlen(command) + 1, rest);
      command_len = rest;
      command[command_len] = '\0';
      command_ready = strchr(command, '\n') != NULL;
      if (command_ready) *strchr(command, '\n') = '\0';
      run_burst();
    } else return;
  }
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  /* Bounded in time whatever the server does: the setup bound and a margin (each burst sets its own). */
  alarm((unsigned)(SETUP_TIMEOUT_MS / 1000 + 10));
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) die("epoll_create1: %s", strerror(errno));
  total = opt.connections + opt.quiet;
  if (total > MAX_CONNECTIONS) die("at most %d connections in all", MAX_CONNECTIONS);
  conns = calloc(total, sizeof *conns);
  if (conns == NULL) die("out of memory");
  for (int i = 0; i < total; i++) init_conn(&conns[i], i);

  double setup_end = now_ms() + SETUP_TIMEOUT_MS;
  loop_until(setup_end, setup_done);
  if (registered < total) die("only %d of %d connections registered within %d ms", registered, total, SETUP_TIMEOUT_MS);

  if (opt.control) serve_commands();
  else run_burst();
  return 0;
}
