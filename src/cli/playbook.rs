//! `roller playbook`: run playbooks with ansible-playbook's flags, output and exit codes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use super::extra_vars::parse_extra_vars;
use super::inventory::load_inventory;
use super::{CliError, ExitCode};
use crate::exec::RunOptions;
use crate::exec::playbook_run::{RunState, run_playbooks};
use crate::exec::resume::{self, StateFile};
use crate::exec::task_run::TaskEnv;
use crate::kafka::events_topic::EventsTopic;
use crate::output::callback::Callback;
use crate::output::callback::RunInfo;
use crate::output::default_callback::DefaultCallback;
use crate::output::fanout::Fanout;
use crate::output::json_events::JsonEvents;
use crate::output::junit::JunitReport;
use crate::output::metrics::MetricsFile;
use crate::output::progress::Progress;
use crate::output::trace_log::TraceLog;
use crate::playbook::tags::TagFilter;
use crate::playbook::{LoadOptions, load_playbook};
use crate::template::Templar;

#[derive(Debug, Args)]
pub struct PlaybookArgs {
    /// Playbook file(s) to run, in order.
    #[arg(required = true, value_name = "PLAYBOOK")]
    pub playbooks: Vec<String>,
    /// Inventory source (file, directory or comma-separated host list); repeatable.
    #[arg(short = 'i', long = "inventory", value_name = "INVENTORY")]
    pub inventory: Vec<String>,
    /// Further limit the selected hosts to a pattern (`@file` reads patterns from a file).
    #[arg(short = 'l', long, value_name = "SUBSET")]
    pub limit: Option<String>,
    /// Only run plays and tasks tagged with these tags (comma-separated, repeatable).
    #[arg(short = 't', long = "tags", value_name = "TAGS")]
    pub tags: Vec<String>,
    /// Skip plays and tasks tagged with these tags.
    #[arg(long = "skip-tags", value_name = "TAGS")]
    pub skip_tags: Vec<String>,
    /// Don't change anything; predict what would change (modules plan but do not apply).
    #[arg(short = 'C', long)]
    pub check: bool,
    /// Show the differences in files and templates that change.
    #[arg(short = 'D', long)]
    pub diff: bool,
    /// Extra variables: `k=v`, JSON/YAML text, or `@file`; highest precedence.
    #[arg(short = 'e', long = "extra-vars", value_name = "EXTRA_VARS")]
    pub extra_vars: Vec<String>,
    /// How many hosts to work on in parallel.
    #[arg(short = 'f', long, value_name = "FORKS")]
    pub forks: Option<usize>,
    /// More output (-vvvv for the most).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Run operations with become (privilege escalation).
    #[arg(short = 'b', long = "become")]
    pub become_: bool,
    /// The user to become (default root).
    #[arg(long = "become-user", value_name = "USER")]
    pub become_user: Option<String>,
    /// How to become (sudo, su, ...).
    #[arg(long = "become-method", value_name = "METHOD")]
    pub become_method: Option<String>,
    /// Ask for the privilege escalation password (on the terminal, without echo).
    #[arg(short = 'K', long = "ask-become-pass")]
    pub ask_become_pass: bool,
    /// Read the privilege escalation password from this file (its first line).
    #[arg(
        long = "become-password-file",
        visible_alias = "become-pass-file",
        value_name = "BECOME_PASSWORD_FILE"
    )]
    pub become_password_file: Option<String>,
    /// Not supported: roller does not do SSH password authentication.
    #[arg(short = 'k', long = "ask-pass", hide = true)]
    pub ask_pass: bool,
    /// Connect as this user.
    #[arg(short = 'u', long = "user", value_name = "REMOTE_USER")]
    pub user: Option<String>,
    /// Use this file to authenticate the connection.
    #[arg(
        long = "private-key",
        visible_alias = "key-file",
        value_name = "PRIVATE_KEY_FILE"
    )]
    pub private_key: Option<String>,
    /// Connection type to use (local, ssh).
    #[arg(short = 'c', long = "connection", value_name = "CONNECTION")]
    pub connection: Option<String>,
    /// Only list the hosts each play would run on.
    #[arg(long = "list-hosts")]
    pub list_hosts: bool,
    /// Only list the tasks that would run.
    #[arg(long = "list-tasks")]
    pub list_tasks: bool,
    /// Only list the tags in use.
    #[arg(long = "list-tags")]
    pub list_tags: bool,
    /// Only check the playbook's syntax.
    #[arg(long = "syntax-check")]
    pub syntax_check: bool,
    /// Start the playbook at the task with this name.
    #[arg(long = "start-at-task", value_name = "START_AT_TASK")]
    pub start_at_task: Option<String>,
    /// Accepted for compatibility: roller keeps no fact cache between runs.
    #[arg(long = "flush-cache")]
    pub flush_cache: bool,
    /// Write a JUnit XML report (a test case per host and task) to FILE when the run ends.
    #[arg(long = "junit", value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Stream the run's events to FILE as JSON, one object a line.
    #[arg(long = "json-events", value_name = "FILE")]
    pub json_events: Option<PathBuf>,
    /// Write the run's metrics in Prometheus' text format to FILE (node-exporter's textfile
    /// collector) when the run ends.
    #[arg(long = "metrics-file", value_name = "FILE")]
    pub metrics_file: Option<PathBuf>,
    /// Also publish the run's events (the --json-events lines) to this Kafka topic, with
    /// the client settings roller derives from the inventory (docs/kafka.md). Delivery
    /// never stops or fails a run: undelivered events are reported at the end.
    #[arg(long = "events-topic", value_name = "TOPIC")]
    pub events_topic: Option<String>,
    /// Append roller's tracing logs to FILE (level from RUST_LOG, else info; -vv debug,
    /// -vvvv trace). Without it, logs go to stderr only when RUST_LOG is set.
    #[arg(long = "log-file", value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Continue the last run of these playbooks with this inventory and limit where it
    /// stopped (Ctrl-C, a failure, a killed roller): completed hosts are not run again.
    #[arg(long = "resume")]
    pub resume: bool,
}

