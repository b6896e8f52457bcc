//! The Kafka client configuration roller derives from real cp-ansible inventories (the
//! corpus in ../shared), through a playbook as an operator would run it: the
//! `kafka_client_config` module on localhost. And librdkafka, as roller links it, accepts
//! the derived GSSAPI and SSL configurations (built with SASL/GSSAPI and OpenSSL).

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::{TempDir, repo_root, roller_bin};

fn corpus(name: &str) -> String {
    repo_root()
        .join("../shared/corpus/cp-ansible/inventories")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

const PLAYBOOK: &str = "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
    \x20   - kafka_client_config: {}\n      register: client\n\
    \x20   - debug:\n        msg: \"{{ client | to_json }}\"\n";

/// Runs the playbook; the registered result as JSON, or the failure's output.
fn derive(scratch: &Path, inventory: &str, extra: &[&str]) -> Result<Value, String> {
    let playbook = scratch.join("client.yml");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let mut cmd = Command::new(roller_bin());
    cmd.args(["playbook", "-i", inventory])
        .arg(&playbook)
        .current_dir(scratch);
    for e in extra {
        cmd.args(["-e", e]);
    }
    let out = cmd.output().expect("run roller");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)));
    }
    let line = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"msg\": "))
        .ok_or_else(|| format!("no msg in:\n{stdout}"))?;
    let text: String = serde_json::from_str(line).map_err(|e| format!("{e}: {line}"))?;
    let mut v: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    v.as_object_mut().unwrap().remove("failed");
    Ok(v)
}

#[test]
fn a_kerberos_inventory_gives_sasl_gssapi_to_the_brokers_service() {
    let scratch = TempDir::new("kafka-client-krb");
    let got = derive(scratch.path(), &corpus("kerberos_kraft.yml"), &[]).unwrap();
    assert_eq!(
        got,
        json!({
            "changed": false,
            "bootstrap_servers": "ec2-35-91-214-11.us-west-2.compute.amazonaws.com:9092,\
                ec2-54-71-228-219.us-west-2.compute.amazonaws.com:9092,\
                ec2-54-218-9-145.us-west-2.compute.amazonaws.com:9092",
            "listener": "internal",
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "GSSAPI",
            "config": {
                "security.protocol": "SASL_PLAINTEXT",
                "sasl.mechanisms": "GSSAPI",
                "sasl.kerberos.service.name": "kafka",
                "sasl.kerberos.min.time.before.relogin": "0",
            },
        })
    );
    // With the jumphost's own principal and keytab (variables, here extra vars).
    let got = derive(
        scratch.path(),
        &corpus("kerberos_kraft.yml"),
        &[
            "kafka_client_kerberos_principal=roller/jump.example.com@confluent.example.com",
            "kafka_client_kerberos_keytab_path=/etc/security/keytabs/roller.keytab",
        ],
    )
    .unwrap();
    assert_eq!(
        got["config"],
        json!({
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": "GSSAPI",
            "sasl.kerberos.service.name": "kafka",
            "sasl.kerberos.principal": "roller/jump.example.com@confluent.example.com",
            "sasl.kerberos.keytab": "/etc/security/keytabs/roller.keytab",
        })
    );
}

#[test]
fn kerberos_with_custom_certificates_under_rbac_uses_a_listener_roller_can_use() {
    let scratch = TempDir::new("kafka-client-rbac");
    let inventory = corpus("rbac_kerberos_custom_certs_example.yml");
    // RBAC: the internal listener takes OAuth tokens; the error says what to set.
    let err = derive(scratch.path(), &inventory, &[]).unwrap_err();
    assert!(
        err.contains("the internal listener uses sasl_protocol 'OAUTH'")
            && err.contains("set kafka_client_listener"),
        "{err}"
    );
    // The inventory's custom `client` listener (port 9093, TLS and Kerberos).
    let got = derive(
        scratch.path(),
        &inventory,
        &["kafka_client_listener=client"],
    )
    .unwrap();
    assert_eq!(got["listener"], "client");
    assert_eq!(
        got["bootstrap_servers"],
        "ip-10-0-0-38.eu-west-2.compute.internal:9093,\
         ip-10-0-0-160.eu-west-2.compute.internal:9093,\
         ip-10-0-0-136.eu-west-2.compute.internal:9093"
    );
    assert_eq!(
        got["config"],
        json!({
            "security.protocol": "SASL_SSL",
            "ssl.ca.location":
                "/home/ec2-user/repos/tools/generated_ssl_files/confluent-root-certificate.crt",
            "sasl.mechanisms": "GSSAPI",
            "sasl.kerberos.service.name": "kafka",
            "sasl.kerberos.min.time.before.relogin": "0",
        })
    );
}

#[test]
fn scram_inventories_use_the_admin_user_and_never_show_its_password() {
    let scratch = TempDir::new("kafka-client-scram");
    let got = derive(
        scratch.path(),
        &corpus("controller_broker_scram_kraft.yml"),
        &[
            "kafka_client_sasl_username=roller",
            "kafka_client_sasl_password=do-not-print-me",
        ],
    );
    let got = got.unwrap();
    let text = got.to_string();
    assert!(!text.contains("do-not-print-me"), "{text}");
    assert_eq!(got["config"]["sasl.password"], "********");
    assert_eq!(got["config"]["sasl.username"], "roller");
}

#[test]
fn every_corpus_inventory_gives_a_configuration_or_says_what_to_set() {
    let scratch = TempDir::new("kafka-client-corpus");
    let root = repo_root().join("../shared/corpus/cp-ansible/inventories");
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("cp-7.9.x")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 30, "corpus too small: {}", files.len());
    let mut derived = 0;
    for f in &files {
        match derive(scratch.path(), &f.to_string_lossy(), &[]) {
            Ok(v) => {
                derived += 1;
                let protocol = v["security_protocol"].as_str().unwrap_or_default();
                assert!(
                    ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"].contains(&protocol),
                    "{}: {v}",
                    f.display()
                );
            }
            Err(out) => assert!(
                out.contains("kafka_client_") || out.contains("kafka_bootstrap_servers"),
                "{}: the error does not say what to set:\n{out}",
                f.display()
            ),
        }
    }
    // The others use RBAC token listeners, mTLS or SASL users the samples leave unset, or
    // have no brokers: each error above says which variable to set.
    assert!(derived >= 10, "only {derived} of {} derived", files.len());
}

/// librdkafka as roller links it accepts the derived configurations: with GSSAPI and SSL
/// the health check fails only because nothing answers (a closed loopback port), not
/// because the client lacks SASL/GSSAPI or OpenSSL.
#[test]
fn librdkafka_is_built_with_gssapi_and_ssl() {
    let scratch = TempDir::new("kafka-client-build");
    let playbook = scratch.path().join("health.yml");
    std::fs::write(
        &playbook,
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - kafka_health:\n        \
         bootstrap_servers: 127.0.0.1:9\n        config:\n          socket.timeout.ms: 500\n",
    )
    .unwrap();
    for extra in [
        "ssl_enabled=false",
        "ssl_enabled=true kafka_client_ssl_ca_location=/etc/ssl/certs/ca-certificates.crt",
    ] {
        let mut cmd = Command::new(roller_bin());
        cmd.args(["playbook", "-i", &corpus("kerberos_kraft.yml")])
            .arg(&playbook)
            .current_dir(scratch.path());
        for e in extra.split(' ') {
            cmd.args(["-e", e]);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{stdout}");
        assert!(
            stdout.contains("cannot read the cluster's metadata from 127.0.0.1:9"),
            "{extra}: {stdout}"
        );
    }
}
