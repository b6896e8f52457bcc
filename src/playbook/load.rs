//! Read playbook, task and role files into the model. Static imports (`import_tasks`,
//! `import_role`, `import_playbook`, `roles:`) are resolved here; dynamic includes are kept
//! as tasks and loaded by the executor when they run.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::error::PlaybookError;
use super::keywords::{BLOCK_KEYWORDS, Chain, Keywords};
use super::model::{Block, Item, Origin, Play, Playbook, Task};
use super::role::{Role, find_role, role_file};
use super::task_parse::{parse_task, short_name};
use crate::inventory::vars_files::load_data_file;
use crate::vars::{Key, Map, Value};
use crate::yaml::positions::{Positions, Seg, index_positions};

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

fn next_id() -> usize {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

const PLAY_KEYWORDS: &[&str] = &[
    "any_errors_fatal",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "diff",
    "environment",
    "fact_path",
    "force_handlers",
    "gather_facts",
    "gather_subset",
    "gather_timeout",
    "handlers",
    "hosts",
    "ignore_errors",
    "ignore_unreachable",
    "max_fail_percentage",
    "module_defaults",
    "name",
    "no_log",
    "order",
    "port",
    "post_tasks",
    "pre_tasks",
    "remote_user",
    "roles",
    "run_once",
    "serial",
    "strategy",
    "tags",
    "tasks",
    "throttle",
    "timeout",
    "vars",
    "vars_files",
    "vars_prompt",
];

/// Play keywords that tasks inherit.
const PLAY_INHERITED: &[&str] = &[
    "any_errors_fatal",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "check_mode",
    "connection",
    "diff",
    "environment",
    "ignore_errors",
    "ignore_unreachable",
    "module_defaults",
    "no_log",
    "port",
    "remote_user",
    "tags",
    "throttle",
    "timeout",
];

/// Role-entry keys that are keywords; every other key is a role parameter.
const ROLE_ENTRY_KEYWORDS: &[&str] = &[
    "become",
    "become_user",
    "become_method",
    "check_mode",
    "delegate_to",
    "diff",
    "environment",
    "ignore_errors",
    "no_log",
    "run_once",
    "tags",
    "vars",
    "when",
    "any_errors_fatal",
    "ignore_unreachable",
    "connection",
    "remote_user",
    "port",
];

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub roles_path: Vec<PathBuf>,
}

/// A YAML file read once, with the positions of its nodes for messages.
pub struct Source {
    path: PathBuf,
    positions: Positions,
}

impl Source {
    fn error(&self, at: &[Seg], message: impl Into<String>) -> PlaybookError {
        PlaybookError::located(&self.path, self.positions.nearest(at), message)
    }
}

fn read_yaml(path: &Path) -> Result<(Option<Value>, Source), PlaybookError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| PlaybookError::new(path, format!("could not read the file: {e}")))?;
    parse_yaml(path, &text)
}

fn parse_yaml(path: &Path, text: &str) -> Result<(Option<Value>, Source), PlaybookError> {
    let mut warnings = Vec::new();
    let value = crate::inventory::vars_files::load_data_text(path, text, &mut warnings)?;
    let source = Source {
        path: path.to_path_buf(),
        positions: index_positions(text),
    };
    Ok((value, source))
}

/// Load a playbook and everything it imports statically.
pub fn load_playbook(path: &Path, opts: &LoadOptions) -> Result<Playbook, PlaybookError> {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut plays = Vec::new();
    load_playbook_into(&path, opts, &mut plays, 0, &Chain::default())?;
    Ok(Playbook { path, plays })
}

fn load_playbook_into(
    path: &Path,
    opts: &LoadOptions,
    plays: &mut Vec<Arc<Play>>,
    depth: usize,
    outer: &Chain,
) -> Result<(), PlaybookError> {
    if !path.is_file() {
        return Err(PlaybookError::new(path, "the playbook could not be found"));
    }
    let (value, src) = read_yaml(path)?;
    plays_from(value, src, path, opts, plays, depth, outer)
}

/// Load a playbook from text (`path` names it in messages and anchors relative paths).
pub fn load_playbook_text(
    path: &Path,
    text: &str,
    opts: &LoadOptions,
) -> Result<Playbook, PlaybookError> {
    let (value, src) = parse_yaml(path, text)?;
    let mut plays = Vec::new();
    plays_from(value, src, path, opts, &mut plays, 0, &Chain::default())?;
    Ok(Playbook {
        path: path.to_path_buf(),
        plays,
    })
}

