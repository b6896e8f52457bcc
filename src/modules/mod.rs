//! Ansible modules, implemented in roller and run against a [`Connection`]: nothing but a
//! POSIX shell is needed on the target.
//!
//! Every module first *plans* (inspects the target and decides what would change) and only
//! then *applies* the plan. Check mode is the engine not calling `apply`, so a module cannot
//! forget to honour it.

pub mod add_host;
pub mod apt;
pub mod args;
pub mod assert;
pub mod clock;
pub mod command;
pub mod copy;
mod deb_version;
pub mod debug;
mod digest;
pub mod dnf;
pub mod dnf_action;
pub mod fail;
pub mod fetch;
pub mod file;
mod file_attrs;
pub mod group_by;
pub mod include_vars;
pub mod kafka_client_config;
pub mod kafka_health;
pub mod kafka_quorum;
pub mod kafka_roll_order;
pub mod kafka_vars;
pub mod lineinfile;
pub mod package;
pub mod pause;
pub mod pkg_mgr;
mod pkg_run;
pub mod raw;
pub mod reboot;
mod rpm_version;
pub mod script;
pub mod service_facts;
pub mod set_fact;
pub mod slurp;
pub mod stat;
pub mod systemd;
pub mod template;
pub mod uri;
mod uri_curl;
pub mod wait_for;
pub mod wait_for_connection;

use std::path::PathBuf;

use async_trait::async_trait;

use crate::connection::{Become, Connection};
use crate::template::{Templar, VarContext};
use crate::vars::{Key, Map, Value};

/// What a module sees of the run.
pub struct ModuleContext<'a> {
    pub conn: &'a dyn Connection,
    pub host: &'a str,
    pub check_mode: bool,
    pub diff: bool,
    pub become_: Option<Become>,
    pub env: Vec<(String, String)>,
    pub timeout: Option<std::time::Duration>,
    pub verbosity: u8,
    pub templar: &'a Templar,
    pub vars: &'a VarContext,
    /// Directories to find `src` files and templates in (role `files/`, `templates/`, ...).
    pub search_paths: Vec<PathBuf>,
    /// A line for the operator, printed as the task runs (`pause` announces its wait).
    pub notice: &'a (dyn Fn(&str) + Send + Sync),
}

/// Modules Ansible runs entirely as action plugins on the controller. Their failures carry
/// no `exception` (no module ran on the target to raise one).
pub const CONTROLLER_ONLY: &[&str] = &[
    "debug",
    "set_fact",
    "assert",
    "fail",
    "pause",
    "group_by",
    "add_host",
    "include_vars",
    "wait_for_connection",
    "reboot",
    "meta",
    "kafka_health",
    "kafka_client_config",
    "kafka_roll_order",
    "kafka_quorum",
];

/// Modules that run on the target behind an action plugin of their own.
const BEHIND_ACTION_PLUGIN: &[&str] = &["template", "copy", "fetch", "script"];

/// Whether Ansible runs NAME through an action plugin: its failures read "Action failed",
/// a module's "Module failed".
pub fn has_action_plugin(name: &str) -> bool {
    CONTROLLER_ONLY.contains(&name) || BEHIND_ACTION_PLUGIN.contains(&name)
}

/// A module's decision.
pub enum Plan {
    /// The result is final: nothing to change (or the module only reports).
    Done(Map),
    /// A change to make. Check mode reports `preview` (changed) without applying.
    Change {
        preview: Map,
        diff: Option<Value>,
        apply: Box<dyn Apply>,
    },
    /// The module cannot know what running would change (`command`, `shell`): check mode
    /// skips it and says what would have run.
    Unpredictable {
        would_run: String,
        /// The result check mode reports (skipped, with the command's shape).
        preview: Map,
        apply: Box<dyn Apply>,
    },
}

