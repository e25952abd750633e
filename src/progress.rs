//! Progress on a terminal, on standard error: how many files have been evaluated of how many,
//! and how many outputs compared or written. The command decides once whether a run may show
//! it ([`allow`]): only when standard error is a terminal, outside CI, for the human and
//! concise formats, and without `--quiet`. Even then a bar appears only once the run has lasted
//! about a second, so a quick run prints nothing, and every bar clears itself when done. The
//! stages only count; they never ask where the count goes.

use std::sync::OnceLock;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes on before it shows progress.
const DELAY: Duration = Duration::from_secs(1);

/// When the run that may show progress began; unset, no progress is shown.
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Lets this run show progress, from now on.
pub(crate) fn allow() {
    let _ = STARTED.set(Instant::now());
}

/// Whether a run with this environment and these choices may show progress: standard error is
/// a terminal that is not `dumb`, `CI` is unset, and nothing asked for silence.
pub(crate) fn wanted(quiet: bool, machine_format: bool) -> bool {
    use std::io::IsTerminal as _;
    !quiet
        && !machine_format
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
}

/// One stage's count. Cheap to update from any thread; hidden until the run is a second old,
/// when a thread of its own shows it and keeps it moving, even while one slow file holds
/// every count still.
pub(crate) struct Bar {
    bar: Option<ProgressBar>,
    /// Tells the thread that shows the bar that the stage is over.
    done: Option<(Sender<()>, JoinHandle<()>)>,
}

impl Bar {
    /// A bar for `total` items: "evaluating 120/10000 files".
    pub(crate) fn new(verb: &'static str, total: usize, noun: &'static str) -> Self {
        Self::with(|| {
            let bar = ProgressBar::with_draw_target(
                Some(u64::try_from(total).unwrap_or(u64::MAX)),
                ProgressDrawTarget::hidden(),
            );
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{spinner}} {verb} {{pos}}/{{len}} {noun} {{wide_bar}} {{elapsed}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        })
    }

    /// A count without a known total: "comparing 420 outputs".
    pub(crate) fn counter(verb: &'static str, noun: &'static str) -> Self {
        Self::with(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template(&format!("{{spinner}} {verb} {{pos}} {noun}"))
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        })
    }

    fn with(make: impl FnOnce() -> ProgressBar) -> Self {
        let Some(started) = STARTED.get() else {
            return Self {
                bar: None,
                done: None,
            };
        };
        let bar = make();
        let wait = DELAY.saturating_sub(started.elapsed());
        if wait.is_zero() {
            // A stage that begins once the run is a second old shows at once, however
            // quickly it then ends.
            show(&bar);
            return Self {
                bar: Some(bar),
                done: None,
            };
        }
        let (sender, receiver) = mpsc::channel::<()>();
        let shown = bar.clone();
        let thread = std::thread::Builder::new()
            .name("progress".to_owned())
            .spawn(move || {
                if receiver.recv_timeout(wait) == Err(RecvTimeoutError::Timeout) {
                    show(&shown);
                }
            });
        Self {
            bar: Some(bar),
            done: thread.ok().map(|thread| (sender, thread)),
        }
    }

    /// Counts `count` more items done.
    pub(crate) fn add(&self, count: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(u64::try_from(count).unwrap_or(u64::MAX));
        }
    }
}

/// Draws `bar` on standard error now, and keeps it moving.
fn show(bar: &ProgressBar) {
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.force_draw();
    bar.enable_steady_tick(Duration::from_millis(100));
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some((sender, thread)) = self.done.take() {
            let _ = sender.send(());
            let _ = thread.join();
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Bar;

    /// Without [`super::allow`], a bar is nothing at all.
    #[test]
    fn a_run_not_allowed_has_no_bar() {
        let bar = Bar::new("evaluating", 10, "files");
        bar.add(3);
        assert!(bar.bar.is_none());
    }
}
