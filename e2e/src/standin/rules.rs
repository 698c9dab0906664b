//! The v2 filtered stream's rules endpoints: listing, adding (duplicates refused) and deleting
//! rules, with `dry_run`, answered in Twitter's shapes.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::auth::bearer_valid;
use super::http::{
    bad_request_response, body_bytes, json_response, parse_form, BadRequest, Endpoint,
};
use super::streams::V2_UNAUTHORIZED;
use super::Shared;

/// First id handed out to a v2 rule; Twitter rule ids are large decimal strings,
/// so ids of the same shape catch code that assumes they fit in small integers.
pub(super) const FIRST_RULE_ID: u64 = 1_600_000_000_000_000_000;

/// A v2 filtered-stream rule as stored by the stand-in, so tests can check
/// what rules the producer installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Server-assigned id (a large decimal string, as Twitter's are).
    pub id: String,
    /// The rule expression, e.g. `"#rust lang:en"`.
    pub value: String,
    /// Optional client-chosen label.
    pub tag: Option<String>,
}

/// A rule as Twitter serializes it (`tag` omitted when absent).
fn rule_json(rule: &Rule) -> Value {
    let mut obj = json!({"id": rule.id, "value": rule.value});
    if let (Some(tag), Some(map)) = (&rule.tag, obj.as_object_mut()) {
        map.insert("tag".into(), Value::String(tag.clone()));
    }
    obj
}

/// Current time as Twitter formats `meta.sent`: `2024-01-02T03:04:05.678Z`.
fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `GET /2/tweets/search/stream/rules`.
pub(super) async fn rules_list(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !bearer_valid(&shared.bearer_token, &headers) {
        return json_response(StatusCode::UNAUTHORIZED, V2_UNAUTHORIZED);
    }
    let rules = shared.rules();
    let mut body = json!({"meta": {"sent": now_rfc3339(), "result_count": rules.len()}});
    if let (false, Some(map)) = (rules.is_empty(), body.as_object_mut()) {
        map.insert(
            "data".into(),
            Value::Array(rules.iter().map(rule_json).collect()),
        );
    }
    json_response(StatusCode::OK, body.to_string())
}

/// An `add` entry that passed validation.
struct NewRule {
    value: String,
    tag: Option<String>,
}

/// Validates a `{"add":[{"value","tag"}]}` array.
fn parse_adds(adds: &Value) -> Result<Vec<NewRule>, BadRequest> {
    let items = adds
        .as_array()
        .ok_or_else(|| BadRequest::new("`add` must be an array"))?;
    if items.is_empty() {
        return Err(BadRequest::new("`add` must not be empty"));
    }
    items
        .iter()
        .map(|item| {
            let value = item
                .get("value")
                .and_then(Value::as_str)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| BadRequest::new("each rule needs a non-empty string `value`"))?;
            let tag = match item.get("tag") {
                None | Some(Value::Null) => None,
                Some(Value::String(tag)) => Some(tag.clone()),
                Some(_) => return Err(BadRequest::new("`tag` must be a string")),
            };
            Ok(NewRule {
                value: value.to_string(),
                tag,
            })
        })
        .collect()
}

/// Validates a `{"delete":{"ids":[...]}}` object.
fn parse_deletes(delete: &Value) -> Result<Vec<String>, BadRequest> {
    let ids = delete
        .get("ids")
        .and_then(Value::as_array)
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| BadRequest::new("`delete.ids` must be a non-empty array"))?;
    ids.iter()
        .map(|id| {
            id.as_str()
                .map(str::to_string)
                .ok_or_else(|| BadRequest::new("rule ids must be strings"))
        })
        .collect()
}

