//! `apt`: Debian packages through `apt-get` (and `aptitude` for `upgrade: yes|safe|full`
//! when the target has it, as Ansible does). Where Ansible asks python-apt, roller asks
//! `dpkg-query` and `apt-cache policy` in one probe, then decides on the controller with
//! Ansible's rules; the commands it runs, and the output it returns, are the ones Ansible's
//! module runs and returns (check mode runs them with `--simulate`).

use async_trait::async_trait;

use super::args::{MODULE_NAME, boolean, canonical, check_known, get, integer, list, string};
use super::deb_version;
use super::pkg_run::{self, BEST_LOCALE, Ran, exec_line, fields, with_lines};
use super::{Apply, Module, ModuleContext, ModuleError, Plan};
use crate::connection::shell_quote;
use crate::vars::{Map, Value};

const KNOWN: &[&str] = &[
    "allow-change-held-packages",
    "allow-downgrade",
    "allow-downgrades",
    "allow-unauthenticated",
    "allow_change_held_packages",
    "allow_downgrade",
    "allow_downgrades",
    "allow_unauthenticated",
    "auto_install_module_deps",
    "autoclean",
    "autoremove",
    "cache_valid_time",
    "clean",
    "deb",
    "default-release",
    "default_release",
    "dpkg_options",
    "fail_on_autoremove",
    "force",
    "force_apt_get",
    "install-recommends",
    "install_recommends",
    "lock_timeout",
    "name",
    "only_upgrade",
    "package",
    "pkg",
    "policy_rc_d",
    "purge",
    "state",
    "update-cache",
    "update_cache",
    "update_cache_retries",
    "update_cache_retry_max_delay",
    "upgrade",
];

const ALIASES: &[(&str, &str)] = &[
    ("pkg", "package"),
    ("name", "package"),
    ("update-cache", "update_cache"),
    ("default-release", "default_release"),
    ("install-recommends", "install_recommends"),
    ("allow-unauthenticated", "allow_unauthenticated"),
    ("allow-downgrade", "allow_downgrade"),
    ("allow_downgrades", "allow_downgrade"),
    ("allow-downgrades", "allow_downgrade"),
];

const APT_GET_ZERO: &str = "\n0 upgraded, 0 newly installed, 0 to remove";
const APTITUDE_ZERO: &str = "\n0 packages upgraded, 0 newly installed, 0 to remove";
const UPDATE_STAMP: &str = "/var/lib/apt/periodic/update-success-stamp";
const LISTS: &str = "/var/lib/apt/lists";

pub struct Apt;

/// The module's parameters after Ansible's argument spec.
struct Params {
    state: String,
    update_cache: bool,
    update_cache_retries: i64,
    update_cache_retry_max_delay: i64,
    cache_valid_time: i64,
    purge: bool,
    packages: Option<Vec<String>>,
    default_release: Option<String>,
    install_recommends: Option<bool>,
    force: bool,
    upgrade: Option<String>,
    dpkg_options: String,
    autoremove: bool,
    autoclean: bool,
    fail_on_autoremove: bool,
    policy_rc_d: Option<i64>,
    only_upgrade: bool,
    force_apt_get: bool,
    clean: bool,
    allow_unauthenticated: bool,
    allow_downgrade: bool,
    allow_change_held_packages: bool,
}

fn choice(args: &Map, key: &str, choices: &[&str], default: &str) -> Result<String, ModuleError> {
    let v = string(args, key)?.unwrap_or_else(|| default.to_string());
    // PyYAML's booleans, converted back as Ansible's choice check does.
    let v = match v.as_str() {
        "True" if choices.contains(&"yes") => "yes".to_string(),
        "False" if choices.contains(&"no") => "no".to_string(),
        _ => v,
    };
    if choices.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(ModuleError::new(format!(
            "value of {key} must be one of: {}, got: {v}",
            choices.join(", ")
        )))
    }
}

