# mount, df and umount with a tmpfs: paths at and under the mount point reach the mounted file system, and
# only while it is mounted.
mkdir -p /tmp/sh-mnt
echo below > /tmp/sh-mnt/below
mount -t tmpfs scratch /tmp/sh-mnt && echo mounted
mount | grep ' /tmp/sh-mnt '
ls /tmp/sh-mnt | wc -l
echo above > /tmp/sh-mnt/above
cd /tmp/sh-mnt && cat above && cd .. && ls sh-mnt
df /tmp/sh-mnt | tail -n 1 | cut -d ' ' -f 1
df -h | grep -c ' /tmp/sh-mnt$'
mv /tmp/sh-mnt/above /tmp/above
echo "mv across file systems: $?"
mount -t tmpfs again /tmp/sh-mnt 2>/dev/null
echo "mounting twice: $?"
cd /
umount /tmp/sh-mnt && echo unmounted
cat /tmp/sh-mnt/below
ls /tmp/sh-mnt
umount /tmp/sh-mnt
echo "unmounting again: $?"
mount -t bogus x /tmp/sh-mnt
echo "unknown type: $?"
mount -o sideways -t tmpfs x /tmp/sh-mnt
echo "unknown option: $?"
rm -r /tmp/sh-mnt
