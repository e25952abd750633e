//! Worker processes. The binary runs itself as `registry __evaluate`, one process per core,
//! each sent the source set once and then jobs over its standard input, a few ahead. A monitor
//! kills a worker whose file runs past its deadline or whose memory passes its cap. A worker
//! that ends while a file is in flight, for whatever reason, costs that file a diagnostic
//! naming it and the reason; a fresh worker takes the files that had not started. Nothing a
//! worker writes to its standard error is shown: a bounded tail of it is kept, to tell why it
//! ended.

use std::collections::{HashMap, VecDeque};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::syntax::{MAX_SYNTAX_DEPTH, Walk};
use super::wire::{self, to_parent, to_worker};
use super::{Done, Job, Limits, Outcome, Resolution};
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::progress::Bar;
use crate::source::{FileId, Sources};
use crate::{Error, Result};

/// The hidden subcommand a worker runs.
pub(crate) const SUBCOMMAND: &str = "__evaluate";

/// How many jobs a worker is sent ahead of the one it runs.
const AHEAD: usize = 3;

/// How often the monitor looks at each worker.
const TICK: Duration = Duration::from_millis(20);

/// How much of a worker's standard error is kept.
const STDERR_TAIL: usize = 16 << 10;

/// Workers that end this many times in a row before finishing any job mean the tool itself
/// is broken.
const FRUITLESS: usize = 3;

pub(super) struct Pool {
    sources: Arc<Sources>,
    limits: Limits,
    idle: Vec<Worker>,
    walked: HashMap<FileId, Walk>,
}

impl Pool {
    pub(super) fn new(sources: Arc<Sources>, limits: Limits) -> Self {
        Self {
            sources,
            limits,
            idle: Vec::new(),
            walked: HashMap::new(),
        }
    }

    pub(super) fn walked(&self) -> HashMap<FileId, Walk> {
        self.walked.clone()
    }

    pub(super) fn run(
        &mut self,
        library_paths: &[String],
        jobs: &[Job],
        progress: &Bar,
    ) -> Result<Vec<Done>> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        let lanes = crate::parallel::threads()
            .min(jobs.len().div_ceil(16))
            .max(1);
        let mut workers: Vec<Option<Worker>> = Vec::with_capacity(lanes);
        while workers.len() < lanes {
            workers.push(self.idle.pop());
        }
        let shared = Shared {
            sources: &self.sources,
            limits: self.limits,
            paths: library_paths,
            jobs,
            progress,
            queue: Mutex::new(Queue::default()),
            done: Mutex::new((0..jobs.len()).map(|_| None).collect()),
            walked: Mutex::new(std::mem::take(&mut self.walked)),
            processes: Mutex::new(Vec::new()),
            finished: AtomicBool::new(false),
        };
        let lanes: Vec<Result<Option<Worker>>> = std::thread::scope(|scope| {
            let monitor = scope.spawn(|| shared.monitor());
            let handles: Vec<_> = workers
                .into_iter()
                .map(|worker| scope.spawn(|| shared.lane(worker)))
                .collect();
            let lanes = handles
                .into_iter()
                .map(|handle| {
                    handle.join().unwrap_or_else(|_| {
                        Err(Error::Internal {
                            message: "an evaluation lane panicked".to_owned(),
                        })
                    })
                })
                .collect();
            shared.finished.store(true, Ordering::Relaxed);
            let _ = monitor.join();
            lanes
        });
        self.walked = lock(&shared.walked).drain().collect();
        let mut failure = None;
        for lane in lanes {
            match lane {
                Ok(Some(worker)) => self.idle.push(worker),
                Ok(None) => {}
                Err(error) => failure = failure.or(Some(error)),
            }
        }
        if let Some(error) = failure {
            return Err(error);
        }
        lock(&shared.done)
            .drain(..)
            .map(|done| {
                done.ok_or_else(|| Error::Internal {
                    message: "a file was left unevaluated".to_owned(),
                })
            })
            .collect()
    }
}

