//! Kerberos for roller's Kafka client, as far as the lab's Kafka allows: with a Kerberos
//! listener in the inventory and the jumphost's principal and keytab, librdkafka (built
//! with Cyrus SASL/GSSAPI) gets a ticket from the lab's real MIT KDC with roller's derived
//! configuration. The SASL handshake itself cannot happen: librdkafka's mock cluster has
//! no SASL, so the health check fails there (docs/kafka.md).

mod lab_support;
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use lab_support::{Lab, lab_dir, running_as_root};
use support::{TempDir, repo_root, roller_bin};

const PRINCIPAL: &str = "roller/jumphost@LAB.TEST";

fn kadmin(query: &str) {
    let kdc = lab_dir().join("kdc");
    let out = Command::new("kadmin")
        .env("KRB5_CONFIG", kdc.join("krb5.conf"))
        .args(["-p", "lab/admin@LAB.TEST", "-k", "-t"])
        .arg(kdc.join("admin.keytab"))
        .args(["-q", query])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !err.contains("error"),
        "{query}: {err}"
    );
}

/// kafka_health with Kerberos on the internal listener; the run's stdout.
fn health(scratch: &Path, keytab: &Path, cache: &Path) -> String {
    let playbook = scratch.join("health.yml");
    std::fs::write(
        &playbook,
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - kafka_health: {}\n",
    )
    .unwrap();
    let out = Command::new(roller_bin())
        .args(["playbook", "-i", "inventories/lab/hosts.yml"])
        .arg(&playbook)
        .args([
            "-e",
            &format!("kafka_client_kerberos_principal={PRINCIPAL}"),
        ])
        .args([
            "-e",
            &format!("kafka_client_kerberos_keytab_path={}", keytab.display()),
        ])
        .args([
            "-e",
            r#"{"kafka_broker_custom_listeners": {"internal": {"sasl_protocol": "kerberos"}}}"#,
        ])
        .env("KRB5_CONFIG", lab_dir().join("kdc/krb5.conf"))
        .env("KRB5CCNAME", format!("FILE:{}", cache.display()))
        .current_dir(repo_root())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tickets(cache: &Path) -> String {
    let out = Command::new("klist")
        .arg("-c")
        .arg(cache)
        .env("KRB5_CONFIG", lab_dir().join("kdc/krb5.conf"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_kafka_client_gets_a_kerberos_ticket_with_the_jumphost_keytab() {
    if !running_as_root("the_kafka_client_gets_a_kerberos_ticket_with_the_jumphost_keytab") {
        return;
    }
    let mut lab = Lab::up(&[]);
    let scratch = TempDir::new("kafka-gssapi");
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let keytab = scratch.path().join("roller.keytab");
    kadmin(&format!("addprinc -randkey {PRINCIPAL}"));
    kadmin(&format!("ktadd -k {} {PRINCIPAL}", keytab.display()));

    // A keytab that does not exist: no ticket.
    let missing = scratch.path().join("missing.keytab");
    let cache = scratch.path().join("cc-missing");
    let out = health(scratch.path(), &missing, &cache);
    assert!(out.contains("cannot read the cluster's metadata"), "{out}");
    assert!(!tickets(&cache).contains("krbtgt/LAB.TEST@LAB.TEST"));

    // The jumphost's keytab: librdkafka ran kinit with roller's settings and holds a TGT;
    // only the SASL handshake with the mock fails.
    let cache = scratch.path().join("cc");
    let out = health(scratch.path(), &keytab, &cache);
    assert!(out.contains("cannot read the cluster's metadata"), "{out}");
    let t = tickets(&cache);
    assert!(
        t.contains(&format!("Default principal: {PRINCIPAL}")),
        "{t}"
    );
    assert!(t.contains("krbtgt/LAB.TEST@LAB.TEST"), "{t}");
    assert_eq!(lab.down(), "", "lab down left things behind");
}
