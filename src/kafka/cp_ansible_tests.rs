use std::collections::HashMap;

use super::*;
use crate::kafka::config::MASK;
use crate::yaml::loader::load_yaml;

/// An inventory's variables, the same for every host, plus per-host extras.
struct Vars {
    hosts: Vec<String>,
    all: Map,
    per_host: HashMap<String, Map>,
}

impl Vars {
    fn new(yaml: &str) -> Vars {
        let all = match load_yaml(yaml).unwrap().value {
            Some(Value::Map(m)) => m,
            None => Map::new(),
            other => panic!("not a map: {other:?}"),
        };
        Vars {
            hosts: vec!["b1.example.com".into(), "b2.example.com".into()],
            all,
            per_host: HashMap::new(),
        }
    }
}

impl InventoryVars for Vars {
    fn broker_hosts(&self) -> Result<Vec<String>, ClientConfigError> {
        Ok(self.hosts.clone())
    }
    fn host_var(&self, host: &str, name: &str) -> Result<Option<Value>, ClientConfigError> {
        let key = Key::from(name);
        Ok(self
            .per_host
            .get(host)
            .and_then(|m| m.get(&key))
            .or_else(|| self.all.get(&key))
            .cloned())
    }
}

fn derive(yaml: &str) -> Result<ClientSettings, ClientConfigError> {
    client_settings(&Vars::new(yaml), &Overrides::default())
}

fn props(s: &ClientSettings) -> Vec<(String, String)> {
    s.redacted()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn plain_inventory_is_plaintext_on_the_internal_listener() {
    let s = derive("").unwrap();
    assert_eq!(
        s.bootstrap_servers,
        "b1.example.com:9092,b2.example.com:9092"
    );
    assert_eq!(s.listener.as_deref(), Some("internal"));
    assert_eq!(props(&s), pairs(&[("security.protocol", "PLAINTEXT")]));
}

#[test]
fn kerberos_with_tls_is_sasl_ssl_gssapi_with_the_brokers_service_name() {
    let s = derive(
        "ssl_enabled: true\nssl_custom_certs: true\nssl_ca_cert_filepath: /certs/ca.crt\n\
         sasl_protocol: kerberos\n\
         kafka_broker_kerberos_principal: kafkasvc/b1.example.com@EXAMPLE.COM\n",
    )
    .unwrap();
    assert_eq!(
        props(&s),
        pairs(&[
            ("security.protocol", "SASL_SSL"),
            ("ssl.ca.location", "/certs/ca.crt"),
            ("sasl.mechanisms", "GSSAPI"),
            ("sasl.kerberos.service.name", "kafkasvc"),
            // No keytab: the operator's ticket cache, librdkafka runs no kinit.
            ("sasl.kerberos.min.time.before.relogin", "0"),
        ])
    );
}

#[test]
fn the_jumphost_keytab_and_principal_are_used_when_set() {
    let s = derive(
        "sasl_protocol: kerberos\n\
         kafka_client_kerberos_principal: roller/jump.example.com@EXAMPLE.COM\n\
         kafka_client_kerberos_keytab_path: /etc/roller/roller.keytab\n",
    )
    .unwrap();
    assert_eq!(
        props(&s),
        pairs(&[
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanisms", "GSSAPI"),
            ("sasl.kerberos.service.name", "kafka"),
            (
                "sasl.kerberos.principal",
                "roller/jump.example.com@EXAMPLE.COM"
            ),
            ("sasl.kerberos.keytab", "/etc/roller/roller.keytab"),
        ])
    );
}

#[test]
fn a_custom_listener_overrides_the_global_settings_and_the_port() {
    let yaml = "sasl_protocol: kerberos\nssl_enabled: true\n\
                kafka_broker_custom_listeners:\n  internal:\n    sasl_protocol: none\n    ssl_enabled: false\n\
                \x20 client:\n    name: CLIENT\n    port: 9093\n";
    let s = derive(yaml).unwrap();
    assert_eq!(props(&s), pairs(&[("security.protocol", "PLAINTEXT")]));
    let client = client_settings(
        &Vars::new(yaml),
        &Overrides {
            listener: Some("client".into()),
            ..Overrides::default()
        },
    )
    .unwrap();
    assert_eq!(
        client.bootstrap_servers,
        "b1.example.com:9093,b2.example.com:9093"
    );
    assert_eq!(client.property("security.protocol"), Some("SASL_SSL"));
}

#[test]
fn an_unknown_listener_names_the_known_ones() {
    let err =
        derive("kafka_broker_configure_multiple_listeners: false\nkafka_client_listener: broker\n")
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "listener 'broker' is not among the kafka_broker listeners (internal); set \
         kafka_client_listener to one of them"
    );
}

