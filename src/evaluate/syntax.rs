//! The syntax tree of a Jsonnet file, read before jrsonnet evaluates anything: how deep it
//! nests, and every `import`, `importstr` and `importbin` literal in it with its position. The
//! walk uses an explicit stack, and a tree too deep to keep is taken apart node by node, so
//! neither the walk nor dropping the tree can exhaust the stack however deep the file is.

use std::ops::Range;

use jrsonnet_ir::{
    ArgsDesc, AssertStmt, BindSpec, CompSpec, Destruct, Expr, ExprParams, FieldMember, FieldName,
    IStr, ImportKind, ObjBody, Source, Span,
};
use jrsonnet_lexer::{Lexer, SyntaxKind};

/// The deepest syntax tree a registry file may have. jrsonnet's analysis and the drop of its
/// trees recurse once per level, so a limit keeps them far from the end of the stack.
pub(crate) const MAX_SYNTAX_DEPTH: usize = 256;

/// What reading a file's syntax tree found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Walk {
    pub(crate) verdict: Verdict,
    /// Every import literal, in the order they are written; empty unless the tree was read
    /// whole.
    pub(crate) imports: Vec<ImportLiteral>,
}

/// Whether jrsonnet may be given the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Within the limits.
    Fine,
    /// Deeper than [`MAX_SYNTAX_DEPTH`]; where, when some part of the deep chain has a position.
    TooDeep { range: Option<Range<usize>> },
    /// The file starts with a UTF-8 byte order mark, which Jsonnet does not accept.
    ByteOrderMark,
    /// The parser rejected it: jrsonnet reports why, with the same parser.
    Unparsed,
}

/// One import in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ImportLiteral {
    pub(crate) kind: Import,
    /// The path as Jsonnet reads it: escapes resolved, a text block's lines joined.
    pub(crate) path: String,
    /// The string literal, quotes included; the keyword when no literal follows it.
    pub(crate) range: Range<usize>,
}

/// Which of the three imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Import {
    /// `import`: the file is parsed as Jsonnet.
    Code,
    /// `importstr`: the file's text.
    Str,
    /// `importbin`: the file's bytes.
    Bin,
}

const BYTE_ORDER_MARK: char = '\u{feff}';

/// Parses `text` and reads its tree: depth first, then imports.
pub(crate) fn walk(text: &str) -> Walk {
    if text.starts_with(BYTE_ORDER_MARK) {
        return Walk {
            verdict: Verdict::ByteOrderMark,
            imports: Vec::new(),
        };
    }
    if let Some(range) = brackets_too_deep(text, MAX_SYNTAX_DEPTH) {
        return Walk {
            verdict: Verdict::TooDeep { range: Some(range) },
            imports: Vec::new(),
        };
    }
    let settings = jrsonnet_ir_parser::ParserSettings {
        source: Source::new_virtual(IStr::empty(), IStr::empty()),
    };
    let Ok(tree) = jrsonnet_ir_parser::parse(text, &settings) else {
        return Walk {
            verdict: Verdict::Unparsed,
            imports: Vec::new(),
        };
    };
    let walk = read(&tree, text, MAX_SYNTAX_DEPTH);
    if walk.verdict == Verdict::Fine {
        drop(tree);
    } else {
        dismantle(tree);
    }
    walk
}

