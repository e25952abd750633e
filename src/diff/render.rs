//! A [`Diff`] as text: for people (human), for a pull-request comment (markdown: a summary
//! table, details collapsed), or as JSON (the contract in `schemas/diff.schema.json`). Every
//! value is escaped and bounded; the human format lists a bounded number of items unless
//! `--verbose`, and the markdown always stays under [`MARKDOWN_BYTES`], GitHub's limit for a
//! comment being 65,536 characters, summarising with counts what does not fit.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::{Diff, EntityChange, FileChange, Status};
use crate::diagnostic::render::json::Report;
use crate::text::{Cut, bounded, cut_lines, json_prefix, json_shown, shown};

/// The version of the document `diff --format json` prints.
pub(crate) const API_VERSION: &str = "registry.dev/diff/v1";

/// Characters of a name or a pointer shown at most.
const NAME: usize = 300;
/// Characters of a field's value shown by the human and markdown formats at most.
const VALUE: usize = 200;
/// Bytes of a field's value in JSON at most; a longer one is given as the start of its JSON
/// text, with `truncated`.
const JSON_VALUE: usize = 4096;
/// Items of each list in the human format without `--verbose`: entities, files, names.
const ITEMS: usize = 200;
const FIELDS: usize = 20;
const NAMES: usize = 20;
/// Characters of a sentence saying what a change destroys, at most.
const REASON: usize = 1000;
/// Bytes of the human format without `--verbose`.
const HUMAN_BYTES: usize = 1 << 20;
/// Bytes of the markdown, always; what does not fit is counted.
pub(crate) const MARKDOWN_BYTES: usize = 60_000;
/// Bytes kept free for the markdown's closing lines.
const MARKDOWN_RESERVE: usize = 2_000;
/// Names in a cell of the markdown's table.
const CELL_NAMES: usize = 10;
/// How much of one file's unified diff is shown, without `--verbose` and in markdown.
const UNIFIED: Cut = Cut {
    lines: 200,
    bytes: 16 * 1024,
    line: 1000,
};

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

/// What to show.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options {
    /// Each changed file's unified diff.
    pub(crate) unified: bool,
    /// Every item, and every line of each unified diff (the markdown keeps its bound).
    pub(crate) verbose: bool,
}

/// `diff` for people, safe to print.
pub(crate) fn human(diff: &Diff, options: Options) -> String {
    crate::text::inert(human_text(diff, options))
}

/// `diff` as a pull-request comment, safe to print, under [`MARKDOWN_BYTES`].
pub(crate) fn markdown(diff: &Diff, options: Options) -> String {
    crate::text::inert(markdown_text(diff, options))
}

/// The comment when a side has problems: for each such side, what it is (e.g. "the working
/// tree") and its diagnostics, one a line, each side's shown in at most a share of the bound.
pub(crate) fn markdown_problems(sides: &[(String, String)]) -> String {
    let mut out = String::from("### Registry changes\n\n");
    let share = (MARKDOWN_BYTES - MARKDOWN_RESERVE) / sides.len().max(1) - 200;
    for (side, diagnostics) in sides {
        let text = cut_lines(
            diagnostics,
            Cut {
                lines: usize::MAX,
                bytes: share,
                line: 1000,
            },
            "`registry check` shows them",
        );
        let fence = "`".repeat((longest_run(&text, '`') + 1).max(3));
        let side = shown(side, NAME);
        let mut characters = side.chars();
        let side: String = characters
            .next()
            .map(|first| first.to_uppercase().chain(characters).collect())
            .unwrap_or_default();
        let _ = write!(
            out,
            "{side} has problems, so there is nothing to compare:\n\n{fence}text\n{text}\n{fence}\n\n"
        );
    }
    crate::text::inert(out)
}

/// Each side's diagnostics, as `check --format json` reports them.
#[derive(Default, Serialize)]
pub(crate) struct Problems<'a> {
    pub(crate) base: Option<Report<'a>>,
    pub(crate) head: Option<Report<'a>>,
}