/// The stdout callback and the reports asked for, as one callback.
fn callbacks(
    args: &PlaybookArgs,
    state_file: Option<Arc<StateFile>>,
    topic: Option<EventsTopic>,
) -> Result<Arc<dyn Callback>, CliError> {
    let progress = Progress::on_terminal().map(Arc::new);
    let stdout = DefaultCallback::new(args.verbose);
    let mut all: Vec<Arc<dyn Callback>> = match progress {
        // The bar first: it is cleared before the recap prints.
        Some(p) => vec![p.clone(), Arc::new(stdout.with_progress(p))],
        None => vec![Arc::new(stdout)],
    };
    if args.log_file.is_some() || std::env::var_os("RUST_LOG").is_some() {
        all.push(Arc::new(TraceLog));
    }
    if let Some(s) = state_file {
        all.push(s);
    }
    let open = |flag: &str, path: &Path, e: std::io::Error| {
        CliError::error(format!("{flag}: cannot write {}: {e}", path.display()))
    };
    if args.json_events.is_some() || topic.is_some() {
        let p = args.json_events.as_deref();
        all.push(Arc::new(JsonEvents::to(p, topic).map_err(|e| {
            open("--json-events", p.unwrap_or(Path::new("")), e)
        })?));
    }
    if let Some(p) = &args.junit {
        all.push(Arc::new(
            JunitReport::create(p).map_err(|e| open("--junit", p, e))?,
        ));
    }
    if let Some(p) = &args.metrics_file {
        all.push(Arc::new(
            MetricsFile::create(p).map_err(|e| open("--metrics-file", p, e))?,
        ));
    }
    Ok(if all.len() == 1 {
        all.remove(0)
    } else {
        Arc::new(Fanout(all))
    })
}

fn error_exit(code: i32, msg: impl std::fmt::Display) -> Result<i32, CliError> {
    eprintln!("ERROR! {msg}");
    Ok(code)
}

