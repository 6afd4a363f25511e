/*
 * devbench: the Linux twin of Cairn's device benchmarks, run in the guest
 * that tools/devbench/build-linux.sh builds.
 *
 *   devbench edu BDF COUNT
 *   devbench disk DEVICE
 *   devbench fs DEVICE
 *
 * QEMU's edu device (the twin of `edu --bench COUNT` on Cairn): the device
 * is bound to vfio-pci (behind QEMU's intel-iommu: Debian's kernel has no
 * no-IOMMU mode), its BAR 0 mapped and its MSI signalled on an eventfd; COUNT times, the interrupt is raised (register
 * 0x60) and the time until this thread wakes from read(eventfd) is taken.
 * Prints `BENCH edu_interrupt_wake median <ns> ns p99 <ns> ns (<n> samples)`.
 *
 * A block device (the twin of Cairn's `diskbench`): 4 KiB random reads at
 * queue depth 1 and 32 (32 threads, one O_DIRECT pread each in flight)
 * over the first 64 MiB, 128 KiB sequential O_DIRECT reads and writes over
 * 32 MiB; prints `BENCH <name> <value> IOPS|MiB/s`.
 *
 * A file system (the twin of Cairn's `fsbench`): DEVICE, a fresh ext3, is
 * mounted on /bench with mount(2) (type ext3, served by the ext4 module);
 * a 64 MiB file is written in 1 MiB writes and fsynced, the page cache
 * dropped (sync, `3` into /proc/sys/vm/drop_caches) and the file read
 * back (MiB/s); 10,000 empty files are created in one directory and then
 * unlinked (files/s); `/bin/ls -l` (busybox) lists a directory of 5,000
 * files into /dev/null (ms); `/bin/grep -r` (busybox) searches a tree of
 * 2,000 files of 2 KiB after dropping the caches and again (ms).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <libgen.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void fail(const char *what) {
    fprintf(stderr, "devbench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The vfio device fd of `bdf`, through its IOMMU group. */
static int open_device(const char *bdf) {
    char link[256], target[256], group_path[64];
    snprintf(link, sizeof link, "/sys/bus/pci/devices/%s/iommu_group", bdf);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) fail("iommu_group (is the device bound to vfio-pci?)");
    target[n] = 0;
    snprintf(group_path, sizeof group_path, "/dev/vfio/%s", basename(target));
    int container = open("/dev/vfio/vfio", O_RDWR);
    if (container < 0) fail("/dev/vfio/vfio");
    int group = open(group_path, O_RDWR);
    if (group < 0) fail(group_path);
    if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0) fail("VFIO_GROUP_SET_CONTAINER");
    if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) fail("VFIO_SET_IOMMU");
    int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
    if (device < 0) fail("VFIO_GROUP_GET_DEVICE_FD");
    return device;
}

static struct vfio_region_info region(int device, unsigned index) {
    struct vfio_region_info info = {.argsz = sizeof info, .index = index};
    if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &info) < 0) fail("VFIO_DEVICE_GET_REGION_INFO");
    return info;
}

static int edu(const char *bdf, int count) {
    int device = open_device(bdf);
    struct vfio_region_info bar0 = region(device, VFIO_PCI_BAR0_REGION_INDEX);
    volatile uint32_t *registers = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED, device, bar0.offset);
    if (registers == MAP_FAILED) fail("mmap BAR 0");
    /* Memory decoding and bus mastering (an MSI is a write by the device). */
    struct vfio_region_info config = region(device, VFIO_PCI_CONFIG_REGION_INDEX);
    uint16_t command;
    if (pread(device, &command, 2, config.offset + 4) != 2) fail("read the command register");
    command |= 0x6;
    if (pwrite(device, &command, 2, config.offset + 4) != 2) fail("write the command register");
    int event = eventfd(0, 0);
    if (event < 0) fail("eventfd");
    char buffer[sizeof(struct vfio_irq_set) + sizeof(int)];
    struct vfio_irq_set *set = (struct vfio_irq_set *)buffer;
    set->argsz = sizeof buffer;
    set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
    set->index = VFIO_PCI_MSI_IRQ_INDEX;
    set->start = 0;
    set->count = 1;
    memcpy(set->data, &event, sizeof event);
    if (ioctl(device, VFIO_DEVICE_SET_IRQS, set) < 0) fail("VFIO_DEVICE_SET_IRQS (MSI)");
    if ((registers[0] & 0xff) != 0xed) {
        fprintf(stderr, "devbench: %s is not an edu device\n", bdf);
        return 1;
    }
    uint64_t *samples = calloc(count, sizeof *samples);
    for (int i = 0; i < count; i++) {
        uint64_t fired, start = now_ns();
        registers[0x60 / 4] = 0x4;
        if (read(event, &fired, sizeof fired) != sizeof fired) fail("read the eventfd");
        samples[i] = now_ns() - start;
        registers[0x64 / 4] = 0x4;
    }
    qsort(samples, count, sizeof *samples, by_value);
    int p99 = count * 99 / 100 < count ? count * 99 / 100 : count - 1;
    printf("BENCH edu_interrupt_wake median %llu ns p99 %llu ns (%d samples)\n",
           (unsigned long long)samples[count / 2], (unsigned long long)samples[p99], count);
    return 0;
}

