//! The Cairn microkernel.
//!
//! GRUB loads this freestanding ELF through Multiboot2; `boot.rs` enters
//! long mode and calls [`kernel_entry`] on the boot stack. Boot then runs in
//! two phases: [`kernel_entry`] reads the boot information, builds the frame
//! allocator and the kernel page tables, and moves to a guarded stack;
//! [`bsp_main`] sets up this CPU, the consoles, ACPI, interrupt controllers
//! and clocks, starts the other CPUs and prints the one-line boot summary.
//!
//! Depends on the support crates under `kernel/lib` and on the no_std crates
//! listed in `docs/DEPENDENCIES.md`; nothing in user space.
#![no_std]
#![no_main]

extern crate alloc;

// Provides memcpy & co. and the unwinding stubs; nothing is called by name.
use cairn_memfuncs as _;

mod arch;
mod boot;
mod bootinfo;
mod console;
mod device_context;
mod devices;
mod events;
mod exec;
mod fault;
mod fd;
mod initfs;
mod interrupts;
mod io_ports;
mod iommu;
mod irq;
mod klog;
mod mm;
mod namespace;
mod pci;
mod percpu;
mod pipe;
mod platform;
mod random;
mod scheme;
mod selftest;
mod smp;
mod symbols;
mod syscall;
mod sysinfo;
mod task;
mod time;
mod vm;

use cairn_bootargs::{BootArgs, LogLevel};
use cairn_physmem::{MemoryMap, PhysFrame, PhysRange, RegionKind};
use raw_cpuid::CpuId;

use arch::cpu::{self, CpuFeatures};
use bootinfo::{BootInfo, BoundedList};
use mm::paging::{self, DirectMapPlan};
use mm::{frames, phys_to_virt};
use percpu::CpuIndex;
use platform::acpi::{self, AcpiRoot, PlatformDescription};
use platform::hpet::Hpet;
use platform::lapic::LocalApic;
use smp::CpuStart;
use time::ReferenceClock;

unsafe extern "C" {
    static __kernel_phys_start: u8;
    static __kernel_phys_end: u8;
}

const MIB: u64 = 1 << 20;
const FOUR_GIB: u64 = 1 << 32;

/// What the first boot phase hands to the second.
struct BootContext {
    info: BootInfo,
    args: BootArgs<'static>,
    features: CpuFeatures,
    acpi: Option<AcpiRoot>,
    cr3: u64,
    usable_bytes: u64,
    trampoline_page: Option<PhysFrame>,
    bsp: &'static mut CpuStart,
}

fn log_level(level: LogLevel) -> log::Level {
    match level {
        LogLevel::Error => log::Level::Error,
        LogLevel::Warn => log::Level::Warn,
        LogLevel::Info => log::Level::Info,
        LogLevel::Debug => log::Level::Debug,
        LogLevel::Trace => log::Level::Trace,
    }
}

