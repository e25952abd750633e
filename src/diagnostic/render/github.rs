//! GitHub Actions workflow commands, which GitHub shows as annotations on the pull request.
//! Each command is exactly one line: every value is escaped first (control characters
//! written out), then as GitHub documents for workflow commands (`%`, `\r`, `\n`, and in
//! properties `:` and `,`).

use super::{MAX_NOTES, MESSAGE, NOTE, Options, PATH, Position, severity};
use crate::diagnostic::Diagnostic;
use crate::source::Sources;
use crate::text::{shown, shown_lines};

/// A value in a command's data: after the `::` that ends its properties.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property's value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A GitHub Actions workflow command: an annotation on the file and line.
pub(super) fn render(diagnostic: &Diagnostic, sources: &Sources, options: &Options) -> String {
    let mut properties = Vec::new();
    if let Some(label) = &diagnostic.primary {
        let position = Position::new(sources, &label.location, &options.paths);
        properties.push(format!(
            "file={}",
            escape_property(&shown(&position.path, PATH))
        ));
        for (name, value) in [
            ("line", position.line),
            ("col", position.column),
            ("endLine", position.end_line),
            ("endColumn", position.end_column),
        ] {
            if let Some(value) = value {
                properties.push(format!("{name}={value}"));
            }
        }
    }
    properties.push(format!(
        "title={}",
        escape_property(&format!("registry {}", diagnostic.code))
    ));
    let mut message = shown(&diagnostic.message, MESSAGE);
    for note in diagnostic.notes.iter().take(MAX_NOTES) {
        message.push_str("\nnote: ");
        message.push_str(&shown_lines(note, NOTE));
    }
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(&shown(help, MESSAGE));
    }
    format!(
        "::{} {}::{}\n",
        severity(diagnostic.severity),
        properties.join(","),
        escape_data(&message)
    )
}

#[cfg(test)]
mod tests {
    use super::super::{Options, fixture};
    use crate::diagnostic::Location;

    #[test]
    fn workflow_commands_with_escaped_properties_and_data() {
        let sources = fixture::sources();
        let lines: Vec<String> = fixture::diagnostics()
            .iter()
            .map(|diagnostic| super::render(diagnostic, &sources, &Options::default()))
            .collect();
        assert_eq!(
            lines,
            [
                "::error file=registry/teams/payments.jsonnet,line=3,col=3,endLine=3,\
                 endColumn=8,title=registry schema-violation::team `payments` has an unknown \
                 field `parnt`%0Anote: a note, with a comma: and a colon%0Ahelp: did you mean \
                 `parent`?\n",
                "::warning file=registry/teams/payments.jsonnet,title=registry \
                 unknown-file::50%25 of it\\nis wrong\n",
            ]
        );
    }

    #[test]
    fn a_hostile_value_cannot_leave_its_command() {
        let sources = fixture::sources();
        let mut diagnostic = fixture::diagnostics().remove(0);
        diagnostic.message = "x\r\n::error file=x::pwned\x1b]0;t\x07".to_owned();
        diagnostic.notes = vec!["a\n::warning::b\r".to_owned()];
        diagnostic.primary = Some(crate::diagnostic::Label::new(
            Location::Output {
                path: "gen/a,b:c\n::error::d".to_owned(),
            },
            "here",
        ));
        let line = super::render(&diagnostic, &sources, &Options::default());
        assert_eq!(
            line,
            "::error file=gen/a%2Cb%3Ac\\n%3A%3Aerror%3A%3Ad,title=registry \
             schema-violation::x\\r\\n::error file=x::pwned\\u{1b}]0;t\\u{7}%0Anote: a%0A::warning::b\\r\
             %0Ahelp: did you mean `parent`?\n"
        );
    }
}
