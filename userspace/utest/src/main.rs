//! `utest`: the user-space test suite. The QEMU harness boots Cairn with
//! `init=/bin/init /bin/utest` (or utest itself as init) and reads one line
//! per test, `TEST user::<name> ... ok` or `TEST user::<name> ... FAILED:
//! <reason>`; utest exits with 0 if every test passed and 1 otherwise.
//!
//! Arguments, if any, select the tests whose names contain one of them.
//! Tests run one after another in this process; anything that is meant to
//! crash, or that could wreck the caller if the kernel misbehaved, runs in
//! a forked child. Every wait is bounded, so a misbehaving kernel makes a
//! test fail rather than hang the suite.
//!
//! Depends on `cairn-rt`, `cairn-term` and `cairn-pci` (to read `/scheme/pci`).
#![no_std]
#![no_main]

mod abi;
mod ahci;
mod caps;
mod crash;
mod device;
mod devices;
mod elf;
mod events;
mod ext2;
mod fpu;
mod fsops;
mod harden_caps;
mod harden_copy;
mod harden_limits;
mod harden_vm;
mod hostile_nic;
mod iommu;
mod mem;
mod mounts;
mod nic;
mod nvme;
mod pci;
mod proc;
mod sched;
mod schemes;
mod sig;
mod sock;
mod terminal;
mod threads;
mod tmpfs;
mod util;
mod virtio_blk;

use cairn_rt::process::{self, WNOHANG, WaitTarget, waitpid};
use cairn_rt::{Box, String, Vec, env, format, println};

use util::TestResult;

cairn_rt::main!(main);

/// One named test.
struct Test {
    name: String,
    run: Box<dyn Fn() -> TestResult>,
}

fn test(name: &str, run: fn() -> TestResult) -> Test {
    Test { name: String::from(name), run: Box::new(run) }
}