#[test]
fn scram_uses_the_admin_user_of_the_inventory_and_masks_its_password() {
    let s = derive(
        "sasl_protocol: scram\nsasl_scram_users:\n  admin:\n    principal: kafka-admin\n    password: s3cret\n",
    )
    .unwrap();
    assert_eq!(s.property("sasl.password"), Some("s3cret"));
    assert_eq!(
        props(&s),
        pairs(&[
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanisms", "SCRAM-SHA-512"),
            ("sasl.username", "kafka-admin"),
            ("sasl.password", MASK),
        ])
    );
}

#[test]
fn sasl_without_credentials_says_what_to_set() {
    let err = derive("sasl_protocol: plain\n").unwrap_err();
    assert!(matches!(
        err,
        ClientConfigError::MissingSaslCredentials {
            mechanism: "PLAIN",
            ..
        }
    ));
    assert!(err.to_string().contains("kafka_client_sasl_username"));
}

#[test]
fn mutual_tls_needs_a_client_certificate() {
    let err = derive("ssl_enabled: true\nssl_mutual_auth_enabled: true\n").unwrap_err();
    assert_eq!(
        err,
        ClientConfigError::MissingClientCertificate {
            listener: "internal".into()
        }
    );
    let s = derive(
        "ssl_enabled: true\nssl_mutual_auth_enabled: true\n\
         kafka_client_ssl_certificate_location: /j/c.pem\nkafka_client_ssl_key_location: /j/k.pem\n\
         kafka_client_ssl_key_password: pw\n",
    )
    .unwrap();
    assert_eq!(
        props(&s),
        pairs(&[
            ("security.protocol", "SSL"),
            ("ssl.certificate.location", "/j/c.pem"),
            ("ssl.key.location", "/j/k.pem"),
            ("ssl.key.password", MASK),
        ])
    );
}

#[test]
fn hostname_aliasing_uses_the_hostname_variable() {
    let mut vars = Vars::new("hostname_aliasing_enabled: true\n");
    let mut b1 = Map::new();
    b1.insert(Key::from("hostname"), Value::Str("kafka-1.internal".into()));
    vars.per_host.insert("b1.example.com".into(), b1);
    let mut b2 = Map::new();
    b2.insert(Key::from("ansible_host"), Value::Str("10.0.0.2".into()));
    vars.per_host.insert("b2.example.com".into(), b2);
    let s = client_settings(&vars, &Overrides::default()).unwrap();
    assert_eq!(s.bootstrap_servers, "kafka-1.internal:9092,10.0.0.2:9092");
}

#[test]
fn pass_through_properties_come_last_and_module_config_wins() {
    let vars = Vars::new(
        "kafka_bootstrap_servers: k:1\nkafka_client_config:\n  security.protocol: SSL\n  socket.timeout.ms: 2000\n",
    );
    let s = client_settings(
        &vars,
        &Overrides {
            properties: pairs(&[("socket.timeout.ms", "3000")]),
            ..Overrides::default()
        },
    )
    .unwrap();
    assert_eq!(s.bootstrap_servers, "k:1");
    assert_eq!(
        props(&s),
        pairs(&[("security.protocol", "SSL"), ("socket.timeout.ms", "3000")])
    );
}

#[test]
fn unsupported_mechanisms_and_wrong_types_are_errors_not_guesses() {
    assert_eq!(
        derive("sasl_protocol: oauth\n").unwrap_err(),
        ClientConfigError::UnsupportedSasl {
            listener: "internal".into(),
            protocol: "oauth".into()
        }
    );
    // Under RBAC the internal listener takes tokens; the broker listener is still usable.
    let rbac = "rbac_enabled: true\nsasl_protocol: kerberos\n";
    assert!(matches!(
        derive(rbac).unwrap_err(),
        ClientConfigError::UnsupportedSasl { .. }
    ));
    let broker = derive(&format!("{rbac}kafka_client_listener: broker\n")).unwrap();
    assert_eq!(broker.property("sasl.mechanisms"), Some("GSSAPI"));
    assert_eq!(
        broker.bootstrap_servers,
        "b1.example.com:9091,b2.example.com:9091"
    );
    assert!(matches!(
        derive("ssl_enabled: maybe\n").unwrap_err(),
        ClientConfigError::WrongType { .. }
    ));
    let no_hosts = Vars {
        hosts: vec![],
        all: Map::new(),
        per_host: HashMap::new(),
    };
    assert_eq!(
        client_settings(&no_hosts, &Overrides::default()).unwrap_err(),
        ClientConfigError::NoBrokers
    );
}
