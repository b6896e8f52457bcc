//! The client configuration a cp-ansible inventory implies: bootstrap servers from the
//! kafka_broker hosts and the chosen listener's port, the security protocol from the
//! listener's `ssl_enabled` / `sasl_protocol` (falling back to the global variables, as
//! cp-ansible's templates do), and the credentials roller itself uses on the jumphost.
//! docs/kafka.md ("Client configuration") lists the variables and the choices made.

use thiserror::Error;

use super::config::ClientSettings;
use crate::vars::{Key, Map, Value};

/// The group whose hosts are the brokers (cp-ansible's name).
pub const BROKER_GROUP: &str = "kafka_broker";
/// The listener cp-ansible's own clients (Schema Registry, Connect, ksqlDB...) use.
pub const DEFAULT_LISTENER: &str = "internal";

/// Where the variables come from: the inventory as a play sees it, templated.
pub trait InventoryVars {
    /// The kafka_broker group's hosts, in inventory order.
    fn broker_hosts(&self) -> Result<Vec<String>, ClientConfigError>;
    /// A host's variable, templated; `None` when it is undefined or null.
    fn host_var(&self, host: &str, name: &str) -> Result<Option<Value>, ClientConfigError>;
}

#[derive(Debug, Error, PartialEq)]
pub enum ClientConfigError {
    #[error("cannot read {var}: {reason}")]
    Variable { var: String, reason: String },
    #[error(
        "no Kafka brokers: the inventory has no hosts in the kafka_broker group; set \
         kafka_bootstrap_servers (host:port,...) or pass bootstrap_servers"
    )]
    NoBrokers,
    #[error(
        "listener '{listener}' is not among the kafka_broker listeners ({known}); set \
         kafka_client_listener to one of them"
    )]
    UnknownListener { listener: String, known: String },
    #[error("{var} must be {expected}, not {found}")]
    WrongType {
        var: String,
        expected: &'static str,
        found: String,
    },
    #[error(
        "the {listener} listener uses sasl_protocol '{protocol}', which roller's Kafka client \
         does not support; set kafka_client_listener to a listener with kerberos, plain, \
         scram, scram256 or none, or pass the librdkafka properties in kafka_client_config"
    )]
    UnsupportedSasl { listener: String, protocol: String },
    #[error(
        "the {listener} listener uses SASL {mechanism} and no credentials are set: set \
         kafka_client_sasl_username and kafka_client_sasl_password (or {users}.admin)"
    )]
    MissingSaslCredentials {
        listener: String,
        mechanism: &'static str,
        users: &'static str,
    },
    #[error(
        "the {listener} listener requires client certificates (ssl_mutual_auth_enabled): set \
         kafka_client_ssl_certificate_location and kafka_client_ssl_key_location to the \
         jumphost's PEM certificate and key"
    )]
    MissingClientCertificate { listener: String },
}

/// A listener's security settings after cp-ansible's defaults are applied.
#[derive(Debug, Clone, PartialEq)]
struct Listener {
    key: String,
    port: u16,
    ssl: bool,
    mutual_tls: bool,
    sasl: Sasl,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sasl {
    None,
    Gssapi,
    Plain,
    Scram512,
    Scram256,
}

impl Sasl {
    /// The mechanism of a cp-ansible `sasl_protocol`; the text back when unsupported.
    fn parse(text: &str) -> Result<Sasl, String> {
        // A comma-separated list configures several listeners; the first is the default.
        let first = text
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Ok(match first.as_str() {
            "" | "none" => Sasl::None,
            "kerberos" | "gssapi" => Sasl::Gssapi,
            "plain" => Sasl::Plain,
            "scram" | "scram-sha-512" => Sasl::Scram512,
            "scram256" | "scram-sha-256" => Sasl::Scram256,
            _ => return Err(text.to_string()),
        })
    }

    fn mechanism(self) -> Option<&'static str> {
        match self {
            Sasl::None => None,
            Sasl::Gssapi => Some("GSSAPI"),
            Sasl::Plain => Some("PLAIN"),
            Sasl::Scram512 => Some("SCRAM-SHA-512"),
            Sasl::Scram256 => Some("SCRAM-SHA-256"),
        }
    }

    /// cp-ansible's dict of users for the mechanism, whose `admin` roller may use.
    fn users_var(self) -> &'static str {
        match self {
            Sasl::Scram512 => "sasl_scram_users",
            Sasl::Scram256 => "sasl_scram256_users",
            _ => "sasl_plain_users",
        }
    }
}

/// Explicit choices that override the inventory (module arguments).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub bootstrap_servers: Option<String>,
    pub listener: Option<String>,
    /// librdkafka properties, applied last.
    pub properties: Vec<(String, String)>,
}

