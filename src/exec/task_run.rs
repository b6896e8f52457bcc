//! One task on one host, as Ansible's TaskExecutor runs it: loop items, `when` per item,
//! argument templating, the module's plan (and apply, outside check mode), until/retries,
//! changed_when/failed_when, and the loop's combined result.

use std::sync::Arc;
use std::time::Duration;

use super::conditions::{as_conditions, first_false};
use super::outcome::Outcome;
use crate::connection::{Become, Connection, Method};
use crate::modules::{self, ModuleContext, Plan};
use crate::output::callback::{Callback, ResultKind, TaskInfo};
use crate::playbook::model::Task;
use crate::template::{Templar, VarContext};
use crate::vars::{Key, Map, Value};

use super::options::RunOptions;

/// What every task run shares.
pub struct TaskEnv {
    pub templar: Arc<Templar>,
    pub callback: Arc<dyn Callback>,
    pub opts: Arc<RunOptions>,
}

/// One task for one host, with everything resolved that needs the run's state.
pub struct HostTask {
    pub host: String,
    pub label: String,
    pub task: Arc<Task>,
    pub info: TaskInfo,
    pub ctx: VarContext,
    pub conn: Arc<dyn Connection>,
}

fn b(v: bool) -> Value {
    Value::Bool(v)
}

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

fn flag(m: &Map, k: &str) -> bool {
    matches!(m.get(&Key::from(k)), Some(v) if modules::args::to_bool(v) == Some(true))
}

fn failed_result(msg: impl Into<String>) -> Map {
    modules::result([
        ("failed", b(true)),
        ("msg", Value::Str(msg.into())),
        ("changed", b(false)),
    ])
}

fn with_vars(ctx: &VarContext, extra: &[(String, Value)]) -> VarContext {
    let mut vars = (*ctx.vars).clone();
    for (k, v) in extra {
        vars.insert(Key::from(k.as_str()), v.clone());
    }
    VarContext {
        vars: Arc::new(vars),
        hostvars: ctx.hostvars.clone(),
    }
}

impl HostTask {
    fn kw(&self, key: &str) -> Option<&Value> {
        self.task.chain.get(key)
    }

