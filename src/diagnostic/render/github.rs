//! GitHub Actions workflow commands, which GitHub shows as annotations on the pull request.

use super::{Position, severity};
use crate::diagnostic::Diagnostic;
use crate::source::Sources;

/// A GitHub Actions workflow command: an annotation on the file and line.
pub(super) fn render(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let escape_data = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_property = |text: &str| escape_data(text).replace(':', "%3A").replace(',', "%2C");
    let mut properties = Vec::new();
    if let Some(label) = &diagnostic.primary {
        let position = Position::new(sources, &label.location);
        properties.push(format!("file={}", escape_property(&position.path)));
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
    let mut message = diagnostic.message.clone();
    for note in &diagnostic.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
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
    use super::super::fixture;

    #[test]
    fn workflow_commands_with_escaped_properties_and_data() {
        let sources = fixture::sources();
        let lines: Vec<String> = fixture::diagnostics()
            .iter()
            .map(|diagnostic| super::render(diagnostic, &sources))
            .collect();
        assert_eq!(
            lines,
            [
                "::error file=registry/teams/payments.jsonnet,line=3,col=3,endLine=3,\
                 endColumn=8,title=registry schema-violation::team `payments` has an unknown \
                 field `parnt`%0Anote: a note, with a comma: and a colon%0Ahelp: did you mean \
                 `parent`?\n",
                "::warning file=registry/teams/payments.jsonnet,title=registry \
                 unknown-file::50%25 of it%0Ais wrong\n",
            ]
        );
    }
}