/// Every test, cheap ones first.
fn tests() -> Vec<Test> {
    let mut all = Vec::from([
        test("console_fds", abi::console_fds),
        test("ids", proc::ids),
        test("sysinfo", abi::sysinfo),
        test("efault_null", abi::efault_null),
        test("efault_kernel_half", abi::efault_kernel_half),
        test("efault_unmapped", abi::efault_unmapped),
        test("clock_gettime_fresh_pages", abi::clock_gettime_fresh_pages),
        test("ebadf", abi::ebadf),
        test("enosys", abi::enosys),
        test("bad_flags_and_values", abi::bad_flags_and_values),
        test("fstatat_checks", abi::fstatat_checks),
        test("files", proc::files),
        test("fork_exit_codes", proc::fork_exit_codes),
        test("exec_hello", proc::exec_hello),
        test("spawn_wait", proc::spawn_wait),
        test("static_exec_runs", elf::static_exec_runs),
        test("spawn_args_env", proc::spawn_args_env),
        test("wnohang", proc::wnohang),
        test("waitpid_not_child", proc::waitpid_not_child),
        test("process_groups", proc::process_groups),
        test("user_ids", proc::user_ids),
        test("cow_child_writes", mem::cow_child_writes),
        test("cow_parent_writes", mem::cow_parent_writes),
        test("shared_and_private_mappings", mem::shared_and_private_mappings),
        test("mmap_demand_zero", mem::mmap_demand_zero),
        test("mprotect_enforced", mem::mprotect_enforced),
        test("munmap_enforced", mem::munmap_enforced),
        test("signal_handler_returns", sig::handler_runs_and_returns),
        test("signal_interrupts_user_code", sig::handler_interrupts_user_code),
        test("syscalls_keep_fpu_controls", fpu::syscalls_keep_fpu_controls),
        test("syscalls_clear_vector_registers", fpu::syscalls_clear_vector_registers),
        test("signal_blocked_stays_pending", sig::blocked_signal_stays_pending),
        test("signal_default_actions", sig::default_actions_kill),
        test("sigkill_cannot_be_caught", sig::sigkill_cannot_be_caught),
        test("sigsegv_on_bad_access", sig::sigsegv_on_bad_access),
        test("sigfpe_on_divide_by_zero", sig::sigfpe_on_divide_by_zero),
        test("sigchld_on_child_exit", sig::sigchld_on_child_exit),
        test("rights_read_only_fd_cannot_write", caps::read_only_fd_cannot_write),
        test("rights_dup_masks_and_never_grows", caps::dup_masks_rights_and_never_grows),
        test("cloexec_closes_on_exec", caps::cloexec_closes_on_exec),
        test("pipe_carries_data", caps::pipe_carries_data),
        test("io_ports_granted_by_range", caps::io_ports_granted_by_range),
        test("legacy_interrupt_fd", caps::legacy_interrupt_fd),
        test("framebuffer_maps_device_memory", caps::framebuffer_maps_device_memory),
        test("power_switch_is_root_only", caps::power_switch_is_root_only),
        test("pseudo_terminal", caps::pseudo_terminal),
        test("memory_objects_shared_and_rights_checked", caps::memory_objects),
        test("pipe_epipe_and_sigpipe", caps::pipe_epipe_and_sigpipe),
        test("pipe_nonblocking", caps::pipe_nonblocking),
        test("pipe_between_processes", caps::pipe_between_processes),
        test("pipe_blocked_reader_is_woken", caps::blocked_reader_is_woken),
        test("scheme_round_trip", schemes::round_trip),
        test("scheme_server_crash_fails_clients", schemes::server_crash_fails_clients),
        test("scheme_garbage_responses_refused", schemes::garbage_responses_refused),
        test("scheme_64_clients_out_of_order", schemes::sixty_four_clients_out_of_order),
        test("scheme_client_killed_mid_request", schemes::client_killed_mid_request),
        test("namespace_null_sandbox", schemes::null_namespace_sandbox),
        test("namespace_subset", schemes::subset_namespace),
        test("namespace_rebound_name_reaches_narrowed", schemes::rebound_name_reaches_narrowed_namespace),
        test("kernel_schemes", schemes::kernel_schemes),
        test("pci_scheme_lists_functions", pci::scheme_lists_functions),
        test("device_edu_driver", device::edu_driver),
        test("device_edu_killed_while_waiting_in_place", device::edu_killed_while_waiting_in_place),
        test("device_edu_interrupt_wait_in_place_threads", device::edu_interrupt_wait_in_place_threads),
        test("device_context_claim_rules", device::context_claim_rules),
        test("device_context_config_writes_filtered", device::context_config_writes_filtered),
        test("device_context_resources_and_revocation", device::context_resources_and_revocation),
        test("device_context_garbage_config_writes", device::context_garbage_config_writes),
        test("pci_scheme_refuses_writes_and_bad_paths", pci::scheme_refuses_writes_and_bad_paths),
        test("pci_config_ports_never_handed_out", pci::config_ports_never_handed_out),
        test("dev_standard_devices", devices::standard_devices),
        test("dev_descriptors", devices::descriptors),
        test("dev_links", devices::links),
        test("dev_controlling_terminal", devices::controlling_terminal),
        test("working_directory_and_relative_paths", schemes::working_directory_and_relative_paths),
        test("scheme_listing_follows_namespace", schemes::scheme_listing_follows_namespace),
        test("scheme_read_answer_copied_across_processes", schemes::read_answer_copied_across_processes),
        test("namespace_view_follows_its_base", schemes::namespace_view_follows_its_base),
        test("fd_passing_keeps_or_drops_rights", schemes::fd_passing),
        test("tmpfs_posix_semantics", tmpfs::posix_suite),
        test("scheme_answers_with_an_fd", schemes::server_answers_with_an_fd),
        test("scheme_memory_shared_by_clients", schemes::scheme_memory_shared_by_clients),
        test("scheme_readiness_events", schemes::scheme_readiness_events),
        test("process_and_thread_handles", schemes::process_and_thread_handles),
        test("root_tmpfs_takes_over", fsops::root_takes_over),
        test("openat_follows_the_directory", fsops::openat_follows_the_directory_not_its_path),
        test("working_directory_is_held", fsops::working_directory_is_held),
        test("mounts_route_paths", mounts::mounts_route_paths),
        test("mount_bad_input", mounts::mount_bad_input),
        test("mount_namespace_copies", mounts::namespace_copies_keep_mounts_with_the_root),
        test("hard_links", fsops::hard_links),
        test("permissions_owners_and_times", fsops::permissions_owners_and_times),
        test("umask_clears_creation_bits", fsops::umask_clears_creation_bits),
        test("statvfs_and_fcntl", fsops::statvfs_and_fcntl),
        test("spawn_fd_in_a_sandbox", fsops::spawn_fd_in_a_sandbox),
        test("mmap_of_a_tmpfs_file", fsops::mmap_of_a_tmpfs_file),
        test("rename_across_schemes", fsops::cross_scheme_rename),
        test("event_queue_pipe_readiness", events::pipe_readiness),
        test("event_queue_many_pipes_under_load", events::many_pipes_under_load),
        test("timer_fds", events::timers),
        test("futex_calls", threads::futex_calls),
        test("thread_mutex_64x1000", threads::mutex_counts_exactly),
        test("thread_condvar_ping_pong", threads::condvar_ping_pong),
        test("thread_control_blocks", threads::thread_control_blocks),
        test("thread_join_values", threads::join_returns_values),
        test("thread_detached", threads::detached_threads),
        test("thread_stack_guard", threads::stack_guard_page),
        test("exit_from_thread", proc::exit_from_thread),
        test("sched_yield", sched::sched_yield),
        test("nanosleep", sched::nanosleep_sleeps_long_enough),
        test("clock_monotonic", sched::monotonic_clock),
        test("preemption", sched::preemption),
        test("all_cpus_used", sched::all_cpus_used),
        test("affinity_pins_processes", sched::affinity_pins_processes),
        test("affinity_bad_input", sched::affinity_bad_input),
        test("init_refuses_default_signals", harden_limits::init_refuses_default_signals),
        test("limits_rules", harden_limits::limit_rules),
        test("limits_user_thread_limit", harden_limits::user_thread_limit),
        test("limits_fd_limit", harden_limits::fd_limit),
        test("limits_tmpfs_full_is_enospc", harden_limits::tmpfs_full_is_enospc),
        test("limits_oom_kills_the_largest", harden_limits::oom_kills_the_largest),
        test("limits_kernel_memory_limit", harden_limits::kernel_memory_limit),
        test("limits_kernel_memory_shown", harden_limits::kernel_memory_shown),
        test("limits_fork_bomb_contained", harden_limits::fork_bomb_contained),
        test("limits_thread_bomb_contained", harden_limits::thread_bomb_contained),
        test("caps_cwd_beneath_after_narrowing", harden_caps::cwd_beneath_after_narrowing),
        test("caps_symlink_escape_refused", harden_caps::symlink_escape_refused),
        test("caps_rightless_fd_refused", harden_caps::rightless_fd_refused),
        test("caps_scheme_name_hijack_refused", harden_caps::scheme_name_hijack_refused),
        test("caps_kernel_device_open_mode", harden_caps::kernel_device_open_mode),
        test("vm_huge_shared_mapping_last_page", harden_vm::huge_shared_mapping_last_page),
        test("vm_mmap_needs_read", harden_vm::mmap_needs_read),
        test("vm_mprotect_beyond_max_prot", harden_vm::mprotect_beyond_max_prot),
        test("vm_cow_readonly_page_after_fork", harden_vm::cow_readonly_page_after_fork),
        test("vm_cow_text_after_fork", harden_vm::cow_text_after_fork),
        test("vm_munmap_huge_is_fast", harden_vm::munmap_huge_is_fast),
        test("vm_map_private_scheme_is_private", harden_vm::map_private_scheme_is_private),
        test("vm_region_count_limited", harden_vm::region_count_limited),
        test("vm_munmap_returns_page_tables", harden_vm::munmap_returns_page_tables),
        test("copy_spawn_huge_argv", harden_copy::spawn_huge_argv),
        test("copy_spawn_from_lying_server", harden_copy::spawn_from_lying_server),
        test("copy_pipe_many_huge_writers", harden_copy::pipe_many_huge_writers),
        test("copy_interrupted_scheme_writes_freed", harden_copy::interrupted_scheme_writes_freed),
        test("copy_pipe_read_null_keeps_data", harden_copy::pipe_read_null_keeps_data),
        test("copy_initfs_read_null_keeps_position", harden_copy::initfs_read_null_keeps_position),
        test("copy_server_bad_buffer_keeps_request", harden_copy::server_bad_buffer_keeps_request),
        test("copy_getcwd_efault", harden_copy::getcwd_efault),
        test("copy_close_during_call_sends_close", harden_copy::close_during_call_sends_close),
        test("copy_dead_server_releases_passed_fds", harden_copy::dead_server_releases_passed_fds),
        test("copy_scheme_queue_bounded_per_client", harden_copy::scheme_queue_bounded_per_client),
    ]);
    for name in elf::BAD_ELVES {
        all.push(Test { name: format!("bad_elf::{name}"), run: Box::new(move || elf::spawn_rejected(name)) });
    }
    all.push(test("bad_elf::exec", elf::exec_rejected));
    all.push(test("bad_elf::kernel_alive_afterwards", elf::kernel_alive_afterwards));
    all.push(test("thousand_processes", proc::thousand_processes));
    all.push(test("memory_returned_after_exit", proc::memory_returned_after_exit));
    all.push(test("open_close_100000_no_leak", schemes::open_close_no_leak));
    all
}

