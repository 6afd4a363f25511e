/* microbench: the Linux counterpart of Cairn's userspace/ubench (same method, same
 * sample/batch counts, same order, same output format). The project's copy of
 * ../shared/linux-ref/microbench.c, extended with ubench's workloads (tools/perf/README.md).
 *
 * Each benchmark prints one line `BENCH <name> <cycles> cycles <ns> ns` (pipe throughput:
 * `BENCH pipe_throughput <bytes> bytes in <ns> ns = <rate> MiB/s`): the median cost of
 * one operation in TSC cycles over `samples` samples of `batch` operations (after 3
 * warm-up operations), converted to nanoseconds with the TSC rate measured against
 * CLOCK_MONOTONIC over the same run -- exactly as ubench's `bench()`.
 *
 * Mapping to ubench (same names where the operation maps one to one):
 *   null_syscall          syscall(SYS_getppid)            (ubench: raw getpid)
 *   fork_exec_wait        fork + execve("/bin/true") + waitpid, empty environment
 *   spawn_wait            posix_spawn("/bin/true") + waitpid  (ubench: Spawn syscall)
 *   thread_create_join    pthread_create (256 KiB stack, as cairn-rt) + pthread_join
 *   thread_switch_futex   futex ping-pong between two threads (FUTEX_*_PRIVATE)
 *   thread_switch_yield   sched_yield ping-pong between two threads
 *   process_switch_yield  sched_yield ping-pong between two processes (shared page)
 *   page_fault            first write to a page of a private anonymous 1 MiB mapping
 *                         (MADV_NOHUGEPAGE so THP cannot swallow faults)
 *   scheme_read_1_byte    request/response through a user-space server THREAD over a
 *   scheme_read_64_KiB      SOCK_SEQPACKET socketpair: the client sends {READ, len}, the
 *   scheme_open_close       server answers with len bytes; open = {OPEN} answered with a
 *                           status word, close = one-way {CLOSE} (Cairn's close is not
 *                           answered either)
 *   tmpfs_open_close      open(O_RDONLY) + close of /tmp/ub-tmp/f on the kernel's tmpfs
 *                         (Cairn's tmpfs is a user-space server process)
 *   pipe_ping_pong        1 byte there and back between two processes, two pipes
 *   pipe_throughput       32 MiB through a pipe, 64 KiB writes and reads
 * Linux-only extras (after the 14 above, so they do not disturb them):
 *   *_proc                the three socket figures with the server in another PROCESS
 *   tmpfs_read_1_byte     pread of 1 B / 64 KiB at offset 0 of a 64 KiB tmpfs file
 *   tmpfs_read_64_KiB       (the kernel-served counterpart of scheme_read_*)
 *   clock_gettime         clock_gettime(CLOCK_MONOTONIC): the yield benchmarks read the clock
 *                         once per round (as ubench does); under TCG Linux's clocksource is
 *                         HPET (TSC marked unstable), so this is a system call plus an MMIO read
 * Workloads (ubench's names; files under /tmp/microbench-work on the kernel's tmpfs, Cairn's
 * under /tmp/ubench-work on its root tmpfs; programs are the guest's busybox applets and
 * static /bin/true, started by fork + dup2 of /dev/null on stdout + execve + waitpid):
 *   stat_file             stat() of one file
 *   readdir_1000          open + getdents64 to the end (4 KiB buffer) + close of a directory
 *                         of 1,000 empty files
 *   cp_tree               `cp -r` of 20 directories x 20 files of 4 KiB (the copy is removed
 *                         between runs, untimed)
 *   grep_tree             `grep -r needle` over that tree (one line of one file matches)
 *   shell_true_300        `sh -c` running a loop of 300 /bin/true
 *                         (3 timed runs each, cp_tree and grep_tree after 1 warm-up run)
 *
 * Build: gcc -O2 -static -pthread -o microbench microbench.c
 * Exit status 0, or 1 if a benchmark could not run (the reason goes to stderr). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

typedef int (*op_fn)(void *ctx);

static int os_fail(const char *what) {
    fprintf(stderr, "microbench: %s: %s\n", what, strerror(errno));
    return -1;
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* ubench's bench_warm(): `samples` samples of `batch` operations each (after `warmups`
 * warm-up operations); prints the median cost of one operation; `per_op` divides further
 * when one call performs several operations (a ping-pong round is two switches). */
