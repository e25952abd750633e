//! One line a diagnostic: `path:line:column: severity[code]: message`, the message on that one
//! line whatever it holds.

use super::{Position, severity};
use crate::diagnostic::Diagnostic;
use crate::source::Sources;

pub(super) fn render(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let at = diagnostic
        .primary
        .as_ref()
        .map(|label| Position::new(sources, &label.location).short() + ": ")
        .unwrap_or_default();
    format!(
        "{at}{}[{}]: {}\n",
        severity(diagnostic.severity),
        diagnostic.code,
        crate::text::shown(&diagnostic.message, usize::MAX)
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixture;

    #[test]
    fn one_line_each() {
        let sources = fixture::sources();
        let lines: Vec<String> = fixture::diagnostics()
            .iter()
            .map(|diagnostic| super::render(diagnostic, &sources))
            .collect();
        assert_eq!(
            lines,
            [
                "registry/teams/payments.jsonnet:3:3: error[schema-violation]: team `payments` \
                 has an unknown field `parnt`\n",
                "registry/teams/payments.jsonnet: warning[unknown-file]: 50% of it\\nis wrong\n",
            ]
        );
    }
}