/// Tests that need a device only some suites attach; they run only when
/// a filter names them.
fn hardware_tests() -> Vec<Test> {
    Vec::from([
        test("nvme_disk_data", nvme::disk_data),
        test("nvme_disk_bad_requests", nvme::disk_bad_requests),
        test("nvme_second_namespace", nvme::second_namespace),
        test("nvme_concurrent_clients", nvme::concurrent_clients),
        test("nvme_queue_interrupts", nvme::queue_interrupts),
        test("nvme_driver_restart", nvme::driver_restart),
        test("hot_removal_of_nvme", nvme::hot_removal),
        test("crash_workload_ext3", crash::workload),
        test("crash_verify_ext3", crash::verify),
        test("ext2_damaged_image_refused", ext2::damaged_image_refused),
        test("ext2_mount", ext2::mount),
        test("ext2_cache_rereads", ext2::cache_rereads),
        test("ext2_host_files", ext2::host_files),
        test("ext2_mmap_private_copy", ext2::mmap_private_copy),
        test("ext2_write_ops", ext2::write_ops),
        test("ext2_htree_directory", ext2::htree_directory),
        test("ext2_unlink_open", ext2::unlink_open),
        test("ext2_large_file", ext2::large_file),
        test("ext2_sparse_file", ext2::sparse_file),
        test("ext2_unmount", ext2::unmount),
        test("ext2_read_only", ext2::read_only),
        test("ext2_mount_tool", ext2::mount_tool),
        test("ext2_damage_remounts_read_only", ext2::damage_remounts_read_only),
        test("ext2_full_disk_then_power_cut", ext2::full_disk_then_power_cut),
        test("scale_msix_vectors", nvme::scale_vectors),
        test("virtio_blk_disk_data", virtio_blk::disk_data),
        test("virtio_blk_bad_requests", virtio_blk::disk_bad_requests),
        test("virtio_blk_read_only_disk", virtio_blk::read_only_disk),
        test("virtio_blk_concurrent_readers", virtio_blk::concurrent_readers),
        test("virtio_blk_queue_interrupts", virtio_blk::queue_interrupts),
        test("vnet_mac_and_link", || nic::mac_and_link(&nic::VIRTIO)),
        test("vnet_frames_cross_the_link", || nic::frames_cross_the_link(&nic::VIRTIO)),
        test("vnet_bad_frame_sizes", || nic::bad_frame_sizes(&nic::VIRTIO)),
        test("vnet_batches", || nic::batches(&nic::VIRTIO)),
        test("vnet_rings", || nic::rings(&nic::VIRTIO)),
        test("vnet_blocking_read", || nic::blocking_read(&nic::VIRTIO)),
        test("vnet_backlog_drops", || nic::backlog_drops(&nic::VIRTIO)),
        test("vnet_queue_interrupts", || nic::queue_interrupts(&nic::VIRTIO)),
        test("e1000e_mac_and_link", || nic::mac_and_link(&nic::E1000E)),
        test("e1000e_frames_cross_the_link", || nic::frames_cross_the_link(&nic::E1000E)),
        test("e1000e_every_size_both_ways", || nic::every_size_both_ways(&nic::E1000E)),
        test("e1000e_bad_frame_sizes", || nic::bad_frame_sizes(&nic::E1000E)),
        test("e1000e_batches", || nic::batches(&nic::E1000E)),
        test("e1000e_rings", || nic::rings(&nic::E1000E)),
        test("e1000e_blocking_read", || nic::blocking_read(&nic::E1000E)),
        test("e1000e_backlog_drops", || nic::backlog_drops(&nic::E1000E)),
        test("e1000e_queue_interrupts", || nic::queue_interrupts(&nic::E1000E)),
        test("e1000e_link_change", || nic::link_change(&nic::E1000E)),
        test("e1000e_driver_restart", || nic::driver_restart(&nic::E1000E)),
        // The same under MSI (suite e1000e-msi; not `e1000e_`, so that
        // suite e1000e's selection leaves them out).
        test("e1000emsi_mac_and_link", || nic::mac_and_link(&nic::E1000E)),
        test("e1000emsi_every_size_both_ways", || nic::every_size_both_ways(&nic::E1000E)),
        test("e1000emsi_blocking_read", || nic::blocking_read(&nic::E1000E)),
        test("e1000emsi_backlog_drops", || nic::backlog_drops(&nic::E1000E)),
        test("e1000emsi_one_msi_each", || nic::one_msi_each(&nic::E1000E)),
        test("e1000emsi_link_change", || nic::link_change(&nic::E1000E)),
        test("sock_nonblocking_connect_and_events", sock::nonblocking_connect_and_events),
        test("netd_hostile_driver", hostile_nic::hostile_driver),
        test("sock_back_pressure", sock::back_pressure),
        test("sock_options_and_half_close", sock::options_and_half_close),
        test("sock_udp_datagrams", sock::udp_datagrams),
        test("sock_bounded_sockets", sock::bounded_sockets),
        test("sock_receive_buffers", sock::receive_buffers),
        test("sock_reuse_address", sock::reuse_address),
        test("sock_own_address_connects", sock::own_address_connects),
        test("ahci_disk_data", ahci::disk_data),
        test("ahci_bad_requests", ahci::bad_requests),
        test("ahci_second_disk", ahci::second_disk),
        test("ahci_concurrent_readers", ahci::concurrent_readers),
        test("ahci_task_file_error", ahci::task_file_error),
        test("ahci_msi_fired", ahci::msi_fired),
        test("iommu_stray_dma_kills_driver", iommu::stray_dma_kills_driver),
        test("iommu_remap_entries_follow_vectors", iommu::remap_entries_follow_vectors),
    ])
}

