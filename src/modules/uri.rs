//! `uri`: an HTTP(S) request made from the target, as ansible-core's module does, with
//! the target's `curl` ([`super::uri_curl`]); the result has ansible-core's keys (`status`,
//! `msg`, `url`, `redirected`, the response headers lowercased with `_`, `cookies`,
//! `content`, `json`, `elapsed`, and the path facts of `dest`).

use async_trait::async_trait;

use super::args::{boolean, check_known, get, string};
use super::file_attrs::{self, Probe, path_info};
use super::uri_curl::{Request, Response};
use super::{Module, ModuleContext, ModuleError, Plan, result};
use crate::connection::shell_quote;
use crate::vars::{Key, Map, Value};

pub struct Uri;

const KNOWN: &[&str] = &[
    "url",
    "dest",
    "url_username",
    "user",
    "url_password",
    "password",
    "body",
    "body_format",
    "src",
    "method",
    "return_content",
    "follow_redirects",
    "creates",
    "removes",
    "status_code",
    "timeout",
    "headers",
    "unix_socket",
    "remote_src",
    "ca_path",
    "unredirected_headers",
    "decompress",
    "ciphers",
    "use_netrc",
    "force",
    "http_agent",
    "use_proxy",
    "validate_certs",
    "force_basic_auth",
    "client_cert",
    "client_key",
    "use_gssapi",
];

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

/// `json.dumps` with Python's defaults (`", "`, `": "`, ASCII escapes, keys as given).
fn json_dumps(v: &Value) -> String {
    crate::template::json_dumps(
        v,
        crate::template::JsonStyle {
            indent: None,
            sort_keys: false,
            ensure_ascii: true,
        },
    )
}

/// `urllib.parse.quote_plus`.
fn quote_plus(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The module's `form_urlencoded`: a dict or list of pairs, list values repeated.
fn form_urlencoded(body: &Value) -> Result<String, ModuleError> {
    let pairs: Vec<(Value, Value)> = match body {
        Value::Map(m) => m.iter().map(|(k, v)| (Value::from_key(k), v.clone())).collect(),
        Value::List(items) => items
            .iter()
            .map(|i| match i {
                Value::List(kv) if kv.len() == 2 => Ok((kv[0].clone(), kv[1].clone())),
                _ => Err(ModuleError::new(
                    "failed to parse body as form_urlencoded: cannot form-urlencode body, expect list or dict",
                )),
            })
            .collect::<Result<_, _>>()?,
        other => return Ok(crate::output::python_repr::python_str(other)),
    };
    let mut out = Vec::new();
    for (k, v) in pairs {
        let values = match v {
            Value::List(items) => items,
            other => vec![other],
        };
        for value in values {
            if matches!(value, Value::Null) {
                continue;
            }
            out.push(format!(
                "{}={}",
                quote_plus(&crate::output::python_repr::python_str(&k)),
                quote_plus(&crate::output::python_repr::python_str(&value))
            ));
        }
    }
    Ok(out.join("&"))
}

/// `status_code`: an int, a list of ints, or a comma-separated string.
fn status_codes(args: &Map) -> Result<Vec<i64>, ModuleError> {
    let items = match get(args, "status_code") {
        None => return Ok(vec![200]),
        Some(Value::List(items)) => items.clone(),
        Some(Value::Str(t)) => t.split(',').map(|x| Value::Str(x.trim().into())).collect(),
        Some(v) => vec![v.clone()],
    };
    items
        .iter()
        .map(|v| match v {
            Value::Int(i) => Ok(*i),
            Value::Str(t) => t.trim().parse().map_err(|_| ()),
            Value::Float(f) if f.fract() == 0.0 => Ok(*f as i64),
            _ => Err(()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            ModuleError::new(
                "Elements value for option 'status_code' is of type str and we were unable to convert to int",
            )
        })
}

/// `urljoin(base, location)` for the usual shapes of a Location header.
fn urljoin(base: &str, loc: &str) -> String {
    if loc.contains("://") {
        return loc.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    let host_end = rest.find('/').unwrap_or(rest.len());
    let host = &rest[..host_end];
    if let Some(l) = loc.strip_prefix("//") {
        return format!("{scheme}://{l}");
    }
    if loc.starts_with('/') {
        return format!("{scheme}://{host}{loc}");
    }
    let path = &rest[host_end..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    };
    format!("{scheme}://{host}{dir}{loc}")
}

/// `mask_url`: the password in `scheme://user:pass@host` replaced.
fn mask_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let auth_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..auth_end].rfind('@')
            && let Some((user, _)) = rest[..at].split_once(':')
        {
            return format!("{scheme}://{user}:********@{}", &rest[at + 1..]);
        }
    }
    url.to_string()
}