static int bench_warm(const char *name, int warmups, int samples, uint64_t batch, uint64_t per_op, op_fn f,
                      void *ctx) {
    for (int i = 0; i < warmups; i++)
        if (f(ctx)) return -1;
    uint64_t *costs = malloc(sizeof(uint64_t) * (size_t)samples);
    if (!costs) return os_fail("malloc");
    uint64_t start = now_ns();
    uint64_t tsc_start = __rdtsc();
    for (int s = 0; s < samples; s++) {
        uint64_t t = __rdtsc();
        for (uint64_t b = 0; b < batch; b++) {
            if (f(ctx)) {
                free(costs);
                return -1;
            }
        }
        costs[s] = (__rdtsc() - t) / (batch * per_op);
    }
    uint64_t ns_total = now_ns() - start;
    uint64_t tsc_total = __rdtsc() - tsc_start;
    if (tsc_total == 0) tsc_total = 1;
    qsort(costs, (size_t)samples, sizeof(uint64_t), cmp_u64);
    uint64_t cycles = costs[samples / 2];
    uint64_t ns = (uint64_t)((unsigned __int128)cycles * ns_total / tsc_total);
    printf("BENCH %s %llu cycles %llu ns\n", name, (unsigned long long)cycles, (unsigned long long)ns);
    fflush(stdout);
    free(costs);
    return 0;
}

/* ubench's bench(): bench_warm with 3 warm-up operations. */
static int bench(const char *name, int samples, uint64_t batch, uint64_t per_op, op_fn f, void *ctx) {
    return bench_warm(name, 3, samples, batch, per_op, f, ctx);
}

/* ---- null syscall ---- */
static int op_getppid(void *ctx) {
    (void)ctx;
    if (syscall(SYS_getppid) < 0) return os_fail("getppid");
    return 0;
}
static int null_syscall(void) { return bench("null_syscall", 200, 100, 1, op_getppid, NULL); }

/* ---- processes ---- */
static char *const true_argv[] = {"/bin/true", NULL};
static char *const empty_env[] = {NULL};

/* Reaps `pid`, which must exit with 0. */
static int expect_success(pid_t pid) {
    int status;
    pid_t r;
    do r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0) return os_fail("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "microbench: child %d: status %#x\n", (int)pid, status);
        return -1;
    }
    return 0;
}

static int op_fork_exec_wait(void *ctx) {
    (void)ctx;
    pid_t pid = fork();
    if (pid < 0) return os_fail("fork");
    if (pid == 0) {
        execve("/bin/true", true_argv, empty_env);
        fprintf(stderr, "microbench: exec /bin/true: %s\n", strerror(errno));
        _exit(127);
    }
    return expect_success(pid);
}
static int fork_exec_wait(void) { return bench("fork_exec_wait", 30, 1, 1, op_fork_exec_wait, NULL); }

static int op_spawn_wait(void *ctx) {
    (void)ctx;
    pid_t pid;
    int e = posix_spawn(&pid, "/bin/true", NULL, NULL, true_argv, empty_env);
    if (e) {
        errno = e;
        return os_fail("spawn");
    }
    return expect_success(pid);
}
static int spawn_wait(void) { return bench("spawn_wait", 30, 1, 1, op_spawn_wait, NULL); }

/* ---- threads ---- */
static pthread_attr_t small_stack; /* cairn-rt's DEFAULT_STACK_SIZE: 256 KiB */

static void *noop_thread(void *arg) { return arg; }

static int op_thread_create_join(void *ctx) {
    (void)ctx;
    pthread_t t;
    int e = pthread_create(&t, &small_stack, noop_thread, NULL);
    if (e) {
        errno = e;
        return os_fail("spawn");
    }
    e = pthread_join(t, NULL);
    if (e) {
        errno = e;
        return os_fail("join");
    }
    return 0;
}
static int thread_create_join(void) { return bench("thread_create_join", 200, 1, 1, op_thread_create_join, NULL); }