/// Run and return ansible-playbook's exit code (errors that are not option errors are
/// printed here, with the codes Ansible uses).
pub fn run(args: &PlaybookArgs) -> Result<i32, CliError> {
    for p in &args.playbooks {
        if !Path::new(p).is_file() {
            return error_exit(1, format!("the playbook: {p} could not be found"));
        }
    }
    let loaded = load_inventory(&args.inventory)?;
    if loaded.inventory.hosts.iter().all(|h| h.implicit) {
        super::print_warnings([
            "provided hosts list is empty, only localhost is available. Note that the implicit localhost does not match 'all'".to_string(),
        ]);
    }
    let how = loaded.inventory.hash_behaviour;
    let extra = parse_extra_vars(&args.extra_vars, how).map_err(CliError::options)?;
    let config = &loaded.config;
    if args.verbose >= 1 {
        match &config.config_file {
            Some(file) => println!("Using {} as config file", file.display()),
            None => println!("No config file found; using defaults"),
        }
    }
    let load_opts = LoadOptions {
        roles_path: config.roles_path.clone(),
    };
    let mut books = Vec::new();
    for p in &args.playbooks {
        match load_playbook(Path::new(p), &load_opts) {
            Ok(b) => books.push(b),
            Err(e) => {
                eprintln!(
                    "{}",
                    crate::output::error_excerpt::error_block(
                        &e.message, &e.path, e.line, e.column
                    )
                );
                return Ok(4);
            }
        }
    }
    if args.syntax_check {
        for p in &args.playbooks {
            println!("\nplaybook: {p}");
        }
        return Ok(0);
    }
    let playbook_dir = books
        .first()
        .and_then(|b| b.path.parent().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."));
    if args.ask_pass {
        return Err(CliError::options(
            "-k/--ask-pass: roller does not do SSH password authentication. Use keys (ssh-agent, --private-key, ansible_ssh_private_key_file) or GSSAPI (Kerberos).",
        ));
    }
    let listing = args.list_hosts || args.list_tasks || args.list_tags;
    let become_password = if listing {
        None
    } else if args.ask_become_pass {
        super::become_pass::ask("BECOME password: ")
            .map_err(|e| CliError::error(format!("could not read the become password: {e}")))?
    } else if let Some(path) = &args.become_password_file {
        super::become_pass::from_file(path).map_err(|e| {
            CliError::error(format!(
                "could not read the become password file {path}: {e}"
            ))
        })?
    } else {
        None
    };
    let opts = RunOptions {
        check: args.check,
        diff: args.diff,
        forks: args.forks.unwrap_or(config.forks as usize),
        verbosity: args.verbose,
        tags: TagFilter::new(&args.tags, &args.skip_tags),
        limit: args.limit.clone(),
        extra_vars: extra,
        become_: args.become_,
        become_user: args.become_user.clone(),
        become_method: args.become_method.clone(),
        become_password,
        remote_user: args.user.clone().or(config.remote_user.clone()),
        private_key: args.private_key.clone(),
        connection: args.connection.clone(),
        start_at_task: args.start_at_task.clone(),
        timeout: config.timeout.into(),
        host_key_checking: config.host_key_checking,
    };
    if args.forks == Some(0) {
        return Err(CliError {
            code: ExitCode::Options,
            message: "The number of processes (--forks) must be >= 1".into(),
        });
    }
    super::logging::init(args.log_file.as_deref(), args.verbose)?;
    let run_info = RunInfo {
        playbooks: args
            .playbooks
            .iter()
            .map(|p| super::bundled::stable_name(p).unwrap_or_else(|| p.clone()))
            .collect(),
        inventory: args.inventory.clone(),
        limit: args.limit.clone(),
        check: args.check,
    };
    // The resume state: read with --resume; kept by every run that changes things.
    let mut resume_plan = None;
    let mut state_file = None;
    if !listing {
        let dir = resume::state_dir();
        let previous = if args.resume {
            let path = resume::state_path(&dir, &run_info);
            let (plan, saved) = resume::load_plan(&path).map_err(CliError::error)?;
            if saved.get("status").and_then(|s| s.as_str()) == Some("finished") {
                eprintln!(
                    "roller: nothing to resume: the last run of these playbooks finished ({})",
                    path.display()
                );
                return Ok(0);
            }
            eprintln!("{}", resume_note(&saved, &path));
            Some((plan, saved))
        } else {
            None
        };
        if !args.check {
            state_file = Some(Arc::new(
                StateFile::open(&dir, &run_info, previous.as_ref().map(|(p, s)| (p, s)))
                    .map_err(CliError::error)?,
            ));
        }
        resume_plan = previous.map(|(p, _)| p);
    }
    let callback: Arc<dyn Callback> = if listing {
        Arc::new(DefaultCallback::new(args.verbose))
    } else {
        let topic = match &args.events_topic {
            Some(t) => Some(super::events_topic::open(
                t,
                &loaded.inventory,
                &loaded.sources,
                &playbook_dir,
                &opts.extra_vars,
            )?),
            None => None,
        };
        callbacks(args, state_file, topic)?
    };
    let env = TaskEnv {
        templar: Arc::new(Templar::new()),
        callback: callback.clone(),
        opts: Arc::new(opts.clone()),
    };
    let mut state = RunState::new(
        loaded.inventory,
        loaded.sources,
        opts,
        env,
        config.roles_path.clone(),
        playbook_dir,
    );
    if args.list_hosts || args.list_tasks || args.list_tags {
        return Ok(super::playbook_list::print(&books, &mut state, args));
    }
    if let Some(plan) = resume_plan {
        state.resume = plan;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::error(format!("could not start the runtime: {e}")))?;
    // SSH masters and runtime files of rollers that were killed.
    crate::connection::stale::reap();
    callback.run_start(&run_info);
    let stop = state.stop.clone();
    // On a terminal, Ctrl-C reaches roller alone (not the commands under way).
    let shield = super::interrupt::shield();
    let code = runtime.block_on(async {
        // The first Ctrl-C lets the tasks under way finish and stops; the second aborts.
        let interrupts = async {
            let _ = tokio::signal::ctrl_c().await;
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            eprintln!(
                "\n[roller] Ctrl-C: stopping after the current task (--resume continues); Ctrl-C again aborts now"
            );
            let _ = tokio::signal::ctrl_c().await;
        };
        // SIGTERM (a CI job cancelled, systemd stopping a unit) ends the run at once, like
        // a second Ctrl-C: the reports and the state are still written.
        let terminated = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        let (code, aborted) = tokio::select! {
            code = run_playbooks(&mut state, &books) => (code, false),
            _ = interrupts => {
                // Child processes of the local connection are killed on drop.
                eprintln!("[ERROR]: User interrupted execution");
                (99, true)
            }
            _ = terminated => {
                eprintln!("[ERROR]: roller was terminated (SIGTERM)");
                (143, true)
            }
        };
        if aborted {
            // The SSH masters and the runtime directory, which a finished run closes.
            state.connections.close().await;
        }
        code
    });
    drop(shield);
    callback.run_end(&state.stats, code);
    Ok(code)
}

/// What `--resume` continues, for the operator.
fn resume_note(saved: &serde_json::Value, path: &Path) -> String {
    let done: usize = saved
        .get("completed")
        .and_then(|c| c.as_object())
        .map(|plays| {
            plays
                .values()
                .filter_map(|h| h.as_array())
                .map(Vec::len)
                .sum()
        })
        .unwrap_or(0);
    let in_flight: Vec<String> = saved
        .get("in_flight")
        .and_then(|f| f.get("hosts"))
        .and_then(|h| h.as_object())
        .map(|hosts| {
            hosts
                .iter()
                .map(|(h, at)| match at.get("task").and_then(|t| t.as_str()) {
                    Some(t) if !t.is_empty() => format!("{h} (at: {t})"),
                    _ => h.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "roller: resuming the run started {} ({}): {done} host(s) completed, in flight: {}",
        saved.get("started").and_then(|s| s.as_str()).unwrap_or("?"),
        path.display(),
        if in_flight.is_empty() {
            "none".to_string()
        } else {
            in_flight.join(", ")
        }
    )
}

/// Runs a `roller playbook ...` command line built by another command (`roller roll`,
/// `roller keytab`): parsed like the user's own, with the same usage errors and codes.
pub fn run_argv(argv: &[String]) -> Result<i32, CliError> {
    let parsed = match <super::Cli as clap::Parser>::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return Ok(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match parsed.command {
        super::Command::Playbook(p) => run(&p),
        _ => Err(CliError::error(
            "internal error: not a playbook command line",
        )),
    }
}
