/*
 * ctest: checks musl on Cairn through libc-shim, one line per check
 * ("ok NAME" or "FAIL NAME: why"), then "ctest: P of N checks passed".
 * Exits with the number of failed checks. Run it as `ctest alpha beta`
 * with HOME set, in a writable working directory.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int checks, failures;

static void check(const char *name, int ok, const char *why)
{
	checks++;
	if (ok) {
		printf("ok %s\n", name);
	} else {
		failures++;
		printf("FAIL %s: %s (errno %d: %s)\n", name, why, errno, strerror(errno));
	}
}

static void test_printf(void)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%d|%5s|%-4x|%08.3f|%e|%g|%lld|%zu|%c|%%", -42, "ab", 255, 3.14159, 12345.678,
		 0.0001, -9000000000LL, (size_t)7, 'z');
	check("printf_formats",
	      strcmp(buf, "-42|   ab|ff  |0003.142|1.234568e+04|0.0001|-9000000000|7|z|%") == 0, buf);
	snprintf(buf, sizeof buf, "%.3f %.0f", sqrt(2.0), pow(2.0, 10.0));
	check("libm", strcmp(buf, "1.414 1024") == 0, buf);
	long v = strtol("  -0x1fz", NULL, 16);
	check("strtol", v == -31 && atoi("123abc") == 123, "wrong value");
}

static int compare_ints(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void test_memory(void)
{
	enum { BLOCKS = 500 };
	unsigned char *blocks[BLOCKS];
	int ok = 1;
	for (int i = 0; i < BLOCKS; i++) {
		size_t size = 1 + (size_t)i * 37 % 3000;
		blocks[i] = malloc(size);
		if (!blocks[i]) {
			ok = 0;
			break;
		}
		memset(blocks[i], i & 0xff, size);
	}
	for (int i = 0; ok && i < BLOCKS; i++) {
		size_t size = 1 + (size_t)i * 37 % 3000;
		for (size_t j = 0; j < size; j++)
			if (blocks[i][j] != (i & 0xff))
				ok = 0;
	}
	for (int i = 0; i < BLOCKS; i++)
		free(blocks[i]);
	check("malloc_small_blocks", ok, "a block lost its contents");

	size_t big = 8 << 20;
	unsigned char *p = malloc(big);
	ok = p != NULL;
	if (ok) {
		memset(p, 0x5a, big);
		ok = p[0] == 0x5a && p[big - 1] == 0x5a;
		p = realloc(p, big * 2);
		ok = ok && p && p[big - 1] == 0x5a;
		free(p);
	}
	check("malloc_large_realloc", ok, "8 MiB block");

	int *zeros = calloc(1000, sizeof(int));
	ok = zeros != NULL;
	for (int i = 0; ok && i < 1000; i++)
		ok = zeros[i] == 0;
	free(zeros);
	check("calloc_zeroed", ok, "nonzero");

	int nums[] = {5, 3, 9, 1, 7};
	qsort(nums, 5, sizeof(int), compare_ints);
	check("qsort", nums[0] == 1 && nums[4] == 9, "unsorted");
}

static void test_strings(void)
{
	char buf[64] = "the quick brown fox";
	check("strlen_strstr", strlen(buf) == 19 && strstr(buf, "brown") == buf + 10, "wrong");
	memmove(buf + 4, buf, 9);
	check("memmove_overlap", strncmp(buf, "the the quick", 13) == 0, buf);
	char *copy = strdup("a,b,,c");
	int count = 0;
	for (char *t = strtok(copy, ","); t; t = strtok(NULL, ","))
		count++;
	free(copy);
	check("strtok_strdup", count == 3, "wrong token count");
	check("strerror", strcmp(strerror(ENOENT), "No such file or directory") == 0, strerror(ENOENT));
}

static void test_files(void)
{
	FILE *f = fopen("ctest.txt", "w");
	check("fopen_write", f != NULL, "fopen");
	if (!f)
		return;
	for (int i = 0; i < 100; i++)
		fprintf(f, "line %d\n", i);
	check("fclose", fclose(f) == 0, "fclose");

	struct stat st;
	check("stat_size", stat("ctest.txt", &st) == 0 && st.st_size == 790 && S_ISREG(st.st_mode), "stat");

	f = fopen("ctest.txt", "r");
	char line[32] = "";
	int lines = 0, ok = f != NULL;
	while (ok && fgets(line, sizeof line, f))
		lines++;
	check("fgets_lines", ok && lines == 100 && strcmp(line, "line 99\n") == 0, line);
	if (f) {
		fseek(f, 7, SEEK_SET);
		ok = fgets(line, sizeof line, f) && strcmp(line, "line 1\n") == 0 && ftell(f) == 14;
		check("fseek_ftell", ok, line);
		fclose(f);
	}

	int fd = open("ctest.bin", O_WRONLY | O_CREAT | O_EXCL, 0600);
	check("open_create", fd >= 0 && write(fd, "abcdef", 6) == 6 && close(fd) == 0, "open");
	errno = 0;
	check("open_excl", open("ctest.bin", O_WRONLY | O_CREAT | O_EXCL, 0600) < 0 && errno == EEXIST, "no EEXIST");
	fd = open("ctest.bin", O_RDONLY);
	char data[8] = "";
	check("read_back", fd >= 0 && read(fd, data, 8) == 6 && memcmp(data, "abcdef", 6) == 0, data);
	check("lseek", lseek(fd, 2, SEEK_SET) == 2 && read(fd, data, 2) == 2 && memcmp(data, "cd", 2) == 0, "lseek");
	check("posix_fadvise", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0 &&
				       posix_fadvise(fd, 0, 0, 99) == EINVAL && posix_fadvise(fd, 0, -1, 0) == EINVAL,
	      "advice");
	close(fd);
	check("posix_fadvise_closed", posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL) == EBADF, "no EBADF");

	/* More than one 64 KiB scheme payload in one read of a regular file. */
	static char big[200000];
	memset(big, 'x', sizeof big);
	f = fopen("ctest.big", "w");
	ok = f != NULL && fwrite(big, 1, sizeof big, f) == sizeof big && fclose(f) == 0;
	memset(big, 0, sizeof big);
	fd = open("ctest.big", O_RDONLY);
	check("read_whole_file", ok && read(fd, big, sizeof big) == (ssize_t)sizeof big && big[sizeof big - 1] == 'x',
	      "short read");
	close(fd);
	unlink("ctest.big");
	check("rename", rename("ctest.bin", "ctest.moved") == 0 && access("ctest.moved", R_OK) == 0, "rename");
	struct timespec times[2] = {{1000000000, 5000}, {1200000000, 7000}};
	ok = utimensat(AT_FDCWD, "ctest.txt", times, 0) == 0 && stat("ctest.txt", &st) == 0;
	check("utimensat", ok && st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 7000, "mtime");
	ok = chmod("ctest.txt", 0640) == 0 && chown("ctest.txt", 1000, 100) == 0 && stat("ctest.txt", &st) == 0;
	check("chmod_chown", ok && (st.st_mode & 07777) == 0640 && st.st_uid == 1000 && st.st_gid == 100, "owner");
	char target[32] = "";
	ok = symlink("ctest.txt", "ctest.link") == 0 && readlink("ctest.link", target, sizeof target) == 9;
	check("symlink_readlink", ok && memcmp(target, "ctest.txt", 9) == 0 && lstat("ctest.link", &st) == 0 &&
				      S_ISLNK(st.st_mode), target);
	check("unlink", unlink("ctest.link") == 0 && unlink("ctest.moved") == 0 && unlink("ctest.txt") == 0, "unlink");
	errno = 0;
	check("enoent", open("ctest.moved", O_RDONLY) < 0 && errno == ENOENT, "no ENOENT");
}