fn plays_from(
    value: Option<Value>,
    src: Source,
    path: &Path,
    opts: &LoadOptions,
    plays: &mut Vec<Arc<Play>>,
    depth: usize,
    outer: &Chain,
) -> Result<(), PlaybookError> {
    let entries = match value {
        None => return Err(src.error(&[], "Empty playbook, nothing to do")),
        Some(Value::List(items)) => items,
        Some(_) => {
            return Err(src.error(
                &[],
                "A playbook must be a list of plays, got a mapping instead",
            ));
        }
    };
    for (i, entry) in entries.into_iter().enumerate() {
        let here = [Seg::Index(i)];
        let Value::Map(ds) = entry else {
            return Err(src.error(
                &here,
                "A playbook must be a list of plays: this entry is not a mapping",
            ));
        };
        let import = ds
            .get(&Key::from("import_playbook"))
            .or_else(|| ds.get(&Key::from("ansible.builtin.import_playbook")));
        if let Some(target) = import {
            let Some(name) = target.as_str() else {
                return Err(src.error(&here, "import_playbook needs a file name"));
            };
            if depth > 32 {
                return Err(src.error(&here, "import_playbook nested too deeply (a loop?)"));
            }
            let base = path.parent().unwrap_or(Path::new("."));
            // `when`, `tags` and `vars` on an import apply to every imported play's tasks.
            let mut kw = Map::new();
            for k in ["when", "tags", "vars"] {
                if let Some(v) = ds.get(&Key::from(k)) {
                    kw.insert(Key::from(k), v.clone());
                }
            }
            let outer = outer.push(Arc::new(Keywords { map: kw }));
            load_playbook_into(&base.join(name), opts, plays, depth + 1, &outer)?;
            continue;
        }
        plays.push(Arc::new(load_play(&ds, &src, &here, outer, opts)?));
    }
    Ok(())
}

fn load_play(
    ds: &Map,
    src: &Source,
    at: &[Seg],
    outer: &Chain,
    opts: &LoadOptions,
) -> Result<Play, PlaybookError> {
    for k in ds.keys() {
        let name = k.as_str().unwrap_or("");
        if !PLAY_KEYWORDS.contains(&name) {
            let mut p = at.to_vec();
            p.push(Seg::Key(name.to_string()));
            return Err(src.error(&p, format!("'{name}' is not a valid attribute for a Play")));
        }
    }
    let get = |k: &str| ds.get(&Key::from(k));
    let hosts = match get("hosts") {
        None | Some(Value::Null) => {
            return Err(src.error(at, "the field 'hosts' is required but was not set"));
        }
        Some(Value::List(items)) => items
            .iter()
            .map(crate::output::python_repr::python_str)
            .collect::<Vec<_>>()
            .join(","),
        Some(v) => crate::output::python_repr::python_str(v),
    };
    let vars = match get("vars") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Map(m)) => m.clone(),
        Some(Value::List(items)) => {
            let mut m = Map::new();
            for item in items {
                if let Value::Map(x) = item {
                    m.extend(x.clone());
                }
            }
            m
        }
        Some(_) => return Err(src.error(at, "play vars must be a mapping")),
    };
    let list = |k: &str| -> Vec<Value> {
        match get(k) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::List(items)) => items.clone(),
            Some(v) => vec![v.clone()],
        }
    };
    let mut inherited = Map::new();
    for k in PLAY_INHERITED {
        if let Some(v) = get(k) {
            inherited.insert(Key::from(*k), v.clone());
        }
    }
    let chain = outer.push(Arc::new(Keywords { map: inherited }));
    let play_file = src.path.clone();
    let dir = play_file.parent().map(PathBuf::from).unwrap_or_default();
    let imported_roles = ImportedRoles::default();
    let ctx = Ctx {
        opts,
        playbook_dir: dir.clone(),
        role: None,
        imported_roles: imported_roles.clone(),
    };

    let mut body: Vec<Item> = Vec::new();
    let section = |name: &str, body: &mut Vec<Item>| -> Result<(), PlaybookError> {
        let mut p = at.to_vec();
        p.push(Seg::Key(name.to_string()));
        let items = task_list(get(name), src, &p, &chain, &ctx, false)?;
        body.extend(items);
        Ok(())
    };
    section("pre_tasks", &mut body)?;
    body.push(Item::Task(implicit_flush(&play_file)));
    let mut roles = Vec::new();
    if let Some(v) = get("roles") {
        let Value::List(entries) = v else {
            return Err(src.error(at, "roles must be a list"));
        };
        for (i, entry) in entries.iter().enumerate() {
            let mut p = at.to_vec();
            p.extend([Seg::Key("roles".into()), Seg::Index(i)]);
            let role = load_role_entry(entry, src, &p, &chain, &ctx, RoleFiles::default())?;
            body.push(Item::Block(Arc::new(Block {
                id: next_id(),
                block: role.tasks.clone(),
                rescue: Vec::new(),
                always: Vec::new(),
                once_key: Some(role_key(&role.name, &role.params)),
            })));
            roles.push(role);
        }
    }
    section("tasks", &mut body)?;
    body.push(Item::Task(implicit_flush(&play_file)));
    section("post_tasks", &mut body)?;
    body.push(Item::Task(implicit_flush(&play_file)));

    let mut handlers = Vec::new();
    let mut p = at.to_vec();
    p.push(Seg::Key("handlers".into()));
    for item in task_list(get("handlers"), src, &p, &chain, &ctx, true)? {
        collect_tasks(&item, &mut handlers);
    }
    // Imported roles are the play's roles too: their defaults, vars and handlers.
    if let Ok(mut imported) = imported_roles.lock() {
        roles.extend(imported.drain(..));
    }
    for role in &roles {
        handlers.extend(role.handlers.iter().cloned());
    }
    Ok(Play {
        id: next_id(),
        keywords: ds.clone(),
        name: get("name").cloned(),
        hosts,
        vars,
        vars_files: list("vars_files"),
        vars_prompt: list("vars_prompt"),
        file: play_file,
        roles,
        body: Arc::new(Block {
            id: next_id(),
            block: body,
            rescue: Vec::new(),
            always: Vec::new(),
            once_key: None,
        }),
        handlers,
        imported_roles,
    })
}

