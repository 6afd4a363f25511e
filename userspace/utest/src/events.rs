//! Event queues and timers: readiness of pipes, blocking waits woken by
//! other threads, timeouts, many pipes under load, timer fds.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::events::{EVENT_READ, EVENT_WRITE, Event, EventQueue, Timer};
use cairn_rt::fd;
use cairn_rt::io::{Read, Write};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{Vec, format, thread};

use crate::util::{TestResult, ensure, ok};

pub fn pipe_readiness() -> TestResult {
    let queue = ok("event queue", EventQueue::new())?;
    let (mut reader, mut writer) = ok("pipe", fd::pipe(0))?;
    ok("watch read end", queue.watch(reader.as_raw(), EVENT_READ, 11))?;
    ok("watch write end", queue.watch(writer.as_raw(), EVENT_WRITE, 22))?;
    let mut events = [Event::default(); 4];
    let n = ok("poll", queue.wait(&mut events, Some(Duration::ZERO)))?;
    ensure!(n == 1 && events[0].data == 22 && events[0].ready == EVENT_WRITE, "only the write end should be ready");
    ok("write", writer.write_all(b"x"))?;
    let n = ok("poll", queue.wait(&mut events, Some(Duration::ZERO)))?;
    ensure!(n == 2 && events[..2].iter().any(|e| e.data == 11 && e.ready == EVENT_READ), "the read end is ready");
    let mut byte = [0u8; 1];
    ok("read", reader.read(&mut byte))?;
    ok("stop watching the write end", queue.watch(writer.as_raw(), 0, 0))?;
    let start = Instant::now();
    let n = ok("wait with timeout", queue.wait(&mut events, Some(Duration::from_millis(30))))?;
    ensure!(n == 0, "nothing should be ready");
    ensure!(start.elapsed() >= Duration::from_millis(25), "the timeout ended after {:?}", start.elapsed());
    let late_writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        writer.write_all(b"y").map(|_| writer)
    });
    let n = ok("blocking wait", queue.wait(&mut events, Some(Duration::from_secs(5))))?;
    ensure!(n == 1 && events[0].data == 11, "the wait was not woken by the writer");
    let writer = late_writer.join().map_err(|e| format!("{e:?}"))?;
    drop(ok("late write", writer)?);
    Ok(())
}

pub fn many_pipes_under_load() -> TestResult {
    const PIPES: usize = 16;
    const PER_PIPE: usize = 64 * 1024;
    let queue = ok("event queue", EventQueue::new())?;
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    for i in 0..PIPES {
        let (reader, writer) = ok("pipe", fd::pipe(fd::O_NONBLOCK))?;
        ok("watch", queue.watch(reader.as_raw(), EVENT_READ, i as u64))?;
        readers.push(reader);
        writers.push(writer);
    }
    let producers: Vec<_> = writers
        .into_iter()
        .enumerate()
        .map(|(i, mut writer)| {
            thread::spawn(move || {
                let block = [i as u8; 1000];
                let mut sent = 0;
                while sent < PER_PIPE {
                    let n = (PER_PIPE - sent).min(block.len());
                    match writer.write(&block[..n]) {
                        Ok(written) => sent += written,
                        Err(_) => thread::sleep(Duration::from_millis(1)),
                    }
                }
            })
        })
        .collect();
    let mut received = [0usize; PIPES];
    let mut open = PIPES;
    let mut events = [Event::default(); PIPES];
    let start = Instant::now();
    while open > 0 {
        ensure!(start.elapsed() < Duration::from_secs(60), "draining took too long: {received:?}");
        let n = ok("wait", queue.wait(&mut events, Some(Duration::from_secs(5))))?;
        for event in &events[..n] {
            let i = event.data as usize;
            let mut buffer = [0u8; 4096];
            match readers[i].read(&mut buffer) {
                Ok(0) => {
                    ok("unwatch", queue.watch(readers[i].as_raw(), 0, 0))?;
                    open -= 1;
                }
                Ok(got) => {
                    ensure!(buffer[..got].iter().all(|b| *b == i as u8), "pipe {i} carried foreign bytes");
                    received[i] += got;
                }
                Err(e) if e.errno() == Some(cairn_rt::abi::error::EAGAIN) => {}
                Err(e) => return Err(format!("read pipe {i}: {e}")),
            }
        }
    }
    for producer in producers {
        producer.join().map_err(|e| format!("{e:?}"))?;
    }
    ensure!(received.iter().all(|r| *r == PER_PIPE), "received {received:?}");
    Ok(())
}

pub fn timers() -> TestResult {
    let timer = ok("timer", Timer::new())?;
    let start = Instant::now();
    ok("arm one-shot", timer.set(Duration::from_millis(10), Duration::ZERO))?;
    ensure!(ok("wait", timer.wait())? == 1, "one-shot expired more than once");
    ensure!(start.elapsed() >= Duration::from_millis(9), "the timer fired after {:?}", start.elapsed());
    ok("arm periodic", timer.set(Duration::from_millis(5), Duration::from_millis(5)))?;
    let queue = ok("event queue", EventQueue::new())?;
    ok("watch timer", queue.watch(timer.fd().as_raw(), EVENT_READ, 7))?;
    let mut events = [Event::default(); 1];
    let n = ok("wait", queue.wait(&mut events, Some(Duration::from_secs(5))))?;
    ensure!(n == 1 && events[0].data == 7, "the timer was not reported ready");
    thread::sleep(Duration::from_millis(30));
    let count = ok("read", timer.wait())?;
    ensure!(count >= 2, "a 5 ms periodic timer counted {count} expirations in 30+ ms");
    ok("disarm", timer.set(Duration::ZERO, Duration::ZERO))?;
    let n = ok("poll", queue.wait(&mut events, Some(Duration::from_millis(20))))?;
    ensure!(n == 0, "a disarmed timer became ready");
    Ok(())
}