    fn kw_bool(&self, env: &TaskEnv, key: &str, ctx: &VarContext) -> Result<Option<bool>, String> {
        match self.kw(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                let v = env.templar.template(v, ctx).map_err(|e| e.to_string())?;
                modules::args::to_bool(&v).map(Some).ok_or_else(|| {
                    format!("the field '{key}' has an invalid value, which should be a boolean")
                })
            }
        }
    }

    /// `no_log`: the result is censored in every report (the registered value is not).
    fn no_log(&self, env: &TaskEnv, ctx: &VarContext) -> bool {
        self.kw_bool(env, "no_log", ctx)
            .ok()
            .flatten()
            .unwrap_or(false)
    }

    fn register_name(&self) -> Option<String> {
        self.task
            .own()
            .get("register")
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

/// Run the task on its host. Item and retry lines are reported as they happen; the final
/// result is returned for the strategy to account and report.
pub async fn run_host_task(env: &TaskEnv, ht: &HostTask) -> Outcome {
    let result = match ht.task.loop_spec() {
        None => match check_when(env, ht, &ht.ctx) {
            Ok(Some(skip)) => skip,
            Ok(None) => {
                // Ansible keeps `invocation` only in the results of loop items.
                let mut r = execute(env, ht, &ht.ctx).await;
                r.shift_remove(&Key::from("invocation"));
                r
            }
            Err(e) => failed_result(e),
        },
        Some((lookup, expr)) => run_loop(env, ht, lookup.as_deref(), expr).await,
    };
    let mut result = result;
    if !result.contains_key(&Key::from("changed")) {
        result.insert("changed".into(), b(false));
    }
    if ht.no_log(env, &ht.ctx) {
        result.insert("_ansible_no_log".into(), b(true));
    }
    let ignore = ht
        .kw_bool(env, "ignore_errors", &ht.ctx)
        .ok()
        .flatten()
        .unwrap_or(false);
    Outcome {
        host: ht.host.clone(),
        result,
        ignored: ignore,
        delegated_to: None,
    }
}

/// `when:` false gives the skipped result.
fn check_when(env: &TaskEnv, ht: &HostTask, ctx: &VarContext) -> Result<Option<Map>, String> {
    let conds = ht.task.chain.conditions();
    if conds.is_empty() {
        return Ok(None);
    }
    match first_false(&env.templar, &conds, ctx) {
        Ok(None) => Ok(None),
        Ok(Some(cond)) => Ok(Some(modules::result([
            ("changed", b(false)),
            ("false_condition", cond),
            ("skip_reason", s("Conditional result was False")),
            ("skipped", b(true)),
        ]))),
        Err(e) => Err(format!(
            "The conditional check '{}' failed. The error was: {e}",
            cond_text(&conds)
        )),
    }
}

fn cond_text(conds: &[Value]) -> String {
    conds
        .iter()
        .map(crate::output::python_repr::python_str)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Items of `loop:` / `with_<lookup>:`.
pub fn loop_items(
    templar: &Templar,
    lookup: Option<&str>,
    expr: &Value,
    ctx: &VarContext,
) -> Result<Vec<Value>, String> {
    let value = match expr {
        Value::Str(text) if !Templar::is_template(text) && lookup.is_some() => {
            // `with_items: somevar` (a bare name) is still accepted by the lookups.
            templar
                .expression(text, ctx)
                .unwrap_or_else(|_| expr.clone())
        }
        _ => templar.template(expr, ctx).map_err(|e| e.to_string())?,
    };
    match lookup {
        None | Some("list") => match value {
            Value::List(items) => Ok(items),
            other => Err(format!(
                "Invalid data passed to 'loop', it requires a list, got this instead: {}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.",
                crate::output::python_repr::python_str(&other)
            )),
        },
        Some("items") => Ok(match value {
            Value::List(items) => items
                .into_iter()
                .flat_map(|i| match i {
                    Value::List(inner) => inner,
                    other => vec![other],
                })
                .collect(),
            other => vec![other],
        }),
        Some("dict") => match value {
            Value::Map(m) => Ok(m
                .into_iter()
                .map(|(k, v)| {
                    let mut e = Map::new();
                    e.insert("key".into(), Value::from_key(&k));
                    e.insert("value".into(), v);
                    Value::Map(e)
                })
                .collect()),
            _ => Err("with_dict expects a dict".to_string()),
        },
        Some("indexed_items") => match value {
            Value::List(items) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| Value::List(vec![Value::Int(i as i64), v]))
                .collect()),
            _ => Err("with_indexed_items expects a list".to_string()),
        },
        Some("sequence") => sequence(&value),
        Some("fileglob") => Ok(Vec::new()),
        Some(other) => Err(format!("lookup plugin ({other}) not found")),
    }
}

/// `with_sequence: start=1 end=3 format=x%02d`
fn sequence(v: &Value) -> Result<Vec<Value>, String> {
    let text = v.as_str().ok_or("with_sequence expects a string")?;
    let args = crate::playbook::kv::parse_kv(text, false);
    let num = |k: &str, d: i64| -> Result<i64, String> {
        match args.get(&Key::from(k)).and_then(Value::as_str) {
            None => Ok(d),
            Some(x) => x
                .parse()
                .map_err(|_| format!("can't parse {k}={x} as integer")),
        }
    };
    let start = num("start", 1)?;
    let end = match args.get(&Key::from("count")).and_then(Value::as_str) {
        Some(c) => start + c.parse::<i64>().map_err(|_| "bad count".to_string())? - 1,
        None => num("end", start)?,
    };
    let stride = num("stride", 1)?;
    let format = args
        .get(&Key::from("format"))
        .and_then(Value::as_str)
        .unwrap_or("%d")
        .to_string();
    let mut out = Vec::new();
    let mut i = start;
    while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
        out.push(Value::Str(format_int(&format, i)));
        if stride == 0 {
            break;
        }
        i += stride;
    }
    Ok(out)
}

fn format_int(format: &str, i: i64) -> String {
    let re = regex::Regex::new(r"%(0?)(\d*)d").expect("static regex");
    re.replace(format, |c: &regex::Captures| {
        let width: usize = c[2].parse().unwrap_or(0);
        if &c[1] == "0" {
            format!("{i:0width$}")
        } else {
            format!("{i:width$}")
        }
    })
    .into_owned()
}

