//! Checks requests against a saved API description (Swagger 2.0 or OpenAPI 3): the path
//! and method exist, required headers and query parameters are there and no unknown
//! query parameter is, path parameters have their type, and the body has only known
//! fields, each of its type, with every required field present.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// A saved specification.
pub struct Spec {
    doc: Value,
    swagger2: bool,
}

/// The operation a request matched.
#[derive(Debug)]
pub struct Matched {
    /// The path template, e.g. `/V1.0/Tickets/{parentId}/Charges`.
    pub template: String,
    pub params: HashMap<String, String>,
}

fn segments_match(template: &str, path: &str) -> Option<HashMap<String, String>> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (a, b) in t.iter().zip(&p) {
        if a.starts_with('{') && a.ends_with('}') {
            params.insert(a[1..a.len() - 1].to_string(), b.to_string());
        } else if !a.eq_ignore_ascii_case(b) {
            return None;
        }
    }
    Some(params)
}

impl Spec {
    pub fn parse(text: &str) -> Spec {
        let doc: Value = serde_json::from_str(text).expect("the embedded specification is JSON");
        let swagger2 = doc.get("swagger").is_some();
        Spec { doc, swagger2 }
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut s = schema;
        for _ in 0..16 {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let name = r.rsplit('/').next().unwrap_or("");
                    let table = if self.swagger2 {
                        &self.doc["definitions"]
                    } else {
                        &self.doc["components"]["schemas"]
                    };
                    s = &table[name];
                }
                None => break,
            }
        }
        s
    }

    /// Checks one request; returns the matched operation or every problem found.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        headers: &dyn Fn(&str) -> Option<String>,
        query: &HashMap<String, String>,
        body: Option<&Value>,
    ) -> Result<Matched, Vec<String>> {
        let m = method.to_ascii_lowercase();
        let paths = self.doc["paths"].as_object().expect("paths");
        // Literal templates win over ones with parameters.
        let mut found: Option<(&String, &Value, HashMap<String, String>)> = None;
        for (template, item) in paths {
            if let Some(params) = segments_match(template, path) {
                let better = match &found {
                    None => true,
                    Some((_, _, p)) => params.len() < p.len(),
                };
                if better {
                    found = Some((template, item, params));
                }
            }
        }
        let Some((template, item, params)) = found else {
            return Err(vec![format!("{method} {path}: no such path in the specification")]);
        };
        let Some(op) = item.get(&m) else {
            return Err(vec![format!(
                "{method} {template}: the specification has no {method} here"
            )]);
        };
        let mut errs = Vec::new();
        let mut known_query = Vec::new();
        let mut body_schema: Option<&Value> = None;
        for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            let p = self.resolve(p);
            let name = p["name"].as_str().unwrap_or("");
            let required = p["required"].as_bool().unwrap_or(false);
            let ty = p
                .get("type")
                .or_else(|| p.get("schema").and_then(|s| s.get("type")))
                .and_then(Value::as_str);
            match p["in"].as_str().unwrap_or("") {
                "header" if required && headers(name).is_none_or(|v| v.is_empty()) => {
                    errs.push(format!("{method} {template}: header {name} is required"));
                }
                "query" => {
                    known_query.push(name.to_ascii_lowercase());
                    if required && !query.keys().any(|k| k.eq_ignore_ascii_case(name)) {
                        errs.push(format!("{method} {template}: query parameter {name} is required"));
                    }
                }
                "path" => {
                    if let (Some(v), Some("integer")) = (params.get(name), ty) {
                        if v.parse::<i64>().is_err() {
                            errs.push(format!("{method} {template}: {name} = `{v}` is not an integer"));
                        }
                    }
                }
                "body" => body_schema = p.get("schema"),
                _ => {}
            }
        }
        for k in query.keys() {
            if !known_query.contains(&k.to_ascii_lowercase()) {
                errs.push(format!("{method} {template}: unknown query parameter {k}"));
            }
        }
        if !self.swagger2 {
            if let Some(rb) = op.get("requestBody") {
                body_schema = rb["content"]
                    .get("application/json")
                    .or_else(|| rb["content"].as_object().and_then(|c| c.values().next()))
                    .and_then(|c| c.get("schema"));
            }
        }
        match (body_schema, body) {
            (Some(s), Some(b)) => self.check_value(s, b, "body", &mut errs),
            (Some(_), None) if matches!(m.as_str(), "post" | "put" | "patch") => {
                errs.push(format!("{method} {template}: a JSON body is required"))
            }
            (None, Some(b)) if !b.is_null() => errs.push(format!("{method} {template}: takes no body")),
            _ => {}
        }
        if errs.is_empty() {
            Ok(Matched {
                template: template.clone(),
                params,
            })
        } else {
            Err(errs)
        }
    }

    /// Checks `v` against `schema`, adding a message per problem.
    pub fn check_value(&self, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
        let s = self.resolve(schema);
        if v.is_null() {
            return; // Nullable in practice in all three APIs.
        }
        let ty = s.get("type").and_then(Value::as_str);
        let props = s.get("properties").and_then(Value::as_object);
        match ty {
            Some("integer") => {
                if !v
                    .as_number()
                    .is_some_and(|n| n.as_i64().is_some() || n.as_u64().is_some())
                {
                    errs.push(format!("{at}: expected an integer, got {v}"));
                }
            }
            Some("number") => {
                if !v.is_number() {
                    errs.push(format!("{at}: expected a number, got {v}"));
                }
            }
            Some("boolean") => {
                if !v.is_boolean() {
                    errs.push(format!("{at}: expected true or false, got {v}"));
                }
            }
            Some("string") => match v.as_str() {
                None => errs.push(format!("{at}: expected a string, got {v}")),
                Some(t) => {
                    if s.get("format").and_then(Value::as_str) == Some("date-time")
                        && chrono::DateTime::parse_from_rfc3339(t).is_err()
                        && chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").is_err()
                    {
                        errs.push(format!("{at}: `{t}` is not a date-time"));
                    }
                    if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
                        if !allowed.iter().any(|a| a.as_str() == Some(t)) {
                            errs.push(format!("{at}: `{t}` is not one of {}", Value::Array(allowed.clone())));
                        }
                    }
                }
            },
            Some("array") => match v.as_array() {
                None => errs.push(format!("{at}: expected an array, got {v}")),
                Some(items) => {
                    if let Some(is) = s.get("items") {
                        for (i, item) in items.iter().enumerate() {
                            self.check_value(is, item, &format!("{at}[{i}]"), errs);
                        }
                    }
                }
            },
            _ => {
                let Some(props) = props.filter(|p| !p.is_empty()) else {
                    return; // Any value (Autotask's filter `value`, free objects).
                };
                let Some(obj) = v.as_object() else {
                    errs.push(format!("{at}: expected an object, got {v}"));
                    return;
                };
                self.check_object(s, props, obj, at, errs);
            }
        }
    }

    fn check_object(
        &self,
        s: &Value,
        props: &Map<String, Value>,
        obj: &Map<String, Value>,
        at: &str,
        errs: &mut Vec<String>,
    ) {
        for (k, val) in obj {
            match props.get(k) {
                Some(ps) => self.check_value(ps, val, &format!("{at}.{k}"), errs),
                None => errs.push(format!("{at}.{k}: not a field of this entity in the specification")),
            }
        }
        for r in s.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(r) = r.as_str() {
                if !obj.contains_key(r) {
                    errs.push(format!("{at}.{r}: required"));
                }
            }
        }
    }
}