/// The JSON document: the revision compared with, each side's problems, and, when both sides
/// compiled without errors, the diff.
pub(crate) fn json<'a>(diff: Option<&'a Diff>, base: &'a str, problems: Problems<'a>) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Document<'a> {
        api_version: &'static str,
        base: Cow<'a, str>,
        compared: bool,
        problems: Problems<'a>,
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        diff: Option<Shown<'a>>,
    }
    #[derive(Serialize)]
    struct Shown<'a> {
        entities: Vec<Entity<'a>>,
        files: Vec<File<'a>>,
        impact: Impact<'a>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Entity<'a> {
        kind: String,
        name: Cow<'a, str>,
        change: Status,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        fields: Vec<Field<'a>>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        depended_on_by: Vec<Cow<'a, str>>,
    }
    #[derive(Serialize)]
    struct Field<'a> {
        pointer: Cow<'a, str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        old: Option<Cow<'a, Value>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        new: Option<Cow<'a, Value>>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        truncated: bool,
    }
    #[derive(Serialize)]
    struct File<'a> {
        path: Cow<'a, str>,
        change: Status,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        destructive: Vec<Cow<'a, str>>,
    }
    #[derive(Serialize)]
    struct Impact<'a> {
        dependents: Vec<Cow<'a, str>>,
        terraform: Vec<Cow<'a, str>>,
        clusters: Vec<Cow<'a, str>>,
        owners: BTreeMap<Cow<'a, str>, [Cow<'a, str>; 2]>,
        reviewers: Vec<Cow<'a, str>>,
    }
    let name = |name: &'a String| bounded(name, NAME);
    let names = |names: &'a [String]| names.iter().map(name).collect::<Vec<_>>();
    let value = |value: &'a Option<Value>, truncated: &mut bool| {
        value.as_ref().map(|value| {
            let (prefix, cut) = json_prefix(value, JSON_VALUE);
            if cut {
                *truncated = true;
                Cow::Owned(Value::String(prefix + "…"))
            } else {
                Cow::Borrowed(value)
            }
        })
    };
    let shown = diff.map(|diff| Shown {
        entities: diff
            .entities
            .iter()
            .map(|entity| Entity {
                kind: entity.kind.to_string(),
                name: name(&entity.name),
                change: entity.change,
                fields: entity
                    .fields
                    .iter()
                    .map(|field| {
                        let mut truncated = false;
                        let old = value(&field.old, &mut truncated);
                        let new = value(&field.new, &mut truncated);
                        Field {
                            pointer: bounded(&field.pointer, NAME),
                            old,
                            new,
                            truncated,
                        }
                    })
                    .collect(),
                depended_on_by: names(&entity.depended_on_by),
            })
            .collect(),
        files: diff
            .files
            .iter()
            .map(|file| File {
                path: bounded(&file.path, NAME),
                change: file.change,
                destructive: file
                    .destructive
                    .iter()
                    .map(|reason| bounded(reason, REASON))
                    .collect(),
            })
            .collect(),
        impact: Impact {
            dependents: names(&diff.impact.dependents),
            terraform: names(&diff.impact.terraform),
            clusters: names(&diff.impact.clusters),
            owners: diff
                .impact
                .owners
                .iter()
                .map(|(entity, (old, new))| (name(entity), [name(old), name(new)]))
                .collect(),
            reviewers: names(&diff.impact.reviewers),
        },
    });
    crate::diagnostic::render::json::to_json(&Document {
        api_version: API_VERSION,
        base: bounded(base, NAME),
        compared: shown.is_some(),
        problems,
        diff: shown,
    })
}

fn sign(status: Status) -> char {
    match status {
        Status::Added => '+',
        Status::Removed => '-',
        Status::Changed => '~',
    }
}

fn value(value: Option<&Value>) -> String {
    value.map_or_else(|| "(none)".to_owned(), |value| json_shown(value, VALUE))
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

fn unified_diff(file: &FileChange, cut: Cut, more: &str) -> String {
    let diff = crate::text::unified_diff(
        file.old.as_deref().unwrap_or_default(),
        file.new.as_deref().unwrap_or_default(),
        &file.path,
    );
    cut_lines(&diff, cut, more)
}

/// At most `max` of `names`, each escaped, joined by `, `, and how many more there are.
fn name_list(names: &[String], max: usize, quote: &str) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(max)
        .map(|name| format!("{quote}{}{quote}", self::shown(name, NAME)))
        .collect();
    if names.len() > max {
        shown.push(format!("and {} more", names.len() - max));
    }
    shown.join(", ")
}

/// Whether `text` appended to `out` stays within `limit` bytes.
fn fits(out: &str, text: &str, limit: usize) -> bool {
    out.len() + text.len() <= limit
}

fn entity_title(entity: &EntityChange) -> String {
    format!("{}/{}", entity.kind, shown(&entity.name, NAME))
}

