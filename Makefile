# Cairn build entry points. `make run` and `make test` are the two commands
# a newcomer needs; both install missing host packages first.

CARGO ?= cargo
BUILD := build
KERNEL_TARGET_DIR := $(BUILD)/target-kernel
KERNEL_ELF := $(BUILD)/kernel.elf
ISO := $(BUILD)/cairn.iso
HARNESS := target/x86_64-unknown-linux-gnu/release/harness
MKINITFS := target/x86_64-unknown-linux-gnu/release/mkinitfs
MKDISK := target/x86_64-unknown-linux-gnu/release/mkdisk
DISK := $(BUILD)/cairn-disk.img
# The root argument `make disk` puts on the kernel command line.
DISK_CMDLINE ?= root=LABEL=cairn-root
# Rounds of the crash test (make test-crash CRASH_ROUNDS=200 for a longer run).
CRASH_ROUNDS ?= 20
USER_TARGET_DIR := $(BUILD)/target-user
USER_BIN := $(USER_TARGET_DIR)/x86_64-unknown-linux-gnu/release
INITFS := $(BUILD)/initfs.img
USER_PROGRAMS := init hello true utest ubench tmpfs ext2fs termd fuzz lspci lsblk edu devd nvme ahci virtio-blk virtio-net e1000e diskbench fsbench pciehp netd wget httpd netbench bochs-display inputd displayd guidemo wincheck winterm
# Packages holding several programs, and the programs (binaries) they hold;
# every binary is installed as /bin/<name>.
MULTI_PACKAGES := power sh coreutils nettools
MULTI_PROGRAMS := poweroff reboot sh shtest \
	basename cat clear cp cut cutest date dirname dmesg echo env false find free grep head hexdump id \
	kill ln ls mkdir more mv ns printf ps rm rmdir sed seq sleep sort stat tail taskset tee time top touch tr \
	uname uniq uptime wc which whoami xargs yes df mount umount sync \
	ip ping nc ss host dhcp

# C programs: musl built for Cairn plus the Rust shim (libc-shim/), the
# sysroot cairn-cc compiles against, and the C programs of the initfs.
SYSROOT := $(BUILD)/sysroot
CAIRN_CC := libc-shim/bin/cairn-cc
SHIM_TARGET_DIR := $(BUILD)/target-shim
SHIM_RUSTFLAGS := -C relocation-model=pie -C force-frame-pointers=yes
# Files for the initfs's /usr, at their paths under $(IMAGE_TREE): the C
# test programs in usr/bin and the ports' files.
IMAGE_TREE := $(BUILD)/image-tree
C_BIN := $(IMAGE_TREE)/usr/bin
# The cookbook's ports (cookbook/NAME/recipe), each with its test script
# run by the shell-scripts boot as user::sh_port_NAME.
PORTS := zlib bzip2 lua xz expat diffutils file

KERNEL_RUSTFLAGS := -C relocation-model=static -C code-model=kernel -C force-frame-pointers=yes
# User programs are static PIEs; the kernel applies their relative relocations.
USER_RUSTFLAGS := -C relocation-model=pie -C link-arg=-nostartfiles -C link-arg=-nostdlib \
	-C link-arg=-static-pie -C link-arg=-Wl,--no-dynamic-linker -C link-arg=-Wl,-z,max-page-size=4096 \
	-C force-frame-pointers=yes
# One program is also built position-dependent (ET_EXEC) to test that loader path.
STATIC_USER_RUSTFLAGS := -C relocation-model=static -C link-arg=-nostartfiles -C link-arg=-nostdlib \
	-C link-arg=-static -C link-arg=-no-pie -C link-arg=-Wl,-z,max-page-size=4096 -C force-frame-pointers=yes
STATIC_USER_TARGET_DIR := $(BUILD)/target-user-static

# pci.ids: the PCI ID Repository's names, packed into the initfs for lspci.
# gcc and patch build musl for libc-shim (apt-get fetches its source);
# cmake, pkg-config and xz-utils build the ports (Expat's CMake, the
# cookbook's pkg-config, .tar.xz sources), and file compiles file's magic
# database (the same version: Debian 12's 5.44).
HOST_PACKAGES := qemu-system-x86 grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf pci.ids e2fsprogs fdisk gdisk dosfstools \
	fonts-dejavu-core gcc patch cmake pkg-config xz-utils file