fn implicit_flush(file: &Path) -> Arc<Task> {
    let mut args = Map::new();
    args.insert(
        Key::from("_raw_params"),
        Value::Str("flush_handlers".into()),
    );
    Arc::new(Task {
        id: next_id(),
        action_written: "meta".into(),
        action: "meta".into(),
        args,
        chain: Chain::default().push(Arc::new(Keywords::default())),
        role: None,
        origin: Origin {
            file: file.to_path_buf(),
            line: None,
            column: None,
        },
        is_handler: false,
        implicit: true,
    })
}

/// A role entry's name, its keywords (when, tags, become, ...) and its parameters.
fn split_role_entry(m: &Map) -> Option<(String, Map, Map)> {
    let name = m
        .get(&Key::from("role"))
        .or_else(|| m.get(&Key::from("name")))
        .and_then(Value::as_str)?
        .to_string();
    let mut kw = Map::new();
    let mut params = Map::new();
    for (k, v) in m {
        let key = k.as_str().unwrap_or("");
        if key == "role" || key == "name" {
            continue;
        }
        if ROLE_ENTRY_KEYWORDS.contains(&key) {
            kw.insert(k.clone(), v.clone());
        } else {
            params.insert(k.clone(), v.clone());
        }
    }
    Some((name, kw, params))
}

/// Identifies a role with its parameters: Ansible runs such a role once per host in a play.
pub fn role_key(name: &str, params: &Map) -> String {
    format!(
        "{name} {}",
        crate::output::python_repr::repr(&Value::Map(params.clone()))
    )
}

/// Every task of an item, depth first (block, rescue, always).
pub fn collect_tasks(item: &Item, out: &mut Vec<Arc<Task>>) {
    match item {
        Item::Task(t) => out.push(t.clone()),
        Item::Block(b) => {
            for i in b.block.iter().chain(&b.rescue).chain(&b.always) {
                collect_tasks(i, out);
            }
        }
    }
}

/// What a loader needs to know about where it is.
#[derive(Clone)]
pub struct Ctx<'a> {
    pub opts: &'a LoadOptions,
    pub playbook_dir: PathBuf,
    pub role: Option<Arc<Role>>,
    /// Roles brought in by `import_role`/`include_role`: their defaults, vars and handlers
    /// belong to the play like those of `roles:`.
    pub imported_roles: ImportedRoles,
}