fn human_text(diff: &Diff, options: Options) -> String {
    if diff.is_empty() {
        return "no changes\n".to_owned();
    }
    let (items, fields, names, limit) = if options.verbose {
        (usize::MAX, usize::MAX, usize::MAX, usize::MAX)
    } else {
        (ITEMS, FIELDS, NAMES, HUMAN_BYTES)
    };
    let more = "`--verbose` lists them all";
    let mut out = String::new();
    let _ = writeln!(
        out,
        "entities: {}",
        counts(&diff.entities, |change| change.change)
    );
    for (index, entity) in diff.entities.iter().enumerate() {
        let mut text = format!("{} {}\n", sign(entity.change), entity_title(entity));
        for field in entity.fields.iter().take(fields) {
            let _ = writeln!(
                text,
                "    {}: {} → {}",
                shown(&field.pointer, NAME),
                value(field.old.as_ref()),
                value(field.new.as_ref())
            );
        }
        if entity.fields.len() > fields {
            let _ = writeln!(
                text,
                "    … and {} more fields ({more})",
                entity.fields.len() - fields
            );
        }
        if !entity.depended_on_by.is_empty() {
            let _ = writeln!(
                text,
                "    depended on by: {}",
                name_list(&entity.depended_on_by, names, "")
            );
        }
        if index >= items || !fits(&out, &text, limit) {
            let _ = writeln!(
                out,
                "… and {} more entities ({more})",
                diff.entities.len() - index
            );
            break;
        }
        out.push_str(&text);
    }
    let _ = writeln!(
        out,
        "generated files: {}",
        counts(&diff.files, |file| file.change)
    );
    let cut = if options.verbose {
        Cut::lines_only(UNIFIED.line)
    } else {
        UNIFIED
    };
    for (index, file) in diff.files.iter().enumerate() {
        let mut text = format!("{} {}\n", sign(file.change), shown(&file.path, NAME));
        for reason in &file.destructive {
            let _ = writeln!(text, "    destructive: {}", shown(reason, REASON));
        }
        if options.unified {
            text.push_str(&unified_diff(file, cut, "`--verbose` shows them"));
            text.push('\n');
        }
        if index >= items || !fits(&out, &text, limit) {
            let _ = writeln!(
                out,
                "… and {} more files ({more})",
                diff.files.len() - index
            );
            let destructive = left_destructive(&diff.files[index..]);
            if destructive > 0 {
                let _ = writeln!(
                    out,
                    "    destructive: {destructive} of them destroy something in a cluster ({more})"
                );
            }
            break;
        }
        out.push_str(&text);
    }
    let impact = &diff.impact;
    if !impact.dependents.is_empty() {
        let _ = writeln!(
            out,
            "dependents ({}): {}",
            impact.dependents.len(),
            name_list(&impact.dependents, names, "")
        );
    }
    if !impact.terraform.is_empty() {
        let _ = writeln!(
            out,
            "terraform roots to plan: {}",
            name_list(&impact.terraform, names, "")
        );
    }
    if !impact.clusters.is_empty() {
        let _ = writeln!(
            out,
            "clusters whose applications change: {}",
            name_list(&impact.clusters, names, "")
        );
    }
    if !impact.reviewers.is_empty() {
        let _ = writeln!(
            out,
            "reviewers: {}",
            name_list(&impact.reviewers, names, "")
        );
    }
    for (index, (entity, (old, new))) in impact.owners.iter().enumerate() {
        if index >= names {
            let _ = writeln!(
                out,
                "… and {} more owner changes ({more})",
                impact.owners.len() - index
            );
            break;
        }
        let _ = writeln!(
            out,
            "owner of {}: {} → {}",
            shown(entity, NAME),
            shown(old, NAME),
            shown(new, NAME)
        );
    }
    out
}

/// How many of `files` destroy something in a cluster.
fn left_destructive(files: &[FileChange]) -> usize {
    files
        .iter()
        .filter(|file| !file.destructive.is_empty())
        .count()
}