/// `POST /2/tweets/search/stream/rules` (add or delete; `?dry_run=true`
/// validates and answers without changing anything, as on Twitter).
pub(super) async fn rules_change(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let endpoint = Endpoint::V2Stream;
    if !bearer_valid(&shared.bearer_token, req.headers()) {
        return json_response(StatusCode::UNAUTHORIZED, V2_UNAUTHORIZED);
    }
    let dry_run = parse_form(req.uri().query().unwrap_or(""))
        .unwrap_or_default()
        .iter()
        .any(|(name, value)| name == "dry_run" && value == "true");
    let parsed = async {
        let body = body_bytes(req.into_body()).await?;
        serde_json::from_slice::<Value>(&body)
            .map_err(|e| BadRequest::new(format!("body is not valid JSON: {e}")))
    }
    .await;
    let body = match parsed {
        Ok(body) => body,
        Err(err) => return bad_request_response(endpoint, &err),
    };
    let result = match (body.get("add"), body.get("delete")) {
        (Some(adds), None) => parse_adds(adds).map(|adds| add_rules(&shared, adds, dry_run)),
        (None, Some(delete)) => {
            parse_deletes(delete).map(|ids| delete_rules(&shared, &ids, dry_run))
        }
        _ => Err(BadRequest::new(
            "body must have exactly one of `add` or `delete`",
        )),
    };
    match result {
        Ok(reply) => json_response(StatusCode::OK, reply.to_string()),
        Err(err) => bad_request_response(endpoint, &err),
    }
}

/// Adds rules, refusing duplicates of an existing value as Twitter does.
fn add_rules(shared: &Shared, adds: Vec<NewRule>, dry_run: bool) -> Value {
    let mut inner = shared.lock();
    let mut created = Vec::new();
    let mut errors = Vec::new();
    for add in adds {
        let existing = inner
            .rules
            .iter()
            .chain(created.iter())
            .find(|r| r.value == add.value)
            .map(|r| r.id.clone());
        if let Some(id) = existing {
            errors.push(json!({
                "value": add.value,
                "id": id,
                "title": "DuplicateRule",
                "type": "https://api.twitter.com/2/problems/duplicate-rules",
            }));
            continue;
        }
        let id = inner.next_rule_id.to_string();
        inner.next_rule_id += 1;
        created.push(Rule {
            id,
            value: add.value,
            tag: add.tag,
        });
    }
    let data: Vec<Value> = created.iter().map(rule_json).collect();
    let summary = json!({
        "created": created.len(),
        "not_created": errors.len(),
        "valid": created.len(),
        "invalid": errors.len(),
    });
    if !dry_run {
        inner.rules.extend(created);
    }
    let mut reply = json!({"meta": {"sent": now_rfc3339(), "summary": summary}});
    if let Some(map) = reply.as_object_mut() {
        if !data.is_empty() {
            map.insert("data".into(), Value::Array(data));
        }
        if !errors.is_empty() {
            map.insert("errors".into(), Value::Array(errors));
        }
    }
    reply
}

/// Deletes rules by id; unknown ids count as `not_deleted`.
fn delete_rules(shared: &Shared, ids: &[String], dry_run: bool) -> Value {
    let mut inner = shared.lock();
    let (found, missing): (Vec<&String>, Vec<&String>) = ids
        .iter()
        .partition(|id| inner.rules.iter().any(|r| &r.id == *id));
    if !dry_run {
        inner.rules.retain(|r| !found.contains(&&r.id));
    }
    let mut reply = json!({"meta": {
        "sent": now_rfc3339(),
        "summary": {"deleted": found.len(), "not_deleted": missing.len()},
    }});
    if let (false, Some(map)) = (missing.is_empty(), reply.as_object_mut()) {
        let errors = missing
            .iter()
            .map(|id| {
                json!({
                    "errors": [{"parameters": {}, "message": "Rule does not exist"}],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                    "id": id,
                })
            })
            .collect();
        map.insert("errors".into(), Value::Array(errors));
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_timestamp_has_twitters_shape() {
        let sent = now_rfc3339();
        assert_eq!(sent.len(), 24, "{sent}");
        assert!(sent.ends_with('Z') && sent.as_bytes()[10] == b'T', "{sent}");
        assert!(sent.as_str() > "2024-01-01", "{sent}");
    }
}