/* Ping-pong word values, as ubench. */
enum { MAIN_TURN = 0, OTHER_TURN = 1, STOP = 2 };
#define PATIENCE_S 10

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *timeout) {
    return syscall(SYS_futex, (uint32_t *)word, op, val, timeout, NULL, 0);
}

/* Sleeps on `word` while it holds `value`; -1 if nobody answers. */
static int futex_wait_while(_Atomic uint32_t *word, uint32_t value) {
    const struct timespec patience = {PATIENCE_S, 0};
    while (atomic_load_explicit(word, memory_order_acquire) == value) {
        if (futex(word, FUTEX_WAIT_PRIVATE, value, &patience) < 0 && errno == ETIMEDOUT) {
            fprintf(stderr, "microbench: the other side did not answer within %ds\n", PATIENCE_S);
            return -1;
        }
    }
    return 0;
}

static void *futex_other(void *arg) {
    _Atomic uint32_t *w = arg;
    for (;;) {
        if (futex_wait_while(w, MAIN_TURN)) return (void *)1;
        if (atomic_load_explicit(w, memory_order_acquire) == STOP) return NULL;
        atomic_store_explicit(w, MAIN_TURN, memory_order_release);
        if (futex(w, FUTEX_WAKE_PRIVATE, 1, NULL) < 0) return (void *)1;
    }
}

static int op_futex_round(void *ctx) {
    _Atomic uint32_t *w = ctx;
    atomic_store_explicit(w, OTHER_TURN, memory_order_release);
    if (futex(w, FUTEX_WAKE_PRIVATE, 1, NULL) < 0) return os_fail("futex_wake");
    return futex_wait_while(w, OTHER_TURN);
}

static int thread_switch_futex(void) {
    static _Atomic uint32_t word = MAIN_TURN;
    pthread_t t;
    int e = pthread_create(&t, &small_stack, futex_other, (void *)&word);
    if (e) {
        errno = e;
        return os_fail("spawn");
    }
    int result = bench("thread_switch_futex", 200, 10, 2, op_futex_round, (void *)&word);
    atomic_store_explicit(&word, STOP, memory_order_release);
    futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL);
    void *ret;
    pthread_join(t, &ret);
    return result || ret ? -1 : 0;
}

/* Yields while `word` holds `value`; -1 if nobody answers. */
static int yield_while(_Atomic uint32_t *word, uint32_t value) {
    uint64_t start = now_ns();
    uint32_t spins = 0;
    while (atomic_load_explicit(word, memory_order_acquire) == value) {
        sched_yield();
        spins++;
        if (spins % 1024 == 0 && now_ns() - start > PATIENCE_S * 1000000000ull) {
            fprintf(stderr, "microbench: the other side did not answer within %ds\n", PATIENCE_S);
            return -1;
        }
    }
    return 0;
}

static void *yield_other(void *arg) {
    _Atomic uint32_t *w = arg;
    for (;;) {
        if (yield_while(w, MAIN_TURN)) return (void *)1;
        if (atomic_load_explicit(w, memory_order_acquire) == STOP) return NULL;
        atomic_store_explicit(w, MAIN_TURN, memory_order_release);
    }
}

static int op_yield_round(void *ctx) {
    _Atomic uint32_t *w = ctx;
    atomic_store_explicit(w, OTHER_TURN, memory_order_release);
    return yield_while(w, OTHER_TURN);
}

static int thread_switch_yield(void) {
    static _Atomic uint32_t word = MAIN_TURN;
    pthread_t t;
    int e = pthread_create(&t, &small_stack, yield_other, (void *)&word);
    if (e) {
        errno = e;
        return os_fail("spawn");
    }
    int result = bench("thread_switch_yield", 200, 10, 2, op_yield_round, (void *)&word);
    atomic_store_explicit(&word, STOP, memory_order_release);
    void *ret;
    pthread_join(t, &ret);
    return result || ret ? -1 : 0;
}

