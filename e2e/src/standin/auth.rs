//! Authentication as Twitter checks it: OAuth 1.0a HMAC-SHA1 signatures recomputed per
//! RFC 5849 for the v1.1 stream, bearer tokens for v2.

use axum::http::{header, HeaderMap, Method, Uri};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;

/// RFC 3986 "unreserved" characters (ALPHA / DIGIT / "-" / "." / "_" / "~") are
/// the only ones OAuth 1.0a leaves unescaped (RFC 5849 section 3.6).
const OAUTH_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// OAuth 1.0a credentials the v1.1 endpoint accepts; tests hand the same values
/// to the producer so the stand-in can recompute and check its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Application ("consumer") key, compared against `oauth_consumer_key`.
    pub consumer_key: String,
    /// Application secret, the first half of the HMAC-SHA1 signing key.
    pub consumer_secret: String,
    /// User access token, compared against `oauth_token`.
    pub access_token: String,
    /// User access token secret, the second half of the signing key.
    pub access_secret: String,
}

impl Credentials {
    /// The environment variables the producer reads them from (the tutorials' names).
    pub fn env(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("CONSUMER_KEY", &self.consumer_key),
            ("CONSUMER_SECRET", &self.consumer_secret),
            ("ACCESS_TOKEN", &self.access_token),
            ("ACCESS_SECRET", &self.access_secret),
        ]
    }
}

/// Computes an OAuth 1.0a HMAC-SHA1 signature (RFC 5849 section 3.4), base64
/// encoded, so the stand-in and tests can check signatures independently of
/// the producer's signer.
///
/// `base_uri` is used as given: it must already be normalized (lowercase
/// scheme and host, default port omitted, no query). `params` are the decoded
/// request parameters: every `oauth_*` protocol parameter except
/// `oauth_signature`, plus query and form-body parameters.
pub(super) fn oauth1_signature(
    method: &str,
    base_uri: &str,
    params: &[(String, String)],
    consumer_secret: &str,
    token_secret: &str,
) -> String {
    let base_string = signature_base_string(method, base_uri, params);
    let key = format!(
        "{}&{}",
        oauth_encode(consumer_secret),
        oauth_encode(token_secret)
    );
    // HMAC is defined for keys of any length, so this cannot fail.
    let mut mac =
        <Hmac<Sha1> as Mac>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(base_string.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The signature base string of RFC 5849 section 3.4.1: method, encoded base
/// URI and encoded normalized parameters, joined with `&`.
fn signature_base_string(method: &str, base_uri: &str, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(name, value)| (oauth_encode(name), oauth_encode(value)))
        .collect();
    encoded.sort();
    let normalized = encoded
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        oauth_encode(base_uri),
        oauth_encode(&normalized)
    )
}

/// Percent-encodes with the RFC 3986 unreserved set, as OAuth 1.0a requires.
pub(super) fn oauth_encode(s: &str) -> String {
    utf8_percent_encode(s, OAUTH_ENCODE).to_string()
}

/// Parses `Authorization: OAuth k="v", ...` into decoded pairs (`realm` is
/// dropped, as RFC 5849 section 3.4.1.3.1 requires). `None` if not OAuth.
fn parse_oauth_header(value: &str) -> Option<Vec<(String, String)>> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return None;
    }
    let mut pairs = Vec::new();
    for part in rest.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, quoted) = part.split_once('=')?;
        let quoted = quoted.trim();
        let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
        let name = percent_decode(name.trim().as_bytes()).decode_utf8().ok()?;
        let value = percent_decode(inner.as_bytes()).decode_utf8().ok()?;
        if name != "realm" {
            pairs.push((name.into_owned(), value.into_owned()));
        }
    }
    Some(pairs)
}

/// The base string URI (RFC 5849 section 3.4.1.2) of the request as the
/// client addressed it: from the Host header, since that is what it signed.
fn base_uri(headers: &HeaderMap, req_uri: &Uri) -> Option<String> {
    let host = match headers.get(header::HOST) {
        Some(value) => value.to_str().ok()?.to_ascii_lowercase(),
        None => req_uri.authority()?.as_str().to_ascii_lowercase(),
    };
    let host = host.strip_suffix(":80").unwrap_or(&host);
    if host.is_empty() {
        return None;
    }
    Some(format!("http://{host}{}", req_uri.path()))
}

/// Checks an OAuth 1.0a request the way Twitter does: known consumer key and
/// token, HMAC-SHA1, version 1.0, timestamp and nonce present, and a
/// signature that matches the one recomputed from the request.
pub(super) fn oauth_valid(
    creds: &Credentials,
    method: &Method,
    headers: &HeaderMap,
    uri: &Uri,
    params: &[(String, String)],
) -> bool {
    let Some(oauth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_oauth_header)
    else {
        return false;
    };
    let get = |name: &str| {
        oauth
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let present = |name: &str| get(name).is_some_and(|v| !v.is_empty());
    let basics_ok = get("oauth_consumer_key") == Some(creds.consumer_key.as_str())
        && get("oauth_token") == Some(creds.access_token.as_str())
        && get("oauth_signature_method") == Some("HMAC-SHA1")
        && get("oauth_version").is_none_or(|v| v == "1.0")
        && present("oauth_timestamp")
        && present("oauth_nonce");
    let (Some(signature), Some(base)) = (get("oauth_signature"), base_uri(headers, uri)) else {
        return false;
    };
    if !basics_ok {
        return false;
    }
    let mut signed: Vec<(String, String)> = oauth
        .iter()
        .filter(|(name, _)| name != "oauth_signature")
        .cloned()
        .collect();
    signed.extend(params.iter().cloned());
    let expected = oauth1_signature(
        method.as_str(),
        &base,
        &signed,
        &creds.consumer_secret,
        &creds.access_secret,
    );
    expected == signature
}

/// Whether `Authorization: Bearer <token>` carries exactly the expected token.
pub(crate) fn bearer_valid(expected: &str, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("Bearer") && token.trim() == expected
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standin::tests::pairs;

    #[test]
    fn signature_matches_twitters_documented_example() {
        let params = pairs(&[
            ("include_entities", "true"),
            (
                "status",
                "Hello Ladies + Gentlemen, a signed OAuth request!",
            ),
            ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
            ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1318622958"),
            (
                "oauth_token",
                "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
            ),
            ("oauth_version", "1.0"),
        ]);
        let signature = oauth1_signature(
            "POST",
            "https://api.twitter.com/1.1/statuses/update.json",
            &params,
            "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
            "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        );
        assert_eq!(signature, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
        assert_eq!(
                signature_base_string(
                    "post",
                    "https://api.twitter.com/1.1/statuses/update.json",
                    &params
                ),
                "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
            );
    }

    #[test]
    fn oauth_header_parsing_decodes_values_and_drops_realm() {
        let parsed = parse_oauth_header(r#"OAuth realm="x", oauth_nonce="a%2Bb", oauth_token="t""#);
        assert_eq!(
            parsed,
            Some(pairs(&[("oauth_nonce", "a+b"), ("oauth_token", "t")]))
        );
        assert_eq!(parse_oauth_header("Bearer abc"), None);
        assert_eq!(parse_oauth_header("OAuth oauth_nonce=unquoted"), None);
        assert_eq!(parse_oauth_header("OAuth oauth_nonce=\"%FF\""), None);
    }
}