/// First boot phase, on the boot stack with the boot page tables.
pub extern "C" fn kernel_entry(magic: u32, info_phys: u32) -> ! {
    time::record_boot_tsc(cpu::rdtsc());
    console::init_serial();
    klog::init();

    // SAFETY: `info_phys` is what GRUB left in EBX; GRUB places the boot
    // information below 4 GiB, inside the boot-time direct map.
    let info = match unsafe { bootinfo::parse(magic, info_phys) } {
        Ok(info) => info,
        Err(e) => {
            log::error!("boot: {e}");
            fault::stop_machine()
        }
    };
    let args = BootArgs::parse(info.cmdline, &mut |warning| log::warn!("{warning}"));
    klog::configure(args.log_level.map(log_level), args.quiet);
    log::info!("Cairn {} booting", env!("CARGO_PKG_VERSION"));
    for region in info.memory.as_slice() {
        log::debug!(
            "memory map: {:#014x}-{:#014x} {}",
            region.start,
            region.start.saturating_add(region.len),
            region.kind
        );
    }
    let features = CpuFeatures::detect();

    let mut acpi_tables: BoundedList<PhysRange, 64> = BoundedList::default();
    let acpi = info.acpi.filter(|root| {
        match acpi::visit_tables(*root, |range| {
            acpi_tables.push(range);
        }) {
            Ok(()) => true,
            Err(problem) => {
                log::warn!("ACPI: {problem}; ignoring ACPI (one CPU, PIT clock)");
                false
            }
        }
    });

    let mut reserved: BoundedList<PhysRange, 128> = BoundedList::default();
    let image = PhysRange::new(&raw const __kernel_phys_start as u64, &raw const __kernel_phys_end as u64);
    let framebuffer =
        info.framebuffer.map(|fb| PhysRange::new(fb.phys_addr, fb.phys_addr.saturating_add(fb.byte_len())));
    for range in [image, info.info_range].into_iter().chain(framebuffer) {
        reserved.push(range);
    }
    for module in info.modules.as_slice() {
        log::info!("boot module '{}' at {}", module.name, module.range);
        reserved.push(module.range);
    }
    for range in info.loaded_sections.as_slice().iter().chain(acpi_tables.as_slice()) {
        reserved.push(*range);
    }
    let phys_bits = CpuId::new().get_processor_capacity_feature_info().map_or(36, |c| c.physical_address_bits());
    let mut map = MemoryMap::from_firmware(info.memory.as_slice(), reserved.as_slice(), 1 << phys_bits, &mut |w| {
        log::warn!("{w}")
    });
    let usable_bytes = map.total_bytes();
    if let Err(e) = frames::init(&mut map) {
        log::error!("memory: cannot build the frame allocator: {e}");
        fault::stop_machine();
    }
    // Low memory is scarce; claim the AP start-up page before anything else
    // allocates.
    let trampoline_page = smp::reserve_trampoline_page();

    let mut ram: BoundedList<PhysRange, 256> = BoundedList::default();
    for region in info.memory.as_slice() {
        if !matches!(region.kind, RegionKind::Reserved | RegionKind::Defective) {
            ram.push(PhysRange::new(region.start, region.start.saturating_add(region.len)));
        }
    }
    let ram_end = map.highest_address().max(FOUR_GIB);
    let plan = DirectMapPlan {
        end: framebuffer.map_or(ram_end, |fb| fb.end.max(ram_end)).min(1 << phys_bits),
        ram: ram.as_slice(),
        framebuffer,
    };
    let cr3 = match paging::init(features.no_execute, &plan) {
        Ok(cr3) => cr3,
        Err(e) => {
            log::error!("memory: cannot build the kernel page tables: {e:?}");
            fault::stop_machine()
        }
    };

    // The heap works from here on.
    let lapic = interrupts::set_local_apic(LocalApic::from_msr());
    let bsp = match CpuStart::prepare(CpuIndex(0), lapic.id(), features) {
        Ok(bsp) => bsp,
        Err(e) => {
            log::error!("memory: cannot allocate the boot CPU's stacks: {e}");
            fault::stop_machine()
        }
    };
    let stack = bsp.stack;
    let context = alloc::boxed::Box::into_raw(alloc::boxed::Box::new(BootContext {
        info,
        args,
        features,
        acpi,
        cr3,
        usable_bytes,
        trampoline_page,
        bsp,
    }));
    stack.run_on(bsp_main, context as u64)
}

/// Second boot phase, on the BSP's guarded kernel stack.
extern "C" fn bsp_main(context: u64) -> ! {
    // SAFETY: `kernel_entry` leaks a boxed `BootContext` for this call and
    // never uses it again, so ownership passes here.
    let context = unsafe { *alloc::boxed::Box::from_raw(context as *mut BootContext) };
    let bsp = context.bsp.enter();

    if let Some(location) = context.info.symbols {
        // SAFETY: the symbol and string tables are boot-reserved ranges in
        // the direct map (`loaded_sections`).
        unsafe { symbols::install(location) };
    }
    attach_screen(&context.info);

    platform::pic::disable();
    let description = context.acpi.and_then(|root| match acpi::describe(root) {
        Ok(description) => Some(description),
        Err(problem) => {
            log::warn!("ACPI: {problem}; continuing on one CPU with the PIT");
            None
        }
    });
    let description = description
        .unwrap_or_else(|| PlatformDescription { cpus: alloc::vec![bsp.apic_id], ..PlatformDescription::default() });
    irq::init(description.io_apics.clone(), description.overrides.clone());
    platform::power::init(description.power);
    pci::init(&description.pci_ecam);
    for io_apic in &description.io_apics {
        io_apic.mask_all();
        log::info!(
            "I/O APIC {} at {:#x}: GSIs {}..{} masked",
            io_apic.id,
            io_apic.address,
            io_apic.gsi_base,
            io_apic.gsi_base + io_apic.line_count()
        );
    }
    // SAFETY: the address comes from the validated ACPI HPET table and lies
    // in the uncached part of the direct map.
    let reference = match description.hpet_address.and_then(|address| unsafe { Hpet::new(address) }) {
        Some(hpet) => ReferenceClock::Hpet(hpet),
        None => ReferenceClock::Pit,
    };
    let lapic = interrupts::local_apic().expect("set in kernel_entry");
    let calibration = time::calibrate(&reference, lapic);
    log::info!(
        "time: TSC {} MHz, local APIC timer {} kHz (measured against the {})",
        calibration.tsc_hz / 1_000_000,
        calibration.lapic_timer_hz / 1_000,
        reference.name()
    );
    lapic.start_periodic(interrupts::VECTOR_TIMER, calibration.lapic_ticks_per_interrupt());

    let online = smp::start_application_processors(
        bsp,
        &description.cpus,
        context.trampoline_page,
        context.cr3,
        context.features,
    );
    let cpu_count = online.len();
    percpu::publish_online(online);
    iommu::init(context.acpi.and_then(|root| acpi::find_table(root, *b"DMAR")));
    let (free, _) = frames::stats();
    log::info!(
        "memory: {} MiB usable, {} MiB free",
        context.usable_bytes / MIB,
        free * cairn_physmem::FRAME_SIZE / MIB
    );
    console::write(
        console::Sinks { screen: true },
        format_args!(
            "cairn: {cpu_count} CPUs online, {} MiB usable memory, boot {} ms\n",
            context.usable_bytes / MIB,
            time::micros_since_boot() / 1000
        ),
    );

    selftest::run_requested(&context.args.tests, &context.info);
    time::init_realtime();
    start_user_space(&context.args, &context.info);
    smp::idle_loop(bsp)
}