static int process_switch_yield(void) {
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return os_fail("mmap shared");
    _Atomic uint32_t *word = page;
    pid_t child = fork();
    if (child < 0) return os_fail("fork");
    if (child == 0) {
        for (;;) {
            if (yield_while(word, MAIN_TURN)) _exit(1);
            if (atomic_load_explicit(word, memory_order_acquire) == STOP) _exit(0);
            atomic_store_explicit(word, MAIN_TURN, memory_order_release);
        }
    }
    int result = bench("process_switch_yield", 200, 10, 2, op_yield_round, (void *)word);
    atomic_store_explicit(word, STOP, memory_order_release);
    int reaped = expect_success(child);
    munmap(page, 4096);
    return result || reaped ? -1 : 0;
}

/* ---- page faults ---- */
#define PF_PAGES 256
struct pf_state {
    char *maps[64];
    int nmaps;
    int next;
};

static int op_page_fault(void *ctx) {
    struct pf_state *st = ctx;
    if (st->next == PF_PAGES) {
        if (st->nmaps == 64) {
            fprintf(stderr, "microbench: page_fault: too many mappings\n");
            return -1;
        }
        void *m = mmap(NULL, PF_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) return os_fail("mmap");
        madvise(m, PF_PAGES * 4096, MADV_NOHUGEPAGE);
        st->maps[st->nmaps++] = m;
        st->next = 0;
    }
    volatile char *addr = st->maps[st->nmaps - 1] + (size_t)st->next * 4096;
    *addr = 1;
    st->next++;
    return 0;
}

static int page_fault(void) {
    struct pf_state st = {.nmaps = 0, .next = PF_PAGES};
    int result = bench("page_fault", 2048, 1, 1, op_page_fault, &st);
    for (int i = 0; i < st.nmaps; i++) munmap(st.maps[i], PF_PAGES * 4096);
    return result;
}

/* ---- request/response through a user-space server (the "scheme" counterpart) ---- */
#define MAX_PAYLOAD (64 * 1024)
enum { REQ_OPEN = 1, REQ_READ = 2, REQ_CLOSE = 3 };
struct request {
    uint32_t opcode;
    uint32_t len;
};

/* Serves one socket: OPEN is answered with a status word, READ of N with N bytes,
 * CLOSE gets no answer. Runs until the peer goes away. */
static void serve_echo(int sock) {
    static char data[MAX_PAYLOAD];
    memset(data, 0x5a, sizeof data);
    struct request req;
    for (;;) {
        ssize_t n = recv(sock, &req, sizeof req, 0);
        if (n != (ssize_t)sizeof req) break;
        if (req.opcode == REQ_OPEN) {
            int64_t status = 1;
            if (send(sock, &status, sizeof status, 0) < 0) break;
        } else if (req.opcode == REQ_READ) {
            size_t len = req.len < MAX_PAYLOAD ? req.len : MAX_PAYLOAD;
            if (send(sock, data, len, 0) < 0) break;
        }
    }
}

static void *serve_thread(void *arg) {
    serve_echo((int)(intptr_t)arg);
    return NULL;
}

struct rr {
    int sock;
    size_t len;
    char *buffer;
};

static int op_sock_read(void *ctx) {
    struct rr *c = ctx;
    struct request req = {REQ_READ, (uint32_t)c->len};
    if (send(c->sock, &req, sizeof req, 0) != (ssize_t)sizeof req) return os_fail("send");
    ssize_t n = recv(c->sock, c->buffer, c->len, 0);
    if (n < 0) return os_fail("read");
    if ((size_t)n != c->len) {
        fprintf(stderr, "microbench: short answer %zd of %zu\n", n, c->len);
        return -1;
    }
    return 0;
}