#[async_trait]
pub trait Apply: Send + Sync {
    async fn apply(self: Box<Self>, cx: &ModuleContext<'_>) -> Result<Map, ModuleError>;
}

/// A result key (internal: never printed nor registered) holding the `[ERROR]` headline's
/// text after `Task failed: `, when it is not `<kind> failed: <msg>`: ansible-core appends
/// the exception a module failed with (`File not found: /x: [Errno 2] ...`).
pub const ERROR_HEADLINE: &str = "_ansible_error_headline";

/// A result key (internal) marking what an action plugin raised (`AnsibleActionFail`,
/// `AnsibleActionSkip`): the engine takes such a result as final, as ansible-core does.
pub const RAISED: &str = "_ansible_raised";

/// A module failure: becomes `failed: true` with `msg` (and any extra result keys).
#[derive(Debug, Clone)]
pub struct ModuleError {
    pub msg: String,
    pub result: Map,
    /// The host could not be reached at all (Ansible's UNREACHABLE, not a failure).
    pub unreachable: bool,
}

impl ModuleError {
    pub fn new(msg: impl Into<String>) -> Self {
        ModuleError {
            msg: msg.into(),
            result: Map::new(),
            unreachable: false,
        }
    }
    /// An action plugin's `AnsibleActionFail`: final (no failed_when, no retries), with
    /// the `exception` ansible-core records; its `[ERROR]` headline is the bare message.
    pub fn raised(msg: impl Into<String>) -> Self {
        let msg = msg.into();
        ModuleError::new(msg.clone())
            .with("exception", Value::Str("(traceback unavailable)".into()))
            .with(ERROR_HEADLINE, Value::Str(msg))
            .with(RAISED, Value::Bool(true))
    }

    /// An action plugin's `AnsibleActionSkip` result: skipped with `msg`, final.
    pub fn skip_result(msg: &str) -> Map {
        result([
            ("changed", Value::Bool(false)),
            ("msg", Value::Str(msg.to_string())),
            ("skipped", Value::Bool(true)),
            (RAISED, Value::Bool(true)),
        ])
    }

    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.result.insert(Key::from(key), value);
        self
    }
}

impl From<crate::connection::ConnectionError> for ModuleError {
    fn from(e: crate::connection::ConnectionError) -> Self {
        use crate::connection::ConnectionError;
        let mut err = match &e {
            // Raised by the connection in Ansible, so reported as "Task failed: ...".
            ConnectionError::Become(m) => ModuleError::new(format!("Task failed: {m}")),
            _ => ModuleError::new(e.to_string()),
        };
        err.unreachable = matches!(e, ConnectionError::Unreachable(_));
        err
    }
}

#[async_trait]
pub trait Module: Send + Sync {
    /// Decide what to do. Must not change the target.
    async fn plan(&self, cx: &ModuleContext<'_>, args: &Map) -> Result<Plan, ModuleError>;
}

/// Actions the executor carries out itself (they change the run, not a host).
pub const ENGINE_ACTIONS: &[&str] = &[
    "meta",
    "include_tasks",
    "include_role",
    "import_tasks",
    "import_role",
    "include",
];

/// The module implementing `name` (a short name), if roller has it.
pub fn lookup(name: &str) -> Option<&'static dyn Module> {
    Some(match name {
        "debug" => &debug::Debug,
        "set_fact" => &set_fact::SetFact,
        "assert" => &assert::Assert,
        "fail" => &fail::Fail,
        "command" => &command::CommandModule { shell: false },
        "shell" => &command::CommandModule { shell: true },
        "pause" => &pause::Pause,
        "stat" => &stat::Stat,
        "file" => &file::File,
        "copy" => &copy::Copy,
        "template" => &template::Template,
        "lineinfile" => &lineinfile::LineInFile,
        "group_by" => &group_by::GroupBy,
        "systemd" | "systemd_service" | "service" => &systemd::Systemd,
        "reboot" => &reboot::Reboot,
        "wait_for" => &wait_for::WaitFor,
        "wait_for_connection" => &wait_for_connection::WaitForConnection,
        "raw" => &raw::Raw,
        "include_vars" => &include_vars::IncludeVars,
        "add_host" => &add_host::AddHost,
        "slurp" => &slurp::Slurp,
        "fetch" => &fetch::Fetch,
        "script" => &script::Script,
        "service_facts" => &service_facts::ServiceFacts,
        "uri" => &uri::Uri,
        "apt" => &apt::Apt,
        "dnf" | "yum" => &dnf_action::DnfAction,
        "dnf5" => &dnf::Dnf,
        "package" => &package::Package,
        "kafka_health" => &kafka_health::KafkaHealth,
        "kafka_client_config" => &kafka_client_config::KafkaClientConfig,
        "kafka_roll_order" => &kafka_roll_order::KafkaRollOrder,
        "kafka_quorum" => &kafka_quorum::KafkaQuorum,
        _ => return None,
    })
}

/// Whether a task may name this module.
pub fn is_known(name: &str) -> bool {
    lookup(name).is_some() || ENGINE_ACTIONS.contains(&name)
}

/// A result map from pairs.
pub fn result(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Map {
    pairs.into_iter().map(|(k, v)| (Key::from(k), v)).collect()
}
