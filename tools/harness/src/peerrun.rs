//! The runner of a network suite's host-side peers (`netpeer`, `httppeer`): the guest's
//! virtio-net on QEMU user networking with `restrict=on` (nothing leaves QEMU), the
//! forwards a suite names (`hostfwd` on the host's 127.0.0.1, `guestfwd` to a command), and
//! the host's peer threads, each stopped by the boot's end or a deadline.

use std::ffi::OsString;
use std::net::{SocketAddrV4, TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The transport of a forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

/// One forward of the user network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forward {
    /// `hostfwd`: the host's 127.0.0.1:`host` to the guest's port `guest`.
    Host { transport: Transport, host: u16, guest: u16 },
    /// `guestfwd`: TCP connections from the guest to `to` run `command` (QEMU starts it per
    /// connection, on the connection's standard input and output).
    Guest { to: SocketAddrV4, command: String },
}

impl Forward {
    fn option(&self) -> String {
        match self {
            Forward::Host { transport, host, guest } => {
                format!("hostfwd={}:127.0.0.1:{host}-:{guest}", transport.name())
            }
            Forward::Guest { to, command } => format!("guestfwd=tcp:{to}-cmd:{command}"),
        }
    }
}

/// The QEMU arguments of a virtio-net NIC on a restricted user network with `forwards`.
pub fn user_network(forwards: &[Forward]) -> Vec<OsString> {
    let mut netdev = String::from("user,id=net0,restrict=on");
    for forward in forwards {
        netdev.push(',');
        netdev.push_str(&forward.option());
    }
    ["-netdev", &netdev, "-device", "virtio-net-pci,netdev=net0"].iter().map(OsString::from).collect()
}

/// A free port on the host's loopback (taken again by QEMU's `hostfwd`).
pub fn free_port(transport: Transport) -> Result<u16, String> {
    let port = match transport {
        Transport::Tcp => TcpListener::bind("127.0.0.1:0").and_then(|s| s.local_addr()),
        Transport::Udp => UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()),
    };
    port.map(|a| a.port()).map_err(|e| format!("finding a free port: {e}"))
}

/// What a peer thread looks at to know whether to go on: the boot is not over and its
/// deadline has not passed.
#[derive(Clone)]
pub struct Lifetime {
    over: Arc<AtomicBool>,
    deadline: Instant,
}

impl Lifetime {
    pub fn running(&self) -> bool {
        !self.over.load(Ordering::Relaxed) && Instant::now() < self.deadline
    }
}

/// A peer thread's body.
pub type Job = Box<dyn FnOnce(&Lifetime) + Send>;

/// The running peers of one boot.
pub struct PeerRun {
    over: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    /// The QEMU arguments of the NIC and its forwards.
    pub qemu_args: Vec<OsString>,
}

impl PeerRun {
    /// Starts `jobs`, each on a thread of its own living at most `life`, beside a NIC with
    /// `forwards`.
    pub fn start(forwards: &[Forward], life: Duration, jobs: Vec<Job>) -> PeerRun {
        let over = Arc::new(AtomicBool::new(false));
        let lifetime = Lifetime { over: over.clone(), deadline: Instant::now() + life };
        let threads = jobs
            .into_iter()
            .map(|job| {
                let lifetime = lifetime.clone();
                thread::spawn(move || job(&lifetime))
            })
            .collect();
        PeerRun { over, threads, qemu_args: user_network(forwards) }
    }

    /// Stops the peers (the boot is over) and waits for their threads.
    pub fn finish(self) {
        self.over.store(true, Ordering::Relaxed);
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_arguments_name_every_forward_on_loopback() {
        let forwards = [
            Forward::Host { transport: Transport::Tcp, host: 4000, guest: 7000 },
            Forward::Host { transport: Transport::Udp, host: 4001, guest: 7001 },
            Forward::Guest { to: SocketAddrV4::new([10, 0, 2, 100].into(), 7), command: String::from("peer echo") },
        ];
        let args = user_network(&forwards);
        assert_eq!(
            args,
            [
                "-netdev",
                "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:4000-:7000,hostfwd=udp:127.0.0.1:4001-:7001,\
                 guestfwd=tcp:10.0.2.100:7-cmd:peer echo",
                "-device",
                "virtio-net-pci,netdev=net0"
            ]
        );
    }

    #[test]
    fn finishing_stops_every_job_before_its_deadline() {
        let stopped = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let jobs: Vec<Job> = (0..3)
            .map(|_| {
                let stopped = stopped.clone();
                let job: Job = Box::new(move |life: &Lifetime| {
                    while life.running() {
                        thread::sleep(Duration::from_millis(5));
                    }
                    if Instant::now() < life.deadline {
                        stopped.fetch_add(1, Ordering::Relaxed);
                    }
                });
                job
            })
            .collect();
        PeerRun::start(&[], Duration::from_secs(300), jobs).finish();
        assert_eq!(stopped.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_job_past_its_deadline_is_not_running() {
        let seen = Arc::new(AtomicBool::new(true));
        let flag = seen.clone();
        let job: Job = Box::new(move |life: &Lifetime| flag.store(life.running(), Ordering::Relaxed));
        PeerRun::start(&[], Duration::ZERO, vec![job]).finish();
        assert!(!seen.load(Ordering::Relaxed));
    }
}