/// A running worker process and its pipes.
struct Worker {
    process: Arc<Process>,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    /// The library paths it was last sent.
    paths: Option<Vec<String>>,
    /// Its standard input is closed: it gets no more jobs.
    broken: bool,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let mut child = lock(&self.process.child);
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// What the monitor and a lane share about one worker.
struct Process {
    pid: u32,
    child: Mutex<Child>,
    watch: Mutex<Watch>,
}

#[derive(Default)]
struct Watch {
    /// When the job it runs began.
    running: Option<Instant>,
    /// Why the monitor killed it.
    killed: Option<Kill>,
}

#[derive(Clone, Copy, Debug)]
enum Kill {
    Deadline,
    Memory,
}

#[derive(Default)]
struct Queue {
    /// The next job never handed out.
    next: usize,
    /// Jobs handed to a worker that ended before starting them.
    again: VecDeque<usize>,
}

/// One run's state, shared by its lanes and its monitor.
struct Shared<'a> {
    sources: &'a Arc<Sources>,
    limits: Limits,
    paths: &'a [String],
    jobs: &'a [Job],
    progress: &'a Bar,
    queue: Mutex<Queue>,
    done: Mutex<Vec<Option<Done>>>,
    walked: Mutex<HashMap<FileId, Walk>>,
    processes: Mutex<Vec<Arc<Process>>>,
    finished: AtomicBool,
}

/// What a lane knows of the jobs its worker holds.
#[derive(Default)]
struct InFlight {
    /// Jobs sent, in order; the first has begun when `begun` is set.
    sent: VecDeque<usize>,
    begun: bool,
    resolutions: Vec<Resolution>,
    /// Jobs finished since the worker started.
    finished: usize,
}

