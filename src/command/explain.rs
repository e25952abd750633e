//! `registry explain ENTITY` and `registry explain CODE`: an entity's owner, relations,
//! dependencies, placement and generated files; or a diagnostic code's documentation and a
//! worked example, as `rustc --explain` gives.

use std::fmt::Write as _;
use std::str::FromStr;

use serde_json::json;

use crate::cli::ExplainArgs;
use crate::diagnostic::{Code, Severity};
use crate::explore::ExplainFormat;
use crate::explore::examples::{Step, example};
use crate::output::Output;
use crate::workspace::Workspace;
use crate::{ExitStatus, Result};

/// The width code documentation is wrapped to.
const WIDTH: usize = 92;

pub(super) fn run(
    workspace: &Workspace,
    args: &ExplainArgs,
    out: &mut Output,
) -> Result<ExitStatus> {
    if let Ok(code) = Code::from_str(&args.subject) {
        out.print(&code_text(code, args.format));
        return Ok(ExitStatus::Clean);
    }
    let compilation = super::compile_dir(workspace)?;
    let Some(graph) = super::graph::linked(workspace, &compilation, out) else {
        return Ok(ExitStatus::Problems);
    };
    let id = crate::explore::find(&graph.registry, &args.subject)?;
    let outputs = crate::emit::everything(graph, compilation.sources());
    let explanation = crate::explore::explain::explain(graph, compilation.sources(), &outputs, &id);
    out.print(&match args.format {
        ExplainFormat::Human => explanation.human(),
        ExplainFormat::Json => explanation.json(),
    });
    Ok(ExitStatus::Clean)
}

/// A code's documentation, one paragraph.
fn documentation(code: Code) -> String {
    use strum::EnumMessage as _;
    code.get_documentation()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn severity(code: Code) -> &'static str {
    match (code.is_policy(), code.default_severity()) {
        (true, _) => "error (policy)",
        (false, Severity::Error) => "error",
        (false, Severity::Warning) => "warning",
    }
}

/// `text` wrapped at [`WIDTH`] columns.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

fn code_text(code: Code, format: ExplainFormat) -> String {
    let steps = example(code).unwrap_or_default();
    if format == ExplainFormat::Json {
        let steps: Vec<serde_json::Value> = steps
            .iter()
            .map(|step| match step {
                Step::File { path, note, text } => {
                    json!({ "file": path, "note": note, "text": text })
                }
                Step::Run { args, stdout } => {
                    json!({ "run": format!("registry {args}").trim_end(), "stdout": stdout })
                }
            })
            .collect();
        let value = json!({
            "code": code.to_string(),
            "severity": severity(code),
            "documentation": documentation(code),
            "example": steps,
        });
        let mut text = serde_json::to_string_pretty(&value).expect("JSON serializes");
        text.push('\n');
        return text;
    }
    let level = match code.default_severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!("{level}[{code}]\n\n");
    out.push_str(&wrap(&documentation(code)));
    if code.is_policy() {
        out.push('\n');
        out.push_str(&wrap(&format!(
            "A policy: the settings set its severity, `policies: {{ '{code}': 'error' }}` \
             (or `'warning'`, or `'off'`)."
        )));
    }
    if !steps.is_empty() {
        out.push_str("\nExample:\n");
    }
    for step in &steps {
        match step {
            Step::File { path, note, text } => {
                let _ = writeln!(
                    out,
                    "\n  {path}{}",
                    note.map(|note| format!(" ({note})")).unwrap_or_default()
                );
                quote(&mut out, text);
            }
            Step::Run { args, stdout } => {
                let _ = writeln!(out, "\n  $ registry {args}");
                quote(&mut out, stdout);
            }
        }
    }
    out
}

/// `text` indented under a bar, so an example's files and output stand apart.
fn quote(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("  │\n");
        } else {
            let _ = writeln!(out, "  │ {line}");
        }
    }
}