/// A failure reason on one line.
fn one_line(reason: &str) -> String {
    reason.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn main() -> i32 {
    if env::args().nth(1).as_deref() == Some(proc::ARGS_ENV_CHILD) {
        return proc::args_env_child();
    }
    if env::args().nth(1).as_deref() == Some("--terminal-check") {
        return terminal::terminal_check();
    }
    // `utest --exit N`: a program that fails at once (init's restart test).
    if env::args().nth(1).as_deref() == Some("--exit") {
        return env::args().nth(2).and_then(|code| code.parse().ok()).unwrap_or(1);
    }
    if env::args().nth(1).as_deref() == Some(caps::CLOEXEC_CHILD) {
        let args: Vec<String> = env::args().skip(2).collect();
        return match args.as_slice() {
            [closing, keeping] => caps::cloexec_child(closing, keeping),
            _ => 4,
        };
    }
    // `utest --init-check`: the test init's test configuration runs.
    // Otherwise arguments are optional name filters: run the tests whose
    // name contains one of them.
    let tests: Vec<Test> = if env::args().nth(1).as_deref() == Some("--init-check") {
        Vec::from([test("init_started_the_root_file_system", fsops::init_started_the_root_file_system)])
    } else if env::args().nth(1).as_deref() == Some("--devd-check") {
        Vec::from([test("devd_restarts_a_killed_driver", device::devd_restarts_a_killed_driver)])
    } else if env::args().nth(1).as_deref() == Some("--nvme-restart-check") {
        Vec::from([test("nvme_restart_during_io", nvme::restart_during_io)])
    } else {
        let filters: Vec<String> = env::args().skip(1).collect();
        let hardware = if filters.is_empty() { Vec::new() } else { hardware_tests() };
        tests()
            .into_iter()
            .chain(hardware)
            .filter(|t| filters.is_empty() || filters.iter().any(|f| t.name.contains(f.as_str())))
            .collect()
    };
    println!("utest: {} tests, pid {}", tests.len(), process::id());
    let mut failed = 0;
    for t in &tests {
        match (t.run)() {
            Ok(()) => println!("TEST user::{} ... ok", t.name),
            Err(reason) => {
                failed += 1;
                println!("TEST user::{} ... FAILED: {}", t.name, one_line(&reason));
            }
        }
        // Reap anything a failed test left behind (as pid 1 there may also
        // be orphans).
        while let Ok(Some(_)) = waitpid(WaitTarget::Any, WNOHANG) {}
    }
    println!("utest: done ({} ok, {failed} failed)", tests.len() - failed);
    if failed == 0 { 0 } else { 1 }
}