/// The first bracket nested deeper than `limit`, found on the tokens: the parser recurses once
/// per bracket, and a parenthesis leaves no trace in the tree.
fn brackets_too_deep(text: &str, limit: usize) -> Option<Range<usize>> {
    let mut depth = 0usize;
    for lexeme in Lexer::new(text) {
        match lexeme.kind {
            SyntaxKind::L_BRACK | SyntaxKind::L_PAREN | SyntaxKind::L_BRACE => {
                depth += 1;
                if depth > limit {
                    return Some(lexeme.range.0 as usize..lexeme.range.1 as usize);
                }
            }
            SyntaxKind::R_BRACK | SyntaxKind::R_PAREN | SyntaxKind::R_BRACE => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    None
}

/// Reads `tree`, parsed from `text`, refusing it past `limit` levels.
fn read(tree: &Expr, text: &str, limit: usize) -> Walk {
    let mut imports = Vec::new();
    let mut stack: Vec<(&Expr, usize, Option<&Span>)> = vec![(tree, 1, None)];
    while let Some((expr, depth, inherited)) = stack.pop() {
        let here = own_span(expr).or(inherited);
        if depth > limit {
            return Walk {
                verdict: Verdict::TooDeep {
                    range: here.map(|span| span.1 as usize..span.2 as usize),
                },
                imports: Vec::new(),
            };
        }
        if let Expr::Import(kind, path) = expr
            && let Expr::Str(path) = &**path
        {
            imports.push(ImportLiteral {
                kind: match kind.value {
                    ImportKind::Normal => Import::Code,
                    ImportKind::Str => Import::Str,
                    ImportKind::Bin => Import::Bin,
                },
                path: path.to_string(),
                range: literal_after(text, kind.span.2 as usize)
                    .unwrap_or(kind.span.1 as usize..kind.span.2 as usize),
            });
        }
        children(expr, &mut |child, span| {
            stack.push((child, depth + 1, span.or(here)));
        });
    }
    imports.sort_by_key(|import| import.range.start);
    Walk {
        verdict: Verdict::Fine,
        imports,
    }
}

/// The position a node carries itself.
fn own_span(expr: &Expr) -> Option<&Span> {
    match expr {
        Expr::Var(name) => Some(&name.span),
        Expr::Import(kind, _) => Some(&kind.span),
        Expr::ErrorStmt(span, _) => Some(span),
        Expr::Apply(_, args, _) => Some(&args.span),
        _ => None,
    }
}

/// The string literal after an import keyword ending at `from`: comments, blanks and
/// parentheses may stand between them.
fn literal_after(text: &str, from: usize) -> Option<Range<usize>> {
    let rest = text.get(from..)?;
    for lexeme in Lexer::new(rest) {
        match lexeme.kind {
            SyntaxKind::WHITESPACE
            | SyntaxKind::SINGLE_LINE_SLASH_COMMENT
            | SyntaxKind::SINGLE_LINE_HASH_COMMENT
            | SyntaxKind::MULTI_LINE_COMMENT
            | SyntaxKind::L_PAREN => {}
            SyntaxKind::STRING_DOUBLE
            | SyntaxKind::STRING_SINGLE
            | SyntaxKind::STRING_DOUBLE_VERBATIM
            | SyntaxKind::STRING_SINGLE_VERBATIM
            | SyntaxKind::STRING_BLOCK => {
                return Some(from + lexeme.range.0 as usize..from + lexeme.range.1 as usize);
            }
            _ => return None,
        }
    }
    None
}

/// Calls `visit` on each expression directly below `expr`, with the position of the part of
/// `expr` that holds it, when that part has one.
fn children<'a>(expr: &'a Expr, visit: &mut impl FnMut(&'a Expr, Option<&'a Span>)) {
    match expr {
        Expr::Literal(_) | Expr::Str(_) | Expr::Num(_) | Expr::Var(_) => {}
        Expr::Arr(items) => items.iter().for_each(|item| visit(item, None)),
        Expr::ArrComp(body, specs) => {
            visit(body, None);
            comp_specs(specs, visit);
        }
        Expr::Obj(body) => object(body, visit),
        Expr::ObjExtend(base, body) => {
            visit(base, None);
            object(body, visit);
        }
        Expr::UnaryOp(_, operand) => visit(operand, None),
        Expr::BinaryOp(op) => {
            visit(&op.lhs, None);
            visit(&op.rhs, None);
        }
        Expr::AssertExpr(assert) => {
            assertion(&assert.assert, visit);
            visit(&assert.rest, Some(&assert.assert.assertion.span));
        }
        Expr::LocalExpr(binds, body) => {
            for bind in binds {
                binding(bind, visit);
            }
            visit(body, binds.first().and_then(bind_span));
        }
        Expr::Import(kind, path) => visit(path, Some(&kind.span)),
        Expr::ErrorStmt(span, message) => visit(message, Some(span)),
        Expr::Apply(function, args, _) => {
            visit(function, None);
            arguments(&args.value, Some(&args.span), visit);
        }
        Expr::Index { indexable, parts } => {
            visit(indexable, None);
            for part in parts {
                visit(&part.value, Some(&part.span));
            }
        }
        Expr::Function(params, body) => {
            parameters(params, visit);
            visit(
                body,
                params
                    .exprs
                    .first()
                    .map(|param| destruct_span(&param.destruct)),
            );
        }
        Expr::IfElse(branch) => {
            visit(&branch.cond.cond, Some(&branch.cond.span));
            visit(&branch.cond_then, Some(&branch.cond.span));
            if let Some(otherwise) = &branch.cond_else {
                visit(otherwise, Some(&branch.cond.span));
            }
        }
        Expr::Slice(slice) => {
            visit(&slice.value, None);
            for part in [&slice.slice.start, &slice.slice.end, &slice.slice.step]
                .into_iter()
                .flatten()
            {
                visit(&part.value, Some(&part.span));
            }
        }
    }
}

fn object<'a>(body: &'a ObjBody, visit: &mut impl FnMut(&'a Expr, Option<&'a Span>)) {
    match body {
        ObjBody::MemberList(members) => {
            for bind in &members.locals {
                binding(bind, visit);
            }
            for assert in &members.asserts {
                assertion(assert, visit);
            }
            for field in &members.fields {
                member(field, visit);
            }
        }
        ObjBody::ObjComp(comp) => {
            for bind in &comp.locals {
                binding(bind, visit);
            }
            member(&comp.field, visit);
            comp_specs(&comp.compspecs, visit);
        }
    }
}

