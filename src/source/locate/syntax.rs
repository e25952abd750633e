//! A syntax tree of a Jsonnet file that keeps what locating needs and nothing else: literal
//! objects with their field names, arrays with their elements, literals, `+` and object
//! extension, calls with their named arguments, `local` bindings and variables, each with its
//! byte span. Everything else is opaque: a span whose value is not followed. Read from
//! `jrsonnet-lexer`'s tokens; a file the parser does not understand gives no tree at all.

use std::ops::Range;

use jrsonnet_lexer::{Lexer, SyntaxKind as K};
use serde_json::Value;

/// How deeply the parser may recurse before it gives up.
const MAX_DEPTH: usize = 128;

/// How many `+` a file may have before the parser gives up: a chain of them is a tree as deep
/// as it is long.
const MAX_PLUS: usize = 1000;

/// An expression.
#[derive(Debug)]
pub(super) enum Node {
    Object(Object),
    Array {
        elements: Vec<Node>,
        span: Range<usize>,
    },
    /// A string, number, boolean or null; `None` for a text block, whose value is not read.
    Literal {
        value: Option<Value>,
        span: Range<usize>,
    },
    /// `left + right`, or `left { … }`.
    Plus(Box<Node>, Box<Node>),
    /// `callee(args)`: `name` is the callee's last name (`dependsOn` in `service.dependsOn`).
    Call {
        name: Option<(String, Range<usize>)>,
        args: Vec<Arg>,
        span: Range<usize>,
    },
    Var {
        name: String,
        span: Range<usize>,
    },
    /// `local binds; body`.
    Local {
        binds: Vec<Bind>,
        body: Box<Node>,
    },
    /// Anything whose value is not followed: a comprehension, a conditional, a function, an
    /// import, `self`, an operator other than `+`.
    Opaque {
        span: Range<usize>,
    },
}

/// A literal object (not a comprehension).
#[derive(Debug)]
pub(super) struct Object {
    pub(super) fields: Vec<Field>,
    pub(super) locals: Vec<Bind>,
    /// It has a field with a computed name (`[expr]: …`) or is a comprehension, so it may hold
    /// any field.
    pub(super) computed: bool,
    pub(super) span: Range<usize>,
}

#[derive(Debug)]
pub(super) struct Field {
    pub(super) name: String,
    pub(super) name_span: Range<usize>,
    /// `name+: value`: merged with the field below rather than replacing it.
    pub(super) plus: bool,
    /// `name::` (or a method): not in the output unless made visible elsewhere.
    pub(super) hidden: bool,
    pub(super) value: Node,
}

#[derive(Debug)]
pub(super) struct Arg {
    pub(super) name: Option<(String, Range<usize>)>,
    pub(super) value: Node,
}

/// `name = value`; `value` is `None` for a function (`name(params) = body`).
#[derive(Debug)]
pub(super) struct Bind {
    pub(super) name: String,
    pub(super) value: Option<Node>,
}

impl Node {
    pub(super) fn span(&self) -> Range<usize> {
        match self {
            Self::Object(object) => object.span.clone(),
            Self::Array { span, .. }
            | Self::Literal { span, .. }
            | Self::Call { span, .. }
            | Self::Var { span, .. }
            | Self::Opaque { span } => span.clone(),
            Self::Plus(left, right) => left.span().start..right.span().end,
            Self::Local { body, .. } => body.span(),
        }
    }
}

/// The tree of `text`; `None` when it is not an expression this parser understands.
pub(super) fn parse(text: &str) -> Option<Node> {
    let tokens: Vec<Token> = Lexer::new(text)
        .filter(|lexeme| {
            !matches!(
                lexeme.kind,
                K::WHITESPACE
                    | K::SINGLE_LINE_SLASH_COMMENT
                    | K::SINGLE_LINE_HASH_COMMENT
                    | K::MULTI_LINE_COMMENT
            )
        })
        .map(|lexeme| Token {
            kind: lexeme.kind,
            text: lexeme.text,
            span: lexeme.range.0 as usize..lexeme.range.1 as usize,
        })
        .collect();
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
        pluses: 0,
    };
    let node = parser.expr().ok()?;
    (parser.at == parser.tokens.len()).then_some(node)
}

struct Token<'a> {
    kind: K,
    text: &'a str,
    span: Range<usize>,
}

/// The file is not understood.
struct Unknown;

