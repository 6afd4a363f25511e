//! The text files of the kernel's `sys` scheme, for tools like `ps`,
//! `free`, `top`, `uptime` and `dmesg`: generated when opened.

use alloc::string::String;
use core::fmt::Write;
use core::sync::atomic::Ordering;

use crate::mm::frames;
use crate::task::{self, ProcessState, ThreadState};
use crate::{console, percpu, time};

/// The text files, in the order `sys` lists them.
pub const FILES: [&str; 9] =
    ["processes", "threads", "meminfo", "cpus", "interrupts", "iommu", "mounts", "uptime", "log"];

/// The contents of `sys` file `name`.
pub fn render(name: &str) -> Option<String> {
    let mut text = String::new();
    match name {
        "processes" => {
            let _ = writeln!(text, "PID PPID PGID SID UID STATE THREADS RSS_KIB KMEM_KIB NAME");
            task::with(|tasks| {
                for process in tasks.processes.values() {
                    let state = match process.state {
                        ProcessState::Running => "R",
                        ProcessState::Stopped { .. } => "T",
                        ProcessState::Zombie { .. } => "Z",
                    };
                    let resident_kib = process.space.as_ref().map_or(0, |s| s.resident_pages() * 4);
                    let _ = writeln!(
                        text,
                        "{} {} {} {} {} {state} {} {resident_kib} {} {}",
                        process.pid,
                        process.parent,
                        process.pgid,
                        process.sid,
                        process.uid,
                        process.threads.len(),
                        process.kernel_bytes() / 1024,
                        process.name
                    );
                }
            });
        }
        "threads" => {
            let _ = writeln!(text, "TID PID STATE LEVEL CPU WAIT");
            task::with(|tasks| {
                for thread in tasks.threads.values() {
                    let state = match thread.state {
                        ThreadState::Runnable => "R",
                        ThreadState::Running => "O",
                        ThreadState::Blocked => "S",
                        ThreadState::Stopped => "T",
                        ThreadState::Dead => "X",
                    };
                    let waiting =
                        thread.waiting.map_or(String::from("-"), |w| alloc::format!("{w:?}").replace(' ', ""));
                    let _ = writeln!(
                        text,
                        "{} {} {state} {} {} {waiting}",
                        thread.tid,
                        thread.pid,
                        tasks.level_of(thread),
                        thread.last_cpu
                    );
                }
            });
        }
        "meminfo" => {
            let (free, total) = frames::stats();
            let kib = cairn_physmem::FRAME_SIZE / 1024;
            let (heap, heap_used) = crate::mm::heap::usage();
            let _ = writeln!(
                text,
                "total_kib {}\nfree_kib {}\nkernel_heap_kib {}\nkernel_heap_used_kib {}\nkernel_stacks {}",
                total * kib,
                free * kib,
                heap / 1024,
                heap_used / 1024,
                crate::mm::stacks::in_use()
            );
        }
        "cpus" => {
            for cpu in percpu::online() {
                let _ = write!(
                    text,
                    "cpu {} apic {} switches {} ticks {} user_ticks {} wake_ipis {} in_place_wakes {} waiting_in_place {}",
                    cpu.index.0,
                    cpu.apic_id.0,
                    cpu.context_switches.load(Ordering::Relaxed),
                    cpu.timer_ticks.load(Ordering::Relaxed),
                    cpu.user_ticks.load(Ordering::Relaxed),
                    cpu.wake_ipis.load(Ordering::Relaxed),
                    cpu.in_place_wakes.load(Ordering::Relaxed),
                    u8::from(cpu.waiting_in_place.load(Ordering::Acquire))
                );
                if let Some((queued, running)) = task::with(|tasks| tasks.run_queue(cpu.index.0 as usize)) {
                    let running = running.map_or(String::from("-"), |level| alloc::format!("{level}"));
                    let queued: alloc::vec::Vec<String> = queued.iter().map(|n| alloc::format!("{n}")).collect();
                    let _ = write!(text, " running_level {running} queued {}", queued.join("/"));
                }
                text.push('\n');
            }
        }
        "interrupts" => crate::irq::render(&mut text),
        "iommu" => crate::iommu::render(&mut text),
        "mounts" => {
            // The caller's namespace: `SOURCE POINT TYPE OPTIONS PID SCHEME`.
            let namespace = task::with(|tasks| tasks.current_process().namespace.clone());
            for mount in &namespace.lock().mounts {
                let (source, rest) = mount.description.as_str().split_once(' ').unwrap_or_default();
                let scheme = mount.scheme.lock().name.clone();
                let _ = writeln!(text, "{source} {} {rest} {} {scheme}", mount.point, mount.server.0);
            }
        }
        "uptime" => {
            let micros = time::micros_since_boot();
            let _ = writeln!(text, "{}.{:06}", micros / 1_000_000, micros % 1_000_000);
        }
        "log" => {
            let mut buffer = alloc::vec![0u8; console::LOG_RING_BYTES];
            let len = console::read_log(&mut buffer);
            text.push_str(&String::from_utf8_lossy(&buffer[..len]));
        }
        _ => return None,
    }
    Some(text)
}
