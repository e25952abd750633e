//! Jsonnet values to compact JSON text. Forcing each field here (rather than through a
//! manifest string) keeps evaluation errors structured, with their trace, and bounds the
//! depth; writing text rather than a tree keeps a large registry's evaluation small in memory.

use jrsonnet_evaluator::Val;
use serde::Serializer as _;

/// The deepest nesting an evaluated entity may have.
pub(super) const MAX_VALUE_NESTING: usize = 64;

pub(super) enum ConvertError {
    Jsonnet(jrsonnet_evaluator::Error),
    TooDeep { pointer: String },
    Function { pointer: String },
}

/// `value` as compact JSON.
pub(super) fn to_json(value: &Val) -> Result<String, ConvertError> {
    let mut json = Vec::with_capacity(1024);
    let mut pointer = String::new();
    write(value, &mut json, &mut pointer, 0)?;
    Ok(String::from_utf8(json).expect("JSON is UTF-8"))
}

fn write(
    value: &Val,
    out: &mut Vec<u8>,
    pointer: &mut String,
    depth: usize,
) -> Result<(), ConvertError> {
    if depth > MAX_VALUE_NESTING {
        return Err(ConvertError::TooDeep {
            pointer: pointer.clone(),
        });
    }
    match value {
        Val::Null => out.extend_from_slice(b"null"),
        Val::Bool(true) => out.extend_from_slice(b"true"),
        Val::Bool(false) => out.extend_from_slice(b"false"),
        Val::Str(value) => string(out, &value.clone().into_flat()),
        Val::Num(number) => write_number(out, number.get()),
        Val::Arr(array) => {
            out.push(b'[');
            for (index, item) in array.iter().enumerate() {
                let item = item.map_err(ConvertError::Jsonnet)?;
                if index > 0 {
                    out.push(b',');
                }
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                write(&item, out, pointer, depth + 1)?;
                pointer.truncate(length);
            }
            out.push(b']');
        }
        Val::Obj(object) => {
            out.push(b'{');
            for (index, (key, field)) in object.iter().enumerate() {
                let field = field.map_err(ConvertError::Jsonnet)?;
                if index > 0 {
                    out.push(b',');
                }
                string(out, &key);
                out.push(b':');
                let length = pointer.len();
                crate::pointer::push(pointer, &key);
                write(&field, out, pointer, depth + 1)?;
                pointer.truncate(length);
            }
            out.push(b'}');
        }
        Val::Func(_) => {
            return Err(ConvertError::Function {
                pointer: pointer.clone(),
            });
        }
    }
    Ok(())
}

/// A JSON value as compact JSON, written as [`to_json`] writes the Jsonnet value it would
/// evaluate to: numbers as Jsonnet's doubles, the same bound on depth. `None` when it is
/// deeper than [`MAX_VALUE_NESTING`].
pub(super) fn data_to_json(value: &serde_json::Value) -> Option<String> {
    fn write(value: &serde_json::Value, out: &mut Vec<u8>, depth: usize) -> Option<()> {
        if depth > MAX_VALUE_NESTING {
            return None;
        }
        match value {
            serde_json::Value::Null => out.extend_from_slice(b"null"),
            serde_json::Value::Bool(true) => out.extend_from_slice(b"true"),
            serde_json::Value::Bool(false) => out.extend_from_slice(b"false"),
            serde_json::Value::String(value) => string(out, value),
            serde_json::Value::Number(number) => write_number(out, number.as_f64()?),
            serde_json::Value::Array(items) => {
                out.push(b'[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    write(item, out, depth + 1)?;
                }
                out.push(b']');
            }
            serde_json::Value::Object(fields) => {
                out.push(b'{');
                for (index, (key, field)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    string(out, key);
                    out.push(b':');
                    write(field, out, depth + 1)?;
                }
                out.push(b'}');
            }
        }
        Some(())
    }
    let mut json = Vec::with_capacity(1024);
    write(value, &mut json, 0)?;
    Some(String::from_utf8(json).expect("JSON is UTF-8"))
}

fn string(out: &mut Vec<u8>, value: &str) {
    serde_json::Serializer::new(out)
        .serialize_str(value)
        .expect("writing to memory cannot fail");
}

#[allow(clippy::cast_possible_truncation)]
fn write_number(out: &mut Vec<u8>, number: f64) {
    let mut serializer = serde_json::Serializer::new(out);
    // Integral values within the exactly representable range stay integers, as Jsonnet
    // prints them.
    if number.fract() == 0.0 && number.abs() < 9_007_199_254_740_992.0 {
        serializer.serialize_i64(number as i64)
    } else {
        serializer.serialize_f64(number)
    }
    .expect("writing to memory cannot fail");
}