#define SPAN (64ull << 20)
#define SEQUENTIAL (32ull << 20)
#define SMALL 4096
#define LARGE (128 * 1024)
#define READS 4096

struct reader {
    const char *device;
    int count;
    unsigned long long seed;
    int failed;
};

static void *random_reader(void *argument) {
    struct reader *r = argument;
    int fd = open(r->device, O_RDONLY | O_DIRECT);
    void *block;
    if (fd < 0 || posix_memalign(&block, SMALL, SMALL) != 0) {
        r->failed = 1;
        return NULL;
    }
    unsigned long long x = r->seed;
    for (int i = 0; i < r->count; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        off_t offset = (off_t)(x % (SPAN / SMALL)) * SMALL;
        if (pread(fd, block, SMALL, offset) != SMALL) r->failed = 1;
    }
    close(fd);
    return NULL;
}

static long long random_reads(const char *device, int threads, int count) {
    pthread_t ids[32];
    struct reader readers[32];
    uint64_t start = now_ns();
    for (int i = 0; i < threads; i++) {
        readers[i] = (struct reader){device, count, 0xd15c0000ull + (unsigned)i + 1, 0};
        pthread_create(&ids[i], NULL, random_reader, &readers[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        if (readers[i].failed) fail("a random read");
    }
    return (long long)threads * count * 1000000000ll / (long long)(now_ns() - start);
}

static long long sequential(const char *device, int write) {
    int fd = open(device, (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
    void *buffer;
    if (fd < 0 || posix_memalign(&buffer, SMALL, LARGE) != 0) fail(device);
    memset(buffer, 0x5a, LARGE);
    uint64_t start = now_ns();
    for (off_t offset = 0; offset < (off_t)SEQUENTIAL; offset += LARGE) {
        ssize_t n = write ? pwrite(fd, buffer, LARGE, offset) : pread(fd, buffer, LARGE, offset);
        if (n != LARGE) fail(write ? "a sequential write" : "a sequential read");
    }
    if (write && fsync(fd) != 0) fail("fsync");
    close(fd);
    return (long long)(SEQUENTIAL * 1000000000ull / (1 << 20) / (now_ns() - start));
}

static int disk(const char *device) {
    printf("BENCH rand4k_qd1 %lld IOPS\n", random_reads(device, 1, READS));
    printf("BENCH rand4k_qd32 %lld IOPS\n", random_reads(device, 32, READS / 32));
    printf("BENCH seq128k_read %lld MiB/s\n", sequential(device, 0));
    printf("BENCH seq128k_write %lld MiB/s\n", sequential(device, 1));
    return 0;
}

#define POINT "/bench"
#define BIG (64 << 20)
#define CHUNK (1 << 20)
#define SMALL_FILES 10000
#define LISTED 5000
#define TREE_DIRS 20
#define TREE_FILES 100
#define TREE_FILE_BYTES 2048
#define NEEDLE "cairn-needle"

/* Writes back and drops the page cache, dentries and inodes. */
static void drop_caches(void) {
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0 || write(fd, "3", 1) != 1) fail("drop_caches");
    close(fd);
}

/* Runs `argv` with its output in /dev/null; requires exit status 0. */
static void execute(char *const argv[]) {
    pid_t child = fork();
    if (child < 0) fail("fork");
    if (child == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "devbench: %s %s failed\n", argv[0], argv[1]);
        exit(1);
    }
}

static long long sequential_file(const char *path, int write_it) {
    int fd = open(path, write_it ? O_WRONLY | O_CREAT | O_EXCL : O_RDONLY, 0644);
    char *chunk = malloc(CHUNK);
    if (fd < 0 || !chunk) fail(path);
    memset(chunk, 0x5a, CHUNK);
    uint64_t start = now_ns();
    for (long offset = 0; offset < BIG; offset += CHUNK) {
        ssize_t n = write_it ? pwrite(fd, chunk, CHUNK, offset) : pread(fd, chunk, CHUNK, offset);
        if (n != CHUNK) fail(write_it ? "a file write" : "a file read");
    }
    if (write_it && fsync(fd) != 0) fail("fsync");
    long long rate = (long long)((uint64_t)(BIG >> 20) * 1000000000ull / (now_ns() - start));
    close(fd);
    free(chunk);
    return rate;
}

static void create_files(const char *dir, int count) {
    char path[128];
    for (int i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/f%05d", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) fail(path);
        close(fd);
    }
}

static void delete_files(const char *dir, int count) {
    char path[128];
    for (int i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/f%05d", dir, i);
        if (unlink(path) != 0) fail(path);
    }
}

static long long per_second(int count, uint64_t start) {
    return (long long)count * 1000000000ll / (long long)(now_ns() - start);
}

static long long millis(uint64_t start) {
    return (long long)((now_ns() - start) / 1000000u);
}

/* Tree file `index`: numbered lines, the needle in every tenth file. */
static void tree_file(const char *path, int index) {
    char text[TREE_FILE_BYTES + 128];
    int length = 0;
    for (int line = 0; length < TREE_FILE_BYTES; line++) {
        const char *word = index % 10 == 0 && line == 7 ? NEEDLE : "lorem ipsum dolor sit amet";
        length += snprintf(text + length, sizeof text - length, "file %04d line %03d: %s consectetur adipiscing elit\n",
                           index, line, word);
    }
    text[TREE_FILE_BYTES - 1] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0 || write(fd, text, TREE_FILE_BYTES) != TREE_FILE_BYTES) fail(path);
    close(fd);
}

static void make_tree(const char *root) {
    char path[128];
    if (mkdir(root, 0755) != 0) fail(root);
    for (int d = 0; d < TREE_DIRS; d++) {
        snprintf(path, sizeof path, "%s/d%02d", root, d);
        if (mkdir(path, 0755) != 0) fail(path);
        for (int f = 0; f < TREE_FILES; f++) {
            snprintf(path, sizeof path, "%s/d%02d/f%03d.txt", root, d, f);
            tree_file(path, d * TREE_FILES + f);
        }
    }
}

static int file_system(const char *device) {
    if (mkdir(POINT, 0755) != 0 && errno != EEXIST) fail(POINT);
    if (mount(device, POINT, "ext3", 0, NULL) != 0) fail("mount -t ext3 (is ext4.ko loaded?)");
    printf("BENCH fs_seq_write %lld MiB/s\n", sequential_file(POINT "/big", 1));
    drop_caches();
    printf("BENCH fs_seq_read %lld MiB/s\n", sequential_file(POINT "/big", 0));
    if (mkdir(POINT "/small", 0755) != 0) fail(POINT "/small");
    uint64_t start = now_ns();
    create_files(POINT "/small", SMALL_FILES);
    printf("BENCH fs_create %lld files/s\n", per_second(SMALL_FILES, start));
    start = now_ns();
    delete_files(POINT "/small", SMALL_FILES);
    printf("BENCH fs_delete %lld files/s\n", per_second(SMALL_FILES, start));
    if (mkdir(POINT "/list", 0755) != 0) fail(POINT "/list");
    create_files(POINT "/list", LISTED);
    start = now_ns();
    execute((char *const[]){"/bin/ls", "-l", POINT "/list", NULL});
    printf("BENCH fs_ls_l_5000 %lld ms\n", millis(start));
    make_tree(POINT "/tree");
    drop_caches();
    const char *names[] = {"fs_grep_cold", "fs_grep_warm"};
    for (int i = 0; i < 2; i++) {
        start = now_ns();
        execute((char *const[]){"/bin/grep", "-r", NEEDLE, POINT "/tree", NULL});
        printf("BENCH %s %lld ms\n", names[i], millis(start));
    }
    if (umount(POINT) != 0) fail("umount");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "edu") == 0 && atoi(argv[3]) > 0) return edu(argv[2], atoi(argv[3]));
    if (argc == 3 && strcmp(argv[1], "disk") == 0) return disk(argv[2]);
    if (argc == 3 && strcmp(argv[1], "fs") == 0) return file_system(argv[2]);
    fprintf(stderr, "usage: devbench edu BDF COUNT | devbench disk DEVICE | devbench fs DEVICE\n");
    return 2;
}