PCI_IDS := /usr/share/misc/pci.ids
# fonts-dejavu-core: the desktop's font, packed into the initfs at the same path.
DESKTOP_FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
# The terminal window's font (same package).
TERMINAL_FONT := /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
# QEMU's GTK window, which `make run` opens when $DISPLAY is set.
GUI_PACKAGES := qemu-system-gui
# What `make test-run` needs besides: a virtual X server and xwininfo.
RUN_TEST_PACKAGES := xvfb x11-utils

.PHONY: all deps kernel userspace sysroot c-programs ports initfs harness iso disk run test test-run test-disk test-crash bench devbench fsbench netbench fuzz clean fmt clippy host-test

# The fuzz boot's service list: the committed bounded run, or (make fuzz) one
# written with the asked seed, call count, workers and time bound.
FUZZ_CONF ?= userspace/fuzz/fuzz.conf
CALLS ?= 1000000
SEED ?= $(shell date +%s)
WORKERS ?= 2
# Seconds the fuzzer may run (its own bound); QEMU gets 5 minutes more.
FUZZ_TIME ?= 3600
# More fuzz options, e.g. FUZZ_ARGS="--trace --phase root" (see docs/FUZZING.md).
FUZZ_ARGS ?=

all: iso

deps:
	@tools/install-deps.sh $(HOST_PACKAGES)

kernel:
	RUSTFLAGS="$(KERNEL_RUSTFLAGS)" $(CARGO) build --release -p cairn-kernel --target-dir $(KERNEL_TARGET_DIR)
	@mkdir -p $(BUILD)
	cp $(KERNEL_TARGET_DIR)/x86_64-unknown-linux-gnu/release/kernel $(KERNEL_ELF)

userspace:
	RUSTFLAGS="$(USER_RUSTFLAGS)" $(CARGO) build --release $(USER_PROGRAMS:%=-p %) $(MULTI_PACKAGES:%=-p %) \
		--target-dir $(USER_TARGET_DIR)
	RUSTFLAGS="$(STATIC_USER_RUSTFLAGS)" $(CARGO) build --release -p true --target-dir $(STATIC_USER_TARGET_DIR)

harness:
	$(CARGO) build --release -p cairn-harness -p cairn-mkinitfs -p cairn-mkdisk

# musl (Debian's source package, patched, built once and cached in
# ~/.cache/cairn) and libcairn_shim.a in $(SYSROOT): what cairn-cc needs.
sysroot: deps
	libc-shim/build-musl.sh $(SYSROOT)
	RUSTFLAGS="$(SHIM_RUSTFLAGS)" $(CARGO) build --release -p cairn-libc-shim --target-dir $(SHIM_TARGET_DIR)
	cp $(SHIM_TARGET_DIR)/x86_64-unknown-linux-gnu/release/libcairn_shim.a $(SYSROOT)/lib/

# The ports, fetched, built and cached by cookbook/cook.sh, into $(IMAGE_TREE).
ports: sysroot
	$(foreach p,$(PORTS),cookbook/cook.sh $(p) $(IMAGE_TREE) &&) true

# The C programs of the initfs, built with cairn-cc (stripped).
c-programs: sysroot
	@mkdir -p $(C_BIN)
	$(CAIRN_CC) -O2 -Wall -Wextra -s libc-shim/tests/hello.c -o $(C_BIN)/hello-c
	$(CAIRN_CC) -O2 -Wall -Wextra -s libc-shim/tests/ctest.c -o $(C_BIN)/ctest
	$(CAIRN_CC) -O2 -Wall -Wextra -s libc-shim/tests/ttycheck.c -o $(C_BIN)/ttycheck

