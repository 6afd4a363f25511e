# The lsblk test (harness suite lsblk-nvme): the NVMe driver links
# /dev/nvme0n1 once it serves (waited for, at most 30 s), then lsblk shows
# the tree and the partition columns of the GPT sfdisk wrote on the host
# (the harness checks the rows); both runs must exit with 0.
tries=0
while [ ! -e /dev/nvme0n1 ] && [ $tries -lt 300 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
lsblk
first=$?
lsblk -o NAME,START,PARTTYPENAME,PARTLABEL,PARTUUID /dev/nvme0n1
second=$?
if [ $first -eq 0 ] && [ $second -eq 0 ]; then
    echo "TEST user::lsblk_exit_status ... ok"
else
    echo "TEST user::lsblk_exit_status ... FAILED: lsblk exited with $first and $second"
    exit 1
fi
