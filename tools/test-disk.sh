#!/usr/bin/env bash
# Tests the disk image `make disk` writes (build/cairn-disk.img) as a user
# of it would: the host's own tools check its GPT (sfdisk, sgdisk -v), its
# ext3 root (e2fsck -fn on the partition copied out with dd, and debugfs
# for /boot and the programs) and its EFI system partition (mtools); then
# QEMU boots a copy of the raw image from its firmware, SeaBIOS through
# GRUB's boot.img and core.img, and OVMF through /EFI/BOOT/BOOTX64.EFI, until the
# serial console shows the kernel's boot log, the root file system served
# by ext2fs from the disk's ext3 partition (root=LABEL=cairn-root finds /dev/vda3: the image is
# attached as a virtio disk) with init running the disk's own init.conf,
# and the root shell prompt; a file the BIOS boot writes (then `sync`,
# `poweroff`) must be read back by the UEFI boot.
# Every QEMU run is bounded and stopped at the end. Prints `ok`/`FAIL`
# lines like the harness and exits 1 on a failure.
#
# Usage: tools/test-disk.sh [IMAGE] (from anywhere; it works in the repository).
set -uo pipefail
cd "$(dirname "$0")/.."

IMAGE=${1:-build/cairn-disk.img}
# Seconds each boot may take to reach the shell prompt under TCG.
BOOT=${DISK_TEST_BOOT_SECONDS:-90}
PROMPT='root@cairn:/# '
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

logs=build/test-logs
mkdir -p "$logs"
work=$(mktemp -d)
qemu_pid=""
failed=0

stop_qemu() {
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill "$qemu_pid" 2>/dev/null
        wait "$qemu_pid" 2>/dev/null
    fi
    qemu_pid=""
}
cleanup() {
    stop_qemu
    rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok   disk/$1"; }
fail() {
    echo "FAIL disk/$1: $2"
    failed=1
}
check() {
    local name=$1
    shift
    local out
    if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$* said: $(echo "$out" | tail -5)"; fi
}

if [ ! -f "$IMAGE" ]; then
    fail "image" "$IMAGE does not exist (run \`make disk\`)"
    exit 1
fi

# The table, as util-linux and gdisk read it.
dump=$(sfdisk --dump "$IMAGE" 2>&1)
types=$(echo "$dump" | sed -n 's/.*type=\([0-9A-F-]*\).*/\1/p' | tr '\n' ' ')
want="21686148-6449-6E6F-744E-656564454649 C12A7328-F81F-11D2-BA4B-00A0C93EC93B 0FC63DAF-8483-4772-8E79-3D69D8477DE4 "
if [ "$types" = "$want" ]; then ok "gpt-partitions"; else fail "gpt-partitions" "sfdisk --dump: $dump"; fi
check "sgdisk-verify" sgdisk -v "$IMAGE"

# Partition N's start and size in sectors.
part() { echo "$dump" | sed -n "s|^$IMAGE$1 : start= *\([0-9]*\), size= *\([0-9]*\).*|\1 \2|p"; }
read -r root_start root_size <<<"$(part 3)"
read -r esp_start esp_size <<<"$(part 2)"
dd if="$IMAGE" of="$work/root.img" bs=512 skip="$root_start" count="$root_size" status=none
dd if="$IMAGE" of="$work/esp.img" bs=512 skip="$esp_start" count="$esp_size" status=none
check "root-e2fsck" e2fsck -fn "$work/root.img"
features=$(dumpe2fs -h "$work/root.img" 2>/dev/null | sed -n 's/^Filesystem features: *//p')
case " $features " in
    *" has_journal "*) ok "root-is-ext3" ;;
    *) fail "root-is-ext3" "features: $features" ;;
esac
listing=$(debugfs -R "ls -l /boot" "$work/root.img" 2>/dev/null; debugfs -R "ls -l /bin" "$work/root.img" 2>/dev/null)
missing=""
for name in kernel.elf initfs.img grub sh init lsblk ls; do
    echo "$listing" | grep -qw "$name" || missing="$missing $name"