async fn run_loop(env: &TaskEnv, ht: &HostTask, lookup: Option<&str>, expr: &Value) -> Map {
    let items = match loop_items(&env.templar, lookup, expr, &ht.ctx) {
        Ok(items) => items,
        Err(e) => {
            // An unusable loop is only an error if the task would run.
            return match check_when(env, ht, &ht.ctx) {
                Ok(Some(skip)) => skip,
                _ => failed_result(e),
            };
        }
    };
    if items.is_empty() {
        return modules::result([
            ("changed", b(false)),
            ("skipped", b(true)),
            ("skipped_reason", s("No items in the list")),
            ("results", Value::List(Vec::new())),
        ]);
    }
    let control = match ht.task.own().get("loop_control") {
        Some(Value::Map(m)) => m.clone(),
        _ => Map::new(),
    };
    let ctl = |k: &str| control.get(&Key::from(k)).cloned();
    let loop_var = ctl("loop_var")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "item".into());
    let index_var = ctl("index_var").and_then(|v| v.as_str().map(str::to_string));
    let extended = ctl("extended")
        .and_then(|v| modules::args::to_bool(&v))
        .unwrap_or(false);
    let pause = ctl("pause").and_then(|v| match v {
        Value::Int(i) => Some(i as f64),
        Value::Float(f) => Some(f),
        _ => None,
    });
    let n = items.len();
    let mut results = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0
            && let Some(p) = pause
        {
            tokio::time::sleep(Duration::from_secs_f64(p)).await;
        }
        let mut extra = vec![
            (loop_var.clone(), item.clone()),
            ("ansible_loop_var".to_string(), s(&loop_var)),
        ];
        if let Some(iv) = &index_var {
            extra.push((iv.clone(), Value::Int(i as i64)));
            extra.push(("ansible_index_var".to_string(), s(iv)));
        }
        if extended {
            let mut l = Map::new();
            l.insert("index".into(), Value::Int(i as i64 + 1));
            l.insert("index0".into(), Value::Int(i as i64));
            l.insert("first".into(), b(i == 0));
            l.insert("last".into(), b(i + 1 == n));
            l.insert("length".into(), Value::Int(n as i64));
            l.insert("revindex".into(), Value::Int((n - i) as i64));
            l.insert("revindex0".into(), Value::Int((n - i - 1) as i64));
            l.insert("allitems".into(), Value::List(items.clone()));
            if i > 0 {
                l.insert("previtem".into(), items[i - 1].clone());
            }
            if i + 1 < n {
                l.insert("nextitem".into(), items[i + 1].clone());
            }
            extra.push(("ansible_loop".to_string(), Value::Map(l)));
        }
        let ctx = with_vars(&ht.ctx, &extra);
        let mut res = match check_when(env, ht, &ctx) {
            Ok(Some(skip)) => skip,
            Ok(None) => execute(env, ht, &ctx).await,
            Err(e) => failed_result(e),
        };
        res.insert(Key::from(loop_var.as_str()), item.clone());
        res.insert("ansible_loop_var".into(), s(&loop_var));
        if let Some(iv) = &index_var {
            res.insert(Key::from(iv.as_str()), Value::Int(i as i64));
            res.insert("ansible_index_var".into(), s(iv));
        }
        // The label defaults to the loop variable's value, whatever it is called.
        let label = match ctl("label") {
            Some(label) => env.templar.template(&label, &ctx).unwrap_or(label),
            None => item.clone(),
        };
        res.insert("_ansible_item_label".into(), label);
        if !res.contains_key(&Key::from("changed")) {
            res.insert("changed".into(), b(false));
        }
        if ht.no_log(env, &ctx) {
            res.insert("_ansible_no_log".into(), b(true));
        }
        let kind = result_kind(&res);
        env.callback.item_result(&ht.info, &ht.label, kind, &res);
        results.push(Value::Map(res));
    }
    let mut out = Map::new();
    let maps: Vec<&Map> = results.iter().filter_map(Value::as_map).collect();
    let any_changed = maps.iter().any(|m| flag(m, "changed"));
    let all_skipped = maps.iter().all(|m| flag(m, "skipped"));
    let any_failed = maps.iter().any(|m| flag(m, "failed"));
    if any_changed {
        out.insert("changed".into(), b(true));
    }
    out.insert("skipped".into(), b(all_skipped));
    if any_failed {
        out.insert("failed".into(), b(true));
        out.insert("msg".into(), s("One or more items failed"));
    } else {
        out.insert("msg".into(), s("All items completed"));
    }
    if all_skipped {
        out.insert("msg".into(), s("All items skipped"));
    }
    out.insert("results".into(), Value::List(results));
    out
}