impl Shared<'_> {
    /// The next job to send, skipping walks of files already read.
    fn next(&self) -> Option<usize> {
        let mut queue = lock(&self.queue);
        if let Some(index) = queue.again.pop_front() {
            return Some(index);
        }
        while queue.next < self.jobs.len() {
            let index = queue.next;
            queue.next += 1;
            if let Job::Walk(file) = self.jobs[index]
                && lock(&self.walked).contains_key(&file)
            {
                self.finish(index, Outcome::Walked(None), Vec::new());
                continue;
            }
            return Some(index);
        }
        None
    }

    fn has_work(&self) -> bool {
        let queue = lock(&self.queue);
        !queue.again.is_empty() || queue.next < self.jobs.len()
    }

    fn finish(&self, index: usize, outcome: Outcome, resolutions: Vec<Resolution>) {
        lock(&self.done)[index] = Some(Done {
            outcome,
            resolutions,
        });
        self.progress.add(1);
    }

    /// Feeds one worker after another until no job is left; hands back the last, still
    /// running.
    fn lane(&self, mut worker: Option<Worker>) -> Result<Option<Worker>> {
        if let Some(kept) = &worker {
            lock(&self.processes).push(Arc::clone(&kept.process));
        }
        let mut flight = InFlight::default();
        let mut fruitless = 0;
        let mut payload = Vec::new();
        loop {
            let Some(current) = worker.as_mut() else {
                if !self.has_work() {
                    return Ok(None);
                }
                worker = Some(self.spawn()?);
                flight = InFlight::default();
                continue;
            };
            self.feed(current, &mut flight);
            if flight.sent.is_empty() && !current.broken {
                return Ok(worker);
            }
            let frame = if flight.sent.is_empty() {
                Ok(None)
            } else {
                wire::read_frame(&mut current.stdout, &mut payload)
            };
            if let Ok(Some(tag)) = frame {
                self.receive(current, &mut flight, tag, &payload)?;
                continue;
            }
            let Some(ended) = worker.take() else { continue };
            if self.ended(ended, &mut flight) {
                fruitless = 0;
            } else {
                fruitless += 1;
                if fruitless >= FRUITLESS {
                    return Err(Error::Internal {
                        message: "evaluation workers end before evaluating anything".to_owned(),
                    });
                }
            }
        }
    }

    /// Sends the library paths if they changed, then jobs until [`AHEAD`] are outstanding.
    fn feed(&self, worker: &mut Worker, flight: &mut InFlight) {
        if worker.broken {
            return;
        }
        let mut sent = Ok(());
        if worker.paths.as_deref() != Some(self.paths) {
            sent = wire::write_frame(
                &mut worker.stdin,
                to_worker::PATHS,
                &wire::encode_paths(self.paths),
            );
            worker.paths = Some(self.paths.to_vec());
        }
        while sent.is_ok() && flight.sent.len() < AHEAD {
            let Some(index) = self.next() else { break };
            let job = self.jobs[index];
            let tag = match job {
                Job::Evaluate(_) => to_worker::EVALUATE,
                Job::Walk(_) => to_worker::WALK,
            };
            flight.sent.push_back(index);
            sent = wire::write_frame(&mut worker.stdin, tag, &wire::encode_file(job.file()));
        }
        if sent.and_then(|()| worker.stdin.flush()).is_err() {
            worker.broken = true;
        }
    }

    /// Takes in one frame from `worker`.
    fn receive(
        &self,
        worker: &Worker,
        flight: &mut InFlight,
        tag: u8,
        payload: &[u8],
    ) -> Result<()> {
        let sources = &**self.sources;
        let protocol = |what: &str| Error::Internal {
            message: format!("an evaluation worker sent {what}"),
        };
        let current = flight.sent.front().copied();
        match tag {
            to_parent::BEGUN => {
                let file = wire::decode_file(payload, sources)
                    .map_err(|_| protocol("a malformed start"))?;
                if flight.begun || current.map(|index| self.jobs[index].file()) != Some(file) {
                    return Err(protocol("a start out of order"));
                }
                flight.begun = true;
                lock(&worker.process.watch).running = Some(Instant::now());
            }
            to_parent::WALKED => {
                let (file, walk) = wire::decode_walk(payload, sources)
                    .map_err(|_| protocol("a malformed syntax tree"))?;
                lock(&self.walked).entry(file).or_insert(walk);
            }
            to_parent::RESOLUTIONS => {
                flight.resolutions = wire::decode_resolutions(payload, sources)
                    .map_err(|_| protocol("malformed resolutions"))?;
            }
            to_parent::VALUE | to_parent::DIAGNOSTIC | to_parent::FINE => {
                let Some(index) = current.filter(|_| flight.begun) else {
                    return Err(protocol("a result out of order"));
                };
                let walk = matches!(self.jobs[index], Job::Walk(_));
                let outcome = match tag {
                    to_parent::VALUE if !walk => Outcome::Value(
                        String::from_utf8(payload.to_vec())
                            .map_err(|_| protocol("a value that is not UTF-8"))?,
                    ),
                    to_parent::DIAGNOSTIC => {
                        let diagnostic: Diagnostic = serde_json::from_slice(payload)
                            .ok()
                            .filter(|diagnostic| points_into(diagnostic, sources))
                            .ok_or_else(|| protocol("a malformed diagnostic"))?;
                        if walk {
                            Outcome::Walked(Some(Box::new(diagnostic)))
                        } else {
                            Outcome::Failed(Box::new(diagnostic))
                        }
                    }
                    to_parent::FINE if walk => Outcome::Walked(None),
                    _ => return Err(protocol("a result of the wrong kind")),
                };
                flight.sent.pop_front();
                flight.begun = false;
                flight.finished += 1;
                lock(&worker.process.watch).running = None;
                self.finish(index, outcome, std::mem::take(&mut flight.resolutions));
            }
            _ => return Err(protocol("an unknown frame")),
        }
        Ok(())
    }

    /// Reaps a worker that ended, charges the job in flight, if any, and puts back the jobs
    /// it had not begun. Whether it did anything useful first.
    fn ended(&self, mut worker: Worker, flight: &mut InFlight) -> bool {
        let status = {
            let mut child = lock(&worker.process.child);
            let _ = child.kill();
            child.wait().ok()
        };
        let stderr = worker
            .stderr
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default();
        lock(&self.processes).retain(|process| !Arc::ptr_eq(process, &worker.process));
        let killed = lock(&worker.process.watch).killed;
        let mut useful = flight.finished > 0;
        if flight.begun
            && let Some(index) = flight.sent.pop_front()
        {
            let job = self.jobs[index];
            let diagnostic = Box::new(died(
                self.sources,
                job,
                killed,
                status,
                &String::from_utf8_lossy(&stderr),
                self.limits,
            ));
            let outcome = match job {
                Job::Evaluate(_) => Outcome::Failed(diagnostic),
                Job::Walk(_) => Outcome::Walked(Some(diagnostic)),
            };
            self.finish(index, outcome, Vec::new());
            useful = true;
        }
        lock(&self.queue).again.extend(flight.sent.drain(..));
        *flight = InFlight::default();
        useful
    }

    /// Starts a worker and sends it the source set.
    fn spawn(&self) -> Result<Worker> {
        let mut child = Command::new(executable()?)
            .arg(SUBCOMMAND)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| Error::Worker { source })?;
        let pipes = (child.stdin.take(), child.stdout.take(), child.stderr.take());
        let (Some(stdin), Some(stdout), Some(stderr)) = pipes else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Internal {
                message: "an evaluation worker has no pipes".to_owned(),
            });
        };
        let process = Arc::new(Process {
            pid: child.id(),
            child: Mutex::new(child),
            watch: Mutex::default(),
        });
        lock(&self.processes).push(Arc::clone(&process));
        let stderr = std::thread::Builder::new()
            .name("worker-stderr".to_owned())
            .spawn(move || tail(stderr))
            .ok();
        let mut worker = Worker {
            process,
            stdin: BufWriter::with_capacity(1 << 16, stdin),
            stdout: BufReader::with_capacity(1 << 16, stdout),
            stderr,
            paths: None,
            broken: false,
        };
        if wire::write_sources(&mut worker.stdin, to_worker::SETUP, self.sources)
            .and_then(|()| worker.stdin.flush())
            .is_err()
        {
            worker.broken = true;
        }
        Ok(worker)
    }

    /// Kills a worker past its deadline or its memory cap, until the run is over.
    fn monitor(&self) {
        let cap = self.limits.memory_mib;
        while !self.finished.load(Ordering::Relaxed) {
            std::thread::sleep(TICK);
            let processes: Vec<Arc<Process>> = lock(&self.processes).clone();
            for process in processes {
                let mut watch = lock(&process.watch);
                let Some(began) = watch.running else { continue };
                if watch.killed.is_some() {
                    continue;
                }
                let kill = if began.elapsed() > self.limits.timeout {
                    Some(Kill::Deadline)
                } else {
                    resident_mib(process.pid)
                        .filter(|mib| *mib > cap)
                        .map(|_| Kill::Memory)
                };
                if let Some(kill) = kill {
                    watch.killed = Some(kill);
                    drop(watch);
                    let _ = lock(&process.child).kill();
                }
            }
        }
    }
}