static void test_directories(void)
{
	int ok = mkdir("dir", 0755) == 0;
	const char *names[] = {"dir/one", "dir/two", "dir/three"};
	for (int i = 0; ok && i < 3; i++) {
		int fd = open(names[i], O_WRONLY | O_CREAT, 0644);
		ok = fd >= 0 && close(fd) == 0;
	}
	check("mkdir_create", ok, "mkdir");
	DIR *d = opendir("dir");
	int found = 0, inodes = 1;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		found++;
		inodes = inodes && e->d_ino != 0 && e->d_type == DT_REG;
	}
	if (d)
		closedir(d);
	check("readdir", d && found == 3 && inodes, "entries");
	char cwd[256];
	ok = chdir("dir") == 0 && getcwd(cwd, sizeof cwd) && strcmp(cwd + strlen(cwd) - 4, "/dir") == 0;
	check("chdir_getcwd", ok && chdir("..") == 0, cwd);
	for (int i = 0; i < 3; i++)
		unlink(names[i]);
	check("rmdir", rmdir("dir") == 0, "rmdir");
}

static volatile sig_atomic_t got_signal;

static void on_usr1(int sig)
{
	got_signal = sig;
}

static void test_processes(int argc, char **argv)
{
	errno = 0;
	check("argv", argc == 3 && strcmp(argv[1], "alpha") == 0 && strcmp(argv[2], "beta") == 0, "arguments");
	const char *home = getenv("HOME");
	check("getenv", home && strcmp(home, "/root") == 0, home ? home : "(null)");
	check("setenv", setenv("CTEST", "yes", 1) == 0 && strcmp(getenv("CTEST"), "yes") == 0, "setenv");
	check("getpid", getpid() > 0 && getppid() > 0, "pid");
	struct utsname u;
	check("uname", uname(&u) == 0 && strcmp(u.sysname, "Cairn") == 0, u.sysname);
	errno = 0;
	check("isatty_file", !isatty(1) && errno == ENOTTY, "stdout is a file here");
	/* A readable file is no terminal either (a file server may answer the
	 * terminal request with a copy of the file's handle). */
	int self = open(argv[0], O_RDONLY);
	errno = 0;
	check("isatty_readable_file", self >= 0 && !isatty(self) && errno == ENOTTY, "the program file");
	close(self);

	struct timespec a, b;
	int ok = clock_gettime(CLOCK_MONOTONIC, &a) == 0;
	struct timespec nap = {0, 20 * 1000 * 1000};
	ok = ok && nanosleep(&nap, NULL) == 0 && clock_gettime(CLOCK_MONOTONIC, &b) == 0;
	long long elapsed = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	check("clock_nanosleep", ok && elapsed >= 20 * 1000 * 1000, "slept too little");

	int fds[2];
	ok = pipe(fds) == 0;
	fflush(stdout);
	pid_t child = ok ? fork() : -1;
	if (child == 0) {
		close(fds[0]);
		write(fds[1], "ping", 4);
		/* Left in stdio's buffer: exit() must flush it. */
		printf("child: buffered line\n");
		exit(7);
	}
	close(fds[1]);
	struct pollfd p = {.fd = fds[0], .events = POLLIN};
	ok = child > 0 && poll(&p, 1, 5000) == 1 && (p.revents & POLLIN);
	check("fork_pipe_poll", ok, "poll");
	char buf[8] = "";
	ok = read(fds[0], buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0;
	int status = 0;
	ok = ok && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 7;
	check("fork_wait_exit_code", ok, "child status");
	close(fds[0]);

	ok = pipe(fds) == 0 && write(fds[1], "x", 1) == 1;
	fd_set readable, writable;
	FD_ZERO(&readable);
	FD_ZERO(&writable);
	FD_SET(fds[0], &readable);
	FD_SET(fds[1], &writable);
	struct timeval tv = {1, 0};
	ok = ok && select(fds[1] + 1, &readable, &writable, NULL, &tv) == 2 && FD_ISSET(fds[0], &readable) &&
	     FD_ISSET(fds[1], &writable);
	check("select_pipe", ok, "select");
	close(fds[0]);
	close(fds[1]);

	struct rlimit files;
	check("getrlimit", getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur > 3, "RLIMIT_NOFILE");
	cpu_set_t cpus;
	check("sched_getaffinity", sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) >= 1, "cpus");
	/* The uptime is the monotonic clock's seconds (this test can run
	   within the first second after boot, so it may be 0). */
	struct sysinfo info;
	struct timespec before;
	ok = clock_gettime(CLOCK_MONOTONIC, &before) == 0 && sysinfo(&info) == 0 && info.mem_unit == 1 &&
	     info.totalram >= (64ul << 20) && info.freeram > 0 && info.freeram < info.totalram &&
	     info.uptime >= before.tv_sec && info.uptime - before.tv_sec <= 60 && info.procs >= 2;
	check("sysinfo", ok && get_phys_pages() == (long)(info.totalram / 4096) &&
			     sysconf(_SC_AVPHYS_PAGES) > 0, "memory, uptime or processes");

	ok = signal(SIGUSR1, on_usr1) != SIG_ERR && raise(SIGUSR1) == 0;
	check("signal_raise", ok && got_signal == SIGUSR1, "handler did not run");
}

