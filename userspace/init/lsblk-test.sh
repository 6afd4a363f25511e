# The lsblk test (harness suite lsblk-nvme): the NVMe driver links
# /dev/nvme0n1-3 once it serves (waited for, at most 30 s), then lsblk
# shows the tree of every disk and the partition columns of the GPT
# sfdisk wrote on the host (the harness checks the rows). The listing of
# every disk must exit with 1 (nvme0n3's table is damaged, reported), the
# GPT disk's alone with 0.
tries=0
while [ ! -e /dev/nvme0n3 ] && [ $tries -lt 300 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
lsblk
every=$?
lsblk -o NAME,START,PARTTYPENAME,PARTLABEL,PARTUUID /dev/nvme0n1
one=$?
if [ $every -eq 1 ] && [ $one -eq 0 ]; then
    echo "TEST user::lsblk_exit_status ... ok"
else
    echo "TEST user::lsblk_exit_status ... FAILED: lsblk exited with $every (not 1) and $one (not 0)"
    exit 1
fi
