//! `dnf` (and `yum`, which Ansible 2.19 redirects to it, and `dnf5`): RPM packages through
//! the `dnf` command line. Where Ansible's module asks libdnf, roller asks `rpm -q` which
//! specs are installed, lets `dnf --assumeno` resolve the transaction, and reads it from
//! the transaction table dnf prints; the run is the same command with `-y`. Results use
//! Ansible's shape: `msg`, `results` (`Installed: NEVRA`, `Removed: NEVRA`), `rc`.
//!
//! Tested against a real dnf 4 on the lab's hosts (tests/lab_conformance/43_dnf.yml,
//! 44_yum_package.yml); the dnf 5 table parsing is unit-tested on its documented format.

use async_trait::async_trait;

use super::args::{boolean, canonical, check_known, get, list, string};
use super::pkg_run::{self, BEST_LOCALE, exec_line, fields};
use super::rpm_version;
use super::{Apply, Module, ModuleContext, ModuleError, Plan};
use crate::connection::shell_quote;
use crate::vars::{Map, Value};

const KNOWN: &[&str] = &[
    "allow_downgrade",
    "allowerasing",
    "autoremove",
    "best",
    "bugfix",
    "cacheonly",
    "conf_file",
    "disable_excludes",
    "disable_gpg_check",
    "disable_plugin",
    "disablerepo",
    "download_dir",
    "download_only",
    "enable_plugin",
    "enablerepo",
    "exclude",
    "expire-cache",
    "install_repoquery",
    "install_weak_deps",
    "installroot",
    "list",
    "lock_timeout",
    "name",
    "nobest",
    "pkg",
    "releasever",
    "security",
    "skip_broken",
    "sslverify",
    "state",
    "update_cache",
    "update_only",
    "use_backend",
    "validate_certs",
    "auto_install_module_deps",
];

const ALIASES: &[(&str, &str)] = &[("pkg", "name"), ("expire-cache", "update_cache")];

pub struct Dnf;

/// Ansible's `listify_comma_sep_strings_in_list`.
fn listify(args: &Map, key: &str) -> Vec<String> {
    let items: Vec<String> = list(args, key)
        .iter()
        .map(|v| crate::output::python_repr::python_str(v).trim().to_string())
        .collect();
    let (mut keep, split): (Vec<String>, Vec<String>) =
        items.into_iter().partition(|s| !s.contains(','));
    for s in split {
        keep.extend(s.split(',').map(|x| x.trim().to_string()));
    }
    if keep == [""] { Vec::new() } else { keep }
}

/// The command-line options for the module's settings.
fn options(args: &Map) -> Result<Vec<String>, ModuleError> {
    let mut o = Vec::new();
    if let Some(c) = string(args, "conf_file")? {
        o.push(format!("--config={c}"));
    }
    if boolean(args, "disable_gpg_check", false)? {
        o.push("--nogpgcheck".into());
    }
    for r in listify(args, "disablerepo") {
        o.push(format!("--disablerepo={r}"));
    }
    for r in listify(args, "enablerepo") {
        o.push(format!("--enablerepo={r}"));
    }
    for x in listify(args, "exclude") {
        o.push(format!("--exclude={x}"));
    }
    if let Some(d) = string(args, "disable_excludes")? {
        o.push(format!("--disableexcludes={d}"));
    }
    for p in listify(args, "disable_plugin") {
        o.push(format!("--disableplugin={p}"));
    }
    for p in listify(args, "enable_plugin") {
        o.push(format!("--enableplugin={p}"));
    }
    if let Some(r) = string(args, "installroot")?.filter(|r| r != "/") {
        o.push(format!("--installroot={r}"));
    }
    if let Some(r) = string(args, "releasever")? {
        o.push(format!("--releasever={r}"));
    }
    if boolean(args, "skip_broken", false)? {
        o.push("--skip-broken".into());
    }
    if get(args, "nobest").is_some() {
        o.push(
            if boolean(args, "nobest", false)? {
                "--nobest"
            } else {
                "--best"
            }
            .into(),
        );
    } else if get(args, "best").is_some() {
        o.push(
            if boolean(args, "best", false)? {
                "--best"
            } else {
                "--nobest"
            }
            .into(),
        );
    }
    if boolean(args, "allowerasing", false)? {
        o.push("--allowerasing".into());
    }
    if boolean(args, "security", false)? {
        o.push("--security".into());
    }
    if boolean(args, "bugfix", false)? {
        o.push("--bugfix".into());
    }
    if boolean(args, "cacheonly", false)? {
        o.push("--cacheonly".into());
    }
    if boolean(args, "download_only", false)? {
        o.push("--downloadonly".into());
        if let Some(d) = string(args, "download_dir")? {
            o.push(format!("--downloaddir={d}"));
        }
    }
    if !boolean(args, "install_weak_deps", true)? {
        o.push("--setopt=install_weak_deps=False".into());
    }
    if !boolean(args, "sslverify", true)? {
        o.push("--setopt=sslverify=False".into());
    }
    let autoremove = boolean(args, "autoremove", false)?;
    o.push(format!(
        "--setopt=clean_requirements_on_remove={}",
        if autoremove { "True" } else { "False" }
    ));
    Ok(o)
}