/// The diagnostic of a job whose worker ended while running it.
fn died(
    sources: &Sources,
    job: Job,
    killed: Option<Kill>,
    status: Option<std::process::ExitStatus>,
    stderr: &str,
    limits: Limits,
) -> Diagnostic {
    let file = job.file();
    let path = &sources.file(file).path;
    let doing = match job {
        Job::Evaluate(_) => "evaluating",
        Job::Walk(_) => "reading",
    };
    let at = Location::File { file };
    match killed {
        Some(Kill::Deadline) => {
            let seconds = seconds(limits.timeout);
            Diagnostic::error(
                Code::EvaluationTimeout,
                format!("{doing} `{path}` took longer than the deadline of {seconds}"),
            )
            .primary(at, format!("stopped after {seconds}"))
            .help(
                "look for a recursion that repeats work (each call calling itself twice) or a \
                 comprehension far larger than meant; `--eval-timeout SECONDS` sets the deadline",
            )
        }
        Some(Kill::Memory) => memory(doing, path, at, limits, true),
        None if stderr.contains("has overflowed its stack") => Diagnostic::error(
            Code::NestingTooDeep,
            format!(
                "{doing} `{path}` ran out of stack: it, or a value it builds, nests too deeply; \
                 the registry allows {MAX_SYNTAX_DEPTH} levels"
            ),
        )
        .primary(at, "the evaluator stopped here")
        .help("flatten the structure: deep nesting is never needed in a registry"),
        None if stderr.contains("memory allocation of") => memory(doing, path, at, limits, false),
        None => {
            let why = if stderr.contains("panicked") {
                "the evaluator failed".to_owned()
            } else {
                ended(status)
            };
            Diagnostic::error(
                Code::EvaluationCrash,
                format!("{doing} `{path}` stopped the evaluator: {why}"),
            )
            .primary(at, "the evaluator stopped here")
            .help("the rest of the registry was still checked; run again, and if it persists, simplify this file")
        }
    }
}

