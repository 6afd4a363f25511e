//! Running a pipeline of utilities the way a shell would, and capturing
//! what it does: each stage is forked, its standard streams moved into
//! place with `dup2` (stdin from the test's input or the stage before,
//! stdout to the next stage or the capture, stderr of every stage to one
//! capture), and executed. The parent feeds the input and drains both
//! captures through an event queue, so no pipe can fill up and stall the
//! stages; it can also act at a given moment (append to a file a stage is
//! watching) and end the stages with `SIGTERM` later. Every wait is
//! bounded: a hung pipeline is killed and reported.
//!
//! Depends on `cairn-rt`.

use cairn_rt::events::{EVENT_READ, EVENT_WRITE, Event, EventQueue};
use cairn_rt::fd::{O_CLOEXEC, O_NONBLOCK, OwnedFd, dup2, pipe, rights};
use cairn_rt::io::{Read, Write};
use cairn_rt::process::{self, Child, ExitStatus, ForkResult, Pid};
use cairn_rt::signal::{self, SIGKILL, SIGPIPE, SIGTERM};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, abi, eprintln, format, thread};

/// How long any pipeline may run before it is killed.
const PIPELINE_TIMEOUT: Duration = Duration::from_secs(60);
/// Where the utilities are.
const BIN: &str = "/bin/";

/// Something done to the world while a pipeline runs.
pub type Action = fn() -> Result<(), String>;

/// Moments in a pipeline's run.
#[derive(Clone, Copy, Default)]
pub struct Timing {
    /// After this long, call the function (once).
    pub action: Option<(Duration, Action)>,
    /// After this long, send every stage `SIGTERM`.
    pub terminate_after: Option<Duration>,
}

/// What a pipeline did.
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// How the last stage ended.
    pub status: ExitStatus,
    pub elapsed: Duration,
}

/// The event-queue tags of the three pipes the parent holds.
const INPUT: u64 = 0;
const OUTPUT: u64 = 1;
const ERRORS: u64 = 2;

/// Runs `stages` (each an argv; a name without `/` is looked up in
/// `/bin`) as a pipeline with `input` on its standard input, in the
/// environment `environment`.
pub fn run(stages: &[Vec<String>], input: &[u8], environment: &[String], timing: Timing) -> Result<Outcome, String> {
    let (input_read, input_write) = pipe(O_CLOEXEC).map_err(failed_to("pipe"))?;
    let (output_read, output_write) = pipe(O_CLOEXEC).map_err(failed_to("pipe"))?;
    let (errors_read, errors_write) = pipe(O_CLOEXEC).map_err(failed_to("pipe"))?;
    let started = Instant::now();
    let mut children: Vec<Pid> = Vec::new();
    let mut stage_input = input_read;
    for (index, argv) in stages.iter().enumerate() {
        let last = index + 1 == stages.len();
        let (next_input, stage_output) = if last {
            (None, output_write.dup(rights::ALL).map_err(failed_to("dup"))?)
        } else {
            let (read, write) = pipe(O_CLOEXEC).map_err(failed_to("pipe"))?;
            (Some(read), write)
        };
        match process::fork() {
            Ok(ForkResult::Child) => exec_stage(argv, &stage_input, &stage_output, &errors_write, environment),
            Ok(ForkResult::Parent { child }) => children.push(child),
            Err(error) => {
                end_all(&children, SIGKILL);
                return Err(format!("fork: {error}"));
            }
        }
        match next_input {
            Some(next) => stage_input = next,
            None => break,
        }
    }
    drop((stage_input, output_write, errors_write));
    let captured = capture(input_write, output_read, errors_read, input, &children, started, timing);
    let statuses = wait_all(&children, started);
    let (stdout, stderr) = captured?;
    let status = statuses?.pop().ok_or("no stage ran")?;
    Ok(Outcome { stdout, stderr, status, elapsed: started.elapsed() })
}

/// Turns an error of `call` into a failure reason.
fn failed_to(call: &'static str) -> impl Fn(cairn_rt::Error) -> String {
    move |error| format!("{call}: {error}")
}

/// In a forked child: puts the streams in place and executes `argv`.
fn exec_stage(argv: &[String], stdin: &OwnedFd, stdout: &OwnedFd, stderr: &OwnedFd, environment: &[String]) -> ! {
    for (fd, standard) in [(stdin, 0), (stdout, 1), (stderr, 2)] {
        if let Err(error) = dup2(fd.as_raw(), standard, rights::ALL) {
            eprintln!("cutest: dup2: {error}");
            process::exit(127);
        }
    }
    // The test program ignores SIGPIPE; the utilities must not inherit that.
    let _ = signal::set_default(SIGPIPE);
    let program = argv.first().map_or("", String::as_str);
    let path = if program.contains('/') { String::from(program) } else { format!("{BIN}{program}") };
    let error = process::exec(&path, argv, environment);
    eprintln!("cutest: exec {path}: {error}");
    process::exit(127)
}

