//! Running MIT `kadmin` against the admin server, safely.
//!
//! - kadmin's exit code says nothing (`kadmin -q` exits 0 when the query failed): every
//!   outcome is read from its stderr, line by line, and any line roller does not know to be
//!   harmless is an error ([`classify`]).
//! - Secrets never reach an argv: the admin authenticates with a keytab (`-k -t`), or with
//!   a password that goes to `kinit` on stdin, into a credential cache in a private
//!   directory that kadmin then uses (`-c`).
//! - Keys are exported (`ktadd -norandkey`) into a file in a private directory (0700, the
//!   file 0600), read, and overwritten and removed when the [`PrivateDir`] is dropped.

use std::ffi::CString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::principal::{PrincipalInfo, TerseError, parse_terse};
use crate::connection::Secret;

/// How long one kadmin (or kinit) may take.
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KadminError {
    #[error("cannot run {program}: {msg}")]
    Spawn { program: String, msg: String },
    #[error("{program} did not finish within {secs} seconds")]
    Timeout { program: String, secs: u64 },
    #[error("principal {0} does not exist at the KDC")]
    NotFound(String),
    #[error("principal {0} already exists at the KDC")]
    AlreadyExists(String),
    #[error("kadmin refused: {0}")]
    Denied(String),
    #[error("kadmin could not authenticate or reach the admin server: {0}")]
    Connect(String),
    #[error("kadmin failed: {0}")]
    Failed(String),
    #[error("kadmin's answer could not be read: {0}")]
    Terse(#[from] TerseError),
    #[error("invalid principal name {0:?}")]
    BadName(String),
    #[error("kinit for the admin principal failed: {0}")]
    Kinit(String),
}

/// How the admin principal authenticates.
#[derive(Debug, Clone)]
pub enum AdminAuth {
    Keytab(PathBuf),
    Password(Secret),
}

/// Where and as whom kadmin runs (the inventory's `kerberos` settings).
#[derive(Debug, Clone)]
pub struct Admin {
    pub principal: String,
    pub auth: AdminAuth,
    /// `host[:port]` of kadmind (`-s`); krb5.conf's admin_server otherwise.
    pub server: Option<String>,
    pub realm: Option<String>,
    /// `KRB5_CONFIG` for kadmin and kinit.
    pub krb5_config: Option<PathBuf>,
    /// The kadmin program (`kadmin`).
    pub program: String,
}

/// A directory only the current user can enter (mode 0700), removed with its contents
/// when dropped; files in it are overwritten with zeros first (they may hold keys).
pub struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    pub fn new() -> std::io::Result<PrivateDir> {
        let template = std::env::temp_dir().join("roller-krb5.XXXXXX");
        let c = CString::new(template.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let mut buf = c.into_bytes_with_nul();
        // SAFETY: BUF is a writable NUL-terminated template ending in XXXXXX.
        let p = unsafe { libc::mkdtemp(buf.as_mut_ptr().cast()) };
        if p.is_null() {
            return Err(std::io::Error::last_os_error());
        }
        buf.pop();
        let path = PathBuf::from(<std::ffi::OsString as OsStringExt>::from_vec(buf));
        Ok(PrivateDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        if let Ok(entries) = std::fs::read_dir(&self.path) {
            for e in entries.flatten() {
                if let Ok(meta) = e.metadata()
                    && meta.is_file()
                {
                    let _ = std::fs::write(e.path(), vec![0u8; meta.len() as usize]);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// What a kadmin query's stderr means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stderr {
    Clean,
    Error(KadminError),
}

/// Lines kadmin prints on success.
fn harmless(line: &str) -> bool {
    let l = clean(line);
    l.is_empty()
        || l.starts_with("Authenticating as principal")
        // kadmin -c on exit: it leaves the credential cache it was given alone.
        || l == "Administration credentials NOT DESTROYED."
        || l.contains("no policy specified for")
        || (l.starts_with("No policy specified for") && l.ends_with("defaulting to no policy"))
}

/// A line without surrounding whitespace and control characters (kadmin rings the bell:
/// `\a\a\aAdministration credentials NOT DESTROYED.`).
fn clean(line: &str) -> &str {
    line.trim_matches(|c: char| c.is_whitespace() || c.is_control())
}

/// Read kadmin's stderr for the query about PRINCIPAL: the first line that is not known
/// to be harmless decides.
pub fn classify(stderr: &str, principal: &str) -> Stderr {
    let Some(line) = stderr.lines().map(clean).find(|l| !harmless(l)) else {
        return Stderr::Clean;
    };
    let lower = line.to_ascii_lowercase();
    let line = line.to_string();
    Stderr::Error(if lower.contains("does not exist") {
        KadminError::NotFound(principal.to_string())
    } else if lower.contains("already exists") {
        KadminError::AlreadyExists(principal.to_string())
    } else if lower.contains("privilege") || lower.contains("permission denied") {
        KadminError::Denied(line)
    } else if lower.contains("initializing kadmin interface")
        || lower.contains("cannot contact")
        || lower.contains("while initializing")
    {
        KadminError::Connect(line)
    } else {
        KadminError::Failed(line)
    })
}

/// A principal name kadmin's query parser takes as one word and nothing else.
pub fn check_name(name: &str) -> Result<(), KadminError> {
    let ok = !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"\"'\\".contains(c));
    if ok {
        Ok(())
    } else {
        Err(KadminError::BadName(name.to_string()))
    }
}

struct Ran {
    stdout: String,
    stderr: String,
}

async fn run(
    program: &str,
    args: &[&str],
    env: &[(&str, &Path)],
    stdin: Option<&[u8]>,
) -> Result<Ran, KadminError> {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    // Files kadmin and kinit create (the exported keytab, the credential cache) are the
    // user's alone (0600), inside a directory that is 0700 anyway.
    // SAFETY: umask(2) is async-signal-safe and touches only the child's state.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0o077);
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| KadminError::Spawn {
        program: program.to_string(),
        msg: e.to_string(),
    })?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A program that exits early closes the pipe: its stderr says why.
        let _ = pipe.write_all(input).await;
        drop(pipe);
    }
    let out = tokio::time::timeout(TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| KadminError::Timeout {
            program: program.to_string(),
            secs: TIMEOUT.as_secs(),
        })?
        .map_err(|e| KadminError::Spawn {
            program: program.to_string(),
            msg: e.to_string(),
        })?;
    Ok(Ran {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// An authenticated way to run kadmin queries (with a password: a credential cache made
/// once by kinit, in a private directory that lives as long as the session).
pub struct Session {
    admin: Admin,
    ccache: Option<(PrivateDir, String)>,
}

impl Session {
    pub async fn open(admin: &Admin) -> Result<Session, KadminError> {
        check_name(&admin.principal)?;
        let mut session = Session {
            admin: admin.clone(),
            ccache: None,
        };
        if let AdminAuth::Password(secret) = &admin.auth {
            let dir = PrivateDir::new().map_err(|e| KadminError::Kinit(e.to_string()))?;
            let cc = format!("FILE:{}/ccache", dir.path().display());
            let mut input = secret.expose().to_vec();
            input.push(b'\n');
            // kadmind accepts only initial tickets (kadmin/admin is not TGS-issuable): the
            // cache holds a ticket for kadmin/admin itself, from the AS exchange.
            let realm = admin
                .realm
                .clone()
                .or_else(|| admin.principal.rsplit_once('@').map(|(_, r)| r.to_string()));
            let service = match realm {
                Some(r) => format!("kadmin/admin@{r}"),
                None => "kadmin/admin".to_string(),
            };
            let env = session.env();
            let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
            let ran = run(
                "kinit",
                &["-c", &cc, "-S", &service, &admin.principal],
                &env,
                Some(&input),
            )
            .await;
            crate::connection::escalation::wipe(&mut input);
            let ran = ran?;
            let errors: Vec<&str> = ran
                .stderr
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if !errors.is_empty() {
                return Err(KadminError::Kinit(errors.join("; ")));
            }
            session.ccache = Some((dir, cc));
        }
        Ok(session)
    }

    fn env(&self) -> Vec<(&'static str, PathBuf)> {
        self.admin
            .krb5_config
            .iter()
            .map(|p| ("KRB5_CONFIG", p.clone()))
            .collect()
    }

    /// Runs one query; returns stdout, or the error kadmin's stderr names.
    async fn query(&self, query: &str, principal: &str) -> Result<String, KadminError> {
        let mut args: Vec<String> = Vec::new();
        if let Some(r) = &self.admin.realm {
            args.extend(["-r".into(), r.clone()]);
        }
        if let Some(s) = &self.admin.server {
            args.extend(["-s".into(), s.clone()]);
        }
        match (&self.admin.auth, &self.ccache) {
            (_, Some((_, cc))) => args.extend([
                "-c".into(),
                cc.clone(),
                "-p".into(),
                self.admin.principal.clone(),
            ]),
            (AdminAuth::Keytab(kt), None) => args.extend([
                "-p".into(),
                self.admin.principal.clone(),
                "-k".into(),
                "-t".into(),
                kt.display().to_string(),
            ]),
            (AdminAuth::Password(_), None) => {
                return Err(KadminError::Kinit("no credential cache".into()));
            }
        }
        args.extend(["-q".into(), query.to_string()]);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let env = self.env();
        let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
        let ran = run(&self.admin.program, &argv, &env, None).await?;
        match classify(&ran.stderr, principal) {
            Stderr::Clean => Ok(ran.stdout),
            Stderr::Error(e) => Err(e),
        }
    }

    /// The principal as the KDC holds it, or None when it does not exist.
    pub async fn getprinc(&self, name: &str) -> Result<Option<PrincipalInfo>, KadminError> {
        check_name(name)?;
        match self.query(&format!("getprinc -terse {name}"), name).await {
            Ok(out) => Ok(Some(parse_terse(&out)?)),
            Err(KadminError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `addprinc -randkey`: a principal with random keys (a service principal).
    pub async fn addprinc_randkey(&self, name: &str) -> Result<(), KadminError> {
        check_name(name)?;
        self.query(&format!("addprinc -randkey {name}"), name)
            .await
            .map(drop)
    }

    pub async fn delprinc(&self, name: &str) -> Result<(), KadminError> {
        check_name(name)?;
        self.query(&format!("delprinc -force {name}"), name)
            .await
            .map(drop)
    }

    /// New random keys (kvno + 1); with KEEPOLD the previous keys stay valid at the KDC.
    pub async fn randkey(&self, name: &str, keepold: bool) -> Result<(), KadminError> {
        check_name(name)?;
        let keep = if keepold { " -keepold" } else { "" };
        self.query(&format!("cpw -randkey{keep} {name}"), name)
            .await
            .map(drop)
    }

    /// Removes the keys older than KEEP_KVNO (those at KEEP_KVNO and newer stay).
    pub async fn purgekeys(&self, name: &str, keep_kvno: u32) -> Result<(), KadminError> {
        check_name(name)?;
        self.query(&format!("purgekeys -keepkvno {keep_kvno} {name}"), name)
            .await
            .map(drop)
    }

    /// The principal's current keys as a keytab's bytes (`ktadd -norandkey`, which does not
    /// change them), exported into DIR.
    pub async fn export(&self, name: &str, dir: &PrivateDir) -> Result<Vec<u8>, KadminError> {
        check_name(name)?;
        let path = dir.path().join("export.keytab");
        let _ = std::fs::remove_file(&path);
        let query = format!("ktadd -k {} -norandkey {name}", path.display());
        if path.display().to_string().contains(char::is_whitespace) {
            return Err(KadminError::Failed(format!(
                "temporary directory {} contains spaces",
                dir.path().display()
            )));
        }
        self.query(&query, name).await?;
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .map_err(|e| KadminError::Failed(format!("ktadd wrote no keytab: {e}")))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                let _ = std::fs::remove_file(&path);
                return Err(KadminError::Failed(format!(
                    "ktadd wrote the keys with mode {:04o}, not 0600",
                    mode & 0o7777
                )));
            }
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| KadminError::Failed(format!("ktadd wrote no keytab: {e}")))?;
        let _ = std::fs::write(&path, vec![0u8; bytes.len()]);
        let _ = std::fs::remove_file(&path);
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "kafka/b1@R";

    #[test]
    fn stderr_decides_not_the_exit_code() {
        assert_eq!(classify("", P), Stderr::Clean);
        assert_eq!(
            classify(
                "No policy specified for kafka/b1@R; defaulting to no policy\n",
                P
            ),
            Stderr::Clean
        );
        assert_eq!(
            classify(
                "\n\u{7}\u{7}\u{7}Administration credentials NOT DESTROYED.\n",
                P
            ),
            Stderr::Clean
        );
        // Real MIT messages (kadmin exits 0 for each).
        let cases = [
            (
                "get_principal: Principal does not exist while retrieving \"kafka/b1@R\".",
                KadminError::NotFound(P.into()),
            ),
            (
                "kadmin: Principal kafka/b1@R does not exist.",
                KadminError::NotFound(P.into()),
            ),
            (
                "add_principal: Principal or policy already exists while creating \"kafka/b1@R\".",
                KadminError::AlreadyExists(P.into()),
            ),
        ];
        for (stderr, want) in cases {
            assert_eq!(classify(stderr, P), Stderr::Error(want), "{stderr}");
        }
        assert!(matches!(
            classify(
                "get_principal: Operation requires ``get'' privilege while retrieving \"x\".",
                P
            ),
            Stderr::Error(KadminError::Denied(_))
        ));
        assert!(matches!(
            classify(
                "kadmin: Cannot contact any KDC for realm 'R' while initializing kadmin interface",
                P
            ),
            Stderr::Error(KadminError::Connect(_))
        ));
        assert!(matches!(
            classify("kadmin: something new went wrong", P),
            Stderr::Error(KadminError::Failed(_))
        ));
    }

    #[test]
    fn names_that_would_change_the_query_are_refused() {
        assert!(check_name("kafka/broker1.lab.test@LAB.TEST").is_ok());
        for bad in ["", "a b", "a\tb", "-randkey", "a\"b", "a'b", "a\\b", "a\nb"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn private_dir_is_0700_and_removed() {
        use std::os::unix::fs::PermissionsExt;
        let d = PrivateDir::new().unwrap();
        let path = d.path().to_path_buf();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::write(path.join("k"), b"secret").unwrap();
        drop(d);
        assert!(!path.exists());
    }
}