/// The memory cap was passed (`sampled`), or an allocation failed.
fn memory(doing: &str, path: &str, at: Location, limits: Limits, sampled: bool) -> Diagnostic {
    let cap = limits.memory_mib;
    Diagnostic::error(
        Code::EvaluationMemory,
        format!("{doing} `{path}` needed more than the memory cap of {cap} MiB"),
    )
    .primary(
        at,
        if sampled {
            "stopped when it passed the cap"
        } else {
            "stopped when memory ran out"
        },
    )
    .help(
        "look for a value built far larger than meant (`std.repeat`, `std.range`, a \
         comprehension); `--eval-memory MIB` sets the cap",
    )
}

/// How a process ended, in words.
fn ended(status: Option<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(status) => match (status.code(), status.signal()) {
            (Some(code), _) => format!("it exited with status {code}"),
            (None, Some(signal)) => {
                let name = match signal {
                    6 => " (SIGABRT)",
                    9 => " (SIGKILL)",
                    11 => " (SIGSEGV)",
                    15 => " (SIGTERM)",
                    _ => "",
                };
                format!("it was killed by signal {signal}{name}")
            }
            (None, None) => "it ended".to_owned(),
        },
        None => "it ended".to_owned(),
    }
}

/// `duration` in words: `10 s`, `0.5 s`.
fn seconds(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds.fract() == 0.0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{seconds} s")
    }
}

/// Whether every location of `diagnostic` is in `sources`.
fn points_into(diagnostic: &Diagnostic, sources: &Sources) -> bool {
    diagnostic
        .primary
        .iter()
        .chain(&diagnostic.secondary)
        .all(|label| {
            label.location.file().is_none_or(|file| {
                sources.id(file.index()).is_some()
                    && match &label.location {
                        Location::Span { range, .. } | Location::Redacted { range, .. } => {
                            range.start <= range.end
                                && range.end <= sources.text(file).map_or(0, |text| text.len())
                        }
                        _ => true,
                    }
            })
        })
}

/// The program a worker runs: this one.
fn executable() -> Result<PathBuf> {
    let this = PathBuf::from("/proc/self/exe");
    if this.exists() {
        return Ok(this);
    }
    std::env::current_exe().map_err(|source| Error::Worker { source })
}

/// The resident memory of process `pid`, in MiB (Linux).
fn resident_mib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024)
}

/// Reads `stream` to its end, keeping only its last [`STDERR_TAIL`] bytes.
fn tail(mut stream: impl Read) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return kept,
            Ok(count) => {
                kept.extend_from_slice(&buffer[..count]);
                if kept.len() > 2 * STDERR_TAIL {
                    kept.drain(..kept.len() - STDERR_TAIL);
                }
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::{STDERR_TAIL, seconds, tail};

    #[test]
    fn keeps_a_bounded_tail_of_what_a_worker_says() {
        let mut said = vec![b'x'; 10 * STDERR_TAIL];
        said.extend_from_slice(b"thread 'evaluate' has overflowed its stack");
        let kept = tail(said.as_slice());
        assert!(kept.len() <= 2 * STDERR_TAIL);
        assert!(kept.ends_with(b"has overflowed its stack"));
    }

    #[test]
    fn deadlines_read_as_seconds() {
        assert_eq!(seconds(std::time::Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(std::time::Duration::from_millis(1500)), "1.5 s");
    }
}