pub fn result_kind(res: &Map) -> ResultKind {
    if flag(res, "unreachable") {
        ResultKind::Unreachable
    } else if flag(res, "failed") {
        ResultKind::Failed
    } else if flag(res, "skipped") {
        ResultKind::Skipped
    } else if flag(res, "changed") {
        ResultKind::Changed
    } else {
        ResultKind::Ok
    }
}

/// Remove arguments that templated to `omit`.
fn drop_omitted(v: Value, omit: &str) -> Option<Value> {
    match v {
        Value::Str(s) if s == omit => None,
        Value::Map(m) => Some(Value::Map(
            m.into_iter()
                .filter_map(|(k, v)| drop_omitted(v, omit).map(|v| (k, v)))
                .collect(),
        )),
        Value::List(items) => Some(Value::List(
            items
                .into_iter()
                .filter_map(|v| drop_omitted(v, omit))
                .collect(),
        )),
        other => Some(other),
    }
}

/// One attempt at a task on a host.
enum Attempt {
    /// The module ran (or failed trying): its result.
    Ran(Map),
    /// The task could not start: its arguments or keywords failed to template.
    Refused(Map),
}

/// One execution with retries (`_execute`).
async fn execute(env: &TaskEnv, ht: &HostTask, ctx: &VarContext) -> Map {
    let register = ht.register_name();
    let until = as_conditions(ht.kw("until"));
    let retries_kw = match ht.kw("retries").map(|v| env.templar.template(v, ctx)) {
        Some(Ok(Value::Int(i))) => Some(i),
        Some(Ok(Value::Str(s))) => s.trim().parse().ok(),
        _ => None,
    };
    let mut retries: i64 = 1;
    if let Some(r) = retries_kw {
        retries += r.max(0);
    } else if !until.is_empty() {
        retries += 3;
    }
    let delay = match ht.kw("delay").map(|v| env.templar.template(v, ctx)) {
        Some(Ok(Value::Int(i))) => i.max(0) as f64,
        Some(Ok(Value::Float(f))) => f.max(0.0),
        Some(Ok(Value::Str(s))) => s.trim().parse().unwrap_or(5.0),
        _ => 5.0,
    };
    let changed_when = as_conditions(ht.kw("changed_when"));
    let failed_when = as_conditions(ht.kw("failed_when"));
    let mut attempt = 1;
    loop {
        let mut result = match execute_once(env, ht, ctx).await {
            Attempt::Ran(r) => r,
            // The task never ran (its arguments or keywords failed): failed_when,
            // changed_when and retries do not apply.
            Attempt::Refused(r) => return r,
        };
        if flag(&result, "unreachable") {
            return result;
        }
        // An action plugin's exception ends the task as it is: no `failed` default, no
        // changed_when/failed_when, no retries (ansible-core raises past its retry loop).
        if result.shift_remove(&Key::from(modules::RAISED)).is_some() {
            return result;
        }
        if !result.contains_key(&Key::from("failed")) {
            let rc_failed =
                matches!(result.get(&Key::from("rc")), Some(Value::Int(rc)) if *rc != 0);
            result.insert("failed".into(), b(rc_failed));
        }
        if retries > 1 {
            result.insert("attempts".into(), Value::Int(attempt));
        }
        if !result.contains_key(&Key::from("changed")) {
            result.insert("changed".into(), b(false));
        }
        let mut vars: Vec<(String, Value)> = Vec::new();
        if let Some(name) = &register {
            vars.push((name.clone(), Value::Map(untrusted(&result))));
        }
        if let Some(Value::Map(facts)) = result.get(&Key::from("ansible_facts")) {
            for (k, v) in facts {
                if let Some(k) = k.as_str() {
                    vars.push((k.to_string(), v.clone()));
                }
            }
        }
        let cctx = with_vars(ctx, &vars);
        if !result.contains_key(&Key::from("skipped")) {
            if !changed_when.is_empty() {
                match first_false(&env.templar, &changed_when, &cctx) {
                    Ok(f) => {
                        result.insert("changed".into(), b(f.is_none()));
                    }
                    Err(e) => {
                        result.insert("failed".into(), b(true));
                        result.insert("changed_when_result".into(), Value::Str(e.to_string()));
                    }
                }
            }
            if !failed_when.is_empty() {
                match first_false(&env.templar, &failed_when, &cctx) {
                    Ok(f) => {
                        let failed = f.is_none();
                        result.insert("failed_when_result".into(), b(failed));
                        result.insert("failed".into(), b(failed));
                        if !failed && let Some(e) = result.shift_remove(&Key::from("exception")) {
                            result.insert("failed_when_suppressed_exception".into(), e);
                        }
                    }
                    Err(e) => {
                        result.insert("failed".into(), b(true));
                        result.insert("failed_when_result".into(), Value::Str(e.to_string()));
                    }
                }
            }
        }
        if retries <= 1 {
            return result;
        }
        let cctx = if let Some(name) = &register {
            with_vars(&cctx, &[(name.clone(), Value::Map(untrusted(&result)))])
        } else {
            cctx
        };
        let done = if until.is_empty() {
            !flag(&result, "failed")
        } else {
            matches!(first_false(&env.templar, &until, &cctx), Ok(None))
        };
        if done {
            return result;
        }
        if attempt < retries {
            result.insert("_ansible_retry".into(), b(true));
            result.insert("retries".into(), Value::Int(retries));
            env.callback.retry(&ht.info, &ht.label, &result);
            tokio::time::sleep(Duration::from_secs_f64(delay)).await;
            attempt += 1;
        } else {
            result.insert("attempts".into(), Value::Int(retries - 1));
            result.insert("failed".into(), b(true));
            return result;
        }
    }
}

