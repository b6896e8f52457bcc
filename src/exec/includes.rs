//! `include_tasks` and `include_role`: loaded per host when they run (with their loop, one
//! include per item), then inserted so that the loaded tasks run next.

use std::sync::Arc;

use super::conditions::first_false;
use super::outcome::Outcome;
use super::play_run::{PlayRun, failed_outcome, task_order};
use super::task_run::loop_items;
use super::variables::context;
use crate::output::callback::ResultKind;
use crate::playbook::keywords::{Chain, Keywords};
use crate::playbook::load::{Ctx, LoadOptions, load_task_file_with, raw_param, resolve_task_file};
use crate::playbook::model::{Block, Item, Task};
use crate::template::VarContext;
use crate::vars::{Key, Map, Value};

/// One include to load: the file (or role) and loop item, and the hosts that take it.
struct Include {
    file: String,
    item: Option<(String, Value)>,
    hosts: Vec<String>,
}

fn with_item(ctx: &VarContext, item: &Option<(String, Value)>) -> VarContext {
    let Some((name, value)) = item else {
        return ctx.clone();
    };
    let mut vars = (*ctx.vars).clone();
    vars.insert(Key::from(name.as_str()), value.clone());
    VarContext {
        vars: Arc::new(vars),
        hostvars: ctx.hostvars.clone(),
    }
}

fn skipped(host: &str, cond: Value) -> Outcome {
    let mut r = Map::new();
    r.insert("changed".into(), Value::Bool(false));
    r.insert("false_condition".into(), cond);
    r.insert(
        "skip_reason".into(),
        Value::Str("Conditional result was False".into()),
    );
    r.insert("skipped".into(), Value::Bool(true));
    Outcome::new(host, r)
}