# The initfs: every user program under /bin, plus broken variants of
# /bin/true under /test/elf for the ELF loader tests.
initfs: deps userspace harness c-programs ports
	$(MKINITFS) --out $(INITFS) $(foreach p,$(USER_PROGRAMS) $(MULTI_PROGRAMS),--file $(USER_BIN)/$(p):/bin/$(p):x) \
		--dir $(IMAGE_TREE)/usr:/usr \
		--file libc-shim/tests/c_programs.sh:/etc/sh-tests/c_programs.sh \
		--file libc-shim/tests/c_programs.out:/etc/sh-tests/c_programs.out \
		$(foreach p,$(PORTS),--file cookbook/$(p)/test.sh:/etc/sh-tests/port_$(p).sh \
			--file cookbook/$(p)/test.out:/etc/sh-tests/port_$(p).out) \
		--file $(STATIC_USER_TARGET_DIR)/x86_64-unknown-linux-gnu/release/true:/bin/true-static:x \
		--file $(PCI_IDS):/usr/share/misc/pci.ids \
		--file userspace/init/init.conf:/etc/init.conf --file userspace/init/test.conf:/etc/init/test.conf \
		--file userspace/devd/devd.conf:/etc/devd.conf --file userspace/init/devd-test.conf:/etc/init/devd-test.conf \
		--file userspace/init/nvme-restart.conf:/etc/init/nvme-restart.conf \
		--file userspace/init/fstab:/etc/fstab \
		--file userspace/init/virtio-blk.conf:/etc/init/virtio-blk.conf \
		--file userspace/init/virtio-net.conf:/etc/init/virtio-net.conf \
		--file userspace/init/e1000e.conf:/etc/init/e1000e.conf \
		--file userspace/init/e1000e-msi.conf:/etc/init/e1000e-msi.conf \
		--file userspace/init/devd-e1000e-msi.conf:/etc/devd-e1000e-msi.conf \
		--file userspace/init/ahci.conf:/etc/init/ahci.conf \
		--file userspace/init/lsblk-test.conf:/etc/init/lsblk-test.conf --file userspace/init/lsblk-test.sh:/etc/init/lsblk-test.sh \
		--file userspace/netd/etc/hosts:/etc/hosts \
		--file userspace/init/net-test.conf:/etc/init/net-test.conf --file userspace/init/net-test.sh:/etc/init/net-test.sh \
		--file userspace/init/net-wait.sh:/etc/init/net-wait.sh \
		--file userspace/init/http-test.conf:/etc/init/http-test.conf --file userspace/init/http-test.sh:/etc/init/http-test.sh \
		--file userspace/init/linux-peer.conf:/etc/init/linux-peer.conf \
		--file userspace/init/linux-peer.network:/etc/init/linux-peer.network \
		--file userspace/accounts/etc/passwd:/etc/passwd --file userspace/accounts/etc/group:/etc/group \
		--file userspace/coreutils/cutest.conf:/etc/init/cutest.conf \
		--file $(FUZZ_CONF):/etc/init/fuzz.conf \
		--file userspace/power/poweroff.conf:/etc/init/poweroff.conf \
		--file userspace/init/terminal-test.conf:/etc/init/terminal-test.conf \
		--file userspace/init/screen-test.conf:/etc/init/screen-test.conf \
		--file userspace/init/desktop-test.conf:/etc/init/desktop-test.conf \
		--file userspace/init/devd-desktop.conf:/etc/devd-desktop.conf \
		--file $(DESKTOP_FONT):$(DESKTOP_FONT) --file $(TERMINAL_FONT):$(TERMINAL_FONT) \
		--file userspace/power/reboot.conf:/etc/init/reboot.conf \
		--file userspace/sh/shtest.conf:/etc/init/shtest.conf --dir userspace/sh/tests:/etc/sh-tests \
		--bad-elves $(USER_BIN)/true:/test/elf

iso: deps kernel initfs
	$(HARNESS) iso --kernel $(KERNEL_ELF) --out $(ISO) --module $(INITFS):initfs