/// A result as a registered variable: strings untrusted (registered results are data, not
/// templates: Ansible never renders them again), the output-only error cause left out.
pub fn untrusted(m: &Map) -> Map {
    fn conv(v: &Value) -> Value {
        match v {
            Value::Str(s) => Value::Unsafe(s.clone()),
            Value::List(items) => Value::List(items.iter().map(conv).collect()),
            Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), conv(v))).collect()),
            other => other.clone(),
        }
    }
    m.iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                Some(modules::ERROR_HEADLINE) | Some(modules::RAISED)
            )
        })
        .map(|(k, v)| (k.clone(), conv(v)))
        .collect()
}

/// Modules that take free-form words (`_raw_params`); every other module refuses them.
const RAW_PARAM_MODULES: &[&str] = &[
    "include_vars",
    "include_tasks",
    "include_role",
    "import_tasks",
    "import_role",
    "add_host",
    "group_by",
    "set_fact",
    "meta",
    "command",
    "shell",
    "raw",
    "script",
];

fn fqcn(action: &str) -> String {
    if action.contains('.') {
        action.to_string()
    } else {
        format!("ansible.builtin.{action}")
    }
}

/// Template the arguments and run the module once.
async fn execute_once(env: &TaskEnv, ht: &HostTask, ctx: &VarContext) -> Attempt {
    if let Some(raw) = ht
        .task
        .args
        .get(&Key::from("_raw_params"))
        .and_then(Value::as_str)
        && !RAW_PARAM_MODULES.contains(&ht.task.action.as_str())
        && !(raw.trim_start().starts_with("{{") && raw.trim_end().ends_with("}}"))
    {
        let mut r = failed_result(format!(
            "Task failed: Action '{}' does not support raw params.",
            fqcn(&ht.task.action)
        ));
        r.shift_remove(&Key::from("changed"));
        return Attempt::Refused(r);
    }
    let omit = ctx
        .vars
        .get(&Key::from("omit"))
        .and_then(Value::as_str)
        .unwrap_or("__omit_place_holder__")
        .to_string();
    // Each argument is rendered on its own so that an error can name it, as Ansible does.
    let mut rendered = Map::new();
    for (k, v) in &ht.task.args {
        match env.templar.template(v, ctx) {
            Ok(v) => {
                rendered.insert(k.clone(), v);
            }
            Err(e) => {
                let mut r = failed_result(format!(
                    "Task failed: Finalization of task args for '{}' failed: Error while resolving value for '{}': {e}",
                    fqcn(&ht.task.action),
                    crate::output::python_repr::python_str(&Value::from_key(k))
                ));
                r.shift_remove(&Key::from("changed"));
                return Attempt::Refused(r);
            }
        }
    }
    let args = match drop_omitted(Value::Map(rendered), &omit) {
        Some(Value::Map(m)) => m,
        _ => Map::new(),
    };
    let check_mode = match ht.kw_bool(env, "check_mode", ctx) {
        Ok(Some(v)) => v,
        Ok(None) => env.opts.check,
        Err(e) => return Attempt::Refused(failed_result(e)),
    };
    let diff = match ht.kw_bool(env, "diff", ctx) {
        Ok(Some(v)) => v,
        Ok(None) => env.opts.diff,
        Err(e) => return Attempt::Refused(failed_result(e)),
    };
    let become_ = match resolve_become(env, ht, ctx) {
        Ok(b) => b,
        Err(e) => {
            let mut r = failed_result(format!("Task failed: {e}"));
            r.shift_remove(&Key::from("changed"));
            return Attempt::Refused(r);
        }
    };
    let mut envvars = Vec::new();
    for e in ht.task.chain.environment() {
        match env.templar.template(&e, ctx) {
            Ok(Value::Map(m)) => {
                for (k, v) in m {
                    if let Some(k) = k.as_str() {
                        envvars.push((k.to_string(), crate::output::python_repr::python_str(&v)));
                    }
                }
            }
            Ok(_) => {}
            Err(e) => return Attempt::Refused(failed_result(e.to_string())),
        }
    }
    let timeout = match ht.kw("timeout").map(|v| env.templar.template(v, ctx)) {
        Some(Ok(Value::Int(i))) if i > 0 => Some(Duration::from_secs(i as u64)),
        _ => None,
    };
    let action = ht.task.action.as_str();
    let Some(module) = modules::lookup(action) else {
        return Attempt::Refused(failed_result(format!("roller has no module '{action}'")));
    };
    let callback = env.callback.clone();
    let notice = move |text: &str| callback.notice(text);
    let cx = ModuleContext {
        conn: ht.conn.as_ref(),
        host: &ht.host,
        check_mode,
        diff,
        become_,
        env: envvars,
        timeout,
        verbosity: env.opts.verbosity,
        templar: &env.templar,
        vars: ctx,
        search_paths: search_paths(ht),
        notice: &notice,
    };
    let run = async {
        let plan = module.plan(&cx, &args).await?;
        match plan {
            Plan::Done(r) => Ok(r),
            Plan::Change {
                mut preview,
                diff: d,
                apply,
            } => {
                if check_mode {
                    preview.insert("changed".into(), b(true));
                    if let Some(d) = d {
                        preview.insert("diff".into(), d);
                    }
                    Ok(preview)
                } else {
                    let mut r = apply.apply(&cx).await?;
                    if let Some(d) = d {
                        r.insert("diff".into(), d);
                    }
                    Ok(r)
                }
            }
            Plan::Unpredictable {
                would_run,
                preview,
                apply,
            } => {
                if check_mode {
                    env.callback.would_run(&ht.info, &ht.label, &would_run);
                    Ok(preview)
                } else {
                    apply.apply(&cx).await
                }
            }
        }
    };
    // Commands honour the timeout themselves (killing the remote command, keeping the
    // connection); this outer limit, a little later, catches anything that does not.
    let outcome: Result<Map, modules::ModuleError> = match timeout {
        Some(t) => match tokio::time::timeout(t + Duration::from_secs(5), run).await {
            Ok(r) => r,
            Err(_) => return Attempt::Ran(timed_out(t)),
        },
        None => run.await,
    };
    Attempt::Ran(match outcome {
        Ok(r) => r,
        Err(e) => {
            if let (Some(t), true) = (timeout, e.msg.starts_with("the command timed out")) {
                return Attempt::Ran(timed_out(t));
            }
            let mut r = e.result;
            if !e.msg.is_empty() && !r.contains_key(&Key::from("msg")) {
                let msg = e.msg.replace(modules::args::MODULE_NAME, &ht.task.action);
                r.insert("msg".into(), Value::Str(msg));
            }
            if e.unreachable {
                r.insert("unreachable".into(), b(true));
                if let Some(Value::Str(m)) = r.get(&Key::from("msg")).cloned() {
                    r.insert("msg".into(), Value::Str(format!("Task failed: {m}")));
                }
            } else {
                r.insert("failed".into(), b(true));
                // A module that failed on the target reports an exception (ansible-core
                // 2.19 shows it as "(traceback unavailable)" unless tracebacks are on).
                if !modules::CONTROLLER_ONLY.contains(&ht.task.action.as_str()) {
                    r.insert(
                        "exception".into(),
                        Value::Str("(traceback unavailable)".into()),
                    );
                }
            }
            if !r.contains_key(&Key::from("changed")) {
                r.insert("changed".into(), b(false));
            }
            r
        }
    })
}