/// Feeds `input` to the pipeline and collects its stdout and stderr until
/// both are closed.
fn capture(
    input_write: OwnedFd,
    mut output: OwnedFd,
    mut errors: OwnedFd,
    input: &[u8],
    children: &[Pid],
    started: Instant,
    timing: Timing,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let queue = EventQueue::new().map_err(|error| format!("event queue: {error}"))?;
    let watch = |fd: &OwnedFd, interest: u32, tag: u64| {
        queue.watch(fd.as_raw(), interest, tag).map_err(|error| format!("watch: {error}"))
    };
    let mut feeding = if input.is_empty() {
        // Closed at once: the pipeline sees the end of its input.
        drop(input_write);
        None
    } else {
        input_write.set_flags(O_NONBLOCK | O_CLOEXEC).map_err(|error| format!("set_flags: {error}"))?;
        watch(&input_write, EVENT_WRITE, INPUT)?;
        Some(input_write)
    };
    watch(&output, EVENT_READ, OUTPUT)?;
    watch(&errors, EVENT_READ, ERRORS)?;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let (mut output_open, mut errors_open) = (true, true);
    let (mut fed, mut action_done, mut terminated) = (0, false, false);
    let mut events = [Event::default(); 4];
    let mut chunk = cairn_rt::vec![0u8; 16 * 1024];
    while output_open || errors_open {
        let now = started.elapsed();
        if now >= PIPELINE_TIMEOUT {
            end_all(children, SIGKILL);
            return Err(format!("timed out after {PIPELINE_TIMEOUT:?}"));
        }
        if let Some((at, action)) = timing.action
            && !action_done
            && now >= at
        {
            action_done = true;
            action()?;
        }
        if let Some(at) = timing.terminate_after
            && !terminated
            && now >= at
        {
            terminated = true;
            end_all(children, SIGTERM);
        }
        let next = [
            Some(PIPELINE_TIMEOUT),
            timing.action.filter(|_| !action_done).map(|(at, _)| at),
            timing.terminate_after.filter(|_| !terminated),
        ];
        let wake = next.into_iter().flatten().min().unwrap_or(PIPELINE_TIMEOUT);
        let ready = queue
            .wait(&mut events, Some(wake.saturating_sub(now).max(Duration::from_millis(1))))
            .map_err(|error| format!("event wait: {error}"))?;
        for event in &events[..ready] {
            match event.data {
                INPUT => {
                    if let Some(pipe) = &mut feeding {
                        match pipe.write(&input[fed..]) {
                            Ok(written) => fed += written,
                            Err(error) if error.errno() == Some(abi::error::EAGAIN) => {}
                            // EPIPE: the pipeline stopped reading.
                            Err(_) => fed = input.len(),
                        }
                        if fed == input.len() {
                            let _ = queue.watch(pipe.as_raw(), 0, INPUT);
                            feeding = None;
                        }
                    }
                }
                OUTPUT if output_open => output_open = drain(&queue, &mut output, &mut stdout, &mut chunk, OUTPUT),
                ERRORS if errors_open => errors_open = drain(&queue, &mut errors, &mut stderr, &mut chunk, ERRORS),
                _ => {}
            }
        }
    }
    Ok((stdout, stderr))
}

/// Reads what `pipe` has into `into`; returns whether it is still open.
fn drain(queue: &EventQueue, pipe: &mut OwnedFd, into: &mut Vec<u8>, chunk: &mut [u8], tag: u64) -> bool {
    match pipe.read(chunk) {
        Ok(0) | Err(_) => {
            let _ = queue.watch(pipe.as_raw(), 0, tag);
            false
        }
        Ok(read) => {
            into.extend_from_slice(&chunk[..read]);
            true
        }
    }
}

/// Waits for every stage (killing them all if that takes too long);
/// returns their statuses in order.
fn wait_all(children: &[Pid], started: Instant) -> Result<Vec<ExitStatus>, String> {
    let mut statuses = Vec::with_capacity(children.len());
    for &pid in children {
        let mut child = Child::from_pid(pid);
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    statuses.push(status);
                    break;
                }
                Ok(None) if started.elapsed() < PIPELINE_TIMEOUT => thread::sleep(Duration::from_millis(2)),
                Ok(None) => {
                    end_all(children, SIGKILL);
                    let _ = child.wait();
                    return Err(format!("a stage did not end within {PIPELINE_TIMEOUT:?}"));
                }
                Err(error) => return Err(format!("waitpid: {error}")),
            }
        }
    }
    Ok(statuses)
}

/// Sends `signal` to every stage (those already ended are skipped).
fn end_all(children: &[Pid], signal: usize) {
    for &pid in children {
        let _ = signal::kill(pid, signal);
    }
}