impl PlayRun<'_> {
    pub(super) async fn run_include(&mut self, task: &Arc<Task>, hosts: &[String]) -> Vec<Outcome> {
        let snap = self.snapshot();
        let first_ctx = hosts
            .first()
            .map(|h| context(&snap, h, &self.play, task, &Map::new()));
        let info = self.info(task, first_ctx.as_ref());
        self.run.env.callback.task_start(&info);
        let loop_var = match task.own().get("loop_control") {
            Some(Value::Map(m)) => m
                .get(&Key::from("loop_var"))
                .and_then(Value::as_str)
                .unwrap_or("item")
                .to_string(),
            _ => "item".to_string(),
        };
        let mut includes: Vec<Include> = Vec::new();
        let mut outcomes = Vec::new();
        for h in hosts {
            let ctx = context(&snap, h, &self.play, task, &Map::new());
            let items: Vec<Option<(String, Value)>> = match task.loop_spec() {
                None => vec![None],
                Some((lookup, expr)) => {
                    match loop_items(&self.run.env.templar, lookup.as_deref(), expr, &ctx) {
                        Ok(items) => items
                            .into_iter()
                            .map(|i| Some((loop_var.clone(), i)))
                            .collect(),
                        Err(e) => {
                            let o = failed_outcome(h, e);
                            self.account(&info, Some(task), &o);
                            outcomes.push(o);
                            continue;
                        }
                    }
                }
            };
            let mut any = false;
            let mut last_false = None;
            for item in items {
                let ictx = with_item(&ctx, &item);
                match first_false(&self.run.env.templar, &task.chain.conditions(), &ictx) {
                    Ok(None) => {}
                    Ok(Some(cond)) => {
                        if let Some((name, value)) = &item {
                            let mut r = Map::new();
                            r.insert(Key::from(name.as_str()), value.clone());
                            r.insert("skipped".into(), Value::Bool(true));
                            r.insert("false_condition".into(), cond.clone());
                            self.run
                                .env
                                .callback
                                .item_result(&info, h, ResultKind::Skipped, &r);
                        }
                        last_false = Some(cond);
                        continue;
                    }
                    Err(e) => {
                        let o = failed_outcome(h, e.to_string());
                        self.account(&info, Some(task), &o);
                        outcomes.push(o);
                        break;
                    }
                }
                let file = if task.action == "include_role" {
                    String::new()
                } else {
                    match self
                        .run
                        .env
                        .templar
                        .template(&Value::Map(task.args.clone()), &ictx)
                    {
                        Ok(Value::Map(args)) => raw_param(&args, "file").unwrap_or_default(),
                        Ok(_) => String::new(),
                        Err(e) => {
                            let o = failed_outcome(h, e.to_string());
                            self.account(&info, Some(task), &o);
                            outcomes.push(o);
                            continue;
                        }
                    }
                };
                any = true;
                match includes
                    .iter_mut()
                    .find(|i| i.file == file && i.item == item)
                {
                    Some(i) => i.hosts.push(h.clone()),
                    None => includes.push(Include {
                        file,
                        item,
                        hosts: vec![h.clone()],
                    }),
                }
            }
            if !any && let Some(cond) = last_false {
                let o = skipped(h, cond);
                self.account(&info, Some(task), &o);
                outcomes.push(o);
            }
        }
        // Each host runs its includes in order: collect, then insert the last one first.
        let mut per_host: Vec<(String, Arc<Block>)> = Vec::new();
        let mut new_ids = Vec::new();
        for inc in includes {
            let (outs, block) = self.load_include(task, &info, &inc);
            outcomes.extend(outs);
            if let Some(block) = block {
                task_order(&Item::Block(block.clone()), &mut new_ids);
                per_host.extend(inc.hosts.iter().map(|h| (h.clone(), block.clone())));
            }
        }
        let at = self.cursor.min(self.all_tasks.len());
        self.all_tasks.splice(at..at, new_ids);
        for (h, block) in per_host.into_iter().rev() {
            if let Some(s) = self.states.get_mut(&h) {
                s.insert(block);
            }
        }
        outcomes
    }

    fn load_include(
        &mut self,
        task: &Arc<Task>,
        info: &crate::output::callback::TaskInfo,
        inc: &Include,
    ) -> (Vec<Outcome>, Option<Arc<Block>>) {
        let opts = LoadOptions {
            roles_path: self.run.roles_path.clone(),
        };
        let ctx = Ctx {
            opts: &opts,
            playbook_dir: self.play.dir(),
            role: task.role.clone(),
            imported_roles: self.play.imported_roles.clone(),
        };
        // Included tasks see the include's vars (and its loop item), not its other keywords.
        let mut vars = match task.own().get("vars") {
            Some(Value::Map(m)) => m.clone(),
            _ => Map::new(),
        };
        if let Some((name, value)) = &inc.item {
            vars.insert(Key::from(name.as_str()), value.clone());
        }
        let mut level = Keywords::default();
        // `apply:` gives the included tasks keywords (tags, become, when, ...).
        if let Some(Value::Map(apply)) = task.args.get(&Key::from("apply")) {
            for (k, v) in apply {
                level.map.insert(k.clone(), v.clone());
            }
        }
        level.map.insert("vars".into(), Value::Map(vars));
        let parent = Chain(task.chain.0[..task.chain.0.len() - 1].to_vec());
        let chain = parent.push(Arc::new(level));
        let loaded: Result<(Vec<Item>, String), String> = if task.action == "include_role" {
            crate::playbook::load::include_role(&task.args, &task.origin.file, &chain, &ctx)
                .map(|role| {
                    // Its handlers can be notified from now on.
                    self.extra_handlers.extend(role.handlers.iter().cloned());
                    (role.tasks.clone(), role.name.clone())
                })
                .map_err(|e| e.to_string())
        } else {
            match resolve_task_file(&inc.file, &task.origin.file, &ctx) {
                Some(path) => load_task_file_with(&path, &chain, &ctx, task.is_handler)
                    .map(|items| (items, path.to_string_lossy().into_owned()))
                    .map_err(|e| e.to_string()),
                None => Err(format!(
                    "Could not find or access '{}' on the Ansible Controller.",
                    inc.file
                )),
            }
        };
        let mut outcomes = Vec::new();
        let mut loaded_block = None;
        match loaded {
            Ok((items, shown)) => {
                let block = Arc::new(Block {
                    id: 0,
                    block: items,
                    rescue: Vec::new(),
                    always: Vec::new(),
                    once_key: None,
                });
                for h in &inc.hosts {
                    self.run.stats.host(h).ok += 1;
                }
                let label = inc
                    .item
                    .as_ref()
                    .map(|(_, v)| crate::output::python_repr::python_str(v));
                self.run.env.callback.included(&shown, &inc.hosts, label);
                loaded_block = Some(block);
            }
            Err(reason) => {
                for h in &inc.hosts {
                    let mut r = Map::new();
                    r.insert("failed".into(), Value::Bool(true));
                    r.insert("reason".into(), Value::Str(reason.clone()));
                    let o = Outcome::new(h, r);
                    self.run.stats.host(h).failures += 1;
                    self.run.env.callback.host_result(
                        info,
                        h,
                        ResultKind::Failed,
                        &o.result,
                        false,
                    );
                    if let Some(s) = self.states.get_mut(h)
                        && !s.fail()
                        && s.finished_failed()
                    {
                        self.run.failed.insert(h.clone());
                    }
                    outcomes.push(o);
                }
            }
        }
        (outcomes, loaded_block)
    }
}