/// The result of a task that ran past its `timeout:` keyword, as ansible-core 2.19 reports
/// it (its TaskTimeoutError): failed, not changed, and the period in `timedout`.
fn timed_out(t: Duration) -> Map {
    let mut r = Map::new();
    r.insert("changed".into(), b(false));
    r.insert(
        "msg".into(),
        Value::Str(format!(
            "Task failed: Timed out after {} second(s).",
            t.as_secs()
        )),
    );
    let mut detail = Map::new();
    detail.insert(
        "frame".into(),
        Value::Str("Configure `DISPLAY_TRACEBACK` to see a traceback on timeout errors.".into()),
    );
    detail.insert("period".into(), Value::Int(t.as_secs() as i64));
    r.insert("timedout".into(), Value::Map(detail));
    r.insert("failed".into(), b(true));
    r
}

/// The task's privilege escalation, with Ansible's precedence: connection variables
/// (`ansible_become*`, and the method's own `ansible_sudo_*`/`ansible_su_*`) over task
/// keywords over the command line (`-b`, `--become-user`, `--become-method`, `-K`).
fn resolve_become(
    env: &TaskEnv,
    ht: &HostTask,
    ctx: &VarContext,
) -> Result<Option<Become>, String> {
    let var = |names: &[&str]| -> Result<Option<Value>, String> {
        for n in names {
            if let Some(v) = ctx.vars.get(&Key::from(*n)) {
                let v = env.templar.template(v, ctx).map_err(|e| e.to_string())?;
                if !matches!(v, Value::Null) {
                    return Ok(Some(v));
                }
            }
        }
        Ok(None)
    };
    let text = |v: Value| crate::output::python_repr::python_str(&v);
    let kw = |key: &str| -> Result<Option<String>, String> {
        match ht.kw(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => Ok(Some(text(
                env.templar.template(v, ctx).map_err(|e| e.to_string())?,
            ))),
        }
    };
    let on = match var(&["ansible_become"])? {
        Some(v) => modules::args::to_bool(&v).ok_or_else(|| {
            "the variable 'ansible_become' has an invalid value, which should be a boolean"
                .to_string()
        })?,
        None => ht.kw_bool(env, "become", ctx)?.unwrap_or(env.opts.become_),
    };
    if !on {
        return Ok(None);
    }
    let name = match var(&["ansible_become_method"])? {
        Some(v) => text(v),
        None => kw("become_method")?
            .or_else(|| env.opts.become_method.clone())
            .unwrap_or_else(|| "sudo".into()),
    };
    let Some(method) = Method::parse(&name) else {
        return Err(format!(
            "Invalid become method specified: roller has the become methods 'sudo' and 'su', not '{name}'."
        ));
    };
    let m = method.name();
    let own = |what: &str| {
        [
            format!("ansible_become_{what}"),
            format!("ansible_{m}_{what}"),
        ]
    };
    let by_var = |what: &str| -> Result<Option<String>, String> {
        let names = own(what);
        Ok(var(&[names[0].as_str(), names[1].as_str()])?.map(text))
    };
    let user = match by_var("user")? {
        Some(u) => u,
        None => kw("become_user")?
            .or_else(|| env.opts.become_user.clone())
            .unwrap_or_else(|| "root".into()),
    };
    let exe = match by_var("exe")? {
        Some(e) => Some(e),
        None => kw("become_exe")?,
    };
    let flags = match by_var("flags")? {
        Some(f) => Some(f),
        None => kw("become_flags")?,
    };
    let password = match var(&[
        "ansible_become_password",
        "ansible_become_pass",
        &format!("ansible_{m}_pass"),
    ])? {
        Some(v) => Some(crate::connection::Secret::new(text(v))),
        None => env.opts.become_password.clone(),
    };
    if let Some(pw) = &password
        && pw.expose().iter().any(|b| matches!(b, b'\n' | b'\r' | 0))
    {
        return Err("the become password contains a line break or a NUL byte".into());
    }
    Ok(Some(Become {
        user,
        method,
        exe,
        flags,
        password,
        prompt_timeout: env.opts.timeout + 2,
    }))
}

/// Where `copy src=` and `template src=` look: the role's `files/`/`templates/`, then
/// beside the task file, then the playbook's.
fn search_paths(ht: &HostTask) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Some(role) = &ht.task.role {
        out.push(role.path.clone());
    }
    if let Some(dir) = ht.task.origin.file.parent() {
        out.push(dir.to_path_buf());
    }
    out
}