enum { THREADS = 4, ROUNDS = 20000 };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int ready;
static __thread int own_id;

static void *worker(void *arg)
{
	own_id = (int)(long)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	ready++;
	pthread_cond_signal(&ready_cond);
	pthread_mutex_unlock(&lock);
	/* Each thread sees its own copy of a thread-local variable. */
	return (void *)(long)(own_id * 10);
}

static void test_threads(void)
{
	pthread_t threads[THREADS];
	int ok = 1;
	own_id = -1;
	for (long i = 0; i < THREADS; i++)
		ok = ok && pthread_create(&threads[i], NULL, worker, (void *)(i + 1)) == 0;
	check("pthread_create", ok, "pthread_create");
	pthread_mutex_lock(&lock);
	while (ok && ready < THREADS)
		pthread_cond_wait(&ready_cond, &lock);
	pthread_mutex_unlock(&lock);
	long sum = 0;
	for (int i = 0; ok && i < THREADS; i++) {
		void *result;
		ok = pthread_join(threads[i], &result) == 0;
		sum += (long)result;
	}
	check("pthread_join_tls", ok && sum == 100 && own_id == -1, "results");
	check("pthread_mutex", counter == (long)THREADS * ROUNDS, "lost increments");
}

static void test_spawning(void)
{
	int status = system("exit 3");
	check("system", WIFEXITED(status) && WEXITSTATUS(status) == 3, "exit status");
	FILE *p = popen("echo popen works", "r");
	char line[32] = "";
	int ok = p && fgets(line, sizeof line, p) && strcmp(line, "popen works\n") == 0;
	check("popen", ok && pclose(p) == 0, line);
}