static int op_sock_open_close(void *ctx) {
    struct rr *c = ctx;
    struct request open_req = {REQ_OPEN, 0}, close_req = {REQ_CLOSE, 0};
    int64_t status;
    if (send(c->sock, &open_req, sizeof open_req, 0) != (ssize_t)sizeof open_req) return os_fail("send");
    if (recv(c->sock, &status, sizeof status, 0) != (ssize_t)sizeof status || status != 1) return os_fail("open");
    if (send(c->sock, &close_req, sizeof close_req, 0) != (ssize_t)sizeof close_req) return os_fail("close");
    return 0;
}

/* One benchmark against a fresh server (a thread of this process, as ubench, or a
 * forked process when `as_process`). `len` 0 means open+close. */
static int sock_bench(const char *name, size_t len, int as_process) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return os_fail("socketpair");
    pthread_t t;
    pid_t pid = -1;
    if (as_process) {
        pid = fork();
        if (pid < 0) return os_fail("fork");
        if (pid == 0) {
            close(sv[0]);
            serve_echo(sv[1]);
            _exit(0);
        }
        close(sv[1]);
    } else {
        int e = pthread_create(&t, &small_stack, serve_thread, (void *)(intptr_t)sv[1]);
        if (e) {
            errno = e;
            return os_fail("spawn");
        }
    }
    struct rr c = {sv[0], len, malloc(len ? len : 1)};
    int result = len ? bench(name, 200, 4, 1, op_sock_read, &c) : bench(name, 200, 4, 1, op_sock_open_close, &c);
    shutdown(sv[0], SHUT_RDWR);
    close(sv[0]);
    if (as_process) {
        if (expect_success(pid)) result = -1;
    } else {
        pthread_join(t, NULL);
        close(sv[1]);
    }
    free(c.buffer);
    return result;
}

static int scheme_read_1(void) { return sock_bench("scheme_read_1_byte", 1, 0); }
static int scheme_read_64k(void) { return sock_bench("scheme_read_64_KiB", 64 * 1024, 0); }
static int scheme_open_close(void) { return sock_bench("scheme_open_close", 0, 0); }
static int proc_read_1(void) { return sock_bench("scheme_read_1_byte_proc", 1, 1); }
static int proc_read_64k(void) { return sock_bench("scheme_read_64_KiB_proc", 64 * 1024, 1); }
static int proc_open_close(void) { return sock_bench("scheme_open_close_proc", 0, 1); }

/* ---- tmpfs ---- */
static int write_file(const char *path, const void *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return os_fail("create");
    ssize_t n = write(fd, data, len);
    close(fd);
    if (n != (ssize_t)len) return os_fail("write");
    return 0;
}