done
if [ -z "$missing" ]; then ok "root-files"; else fail "root-files" "missing:$missing"; fi
cfg=$(debugfs -R "cat /boot/grub/grub.cfg" "$work/root.img" 2>/dev/null)
if echo "$cfg" | grep -q "multiboot2 /boot/kernel.elf 'root=" && echo "$cfg" | grep -q "module2 '/boot/initfs.img' 'initfs'"; then
    ok "grub-cfg"
else
    fail "grub-cfg" "$cfg"
fi
check "esp-bootx64" mdir -i "$work/esp.img" ::/EFI/BOOT/BOOTX64.EFI

# Boots the copy of the image at $disk with the firmware arguments given,
# its serial console on a pipe pair (the log, and input the test types),
# until the shell prompt or $BOOT seconds; then types "$2" and waits for
# QEMU to end (a poweroff) or for "$3" to appear, at most $BOOT seconds.
boot() {
    local name=$1 typed=$2 awaited=$3
    shift 3
    local log="$logs/disk-$name.log" pipe="$work/serial-$name"
    : >"$log"
    mkfifo "$pipe.in" "$pipe.out"
    qemu-system-x86_64 "$@" -m 512M -smp 2 -display none -no-reboot -nic none -serial "pipe:$pipe" -monitor none \
        -drive "file=$disk,format=raw,if=virtio" &
    qemu_pid=$!
    cat "$pipe.out" >>"$log" &
    local reader=$!
    exec 3>"$pipe.in"
    local deadline=$((SECONDS + BOOT))
    until grep -qF "$PROMPT" "$log"; do
        if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$qemu_pid" 2>/dev/null; then
            break
        fi
        sleep 0.5
    done
    printf '%s\r' "$typed" >&3
    deadline=$((SECONDS + BOOT))
    until ! kill -0 "$qemu_pid" 2>/dev/null || { [ -n "$awaited" ] && grep -qF "$awaited" "$log"; }; do
        [ "$SECONDS" -ge "$deadline" ] && break
        sleep 0.5
    done
    exec 3>&-
    stop_qemu
    kill "$reader" 2>/dev/null
    wait "$reader" 2>/dev/null
    local problems=""
    grep -q "INFO  Cairn .* booting" "$log" || problems="$problems no kernel boot line;"
    grep -q "init: started '/bin/init' as pid 1" "$log" || problems="$problems init did not start;"
    grep -qF "$PROMPT" "$log" || problems="$problems no shell prompt within ${BOOT} s;"
    grep -q "ext2fs: serving /dev/vda3 as file (ext3, read-write" "$log" || problems="$problems / is not the disk's ext3;"
    grep -q "init: running /etc/init.conf of the root file system" "$log" || problems="$problems not the disk's init.conf;"
    if [ -z "$problems" ]; then ok "boot-$name"; else fail "boot-$name" "$problems see $log"; fi
}

# A copy the boots write: BIOS writes a file on the disk's root and
# powers off; UEFI, the next boot, must find it.
disk="$work/disk.img"
cp "$IMAGE" "$disk"
boot bios 'echo persisted-$((6*7)) > /root/mark; sync; poweroff' "" -machine pc
if [ -f "$OVMF_CODE" ] && [ -f "$OVMF_VARS" ]; then
    cp "$OVMF_VARS" "$work/vars.fd"
    boot uefi 'cat /root/mark' "persisted-42" -machine q35 -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
        -drive "if=pflash,format=raw,file=$work/vars.fd"
    if grep -q "^persisted-42" "$logs/disk-uefi.log"; then
        ok "file-survives-reboot"
    else
        fail "file-survives-reboot" "/root/mark written before the BIOS boot's poweroff is not read back; see $logs/disk-uefi.log"
    fi
else
    fail "boot-uefi" "OVMF ($OVMF_CODE) is missing (run \`make deps\`)"
fi
exit $failed