/// One package in a transaction table: (name, arch, [epoch:]version-release).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub arch: String,
    pub evr: String,
}

impl Row {
    /// `name-[epoch:]version-release.arch`, as dnf prints a package (epoch 0 omitted).
    pub fn nevra(&self) -> String {
        let evr = self.evr.strip_prefix("0:").unwrap_or(&self.evr);
        format!("{}-{}.{}", self.name, evr, self.arch)
    }
}

/// What a transaction would do: packages installed (installs, upgrades, downgrades,
/// reinstalls: the new versions) and removed (removals, and with dnf 5 the versions
/// an upgrade replaces).
#[derive(Debug, Default, PartialEq)]
pub struct Transaction {
    pub install: Vec<Row>,
    pub remove: Vec<Row>,
    /// Names whose installed version an upgrade or downgrade replaces and the table does
    /// not show (dnf 4; dnf 5 prints `replacing` lines): looked up with `rpm -q`.
    pub replaced: Vec<String>,
    /// `No match for argument: X` (dnf 4) / `No match for argument: X` (dnf 5).
    pub not_found: Vec<String>,
}

/// Parses the transaction table of `dnf --assumeno` (dnf 4 and dnf 5 formats).
pub fn parse_transaction(out: &str) -> Transaction {
    let mut t = Transaction::default();
    #[derive(PartialEq, Clone, Copy)]
    enum Sec {
        None,
        Install,
        Replace,
        Remove,
        Skip,
    }
    let mut sec = Sec::None;
    let mut pending: Option<String> = None;
    for line in out.lines() {
        let trimmed = line.trim();
        if let Some(n) = trimmed
            .strip_prefix("No match for argument:")
            .or_else(|| trimmed.strip_prefix("Error: No match for argument:"))
        {
            t.not_found.push(n.trim().to_string());
            continue;
        }
        if trimmed.starts_with("Transaction Summary") {
            sec = Sec::None;
            continue;
        }
        if !line.starts_with(' ') && trimmed.ends_with(':') {
            let h = trimmed.to_ascii_lowercase();
            sec = if h.starts_with("installing") || h.starts_with("reinstalling") {
                Sec::Install
            } else if h.starts_with("upgrading") || h.starts_with("downgrading") {
                Sec::Replace
            } else if h.starts_with("removing") {
                Sec::Remove
            } else {
                Sec::Skip
            };
            pending = None;
            continue;
        }
        if matches!(sec, Sec::None | Sec::Skip) || trimmed.is_empty() || trimmed.starts_with('=') {
            continue;
        }
        let mut words: Vec<&str> = trimmed.split_whitespace().collect();
        // dnf 5: the version an upgrade replaces, on its own line.
        if words.first() == Some(&"replacing") {
            if words.len() >= 4 {
                t.replaced.retain(|n| n != words[1]);
                t.remove.push(Row {
                    name: words[1].into(),
                    arch: words[2].into(),
                    evr: words[3].into(),
                });
            }
            continue;
        }
        // dnf 4 puts a long name on its own line, the rest of the row on the next.
        let joined;
        if let Some(name) = pending.take() {
            joined = format!("{name} {trimmed}");
            words = joined.split_whitespace().collect();
        } else if words.len() == 1 {
            pending = Some(words[0].to_string());
            continue;
        }
        if words.len() < 3 {
            continue;
        }
        let row = Row {
            name: words[0].into(),
            arch: words[1].into(),
            evr: words[2].into(),
        };
        match sec {
            Sec::Install => t.install.push(row),
            Sec::Replace => {
                t.replaced.push(row.name.clone());
                t.install.push(row);
            }
            Sec::Remove => t.remove.push(row),
            _ => {}
        }
    }
    t
}