static int op_tmpfs_open_close(void *ctx) {
    int fd = open((const char *)ctx, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return os_fail("open");
    close(fd);
    return 0;
}

static int tmpfs_open_close(void) {
    mkdir("/tmp/ub-tmp", 0755);
    if (write_file("/tmp/ub-tmp/f", "x", 1)) return -1;
    return bench("tmpfs_open_close", 200, 4, 1, op_tmpfs_open_close, (void *)"/tmp/ub-tmp/f");
}

struct pr {
    int fd;
    size_t len;
    char *buffer;
};

static int op_tmpfs_read(void *ctx) {
    struct pr *c = ctx;
    ssize_t n = pread(c->fd, c->buffer, c->len, 0);
    if (n < 0) return os_fail("read");
    if ((size_t)n != c->len) {
        fprintf(stderr, "microbench: short read %zd of %zu\n", n, c->len);
        return -1;
    }
    return 0;
}

static int tmpfs_read(const char *name, size_t len) {
    static char data[64 * 1024];
    memset(data, 0x5a, sizeof data);
    mkdir("/tmp/ub-tmp", 0755);
    if (write_file("/tmp/ub-tmp/r", data, sizeof data)) return -1;
    struct pr c = {open("/tmp/ub-tmp/r", O_RDONLY | O_CLOEXEC), len, malloc(len)};
    if (c.fd < 0) return os_fail("open");
    int result = bench(name, 200, 4, 1, op_tmpfs_read, &c);
    close(c.fd);
    free(c.buffer);
    return result;
}
static int op_clock(void *ctx) {
    struct timespec t;
    (void)ctx;
    if (clock_gettime(CLOCK_MONOTONIC, &t) < 0) return os_fail("clock_gettime");
    return 0;
}
static int clock_read(void) { return bench("clock_gettime", 200, 10, 1, op_clock, NULL); }

static int tmpfs_read_1(void) { return tmpfs_read("tmpfs_read_1_byte", 1); }
static int tmpfs_read_64k(void) { return tmpfs_read("tmpfs_read_64_KiB", 64 * 1024); }

/* ---- pipes ---- */
/* One byte there and back between two processes through two pipes. */
static int op_pipe_round(void *ctx) {
    int *fds = ctx; /* [0] write to child, [1] read from child */
    char byte = 7;
    if (write(fds[0], &byte, 1) != 1) return os_fail("write");
    ssize_t n = read(fds[1], &byte, 1);
    if (n < 0) return os_fail("read");
    if (n != 1) {
        fprintf(stderr, "microbench: the other side did not answer\n");
        return -1;
    }
    return 0;
}

static int pipe_ping_pong(void) {
    int to_child[2], to_parent[2];
    if (pipe(to_child) < 0 || pipe(to_parent) < 0) return os_fail("pipe");
    pid_t child = fork();
    if (child < 0) return os_fail("fork");
    if (child == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        char byte;
        while (read(to_child[0], &byte, 1) == 1)
            if (write(to_parent[1], &byte, 1) != 1) break;
        _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    int fds[2] = {to_child[1], to_parent[0]};
    int result = bench("pipe_ping_pong", 200, 10, 1, op_pipe_round, fds);
    close(to_child[1]);
    int reaped = expect_success(child);
    close(to_parent[0]);
    return result || reaped ? -1 : 0;
}

/* Bytes per second through a pipe between two processes (64 KiB writes). */
static int pipe_throughput(void) {
    const size_t total = 32u << 20;
    int p[2];
    if (pipe(p) < 0) return os_fail("pipe");
    pid_t child = fork();
    if (child < 0) return os_fail("fork");
    if (child == 0) {
        close(p[0]);
        static char block[64 * 1024];
        memset(block, 1, sizeof block);
        size_t sent = 0;
        while (sent < total) {
            size_t off = 0;
            while (off < sizeof block) {
                ssize_t n = write(p[1], block + off, sizeof block - off);
                if (n <= 0) _exit(0);
                off += (size_t)n;
            }
            sent += sizeof block;
        }
        _exit(0);
    }
    close(p[1]);
    uint64_t start = now_ns();
    static char buffer[64 * 1024];
    size_t received = 0;
    for (;;) {
        ssize_t n = read(p[0], buffer, sizeof buffer);
        if (n < 0) return os_fail("read");
        if (n == 0) break;
        received += (size_t)n;
    }
    uint64_t elapsed = now_ns() - start;
    if (elapsed == 0) elapsed = 1;
    close(p[0]);
    if (expect_success(child)) return -1;
    uint64_t mib_per_s = (uint64_t)((unsigned __int128)received * 1000000000u / elapsed / (1u << 20));
    printf("BENCH pipe_throughput %zu bytes in %llu ns = %llu MiB/s\n", received, (unsigned long long)elapsed,
           (unsigned long long)mib_per_s);
    fflush(stdout);
    return 0;
}

/* ---- workloads (on /tmp, the kernel's tmpfs; Cairn: the root tmpfs's /tmp) ---- */
#define WORK_DIR "/tmp/microbench-work"
#define TREE_DIRS 20
#define TREE_FILES 20
#define TREE_LINES 64
#define LINE_LEN 64
#define NEEDLE_DIR 7
#define NEEDLE_FILE 13
#define NEEDLE "needle"
#define LISTED 1000

/* Removes `path` and, if it is a directory, everything in it. */
static int remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st)) return os_fail("lstat");
    if (!S_ISDIR(st.st_mode)) return unlink(path) ? os_fail("unlink") : 0;
    DIR *dir = opendir(path);
    if (!dir) return os_fail("opendir");
    struct dirent *e;
    char inner[512];
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(inner, sizeof inner, "%s/%s", path, e->d_name);
        if (remove_tree(inner)) {
            closedir(dir);
            return -1;
        }
    }
    closedir(dir);
    return rmdir(path) ? os_fail("rmdir") : 0;
}