/* What Cairn cannot do must fail cleanly: bad flags are EINVAL, a call the
 * shim lacks is ENOSYS with one report line on stderr (not two). */
static void test_refusals(void)
{
	errno = 0;
	check("open_bad_flags", open("x", O_RDWR | O_CREAT | O_DIRECT, 0600) < 0 && errno == EINVAL, "O_DIRECT");
	errno = 0;
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	check("mmap_bad_flags", p == MAP_FAILED && errno == EINVAL, "MAP_GROWSDOWN");
	fflush(stdout);
	errno = 0;
	long first = syscall(SYS_acct, NULL);
	int first_errno = errno;
	long second = syscall(SYS_acct, NULL);
	check("enosys_reported_once", first == -1 && first_errno == ENOSYS && second == -1 && errno == ENOSYS, "acct");
	fflush(stdout);
	errno = 0;
	check("unknown_ioctl", ioctl(0, TIOCSTI, "x") == -1 && errno == ENOTTY, "TIOCSTI");
}

/* The kernel's auxiliary vector: the effective ids are the real ones and
 * no secure mode (Cairn has no set-id programs). */
static void test_auxv(void)
{
	check("auxv_identity",
	      getauxval(AT_SECURE) == 0 && getauxval(AT_EUID) == getuid() && getauxval(AT_EGID) == getgid(),
	      "AT_SECURE, AT_EUID or AT_EGID");
}

int main(int argc, char **argv)
{
	test_auxv();
	test_printf();
	test_memory();
	test_strings();
	test_files();
	test_directories();
	test_processes(argc, argv);
	test_threads();
	test_spawning();
	test_refusals();
	printf("ctest: %d of %d checks passed\n", checks - failures, checks);
	return failures;
}