# A bootable raw disk image (GPT: BIOS boot with GRUB's core.img, EFI
# system with BOOTX64.EFI, ext3 root holding the initfs's files and /boot);
# `dd` it to a disk, or boot it with `-drive file=build/cairn-disk.img,format=raw`.
disk: deps kernel initfs
	$(MKDISK) --kernel $(KERNEL_ELF) --initfs $(INITFS) --out $(DISK) --cmdline "$(DISK_CMDLINE)"

# Checks the disk image with sfdisk, sgdisk, e2fsck and mtools, and boots it
# with SeaBIOS and OVMF to the shell prompt (tools/test-disk.sh).
test-disk: disk
	tools/test-disk.sh $(DISK)

# The ext3 crash test: QEMU killed 20 times during a write-heavy workload,
# each time the journal replayed by the next boot, e2fsck -fn clean and
# every fsynced file whole (harness crash, docs/TESTING.md).
test-crash: deps kernel initfs
	$(HARNESS) crash --kernel $(KERNEL_ELF) --module $(INITFS):initfs --rounds $(CRASH_ROUNDS)

# Cairn and the Linux guest of tools/devbench/build-linux.sh joined only
# by a `-netdev dgram` link over 127.0.0.1: IPv4 and IPv6 ping both ways,
# TCP both ways checked by md5sum (tools/test-linux-peer.py).
test-linux-peer: deps kernel initfs harness
	@mkdir -p $(BUILD)/linux-peer
	$(HARNESS) iso --kernel $(KERNEL_ELF) --out $(BUILD)/linux-peer/cairn.iso --module $(INITFS):initfs \
		--cmdline "init=/bin/init,/etc/init/linux-peer.conf"
	tools/devbench/build-linux.sh
	tools/test-linux-peer.py $(BUILD)/linux-peer/cairn.iso $(BUILD)/devbench/linux.iso

run: iso
	@if [ -n "$$DISPLAY" ]; then tools/install-deps.sh $(GUI_PACKAGES); fi
	$(HARNESS) run --iso $(ISO)

# `make run` under a virtual X server (Xvfb on a free display): QEMU's
# window opens, the serial shell answers, `poweroff` ends it.
test-run:
	@tools/install-deps.sh $(RUN_TEST_PACKAGES)
	tools/test-make-run.sh

host-test: deps
	$(CARGO) test
	$(CARGO) test -p cairn-rt
	libc-shim/tests/broken-patch.sh
	cookbook/tests/bad-recipes.sh

test: deps kernel initfs host-test
	$(HARNESS) test --kernel $(KERNEL_ELF) --module $(INITFS):initfs
	$(MAKE) test-disk
	$(MAKE) test-crash
	$(MAKE) test-run
	$(MAKE) test-linux-peer

# Device benchmarks beside Linux in the same QEMU configuration (not a
# test): edu interrupt → driver wake-up latency, and NVMe random and
# sequential I/O on a 128 MiB raw image (tools/devbench).
DEVBENCH_ROUNDS ?= 5
devbench: deps kernel initfs harness
	@mkdir -p $(BUILD)/devbench
	$(HARNESS) iso --kernel $(KERNEL_ELF) --out $(BUILD)/devbench/cairn-edu.iso --module $(INITFS):initfs \
		--cmdline "test=user init=/bin/edu,--bench,2000"
	$(HARNESS) iso --kernel $(KERNEL_ELF) --out $(BUILD)/devbench/cairn-disk.iso --module $(INITFS):initfs \
		--cmdline "test=user init=/bin/diskbench,--driver,/bin/nvme,/dev/nvme0n1"
	truncate -s 128M $(BUILD)/devbench/disk.img
	tools/devbench/build-linux.sh
	tools/devbench/run.py $(BUILD)/devbench/cairn-edu.iso $(BUILD)/devbench/cairn-disk.iso \
		$(BUILD)/devbench/linux.iso $(BUILD)/devbench/disk.img --rounds $(DEVBENCH_ROUNDS)

