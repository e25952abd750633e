//! A [`Diff`] as text: for people (human), for a pull-request comment (markdown: a summary
//! table, details collapsed), or as JSON (the documented shape of [`Diff`]).

use std::fmt::Write as _;

use serde_json::Value;

use super::{Diff, FileChange, Status};

/// How a diff is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DiffFormat {
    /// A list for people.
    Human,
    /// A pull-request comment: a summary table, details collapsed.
    Markdown,
    /// A JSON document.
    Json,
}

/// Renders `diff`; `unified` adds each changed file's unified diff.
pub(crate) fn render(diff: &Diff, format: DiffFormat, unified: bool) -> String {
    match format {
        DiffFormat::Human => human(diff, unified),
        DiffFormat::Markdown => markdown(diff, unified),
        DiffFormat::Json => serde_json::to_string_pretty(diff).expect("diffs serialize") + "\n",
    }
}

fn sign(status: Status) -> char {
    match status {
        Status::Added => '+',
        Status::Removed => '-',
        Status::Changed => '~',
    }
}

fn value(value: Option<&Value>) -> String {
    value.map_or_else(|| "(none)".to_owned(), ToString::to_string)
}

fn counts<T>(items: &[T], status: impl Fn(&T) -> Status) -> String {
    let count = |wanted| items.iter().filter(|item| status(item) == wanted).count();
    format!(
        "{} added, {} removed, {} changed",
        count(Status::Added),
        count(Status::Removed),
        count(Status::Changed)
    )
}

fn unified_diff(file: &FileChange) -> String {
    crate::text::unified_diff(
        file.old.as_deref().unwrap_or_default(),
        file.new.as_deref().unwrap_or_default(),
        &file.path,
    )
}

fn human(diff: &Diff, unified: bool) -> String {
    let mut out = String::new();
    if diff.is_empty() {
        return "no changes\n".to_owned();
    }
    let _ = writeln!(
        out,
        "entities: {}",
        counts(&diff.entities, |change| change.change)
    );
    for entity in &diff.entities {
        let _ = writeln!(
            out,
            "{} {}/{}",
            sign(entity.change),
            entity.kind,
            entity.name
        );
        for field in &entity.fields {
            let _ = writeln!(
                out,
                "    {}: {} → {}",
                field.pointer,
                value(field.old.as_ref()),
                value(field.new.as_ref())
            );
        }
    }
    let _ = writeln!(
        out,
        "generated files: {}",
        counts(&diff.files, |file| file.change)
    );
    for file in &diff.files {
        let _ = writeln!(out, "{} {}", sign(file.change), file.path);
        if unified {
            out.push_str(&unified_diff(file));
        }
    }
    let impact = &diff.impact;
    if !impact.dependents.is_empty() {
        let _ = writeln!(out, "dependents:");
        for (service, dependents) in &impact.dependents {
            let _ = writeln!(out, "    {service}: {}", dependents.join(", "));
        }
    }
    if !impact.terraform.is_empty() {
        let _ = writeln!(
            out,
            "terraform roots to plan: {}",
            impact.terraform.join(", ")
        );
    }
    if !impact.clusters.is_empty() {
        let _ = writeln!(
            out,
            "clusters whose applications change: {}",
            impact.clusters.join(", ")
        );
    }
    for (entity, (old, new)) in &impact.owners {
        let _ = writeln!(out, "owner of {entity}: {old} → {new}");
    }
    out
}

fn markdown(diff: &Diff, unified: bool) -> String {
    let mut out = String::from("### Registry changes\n\n");
    if diff.is_empty() {
        out.push_str("No change to any entity or generated file.\n");
        return out;
    }
    let impact = &diff.impact;
    let _ = writeln!(out, "| | |\n| --- | --- |");
    let _ = writeln!(
        out,
        "| entities | {} |",
        counts(&diff.entities, |change| change.change)
    );
    let _ = writeln!(
        out,
        "| generated files | {} |",
        counts(&diff.files, |file| file.change)
    );
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items
                .iter()
                .map(|item| format!("`{item}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let _ = writeln!(
        out,
        "| Terraform roots to plan | {} |",
        list(&impact.terraform)
    );
    let _ = writeln!(
        out,
        "| clusters whose applications change | {} |",
        list(&impact.clusters)
    );
    let reviewers: std::collections::BTreeSet<&String> =
        impact.reviewers.values().flatten().collect();
    if !reviewers.is_empty() {
        let reviewers: Vec<String> = reviewers.into_iter().cloned().collect();
        let _ = writeln!(out, "| reviewers | {} |", list(&reviewers));
    }
    if !impact.owners.is_empty() {
        let owners: Vec<String> = impact
            .owners
            .iter()
            .map(|(entity, (old, new))| format!("{entity}: {old} → {new}"))
            .collect();
        let _ = writeln!(out, "| owner changes | {} |", list(&owners));
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "<details><summary>Entities ({})</summary>\n",
        diff.entities.len()
    );
    for entity in &diff.entities {
        let _ = writeln!(
            out,
            "- {} `{}/{}`",
            sign(entity.change),
            entity.kind,
            entity.name
        );
        for field in &entity.fields {
            let _ = writeln!(
                out,
                "  - `{}`: `{}` → `{}`",
                field.pointer,
                value(field.old.as_ref()),
                value(field.new.as_ref())
            );
        }
        let dependents = (entity.kind == crate::model::Kind::Service)
            .then(|| impact.dependents.get(&entity.name))
            .flatten();
        if let Some(dependents) = dependents {
            let _ = writeln!(out, "  - depended on by {}", list(dependents));
        }
        let id = format!("{}/{}", entity.kind, entity.name);
        if let Some(reviewers) = impact.reviewers.get(&id) {
            let _ = writeln!(out, "  - reviewers: {}", list(reviewers));
        }
    }
    let _ = writeln!(out, "\n</details>\n");
    let _ = writeln!(
        out,
        "<details><summary>Generated files ({})</summary>\n",
        diff.files.len()
    );
    for file in &diff.files {
        let _ = writeln!(out, "- {} `{}`", sign(file.change), file.path);
    }
    if unified {
        out.push_str("\n```diff\n");
        for file in &diff.files {
            out.push_str(&unified_diff(file));
        }
        out.push_str("```\n");
    }
    let _ = writeln!(out, "\n</details>");
    out
}
