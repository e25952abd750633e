//! One line a diagnostic: `path:line:column: severity[code]: message`, the message on that one
//! line whatever it holds.

use super::{MESSAGE, Options, Position, severity};
use crate::diagnostic::Diagnostic;
use crate::source::Sources;

pub(super) fn render(diagnostic: &Diagnostic, sources: &Sources, options: &Options) -> String {
    let at = diagnostic
        .primary
        .as_ref()
        .map(|label| Position::new(sources, &label.location, &options.paths).short() + ": ")
        .unwrap_or_default();
    format!(
        "{at}{}[{}]: {}\n",
        severity(diagnostic.severity),
        diagnostic.code,
        crate::text::shown(&diagnostic.message, MESSAGE)
    )
}

#[cfg(test)]
mod tests {
    use super::super::{Options, fixture};

    #[test]
    fn one_line_each() {
        let sources = fixture::sources();
        let lines: Vec<String> = fixture::diagnostics()
            .iter()
            .map(|diagnostic| super::render(diagnostic, &sources, &Options::default()))
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

    #[test]
    fn hostile_text_stays_on_its_line() {
        let sources = fixture::sources();
        let mut diagnostic = fixture::diagnostics().remove(0);
        diagnostic.message = format!("x\n::error file=a::pwned\x1b[2J{}", "y".repeat(5000));
        let line = super::render(&diagnostic, &sources, &Options::default());
        assert_eq!(line.matches('\n').count(), 1);
        assert!(
            line.contains("x\\n::error file=a::pwned\\u{1b}[2J"),
            "{line}"
        );
        assert!(line.len() < 1200, "{}", line.len());
    }
}
