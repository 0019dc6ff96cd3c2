//! Name resolution and the request-backed values (`headers`, `GET`, `location`), in wptserve's
//! lookup order: variables, SubFunctions, headers, GET, hosts, domains, host, any config key,
//! location, url_base (F-SB-1..14).

use super::functions::{header, latin1, Function};
use super::tokenizer::Index;
use super::value::{describe, Value};
use super::TemplateError;
use crate::config::Config;
use crate::request::Request;
use std::borrow::Cow;

/// What a substitution can see.
pub struct Scope<'a> {
    pub request: &'a Request,
    pub config: &'a Config,
    /// `$name` -> value, per template invocation.
    pub variables: Vec<(String, Value<'a>)>,
}

impl<'a> Scope<'a> {
    pub fn new(request: &'a Request, config: &'a Config) -> Self {
        Scope {
            request,
            config,
            variables: Vec::new(),
        }
    }

    pub fn assign(&mut self, name: &str, value: Value<'a>) {
        match self.variables.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value,
            None => self.variables.push((name.to_owned(), value)),
        }
    }

    /// The value an identifier names.
    pub fn resolve(&self, field: &str) -> Result<Value<'a>, TemplateError> {
        if let Some((_, v)) = self.variables.iter().find(|(n, _)| n == field) {
            return Ok(v.clone());
        }
        if let Some(f) = Function::by_name(field) {
            return Ok(Value::Function(f));
        }
        let config_json = &self.config.template_value;
        match field {
            "supported_algorithms" => return Ok(Value::Algorithms),
            "headers" => return Ok(Value::Headers),
            "GET" => return Ok(Value::Get),
            "hosts" => return config_key(config_json, "all_domains"),
            "domains" => {
                return config_key(config_json, "all_domains")?
                    .index(self, &Index::Text(String::new()))
            }
            "host" => return Ok(Value::Str(Cow::Borrowed(&self.config.browser_host))),
            _ => {}
        }
        if let Some(v) = config_json.get(field) {
            return Ok(Value::from_json(v));
        }
        match field {
            "location" => Ok(Value::Location),
            "url_base" => Ok(Value::Str(Cow::Borrowed(&self.request.url_base))),
            _ => Err(TemplateError::Undefined(field.to_owned())),
        }
    }
}

fn config_key<'a>(config: &'a serde_json::Value, key: &str) -> Result<Value<'a>, TemplateError> {
    config
        .get(key)
        .map(Value::from_json)
        .ok_or_else(|| TemplateError::Invalid(format!("the configuration has no {key:?}")))
}

impl<'a> Value<'a> {
    /// `value[index]`.
    pub fn index(&self, scope: &Scope<'a>, index: &Index) -> Result<Value<'a>, TemplateError> {
        let request = scope.request;
        match (self, index) {
            (Value::Headers, Index::Text(name)) => {
                let name = latin1(name)?;
                header(request, &name)
                    .map(|v| Value::Bytes(Cow::Borrowed(v)))
                    .ok_or_else(|| {
                        TemplateError::Invalid(format!(
                            "request has no header {:?}",
                            String::from_utf8_lossy(&name)
                        ))
                    })
            }
            (Value::Get, Index::Text(name)) => {
                let name = latin1(name)?;
                Ok(match request.query_first(&name) {
                    Some(v) => Value::Bytes(Cow::Owned(v)),
                    None => Value::Str(Cow::Borrowed("")),
                })
            }
            // `FirstWrapper` swallows the KeyError an int key causes.
            (Value::Get, Index::Int(_)) => Ok(Value::Str(Cow::Borrowed(""))),
            (Value::Location, Index::Text(key)) => location(request, key),
            (Value::Location, Index::Int(i)) => {
                Err(TemplateError::Invalid(format!("KeyError: {i}")))
            }
            (Value::Headers, Index::Int(_)) | (Value::Function(_), _) => {
                Err(TemplateError::Invalid(format!(
                    "cannot index a {} with {}",
                    self.type_name(),
                    describe(index)
                )))
            }
            _ => self.index_plain(index),
        }
    }

    /// `value(request, *args)`.
    pub fn call(&self, scope: &Scope<'a>, args: &[String]) -> Result<Value<'a>, TemplateError> {
        match self {
            Value::Function(f) => f.call(scope.request, args),
            other => Err(TemplateError::Invalid(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }
}

/// `location[key]` from `request.url_parts` (F-SB-12).
fn location<'a>(request: &'a Request, key: &str) -> Result<Value<'a>, TemplateError> {
    let scheme = request.scheme.as_str();
    Ok(match key {
        "server" => Value::Str(Cow::Owned(format!(
            "{scheme}://{}:{}",
            request.url_hostname, request.url_port
        ))),
        "scheme" => Value::Str(Cow::Borrowed(scheme)),
        "host" => Value::Str(Cow::Owned(format!(
            "{}:{}",
            request.url_hostname, request.url_port
        ))),
        "hostname" => Value::Str(Cow::Borrowed(&request.url_hostname)),
        "port" => Value::Int(i64::from(request.url_port)),
        "path" | "pathname" => Value::Str(Cow::Borrowed(&request.path)),
        // "?" even when there is no query (§3 item 6).
        "query" => Value::Str(Cow::Owned(format!("?{}", request.query))),
        _ => return Err(TemplateError::Invalid(format!("KeyError: {key:?}"))),
    })
}
