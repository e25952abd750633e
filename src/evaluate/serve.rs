//! The worker side: `registry __evaluate` reads the source set and then jobs from standard
//! input, and writes each job's result to standard output, in the frames of [`wire`]. Jobs run
//! one at a time on a thread with a large stack, a fresh jrsonnet state for each batch of
//! files. Nothing else is ever written to standard output; the worker ends at the end of its
//! input, or as soon as the process that started it is gone.

use std::io::{BufReader, BufWriter, Write};
use std::sync::Arc;
use std::time::Duration;

use super::engine::Engine;
use super::local::{BATCH, STACK_SIZE};
use super::walks::Walks;
use super::wire::{self, to_parent, to_worker};
use super::{Done, Job, Outcome};
use crate::source::Sources;
use crate::{Error, ExitStatus, Result};

type Input = BufReader<std::io::Stdin>;
type Output = BufWriter<std::io::Stdout>;

/// Serves jobs until the end of standard input.
pub(crate) fn serve() -> Result<ExitStatus> {
    watch_parent();
    let mut input = BufReader::with_capacity(1 << 16, std::io::stdin());
    let mut output = BufWriter::with_capacity(1 << 16, std::io::stdout());
    let mut payload = Vec::new();
    let sources =
        match wire::read_frame(&mut input, &mut payload).map_err(|error| broken(&error))? {
            Some(to_worker::SETUP) => {
                Arc::new(wire::decode_sources(&payload).map_err(|error| broken(&error))?)
            }
            Some(_) => return Err(broken(&wire::malformed())),
            None => return Ok(ExitStatus::Clean),
        };
    drop(payload);
    let walks = Arc::new(Walks::default());
    let mut paths = Vec::new();
    loop {
        let sources = Arc::clone(&sources);
        let walks = Arc::clone(&walks);
        let batch = std::thread::Builder::new()
            .name("evaluate".to_owned())
            .stack_size(STACK_SIZE)
            .spawn(move || {
                let ended = batch(&mut input, &mut output, &sources, &mut paths, &walks);
                (input, output, paths, ended)
            })
            .map_err(|source| Error::Thread { source })?;
        let (back_in, back_out, back_paths, ended) = batch.join().map_err(|_| Error::Internal {
            message: "the evaluator panicked".to_owned(),
        })?;
        if ended.map_err(|error| broken(&error))? {
            return Ok(ExitStatus::Clean);
        }
        (input, output, paths) = (back_in, back_out, back_paths);
    }
}

/// Runs jobs with one jrsonnet state until [`BATCH`] files are evaluated (`false`) or the
/// input ends (`true`).
fn batch(
    input: &mut Input,
    output: &mut Output,
    sources: &Arc<Sources>,
    paths: &mut Vec<String>,
    walks: &Arc<Walks>,
) -> std::io::Result<bool> {
    let mut engine: Option<Engine> = None;
    let mut payload = Vec::new();
    let mut evaluated = 0;
    while evaluated < BATCH {
        let job = match wire::read_frame(input, &mut payload)? {
            None => return Ok(true),
            Some(to_worker::PATHS) => {
                *paths = wire::decode_paths(&payload)?;
                engine = None;
                continue;
            }
            Some(to_worker::EVALUATE) => Job::Evaluate(wire::decode_file(&payload, sources)?),
            Some(to_worker::WALK) => Job::Walk(wire::decode_file(&payload, sources)?),
            Some(_) => return Err(wire::malformed()),
        };
        wire::write_frame(output, to_parent::BEGUN, &wire::encode_file(job.file()))?;
        output.flush()?;
        #[cfg(debug_assertions)]
        abort_if_asked(sources, job.file());
        let engine = engine.get_or_insert_with(|| {
            Engine::new(Arc::clone(sources), paths.clone(), Arc::clone(walks))
        });
        let mut written = Ok(());
        engine.run(job, &mut |done| written = send(output, walks, job, done));
        written?;
        if matches!(job, Job::Evaluate(_)) {
            evaluated += 1;
        }
    }
    Ok(false)
}

/// Writes a job's result, after the syntax trees read for it.
fn send(output: &mut Output, walks: &Walks, job: Job, done: Done) -> std::io::Result<()> {
    for (file, walk) in walks.take_fresh() {
        wire::write_frame(output, to_parent::WALKED, &wire::encode_walk(file, &walk))?;
    }
    if matches!(job, Job::Evaluate(_)) {
        wire::write_frame(
            output,
            to_parent::RESOLUTIONS,
            &wire::encode_resolutions(&done.resolutions),
        )?;
    }
    match done.outcome {
        Outcome::Value(json) => wire::write_frame(output, to_parent::VALUE, json.as_bytes())?,
        Outcome::Failed(diagnostic) | Outcome::Walked(Some(diagnostic)) => {
            let json = serde_json::to_vec(&*diagnostic).map_err(std::io::Error::other)?;
            wire::write_frame(output, to_parent::DIAGNOSTIC, &json)?;
        }
        Outcome::Walked(None) => wire::write_frame(output, to_parent::FINE, &[])?,
    }
    output.flush()
}

/// The first line that makes a worker of a debug build abort on the file, as a fault in the
/// engine would: how the tests prove that a worker's end is contained.
#[cfg(debug_assertions)]
pub(crate) const ABORT: &str = "// registry-test: abort the evaluation worker\n";

#[cfg(debug_assertions)]
fn abort_if_asked(sources: &Sources, file: crate::source::FileId) {
    if sources
        .text(file)
        .is_some_and(|text| text.starts_with(ABORT))
    {
        std::process::abort();
    }
}

fn broken(source: &std::io::Error) -> Error {
    Error::Internal {
        message: format!("the evaluation worker lost its parent: {source}"),
    }
}

/// Ends this process when the process that started it ends, whatever this one is doing: a
/// worker never outlives the run it serves.
fn watch_parent() {
    let parent = std::os::unix::process::parent_id();
    let _ = std::thread::Builder::new()
        .name("parent".to_owned())
        .stack_size(64 << 10)
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(ExitStatus::Failure as i32);
                }
            }
        });
}