/// The configuration for roller's client from the inventory (variables of the first
/// kafka_broker host: cp-ansible sets them for all hosts or the group).
pub fn client_settings(
    vars: &dyn InventoryVars,
    overrides: &Overrides,
) -> Result<ClientSettings, ClientConfigError> {
    let hosts = vars.broker_hosts()?;
    let first = hosts.first().cloned();
    let var = |name: &str| match &first {
        Some(h) => vars.host_var(h, name),
        None => Ok(None),
    };
    let listener_key = match &overrides.listener {
        Some(l) => l.clone(),
        None => match var("kafka_client_listener")? {
            Some(v) => text("kafka_client_listener", &v)?,
            None => DEFAULT_LISTENER.to_string(),
        },
    };
    let listener = listener(&var, &listener_key)?;

    let bootstrap = match &overrides.bootstrap_servers {
        Some(b) => b.clone(),
        None => match var("kafka_bootstrap_servers")? {
            Some(v) if !text("kafka_bootstrap_servers", &v)?.is_empty() => {
                text("kafka_bootstrap_servers", &v)?
            }
            _ => {
                if hosts.is_empty() {
                    return Err(ClientConfigError::NoBrokers);
                }
                let mut names = Vec::new();
                for h in &hosts {
                    names.push(format!("{}:{}", advertised_name(vars, h)?, listener.port));
                }
                names.join(",")
            }
        },
    };

    let mut properties: Vec<(String, String)> = Vec::new();
    let protocol = match (listener.ssl, listener.sasl) {
        (false, Sasl::None) => "PLAINTEXT",
        (true, Sasl::None) => "SSL",
        (false, _) => "SASL_PLAINTEXT",
        (true, _) => "SASL_SSL",
    };
    properties.push(("security.protocol".into(), protocol.into()));
    if listener.ssl {
        ssl_properties(&var, &listener, &mut properties)?;
    }
    if let Some(mechanism) = listener.sasl.mechanism() {
        properties.push(("sasl.mechanisms".into(), mechanism.into()));
        match listener.sasl {
            Sasl::Gssapi => gssapi_properties(&var, &mut properties)?,
            other => credentials(&var, &listener, other, mechanism, &mut properties)?,
        }
    }
    if let Some(extra) = var("kafka_client_config")? {
        properties.extend(property_map("kafka_client_config", &extra)?);
    }
    properties.extend(overrides.properties.iter().cloned());
    Ok(ClientSettings {
        bootstrap_servers: bootstrap,
        listener: Some(listener.key),
        properties,
    })
}

/// The name other components use for a host (cp-ansible's `resolve_hostname` filter).
fn advertised_name(vars: &dyn InventoryVars, host: &str) -> Result<String, ClientConfigError> {
    let aliasing = vars.host_var(host, "hostname_aliasing_enabled")?;
    if aliasing.as_ref().is_some_and(|v| truthy(v) == Some(true)) {
        for name in ["hostname", "ansible_host"] {
            if let Some(v) = vars.host_var(host, name)? {
                return text(name, &v);
            }
        }
    }
    Ok(host.to_string())
}

type VarLookup<'a> = dyn Fn(&str) -> Result<Option<Value>, ClientConfigError> + 'a;

fn flag(var: &VarLookup<'_>, name: &str, default: bool) -> Result<bool, ClientConfigError> {
    match var(name)? {
        None => Ok(default),
        Some(v) => truthy(&v).ok_or_else(|| wrong(name, "a boolean", &v)),
    }
}

