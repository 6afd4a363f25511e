# Cairn build entry points. `make run` and `make test` are the two commands
# a newcomer needs; both install missing host packages first.

CARGO ?= cargo
BUILD := build
KERNEL_TARGET_DIR := $(BUILD)/target-kernel
KERNEL_ELF := $(BUILD)/kernel.elf
ISO := $(BUILD)/cairn.iso
HARNESS := target/x86_64-unknown-linux-gnu/release/harness

KERNEL_RUSTFLAGS := -C relocation-model=static -C code-model=kernel -C force-frame-pointers=yes

HOST_PACKAGES := qemu-system-x86 grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf

.PHONY: all deps kernel harness iso run test bench clean fmt clippy host-test

all: iso

deps:
	@tools/install-deps.sh $(HOST_PACKAGES)

kernel:
	RUSTFLAGS="$(KERNEL_RUSTFLAGS)" $(CARGO) build --release -p cairn-kernel --target-dir $(KERNEL_TARGET_DIR)
	@mkdir -p $(BUILD)
	cp $(KERNEL_TARGET_DIR)/x86_64-unknown-linux-gnu/release/kernel $(KERNEL_ELF)

harness:
	$(CARGO) build --release -p cairn-harness

iso: deps kernel harness
	$(HARNESS) iso --kernel $(KERNEL_ELF) --out $(ISO)

run: iso
	$(HARNESS) run --iso $(ISO)

host-test:
	$(CARGO) test --workspace

test: deps kernel harness host-test
	$(HARNESS) test --kernel $(KERNEL_ELF)

bench: deps kernel harness
	$(HARNESS) bench --kernel $(KERNEL_ELF)

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace -- -D warnings
	RUSTFLAGS="$(KERNEL_RUSTFLAGS)" $(CARGO) clippy --release -p cairn-kernel --target-dir $(KERNEL_TARGET_DIR) -- -D warnings

clean:
	rm -rf $(BUILD) target