type Parsed<T> = Result<T, Unknown>;

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    at: usize,
    depth: usize,
    pluses: usize,
}

/// Binding power of a binary operator; `+` is 10.
fn precedence(kind: K) -> Option<u8> {
    Some(match kind {
        K::OR | K::NULL_COAELSE => 1,
        K::AND => 2,
        K::BIT_OR => 3,
        K::BIT_XOR => 4,
        K::BIT_AND => 5,
        K::EQ | K::NE => 6,
        K::LT | K::GT | K::LE | K::GE | K::IN_KW => 7,
        K::LHS | K::RHS => 8,
        K::PLUS | K::MINUS => 9,
        K::MUL | K::DIV | K::MODULO => 10,
        _ => return None,
    })
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<K> {
        self.tokens.get(self.at).map(|token| token.kind)
    }

    fn peek_at(&self, ahead: usize) -> Option<K> {
        self.tokens.get(self.at + ahead).map(|token| token.kind)
    }

    fn bump(&mut self) -> Parsed<&Token<'a>> {
        let token = self.tokens.get(self.at).ok_or(Unknown)?;
        self.at += 1;
        Ok(token)
    }

    fn eat(&mut self, kind: K) -> bool {
        if self.peek() == Some(kind) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kind: K) -> Parsed<Range<usize>> {
        let token = self.bump()?;
        if token.kind == kind {
            Ok(token.span.clone())
        } else {
            Err(Unknown)
        }
    }

    /// The end of the last token taken.
    fn end(&self) -> usize {
        self.tokens[self.at - 1].span.end
    }

    fn start(&self) -> Parsed<usize> {
        self.tokens
            .get(self.at)
            .map(|token| token.span.start)
            .ok_or(Unknown)
    }

    fn expr(&mut self) -> Parsed<Node> {
        self.nested(|parser| parser.binary(0))
    }

    /// Runs `parse` one level deeper.
    fn nested(&mut self, parse: impl FnOnce(&mut Self) -> Parsed<Node>) -> Parsed<Node> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unknown);
        }
        let node = parse(self);
        self.depth -= 1;
        node
    }

    fn plus(&mut self, left: Node, right: Node) -> Parsed<Node> {
        self.pluses += 1;
        if self.pluses > MAX_PLUS {
            return Err(Unknown);
        }
        Ok(Node::Plus(Box::new(left), Box::new(right)))
    }

    fn binary(&mut self, min: u8) -> Parsed<Node> {
        let mut left = self.unary()?;
        while let Some(power) = self.peek().and_then(precedence) {
            if power <= min {
                break;
            }
            let operator = self.bump()?.kind;
            let right = self.binary(power)?;
            left = if operator == K::PLUS {
                self.plus(left, right)?
            } else {
                Node::Opaque {
                    span: left.span().start..right.span().end,
                }
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Parsed<Node> {
        let start = self.start()?;
        match self.peek() {
            Some(K::MINUS)
                if self.peek_at(1) == Some(K::FLOAT)
                    && !matches!(
                        self.peek_at(2),
                        Some(K::DOT | K::L_BRACK | K::L_PAREN | K::L_BRACE)
                    ) =>
            {
                // A negative number is a literal.
                self.bump()?;
                let token = self.bump()?;
                let value = number(token.text).and_then(|value| {
                    serde_json::Number::from_f64(-value.as_f64()?).map(Value::Number)
                });
                Ok(Node::Literal {
                    value,
                    span: start..token.span.end,
                })
            }
            Some(K::MINUS | K::PLUS | K::NOT | K::BIT_NOT) => {
                self.bump()?;
                self.nested(Self::unary)?;
                Ok(Node::Opaque {
                    span: start..self.end(),
                })
            }
            Some(K::LOCAL_KW) => {
                self.bump()?;
                let binds = self.binds()?;
                self.expect(K::SEMI)?;
                let body = self.expr()?;
                Ok(Node::Local {
                    binds,
                    body: Box::new(body),
                })
            }
            Some(K::ASSERT_KW) => {
                self.bump()?;
                self.expr()?;
                if self.eat(K::COLON) {
                    self.expr()?;
                }
                self.expect(K::SEMI)?;
                self.expr()
            }
            Some(K::IF_KW) => {
                self.bump()?;
                self.expr()?;
                self.expect(K::THEN_KW)?;
                self.expr()?;
                if self.eat(K::ELSE_KW) {
                    self.expr()?;
                }
                Ok(Node::Opaque {
                    span: start..self.end(),
                })
            }
            Some(K::FUNCTION_KW) => {
                self.bump()?;
                self.skip_group(K::L_PAREN, K::R_PAREN)?;
                self.expr()?;
                Ok(Node::Opaque {
                    span: start..self.end(),
                })
            }
            Some(K::ERROR_KW) => {
                self.bump()?;
                self.expr()?;
                Ok(Node::Opaque {
                    span: start..self.end(),
                })
            }
            _ => self.postfix(),
        }
    }

    fn postfix(&mut self) -> Parsed<Node> {
        let start = self.start()?;
        let mut node = self.primary()?;
        let mut name: Option<(String, Range<usize>)> = match &node {
            Node::Var { name, span } => Some((name.clone(), span.clone())),
            _ => None,
        };
        loop {
            match self.peek() {
                Some(K::DOT) => {
                    self.bump()?;
                    let token = self.bump()?;
                    if token.kind != K::IDENT {
                        return Err(Unknown);
                    }
                    name = Some((token.text.to_owned(), token.span.clone()));
                    node = Node::Opaque {
                        span: start..self.end(),
                    };
                }
                Some(K::L_BRACK) => {
                    self.skip_group(K::L_BRACK, K::R_BRACK)?;
                    name = None;
                    node = Node::Opaque {
                        span: start..self.end(),
                    };
                }
                Some(K::L_PAREN) => {
                    let args = self.args()?;
                    self.eat(K::TAILSTRICT_KW);
                    node = Node::Call {
                        name: name.take(),
                        args,
                        span: start..self.end(),
                    };
                }
                Some(K::L_BRACE) => {
                    let object = self.object()?;
                    name = None;
                    node = self.plus(node, object)?;
                }
                _ => return Ok(node),
            }
        }
    }

    fn primary(&mut self) -> Parsed<Node> {
        let token = self.bump()?;
        let span = token.span.clone();
        let text = token.text;
        let literal = |value: Option<Value>| {
            Ok(Node::Literal {
                value,
                span: span.clone(),
            })
        };
        match token.kind {
            K::L_BRACE => {
                self.at -= 1;
                self.object()
            }
            K::L_BRACK => {
                self.at -= 1;
                self.array()
            }
            K::L_PAREN => {
                let node = self.expr()?;
                self.expect(K::R_PAREN)?;
                Ok(node)
            }
            K::NULL_KW => literal(Some(Value::Null)),
            K::TRUE_KW => literal(Some(Value::Bool(true))),
            K::FALSE_KW => literal(Some(Value::Bool(false))),
            K::FLOAT => literal(number(text)),
            K::STRING_SINGLE
            | K::STRING_DOUBLE
            | K::STRING_SINGLE_VERBATIM
            | K::STRING_DOUBLE_VERBATIM
            | K::STRING_BLOCK => literal(string(token.kind, text).map(Value::String)),
            K::IDENT => Ok(Node::Var {
                name: text.to_owned(),
                span,
            }),
            K::SELF_KW | K::DOLLAR | K::SUPER_KW => Ok(Node::Opaque { span }),
            K::IMPORT_KW | K::IMPORTSTR_KW | K::IMPORTBIN_KW => {
                let path = self.bump()?;
                if string(path.kind, path.text).is_none() {
                    return Err(Unknown);
                }
                Ok(Node::Opaque {
                    span: span.start..self.end(),
                })
            }
            _ => Err(Unknown),
        }
    }

    /// `name = value, name(params) = body, …`
    fn binds(&mut self) -> Parsed<Vec<Bind>> {
        let mut binds = vec![self.bind()?];
        while self.eat(K::COMMA) {
            binds.push(self.bind()?);
        }
        Ok(binds)
    }

    /// `name = value` or `name(params) = body`.
    fn bind(&mut self) -> Parsed<Bind> {
        let token = self.bump()?;
        if token.kind != K::IDENT {
            return Err(Unknown);
        }
        let name = token.text.to_owned();
        let function = self.peek() == Some(K::L_PAREN);
        if function {
            self.skip_group(K::L_PAREN, K::R_PAREN)?;
        }
        self.expect(K::ASSIGN)?;
        let value = self.expr()?;
        Ok(Bind {
            name,
            value: (!function).then_some(value),
        })
    }

    fn object(&mut self) -> Parsed<Node> {
        let start = self.expect(K::L_BRACE)?.start;
        let mut object = Object {
            fields: Vec::new(),
            locals: Vec::new(),
            computed: false,
            span: start..start,
        };
        loop {
            match self.peek() {
                Some(K::R_BRACE) => break,
                Some(K::LOCAL_KW) => {
                    self.bump()?;
                    object.locals.push(self.bind()?);
                }
                Some(K::ASSERT_KW) => {
                    self.bump()?;
                    self.expr()?;
                    if self.eat(K::COLON) {
                        self.expr()?;
                    }
                }
                Some(K::FOR_KW) => {
                    // A comprehension: its fields are computed.
                    self.skip_until(K::R_BRACE)?;
                    object.computed = true;
                    object.fields.clear();
                    break;
                }
                _ => {
                    if let Some(field) = self.field()? {
                        object.fields.push(field);
                    } else {
                        object.computed = true;
                    }
                }
            }
            if !self.eat(K::COMMA) && self.peek() != Some(K::FOR_KW) {
                break;
            }
        }
        if self.peek() == Some(K::FOR_KW) {
            self.skip_until(K::R_BRACE)?;
            object.computed = true;
            object.fields.clear();
        }
        object.span = start..self.expect(K::R_BRACE)?.end;
        Ok(Node::Object(object))
    }

    /// One field; `None` when its name is computed.
    fn field(&mut self) -> Parsed<Option<Field>> {
        let token = self.bump()?;
        let name_span = token.span.clone();
        let name = match token.kind {
            K::IDENT => Some(token.text.to_owned()),
            K::L_BRACK => {
                self.at -= 1;
                self.skip_group(K::L_BRACK, K::R_BRACK)?;
                None
            }
            kind => Some(string(kind, token.text).ok_or(Unknown)?),
        };
        let method = self.peek() == Some(K::L_PAREN);
        if method {
            self.skip_group(K::L_PAREN, K::R_PAREN)?;
        }
        let plus = self.eat(K::PLUS);
        let mut colons = 0;
        while self.eat(K::COLON) {
            colons += 1;
        }
        if !(1..=3).contains(&colons) {
            return Err(Unknown);
        }
        let value = self.expr()?;
        Ok(name.map(|name| Field {
            name,
            name_span,
            plus,
            hidden: colons == 2 || method,
            value: if method {
                Node::Opaque { span: value.span() }
            } else {
                value
            },
        }))
    }

    fn array(&mut self) -> Parsed<Node> {
        let start = self.expect(K::L_BRACK)?.start;
        let mut elements = Vec::new();
        while self.peek() != Some(K::R_BRACK) {
            elements.push(self.expr()?);
            if self.peek() == Some(K::FOR_KW) {
                self.skip_until(K::R_BRACK)?;
                let end = self.expect(K::R_BRACK)?.end;
                return Ok(Node::Opaque { span: start..end });
            }
            if !self.eat(K::COMMA) {
                break;
            }
        }
        let end = self.expect(K::R_BRACK)?.end;
        Ok(Node::Array {
            elements,
            span: start..end,
        })
    }

    fn args(&mut self) -> Parsed<Vec<Arg>> {
        self.expect(K::L_PAREN)?;
        let mut args = Vec::new();
        while self.peek() != Some(K::R_PAREN) {
            let name = if self.peek() == Some(K::IDENT) && self.peek_at(1) == Some(K::ASSIGN) {
                let token = self.bump()?;
                let name = (token.text.to_owned(), token.span.clone());
                self.bump()?;
                Some(name)
            } else {
                None
            };
            let value = self.expr()?;
            args.push(Arg { name, value });
            if !self.eat(K::COMMA) {
                break;
            }
        }
        self.expect(K::R_PAREN)?;
        Ok(args)
    }

    /// Skips `open … close`, with whatever nests inside.
    fn skip_group(&mut self, open: K, close: K) -> Parsed<()> {
        self.expect(open)?;
        self.skip_until(close)?;
        self.expect(close)?;
        Ok(())
    }

    /// Skips to the `close` that ends the group the parser is in, leaving it next.
    fn skip_until(&mut self, close: K) -> Parsed<()> {
        let mut stack: Vec<K> = Vec::new();
        loop {
            let kind = self.peek().ok_or(Unknown)?;
            if stack.is_empty() && kind == close {
                return Ok(());
            }
            match kind {
                K::L_PAREN => stack.push(K::R_PAREN),
                K::L_BRACK => stack.push(K::R_BRACK),
                K::L_BRACE => stack.push(K::R_BRACE),
                K::R_PAREN | K::R_BRACK | K::R_BRACE if stack.pop() != Some(kind) => {
                    return Err(Unknown);
                }
                _ => {}
            }
            if stack.len() > MAX_DEPTH {
                return Err(Unknown);
            }
            self.at += 1;
        }
    }
}

/// A number literal's value.
fn number(text: &str) -> Option<Value> {
    let value: f64 = text.replace('_', "").parse().ok()?;
    serde_json::Number::from_f64(value).map(Value::Number)
}

/// A string literal's value; `None` for a text block or a token that is not a string.
fn string(kind: K, text: &str) -> Option<String> {
    match kind {
        K::STRING_SINGLE | K::STRING_DOUBLE => {
            jrsonnet_ir::unescape::unescape(text.get(1..text.len() - 1)?)
        }
        K::STRING_SINGLE_VERBATIM => Some(text.get(2..text.len() - 1)?.replace("''", "'")),
        K::STRING_DOUBLE_VERBATIM => Some(text.get(2..text.len() - 1)?.replace("\"\"", "\"")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{Node, parse};

    fn object(node: &Node) -> &super::Object {
        match node {
            Node::Object(object) => object,
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn reads_objects_arrays_and_literals() {
        let text = "{ a: -1, 'b c': [true, null, 'x\\n'], d+:: { e: @'it''s' }, [k]: 2 }";
        let root = parse(text).unwrap();
        let root = object(&root);
        assert!(root.computed);
        let names: Vec<&str> = root
            .fields
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b c", "d"]);
        assert_eq!(&text[root.fields[1].name_span.clone()], "'b c'");
        assert!(
            matches!(&root.fields[0].value, Node::Literal { value: Some(v), span } if v == -1.0 && &text[span.clone()] == "-1")
        );
        let Node::Array { elements, .. } = &root.fields[1].value else {
            panic!()
        };
        assert_eq!(elements.len(), 3);
        assert!(matches!(&elements[2], Node::Literal { value: Some(v), .. } if v == "x\n"));
        assert!(root.fields[2].plus && root.fields[2].hidden);
    }

    #[test]
    fn reads_calls_composition_and_locals() {
        let text = "local s = import 's.libsonnet';\n\
                    s.new('x', owner='payments') + s.http(8080) + { tier: 1 + 1 } { z: 2 }";
        let Node::Local { binds, body } = parse(text).unwrap() else {
            panic!()
        };
        assert_eq!(binds[0].name, "s");
        // Extension binds tighter than `+`.
        let Node::Plus(left, right) = &*body else {
            panic!()
        };
        assert!(
            matches!(&**right, Node::Plus(a, b) if matches!((&**a, &**b), (Node::Object(_), Node::Object(_))))
        );
        let Node::Plus(new, http) = &**left else {
            panic!()
        };
        let Node::Call { name, args, .. } = &**new else {
            panic!()
        };
        assert_eq!(name.as_ref().unwrap().0, "new");
        assert_eq!(args[1].name.as_ref().unwrap().0, "owner");
        assert!(matches!(&**http, Node::Call { name: Some((name, _)), .. } if name == "http"));
    }

    #[test]
    fn comprehensions_and_the_rest_are_opaque() {
        let root = parse(
            "{ a: [x for x in [1, 2]], b: if c then 1 else 2, c: { [k]: 1 for k in ['a'] } }",
        )
        .unwrap();
        let root = object(&root);
        assert!(matches!(root.fields[0].value, Node::Opaque { .. }));
        assert!(matches!(root.fields[1].value, Node::Opaque { .. }));
        assert!(object(&root.fields[2].value).computed);
    }

    #[test]
    fn gives_up_on_what_it_does_not_read() {
        assert!(parse("{ a: 1 } }").is_none());
        assert!(parse("local [a, b] = [1, 2]; a").is_none());
        assert!(parse(&"[".repeat(300)).is_none());
        assert!(parse(&format!("{}1{}", "[".repeat(200), "]".repeat(200))).is_none());
        assert!(parse(&format!("{}1", "-".repeat(200))).is_none());
        assert!(parse(&"{} + ".repeat(2000)).is_none());
        assert!(parse(&format!("{}{{}}", "{} + ".repeat(900))).is_some());
    }
}