/// Roles a play gained through imports and includes.
pub type ImportedRoles = Arc<std::sync::Mutex<Vec<Arc<Role>>>>;

fn task_list(
    value: Option<&Value>,
    src: &Source,
    at: &[Seg],
    chain: &Chain,
    ctx: &Ctx,
    handlers: bool,
) -> Result<Vec<Item>, PlaybookError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::List(items)) => items,
        Some(_) => return Err(src.error(at, "a list of tasks was expected here")),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut p = at.to_vec();
        p.push(Seg::Index(i));
        let Value::Map(ds) = item else {
            return Err(src.error(
                &p,
                "a task must be a mapping (did you forget a `-` or indent a key?)",
            ));
        };
        out.extend(task_or_block(ds, src, &p, chain, ctx, handlers)?);
    }
    Ok(out)
}

fn task_or_block(
    ds: &Map,
    src: &Source,
    at: &[Seg],
    chain: &Chain,
    ctx: &Ctx,
    handlers: bool,
) -> Result<Vec<Item>, PlaybookError> {
    let is_block = ["block", "rescue", "always"]
        .iter()
        .any(|k| ds.contains_key(&Key::from(*k)));
    if is_block {
        let mut kw = Map::new();
        for (k, v) in ds {
            let name = k.as_str().unwrap_or("");
            if !BLOCK_KEYWORDS.contains(&name) {
                let mut p = at.to_vec();
                p.push(Seg::Key(name.to_string()));
                return Err(src.error(&p, format!("'{name}' is not a valid attribute for a Block")));
            }
            if !["block", "rescue", "always", "name"].contains(&name) {
                kw.insert(k.clone(), v.clone());
            }
        }
        let chain = chain.push(Arc::new(Keywords { map: kw }));
        let part = |name: &str| {
            let mut p = at.to_vec();
            p.push(Seg::Key(name.to_string()));
            task_list(ds.get(&Key::from(name)), src, &p, &chain, ctx, handlers)
        };
        return Ok(vec![Item::Block(Arc::new(Block {
            id: next_id(),
            block: part("block")?,
            rescue: part("rescue")?,
            always: part("always")?,
            once_key: None,
        }))]);
    }
    let parsed = parse_task(ds).map_err(|m| src.error(at, m))?;
    let pos = src.positions.get(at);
    match parsed.action.as_str() {
        "import_tasks" => {
            let file = raw_param(&parsed.args, "file")
                .ok_or_else(|| src.error(at, "import_tasks needs a file name"))?;
            if crate::template::Templar::is_template(&file) {
                return Err(src.error(
                    at,
                    "import_tasks cannot use a template in its file name; use include_tasks",
                ));
            }
            let path = resolve_task_file(&file, &src.path, ctx)
                .ok_or_else(|| src.error(at, format!("Could not find or access '{file}'")))?;
            let mut kw = parsed.keywords.clone();
            kw.shift_remove(&Key::from("name"));
            let chain = chain.push(Arc::new(Keywords { map: kw }));
            let items = load_task_file_with(&path, &chain, ctx, handlers)?;
            Ok(vec![Item::Block(Arc::new(Block {
                id: next_id(),
                block: items,
                rescue: Vec::new(),
                always: Vec::new(),
                once_key: None,
            }))])
        }
        "import_role" => {
            let mut kw = parsed.keywords.clone();
            kw.shift_remove(&Key::from("name"));
            let chain = chain.push(Arc::new(Keywords { map: kw }));
            let files = RoleFiles::from_args(&parsed.args);
            let name = parsed
                .args
                .get(&Key::from("name"))
                .and_then(Value::as_str)
                .ok_or_else(|| src.error(at, "import_role needs `name`"))?
                .to_string();
            let mut entry = Map::new();
            entry.insert(Key::from("role"), Value::Str(name));
            let role = load_role_entry(&Value::Map(entry), src, at, &chain, ctx, files)?;
            if let Ok(mut imported) = ctx.imported_roles.lock() {
                imported.push(role.clone());
            }
            Ok(vec![Item::Block(Arc::new(Block {
                id: next_id(),
                block: role.tasks.clone(),
                rescue: Vec::new(),
                always: Vec::new(),
                once_key: None,
            }))])
        }
        _ => {
            if !crate::modules::is_known(&parsed.action) {
                return Err(src.error(
                    at,
                    format!(
                        "couldn't resolve module/action '{}'. This often indicates a misspelling, missing collection, or incorrect module path.",
                        parsed.action_written
                    ),
                ));
            }
            let chain = chain.push(Arc::new(Keywords {
                map: parsed.keywords,
            }));
            Ok(vec![Item::Task(Arc::new(Task {
                id: next_id(),
                action_written: parsed.action_written,
                action: parsed.action,
                args: parsed.args,
                chain,
                role: ctx.role.clone(),
                origin: Origin {
                    file: src.path.clone(),
                    line: pos.map(|p| p.0),
                    column: pos.map(|p| p.1),
                },
                is_handler: handlers,
                implicit: false,
            }))])
        }
    }
}