fn has_glob(spec: &str) -> bool {
    spec.contains(['*', '?', '['])
}

/// The dnf commands (verb and specs) for the task, and results known before resolving.
#[derive(Debug, PartialEq)]
pub struct Work {
    pub commands: Vec<(String, Vec<String>)>,
    pub results: Vec<String>,
}

/// Decides the commands from the state and which specs are installed, as Ansible's
/// `ensure` marks them (update_only, globs passed to both upgrade and install, ...).
pub fn work(
    state: &str,
    names: &[String],
    installed: &[bool],
    update_only: bool,
    autoremove: bool,
) -> Work {
    let mut w = Work {
        commands: Vec::new(),
        results: Vec::new(),
    };
    let mut install = Vec::new();
    let mut upgrade = Vec::new();
    let mut remove = Vec::new();
    if names == ["*"] && state == "latest" {
        w.commands.push(("upgrade".into(), Vec::new()));
        return w;
    }
    for (n, &inst) in names.iter().zip(installed) {
        match state {
            "absent" | "removed" => {
                if inst {
                    remove.push(n.clone());
                } else {
                    w.results.push(format!("No match for argument: {n}"));
                }
            }
            _ => {
                let latest = state == "latest";
                if has_glob(n) && !update_only {
                    if latest {
                        upgrade.push(n.clone());
                    }
                    install.push(n.clone());
                } else if inst {
                    if latest || update_only {
                        upgrade.push(n.clone());
                    }
                } else if update_only {
                    w.results.push(format!(
                        "Packages providing {n} not installed due to update_only specified"
                    ));
                } else {
                    install.push(n.clone());
                }
            }
        }
    }
    for (verb, specs) in [
        ("install", install),
        ("upgrade", upgrade),
        ("remove", remove),
    ] {
        if !specs.is_empty() {
            w.commands.push((verb.into(), specs));
        }
    }
    if autoremove && matches!(state, "absent" | "removed") {
        w.commands.push(("autoremove".into(), Vec::new()));
    }
    w
}

struct Target {
    dnf: String,
    env: Vec<(String, String)>,
}

fn command_line(t: &Target, yes: bool, opts: &[String], verb: &str, specs: &[String]) -> String {
    let mut words = vec![
        t.dnf.clone(),
        if yes { "-y" } else { "--assumeno" }.to_string(),
    ];
    words.extend(opts.iter().cloned());
    words.push(verb.to_string());
    words.extend(specs.iter().cloned());
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn failure(msg: &str, failures: Vec<String>) -> ModuleError {
    ModuleError::new(msg)
        .with(
            "failures",
            Value::List(failures.into_iter().map(Value::Str).collect()),
        )
        .with("results", Value::List(Vec::new()))
        .with("rc", Value::Int(1))
}

fn strs(v: &[String]) -> Value {
    Value::List(v.iter().cloned().map(Value::Str).collect())
}

/// Installed versions (`name-[epoch:]version-release.arch`) of the named packages.
async fn installed_nevras(
    cx: &ModuleContext<'_>,
    t: &Target,
    names: &[String],
) -> Result<Vec<String>, ModuleError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let q: Vec<String> = names.iter().map(|n| shell_quote(n)).collect();
    let script = format!(
        "rpm -q --qf '%{{NAME}}-%|EPOCH?{{%{{EPOCH}}:}}|%{{VERSION}}-%{{RELEASE}}.%{{ARCH}}\\n' {} 2>/dev/null",
        q.join(" ")
    );
    let out = pkg_run::run(cx, &script, &t.env).await?;
    Ok(out
        .stdout
        .lines()
        .filter(|l| !l.contains(' '))
        .map(str::to_string)
        .collect())
}

