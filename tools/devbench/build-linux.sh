#!/bin/bash
# Builds the Linux guest for the device benchmarks (the yardstick of
# `make devbench`): the packages ../shared/linux-ref/build.sh downloads (it
# is run first if they are missing) — Debian's generic kernel and
# busybox-static — plus /bin/devbench (devbench.c) and the modules the
# benchmarks load: nvme (and the CRC libraries it needs), and vfio-pci over
# the type-1 IOMMU driver (for edu), and ext4 (which also serves ext3)
# with jbd2, mbcache, crc16 and crc32c for `devbench fs` (the guest
# runs with QEMU's intel-iommu and `intel_iommu=on`, since Debian's kernel
# has no no-IOMMU mode). For `make netbench` it also holds /bin/netbench
# (tools/netbench/netbench.c), the NIC drivers virtio_net (over
# virtio_pci, with failover and net_failover) and e1000e, and
# /etc/udhcpc.script, which applies a lease from busybox `udhcpc` with
# `ip`. Its init prints a
# `cairn: N CPUs online` line and runs a shell on COM1, as the reference
# guest's does. Output: build/devbench/linux.iso (run from the project root).
set -eu
ROOT=$(pwd)
REF=build/linux-ref/work
OUT=build/devbench
if ! ls $REF/linux-image-*.deb >/dev/null 2>&1 || ! ls $REF/busybox-static*.deb >/dev/null 2>&1; then
  bash ../shared/linux-ref/build.sh >/dev/null
fi
WORK=$OUT/work
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
dpkg-deb -x "$ROOT"/$REF/linux-image-*.deb li
dpkg-deb -x "$ROOT"/$REF/busybox-static*.deb bb
mkdir -p root/bin root/proc root/sys root/dev root/tmp root/modules iso/boot/grub
cp bb/bin/busybox root/bin/
for a in $(root/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "root/bin/$a"; done
gcc -O2 -static -pthread -Wall -o root/bin/devbench "$ROOT/tools/devbench/devbench.c"
gcc -O2 -static -Wall -o root/bin/netbench "$ROOT/tools/netbench/netbench.c"
strip root/bin/devbench root/bin/netbench
mkdir -p root/etc
cat > root/etc/udhcpc.script <<'DHCP'
#!/bin/sh
# Applies a busybox udhcpc lease: $ip/$mask on $interface, default route via the first $router.
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
    ;;
esac
exit 0
DHCP
chmod +x root/etc/udhcpc.script
modules=$(ls -d li/lib/modules/*/kernel)
for m in virt/lib/irqbypass drivers/vfio/vfio drivers/vfio/vfio_iommu_type1 drivers/vfio/vfio_virqfd \
         drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci lib/crc64 crypto/crc64_rocksoft_generic \
         lib/crc64-rocksoft crypto/crct10dif_common crypto/crct10dif_generic lib/crc-t10dif block/t10-pi \
         drivers/nvme/host/nvme-core drivers/nvme/host/nvme lib/crc16 fs/mbcache fs/jbd2/jbd2 \
         crypto/crc32c_generic fs/ext4/ext4 drivers/virtio/virtio_ring drivers/virtio/virtio \
         drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci \
         net/core/failover drivers/net/net_failover drivers/net/virtio_net \
         drivers/net/ethernet/intel/e1000e/e1000e; do
  cp "$modules/$m.ko" root/modules/
done
cat > root/init <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null; mount -t tmpfs tmp /tmp
echo "cairn: $(grep -c ^processor /proc/cpuinfo) CPUs online, $(($(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)/1024)) MiB usable memory, boot 0 ms"
exec setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1'
INIT
chmod +x root/init
(cd root && find . | cpio -o -H newc 2>/dev/null | gzip -1 > ../iso/boot/initramfs.gz)
cp li/boot/vmlinuz-* iso/boot/vmlinuz
cat > iso/boot/grub/grub.cfg <<'CFG'
set timeout=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
menuentry "linux" { linux /boot/vmlinuz console=ttyS0,115200 quiet intel_iommu=on; initrd /boot/initramfs.gz; boot }
CFG
grub-mkrescue -o "$ROOT/$OUT/linux.iso" iso >/dev/null 2>&1
cd "$ROOT" && rm -rf "$WORK"
echo "$OUT/linux.iso"