/// The file an include/import names: `file:` or the free-form word.
pub fn raw_param(args: &Map, key: &str) -> Option<String> {
    args.get(&Key::from(key))
        .or_else(|| args.get(&Key::from("_raw_params")))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Resolve a task file name as Ansible does: beside the including file, in the role's
/// `tasks/`, then beside the playbook.
pub fn resolve_task_file(name: &str, including: &Path, ctx: &Ctx) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.is_absolute() {
        return p.is_file().then(|| p.to_path_buf());
    }
    let mut candidates = Vec::new();
    if let Some(role) = &ctx.role {
        candidates.push(role.path.join("tasks").join(name));
        candidates.push(role.path.join(name));
    }
    if let Some(dir) = including.parent() {
        candidates.push(dir.join(name));
    }
    candidates.push(ctx.playbook_dir.join(name));
    candidates.into_iter().find(|c| c.is_file())
}

/// Load a file of tasks (for an import, or an include at run time).
pub fn load_task_file_with(
    path: &Path,
    chain: &Chain,
    ctx: &Ctx,
    handlers: bool,
) -> Result<Vec<Item>, PlaybookError> {
    let (value, src) = read_yaml(path)?;
    task_list(value.as_ref(), &src, &[], chain, ctx, handlers)
}

/// Which files of a role to use (`tasks_from`, ...).
#[derive(Debug, Clone)]
pub struct RoleFiles {
    pub tasks: String,
    pub vars: String,
    pub defaults: String,
    pub handlers: String,
}

impl Default for RoleFiles {
    fn default() -> Self {
        RoleFiles {
            tasks: "main".into(),
            vars: "main".into(),
            defaults: "main".into(),
            handlers: "main".into(),
        }
    }
}

