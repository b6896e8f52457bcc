//! The lab's hosts are real enough for roller: separate machines (hostname, boot_id, files)
//! reached over strict SSH, systemctl with unit-file semantics, reboots that take the host
//! down and bring it back, an inventory that ansible-playbook uses unchanged, and a KDC.
//! These tests need root and skip without it.

mod lab_support;

use lab_support::{Lab, repo_root, run_lab, running_as_root};
use std::collections::HashSet;
use std::process::Command;
use std::time::Duration;

const BROKERS: [&str; 3] = ["broker1.lab.test", "broker2.lab.test", "broker3.lab.test"];

fn install_lab_prerequisites() {
    let status = Command::new(repo_root().join("tests/lab/setup"))
        .status()
        .expect("run tests/lab/setup");
    assert!(status.success(), "tests/lab/setup failed");
}

#[test]
fn hosts_are_separate_machines_behind_strict_ssh() {
    if !running_as_root("hosts_are_separate_machines_behind_strict_ssh") {
        return;
    }
    install_lab_prerequisites();
    let mut lab = Lab::up(&["--no-kafka"]);
    eprintln!("lab up (3 hosts, KDC) took {:?}", lab.up_took);
    assert!(
        lab.up_took < Duration::from_secs(10),
        "lab up took {:?}",
        lab.up_took
    );

    let jumphost_boot_id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let mut boot_ids = HashSet::new();
    for host in BROKERS {
        assert_eq!(lab.ssh_ok(host, "hostname"), host);
        let boot_id = lab.ssh_ok(host, "cat /proc/sys/kernel/random/boot_id");
        assert_eq!(boot_id, lab.boot_id(host));
        assert_ne!(boot_id, jumphost_boot_id.trim());
        boot_ids.insert(boot_id);
        assert_eq!(
            lab.ssh_ok(host, "ip -4 -o addr show dev eth0 | awk '{print $4}'"),
            format!("{}/24", lab.addr(host))
        );
    }
    assert_eq!(boot_ids.len(), 3, "each host has its own boot_id");

    // Host key checking stays on: without the lab's known_hosts the host is refused.
    let unknown = Command::new("ssh")
        .args(["-i", ".lab/ssh/id_ed25519", "-o", "BatchMode=yes"])
        .args([
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
        ])
        .args(["-o", "StrictHostKeyChecking=yes"])
        .arg(format!("root@{}", lab.addr(BROKERS[0])))
        .arg("true")
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Host key verification failed"));

    // Keytabs, unit files and state are per host.
    lab.ssh_ok(BROKERS[0], "echo one > /etc/security/keytabs/marker");
    assert_eq!(lab.ssh_ok(BROKERS[1], "ls /etc/security/keytabs"), "");
    assert!(!std::path::Path::new("/etc/security/keytabs/marker").exists());
    assert_eq!(
        std::fs::read_to_string(lab.host_dir(BROKERS[0]).join("keytabs/marker")).unwrap(),
        "one\n"
    );

    // systemctl is docker-systemctl-replacement on real unit files.
    let host = BROKERS[1];
    assert_eq!(
        lab.ssh_ok(host, "systemctl is-active confluent-server"),
        "active"
    );
    assert_eq!(
        lab.ssh_ok(host, "systemctl is-enabled confluent-server"),
        "enabled"
    );
    lab.ssh_ok(host, "systemctl stop confluent-server");
    let stopped = lab.ssh(host, "systemctl is-active confluent-server");
    assert!(!stopped.status.success());
    assert_eq!(String::from_utf8_lossy(&stopped.stdout).trim(), "inactive");
    lab.ssh_ok(
        host,
        "systemctl daemon-reload && systemctl start confluent-server",
    );
    assert_eq!(
        lab.ssh_ok(host, "systemctl show -p ActiveState confluent-server"),
        "ActiveState=active"
    );

    // The OS update commands record their runs in the host's state directory.
    lab.ssh_ok(host, "/sbin/huk-server-update --batch --force --no-reboot");
    lab.ssh_ok(host, "/usr/local/sbin/os-update");
    let updates = std::fs::read_to_string(lab.host_dir(host).join("state/os-updates.log")).unwrap();
    assert_eq!(updates.lines().count(), 2, "{updates}");
    assert!(
        updates.contains("huk-server-update") && updates.contains("--batch --force --no-reboot")
    );

    assert_eq!(lab.down(), "", "lab down left things behind");
}