fn member<'a>(field: &'a FieldMember, visit: &mut impl FnMut(&'a Expr, Option<&'a Span>)) {
    if let FieldName::Dyn(name) = &field.name.value {
        visit(name, Some(&field.name.span));
    }
    if let Some(params) = &field.params {
        parameters(params, visit);
    }
    visit(&field.value, Some(&field.name.span));
}

fn binding<'a>(bind: &'a BindSpec, visit: &mut impl FnMut(&'a Expr, Option<&'a Span>)) {
    match bind {
        BindSpec::Field { value, .. } => visit(value, bind_span(bind)),
        BindSpec::Function { params, value, .. } => {
            parameters(params, visit);
            visit(value, None);
        }
    }
}

fn bind_span(bind: &BindSpec) -> Option<&Span> {
    match bind {
        BindSpec::Field { into, .. } => Some(destruct_span(into)),
        BindSpec::Function { .. } => None,
    }
}

fn destruct_span(destruct: &Destruct) -> &Span {
    match destruct {
        Destruct::Full(name) => &name.span,
    }
}

fn parameters<'a>(params: &'a ExprParams, visit: &mut impl FnMut(&'a Expr, Option<&'a Span>)) {
    for param in &params.exprs {
        if let Some(default) = &param.default {
            visit(default, Some(destruct_span(&param.destruct)));
        }
    }
}

fn arguments<'a>(
    args: &'a ArgsDesc,
    span: Option<&'a Span>,
    visit: &mut impl FnMut(&'a Expr, Option<&'a Span>),
) {
    for arg in args.unnamed.iter().chain(&args.values) {
        visit(arg, span);
    }
}

fn assertion<'a>(assert: &'a AssertStmt, visit: &mut impl FnMut(&'a Expr, Option<&'a Span>)) {
    visit(&assert.assertion.value, Some(&assert.assertion.span));
    if let Some(message) = &assert.message {
        visit(message, Some(&assert.assertion.span));
    }
}

fn comp_specs<'a>(specs: &'a [CompSpec], visit: &mut impl FnMut(&'a Expr, Option<&'a Span>)) {
    for spec in specs {
        match spec {
            CompSpec::IfSpec(condition) => visit(&condition.cond, Some(&condition.span)),
            CompSpec::ForSpec(source) => visit(&source.over, Some(destruct_span(&source.destruct))),
        }
    }
}

/// Drops `tree` one node at a time: the derived drop recurses once per level.
fn dismantle(tree: Expr) {
    let mut stack = vec![tree];
    while let Some(expr) = stack.pop() {
        take_children(expr, &mut stack);
    }
}