/// `-o "Dpkg::Options::=--X"` for each comma-separated option.
fn expand_dpkg_options(compressed: &str) -> String {
    compressed
        .split(',')
        .map(|o| format!("-o \"Dpkg::Options::=--{o}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

fn params(raw: &Map) -> Result<Params, ModuleError> {
    check_known(raw, KNOWN)?;
    let given: Vec<&str> = ["deb", "package", "upgrade"]
        .into_iter()
        .filter(|k| {
            let aliases: Vec<&str> = ALIASES
                .iter()
                .filter(|(_, o)| o == k)
                .map(|(a, _)| *a)
                .collect();
            get(raw, k).is_some() || aliases.iter().any(|a| get(raw, a).is_some())
        })
        .collect();
    if given.len() > 1 {
        return Err(ModuleError::new(format!(
            "parameters are mutually exclusive: {}",
            ["deb", "package", "upgrade"].join("|")
        )));
    }
    let args = canonical(raw, ALIASES);
    if get(&args, "deb").is_some() {
        return Err(ModuleError::new(format!(
            "roller's {MODULE_NAME} module does not install .deb files (deb); use apt-get or dpkg with the command module"
        )));
    }
    let packages = match get(&args, "package") {
        None => None,
        Some(_) => Some(
            list(&args, "package")
                .iter()
                .map(|v| match v {
                    Value::Str(s) | Value::Unsafe(s) => Ok(s.clone()),
                    Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                        Ok(crate::output::python_repr::python_str(v))
                    }
                    other => Err(ModuleError::new(format!(
                        "Elements value for option 'package' is of type {} and we were unable to convert to str",
                        other.python_type_name()
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let lock_timeout = integer(&args, "lock_timeout")?.unwrap_or(60);
    let dpkg =
        string(&args, "dpkg_options")?.unwrap_or_else(|| "force-confdef,force-confold".to_string());
    let upgrade = choice(
        &args,
        "upgrade",
        &["dist", "full", "no", "safe", "yes"],
        "no",
    )?;
    Ok(Params {
        state: choice(
            &args,
            "state",
            &["absent", "build-dep", "fixed", "latest", "present"],
            "present",
        )?,
        update_cache: boolean(&args, "update_cache", false)?,
        update_cache_retries: integer(&args, "update_cache_retries")?.unwrap_or(5),
        update_cache_retry_max_delay: integer(&args, "update_cache_retry_max_delay")?.unwrap_or(12),
        cache_valid_time: integer(&args, "cache_valid_time")?.unwrap_or(0),
        purge: boolean(&args, "purge", false)?,
        packages,
        default_release: string(&args, "default_release")?,
        install_recommends: match get(&args, "install_recommends") {
            None => None,
            Some(_) => Some(boolean(&args, "install_recommends", false)?),
        },
        force: boolean(&args, "force", false)?,
        upgrade: (upgrade != "no").then_some(upgrade),
        dpkg_options: format!(
            "{} -o DPkg::Lock::Timeout={lock_timeout}",
            expand_dpkg_options(&dpkg)
        ),
        autoremove: boolean(&args, "autoremove", false)?,
        autoclean: boolean(&args, "autoclean", false)?,
        fail_on_autoremove: boolean(&args, "fail_on_autoremove", false)?,
        policy_rc_d: integer(&args, "policy_rc_d")?,
        only_upgrade: boolean(&args, "only_upgrade", false)?,
        force_apt_get: boolean(&args, "force_apt_get", false)?,
        clean: boolean(&args, "clean", false)?,
        allow_unauthenticated: boolean(&args, "allow_unauthenticated", false)?,
        allow_downgrade: boolean(&args, "allow_downgrade", false)?,
        allow_change_held_packages: boolean(&args, "allow_change_held_packages", false)?,
    })
}

/// What the first probe learns about the target.
#[derive(Clone)]
struct Target {
    apt_get: String,
    apt_mark: Option<String>,
    aptitude: Option<String>,
    env: Vec<(String, String)>,
    /// The apt cache's modification time (seconds, with fractions) and the target's clock.
    mtime: f64,
    now: f64,
}

fn cache_time_script() -> String {
    format!(
        "if [ -e {UPDATE_STAMP} ]; then f={UPDATE_STAMP}; elif [ -e {LISTS} ]; then f={LISTS}; else f=; fi; \
         if [ -n \"$f\" ]; then m=$(stat -c %.9Y \"$f\" 2>/dev/null) || m=$(stat -c %Y \"$f\"); echo \"mtime=$m\"; \
         else echo mtime=0; fi; echo \"now=$(date +%s.%N 2>/dev/null || date +%s)\""
    )
}

async fn probe_target(cx: &ModuleContext<'_>) -> Result<Target, ModuleError> {
    let script = format!(
        "echo \"apt_get=$(command -v apt-get)\"; echo \"apt_mark=$(command -v apt-mark)\"; \
         echo \"aptitude=$(command -v aptitude)\"; {BEST_LOCALE}; {}",
        cache_time_script()
    );
    let out = pkg_run::run(cx, &script, &[]).await?;
    let f = fields(&out.stdout);
    let get = |k: &str| f.get(k).cloned().filter(|s| !s.is_empty());
    let apt_get = get("apt_get").ok_or_else(|| {
        ModuleError::new("Failed to find required executable \"apt-get\" in paths")
    })?;
    let locale = get("locale").unwrap_or_else(|| "C".into());
    let mut env = vec![
        ("DEBIAN_FRONTEND".to_string(), "noninteractive".to_string()),
        ("DEBIAN_PRIORITY".to_string(), "critical".to_string()),
    ];
    for k in ["LANG", "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LANGUAGE"] {
        env.push((k.to_string(), locale.clone()));
    }
    Ok(Target {
        apt_get,
        apt_mark: get("apt_mark"),
        aptitude: get("aptitude"),
        env,
        mtime: parse_time(get("mtime").as_deref()),
        now: parse_time(get("now").as_deref()),
    })
}

fn parse_time(s: Option<&str>) -> f64 {
    s.and_then(|s| s.trim().parse().ok()).unwrap_or(0.0)
}

/// The apt cache time as Ansible reports it: whole seconds.
async fn cache_time(cx: &ModuleContext<'_>) -> Result<i64, ModuleError> {
    let out = pkg_run::run(cx, &cache_time_script(), &[]).await?;
    Ok(parse_time(fields(&out.stdout).get("mtime").map(String::as_str)) as i64)
}

/// Runs an apt command line (as Ansible builds it), with `policy-rc.d` in place when asked.
async fn run_apt(
    cx: &ModuleContext<'_>,
    t: &Target,
    line: &str,
    policy_rc_d: Option<i64>,
) -> Result<Ran, ModuleError> {
    let exec = exec_line(line)?;
    let script = match policy_rc_d {
        None => exec,
        Some(code) => format!(
            "p=/usr/sbin/policy-rc.d; b=; \
             if [ -e $p ]; then b=$(mktemp -d /tmp/ansibleXXXXXXXX) && mv $p \"$b\"/ || exit 1; fi; \
             printf '#!/bin/sh\\nexit %d\\n' {code} >$p && chmod 0755 $p; \
             {exec}; rc=$?; \
             if [ -n \"$b\" ]; then mv \"$b\"/policy-rc.d $p && rmdir \"$b\"; else rm -f $p; fi; exit $rc"
        ),
    };
    pkg_run::run(cx, &script, &t.env).await
}

/// Ansible's `parse_diff`: the part of apt's output between its preamble and the summary.
fn parse_diff(out: &str) -> Value {
    let lines = pkg_run::splitlines(out);
    let start = lines
        .iter()
        .position(|l| l == "Resolving dependencies...")
        .or_else(|| {
            lines
                .iter()
                .position(|l| l == "Reading state information...")
        })
        .map(|i| i as i64)
        .unwrap_or(-1);
    let summary = regex::Regex::new(r"^[0-9]+ (packages )?upgraded").expect("static regex");
    let end = lines
        .iter()
        .position(|l| summary.is_match(l))
        .unwrap_or(lines.len());
    let (start, end) = ((start + 1) as usize, (end + 1).min(lines.len()));
    let text = if start < end {
        lines[start..end].join("\n")
    } else {
        String::new()
    };
    let mut d = Map::new();
    d.insert("prepared".into(), Value::Str(text));
    Value::Map(d)
}

fn diff_of(cx: &ModuleContext<'_>, out: &str) -> Value {
    if cx.diff {
        parse_diff(out)
    } else {
        Value::Map(Map::new())
    }
}

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

/// How a command's output becomes the module's result.
#[derive(Clone)]
enum Finish {
    Upgrade {
        tool: String,
        upgrade_command: String,
        aptitude: bool,
    },
    Install {
        line: String,
        build_dep: bool,
        cache_updated: bool,
        cache_update_time: i64,
        mark: Vec<String>,
    },
    Remove {
        packages: String,
    },
    Cleanup {
        operation: &'static str,
    },
}

async fn finish(
    cx: &ModuleContext<'_>,
    t: &Target,
    how: &Finish,
    out: Ran,
) -> Result<Map, ModuleError> {
    let mut r = Map::new();
    match how {
        Finish::Upgrade {
            tool,
            upgrade_command,
            aptitude,
        } => {
            if out.rc != 0 {
                return Err(ModuleError::new(format!(
                    "'{tool} {upgrade_command}' failed: {}",
                    out.stderr
                ))
                .with("stdout", s(&out.stdout))
                .with("stdout_lines", lines(&out.stdout))
                .with("rc", Value::Int(out.rc as i64)));
            }
            let zero = if *aptitude {
                APTITUDE_ZERO
            } else {
                APT_GET_ZERO
            };
            let changed = !out.stdout.contains(zero);
            r.insert("changed".into(), Value::Bool(changed));
            r.insert("msg".into(), s(&out.stdout));
            if changed {
                r.insert("diff".into(), diff_of(cx, &out.stdout));
            }
            r.insert("stdout".into(), s(&out.stdout));
            r.insert("stderr".into(), s(&out.stderr));
        }
        Finish::Install {
            line,
            build_dep,
            cache_updated,
            cache_update_time,
            mark,
        } => {
            let cache = [
                ("cache_updated", Value::Bool(*cache_updated)),
                ("cache_update_time", Value::Int(*cache_update_time)),
            ];
            let failed = out.rc != 0;
            if !cx.check_mode && !build_dep {
                mark_manual(cx, t, mark).await?;
            }
            if failed {
                let mut e = ModuleError::new(format!("'{line}' failed: {}", out.stderr))
                    .with("stdout", s(&out.stdout))
                    .with("stderr", s(&out.stderr))
                    .with("rc", Value::Int(out.rc as i64));
                for (k, v) in cache {
                    e = e.with(k, v);
                }
                e.result = with_lines(e.result);
                return Err(e);
            }
            let changed = !build_dep || !out.stdout.contains(APT_GET_ZERO);
            r.insert("changed".into(), Value::Bool(changed));
            r.insert("stdout".into(), s(&out.stdout));
            r.insert("stderr".into(), s(&out.stderr));
            r.insert("diff".into(), diff_of(cx, &out.stdout));
            for (k, v) in cache {
                r.insert(k.into(), v);
            }
        }
        Finish::Remove { packages } => {
            if out.rc != 0 {
                let mut e = ModuleError::new(format!(
                    "'apt-get remove {packages}' failed: {}",
                    out.stderr
                ))
                .with("stdout", s(&out.stdout))
                .with("stderr", s(&out.stderr))
                .with("rc", Value::Int(out.rc as i64));
                e.result = with_lines(e.result);
                return Err(e);
            }
            r.insert("changed".into(), Value::Bool(true));
            r.insert("stdout".into(), s(&out.stdout));
            r.insert("stderr".into(), s(&out.stderr));
            r.insert("diff".into(), diff_of(cx, &out.stdout));
        }
        Finish::Cleanup { operation } => {
            if out.rc != 0 {
                let mut e =
                    ModuleError::new(format!("'apt-get {operation}' failed: {}", out.stderr))
                        .with("stdout", s(&out.stdout))
                        .with("stderr", s(&out.stderr))
                        .with("rc", Value::Int(out.rc as i64));
                e.result = with_lines(e.result);
                return Err(e);
            }
            let marker = if *operation == "autoremove" {
                "The following packages will be REMOVED"
            } else {
                "Del "
            };
            r.insert("changed".into(), Value::Bool(out.stdout.contains(marker)));
            r.insert("stdout".into(), s(&out.stdout));
            r.insert("stderr".into(), s(&out.stderr));
            r.insert("diff".into(), diff_of(cx, &out.stdout));
        }
    }
    Ok(with_lines(r))
}

fn lines(text: &str) -> Value {
    Value::List(
        pkg_run::splitlines(text)
            .into_iter()
            .map(Value::Str)
            .collect(),
    )
}

/// `apt-mark manual` for the named packages, as Ansible does after every install run.
async fn mark_manual(
    cx: &ModuleContext<'_>,
    t: &Target,
    names: &[String],
) -> Result<(), ModuleError> {
    if names.is_empty() {
        return Ok(());
    }
    let Some(apt_mark) = &t.apt_mark else {
        return Ok(());
    };
    let mut line = format!("{apt_mark} manual {}", names.join(" "));
    let mut out = pkg_run::run(cx, &exec_line(&line)?, &t.env).await?;
    if out.stderr.contains("Invalid operation")
        || out
            .stderr
            .contains("Usage: apt-mark [options] {markauto|unmarkauto} packages")
    {
        line = format!("{apt_mark} unmarkauto {}", names.join(" "));
        out = pkg_run::run(cx, &exec_line(&line)?, &t.env).await?;
    }
    if out.rc != 0 {
        let mut e = ModuleError::new(format!("'{line}' failed: {}", out.stderr))
            .with("stdout", s(&out.stdout))
            .with("stderr", s(&out.stderr))
            .with("rc", Value::Int(out.rc as i64));
        e.result = with_lines(e.result);
        return Err(e);
    }
    Ok(())
}

/// A command to run: now (check mode, with `--simulate`) or as the plan's change.
struct Step {
    line: String,
    policy_rc_d: Option<i64>,
    finish: Finish,
    target: Target,
}

#[async_trait]
impl Apply for Step {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let out = run_apt(cx, &self.target, &self.line, self.policy_rc_d).await?;
        finish(cx, &self.target, &self.finish, out).await
    }
}

/// Check mode runs the (simulating) command now and reports its result; otherwise the
/// command is the plan's change.
async fn step(cx: &ModuleContext<'_>, step: Step, preview: Map) -> Result<Plan, ModuleError> {
    if cx.check_mode {
        let out = run_apt(cx, &step.target, &step.line, step.policy_rc_d).await?;
        return Ok(Plan::Done(
            finish(cx, &step.target, &step.finish, out).await?,
        ));
    }
    Ok(Plan::Change {
        preview,
        diff: None,
        apply: Box::new(step),
    })
}

/// `apt-get update` with Ansible's retries and back-off.
async fn update_cache(cx: &ModuleContext<'_>, t: &Target, p: &Params) -> Result<(), ModuleError> {
    let mut err = String::new();
    let retries = p.update_cache_retries.max(0);
    for retry in 0..retries {
        let out = pkg_run::run(cx, &format!("{} update", shell_quote(&t.apt_get)), &t.env).await?;
        // apt-get update exits 0 on warnings; python-apt fails on any failed fetch.
        if out.rc == 0
            && !out.stderr.lines().any(|l| {
                l.starts_with("E:") || l.starts_with("W:Failed") || l.starts_with("W: Failed")
            })
        {
            return Ok(());
        }
        err = out.stderr.trim().to_string();
        let delay = (2f64.powi(retry as i32)).min(p.update_cache_retry_max_delay as f64);
        tokio::time::sleep(std::time::Duration::from_secs_f64(delay)).await;
    }
    Err(ModuleError::new(format!(
        "Failed to update apt cache after {retries} retries: {}",
        if err.is_empty() {
            "unknown reason"
        } else {
            &err
        }
    )))
}

/// The update-only run: the cache is out of date, nothing else to do.
struct UpdateOnly {
    target: Target,
    params: Params,
}

#[async_trait]
impl Apply for UpdateOnly {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        let before = self.target.mtime as i64;
        update_cache(cx, &self.target, &self.params).await?;
        let after = cache_time(cx).await?;
        Ok(super::result([
            ("changed", Value::Bool(before != after)),
            ("cache_updated", Value::Bool(before != after)),
            ("cache_update_time", Value::Int(after)),
        ]))
    }
}

/// The upgrade command for MODE, as Ansible's `upgrade()` builds it.
fn upgrade_step(cx: &ModuleContext<'_>, t: &Target, p: &Params, mode: &str) -> (Step, Vec<String>) {
    let use_apt_get = p.force_apt_get || t.aptitude.is_none();
    let autoremove = if p.autoremove { "--auto-remove" } else { "" };
    let check = if cx.check_mode { "--simulate" } else { "" };
    let aptitude = t.aptitude.clone().unwrap_or_default();
    let (tool, upgrade_command, is_aptitude) = if mode == "dist" || (mode == "full" && use_apt_get)
    {
        (
            t.apt_get.clone(),
            format!("dist-upgrade {autoremove}"),
            false,
        )
    } else if mode == "full" {
        (aptitude, "full-upgrade".to_string(), true)
    } else if use_apt_get {
        (
            t.apt_get.clone(),
            format!("upgrade --with-new-pkgs {autoremove}"),
            false,
        )
    } else {
        (aptitude, "safe-upgrade".to_string(), true)
    };
    let mut warnings = Vec::new();
    let force = match (p.force, is_aptitude) {
        (false, _) => "",
        (true, false) => "--force-yes",
        (true, true) => "--assume-yes --allow-untrusted",
    };
    let fail_on_autoremove = match (p.fail_on_autoremove, is_aptitude) {
        (true, false) => "--no-remove",
        (true, true) => {
            warnings.push("APTITUDE does not support '--no-remove', ignoring the 'fail_on_autoremove' parameter.".to_string());
            ""
        }
        _ => "",
    };
    let unauth = if p.allow_unauthenticated {
        "--allow-unauthenticated"
    } else {
        ""
    };
    let downgrade = match (p.allow_downgrade, is_aptitude) {
        (true, false) => "--allow-downgrades",
        (true, true) => {
            warnings.push("APTITUDE does not support '--allow-downgrades', ignoring the 'allow_downgrade' parameter.".to_string());
            ""
        }
        _ => "",
    };
    let mut line = format!(
        "{tool} -y {} {force} {fail_on_autoremove} {unauth} {downgrade} {check} {upgrade_command}",
        p.dpkg_options
    );
    if let Some(rel) = &p.default_release {
        line.push_str(&format!(" -t '{rel}'"));
    }
    (
        Step {
            line,
            policy_rc_d: p.policy_rc_d,
            finish: Finish::Upgrade {
                tool,
                upgrade_command,
                aptitude: is_aptitude,
            },
            target: t.clone(),
        },
        warnings,
    )
}

async fn upgrade_plan(
    cx: &ModuleContext<'_>,
    t: &Target,
    p: &Params,
    mode: &str,
) -> Result<Plan, ModuleError> {
    let (st, warnings) = upgrade_step(cx, t, p, mode);
    let warn = |mut m: Map| {
        if !warnings.is_empty() {
            m.insert(
                "warnings".into(),
                Value::List(warnings.iter().map(|w| s(w)).collect()),
            );
        }
        m
    };
    let plan = step(cx, st, Map::new()).await?;
    Ok(match plan {
        Plan::Done(m) => Plan::Done(warn(m)),
        other => other,
    })
}

/// What the probe learned about one package name.
#[derive(Debug, Default, Clone, PartialEq)]
struct PkgInfo {
    /// dpkg's state word (`installed`, `config-files`, ...), empty when dpkg does not know it.
    dpkg_state: String,
    installed_version: String,
    /// `Candidate:` of `apt-cache policy`, None for `(none)`.
    candidate: Option<String>,
    /// Every version in the policy's version table.
    versions: Vec<String>,
    /// Packages providing this name (`apt-cache showpkg`'s Reverse Provides).
    providers: Vec<String>,
}

impl PkgInfo {
    /// python-apt knows the package (it has versions): not a purely virtual name.
    fn real(&self) -> bool {
        !self.versions.is_empty() || self.dpkg_state == "installed"
    }
    fn installed(&self) -> bool {
        self.dpkg_state == "installed"
    }
    fn has_files(&self) -> bool {
        matches!(
            self.dpkg_state.as_str(),
            "installed" | "config-files" | "half-installed" | "unpacked" | "half-configured"
        )
    }
}

fn probe_script(names: &[String], default_release: Option<&str>, pkgnames: bool) -> String {
    let release = default_release
        .map(|r| format!(" -o APT::Default-Release={}", shell_quote(r)))
        .unwrap_or_default();
    let mut script = String::new();
    if pkgnames {
        script.push_str("echo '@@pkgnames'; apt-cache pkgnames 2>/dev/null; ");
    }
    for n in names {
        let q = shell_quote(n);
        script.push_str(&format!(
            "echo '@@pkg'; dpkg-query -W -f='status=${{Status}}\\nversion=${{Version}}\\n' {q} 2>/dev/null | head -n 2; \
             echo '@@policy'; apt-cache{release} policy {q} 2>/dev/null; \
             echo '@@provides'; apt-cache showpkg {q} 2>/dev/null | sed -n '/^Reverse Provides:/,$p'; "
        ));
    }
    script
}

/// Parses the probe's output: the package name list (if asked) and one PkgInfo per name.
fn parse_probe(text: &str) -> (Vec<String>, Vec<PkgInfo>) {
    let mut names = Vec::new();
    let mut infos: Vec<PkgInfo> = Vec::new();
    let mut section = "";
    let mut in_table = false;
    for line in text.lines() {
        match line {
            "@@pkgnames" | "@@policy" | "@@provides" => {
                section = line;
                in_table = false;
                continue;
            }
            "@@pkg" => {
                section = line;
                infos.push(PkgInfo::default());
                continue;
            }
            _ => {}
        }
        let info = infos.last_mut();
        match (section, info) {
            ("@@pkgnames", _) => names.push(line.trim().to_string()),
            ("@@pkg", Some(i)) => {
                if let Some(st) = line.strip_prefix("status=") {
                    i.dpkg_state = st.split_whitespace().nth(2).unwrap_or("").to_string();
                } else if let Some(v) = line.strip_prefix("version=") {
                    i.installed_version = v.to_string();
                }
            }
            ("@@policy", Some(i)) => {
                let t = line.trim();
                if let Some(c) = t.strip_prefix("Candidate:") {
                    let c = c.trim();
                    i.candidate = (c != "(none)" && !c.is_empty()).then(|| c.to_string());
                } else if t == "Version table:" {
                    in_table = true;
                } else if in_table {
                    // Version lines are indented by five (` *** ` marks the installed
                    // one); their sources by eight.
                    let rest = line
                        .strip_prefix(" *** ")
                        .or_else(|| line.strip_prefix("     "));
                    if let Some(v) = rest
                        .filter(|r| !r.starts_with(' '))
                        .and_then(|r| r.split_whitespace().next())
                    {
                        i.versions.push(v.to_string());
                    }
                }
            }
            ("@@provides", Some(i)) => {
                if let Some(p) = line
                    .split_whitespace()
                    .next()
                    .filter(|_| !line.starts_with("Reverse Provides:"))
                {
                    i.providers.push(p.to_string());
                }
            }
            _ => {}
        }
    }
    (names, infos)
}

/// `re.split(r'(>?=)', spec, maxsplit=1)`: (name, comparison, version).
fn package_split(spec: &str) -> (String, Option<&'static str>, Option<String>) {
    match spec.find('=') {
        None => (spec.to_string(), None, None),
        Some(i) if i > 0 && spec.as_bytes()[i - 1] == b'>' => (
            spec[..i - 1].to_string(),
            Some(">="),
            Some(spec[i + 1..].to_string()),
        ),
        Some(i) => (
            spec[..i].to_string(),
            Some("="),
            Some(spec[i + 1..].to_string()),
        ),
    }
}

fn fnmatch(pattern: &str, text: &str) -> bool {
    regex::Regex::new(&crate::inventory::pattern::glob_to_regex(pattern))
        .is_ok_and(|r| r.is_match(text))
}

fn has_wildcard(name: &str) -> bool {
    name.contains(['*', '?', '[', ']', '!'])
}

/// Expands fnmatch patterns in package names against the names apt knows.
fn expand(specs: &[String], all: &[String]) -> Result<Vec<String>, ModuleError> {
    let mut out = Vec::new();
    for spec in specs {
        let (pattern, _, _) = package_split(spec);
        if has_wildcard(&pattern) {
            let pool = all
                .iter()
                .filter(|n| pattern.contains(':') || !n.contains(':'));
            let matches: Vec<String> = pool.filter(|n| fnmatch(&pattern, n)).cloned().collect();
            if matches.is_empty() {
                return Err(ModuleError::new(format!(
                    "No package(s) matching '{pattern}' available"
                )));
            }
            out.extend(matches);
        } else {
            out.push(spec.clone());
        }
    }
    Ok(out)
}

/// Ansible's `package_best_match`.
fn best_match(info: &PkgInfo, cmp: Option<&str>, version: Option<&str>) -> Option<String> {
    if cmp == Some("=") {
        let v = version.unwrap_or("");
        return info
            .versions
            .iter()
            .filter(|x| fnmatch(v, x))
            .max_by(|a, b| deb_version::compare(a, b))
            .cloned();
    }
    info.candidate.clone()
}

/// Ansible's `package_status` for a real package: (installed, installed version matches,
/// installable version).
fn status(
    info: &PkgInfo,
    cmp: Option<&str>,
    version: Option<&str>,
) -> (bool, bool, Option<String>) {
    let best = best_match(info, cmp, version);
    if !info.installed() {
        return (false, false, best);
    }
    let inst = info.installed_version.as_str();
    let v = version.unwrap_or("");
    let newer = |b: &String| b != inst;
    match cmp {
        Some("=") => (
            true,
            fnmatch(v, inst),
            best.filter(|b| newer(b) && fnmatch(v, b)),
        ),
        Some(_) => (
            true,
            deb_version::compare(inst, v).is_ge(),
            best.filter(|b| newer(b) && deb_version::compare(b, v).is_ge()),
        ),
        None => (true, true, best.filter(newer)),
    }
}

/// Installable: a version, or "let apt decide" (a virtual package).
#[derive(Debug, Clone, PartialEq)]
enum Installable {
    No,
    Version(String),
    Any,
}

async fn probe(
    cx: &ModuleContext<'_>,
    t: &Target,
    names: &[String],
    release: Option<&str>,
    pkgnames: bool,
) -> Result<(Vec<String>, Vec<PkgInfo>), ModuleError> {
    let out = pkg_run::run(cx, &probe_script(names, release, pkgnames), &t.env).await?;
    Ok(parse_probe(&out.stdout))
}

/// The install family (`present`, `latest`, `build-dep`, `fixed`), as Ansible's `install()`.
async fn install_plan(
    cx: &ModuleContext<'_>,
    t: &Target,
    p: &Params,
    packages: &[String],
    cache_updated: bool,
    cache_update_time: i64,
) -> Result<Plan, ModuleError> {
    let build_dep = p.state == "build-dep";
    let upgrade = p.state == "latest";
    let cache = |mut m: Map| {
        m.insert("cache_updated".into(), Value::Bool(cache_updated));
        m.insert("cache_update_time".into(), Value::Int(cache_update_time));
        m
    };
    let fail = |msg: String| {
        let mut e = ModuleError::new(msg);
        e.result = cache(Map::new());
        e
    };
    let wild = packages.iter().any(|s| has_wildcard(&package_split(s).0));
    let specs = if wild {
        let (all, _) = probe(cx, t, &[], None, true).await?;
        expand(packages, &all)?
    } else {
        packages.to_vec()
    };
    let mut pkg_list = Vec::new();
    let mut names = Vec::new();
    if build_dep {
        pkg_list = specs.iter().map(|s| format!("'{s}'")).collect();
    } else {
        let split: Vec<_> = specs.iter().map(|s| package_split(s)).collect();
        let plain: Vec<String> = split.iter().map(|(n, _, _)| n.clone()).collect();
        let (_, infos) = probe(cx, t, &plain, p.default_release.as_deref(), false).await?;
        for (spec, ((name, cmp, version), info)) in specs.iter().zip(split.iter().zip(infos)) {
            names.push(name.clone());
            let (installed, installed_version, installable) = if info.real() {
                let (a, b, c) = status(&info, *cmp, version.as_deref());
                (a, b, c.map_or(Installable::No, Installable::Version))
            } else if !info.providers.is_empty() {
                let mut r = (false, false, Installable::Any);
                if info.providers.len() == 1 {
                    let prov = info.providers[0].clone();
                    let (_, pi) =
                        probe(cx, t, &[prov], p.default_release.as_deref(), false).await?;
                    if let Some(pi) = pi.first().filter(|pi| pi.installed()) {
                        let (a, b, c) = status(pi, *cmp, version.as_deref());
                        r = (a, b, c.map_or(Installable::No, Installable::Version));
                    }
                }
                r
            } else {
                return Err(ModuleError::new(format!(
                    "No package matching '{name}' is available"
                )));
            };
            if !installed && p.only_upgrade {
                continue;
            }
            if !installed_version && installable == Installable::No {
                return Err(fail(format!(
                    "no available installation candidate for {spec}"
                )));
            }
            let want = (!installed && !p.only_upgrade) || upgrade || !installed_version;
            match (&installable, want) {
                (Installable::Version(v), true) => pkg_list.push(format!("'{name}={v}'")),
                (Installable::Any, true) => match version {
                    Some(v) => pkg_list.push(format!("'{name}={v}'")),
                    None => pkg_list.push(format!("'{name}'")),
                },
                (Installable::Version(_) | Installable::Any, false)
                    if installed_version && *cmp == Some("=") =>
                {
                    pkg_list.push(format!("'{name}={}'", version.clone().unwrap_or_default()))
                }
                _ => {}
            }
        }
    }
    if pkg_list.is_empty() {
        if !cx.check_mode && !build_dep {
            mark_manual(cx, t, &names).await?;
        }
        return Ok(Plan::Done(cache(super::result([(
            "changed",
            Value::Bool(false),
        )]))));
    }
    let opt = |on: bool, flag: &'static str| if on { flag } else { "" };
    let check = opt(cx.check_mode, "--simulate");
    let packages = pkg_list.join(" ");
    let mut line = if build_dep {
        format!(
            "{} -y {} {} {} {} {} {} build-dep {packages}",
            t.apt_get,
            p.dpkg_options,
            opt(p.only_upgrade, "--only-upgrade"),
            "",
            opt(p.force, "--force-yes"),
            opt(p.fail_on_autoremove, "--no-remove"),
            check
        )
    } else {
        format!(
            "{} -y {} {} {} {} {} {} {} install {packages}",
            t.apt_get,
            p.dpkg_options,
            opt(p.only_upgrade, "--only-upgrade"),
            opt(p.state == "fixed", "--fix-broken"),
            opt(p.force, "--force-yes"),
            opt(p.autoremove, "--auto-remove"),
            opt(p.fail_on_autoremove, "--no-remove"),
            check
        )
    };
    if let Some(rel) = &p.default_release {
        line.push_str(&format!(" -t '{rel}'"));
    }
    match p.install_recommends {
        Some(false) => line.push_str(" -o APT::Install-Recommends=no"),
        Some(true) => line.push_str(" -o APT::Install-Recommends=yes"),
        None => {}
    }
    if p.allow_unauthenticated {
        line.push_str(" --allow-unauthenticated");
    }
    if p.allow_downgrade {
        line.push_str(" --allow-downgrades");
    }
    if p.allow_change_held_packages {
        line.push_str(" --allow-change-held-packages");
    }
    let finish = Finish::Install {
        line: line.clone(),
        build_dep,
        cache_updated,
        cache_update_time,
        mark: names,
    };
    step(
        cx,
        Step {
            line,
            policy_rc_d: p.policy_rc_d,
            finish,
            target: t.clone(),
        },
        cache(Map::new()),
    )
    .await
}

/// `state: absent`, as Ansible's `remove()`.
async fn remove_plan(
    cx: &ModuleContext<'_>,
    t: &Target,
    p: &Params,
    packages: &[String],
) -> Result<Plan, ModuleError> {
    let wild = packages.iter().any(|s| has_wildcard(&package_split(s).0));
    let specs = if wild {
        let (all, _) = probe(cx, t, &[], None, true).await?;
        expand(packages, &all)?
    } else {
        packages.to_vec()
    };
    let split: Vec<_> = specs.iter().map(|s| package_split(s)).collect();
    let plain: Vec<String> = split.iter().map(|(n, _, _)| n.clone()).collect();
    let (_, infos) = probe(cx, t, &plain, None, false).await?;
    let mut pkg_list = Vec::new();
    for (spec, ((_, cmp, version), info)) in specs.iter().zip(split.iter().zip(infos)) {
        let (installed_version, has_files) = if info.real() {
            (status(&info, *cmp, version.as_deref()).1, info.has_files())
        } else {
            (false, false)
        };
        if installed_version || (has_files && p.purge) {
            pkg_list.push(format!("'{spec}'"));
        }
    }
    if pkg_list.is_empty() {
        return Ok(Plan::Done(super::result([("changed", Value::Bool(false))])));
    }
    let packages = pkg_list.join(" ");
    let opt = |on: bool, flag: &'static str| if on { flag } else { "" };
    let line = format!(
        "{} -q -y {} {} {} {} {} {} remove {packages}",
        t.apt_get,
        p.dpkg_options,
        opt(p.purge, "--purge"),
        opt(p.force, "--force-yes"),
        opt(p.autoremove, "--auto-remove"),
        opt(cx.check_mode, "--simulate"),
        opt(p.allow_change_held_packages, "--allow-change-held-packages"),
    );
    step(
        cx,
        Step {
            line,
            policy_rc_d: p.policy_rc_d,
            finish: Finish::Remove { packages },
            target: t.clone(),
        },
        Map::new(),
    )
    .await
}

/// `autoremove`/`autoclean` without packages, as Ansible's `cleanup()`.
async fn cleanup_plan(
    cx: &ModuleContext<'_>,
    t: &Target,
    p: &Params,
    operation: &'static str,
) -> Result<Plan, ModuleError> {
    let opt = |on: bool, flag: &'static str| if on { flag } else { "" };
    let line = format!(
        "{} -y {} {} {} {operation} {}",
        t.apt_get,
        p.dpkg_options,
        opt(p.purge, "--purge"),
        opt(p.force, "--force-yes"),
        opt(cx.check_mode, "--simulate"),
    );
    step(
        cx,
        Step {
            line,
            policy_rc_d: p.policy_rc_d,
            finish: Finish::Cleanup { operation },
            target: t.clone(),
        },
        Map::new(),
    )
    .await
}

/// `clean: yes` alone: `apt-get clean`.
struct CleanOnly {
    target: Target,
}

async fn apt_clean(cx: &ModuleContext<'_>, t: &Target) -> Result<Map, ModuleError> {
    let out = pkg_run::run(cx, "apt-get clean", &t.env).await?;
    if out.rc != 0 || !out.stderr.is_empty() {
        let msg = if out.rc != 0 {
            "apt-get clean failed".to_string()
        } else {
            format!("apt-get clean failed: {}", out.stderr)
        };
        return Err(ModuleError::new(msg)
            .with("stdout", s(&out.stdout))
            .with("rc", Value::Int(out.rc as i64)));
    }
    let mut r = super::result([
        ("changed", Value::Bool(true)),
        ("msg", s(&out.stdout)),
        ("stdout", s(&out.stdout)),
        ("stderr", s(&out.stderr)),
    ]);
    r.insert("diff".into(), diff_of(cx, &out.stdout));
    Ok(with_lines(r))
}

#[async_trait]
impl Apply for CleanOnly {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError> {
        apt_clean(cx, &self.target).await
    }
}

#[async_trait]
impl Module for Apt {
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError> {
        let p = params(args)?;
        let t = probe_target(cx).await?;
        let nothing_else = p.packages.is_none() && p.upgrade.is_none();
        if p.clean {
            if nothing_else {
                let preview = with_lines(super::result([
                    ("msg", s("")),
                    ("stdout", s("")),
                    ("stderr", s("")),
                ]));
                return Ok(Plan::Change {
                    preview,
                    diff: None,
                    apply: Box::new(CleanOnly { target: t }),
                });
            }
            // Roller never changes a host in check mode, where Ansible cleans anyway.
            if !cx.check_mode {
                apt_clean(cx, &t).await?;
            }
        }
        let mut cache_updated = false;
        let mut cache_update_time = t.mtime as i64;
        if p.update_cache || p.cache_valid_time != 0 {
            let valid = t.mtime + p.cache_valid_time as f64 >= t.now;
            if !valid {
                if cx.check_mode {
                    cache_updated = true;
                } else if nothing_else {
                    let preview = super::result([
                        ("cache_updated", Value::Bool(true)),
                        ("cache_update_time", Value::Int(cache_update_time)),
                    ]);
                    return Ok(Plan::Change {
                        preview,
                        diff: None,
                        apply: Box::new(UpdateOnly {
                            target: t,
                            params: p,
                        }),
                    });
                } else {
                    update_cache(cx, &t, &p).await?;
                    let after = cache_time(cx).await?;
                    cache_updated = after != cache_update_time;
                    cache_update_time = after;
                }
            }
            if nothing_else {
                return Ok(Plan::Done(super::result([
                    ("changed", Value::Bool(cache_updated)),
                    ("cache_updated", Value::Bool(cache_updated)),
                    ("cache_update_time", Value::Int(cache_update_time)),
                ])));
            }
        }
        if let Some(mode) = &p.upgrade {
            return upgrade_plan(cx, &t, &p, mode).await;
        }
        let unfiltered = p.packages.clone().unwrap_or_default();
        let packages: Vec<String> = unfiltered
            .iter()
            .filter(|x| *x != "*")
            .map(|x| x.trim().to_string())
            .collect();
        let all_installed = unfiltered.iter().any(|x| x == "*");
        if p.state == "latest" && all_installed {
            if !packages.is_empty() {
                return Err(ModuleError::new(
                    "unable to install additional packages when upgrading all installed packages",
                ));
            }
            return upgrade_plan(cx, &t, &p, "yes").await;
        }
        if let Some(bad) = packages.iter().find(|x| x.matches('=').count() > 1) {
            return Err(ModuleError::new(format!("invalid package spec: {bad}")));
        }
        if packages.is_empty() {
            if p.autoclean {
                return cleanup_plan(cx, &t, &p, "autoclean").await;
            }
            if p.autoremove {
                return cleanup_plan(cx, &t, &p, "autoremove").await;
            }
        }
        if p.state == "absent" {
            return remove_plan(cx, &t, &p, &packages).await;
        }
        install_plan(cx, &t, &p, &packages, cache_updated, cache_update_time).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "@@pkg
status=install ok installed
version=1.0
@@policy
lab-tool:
  Installed: 1.0
  Candidate: 1.1
  Version table:
     1.1 500
        500 file:/srv/repo ./ Packages
 *** 1.0 500
        500 file:/srv/repo ./ Packages
        100 /var/lib/dpkg/status
@@provides
Reverse Provides: 
@@pkg
@@policy
@@provides
Reverse Provides: 
mail-transport-agent 1.0 (= )
";

    #[test]
    fn probe_output_is_parsed() {
        let (_, infos) = parse_probe(POLICY);
        assert_eq!(infos.len(), 2);
        let i = &infos[0];
        assert!(i.installed() && i.real());
        assert_eq!(i.installed_version, "1.0");
        assert_eq!(i.candidate.as_deref(), Some("1.1"));
        assert_eq!(i.versions, vec!["1.1", "1.0"]);
        assert!(!infos[1].real());
        assert_eq!(infos[1].providers, vec!["mail-transport-agent"]);
    }

    #[test]
    fn status_follows_ansible() {
        let (_, infos) = parse_probe(POLICY);
        let i = &infos[0];
        assert_eq!(status(i, None, None), (true, true, Some("1.1".into())));
        assert_eq!(status(i, Some("="), Some("1.0")), (true, true, None));
        assert_eq!(
            status(i, Some("="), Some("1.*")),
            (true, true, Some("1.1".into()))
        );
        assert_eq!(
            status(i, Some(">="), Some("1.1")),
            (true, false, Some("1.1".into()))
        );
        assert_eq!(status(i, Some("="), Some("2.0")), (true, false, None));
    }

    #[test]
    fn specs_split_like_ansible() {
        assert_eq!(package_split("foo"), ("foo".into(), None, None));
        assert_eq!(
            package_split("foo=1.0"),
            ("foo".into(), Some("="), Some("1.0".into()))
        );
        assert_eq!(
            package_split("foo>=1.0"),
            ("foo".into(), Some(">="), Some("1.0".into()))
        );
    }

    #[test]
    fn wildcards_expand_over_native_names() {
        let all = vec![
            "lab-tool".to_string(),
            "lab-lib".into(),
            "lab-lib:i386".into(),
            "other".into(),
        ];
        assert_eq!(
            expand(&["lab-*".to_string()], &all).unwrap(),
            vec!["lab-tool", "lab-lib"]
        );
        assert!(expand(&["zz*".to_string()], &all).is_err());
    }

    #[test]
    fn diff_is_the_middle_of_apt_output() {
        let out = "Reading package lists...\nBuilding dependency tree...\nReading state information...\nThe following packages will be upgraded:\n  lab-tool\n1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\nInst lab-tool\n";
        assert_eq!(
            parse_diff(out),
            Value::Map(super::super::result([(
                "prepared",
                s(
                    "The following packages will be upgraded:\n  lab-tool\n1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded."
                )
            )]))
        );
    }

    #[test]
    fn dpkg_options_expand() {
        assert_eq!(
            expand_dpkg_options("force-confdef,force-confold"),
            "-o \"Dpkg::Options::=--force-confdef\" -o \"Dpkg::Options::=--force-confold\""
        );
    }
}
