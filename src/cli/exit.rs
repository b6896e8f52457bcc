//! Exit codes, as ansible-playbook and ansible-inventory use them.

/// Process exit codes shared with Ansible's CLIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum ExitCode {
    /// An error in the inventory, a playbook, or while running.
    Error = 1,
    /// A command-line option error.
    Options = 5,
}

/// An error to report to the user, with the exit code it ends the process with.
#[derive(Debug)]
pub struct CliError {
    pub code: ExitCode,
    pub message: String,
}

impl CliError {
    pub fn error(message: impl std::fmt::Display) -> Self {
        CliError {
            code: ExitCode::Error,
            message: message.to_string(),
        }
    }

    pub fn options(message: impl std::fmt::Display) -> Self {
        CliError {
            code: ExitCode::Options,
            message: message.to_string(),
        }
    }
}
