//! The one place that writes to the terminal. A closed pipe (`registry check | head`) ends
//! output quietly; it is not an error.
#![allow(clippy::print_stderr)]

use std::io::{IsTerminal, Write};

use crate::Error;
use crate::cli::ColorChoice;

pub(crate) struct Output {
    color: ColorChoice,
    closed: bool,
}

impl Output {
    pub(crate) fn stdout() -> Self {
        Self {
            color: ColorChoice::Auto,
            closed: false,
        }
    }

    pub(crate) fn set_color(&mut self, color: ColorChoice) {
        self.color = color;
    }

    /// Whether to style what goes to standard output.
    pub(crate) fn styled(&self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
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

    /// Reports a tool failure and its causes on standard error.
    pub(crate) fn error(error: &Error) {
        eprintln!("error: {error}");
        for cause in error.causes() {
            eprintln!("caused by: {cause}");
        }
        if let Some(help) = error.help() {
            eprintln!("help: {help}");
        }
    }
}
