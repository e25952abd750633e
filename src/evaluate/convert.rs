//! Jsonnet values to JSON values. Forcing each field here (rather than through a manifest
//! string) keeps evaluation errors structured, with their trace, and bounds the depth.

use jrsonnet_evaluator::Val;
use serde_json::{Map, Number, Value};

/// The deepest nesting an evaluated entity may have.
pub(super) const MAX_VALUE_NESTING: usize = 64;

pub(super) enum ConvertError {
    Jsonnet(jrsonnet_evaluator::Error),
    TooDeep { pointer: String },
    Function { pointer: String },
}

pub(super) fn to_json(value: &Val) -> Result<Value, ConvertError> {
    let mut pointer = String::new();
    convert(value, &mut pointer, 0)
}

fn convert(value: &Val, pointer: &mut String, depth: usize) -> Result<Value, ConvertError> {
    if depth > MAX_VALUE_NESTING {
        return Err(ConvertError::TooDeep {
            pointer: pointer.clone(),
        });
    }
    Ok(match value {
        Val::Null => Value::Null,
        Val::Bool(value) => Value::Bool(*value),
        Val::Str(value) => Value::String(value.clone().into_flat().to_string()),
        Val::Num(number) => number_to_json(number.get()),
        Val::Arr(array) => {
            let mut items = Vec::with_capacity(array.len() as usize);
            for (index, item) in array.iter().enumerate() {
                let item = item.map_err(ConvertError::Jsonnet)?;
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                items.push(convert(&item, pointer, depth + 1)?);
                pointer.truncate(length);
            }
            Value::Array(items)
        }
        Val::Obj(object) => {
            let mut fields = Map::new();
            for (key, field) in object.iter() {
                let field = field.map_err(ConvertError::Jsonnet)?;
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                fields.insert(key.to_string(), convert(&field, pointer, depth + 1)?);
                pointer.truncate(length);
            }
            Value::Object(fields)
        }
        Val::Func(_) => {
            return Err(ConvertError::Function {
                pointer: pointer.clone(),
            });
        }
    })
}

#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn number_to_json(number: f64) -> Value {
    // Integral values within i64's exact range stay integers, as Jsonnet prints them.
    if number.fract() == 0.0 && number.abs() < 9_007_199_254_740_992.0 {
        Value::Number(Number::from(number as i64))
    } else {
        Number::from_f64(number).map_or(Value::Null, Value::Number)
    }
}
