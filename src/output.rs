//! The one place that writes to the terminal. A closed pipe (`registry check | head`) ends
//! output quietly; it is not an error. Whether to color is decided once, the way clap decides
//! for its own help and errors (anstream and colorchoice): `--color always|never`, else
//! `NO_COLOR` (when not empty), `CLICOLOR_FORCE`, `CLICOLOR`, and whether standard output is
//! a terminal.
#![allow(clippy::print_stderr)]

use std::io::Write;

use crate::Error;
use crate::cli::ColorChoice;

pub(crate) struct Output {
    closed: bool,
    /// Whether standard output is styled, as last decided.
    styled: bool,
}

/// Makes `choice` the color choice of the whole process, clap's help and errors included.
/// Called as soon as `--color` is parsed, so that `--color never --help` is plain.
pub(crate) fn choose_color(choice: ColorChoice) {
    match choice {
        ColorChoice::Auto => colorchoice::ColorChoice::Auto,
        ColorChoice::Always => colorchoice::ColorChoice::Always,
        ColorChoice::Never => colorchoice::ColorChoice::Never,
    }
    .write_global();
}

impl Output {
    pub(crate) fn stdout() -> Self {
        Self {
            closed: false,
            styled: Self::decide(),
        }
    }

    pub(crate) fn set_color(&mut self, color: ColorChoice) {
        choose_color(color);
        self.styled = Self::decide();
    }

    fn decide() -> bool {
        anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
    }

    /// Whether to style what goes to standard output.
    pub(crate) fn styled(&self) -> bool {
        self.styled
    }

    /// Writes `text` to standard output.
    pub(crate) fn print(&mut self, text: &str) {
        if self.closed {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            self.closed = true;
        }
    }

    /// Reports a tool failure and its causes on standard error, each on one line, escaped
    /// (a cause may quote a path or a server's reply).
    pub(crate) fn error(error: &Error) {
        let line = |text: String| crate::text::inert(crate::text::shown(&text, 4000));
        eprintln!("{}", line(format!("error: {error}")));
        for cause in error.causes() {
            eprintln!("{}", line(format!("caused by: {cause}")));
        }
        if let Some(help) = error.help() {
            eprintln!("{}", line(format!("help: {help}")));
        }
    }
}