# File-system benchmarks beside Linux, in devbench's QEMU configuration
# (not a test): Cairn's fsbench (ext2fs over nvme) and Linux's ext4 driver
# mounting the same fresh 256 MiB ext3 image, made again before every boot,
# and fsbench on a tmpfs mount for reference (tools/devbench/fsrun.py;
# docs/STORAGE.md "Benchmarks").
FSBENCH_ROUNDS ?= 3
fsbench: deps kernel initfs harness
	@mkdir -p $(BUILD)/devbench
	$(HARNESS) iso --kernel $(KERNEL_ELF) --out $(BUILD)/devbench/cairn-fs.iso --module $(INITFS):initfs \
		--cmdline "test=user init=/bin/fsbench,/dev/nvme0n1"
	$(HARNESS) iso --kernel $(KERNEL_ELF) --out $(BUILD)/devbench/cairn-fs-tmpfs.iso --module $(INITFS):initfs \
		--cmdline "test=user init=/bin/fsbench,--tmpfs,/dev/nvme0n1"
	tools/devbench/build-linux.sh
	tools/devbench/fsrun.py $(BUILD)/devbench/cairn-fs.iso $(BUILD)/devbench/linux.iso \
		$(BUILD)/devbench/fs.img --rounds $(FSBENCH_ROUNDS) --tmpfs-iso $(BUILD)/devbench/cairn-fs-tmpfs.iso

# Network benchmarks beside Linux in one QEMU configuration (not a test):
# TCP bulk receive and send, TCP connect+close, UDP and ICMP round trips,
# each guest on restricted user networking with its host peer on 127.0.0.1
# (tools/netbench/run.py; docs/NETWORK.md "Benchmarks").
# NETBENCH_ARGS="--nic e1000e" measures over the e1000e NIC.
NETBENCH_ROUNDS ?= 3
netbench: deps kernel initfs harness
	@mkdir -p $(BUILD)/netbench
	$(HARNESS) iso --kernel $(KERNEL_ELF) --out $(BUILD)/netbench/cairn.iso --module $(INITFS):initfs
	tools/devbench/build-linux.sh
	tools/netbench/run.py $(BUILD)/netbench/cairn.iso $(BUILD)/devbench/linux.iso \
		--rounds $(NETBENCH_ROUNDS) $(NETBENCH_ARGS)

# A fuzz run of any length: `make fuzz CALLS=10000000 SEED=42 FUZZ_TIME=7200`.
# Boots the fuzz suite with its own initfs (build/fuzz/) whose fuzz service
# runs the asked amount; see docs/FUZZING.md.
fuzz: deps kernel
	@mkdir -p $(BUILD)/fuzz
	sed 's|^    exec /bin/fuzz .*|    exec /bin/fuzz --seed $(SEED) --calls $(CALLS) --workers $(WORKERS) --time $(FUZZ_TIME) $(FUZZ_ARGS)|' \
		userspace/fuzz/fuzz.conf > $(BUILD)/fuzz/fuzz.conf
	$(MAKE) initfs FUZZ_CONF=$(BUILD)/fuzz/fuzz.conf INITFS=$(BUILD)/fuzz/initfs.img
	$(HARNESS) test --kernel $(KERNEL_ELF) --module $(BUILD)/fuzz/initfs.img:initfs --only fuzz \
		--build-dir $(BUILD)/fuzz --timeout $$(( $(FUZZ_TIME) + 300 ))

bench: deps kernel initfs
	$(HARNESS) bench --kernel $(KERNEL_ELF) --module $(INITFS):initfs

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --exclude cairn-libc-shim -- -D warnings
	RUSTFLAGS="$(SHIM_RUSTFLAGS)" $(CARGO) clippy --release -p cairn-libc-shim --target-dir $(SHIM_TARGET_DIR) -- -D warnings
	RUSTFLAGS="$(KERNEL_RUSTFLAGS)" $(CARGO) clippy --release -p cairn-kernel --target-dir $(KERNEL_TARGET_DIR) -- -D warnings
	RUSTFLAGS="$(USER_RUSTFLAGS)" $(CARGO) clippy --release -p cairn-rt $(USER_PROGRAMS:%=-p %) $(MULTI_PACKAGES:%=-p %) \
		--target-dir $(USER_TARGET_DIR) -- -D warnings

clean:
	rm -rf $(BUILD) target