impl Spec {
    /// Adds a field the saved description lacks but the service takes (documented where used).
    pub fn extend(&mut self, schema: &str, field: &str, ty: &str) {
        let table = if self.swagger2 { "definitions" } else { "components" };
        let props = if self.swagger2 {
            &mut self.doc[table][schema]["properties"]
        } else {
            &mut self.doc[table]["schemas"][schema]["properties"]
        };
        if let Some(p) = props.as_object_mut() {
            p.insert(field.to_string(), serde_json::json!({"type": ty}));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Spec {
        Spec::parse(
            &json!({
                "swagger": "2.0",
                "paths": {
                    "/V1.0/Tickets/{parentId}/Charges": {"post": {"parameters": [
                        {"name": "parentId", "in": "path", "required": true, "type": "integer"},
                        {"name": "body", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Charge"}},
                        {"name": "Secret", "in": "header", "required": true, "type": "string"}
                    ]}},
                    "/V1.0/Tickets/entityInformation/fields": {"get": {"parameters": []}}
                },
                "definitions": {"Charge": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string"}, "unitQuantity": {"type": "number"},
                    "ticketID": {"type": "integer"}, "datePurchased": {"type": "string", "format": "date-time"}
                }}}
            })
            .to_string(),
        )
    }

    fn check(path: &str, secret: Option<&str>, body: serde_json::Value) -> Result<Matched, Vec<String>> {
        let s = secret.map(str::to_string);
        spec().check("POST", path, &move |_| s.clone(), &HashMap::new(), Some(&body))
    }

    #[test]
    fn a_good_request_matches_its_template() {
        let m = check(
            "/V1.0/Tickets/7/Charges",
            Some("x"),
            json!({"name": "NB", "unitQuantity": 1.5, "ticketID": 7}),
        )
        .unwrap();
        assert_eq!(m.template, "/V1.0/Tickets/{parentId}/Charges");
        assert_eq!(m.params["parentId"], "7");
    }

    #[test]
    fn every_problem_is_named() {
        let e = check(
            "/V1.0/Tickets/x/Charges",
            None,
            json!({"unitQuantity": "3", "ticketId": 7, "datePurchased": "yesterday"}),
        )
        .unwrap_err();
        let all = e.join("\n");
        for want in [
            "header Secret is required",
            "parentId = `x` is not an integer",
            "body.unitQuantity: expected a number",
            "body.ticketId: not a field",
            "body.datePurchased: `yesterday` is not a date-time",
            "body.name: required",
        ] {
            assert!(all.contains(want), "{want} missing from:\n{all}");
        }
    }

    #[test]
    fn unknown_paths_and_methods_are_refused() {
        assert!(check("/V1.0/Tickets/7/Notes", Some("x"), json!({})).is_err());
        let s = spec();
        let e = s.check(
            "DELETE",
            "/V1.0/Tickets/entityInformation/fields",
            &|_| None,
            &HashMap::new(),
            None,
        );
        assert!(e.unwrap_err()[0].contains("no DELETE"));
    }
}
