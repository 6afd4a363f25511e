//! `diskbench [--driver PROGRAM] DISK`: the block-device figures of `make
//! devbench` (its Linux twin is `tools/devbench/devbench.c disk`). With
//! `--driver` it first starts the driver and waits for DISK to appear.
//! Prints `BENCH <name> <value> <unit>` for 4 KiB random reads at queue
//! depth 1 and 32 (IOPS; depth 32 = 32 threads each with one request in
//! flight) over the first 64 MiB, and 128 KiB sequential reads and writes
//! over 32 MiB (MiB/s). Exits 0, or 1 if the disk failed.
//!
//! Depends on `cairn-rt` and `cairn-testrng`.
#![no_std]
#![no_main]

use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::process::Command;
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, eprintln, format, println, thread, vec};

cairn_rt::main!(main);

/// The part of the disk random reads land in.
const SPAN: u64 = 64 << 20;
/// The part sequential reads and writes cover.
const SEQUENTIAL: u64 = 32 << 20;
const SMALL: usize = 4096;
const LARGE: usize = 128 * 1024;
/// Random reads per depth.
const READS: usize = 4096;

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let (driver, disk) = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [disk] => (None, String::from(*disk)),
        ["--driver", driver, disk] => (Some(String::from(*driver)), String::from(*disk)),
        _ => {
            eprintln!("usage: diskbench [--driver PROGRAM] DISK");
            return 2;
        }
    };
    match run(driver.as_deref(), &disk) {
        Ok(()) => 0,
        Err(why) => {
            eprintln!("diskbench: {why}");
            1
        }
    }
}

fn open(disk: &str, write: bool) -> Result<File, String> {
    OpenOptions::new().read(true).write(write).open(disk).map_err(|e| format!("{disk}: {e}"))
}

/// `count` random 4 KiB reads by each of `threads` threads: IOPS.
fn random_reads(disk: &str, threads: usize, count: usize) -> Result<u64, String> {
    let start = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..threads {
        let file = open(disk, false)?;
        let spawned = thread::Builder::new().spawn(move || {
            let mut rng = cairn_testrng::Rng::new(0xd15c_0000 + worker as u64);
            let mut block = vec![0u8; SMALL];
            for _ in 0..count {
                let offset = rng.below(SPAN / SMALL as u64) * SMALL as u64;
                if file.read_at(&mut block, offset) != Ok(SMALL) {
                    return false;
                }
            }
            true
        });
        workers.push(spawned.map_err(|e| format!("thread: {e}"))?);
    }
    for worker in workers {
        if !worker.join().unwrap_or(false) {
            return Err(String::from("a random read failed"));
        }
    }
    Ok((threads * count) as u64 * 1_000_000 / start.elapsed().as_micros().max(1) as u64)
}

/// 128 KiB reads or writes over [`SEQUENTIAL`] bytes: MiB/s.
fn sequential(disk: &str, write: bool) -> Result<u64, String> {
    let file = open(disk, write)?;
    let mut buffer = vec![0x5au8; LARGE];
    let start = Instant::now();
    let mut offset = 0;
    while offset < SEQUENTIAL {
        let done = if write { file.write_at(&buffer, offset) } else { file.read_at(&mut buffer, offset) };
        match done {
            Ok(0) | Err(_) => return Err(format!("{} at {offset}", if write { "write" } else { "read" })),
            Ok(n) => offset += n as u64,
        }
    }
    if write {
        file.sync_all().map_err(|e| format!("fsync: {e}"))?;
    }
    Ok(SEQUENTIAL * 1_000_000 / (1 << 20) / start.elapsed().as_micros().max(1) as u64)
}

fn run(driver: Option<&str>, disk: &str) -> Result<(), String> {
    if let Some(driver) = driver {
        Command::new(driver).spawn().map_err(|e| format!("{driver}: {e}"))?;
        let start = Instant::now();
        while cairn_rt::fs::metadata(disk).is_err() {
            if start.elapsed() > Duration::from_secs(60) {
                return Err(format!("{disk} did not appear"));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
    println!("BENCH rand4k_qd1 {} IOPS", random_reads(disk, 1, READS)?);
    println!("BENCH rand4k_qd32 {} IOPS", random_reads(disk, 32, READS / 32)?);
    println!("BENCH seq128k_read {} MiB/s", sequential(disk, false)?);
    println!("BENCH seq128k_write {} MiB/s", sequential(disk, true)?);
    Ok(())
}