#[test]
fn reboot_ends_every_process_and_returns_with_a_new_boot_id() {
    if !running_as_root("reboot_ends_every_process_and_returns_with_a_new_boot_id") {
        return;
    }
    let mut lab = Lab::up(&["--no-kafka", "--hosts", "1", "--outage", "2"]);
    let host = BROKERS[0];
    let old_boot_id = lab.boot_id(host);
    // A process that nothing but the end of the host would stop.
    lab.ssh_ok(host, "setsid -f sleep 1000 </dev/null >/dev/null 2>&1");
    assert_eq!(lab.ssh_ok(host, "pgrep -c -fx 'sleep 1000' || true"), "1");

    lab.ssh_ok(host, "shutdown -r now 'lab test'");
    let unreachable = lab_support::wait_until(Duration::from_secs(5), || {
        !lab.ssh(host, "true").status.success()
    });
    assert!(unreachable, "host did not go down");
    let back = lab_support::wait_until(Duration::from_secs(20), || {
        lab.ssh(host, "true").status.success()
    });
    assert!(back, "host did not come back");

    let new_boot_id = lab.ssh_ok(host, "cat /proc/sys/kernel/random/boot_id");
    assert_ne!(new_boot_id, old_boot_id);
    assert_eq!(lab.ssh_ok(host, "hostname"), host);
    assert_eq!(lab.ssh_ok(host, "pgrep -c -fx 'sleep 1000' || true"), "0");
    // Enabled units start alongside sshd, as with systemd.
    assert!(lab_support::wait_until(Duration::from_secs(10), || {
        lab.ssh(host, "systemctl is-active confluent-server")
            .status
            .success()
    }));

    let events = lab.events(host);
    let down = events.iter().find(|e| e.1 == "down").expect("a down event");
    let boot = events.iter().rfind(|e| e.1 == "boot").unwrap();
    assert_eq!(down.2, "reboot");
    assert!(
        boot.0 - down.0 >= 2000,
        "outage shorter than configured: {events:?}"
    );

    assert_eq!(lab.down(), "", "lab down left things behind");
}

#[test]
fn inventory_serves_ansible_for_brokers_and_controllers() {
    if !running_as_root("inventory_serves_ansible_for_brokers_and_controllers") {
        return;
    }
    let mut lab = Lab::up(&["--no-kafka", "--controllers"]);
    let out = Command::new(repo_root().join(".venv/bin/ansible"))
        .args([
            "-i",
            "inventories/lab/hosts.yml",
            "all",
            "-m",
            "ansible.builtin.command",
        ])
        .args(["-a", "hostname", "-o"])
        .current_dir(repo_root())
        .output()
        .expect("run ansible");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for host in BROKERS.iter().copied().chain([
        "controller1.lab.test",
        "controller2.lab.test",
        "controller3.lab.test",
    ]) {
        assert!(
            stdout.contains(&format!("{host} | CHANGED | rc=0 | (stdout) {host}")),
            "{stdout}"
        );
    }
    let graph = Command::new(repo_root().join(".venv/bin/ansible-inventory"))
        .args(["-i", "inventories/lab/hosts.yml", "--graph"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    let graph = String::from_utf8_lossy(&graph.stdout);
    assert!(
        graph.contains("@kafka_controller:") && graph.contains("@kafka_broker:"),
        "{graph}"
    );
    assert_eq!(
        lab.ssh_ok(
            "controller2.lab.test",
            "systemctl is-active confluent-kcontroller"
        ),
        "active"
    );
    assert_eq!(lab.down(), "", "lab down left things behind");
}

#[test]
fn kdc_issues_tickets_and_extracts_keys_for_lab_hosts() {
    if !running_as_root("kdc_issues_tickets_and_extracts_keys_for_lab_hosts") {
        return;
    }
    let mut lab = Lab::up(&["--no-kafka", "--hosts", "1"]);
    let kdc = lab_support::lab_dir().join("kdc");
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &str| std::fs::metadata(kdc.join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("."), 0o700, "the KDC directory holds secrets");
    assert_eq!(mode("admin.keytab"), 0o600);

    let host = BROKERS[0];
    let keytab = lab.host_dir(host).join("keytabs/kafka_broker.keytab");
    let kadmin = |query: &str| {
        let out = Command::new("kadmin")
            .env("KRB5_CONFIG", kdc.join("krb5.conf"))
            .args(["-p", "lab/admin@LAB.TEST", "-k", "-t"])
            .arg(kdc.join("admin.keytab"))
            .args(["-q", query])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kadmin {query}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    kadmin("addprinc -randkey kafka/broker1.lab.test");
    // Remote extraction without changing the keys needs the `e` privilege.
    kadmin(&format!(
        "ktadd -norandkey -k {} kafka/broker1.lab.test",
        keytab.display()
    ));
    assert!(
        kadmin("getprinc kafka/broker1.lab.test")
            .contains("Principal: kafka/broker1.lab.test@LAB.TEST")
    );

    // The host reaches the KDC over the lab network with its own krb5.conf.
    let klist = lab.ssh_ok(
        host,
        "export KRB5CCNAME=FILE:/tmp/lab-kdc-test.cc; \
         kinit -kt /etc/security/keytabs/kafka_broker.keytab kafka/broker1.lab.test && klist && kdestroy",
    );
    assert!(klist.contains("krbtgt/LAB.TEST@LAB.TEST"), "{klist}");
    assert!(
        lab.ssh_ok(host, "cat /etc/krb5.conf")
            .contains("kdc = 198.18.0.1:")
    );

    assert_eq!(lab.down(), "", "lab down left things behind");
}

#[test]
fn lab_down_is_idempotent() {
    if !running_as_root("lab_down_is_idempotent") {
        return;
    }
    let mut running = Lab::up(&["--no-kafka", "--no-kdc", "--hosts", "1"]);
    assert_eq!(running.down(), "");
    // Still under the lab lock: a second down finds nothing to do and breaks nothing.
    run_lab(&["down"]);
    assert_eq!(String::from_utf8_lossy(&run_lab(&["leftovers"]).stdout), "");
}