/// Whether the end of init ends the machine (user-space test runs).
static EXIT_WITH_INIT: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Program started as init when the command line names none.
const DEFAULT_INIT: &str = "/bin/init";

/// Starts the scheduler and the first process from the initfs.
fn start_user_space(args: &BootArgs<'_>, info: &BootInfo) {
    if !initfs::init(info) {
        log::warn!("no initfs: idling without user space");
        return;
    }
    frames::init_user_refs();
    devices::init();
    let idle_stacks: alloc::vec::Vec<u64> = percpu::online().iter().map(|cpu| cpu.idle_stack_top).collect();
    task::init(&idle_stacks);
    EXIT_WITH_INIT.store(args.tests.contains("user"), core::sync::atomic::Ordering::Relaxed);
    let command = args.init.unwrap_or(DEFAULT_INIT);
    // `init=PROGRAM,ARG,...`: GRUB cannot pass a quoted value with blanks.
    let words: alloc::vec::Vec<&str> =
        command.trim_matches('"').split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty()).collect();
    task::bkl::acquire();
    match syscall::start_init(&words, args.root) {
        Ok(pid) => log::info!("init: started '{command}' as pid {pid}"),
        Err(e) => log::error!("init: cannot start '{command}': {e:?}"),
    }
    task::bkl::release();
}

/// Called when init (pid 1) has ended with wait status `status`.
pub fn init_exited(status: u32) {
    use cairn_abi::wait;
    let success = wait::if_exited(status) && wait::exit_status(status) == 0;
    if wait::if_exited(status) {
        log::info!("init exited with code {}", wait::exit_status(status));
    } else {
        log::warn!("init was killed by signal {}", wait::term_signal(status));
    }
    if EXIT_WITH_INIT.load(core::sync::atomic::Ordering::Relaxed) {
        console::write(console::Sinks { screen: true }, format_args!("SELFTEST DONE (init exited)\n"));
        selftest::exit_qemu(success);
    }
}

/// Starts the framebuffer console if GRUB set up a usable framebuffer.
fn attach_screen(info: &BootInfo) {
    let Some(fb) = info.framebuffer else {
        log::info!("no framebuffer: serial console only");
        return;
    };
    console::screen::record(fb);
    // SAFETY: the framebuffer range is reserved and mapped write-combining in
    // the direct map; the screen console is its only writer.
    match unsafe { console::screen::ScreenConsole::new(phys_to_virt(fb.phys_addr), fb) } {
        Some(screen) => {
            let (columns, rows) = screen.dimensions();
            console::attach_screen(screen);
            log::info!(
                "framebuffer: {}x{} {} bpp at {:#x}, text console {columns}x{rows}",
                fb.width,
                fb.height,
                fb.bits_per_pixel,
                fb.phys_addr
            );
        }
        None => log::warn!(
            "framebuffer: {}x{} {} bpp cannot be drawn on; serial console only",
            fb.width,
            fb.height,
            fb.bits_per_pixel
        ),
    }
}
