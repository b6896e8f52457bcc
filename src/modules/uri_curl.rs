//! The target side of `uri`: one request with the target's `curl`, configured through a
//! file that only the task's user can read (credentials and headers never appear in any
//! argv, on the controller or the target), and the response parsed the way Python's
//! `urllib` would have reported it.

use crate::connection::shell_quote;

/// What the request needs (already validated by `uri`).
pub(crate) struct Request {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// `src` with `remote_src`: a file on the target to send.
    pub body_file: Option<String>,
    pub follow: bool,
    pub validate_certs: bool,
    pub user: Option<(String, String)>,
    pub force_basic_auth: bool,
    pub use_netrc: bool,
    pub use_proxy: bool,
    pub decompress: bool,
    pub timeout: u64,
    pub ca_path: Option<String>,
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
    pub unix_socket: Option<String>,
    pub http_agent: String,
    /// Where the response should go (`dest`): the download is kept in a temporary file
    /// beside it, for the caller to move into place or remove.
    pub dest: Option<String>,
}

/// A value in curl's config syntax: double-quoted, with backslash escapes.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Request {
    /// curl's configuration (sent on stdin, stored 0600 in a 0700 directory): everything
    /// that may be secret (URL, credentials, headers) is here, never in argv.
    fn config(&self) -> String {
        let mut c = String::new();
        let mut opt = |k: &str, v: Option<&str>| {
            match v {
                Some(v) => c.push_str(&format!("{k} = {}\n", quoted(v))),
                None => c.push_str(&format!("{k}\n")),
            };
        };
        opt("url", Some(&self.url));
        opt("silent", None);
        opt("show-error", None);
        opt("http1.1", None);
        opt("user-agent", Some(&self.http_agent));
        let has_body = self.body.is_some() || self.body_file.is_some();
        if self.method == "HEAD" {
            opt("head", None);
        } else if !(self.method == "POST" && has_body) {
            // (A POST with a body is curl's default, which turns into a GET when a
            // redirect is followed, as urllib does.)
            opt("request", Some(&self.method));
        }
        for (k, v) in &self.headers {
            opt("header", Some(&format!("{k}: {v}")));
        }
        if let Some(f) = &self.body_file {
            opt("data-binary", Some(&format!("@{f}")));
        }
        if self.follow {
            opt("location", None);
            opt("max-redirs", Some("10"));
        }
        if !self.validate_certs {
            opt("insecure", None);
        }
        if let Some(p) = &self.ca_path {
            opt("cacert", Some(p));
        }
        if let Some(p) = &self.client_cert {
            opt("cert", Some(p));
        }
        if let Some(p) = &self.client_key {
            opt("key", Some(p));
        }
        if let Some((u, p)) = &self.user {
            opt("user", Some(&format!("{u}:{p}")));
            opt(
                if self.force_basic_auth {
                    "basic"
                } else {
                    "anyauth"
                },
                None,
            );
        } else if self.use_netrc {
            opt("netrc-optional", None);
        }
        if !self.use_proxy {
            opt("noproxy", Some("*"));
        }
        if self.decompress {
            opt("compressed", None);
        }
        // urllib's timeout is per socket operation: connecting, and each read.
        let t = self.timeout.max(1).to_string();
        opt("connect-timeout", Some(&t));
        opt("speed-time", Some(&t));
        opt("speed-limit", Some("1"));
        if let Some(s) = &self.unix_socket {
            opt("unix-socket", Some(s));
        }
        c
    }

    /// The script and its stdin: the config's length on the first line, the config, then
    /// the body.
    pub fn script(&self) -> (String, Vec<u8>) {
        let config = self.config();
        let dest_prep = match &self.dest {
            Some(d) => format!(
                "_dest={q}\nif [ -d \"$_dest\" ]; then _dd=$_dest; else _dd=$(dirname -- \"$_dest\"); fi\n\
                 _out=$(mktemp \"$_dd/.roller-uri.XXXXXX\") || {{ echo DESTDIR; exit 0; }}\n\
                 printf 'DL %s\\n' \"$_out\"\n\
                 # urllib sends If-Modified-Since with an existing file's mtime.\n\
                 [ -f \"$_dest\" ] && set -- \"$@\" --time-cond \"$_dest\"\n",
                q = shell_quote(d)
            ),
            None => "_out=\"$_d/out\"\n".to_string(),
        };
        let body = if self.body.is_some() {
            "set -- \"$@\" --data-binary @\"$_d/body\"\n"
        } else {
            ""
        };
        let script = format!(
            "umask 077\n\
             _d=$(mktemp -d) || exit 1\n\
             trap 'rm -rf \"$_d\"' EXIT\n\
             read -r _n\n\
             head -c \"$_n\" > \"$_d/cfg\"\n\
             cat > \"$_d/body\"\n\
             command -v curl >/dev/null 2>&1 || {{ echo NOCURL; exit 0; }}\n\
             set --\n\
             {body}{dest_prep}\
             : > \"$_d/hdr\"; : > \"$_d/err\"; : > \"$_d/w\"; : > \"$_out\"\n\
             _t0=$(date +%s)\n\
             curl -K \"$_d/cfg\" \"$@\" -o \"$_out\" -D \"$_d/hdr\" -w '%{{http_code}} %{{num_redirects}} %{{url_effective}}' > \"$_d/w\" 2> \"$_d/err\"\n\
             _rc=$?\n\
             printf 'RC %s %s\\n' \"$_rc\" $(( $(date +%s) - _t0 ))\n\
             for _f in \"$_d/w\" \"$_d/hdr\" \"$_d/err\" \"$_out\"; do printf 'LEN %s\\n' \"$(wc -c < \"$_f\")\"; cat \"$_f\"; done\n"
        );
        let mut stdin = format!("{}\n", config.len()).into_bytes();
        stdin.extend_from_slice(config.as_bytes());
        if let Some(b) = &self.body {
            stdin.extend_from_slice(b);
        }
        (script, stdin)
    }
}

