/* The Linux side of `make netbench`, the twin of Cairn's userspace/netbench:
 * the same phases in the same order, the same output lines.
 *
 *   netbench PORT BYTES CONNS DATAGRAMS PINGS GATEWAY
 *
 * 1. ICMP: PINGS echo requests to GATEWAY (QEMU's user-networking host,
 *    which answers them itself), one at a time, each timed:
 *    `BENCH icmp_rtt median N ns p99 N ns`.
 * 2. UDP: DATAGRAMS TFTP read requests for the file `netbench` to
 *    GATEWAY port 69, one at a time, each timed until QEMU's built-in TFTP
 *    server answers with the file's only data block (which is then
 *    acknowledged, ending the transfer): `BENCH udp_rtt median ...`.
 *    (QEMU's `restrict=on` drops every other datagram from the guest, so
 *    a host peer cannot echo them.)
 * 3. Listens on TCP PORT, PORT+1 and PORT+2, then prints
 *    `NETBENCH listening`; the host peer (tools/netbench/run.py) then
 *    connects through QEMU's forwards and does the timing:
 *    PORT    one connection: read to end of file, answer the byte count;
 *    PORT+1  one connection: write BYTES bytes, close;
 *    PORT+2  CONNS connections, each accepted and closed at once.
 * 4. Prints `NETBENCH done`. An alarm ends the run after 300 s whatever
 *    happens, so no step waits for ever. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(1);
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int compare_ll(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static unsigned short checksum(const void *data, size_t len) {
    const unsigned char *p = data;
    unsigned long sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
    if (len & 1) sum += p[len - 1] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return htons(~sum & 0xffff);
}

/* Prints the median and p99 of `got` round trips (sorted in place). */
static void report(const char *name, long long *rtt, int got, int lost) {
    if (got == 0) {
        printf("NETBENCH %s: no replies (%d lost)\n", name, lost);
        return;
    }
    qsort(rtt, got, sizeof *rtt, compare_ll);
    printf("BENCH %s median %lld ns p99 %lld ns\n", name, rtt[got / 2], rtt[(got * 99) / 100]);
    if (lost) printf("NETBENCH %s: %d lost\n", name, lost);
}

static struct sockaddr_in address(const char *ip, int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) die("address");
    return a;
}

static void receive_timeout(int s) {
    struct timeval timeout = {1, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

/* Times `count` echo requests to `gateway`; prints the median and p99. */
static void icmp_phase(const char *gateway, int count) {
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (s < 0) die("icmp socket");
    receive_timeout(s);
    struct sockaddr_in to = address(gateway, 0);
    long long *rtt = calloc(count, sizeof *rtt);
    int got = 0, lost = 0;
    unsigned short id = getpid() & 0xffff;
    for (int seq = 0; seq < count; seq++) {
        unsigned char packet[64] = {0};
        struct icmphdr *h = (struct icmphdr *)packet;
        h->type = ICMP_ECHO;
        h->un.echo.id = htons(id);
        h->un.echo.sequence = htons(seq);
        h->checksum = checksum(packet, sizeof packet);
        long long t0 = now_ns();
        if (sendto(s, packet, sizeof packet, 0, (struct sockaddr *)&to, sizeof to) < 0) die("icmp send");
        for (;;) {
            unsigned char reply[1500];
            ssize_t n = recv(s, reply, sizeof reply, 0);
            if (n < 0) { lost++; break; }
            size_t ihl = (reply[0] & 15) * 4;
            if ((size_t)n < ihl + 8) continue;
            struct icmphdr *r = (struct icmphdr *)(reply + ihl);
            if (r->type == ICMP_ECHOREPLY && ntohs(r->un.echo.id) == id && ntohs(r->un.echo.sequence) == seq) {
                rtt[got++] = now_ns() - t0;
                break;
            }
        }
    }
    close(s);
    report("icmp_rtt", rtt, got, lost);
    free(rtt);
}

/* Times `count` one-block TFTP reads of `netbench` from `gateway`. */
static void udp_phase(const char *gateway, int count) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) die("udp socket");
    receive_timeout(s);
    struct sockaddr_in server = address(gateway, 69);
    static const char request[] = "\0\1netbench\0octet";
    long long *rtt = calloc(count, sizeof *rtt);
    int got = 0, lost = 0;
    for (int i = 0; i < count; i++) {
        long long t0 = now_ns();
        if (sendto(s, request, sizeof request, 0, (struct sockaddr *)&server, sizeof server) < 0) die("udp send");
        unsigned char reply[600];
        struct sockaddr_in from;
        socklen_t from_len = sizeof from;
        ssize_t n = recvfrom(s, reply, sizeof reply, 0, (struct sockaddr *)&from, &from_len);
        if (n < 4 || reply[0] != 0 || reply[1] != 3 || reply[2] != 0 || reply[3] != 1) {
            lost++;
            continue;
        }
        rtt[got++] = now_ns() - t0;
        static const unsigned char ack[4] = {0, 4, 0, 1};
        sendto(s, ack, sizeof ack, 0, (struct sockaddr *)&from, from_len);
    }
    close(s);
    report("udp_rtt", rtt, got, lost);
    free(rtt);
}

static int listen_tcp(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) die("socket");
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
    if (listen(s, 64) < 0) die("listen");
    return s;
}

static int accept_one(int listener) {
    int c = accept(listener, NULL, NULL);
    if (c < 0) die("accept");
    return c;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: netbench PORT BYTES CONNS DATAGRAMS PINGS GATEWAY\n");
        return 2;
    }
    int port = atoi(argv[1]), conns = atoi(argv[3]), datagrams = atoi(argv[4]);
    long long bytes = atoll(argv[2]);
    alarm(300);
    setvbuf(stdout, NULL, _IONBF, 0);
    icmp_phase(argv[6], atoi(argv[5]));
    udp_phase(argv[6], datagrams);
    int sink = listen_tcp(port), source = listen_tcp(port + 1), churn = listen_tcp(port + 2);
    printf("NETBENCH listening\n");

    static char buf[65536];
    int c = accept_one(sink);
    long long total = 0;
    for (ssize_t n; (n = read(c, buf, sizeof buf)) != 0; total += n)
        if (n < 0) die("read");
    int len = snprintf(buf, sizeof buf, "%lld\n", total);
    if (write(c, buf, len) != len) die("write count");
    close(c);

    c = accept_one(source);
    memset(buf, 'c', sizeof buf);
    for (long long left = bytes; left > 0;) {
        ssize_t n = write(c, buf, left < (long long)sizeof buf ? left : (long long)sizeof buf);
        if (n <= 0) die("write");
        left -= n;
    }
    close(c);

    for (int i = 0; i < conns; i++) close(accept_one(churn));
    printf("NETBENCH done\n");
    return 0;
}