/// The name and version(-release) a spec such as `lab-tool-1.0` or `lab-tool-1.0-1` names,
/// for each split where what follows a `-` starts with a digit.
fn versioned_splits(spec: &str) -> Vec<(&str, &str)> {
    spec.match_indices('-')
        .map(|(i, _)| (&spec[..i], &spec[i + 1..]))
        .filter(|(n, v)| !n.is_empty() && v.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

/// Whether `installed` (`version-release` of the package) is newer than the spec's
/// `version` or `version-release`.
fn newer_than(installed: &str, wanted: &str) -> bool {
    use std::cmp::Ordering;
    let (iv, ir) = installed.rsplit_once('-').unwrap_or((installed, ""));
    match wanted.rsplit_once('-') {
        Some((wv, wr)) if !wr.is_empty() && wr.starts_with(|c: char| c.is_ascii_digit()) => {
            match rpm_version::compare(iv, wv) {
                Ordering::Equal => rpm_version::compare(ir, wr) == Ordering::Greater,
                o => o == Ordering::Greater,
            }
        }
        _ => rpm_version::compare(iv, wanted) == Ordering::Greater,
    }
}

/// For each spec not installed and not a glob: whether it names a version of an installed
/// package older than the installed one.
async fn newer_installed(
    cx: &ModuleContext<'_>,
    t: &Target,
    names: &[String],
    installed: &[bool],
) -> Result<Vec<bool>, ModuleError> {
    let mut script = String::new();
    for (i, n) in names.iter().enumerate() {
        if installed.get(i).copied().unwrap_or(true) || has_glob(n) {
            continue;
        }
        for (name, _) in versioned_splits(n) {
            script.push_str(&format!(
                "rpm -q --qf '{i} %{{NAME}} %{{VERSION}}-%{{RELEASE}}\\n' {} 2>/dev/null; ",
                shell_quote(name)
            ));
        }
    }
    let mut newer = vec![false; names.len()];
    if script.is_empty() {
        return Ok(newer);
    }
    script.push_str("true");
    let out = pkg_run::run(cx, &script, &t.env).await?;
    for line in out.stdout.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        let [i, name, vr] = w[..] else { continue };
        let Some(i) = i.parse::<usize>().ok().filter(|&i| i < names.len()) else {
            continue;
        };
        if let Some(wanted) = names[i]
            .strip_prefix(name)
            .and_then(|r| r.strip_prefix('-'))
            && newer_than(vr, wanted)
        {
            newer[i] = true;
        }
    }
    Ok(newer)
}

struct Run {
    target: Target,
    lines: Vec<String>,
    results: Vec<String>,
}

#[async_trait]
impl Apply for Run {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        for line in &self.lines {
            let out = pkg_run::run(cx, line, &self.target.env).await?;
            if out.rc != 0 {
                let detail = if out.stderr.trim().is_empty() {
                    out.stdout.trim().to_string()
                } else {
                    out.stderr.trim().to_string()
                };
                return Err(failure(
                    "Failed to install some of the specified packages",
                    vec![detail],
                ));
            }
        }
        Ok(super::result([
            ("changed", Value::Bool(true)),
            ("msg", Value::Str(String::new())),
            ("rc", Value::Int(0)),
            ("results", strs(&self.results)),
        ]))
    }
}