/// `text` as a markdown code span: escaped, and fenced by more backticks than it holds.
fn code(text: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// The longest run of `character` in `text`.
fn longest_run(text: &str, character: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for next in text.chars() {
        run = if next == character { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A list for a cell of the markdown's table: code spans, `|` escaped, at most
/// [`CELL_NAMES`] of them.
fn cell(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    let mut shown: Vec<String> = items
        .iter()
        .take(CELL_NAMES)
        .map(|item| code(&shown(item, NAME / 3)).replace('|', "\\|"))
        .collect();
    if items.len() > CELL_NAMES {
        shown.push(format!("and {} more", items.len() - CELL_NAMES));
    }
    shown.join(", ")
}

fn markdown_text(diff: &Diff, options: Options) -> String {
    let mut out = String::from("### Registry changes\n\n");
    if diff.is_empty() {
        out.push_str("No change to any entity or generated file.\n");
        return out;
    }
    let limit = MARKDOWN_BYTES - MARKDOWN_RESERVE;
    let (items, fields) = if options.verbose {
        (usize::MAX, usize::MAX)
    } else {
        (ITEMS, FIELDS)
    };
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
    let _ = writeln!(
        out,
        "| Terraform roots to plan | {} |",
        cell(&impact.terraform)
    );
    let _ = writeln!(
        out,
        "| clusters whose applications change | {} |",
        cell(&impact.clusters)
    );
    let destructive: Vec<&String> = diff
        .files
        .iter()
        .flat_map(|file| &file.destructive)
        .collect();
    if !destructive.is_empty() {
        let mut reasons: Vec<String> = destructive
            .iter()
            .take(CELL_NAMES)
            .map(|reason| shown(reason, REASON).replace('|', "\\|"))
            .collect();
        if destructive.len() > CELL_NAMES {
            reasons.push(format!("and {} more", destructive.len() - CELL_NAMES));
        }
        let _ = writeln!(
            out,
            "| :warning: **destructive** | {} |",
            reasons.join("<br>")
        );
    }
    if !impact.dependents.is_empty() {
        let _ = writeln!(
            out,
            "| services depending on a change ({}) | {} |",
            impact.dependents.len(),
            cell(&impact.dependents)
        );
    }
    if !impact.reviewers.is_empty() {
        let _ = writeln!(out, "| reviewers | {} |", cell(&impact.reviewers));
    }
    if !impact.owners.is_empty() {
        let owners: Vec<String> = impact
            .owners
            .iter()
            .map(|(entity, (old, new))| format!("{entity}: {old} → {new}"))
            .collect();
        let _ = writeln!(out, "| owner changes | {} |", cell(&owners));
    }
    out.push('\n');
    let more = "`registry diff` lists them all";
    let _ = writeln!(
        out,
        "<details><summary>Entities ({})</summary>\n",
        diff.entities.len()
    );
    for (index, entity) in diff.entities.iter().enumerate() {
        let mut text = format!(
            "- {} {}\n",
            sign(entity.change),
            code(&entity_title(entity))
        );
        for field in entity.fields.iter().take(fields) {
            let _ = writeln!(
                text,
                "  - {}: {} → {}",
                code(&shown(&field.pointer, NAME)),
                code(&value(field.old.as_ref())),
                code(&value(field.new.as_ref()))
            );
        }
        if entity.fields.len() > fields {
            let _ = writeln!(
                text,
                "  - … and {} more fields",
                entity.fields.len() - fields
            );
        }
        if !entity.depended_on_by.is_empty() {
            let names: Vec<String> = entity
                .depended_on_by
                .iter()
                .take(CELL_NAMES)
                .map(|name| code(&shown(name, NAME)))
                .collect();
            let rest = entity.depended_on_by.len().saturating_sub(CELL_NAMES);
            let _ = writeln!(
                text,
                "  - depended on by {}{}",
                names.join(", "),
                if rest > 0 {
                    format!(", and {rest} more")
                } else {
                    String::new()
                }
            );
        }
        if index >= items || !fits(&out, &text, limit) {
            let _ = writeln!(
                out,
                "- … and {} more entities ({more})",
                diff.entities.len() - index
            );
            break;
        }
        out.push_str(&text);
    }
    let _ = writeln!(out, "\n</details>\n");
    let _ = writeln!(
        out,
        "<details><summary>Generated files ({})</summary>\n",
        diff.files.len()
    );
    for (index, file) in diff.files.iter().enumerate() {
        let mut text = format!(
            "- {} {}\n",
            sign(file.change),
            code(&shown(&file.path, NAME))
        );
        for reason in &file.destructive {
            let _ = writeln!(text, "  - **destructive**: {}", shown(reason, REASON));
        }
        if index >= items || !fits(&out, &text, limit) {
            let _ = writeln!(
                out,
                "- … and {} more files ({more})",
                diff.files.len() - index
            );
            break;
        }
        out.push_str(&text);
    }
    if options.unified {
        // Each file's diff while they fit; the fence is longer than any run of backticks in
        // them.
        let mut diffs = String::new();
        for (index, file) in diff.files.iter().enumerate() {
            let text = unified_diff(file, UNIFIED, "`registry diff --unified` shows them") + "\n";
            if out.len() + diffs.len() + text.len() + 64 > limit {
                let _ = writeln!(
                    diffs,
                    "… {} more files' diffs left out (`registry diff --unified` shows them)",
                    diff.files.len() - index
                );
                break;
            }
            diffs.push_str(&text);
        }
        let fence = "`".repeat((longest_run(&diffs, '`') + 1).max(3));
        let _ = write!(out, "\n{fence}diff\n{diffs}{fence}\n");
    }
    let _ = writeln!(out, "\n</details>");
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Options, code, human, markdown, markdown_problems};
    use crate::diff::{Diff, EntityChange, FieldChange, FileChange, Status};
    use crate::emit::Target;
    use crate::model::Kind;

    /// A diff of `count` entities and files, every name and value long and hostile.
    fn huge(count: usize) -> Diff {
        let name = |index: usize| format!("s{index}`|<details>\u{1b}[2J{}", "n".repeat(400));
        let mut diff = Diff::default();
        for index in 0..count {
            diff.entities.push(EntityChange {
                kind: Kind::Service,
                name: name(index),
                change: Status::Changed,
                fields: (0..30)
                    .map(|field| FieldChange {
                        pointer: format!("/annotations/{field}\n::error::x"),
                        old: Some(json!("o".repeat(2_000))),
                        new: Some(json!({ "deep": ["```", "x".repeat(2_000)] })),
                    })
                    .collect(),
                depended_on_by: (0..50).map(name).collect(),
            });
            diff.files.push(FileChange {
                path: format!("argocd/clusters/{}.yaml", name(index)),
                target: Target::Namespaces {
                    cluster: name(index),
                },
                change: Status::Changed,
                destructive: vec![format!("Application `{}` is removed", name(index)); 3],
                old: Some("```\na\n".repeat(1000).into_bytes()),
                new: Some("```\nb\n".repeat(1000).into_bytes()),
            });
        }
        diff.impact.dependents = (0..count).map(name).collect();
        diff.impact.terraform = (0..count).map(name).collect();
        diff.impact.owners = (0..count)
            .map(|index| (name(index), (name(index), name(index + 1))))
            .collect();
        diff
    }

    #[test]
    fn markdown_always_fits_a_comment() {
        let diff = huge(300);
        for verbose in [false, true] {
            let text = markdown(
                &diff,
                Options {
                    unified: true,
                    verbose,
                },
            );
            assert!(text.chars().count() < 65_536, "{}", text.len());
            assert!(
                text.ends_with("```\n\n</details>\n"),
                "{}",
                &text[text.len() - 300..]
            );
            assert!(text.contains("more entities"), "{text}");
            assert!(text.contains("| :warning: **destructive** |"), "{text}");
            assert!(text.contains("<br>and 890 more |"), "{text}");
            assert!(!text.contains('\u{1b}'));
            assert!(!text.lines().any(|line| line.trim_start().starts_with("::")));
        }
        let problems = markdown_problems(&[
            ("the base".to_owned(), "x\n".repeat(1_000_000)),
            ("the working tree".to_owned(), "```\n".repeat(100_000)),
        ]);
        assert!(problems.len() < 65_536, "{}", problems.len());
        assert!(
            problems.contains("\n````text\n```\n"),
            "{}",
            &problems[..2000]
        );
    }

    #[test]
    fn human_is_bounded_unless_verbose() {
        let diff = huge(300);
        let text = human(&diff, Options::default());
        assert!(text.len() < 1_100_000, "{}", text.len());
        assert!(text.contains("more entities (`--verbose` lists them all)"));
        assert!(text.contains("… and 10 more fields"));
        assert!(text.contains("and 30 more"));
        let left = text
            .lines()
            .find(|line| line.contains("more files"))
            .unwrap_or_default();
        assert!(
            text.contains(&format!(
                "    destructive: {} of them destroy something in a cluster",
                left.split(' ').nth(2).unwrap_or_default()
            )),
            "{left}"
        );
        assert!(!text.contains("    destructive: 0 of them"));
        let all = human(
            &diff,
            Options {
                unified: false,
                verbose: true,
            },
        );
        assert_eq!(all.matches("\n~ service/").count(), 300);
        assert!(!all.contains('\u{1b}'));
    }

    #[test]
    fn code_spans_hold_any_text() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a``"), "``` `a`` ```");
    }
}