/// Moves every expression below `expr` onto `stack`; what is left of `expr` is shallow.
fn take_children(expr: Expr, stack: &mut Vec<Expr>) {
    match expr {
        Expr::Literal(_) | Expr::Str(_) | Expr::Num(_) | Expr::Var(_) => {}
        Expr::Arr(items) => stack.extend(items),
        Expr::ArrComp(body, specs) => {
            stack.push(*body);
            take_comp_specs(specs, stack);
        }
        Expr::Obj(body) => take_object(body, stack),
        Expr::ObjExtend(base, body) => {
            stack.push(*base);
            take_object(body, stack);
        }
        Expr::UnaryOp(_, operand) => stack.push(*operand),
        Expr::BinaryOp(op) => {
            let op = *op;
            stack.push(op.lhs);
            stack.push(op.rhs);
        }
        Expr::AssertExpr(assert) => {
            let assert = *assert;
            take_assertion(assert.assert, stack);
            stack.push(assert.rest);
        }
        Expr::LocalExpr(binds, body) => {
            for bind in binds {
                take_binding(bind, stack);
            }
            stack.push(*body);
        }
        Expr::Import(_, path) => stack.push(*path),
        Expr::ErrorStmt(_, message) => stack.push(*message),
        Expr::Apply(function, args, _) => {
            stack.push(*function);
            take_arguments(args.value, stack);
        }
        Expr::Index { indexable, parts } => {
            stack.push(*indexable);
            stack.extend(parts.into_iter().map(|part| part.value));
        }
        Expr::Function(params, body) => {
            take_parameters(params, stack);
            stack.push(*body);
        }
        Expr::IfElse(branch) => {
            let branch = *branch;
            stack.push(branch.cond.cond);
            stack.push(branch.cond_then);
            stack.extend(branch.cond_else);
        }
        Expr::Slice(slice) => {
            let slice = *slice;
            stack.push(slice.value);
            let desc = slice.slice;
            stack.extend(
                [desc.start, desc.end, desc.step]
                    .into_iter()
                    .flatten()
                    .map(|part| part.value),
            );
        }
    }
}

fn take_object(body: ObjBody, stack: &mut Vec<Expr>) {
    match body {
        ObjBody::MemberList(members) => {
            for bind in members.locals {
                take_binding(bind, stack);
            }
            for assert in members.asserts {
                take_assertion(assert, stack);
            }
            for field in members.fields {
                take_member(field, stack);
            }
        }
        ObjBody::ObjComp(comp) => {
            for bind in comp.locals {
                take_binding(bind, stack);
            }
            take_member(*comp.field, stack);
            take_comp_specs(comp.compspecs, stack);
        }
    }
}

fn take_member(field: FieldMember, stack: &mut Vec<Expr>) {
    if let FieldName::Dyn(name) = field.name.value {
        stack.push(name);
    }
    if let Some(params) = field.params {
        take_parameters(params, stack);
    }
    stack.push(field.value);
}

fn take_binding(bind: BindSpec, stack: &mut Vec<Expr>) {
    match bind {
        BindSpec::Field { value, .. } => stack.push(value),
        BindSpec::Function { params, value, .. } => {
            take_parameters(params, stack);
            stack.push(value);
        }
    }
}

fn take_parameters(mut params: ExprParams, stack: &mut Vec<Expr>) {
    stack.extend(
        std::mem::take(&mut params.exprs)
            .into_iter()
            .filter_map(|param| param.default),
    );
}

fn take_arguments(args: ArgsDesc, stack: &mut Vec<Expr>) {
    stack.extend(args.unnamed);
    stack.extend(args.values);
}

fn take_assertion(assert: AssertStmt, stack: &mut Vec<Expr>) {
    stack.push(assert.assertion.value);
    stack.extend(assert.message);
}

