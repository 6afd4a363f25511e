//! Linux's `struct sysinfo` (x86-64), which `sysinfo(2)` fills and musl's
//! `sysconf(_SC_PHYS_PAGES)`/`_SC_AVPHYS_PAGES` and `get_phys_pages` read.

/// `struct sysinfo`: 112 bytes on x86-64 (`_f` is empty there).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SysInfo {
    /// Seconds since boot.
    pub uptime: i64,
    /// Load averages (fixed point, 1 << 16 is 1.0).
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    /// Processes.
    pub procs: u16,
    pub pad: u16,
    pub pad_align: u32,
    pub totalhigh: u64,
    pub freehigh: u64,
    /// Bytes of each memory unit above.
    pub mem_unit: u32,
    pub pad_end: u32,
}

impl SysInfo {
    /// What Cairn can tell: the time since boot, physical memory in bytes
    /// (`mem_unit` 1) and the number of processes (saturated at
    /// `u16::MAX`). Cairn keeps no load averages, shared or buffer memory
    /// counts, swap or high memory: those are 0, as on a Linux machine
    /// without them.
    pub fn new(uptime_secs: i64, total_bytes: u64, free_bytes: u64, processes: usize) -> SysInfo {
        SysInfo {
            uptime: uptime_secs,
            totalram: total_bytes,
            freeram: free_bytes,
            procs: u16::try_from(processes).unwrap_or(u16::MAX),
            mem_unit: 1,
            ..SysInfo::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SysInfo;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout_is_linux_x86_64() {
        assert_eq!(size_of::<SysInfo>(), 112);
        assert_eq!(offset_of!(SysInfo, totalram), 32);
        assert_eq!(offset_of!(SysInfo, freeswap), 72);
        assert_eq!(offset_of!(SysInfo, procs), 80);
        assert_eq!(offset_of!(SysInfo, totalhigh), 88);
        assert_eq!(offset_of!(SysInfo, mem_unit), 104);
    }

    #[test]
    fn counts_in_bytes_and_saturates_processes() {
        let info = SysInfo::new(42, 512 << 20, 300 << 20, 70_000);
        assert_eq!((info.uptime, info.totalram, info.freeram, info.mem_unit), (42, 512 << 20, 300 << 20, 1));
        assert_eq!(info.procs, u16::MAX);
        assert_eq!((info.loads, info.totalswap, info.sharedram), ([0; 3], 0, 0));
        assert_eq!(SysInfo::new(1, 2, 1, 7).procs, 7);
    }
}
