//! Errors of templating, with Display texts close to ansible-core 2.19's messages.

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    /// A variable that no scope defines (`'foo' is undefined`).
    #[error("'{name}' is undefined")]
    Undefined { name: String },
    /// A missing key or attribute of a defined value. `attribute` is written as Python
    /// writes it: `'bar'` for a string key, `5` for an index.
    #[error("object of type '{type_name}' has no attribute {attribute}")]
    MissingAttribute {
        type_name: String,
        attribute: String,
    },
    /// The template text does not parse.
    #[error("Syntax error in template: {message}")]
    Syntax {
        message: String,
        line: usize,
        column: usize,
        template: String,
    },
    /// A variable whose value refers back to itself (`a: "{{ b }}"`, `b: "{{ a }}"`).
    #[error("Recursive loop detected in template: maximum recursion depth exceeded")]
    RecursiveLoop { name: String },
    /// A conditional whose result is not a boolean (Ansible 2.19 refuses `when: "yes"`).
    #[error(
        "Conditional result ({truthy}) was derived from value of type '{type_name}'. Conditionals must have a boolean result."
    )]
    NonBooleanConditional { truthy: String, type_name: String },
    /// `mandatory` on an undefined value.
    #[error("{message}")]
    Mandatory { message: String },
    /// Any other failure while evaluating (bad filter arguments, type errors, ...).
    #[error("{message}")]
    Runtime { message: String },
}

impl TemplateError {
    pub(crate) fn runtime(message: impl Into<String>) -> Self {
        TemplateError::Runtime {
            message: message.into(),
        }
    }

    /// True for the errors Ansible reports as `AnsibleUndefinedVariable`.
    pub fn is_undefined(&self) -> bool {
        matches!(
            self,
            TemplateError::Undefined { .. } | TemplateError::MissingAttribute { .. }
        )
    }
}
