//! Checks a JSON request against a schema from the saved OpenAPI specification: types,
//! required fields, lengths, enumerations — and fields the specification does not know.

use serde_json::Value;

/// Every way `value` departs from `schema`, each naming the field path.
pub fn check(value: &Value, schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(value, schema, "$", &mut out);
    out
}

fn walk(v: &Value, s: &Value, path: &str, out: &mut Vec<String>) {
    if v.is_null() {
        if s["nullable"].as_bool() != Some(true) {
            out.push(format!("{path}: null is not allowed"));
        }
        return;
    }
    if s["readOnly"].as_bool() == Some(true) {
        out.push(format!("{path}: read-only, must not be sent"));
    }
    let ty = s["type"]
        .as_str()
        .unwrap_or(if s.get("properties").is_some() { "object" } else { "" });
    let ok = match ty {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    };
    if !ok {
        out.push(format!("{path}: expected {ty}, got {v}"));
        return;
    }
    if let Some(allowed) = s["enum"].as_array() {
        if !allowed.contains(v) {
            out.push(format!("{path}: {v} is not one of {}", Value::Array(allowed.clone())));
        }
    }
    if let Some(text) = v.as_str() {
        let n = text.chars().count() as u64;
        if let Some(max) = s["maxLength"].as_u64() {
            if n > max {
                out.push(format!("{path}: {n} characters, at most {max} allowed"));
            }
        }
        if let Some(min) = s["minLength"].as_u64() {
            if n < min {
                out.push(format!("{path}: {n} characters, at least {min} required"));
            }
        }
    }
    if let Some(items) = v.as_array() {
        for (i, item) in items.iter().enumerate() {
            walk(item, &s["items"], &format!("{path}[{i}]"), out);
        }
    }
    if let Some(obj) = v.as_object() {
        for r in s["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !obj.contains_key(r) {
                out.push(format!("{path}.{r}: required but missing"));
            }
        }
        if let Some(props) = s["properties"].as_object() {
            for (k, val) in obj {
                match props.get(k) {
                    Some(ps) => walk(val, ps, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}: not in the specification")),
                }
            }
        }
    }
}

/// Checks request headers against the specification's header parameters.
pub fn check_headers(headers: &axum::http::HeaderMap, params: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for p in params.as_array().into_iter().flatten() {
        let Some(name) = p["name"].as_str() else { continue };
        match headers.get(name).and_then(|v| v.to_str().ok()) {
            None | Some("") if p["required"].as_bool() == Some(true) => {
                out.push(format!("header {name}: required but missing"))
            }
            None | Some("") => {}
            Some(v) => {
                for e in check(&Value::String(v.to_string()), &p["schema"]) {
                    out.push(e.replace('$', &format!("header {name}")));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_each_departure() {
        let s = json!({"type": "object", "required": ["a"], "properties": {
            "a": {"type": "string", "maxLength": 3},
            "n": {"type": "integer"}
        }});
        assert!(check(&json!({"a": "abc", "n": 2}), &s).is_empty());
        let e = check(&json!({"a": "abcd", "n": "2", "x": 1}), &s);
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(check(&json!({}), &s)[0].contains("required"));
    }
}
