//! Ansible's SSH connection variables, turned into what OpenSSH reads: an `ssh_config`
//! written for one host, so that `ssh_args`/`ssh_common_args`/`ssh_extra_args` behave as
//! they do under Ansible while the operator's own `~/.ssh/config` still applies.

use std::path::PathBuf;

use crate::inventory::ini::shlex::shlex_split_no_comments;

/// How to reach one host over SSH.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SshTarget {
    /// `ansible_host`, or the inventory name.
    pub address: String,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub private_key: Option<PathBuf>,
    /// `ssh_config` lines (`Key value`) from the `-o`/`-J`/`-i` options in the args vars.
    pub options: Vec<String>,
    /// Strict host key checking (Ansible's `host_key_checking`).
    pub host_key_checking: bool,
    /// Seconds to wait for the TCP connection (Ansible's `timeout`).
    pub connect_timeout: u64,
}

/// Turn ssh command-line options into `ssh_config` lines. Options without a config
/// equivalent are returned separately so the caller can warn about them.
pub fn options_from_args(args: &str) -> (Vec<String>, Vec<String>) {
    let words = shlex_split_no_comments(args).unwrap_or_default();
    let mut lines = Vec::new();
    let mut ignored = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let take = |i: &mut usize| -> Option<String> {
            *i += 1;
            words.get(*i).cloned()
        };
        if let Some(rest) = w.strip_prefix("-o") {
            let opt = if rest.is_empty() {
                take(&mut i)
            } else {
                Some(rest.to_string())
            };
            if let Some(opt) = opt {
                lines.push(match opt.split_once('=') {
                    Some((k, v)) if !k.contains(' ') => format!("{} {}", k.trim(), v.trim()),
                    _ => opt,
                });
            }
        } else if let Some(rest) = w.strip_prefix("-J") {
            let v = if rest.is_empty() {
                take(&mut i)
            } else {
                Some(rest.to_string())
            };
            if let Some(v) = v {
                lines.push(format!("ProxyJump {v}"));
            }
        } else if let Some(rest) = w.strip_prefix("-i") {
            let v = if rest.is_empty() {
                take(&mut i)
            } else {
                Some(rest.to_string())
            };
            if let Some(v) = v {
                lines.push(format!("IdentityFile {v}"));
            }
        } else if let Some(rest) = w.strip_prefix("-F") {
            let v = if rest.is_empty() {
                take(&mut i)
            } else {
                Some(rest.to_string())
            };
            if let Some(v) = v {
                lines.push(format!("Include {v}"));
            }
        } else if w == "-C" {
            lines.push("Compression yes".into());
        } else if w == "-A" {
            lines.push("ForwardAgent yes".into());
        } else if w == "-4" {
            lines.push("AddressFamily inet".into());
        } else {
            ignored.push(w.clone());
        }
        i += 1;
    }
    (lines, ignored)
}

/// The `ssh_config` for one host: roller's settings first (in ssh_config the first value
/// wins), then the operator's own configuration.
pub fn config_text(t: &SshTarget) -> String {
    let mut out = String::from("Host *\n");
    for line in &t.options {
        out.push_str(&format!("  {line}\n"));
    }
    if !t.host_key_checking {
        out.push_str("  StrictHostKeyChecking no\n");
    }
    // Multiplexed sessions outlive a task; keep them alive across quiet periods.
    out.push_str("  ServerAliveInterval 5\n  ServerAliveCountMax 3\n  BatchMode yes\n");
    if let Some(home) = std::env::var_os("HOME") {
        let user_cfg = PathBuf::from(home).join(".ssh/config");
        if user_cfg.is_file() {
            out.push_str(&format!("Include {}\n", user_cfg.display()));
        }
    }
    if std::path::Path::new("/etc/ssh/ssh_config").is_file() {
        out.push_str("Include /etc/ssh/ssh_config\n");
    }
    out
}

/// The host key policy in `ssh -G`'s output (the effective `stricthostkeychecking`);
/// strict when it is missing or `ask` (roller runs ssh in batch mode: nobody to ask).
pub fn known_hosts_policy(ssh_g: &str) -> openssh::KnownHosts {
    let value = ssh_g.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        k.eq_ignore_ascii_case("stricthostkeychecking")
            .then(|| v.trim().to_ascii_lowercase())
    });
    match value.as_deref() {
        Some("no" | "false" | "off") => openssh::KnownHosts::Accept,
        Some("accept-new") => openssh::KnownHosts::Add,
        _ => openssh::KnownHosts::Strict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_key_policy_from_ssh_g() {
        use openssh::KnownHosts;
        let policy = |s| format!("{:?}", known_hosts_policy(s));
        let strict = format!("{:?}", KnownHosts::Strict);
        assert_eq!(
            policy("user root\nstricthostkeychecking false\n"),
            format!("{:?}", KnownHosts::Accept)
        );
        assert_eq!(
            policy("stricthostkeychecking accept-new\n"),
            format!("{:?}", KnownHosts::Add)
        );
        assert_eq!(policy("stricthostkeychecking true\n"), strict);
        assert_eq!(policy("stricthostkeychecking ask\n"), strict);
        assert_eq!(policy(""), strict);
    }

    #[test]
    fn common_args_become_config_lines() {
        let (lines, ignored) = options_from_args(
            "-o UserKnownHostsFile=/lab/known_hosts -oStrictHostKeyChecking=yes -J bastion -v",
        );
        assert_eq!(
            lines,
            vec![
                "UserKnownHostsFile /lab/known_hosts",
                "StrictHostKeyChecking yes",
                "ProxyJump bastion"
            ]
        );
        assert_eq!(ignored, vec!["-v"]);
    }

    #[test]
    fn roller_settings_come_before_the_users_config() {
        let t = SshTarget {
            address: "h".into(),
            options: vec!["ProxyJump j".into()],
            host_key_checking: false,
            ..Default::default()
        };
        let text = config_text(&t);
        assert!(text.starts_with("Host *\n  ProxyJump j\n  StrictHostKeyChecking no\n"));
    }
}