fn take_comp_specs(specs: Vec<CompSpec>, stack: &mut Vec<Expr>) {
    for spec in specs {
        match spec {
            CompSpec::IfSpec(condition) => stack.push(condition.cond),
            CompSpec::ForSpec(source) => stack.push(source.over),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Import, ImportLiteral, MAX_SYNTAX_DEPTH, Verdict, Walk};

    /// Reads `text` as evaluation does: on a thread with a large stack, for the parser.
    fn walk(text: &str) -> Walk {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(crate::evaluate::local::STACK_SIZE)
                .spawn_scoped(scope, || super::walk(text))
                .unwrap()
                .join()
                .unwrap()
        })
    }

    fn depth_verdict(text: &str) -> Verdict {
        walk(text).verdict
    }

    /// One shape of deep nesting: `open` repeated `n` times, then `middle`, then `close`
    /// repeated `n` times.
    fn nested(open: &str, middle: &str, close: &str, n: usize) -> String {
        let mut text = open.repeat(n);
        text.push_str(middle);
        text.push_str(&close.repeat(n));
        text
    }

    /// Every construct that nests, just within the limit and just past it.
    #[test]
    fn every_construct_is_measured() {
        let shapes: [(&str, &str, &str); 16] = [
            ("[", "1", "]"),
            ("{a:", "1", "}"),
            ("(", "1", ")"),
            ("-", "1", ""),
            ("!", "true", ""),
            ("1+", "1", ""),
            ("local a = 1; ", "a", ""),
            ("if true then ", "1", " else 0"),
            ("assert true; ", "1", ""),
            ("f(", "1", ")"),
            ("function(x) ", "1", ""),
            ("[", "1", " for x in [1]]"),
            ("{[", "'a'", "]: 1}"),
            ("error ", "'x'", ""),
            ("a[", "0", "]"),
            ("{} + {a: ", "1", "}"),
        ];
        for (open, middle, close) in shapes {
            let shallow = nested(open, middle, close, MAX_SYNTAX_DEPTH / 4);
            assert_eq!(depth_verdict(&shallow), Verdict::Fine, "{open}…{close}");
            let deep = nested(open, middle, close, MAX_SYNTAX_DEPTH + 1);
            assert!(
                matches!(depth_verdict(&deep), Verdict::TooDeep { .. }),
                "{open}…{close} is {} deep",
                MAX_SYNTAX_DEPTH + 1
            );
        }
    }

    /// A chain that the parser reads in a loop, and that would overflow a recursive walk or
    /// drop, is measured and dropped without recursion.
    #[test]
    fn long_chains_neither_overflow_the_walk_nor_the_drop() {
        let sum = nested("1+", "1", "", 200_000);
        assert!(matches!(depth_verdict(&sum), Verdict::TooDeep { .. }));
        let fields = nested("a.b(1).", "c", "", 50_000);
        assert!(matches!(depth_verdict(&fields), Verdict::TooDeep { .. }));
    }

    #[test]
    fn a_deep_chain_is_located_where_it_has_positions() {
        let text = nested("local a = 1; ", "a", "", MAX_SYNTAX_DEPTH + 10);
        let Verdict::TooDeep { range: Some(range) } = depth_verdict(&text) else {
            panic!("no position")
        };
        assert_eq!(&text[range], "a");
        let text = nested("[", "1", "]", 100_000);
        assert_eq!(
            depth_verdict(&text),
            Verdict::TooDeep {
                range: Some(MAX_SYNTAX_DEPTH..MAX_SYNTAX_DEPTH + 1)
            }
        );
        let text = format!("|||\n  ||| [[[[\n|||\n + {}", nested("(", "1", ")", 300));
        assert!(
            matches!(depth_verdict(&text), Verdict::TooDeep { range: Some(range) } if &text[range.clone()] == "(")
        );
    }

    #[test]
    fn a_byte_order_mark_is_its_own_verdict() {
        assert_eq!(depth_verdict("\u{feff}{}"), Verdict::ByteOrderMark);
        assert_eq!(depth_verdict("{ a: '\u{feff}' }"), Verdict::Fine);
        assert_eq!(depth_verdict("{ a: "), Verdict::Unparsed);
    }

    fn imports(text: &str) -> Vec<(Import, String, &str)> {
        walk(text)
            .imports
            .into_iter()
            .map(|ImportLiteral { kind, path, range }| (kind, path, &text[range]))
            .collect()
    }

    #[test]
    fn finds_every_import_as_jsonnet_reads_it() {
        let text = r#"
local a = import 'a.libsonnet';
local b = importstr @'/etc/passwd';
local c = importbin "\u002e\u002e/x";
local d = importstr /* here */ "../y" // there
;
local e = importstr |||
  /etc/shadow
|||;
local f = import ('paren.libsonnet');
{ s: 'import "not/this"', t: |||
    importstr '/not/this/either'
  |||, u: "importbin 'nor/this'" }
// import 'commented/out'
# importstr '/neither'
/* importbin '/nor' */
"#;
        assert_eq!(
            imports(text),
            vec![
                (Import::Code, "a.libsonnet".to_owned(), "'a.libsonnet'"),
                (Import::Str, "/etc/passwd".to_owned(), "@'/etc/passwd'"),
                (Import::Bin, "../x".to_owned(), r#""\u002e\u002e/x""#),
                (Import::Str, "../y".to_owned(), r#""../y""#),
                (
                    Import::Str,
                    "/etc/shadow\n".to_owned(),
                    "|||\n  /etc/shadow\n|||"
                ),
                (
                    Import::Code,
                    "paren.libsonnet".to_owned(),
                    "'paren.libsonnet'"
                ),
            ]
        );
    }

    #[test]
    fn a_file_that_does_not_parse_has_no_imports() {
        assert_eq!(imports("import 'a' +"), vec![]);
    }
}