#[async_trait]
impl Module for Dnf {
    async fn plan(&self, cx: &ModuleContext<'_>, raw: &Map) -> Result<Plan, ModuleError> {
        check_known(raw, KNOWN)?;
        let args = canonical(raw, ALIASES);
        if get(&args, "name").is_some() && get(&args, "list").is_some() {
            return Err(ModuleError::new(
                "parameters are mutually exclusive: name|list",
            ));
        }
        if get(&args, "best").is_some() && get(&args, "nobest").is_some() {
            return Err(ModuleError::new(
                "parameters are mutually exclusive: best|nobest",
            ));
        }
        let names = listify(&args, "name");
        let update_cache = boolean(&args, "update_cache", false)?;
        if names.is_empty() && get(&args, "list").is_none() && !update_cache {
            return Err(ModuleError::new(
                "one of the following is required: name, list, update_cache",
            ));
        }
        for n in &names {
            if n.contains(' ') && !n.contains(['@', '>', '<', '=']) {
                return Err(ModuleError::new(
                    "It appears that a space separated string of packages was passed in as an argument. To operate on several packages, pass a comma separated string of packages or a list of packages.",
                ).with("results", Value::List(Vec::new())));
            }
        }
        let autoremove = boolean(&args, "autoremove", false)?;
        let mut state = string(&args, "state")?;
        if let Some(s) = &state
            && !["absent", "installed", "latest", "present", "removed"].contains(&s.as_str())
        {
            return Err(ModuleError::new(format!(
                "value of state must be one of: absent, installed, latest, present, removed, got: {s}"
            )));
        }
        if state.is_none() {
            state = Some(if autoremove { "absent" } else { "present" }.into());
        }
        let state = state.unwrap_or_default();
        if autoremove && !matches!(state.as_str(), "absent" | "removed") {
            return Err(
                ModuleError::new("Autoremove should be used alone or with state=absent")
                    .with("results", Value::List(Vec::new())),
            );
        }
        if get(&args, "list").is_some() {
            return Err(ModuleError::new(
                "roller's dnf module does not support list; use the command module (dnf list, dnf repolist)",
            ));
        }
        if names
            .iter()
            .any(|n| n.contains("://") || n.ends_with(".rpm") || n.starts_with('@'))
        {
            return Err(ModuleError::new(
                "roller's dnf module does not install rpm files, URLs, groups or modules; use the command module",
            ));
        }
        let opts = options(&args)?;
        let probe = format!(
            "echo \"dnf=$(command -v dnf5 || command -v dnf || command -v yum)\"; echo \"uid=$(id -u)\"; {BEST_LOCALE}"
        );
        let out = pkg_run::run(cx, &probe, &[]).await?;
        let f = fields(&out.stdout);
        let dnf = f
            .get("dnf")
            .cloned()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ModuleError::new("Could not find dnf on the target (dnf5, dnf or yum)")
                    .with("results", Value::List(Vec::new()))
            })?;
        let locale = f.get("locale").cloned().unwrap_or_else(|| "C".into());
        let env: Vec<(String, String)> = ["LANG", "LC_ALL", "LC_MESSAGES", "LC_CTYPE"]
            .iter()
            .map(|k| (k.to_string(), locale.clone()))
            .collect();
        let t = Target { dnf, env };
        if update_cache {
            // Ansible refreshes the metadata whatever the mode: not a change of the host.
            let line = format!(
                "{} makecache {}",
                shell_quote(&t.dnf),
                opts.iter()
                    .map(|o| shell_quote(o))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            let out = pkg_run::run(cx, &line, &t.env).await?;
            if out.rc != 0 {
                return Err(ModuleError::new(out.stderr.trim().to_string())
                    .with("results", Value::List(Vec::new()))
                    .with("rc", Value::Int(1)));
            }
            if names.is_empty() && !autoremove {
                return Ok(Plan::Done(super::result([
                    ("changed", Value::Bool(false)),
                    ("msg", Value::Str("Cache updated".into())),
                    ("rc", Value::Int(0)),
                    ("results", Value::List(Vec::new())),
                ])));
            }
        }
        if f.get("uid").is_some_and(|u| u != "0") && !boolean(&args, "download_only", false)? {
            return Err(
                ModuleError::new("This command has to be run under the root user.")
                    .with("results", Value::List(Vec::new())),
            );
        }
        // Which specs are installed (rpm -q knows names and name-version-release).
        let installed: Vec<bool> = if names.is_empty() || names == ["*"] {
            vec![false; names.len()]
        } else {
            let mut script = String::new();
            for n in &names {
                script.push_str(&format!(
                    "if rpm -q {q} >/dev/null 2>&1 || rpm -q --whatprovides {q} >/dev/null 2>&1; then echo 1; else echo 0; fi; ",
                    q = shell_quote(n)
                ));
            }
            let out = pkg_run::run(cx, &script, &t.env).await?;
            out.stdout.lines().map(|l| l.trim() == "1").collect()
        };
        // Ansible leaves a versioned spec alone when a newer version of the package is
        // installed (`_is_newer_version_installed`), unless allow_downgrade.
        let (names, installed) = if matches!(state.as_str(), "absent" | "removed") {
            (names, installed)
        } else {
            let newer = newer_installed(cx, &t, &names, &installed).await?;
            let downgrade = boolean(&args, "allow_downgrade", false)?;
            let mut keep = (Vec::new(), Vec::new());
            for ((n, i), newer) in names.into_iter().zip(installed).zip(newer) {
                if !newer || downgrade {
                    keep.0.push(n);
                    keep.1.push(i);
                }
            }
            keep
        };
        let w = work(
            &state,
            &names,
            &installed,
            boolean(&args, "update_only", false)?,
            autoremove,
        );
        let mut results = w.results.clone();
        let mut lines = Vec::new();
        let mut failures = Vec::new();
        for (verb, specs) in &w.commands {
            let line = command_line(&t, false, &opts, verb, specs);
            let out = pkg_run::run(cx, &exec_line(&line)?, &t.env).await?;
            let tr = parse_transaction(&format!("{}\n{}", out.stdout, out.stderr));
            if !tr.not_found.is_empty() && verb != "remove" {
                failures.extend(
                    tr.not_found
                        .iter()
                        .map(|n| format!("No package {n} available.")),
                );
                continue;
            }
            let replaced_old = installed_nevras(cx, &t, &tr.replaced).await?;
            for r in &tr.install {
                results.push(format!("Installed: {}", r.nevra()));
            }
            for r in &tr.remove {
                results.push(format!("Removed: {}", r.nevra()));
            }
            // dnf 4 does not print what an upgrade replaces: the installed version.
            for old in replaced_old {
                results.push(format!("Removed: {old}"));
            }
            if !tr.install.is_empty() || !tr.remove.is_empty() {
                lines.push(command_line(&t, true, &opts, verb, specs));
            }
        }
        if !failures.is_empty() {
            return Err(failure(
                "Failed to install some of the specified packages",
                failures,
            ));
        }
        if lines.is_empty() {
            return Ok(Plan::Done(super::result([
                ("changed", Value::Bool(false)),
                ("msg", Value::Str("Nothing to do".into())),
                ("rc", Value::Int(0)),
                ("results", strs(&results)),
            ])));
        }
        let preview = super::result([
            (
                "msg",
                Value::Str(
                    "Check mode: No changes made, but would have if not in check mode".into(),
                ),
            ),
            ("rc", Value::Int(0)),
            ("results", strs(&results)),
        ]);
        let lines = lines
            .iter()
            .map(|l| exec_line(l))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Plan::Change {
            preview,
            diff: None,
            apply: Box::new(Run {
                target: t,
                lines,
                results,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DNF4: &str = "Last metadata expiration check: 0:01:02 ago on Mon 01 Jan 2024.
Dependencies resolved.
================================================================================
 Package                Architecture  Version                Repository    Size
================================================================================
Installing:
 lab-tool               noarch        1.1-1.el9              lab          6.1 k
Upgrading:
 bash                   x86_64        5.1.8-9.el9            baseos       1.7 M
Installing dependencies:
 a-very-long-package-name-that-wraps-the-table
                        x86_64        2:3.0-1.el9            appstream     20 k
Removing:
 lab-extra              noarch        1.0-1                  @lab           0  

Transaction Summary
================================================================================
Install  2 Packages
Upgrade  1 Package
Remove   1 Package

Total download size: 1.7 M
Operation aborted.
";

    const DNF5: &str = "Updating and loading repositories:
Repositories loaded.
Package                Arch   Version           Repository      Size
Upgrading:
 bash                  x86_64 5.2.26-4.fc41     updates      8.1 MiB
   replacing bash      x86_64 5.2.26-3.fc41     fedora       8.1 MiB
Installing:
 lab-tool              noarch 0:1.1-1           lab          6.0 KiB

Transaction Summary:
 Installing:         1 package
 Upgrading:          1 package
 Replacing:          1 package
Operation aborted by the user.
";

    #[test]
    fn dnf4_transaction_table() {
        let t = parse_transaction(DNF4);
        let inst: Vec<String> = t.install.iter().map(Row::nevra).collect();
        assert_eq!(
            inst,
            vec![
                "lab-tool-1.1-1.el9.noarch",
                "bash-5.1.8-9.el9.x86_64",
                "a-very-long-package-name-that-wraps-the-table-2:3.0-1.el9.x86_64"
            ]
        );
        assert_eq!(t.replaced, vec!["bash"]);
        assert_eq!(t.remove[0].nevra(), "lab-extra-1.0-1.noarch");
    }

    #[test]
    fn dnf5_transaction_table() {
        let t = parse_transaction(DNF5);
        let inst: Vec<String> = t.install.iter().map(Row::nevra).collect();
        assert_eq!(
            inst,
            vec!["bash-5.2.26-4.fc41.x86_64", "lab-tool-1.1-1.noarch"]
        );
        assert_eq!(t.remove[0].nevra(), "bash-5.2.26-3.fc41.x86_64");
        assert!(t.replaced.is_empty());
    }

    #[test]
    fn nothing_to_do_and_not_found() {
        let t = parse_transaction("Dependencies resolved.\nNothing to do.\nComplete!\n");
        assert_eq!(t, Transaction::default());
        let t =
            parse_transaction("No match for argument: nope\nError: Unable to find a match: nope\n");
        assert_eq!(t.not_found, vec!["nope"]);
    }

    #[test]
    fn versioned_specs() {
        assert_eq!(
            versioned_splits("lab-rpm-tool-1.0-1"),
            vec![("lab-rpm-tool", "1.0-1"), ("lab-rpm-tool-1.0", "1")]
        );
        assert!(versioned_splits("lab-rpm-tool").is_empty());
        assert!(newer_than("1.1-1", "1.0"));
        assert!(newer_than("1.0-2", "1.0-1"));
        assert!(!newer_than("1.0-1", "1.0-1"));
        assert!(!newer_than("1.0-1", "1.1"));
    }

    #[test]
    fn work_follows_ansible_marking() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            work("latest", &n(&["*"]), &[false], false, false).commands,
            vec![("upgrade".to_string(), vec![])]
        );
        let w = work(
            "latest",
            &n(&["a", "b", "c*"]),
            &[true, false, false],
            false,
            false,
        );
        assert_eq!(
            w.commands,
            vec![
                ("install".to_string(), n(&["b", "c*"])),
                ("upgrade".to_string(), n(&["a", "c*"]))
            ]
        );
        let w = work("present", &n(&["a", "b"]), &[true, false], false, false);
        assert_eq!(w.commands, vec![("install".to_string(), n(&["b"]))]);
        let w = work("latest", &n(&["a", "b"]), &[true, false], true, false);
        assert_eq!(w.commands, vec![("upgrade".to_string(), n(&["a"]))]);
        assert_eq!(
            w.results,
            vec!["Packages providing b not installed due to update_only specified"]
        );
        let w = work("absent", &n(&["a", "b"]), &[true, false], false, true);
        assert_eq!(
            w.commands,
            vec![
                ("remove".to_string(), n(&["a"])),
                ("autoremove".to_string(), vec![])
            ]
        );
        assert_eq!(w.results, vec!["No match for argument: b"]);
    }

    #[test]
    fn options_map_to_the_command_line() {
        let mut a = Map::new();
        a.insert("disablerepo".into(), Value::Str("*".into()));
        a.insert("enablerepo".into(), Value::Str("lab,extra".into()));
        a.insert("disable_gpg_check".into(), Value::Bool(true));
        a.insert("install_weak_deps".into(), Value::Bool(false));
        assert_eq!(
            options(&a).unwrap(),
            vec![
                "--nogpgcheck",
                "--disablerepo=*",
                "--enablerepo=lab",
                "--enablerepo=extra",
                "--setopt=install_weak_deps=False",
                "--setopt=clean_requirements_on_remove=False"
            ]
        );
        let t = Target {
            dnf: "/usr/bin/dnf".into(),
            env: vec![],
        };
        assert_eq!(
            command_line(&t, true, &[], "install", &["a*".to_string()]),
            "/usr/bin/dnf -y install 'a*'"
        );
    }
}