/// What came back.
#[derive(Debug, Default)]
pub(crate) struct Response {
    pub no_curl: bool,
    pub dest_dir_missing: bool,
    /// The temporary download beside `dest`.
    pub download: Option<String>,
    pub curl_rc: i32,
    pub elapsed: i64,
    pub http_code: i64,
    pub url_effective: String,
    /// Every header block curl saw (one per response in a redirect chain).
    pub header_blocks: Vec<Block>,
    pub curl_error: String,
    pub body: Vec<u8>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Block {
    pub code: i64,
    pub reason: String,
    pub headers: Vec<(String, String)>,
}

fn header_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut cur: Option<Block> = None;
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.starts_with("HTTP/") {
            if let Some(b) = cur.take() {
                blocks.push(b);
            }
            let mut parts = line.splitn(3, ' ');
            parts.next();
            let code = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
            let reason = parts.next().unwrap_or("").to_string();
            cur = Some(Block {
                code,
                reason,
                headers: Vec::new(),
            });
        } else if let Some(b) = cur.as_mut()
            && let Some((k, v)) = line.split_once(':')
        {
            b.headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    if let Some(b) = cur {
        blocks.push(b);
    }
    // 1xx interim answers (100 Continue) are not responses.
    blocks.retain(|b| !(100..200).contains(&b.code));
    blocks
}

impl Response {
    pub fn parse(out: &[u8]) -> Response {
        let mut r = Response::default();
        let mut rest = out;
        let line = |rest: &mut &[u8]| -> String {
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let l = String::from_utf8_lossy(&rest[..end]).into_owned();
            *rest = rest.get(end + 1..).unwrap_or(&[]);
            l
        };
        let mut sections: Vec<Vec<u8>> = Vec::new();
        while !rest.is_empty() {
            let l = line(&mut rest);
            if l == "NOCURL" {
                r.no_curl = true;
            } else if l == "DESTDIR" {
                r.dest_dir_missing = true;
            } else if let Some(p) = l.strip_prefix("DL ") {
                r.download = Some(p.to_string());
            } else if let Some(v) = l.strip_prefix("RC ") {
                let mut w = v.split(' ');
                r.curl_rc = w.next().and_then(|x| x.parse().ok()).unwrap_or(-1);
                r.elapsed = w.next().and_then(|x| x.parse().ok()).unwrap_or(0);
            } else if let Some(n) = l.strip_prefix("LEN ") {
                let n: usize = n.trim().parse().unwrap_or(0).min(rest.len());
                sections.push(rest[..n].to_vec());
                rest = &rest[n..];
            }
        }
        let text = |i: usize| {
            sections
                .get(i)
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .unwrap_or_default()
        };
        let w = text(0);
        let mut wp = w.splitn(3, ' ');
        r.http_code = wp.next().and_then(|x| x.parse().ok()).unwrap_or(0);
        wp.next();
        r.url_effective = wp.next().unwrap_or("").to_string();
        r.header_blocks = header_blocks(&text(1));
        r.curl_error = text(2).trim().to_string();
        r.body = sections.get(3).cloned().unwrap_or_default();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_travel_on_stdin_only() {
        let req = Request {
            url: "https://u:urlpass@h/x".into(),
            method: "POST".into(),
            headers: vec![("Authorization".into(), "Bearer tok3n".into())],
            body: Some(b"body-s3cret".to_vec()),
            body_file: None,
            follow: true,
            validate_certs: true,
            user: Some(("user".into(), "pa\"ss".into())),
            force_basic_auth: true,
            use_netrc: true,
            use_proxy: true,
            decompress: true,
            timeout: 30,
            ca_path: None,
            client_cert: None,
            client_key: None,
            unix_socket: None,
            http_agent: "ansible-httpget".into(),
            dest: Some("/srv/x".into()),
        };
        let (script, stdin) = req.script();
        let stdin = String::from_utf8(stdin).unwrap();
        for secret in ["urlpass", "tok3n", "body-s3cret", "pa\"ss", "pa\\\"ss"] {
            assert!(!script.contains(secret), "{secret} in the script (argv)");
        }
        assert!(stdin.contains("user = \"user:pa\\\"ss\"\n"));
        assert!(stdin.contains("header = \"Authorization: Bearer tok3n\"\n"));
        assert!(stdin.ends_with("body-s3cret"));
        assert!(script.starts_with("umask 077\n"));
    }

    #[test]
    fn config_quotes_and_parses_back() {
        assert_eq!(quoted("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        let w = "200 1 http://h/hello?x=1 2";
        let h = "HTTP/1.0 302 Found\r\nLocation: /hello\r\n\r\nHTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\n";
        let text = format!(
            "DL /srv/.roller-uri.x\nRC 0 1\nLEN {}\n{w}LEN {}\n{h}LEN 0\nLEN 6\nhello\n",
            w.len(),
            h.len()
        );
        let out = text.as_bytes();
        let r = Response::parse(out);
        assert_eq!(r.download.as_deref(), Some("/srv/.roller-uri.x"));
        assert_eq!(r.http_code, 200);
        assert_eq!(r.url_effective, "http://h/hello?x=1 2");
        assert_eq!(r.header_blocks.len(), 2);
        assert_eq!(r.header_blocks[0].reason, "Found");
        assert_eq!(r.body, b"hello\n");
        assert_eq!(r.elapsed, 1);
    }
}
