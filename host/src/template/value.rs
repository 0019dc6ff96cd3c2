//! Values a substitution walks through, with Python's indexing rules for each kind: `str[int]` is a
//! character, `bytes[int]` an int, lists take negative indexes, dicts want string keys, and
//! everything else is a TypeError (a 500).

use super::functions::Function;
use super::TemplateError;
use crate::pipes::convert::py_index;
use crate::template::tokenizer::Index;
use std::borrow::Cow;

#[derive(Debug, Clone)]
pub enum Value<'a> {
    Int(i64),
    /// Python's bool is an int: it prints as `True`/`False`.
    Bool(bool),
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    /// A configuration list, dict, null or float (scalars are converted on the way in).
    Json(&'a serde_json::Value),
    /// `request.headers`.
    Headers,
    /// `FirstWrapper(request.GET)`.
    Get,
    /// The `location` dict.
    Location,
    Function(Function),
    /// `SubFunctions.supported_algorithms` (a tuple of names).
    Algorithms,
}

pub const ALGORITHMS: [&str; 6] = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

impl<'a> Value<'a> {
    pub fn from_json(v: &'a serde_json::Value) -> Value<'a> {
        use serde_json::Value as J;
        match v {
            J::String(s) => Value::Str(Cow::Borrowed(s)),
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Value::Int(i),
                (None, Some(u)) => Value::Int(i64::try_from(u).unwrap_or(i64::MAX)),
                _ => Value::Json(v),
            },
            _ => Value::Json(v),
        }
    }

    /// Python's type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        use serde_json::Value as J;
        match self {
            Value::Int(_) => "int",
            Value::Bool(_) => "bool",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::Json(J::Array(_)) => "list",
            Value::Json(J::Object(_)) => "dict",
            Value::Json(J::Null) => "NoneType",
            Value::Json(_) => "float",
            Value::Headers => "RequestHeaders",
            Value::Get => "FirstWrapper",
            Value::Location => "dict",
            Value::Function(_) => "function",
            Value::Algorithms => "tuple",
        }
    }

    /// `value[index]` for the kinds that do not need the request (see `lookup::index`).
    pub fn index_plain(&self, index: &Index) -> Result<Value<'a>, TemplateError> {
        use serde_json::Value as J;
        let type_error = || {
            TemplateError::Invalid(format!(
                "cannot index a {} with {}",
                self.type_name(),
                describe(index)
            ))
        };
        let out_of_range = || {
            TemplateError::Invalid(format!(
                "{} index {} out of range",
                self.type_name(),
                describe(index)
            ))
        };
        match (self, index) {
            (Value::Str(s), Index::Int(i)) => {
                let count = s.chars().count();
                let pos = py_index(count, *i).ok_or_else(out_of_range)?;
                let c = s.chars().nth(pos).ok_or_else(out_of_range)?;
                Ok(Value::Str(Cow::Owned(c.to_string())))
            }
            (Value::Bytes(b), Index::Int(i)) => {
                let pos = py_index(b.len(), *i).ok_or_else(out_of_range)?;
                Ok(Value::Int(i64::from(b[pos])))
            }
            (Value::Json(J::Array(items)), Index::Int(i)) => {
                let pos = py_index(items.len(), *i).ok_or_else(out_of_range)?;
                Ok(Value::from_json(&items[pos]))
            }
            (Value::Json(J::Object(map)), Index::Text(k)) => map
                .get(k.as_str())
                .map(Value::from_json)
                .ok_or_else(|| TemplateError::Invalid(format!("KeyError: {k:?}"))),
            (Value::Json(J::Object(_)), Index::Int(i)) => {
                Err(TemplateError::Invalid(format!("KeyError: {i}")))
            }
            (Value::Algorithms, Index::Int(i)) => {
                let pos = py_index(ALGORITHMS.len(), *i).ok_or_else(out_of_range)?;
                Ok(Value::Str(Cow::Borrowed(ALGORITHMS[pos])))
            }
            _ => Err(type_error()),
        }
    }

    /// The text a final value stands for (`str()` for ints, strict UTF-8 for bytes).
    pub fn into_text(self) -> Result<Cow<'a, str>, TemplateError> {
        match self {
            Value::Int(i) => Ok(Cow::Owned(i.to_string())),
            Value::Bool(b) => Ok(Cow::Borrowed(if b { "True" } else { "False" })),
            Value::Str(s) => Ok(s),
            Value::Bytes(Cow::Borrowed(b)) => std::str::from_utf8(b)
                .map(Cow::Borrowed)
                .map_err(|_| not_utf8()),
            Value::Bytes(Cow::Owned(b)) => {
                String::from_utf8(b).map(Cow::Owned).map_err(|_| not_utf8())
            }
            other => Err(TemplateError::Invalid(format!(
                "a substitution must produce a string or an integer, not a {}",
                other.type_name()
            ))),
        }
    }

    /// Whether this value may be substituted (and so stored in a `$variable`).
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::Bool(_) | Value::Str(_) | Value::Bytes(_)
        )
    }
}

fn not_utf8() -> TemplateError {
    TemplateError::Invalid("substituted value is not valid UTF-8".into())
}

pub fn describe(index: &Index) -> String {
    match index {
        Index::Int(i) => format!("[{i}]"),
        Index::Text(t) => format!("[{t}]"),
    }
}