/// The message urllib gives for a request that got no HTTP answer, from curl's exit code.
fn request_failure(rc: i32, curl_error: &str) -> String {
    let first = curl_error.lines().next().unwrap_or("");
    let detail = first
        .strip_prefix("curl: ")
        .map(|t| t.split_once(") ").map_or(t, |(_, rest)| rest))
        .unwrap_or(first);
    match rc {
        7 if detail.contains("No route") => {
            "Request failed: <urlopen error [Errno 113] No route to host>".into()
        }
        7 => "Request failed: <urlopen error [Errno 111] Connection refused>".into(),
        6 => "Request failed: <urlopen error [Errno -2] Name or service not known>".into(),
        28 => "Connection failure: timed out".into(),
        60 => format!(
            "Request failed: <urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {}>",
            detail
                .strip_prefix("SSL certificate problem: ")
                .unwrap_or(detail)
        ),
        77 | 35 | 58 | 59 | 83 | 90 | 91 => {
            format!("Request failed: <urlopen error [SSL] {detail}>")
        }
        _ => format!("Request failed: <urlopen error {detail}>"),
    }
}

/// The response's `Content-Type`: (main/sub, charset).
fn content_type(headers: &[(String, String)]) -> Option<(String, String)> {
    let ct = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone())?;
    let mut parts = ct.split(';');
    let mime = parts.next().unwrap_or("").trim().to_lowercase();
    let charset = parts
        .filter_map(|p| p.trim().strip_prefix("charset=").map(str::to_string))
        .next()
        .unwrap_or_else(|| "utf-8".into());
    Some((mime, charset))
}

fn from_json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None if n.is_u64() => Value::BigInt(n.to_string()),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(t) => Value::Str(t),
        serde_json::Value::Array(a) => Value::List(a.into_iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::Map(
            o.into_iter()
                .map(|(k, v)| (Key::from(k.as_str()), from_json(v)))
                .collect(),
        ),
    }
}

/// The file name for a `dest` directory: Content-Disposition's, else the URL's last path
/// segment, else `index.html`.
fn response_filename(headers: &[(String, String)], url: &str) -> String {
    let from_cd = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-disposition"))
        .and_then(|(_, v)| {
            v.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix("filename=")
                    .map(|f| f.trim_matches('"').to_string())
            })
        })
        .filter(|f| !f.is_empty());
    if let Some(f) = from_cd {
        return f.rsplit('/').next().unwrap_or(&f).to_string();
    }
    let path = url
        .split_once("://")
        .map_or(url, |(_, r)| r.find('/').map_or("", |i| &r[i..]));
    let path = path.split(['?', '#']).next().unwrap_or("");
    match path.rsplit('/').next() {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => "index.html".into(),
    }
}