/* A fresh, empty WORK_DIR. */
static int fresh_work_dir(void) {
    struct stat st;
    if (!stat(WORK_DIR, &st) && remove_tree(WORK_DIR)) return -1;
    return mkdir(WORK_DIR, 0755) ? os_fail("mkdir") : 0;
}

/* Runs argv (a full path first) with stdout on /dev/null, as a shell starts it: fork,
 * redirect, exec, wait; it must exit with 0. */
static int run_quiet(char *const argv[]) {
    static char *const path_env[] = {"PATH=/bin", NULL};
    pid_t pid = fork();
    if (pid < 0) return os_fail("fork");
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0 && dup2(null, 1) == 1) {
            execve(argv[0], argv, path_env);
            fprintf(stderr, "microbench: exec %s: %s\n", argv[0], strerror(errno));
        }
        _exit(127);
    }
    return expect_success(pid);
}

static int op_stat(void *ctx) {
    struct stat st;
    return stat((const char *)ctx, &st) ? os_fail("stat") : 0;
}

static int stat_file(void) {
    if (fresh_work_dir() || write_file(WORK_DIR "/stat-me", "x", 1)) return -1;
    if (bench("stat_file", 200, 4, 1, op_stat, (void *)(WORK_DIR "/stat-me"))) return -1;
    return remove_tree(WORK_DIR);
}

/* open + getdents64 to the end (4 KiB buffer, as cairn-rt's read_dir) + close. */
static int op_readdir(void *ctx) {
    char buffer[4096];
    int fd = open((const char *)ctx, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return os_fail("open dir");
    int listed = 0;
    long len;
    while ((len = syscall(SYS_getdents64, fd, buffer, sizeof buffer)) > 0) {
        for (long at = 0; at < len;) {
            struct dirent64 *e = (struct dirent64 *)(buffer + at);
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) listed++;
            at += e->d_reclen;
        }
    }
    close(fd);
    if (len < 0) return os_fail("getdents64");
    if (listed != LISTED) {
        fprintf(stderr, "microbench: %s: %d entries\n", (const char *)ctx, listed);
        return -1;
    }
    return 0;
}

static int readdir_1000(void) {
    char path[128];
    if (fresh_work_dir() || mkdir(WORK_DIR "/many", 0755)) return os_fail("mkdir");
    for (int i = 0; i < LISTED; i++) {
        snprintf(path, sizeof path, WORK_DIR "/many/f%04d", i);
        if (write_file(path, "", 0)) return -1;
    }
    if (bench("readdir_1000", 20, 1, 1, op_readdir, (void *)(WORK_DIR "/many"))) return -1;
    return remove_tree(WORK_DIR);
}

/* WORK_DIR/tree: TREE_DIRS directories of TREE_FILES files of TREE_LINES numbered text
 * lines of LINE_LEN bytes (4 KiB); one line of one file holds NEEDLE. As ubench's. */
static int make_tree(void) {
    char path[128], data[TREE_LINES * LINE_LEN];
    if (fresh_work_dir() || mkdir(WORK_DIR "/tree", 0755)) return os_fail("mkdir");
    for (int d = 0; d < TREE_DIRS; d++) {
        snprintf(path, sizeof path, WORK_DIR "/tree/d%02d", d);
        if (mkdir(path, 0755)) return os_fail("mkdir");
        for (int f = 0; f < TREE_FILES; f++) {
            for (int l = 0; l < TREE_LINES; l++) {
                char *row = data + l * LINE_LEN;
                const char *text = d == NEEDLE_DIR && f == NEEDLE_FILE && l == TREE_LINES / 2
                                       ? NEEDLE : "the quick brown fox jumps over the lazy dog";
                int n = snprintf(row, LINE_LEN, "%02d %02d %02d %s ", d, f, l, text);
                memset(row + n, '.', (size_t)(LINE_LEN - 1 - n));
                row[LINE_LEN - 1] = '\n';
            }
            snprintf(path, sizeof path, WORK_DIR "/tree/d%02d/f%02d", d, f);
            if (write_file(path, data, sizeof data)) return -1;
        }
    }
    return 0;
}