/// The listener's settings: `kafka_broker_listeners` when the inventory sets it, else
/// cp-ansible's defaults (`internal` 9092 and `broker` 9091, with the global ssl and sasl
/// settings) merged with `kafka_broker_custom_listeners`.
fn listener(var: &VarLookup<'_>, key: &str) -> Result<Listener, ClientConfigError> {
    let ssl = flag(var, "ssl_enabled", false)?;
    let mutual_tls = flag(var, "ssl_mutual_auth_enabled", false)?;
    let sasl_text = match var("sasl_protocol")? {
        Some(v) => text("sasl_protocol", &v)?,
        None => "none".to_string(),
    };
    let mut listeners: Vec<(String, Map)> = Vec::new();
    if let Some(v) = var("kafka_broker_listeners")? {
        listeners = listener_maps("kafka_broker_listeners", &v)?;
    } else {
        let mut internal = default_listener("INTERNAL", 9092);
        // cp-ansible's internal listener takes tokens under RBAC/OAuth and PLAIN towards
        // Confluent Cloud, whatever sasl_protocol says.
        let rbac = flag(var, "rbac_enabled", false)?;
        let auth_mode = match var("auth_mode")? {
            Some(v) => text("auth_mode", &v)?,
            None if rbac => "ldap".to_string(),
            None => "none".to_string(),
        };
        if ["ldap", "ldap_with_oauth", "oauth"].contains(&auth_mode.as_str()) {
            internal.insert(Key::from("sasl_protocol"), Value::Str("OAUTH".into()));
        } else if flag(var, "ccloud_kafka_enabled", false)? {
            internal.insert(Key::from("sasl_protocol"), Value::Str("PLAIN".into()));
            internal.insert(Key::from("ssl_enabled"), Value::Bool(true));
        }
        listeners.push(("internal".into(), internal));
        if flag(var, "kafka_broker_configure_multiple_listeners", true)? {
            listeners.push(("broker".into(), default_listener("BROKER", 9091)));
            if let Some(custom) = var("kafka_broker_custom_listeners")? {
                for (name, fields) in listener_maps("kafka_broker_custom_listeners", &custom)? {
                    match listeners.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, existing)) => existing.extend(fields),
                        None => listeners.push((name, fields)),
                    }
                }
            }
        }
    }
    let known = listeners
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let Some((_, fields)) = listeners.iter().find(|(n, _)| n == key) else {
        return Err(ClientConfigError::UnknownListener {
            listener: key.to_string(),
            known,
        });
    };
    let field = |name: &str| fields.get(&Key::from(name));
    let qualified = |name: &str| format!("listener {key}: {name}");
    let port = match field("port") {
        Some(Value::Int(p)) => u16::try_from(*p).ok(),
        Some(Value::Str(s)) | Some(Value::Unsafe(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ClientConfigError::Variable {
        var: qualified("port"),
        reason: "missing or not a port number".into(),
    })?;
    let listener_flag = |name: &str, global: bool| match field(name) {
        None | Some(Value::Null) => Ok(global),
        Some(v) => truthy(v).ok_or_else(|| wrong(&qualified(name), "a boolean", v)),
    };
    let protocol = match field("sasl_protocol") {
        None | Some(Value::Null) => sasl_text,
        Some(v) => text(&qualified("sasl_protocol"), v)?,
    };
    let sasl = Sasl::parse(&protocol).map_err(|protocol| ClientConfigError::UnsupportedSasl {
        listener: key.to_string(),
        protocol,
    })?;
    Ok(Listener {
        key: key.to_string(),
        port,
        ssl: listener_flag("ssl_enabled", ssl)?,
        mutual_tls: listener_flag("ssl_mutual_auth_enabled", mutual_tls)?,
        sasl,
    })
}

/// A default listener: only name and port; the security fields fall back to the globals.
fn default_listener(name: &str, port: i64) -> Map {
    let mut m = Map::new();
    m.insert(Key::from("name"), Value::Str(name.into()));
    m.insert(Key::from("port"), Value::Int(port));
    m
}

fn listener_maps(var: &str, v: &Value) -> Result<Vec<(String, Map)>, ClientConfigError> {
    let Value::Map(m) = v else {
        return Err(wrong(var, "a dict of listeners", v));
    };
    let mut out = Vec::new();
    for (k, fields) in m {
        let name = k
            .as_str()
            .ok_or_else(|| wrong(var, "a dict with string keys", v))?;
        let Value::Map(fields) = fields else {
            return Err(wrong(&format!("{var}.{name}"), "a dict", fields));
        };
        out.push((name.to_string(), fields.clone()));
    }
    Ok(out)
}

fn ssl_properties(
    var: &VarLookup<'_>,
    listener: &Listener,
    out: &mut Vec<(String, String)>,
) -> Result<(), ClientConfigError> {
    // The CA that signed the brokers' certificates, as a PEM file on the jumphost. With
    // custom certificates cp-ansible reads ssl_ca_cert_filepath on the controller too.
    let ca = match var("kafka_client_ssl_ca_location")? {
        Some(v) => Some(text("kafka_client_ssl_ca_location", &v)?),
        None if flag(var, "ssl_custom_certs", false)? => match var("ssl_ca_cert_filepath")? {
            Some(v) => Some(text("ssl_ca_cert_filepath", &v)?).filter(|s| !s.is_empty()),
            None => None,
        },
        None => None,
    };
    if let Some(ca) = ca {
        out.push(("ssl.ca.location".into(), ca));
    }
    let cert = var("kafka_client_ssl_certificate_location")?;
    let key = var("kafka_client_ssl_key_location")?;
    match (cert, key) {
        (Some(cert), Some(key)) => {
            out.push((
                "ssl.certificate.location".into(),
                text("kafka_client_ssl_certificate_location", &cert)?,
            ));
            out.push((
                "ssl.key.location".into(),
                text("kafka_client_ssl_key_location", &key)?,
            ));
            if let Some(p) = var("kafka_client_ssl_key_password")? {
                out.push((
                    "ssl.key.password".into(),
                    text("kafka_client_ssl_key_password", &p)?,
                ));
            }
        }
        _ if listener.mutual_tls => {
            return Err(ClientConfigError::MissingClientCertificate {
                listener: listener.key.clone(),
            });
        }
        _ => {}
    }
    Ok(())
}

/// GSSAPI: the brokers' service name is the primary of their principal; roller
/// authenticates as the jumphost's principal with its keytab, or, without a keytab, with
/// the operator's ticket cache (no kinit by librdkafka).
fn gssapi_properties(
    var: &VarLookup<'_>,
    out: &mut Vec<(String, String)>,
) -> Result<(), ClientConfigError> {
    let service = match var("kafka_broker_kerberos_principal")? {
        Some(v) => {
            let principal = text("kafka_broker_kerberos_principal", &v)?;
            principal
                .split(['/', '@'])
                .next()
                .filter(|p| !p.is_empty())
                .unwrap_or("kafka")
                .to_string()
        }
        None => "kafka".to_string(),
    };
    out.push(("sasl.kerberos.service.name".into(), service));
    let principal = var("kafka_client_kerberos_principal")?;
    let keytab = var("kafka_client_kerberos_keytab_path")?;
    if let Some(p) = principal {
        out.push((
            "sasl.kerberos.principal".into(),
            text("kafka_client_kerberos_principal", &p)?,
        ));
    }
    match keytab {
        Some(k) => out.push((
            "sasl.kerberos.keytab".into(),
            text("kafka_client_kerberos_keytab_path", &k)?,
        )),
        None => out.push(("sasl.kerberos.min.time.before.relogin".into(), "0".into())),
    }
    Ok(())
}

fn credentials(
    var: &VarLookup<'_>,
    listener: &Listener,
    sasl: Sasl,
    mechanism: &'static str,
    out: &mut Vec<(String, String)>,
) -> Result<(), ClientConfigError> {
    let mut user = match var("kafka_client_sasl_username")? {
        Some(v) => Some(text("kafka_client_sasl_username", &v)?),
        None => None,
    };
    let mut password = match var("kafka_client_sasl_password")? {
        Some(v) => Some(text("kafka_client_sasl_password", &v)?),
        None => None,
    };
    if user.is_none()
        && let Some(Value::Map(users)) = var(sasl.users_var())?
        && let Some(Value::Map(admin)) = users.get(&Key::from("admin"))
    {
        let field = |k: &str| {
            admin
                .get(&Key::from(k))
                .and_then(|v| v.as_str().map(String::from))
        };
        user = field("principal");
        password = password.or_else(|| field("password"));
    }
    match (user, password) {
        (Some(u), Some(p)) => {
            out.push(("sasl.username".into(), u));
            out.push(("sasl.password".into(), p));
            Ok(())
        }
        _ => Err(ClientConfigError::MissingSaslCredentials {
            listener: listener.key.clone(),
            mechanism,
            users: sasl.users_var(),
        }),
    }
}

/// librdkafka properties from a dict variable: every value as librdkafka's string form.
pub fn property_map(var: &str, v: &Value) -> Result<Vec<(String, String)>, ClientConfigError> {
    let Value::Map(m) = v else {
        return Err(wrong(var, "a dict of librdkafka properties", v));
    };
    let mut out = Vec::new();
    for (k, value) in m {
        let key = k
            .as_str()
            .ok_or_else(|| wrong(var, "a dict with string keys", v))?;
        let value = match value {
            Value::Str(s) | Value::Unsafe(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            other => crate::output::python_repr::python_str(other),
        };
        out.push((key.to_string(), value));
    }
    Ok(out)
}

fn text(var: &str, v: &Value) -> Result<String, ClientConfigError> {
    match v {
        Value::Str(s) | Value::Unsafe(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        other => Err(wrong(var, "a string", other)),
    }
}

/// Ansible's boolean conversion of a variable (`true`, `"yes"`, `1`...).
fn truthy(v: &Value) -> Option<bool> {
    crate::modules::args::to_bool(v)
}

fn wrong(var: &str, expected: &'static str, found: &Value) -> ClientConfigError {
    ClientConfigError::WrongType {
        var: var.to_string(),
        expected,
        found: found.python_type_name().to_string(),
    }
}

#[cfg(test)]
#[path = "cp_ansible_tests.rs"]
mod tests;