#[async_trait]
impl Module for Uri {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        if cx.check_mode {
            return Ok(Plan::Done(ModuleError::skip_result(
                "This action (uri) does not support check mode.",
            )));
        }
        // Like every module that writes a file (`dest`), uri takes the common file arguments.
        let mut known = KNOWN.to_vec();
        known.extend_from_slice(super::file_attrs::COMMON_ARGS);
        check_known(args, &known)?;
        let url = string(args, "url")?
            .ok_or_else(|| ModuleError::new("missing required arguments: url"))?;
        let method = string(args, "method")?
            .unwrap_or_else(|| "GET".into())
            .to_uppercase();
        if method.is_empty() || !method.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ModuleError::new(
                "Parameter 'method' needs to be a single word in uppercase, like GET or POST.",
            ));
        }
        let body_format = string(args, "body_format")?
            .unwrap_or_else(|| "raw".into())
            .to_lowercase();
        let mut headers: Vec<(String, String)> = match get(args, "headers") {
            None => Vec::new(),
            Some(Value::Map(m)) => m
                .iter()
                .map(|(k, v)| {
                    (
                        crate::output::python_repr::python_str(&Value::from_key(k)),
                        crate::output::python_repr::python_str(v),
                    )
                })
                .collect(),
            Some(other) => {
                return Err(ModuleError::new(format!(
                    "argument 'headers' is of type {} and we were unable to convert to dict",
                    other.python_type_name()
                )));
            }
        };
        let has_ct = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        let body = get(args, "body");
        let src = string(args, "src")?;
        if body.is_some() && src.is_some() {
            return Err(ModuleError::new(
                "parameters are mutually exclusive: body|src",
            ));
        }
        let body_bytes: Option<Vec<u8>> = match (body_format.as_str(), body) {
            (_, None) => None,
            ("json", Some(b)) => {
                if !has_ct {
                    headers.push(("Content-Type".into(), "application/json".into()));
                }
                Some(match b {
                    Value::Str(t) | Value::Unsafe(t) => t.clone().into_bytes(),
                    other => json_dumps(other).into_bytes(),
                })
            }
            ("form-urlencoded", Some(b)) => {
                if !has_ct {
                    headers.push((
                        "Content-Type".into(),
                        "application/x-www-form-urlencoded".into(),
                    ));
                }
                Some(form_urlencoded(b)?.into_bytes())
            }
            ("raw", Some(b)) => Some(crate::output::python_repr::python_str(b).into_bytes()),
            ("form-multipart", Some(_)) => {
                return Err(ModuleError::new(
                    "roller's uri does not support body_format form-multipart",
                ));
            }
            (other, Some(_)) => {
                return Err(ModuleError::new(format!(
                    "value of body_format must be one of: form-urlencoded, json, raw, form-multipart, got: {other}"
                )));
            }
        };
        if body_format == "json" && body.is_none() && !has_ct {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        // `src`: a controller file (sent as the body), or with remote_src one on the target.
        let (body_bytes, body_file) = match src {
            Some(path) if boolean(args, "remote_src", false)? => (None, Some(path)),
            Some(path) => {
                let found = super::copy::find_needle(cx, "files", &path)?;
                let bytes = std::fs::read(&found).map_err(|e| {
                    ModuleError::new(format!("Unable to open source file {path}: {e}"))
                })?;
                (Some(bytes), None)
            }
            None => (body_bytes, None),
        };
        let status_codes = status_codes(args)?;
        for (key, want) in [("creates", true), ("removes", false)] {
            if let Some(p) = string(args, key)? {
                let p = file_attrs::expand_user(cx, p).await?;
                let out = file_attrs::run(cx, format!("test -e {}", shell_quote(&p)), None).await?;
                if (out.rc == 0) == want {
                    let text = if want {
                        format!("skipped, since '{p}' exists")
                    } else {
                        format!("skipped, since '{p}' does not exist")
                    };
                    return Ok(Plan::Done(result([
                        ("changed", Value::Bool(false)),
                        ("stdout", s(&text)),
                        ("stdout_lines", Value::List(vec![s(&text)])),
                    ])));
                }
            }
        }
        let follow = string(args, "follow_redirects")?.unwrap_or_else(|| "safe".into());
        let follow = match follow.as_str() {
            "all" | "yes" | "urllib2" => true,
            "safe" => method == "GET" || method == "HEAD",
            "none" | "no" => false,
            other => {
                return Err(ModuleError::new(format!(
                    "value of follow_redirects must be one of: all, no, none, safe, urllib2, yes, got: {other}"
                )));
            }
        };
        let user = string(args, "url_username")?.or(string(args, "user")?);
        let password = string(args, "url_password")?.or(string(args, "password")?);
        let dest = match string(args, "dest")? {
            Some(d) => Some(file_attrs::expand_user(cx, d).await?),
            None => None,
        };
        let timeout = match get(args, "timeout") {
            None => 30,
            Some(Value::Int(i)) => (*i).max(1) as u64,
            Some(Value::Str(t)) => t.trim().parse().unwrap_or(30),
            Some(_) => 30,
        };
        let return_content = boolean(args, "return_content", false)?;
        let req = Request {
            url: url.clone(),
            method: method.clone(),
            headers,
            body: body_bytes,
            body_file,
            follow,
            validate_certs: boolean(args, "validate_certs", true)?,
            user: user.map(|u| (u, password.unwrap_or_default())),
            force_basic_auth: boolean(args, "force_basic_auth", false)?,
            use_netrc: boolean(args, "use_netrc", true)?,
            use_proxy: boolean(args, "use_proxy", true)?,
            decompress: boolean(args, "decompress", true)?,
            timeout,
            ca_path: string(args, "ca_path")?,
            client_cert: string(args, "client_cert")?,
            client_key: string(args, "client_key")?,
            unix_socket: string(args, "unix_socket")?,
            http_agent: string(args, "http_agent")?.unwrap_or_else(|| "ansible-httpget".into()),
            dest: dest.clone(),
        };
        let (script, stdin) = req.script();
        let out = file_attrs::run(cx, script, Some(stdin)).await?;
        if out.rc != 0 {
            return Err(ModuleError::new(format!(
                "could not run the request on the target: {}",
                out.stderr_text().trim()
            )));
        }
        let resp = Response::parse(&out.stdout);
        if resp.no_curl {
            return Err(ModuleError::new(
                "uri needs curl on the target (roller sends HTTP requests from the target with its curl), and there is none in PATH",
            ));
        }
        if resp.dest_dir_missing {
            return Err(ModuleError::new(format!(
                "Destination dir '{}' not writable",
                dest.as_deref().unwrap_or_default()
            )));
        }
        let mut res = shape(&url, &resp, &status_codes, return_content);
        if let Some(dest) = &dest {
            finish_dest(cx, dest, &resp, &status_codes, &mut res).await?;
        }
        if let Some(secret) = req.user.as_ref().map(|(_, p)| p.as_str())
            && !secret.is_empty()
        {
            res.values_mut().for_each(|v| hide(v, secret));
        }
        let status = res
            .get(&Key::from("status"))
            .and_then(|v| match v {
                Value::Int(i) => Some(*i),
                _ => None,
            })
            .unwrap_or(-1);
        if !status_codes.contains(&status) {
            let msg = res
                .get(&Key::from("msg"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let codes: Vec<String> = status_codes.iter().map(i64::to_string).collect();
            let msg = format!(
                "Status code was {status} and not [{}]: {msg}",
                codes.join(", ")
            );
            res.shift_remove(&Key::from("msg"));
            let mut err = ModuleError::new(msg);
            err.result = res;
            return Err(err);
        }
        Ok(Plan::Done(res))
    }
}

/// `remove_values`: a no_log parameter's value (the password) never shows in a result: a
/// string equal to it becomes `VALUE_SPECIFIED_IN_NO_LOG_PARAMETER`, and it is masked with
/// `********` inside other strings.
fn hide(v: &mut Value, secret: &str) {
    match v {
        Value::Str(t) | Value::Unsafe(t) => {
            if t == secret {
                *t = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER".into();
            } else if t.contains(secret) {
                *t = t.replace(secret, "********");
            }
        }
        Value::List(items) => items.iter_mut().for_each(|i| hide(i, secret)),
        Value::Map(m) => m.values_mut().for_each(|i| hide(i, secret)),
        _ => {}
    }
}

/// The result as ansible-core's module builds it from urllib's answer.
fn shape(url: &str, resp: &Response, codes: &[i64], return_content: bool) -> Map {
    let masked = mask_url(url);
    let mut res = Map::new();
    let last = resp.header_blocks.last().filter(|_| resp.curl_rc == 0);
    let Some(last) = last else {
        // No HTTP answer at all.
        res.insert("redirected".into(), Value::Bool(false));
        res.insert("url".into(), s(&masked));
        res.insert("status".into(), Value::Int(-1));
        res.insert(
            "msg".into(),
            s(&request_failure(resp.curl_rc, &resp.curl_error)),
        );
        res.insert("elapsed".into(), Value::Int(resp.elapsed));
        res.insert("changed".into(), Value::Bool(false));
        if return_content {
            res.insert("content".into(), s(""));
        }
        return res;
    };
    let ok = (200..300).contains(&last.code);
    let mut info: Vec<(String, Value)> = Vec::new();
    let set = |info: &mut Vec<(String, Value)>, k: &str, v: Value| match info
        .iter_mut()
        .find(|(key, _)| key == k)
    {
        Some(slot) => slot.1 = v,
        None => info.push((k.to_string(), v)),
    };
    // Headers: urllib joins a repeated header with ", " (an error response keeps the last).
    for (k, v) in &last.headers {
        let k = k.to_lowercase();
        let joined = match info.iter().find(|(key, _)| *key == k) {
            Some((_, Value::Str(prev))) if ok => format!("{prev}, {v}"),
            _ => v.clone(),
        };
        set(&mut info, &k, Value::Str(joined));
    }
    let final_url = if ok {
        mask_url(&resp.url_effective)
    } else {
        masked.clone()
    };
    if ok {
        let mut cookies = Map::new();
        let mut list: Vec<(String, String)> = Vec::new();
        for b in &resp.header_blocks {
            for (k, v) in &b.headers {
                if k.eq_ignore_ascii_case("set-cookie")
                    && let Some((name, value)) = v.split(';').next().and_then(|c| c.split_once('='))
                {
                    let (name, value) = (name.trim().to_string(), value.trim().to_string());
                    list.retain(|(n, _)| *n != name);
                    list.push((name.clone(), value.clone()));
                    cookies.insert(Key::from(name.as_str()), s(&value));
                }
            }
        }
        let string: Vec<String> = list.iter().map(|(n, v)| format!("{n}={v}")).collect();
        set(&mut info, "cookies_string", s(&string.join("; ")));
        set(&mut info, "cookies", Value::Map(cookies));
        let length = last
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map_or("unknown".to_string(), |(_, v)| v.clone());
        set(&mut info, "msg", s(&format!("OK ({length} bytes)")));
    } else {
        set(
            &mut info,
            "msg",
            s(&format!("HTTP Error {}: {}", last.code, last.reason)),
        );
    }
    set(&mut info, "url", s(&final_url));
    set(&mut info, "status", Value::Int(last.code));
    res.insert("redirected".into(), Value::Bool(final_url != masked));
    for (k, v) in info {
        res.insert(Key::from(k.replace('-', "_").as_str()), v);
    }
    if let Some(Value::Str(loc)) = res.get(&Key::from("location")).cloned() {
        res.insert("location".into(), s(&urljoin(&masked, &loc)));
    }
    res.insert("elapsed".into(), Value::Int(resp.elapsed));
    res.insert("changed".into(), Value::Bool(false));
    let ctype = content_type(&last.headers);
    let maybe_json = ctype.as_ref().is_some_and(|(mime, _)| {
        let sub = mime.split_once('/').map_or("", |(_, s)| s);
        let sub = sub.rsplit_once('+').map_or(sub, |(_, suffix)| suffix);
        sub == "json" || sub == "javascript"
    });
    let maybe_output = maybe_json || return_content || !codes.contains(&last.code);
    let text = String::from_utf8_lossy(&resp.body).into_owned();
    if maybe_output {
        if maybe_json && let Ok(js) = serde_json::from_str::<serde_json::Value>(&text) {
            res.insert("json".into(), from_json(js));
        }
        if return_content {
            res.insert("content".into(), s(&text));
        }
    } else if !ok {
        // urllib's error body stays in the result when nobody read it.
        res.insert("body".into(), s(&text));
    }
    res
}

/// Move the download into `dest` when the status is wanted (not 304), and report the
/// path's facts; otherwise drop the download.
async fn finish_dest(
    cx: &ModuleContext<'_>,
    dest: &str,
    resp: &Response,
    codes: &[i64],
    res: &mut Map,
) -> Result<(), ModuleError> {
    let Some(tmp) = &resp.download else {
        return Ok(());
    };
    let status = resp.header_blocks.last().map_or(-1, |b| b.code);
    let answered = resp.curl_rc == 0 && !resp.header_blocks.is_empty();
    let write = answered && codes.contains(&status) && status != 304;
    let tq = shell_quote(tmp);
    if !answered {
        file_attrs::run(cx, format!("rm -f -- {tq}"), None).await?;
        return Ok(());
    }
    let last_headers = resp
        .header_blocks
        .last()
        .map(|b| b.headers.clone())
        .unwrap_or_default();
    // A directory `dest` takes the response's file name (tested on the target).
    let name = response_filename(&last_headers, &resp.url_effective);
    let script = format!(
        "_dest={dq}\nif [ -d \"$_dest\" ]; then _dest=\"${{_dest%/}}\"/{nq}; fi\n\
         if [ {w} = 1 ]; then\n\
         if [ {e} = 1 ]; then : > {tq}; fi\n\
         if [ -e \"$_dest\" ] && cmp -s -- {tq} \"$_dest\"; then rm -f -- {tq}\n\
         else\n\
         if [ -e \"$_dest\" ]; then chmod \"$(stat -c %a -- \"$_dest\")\" {tq}; chown \"$(stat -c %u:%g -- \"$_dest\")\" {tq} 2>/dev/null || true\n\
         else chmod \"$(printf '%o' $(( 0666 & ~0$(umask) )))\" {tq}; fi\n\
         mv -f -- {tq} \"$_dest\" || exit 1\n\
         fi\n\
         printf 'P|%s\\n' \"$_dest\"; _rs \"$_dest\" R\n\
         else rm -f -- {tq}; printf 'P|%s\\n' \"$_dest\"; fi\n",
        dq = shell_quote(dest),
        nq = shell_quote(&name),
        w = u8::from(write),
        // urllib has already read an error response's body when the module copies the
        // response into `dest`: ansible-core writes an empty file then.
        e = u8::from(!(200..300).contains(&status)),
    );
    let probe: Probe = file_attrs::apply_script(cx, &script, None).await?;
    let path = probe
        .get("P")
        .map(str::to_string)
        .unwrap_or_else(|| dest.to_string());
    if write {
        res.insert("changed".into(), Value::Bool(true));
        res.extend(path_info(&probe.stat("R")));
    }
    res.insert("path".into(), s(&path));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_as_python() {
        let mut m = Map::new();
        m.insert("x".into(), Value::Int(1));
        m.insert(
            "y".into(),
            Value::List(vec![Value::Str("a".into()), Value::Str("é".into())]),
        );
        assert_eq!(
            json_dumps(&Value::Map(m.clone())),
            r#"{"x": 1, "y": ["a", "\u00e9"]}"#
        );
        let mut f = Map::new();
        f.insert("a".into(), Value::Str("1 2".into()));
        f.insert(
            "b".into(),
            Value::List(vec![Value::Str("x".into()), Value::Str("y&z".into())]),
        );
        assert_eq!(
            form_urlencoded(&Value::Map(f)).unwrap(),
            "a=1+2&b=x&b=y%26z"
        );
        assert_eq!(urljoin("http://h:1/a/b?q", "/c"), "http://h:1/c");
        assert_eq!(urljoin("http://h:1/a/b", "c"), "http://h:1/a/c");
        assert_eq!(mask_url("http://u:p@h/x"), "http://u:********@h/x");
    }
}