impl RoleFiles {
    pub fn from_args(args: &Map) -> Self {
        let get = |k: &str| {
            args.get(&Key::from(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let d = RoleFiles::default();
        RoleFiles {
            tasks: get("tasks_from").unwrap_or(d.tasks),
            vars: get("vars_from").unwrap_or(d.vars),
            defaults: get("defaults_from").unwrap_or(d.defaults),
            handlers: get("handlers_from").unwrap_or(d.handlers),
        }
    }
}

fn load_map_file(path: Option<PathBuf>) -> Result<Map, PlaybookError> {
    let Some(path) = path else {
        return Ok(Map::new());
    };
    let mut warnings = Vec::new();
    match load_data_file(&path, &mut warnings)? {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Map(m)) => Ok(m),
        Some(_) => Err(PlaybookError::new(
            &path,
            "this vars file must hold a mapping",
        )),
    }
}

/// Load a role from an entry of `roles:` (or an `import_role`/`include_role`).
pub fn load_role_entry(
    entry: &Value,
    src: &Source,
    at: &[Seg],
    chain: &Chain,
    ctx: &Ctx,
    files: RoleFiles,
) -> Result<Arc<Role>, PlaybookError> {
    let (name, kw, params) = match entry {
        Value::Str(s) => (s.clone(), Map::new(), Map::new()),
        Value::Map(m) => split_role_entry(m)
            .ok_or_else(|| src.error(at, "a role entry needs `role:` (or `name:`)"))?,
        _ => return Err(src.error(at, "a role entry must be a name or a mapping")),
    };
    load_role(&name, kw, params, src, at, chain, ctx, &files, 0)
}

#[allow(clippy::too_many_arguments)]
fn load_role(
    name: &str,
    kw: Map,
    params: Map,
    src: &Source,
    at: &[Seg],
    chain: &Chain,
    ctx: &Ctx,
    files: &RoleFiles,
    depth: usize,
) -> Result<Arc<Role>, PlaybookError> {
    let path = find_role(name, &ctx.playbook_dir, &ctx.opts.roles_path).ok_or_else(|| {
        src.error(
            at,
            format!(
                "the role '{name}' was not found in {}/roles, the roles_path, or {}",
                ctx.playbook_dir.display(),
                ctx.playbook_dir.display()
            ),
        )
    })?;
    if depth > 16 {
        return Err(src.error(
            at,
            format!("role dependencies of '{name}' nest too deeply (a loop?)"),
        ));
    }
    let defaults = load_map_file(role_file(&path, "defaults", &files.defaults))?;
    let vars = load_map_file(role_file(&path, "vars", &files.vars))?;
    // Dependencies (meta/main.yml) run first, each with its own defaults and vars.
    let mut dep_items = Vec::new();
    if let Some(meta) = role_file(&path, "meta", "main") {
        let meta = load_map_file(Some(meta))?;
        if let Some(Value::List(deps)) = meta.get(&Key::from("dependencies")) {
            let (_, meta_src) = read_yaml(&role_file(&path, "meta", "main").unwrap_or_default())?;
            for (i, dep) in deps.iter().enumerate() {
                let at = [Seg::Key("dependencies".into()), Seg::Index(i)];
                let (dname, dkw, dparams) = match dep {
                    Value::Str(s) => (s.clone(), Map::new(), Map::new()),
                    Value::Map(m) => match split_role_entry(m) {
                        Some(entry) => entry,
                        None => continue,
                    },
                    _ => continue,
                };
                let key = role_key(&dname, &dparams);
                let dep = load_role(
                    &dname,
                    dkw,
                    dparams,
                    &meta_src,
                    &at,
                    chain,
                    ctx,
                    &RoleFiles::default(),
                    depth + 1,
                )?;
                dep_items.push(Item::Block(Arc::new(Block {
                    id: next_id(),
                    block: dep.tasks.clone(),
                    rescue: Vec::new(),
                    always: Vec::new(),
                    once_key: Some(key),
                })));
            }
        }
    }
    // The tasks need the role (for role_path and its vars) and the role holds its tasks:
    // build a shell first, then the tasks with a reference to it.
    let shell = Arc::new(Role {
        name: short_name(name)
            .rsplit('/')
            .next()
            .unwrap_or(name)
            .to_string(),
        path: path.clone(),
        defaults,
        vars,
        params,
        tasks: Vec::new(),
        handlers: Vec::new(),
    });
    let role_ctx = Ctx {
        opts: ctx.opts,
        playbook_dir: ctx.playbook_dir.clone(),
        role: Some(shell.clone()),
        imported_roles: ctx.imported_roles.clone(),
    };
    let chain = chain.push(Arc::new(Keywords { map: kw }));
    let mut tasks = dep_items;
    if let Some(file) = role_file(&path, "tasks", &files.tasks) {
        tasks.extend(load_task_file_with(&file, &chain, &role_ctx, false)?);
    } else if files.tasks != "main" {
        return Err(src.error(
            at,
            format!("the role '{name}' has no tasks file '{}'", files.tasks),
        ));
    }
    let mut handlers = Vec::new();
    if let Some(file) = role_file(&path, "handlers", &files.handlers) {
        for item in load_task_file_with(&file, &chain, &role_ctx, true)? {
            collect_tasks(&item, &mut handlers);
        }
    }
    // Tasks point at the shell (same name, path, defaults, vars and params); the full role
    // adds the task lists for the play's use.
    Ok(Arc::new(Role {
        name: shell.name.clone(),
        path,
        defaults: shell.defaults.clone(),
        vars: shell.vars.clone(),
        params: shell.params.clone(),
        tasks,
        handlers,
    }))
}

/// Load `include_role` at run time.
pub fn include_role(
    args: &Map,
    including: &Path,
    chain: &Chain,
    ctx: &Ctx,
) -> Result<Arc<Role>, PlaybookError> {
    let name = args
        .get(&Key::from("name"))
        .and_then(Value::as_str)
        .ok_or_else(|| PlaybookError::new(including, "include_role needs `name`"))?
        .to_string();
    let src = Source {
        path: including.to_path_buf(),
        positions: Positions::default(),
    };
    let mut entry = Map::new();
    entry.insert(Key::from("role"), Value::Str(name));
    load_role_entry(
        &Value::Map(entry),
        &src,
        &[],
        chain,
        ctx,
        RoleFiles::from_args(args),
    )
}