static int op_cp_tree(void *ctx) {
    (void)ctx;
    static char *const argv[] = {"/bin/cp", "-r", WORK_DIR "/tree", WORK_DIR "/copy", NULL};
    struct stat st;
    if (!stat(WORK_DIR "/copy", &st) && remove_tree(WORK_DIR "/copy")) return -1;
    return run_quiet(argv);
}

static int cp_tree(void) {
    struct stat st;
    if (make_tree() || bench_warm("cp_tree", 1, 3, 1, 1, op_cp_tree, NULL)) return -1;
    if (stat(WORK_DIR "/copy/d19/f19", &st)) return os_fail("stat copy");
    if (st.st_size != TREE_LINES * LINE_LEN) {
        fprintf(stderr, "microbench: cp copied %lld B\n", (long long)st.st_size);
        return -1;
    }
    return remove_tree(WORK_DIR);
}

static int op_grep_tree(void *ctx) {
    (void)ctx;
    static char *const argv[] = {"/bin/grep", "-r", NEEDLE, WORK_DIR "/tree", NULL};
    return run_quiet(argv);
}

static int grep_tree(void) {
    if (make_tree() || bench_warm("grep_tree", 1, 3, 1, 1, op_grep_tree, NULL)) return -1;
    return remove_tree(WORK_DIR);
}

static int op_shell_loop(void *ctx) {
    (void)ctx;
    static char *const argv[] = {"/bin/sh", "-c", "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done", NULL};
    return run_quiet(argv);
}

static int shell_true_300(void) { return bench_warm("shell_true_300", 0, 3, 1, 1, op_shell_loop, NULL); }

struct entry {
    const char *name;
    int (*run)(void);
};

int main(void) {
    static const struct entry benches[] = {
        {"null_syscall", null_syscall},
        {"fork_exec_wait", fork_exec_wait},
        {"spawn_wait", spawn_wait},
        {"thread_create_join", thread_create_join},
        {"thread_switch_futex", thread_switch_futex},
        {"thread_switch_yield", thread_switch_yield},
        {"process_switch_yield", process_switch_yield},
        {"page_fault", page_fault},
        {"scheme_read_1_byte", scheme_read_1},
        {"scheme_read_64_KiB", scheme_read_64k},
        {"scheme_open_close", scheme_open_close},
        {"tmpfs_open_close", tmpfs_open_close},
        {"pipe_ping_pong", pipe_ping_pong},
        {"pipe_throughput", pipe_throughput},
        /* Linux-only extras */
        {"scheme_read_1_byte_proc", proc_read_1},
        {"scheme_read_64_KiB_proc", proc_read_64k},
        {"scheme_open_close_proc", proc_open_close},
        {"tmpfs_read_1_byte", tmpfs_read_1},
        {"tmpfs_read_64_KiB", tmpfs_read_64k},
        {"clock_gettime", clock_read},
        /* The workloads (ubench runs them after its own primitives, too) */
        {"stat_file", stat_file},
        {"readdir_1000", readdir_1000},
        {"cp_tree", cp_tree},
        {"grep_tree", grep_tree},
        {"shell_true_300", shell_true_300},
    };
    const int count = (int)(sizeof benches / sizeof benches[0]);
    pthread_attr_init(&small_stack);
    pthread_attr_setstacksize(&small_stack, 256 * 1024);
    printf("microbench: %d benchmarks, %ld CPU(s)\n", count, sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);
    int failed = 0;
    for (int i = 0; i < count; i++) {
        if (benches[i].run()) {
            fprintf(stderr, "microbench: %s failed\n", benches[i].name);
            failed++;
        }
    }
    return failed ? 1 : 0;
}
