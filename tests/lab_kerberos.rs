//! Issue 7: Kerberos principals and keytabs on the lab (real MIT kadmind/krb5kdc, real
//! hosts over SSH), with roller's bundled playbooks/kerberos.yml driven by the lab's
//! cp-ansible inventory. One lab, several phases:
//!
//! 1. `roller keytab provision --check` on a fresh lab: would-create for every principal
//!    and keytab; the KDC's principals and the hosts' keytab directories are untouched.
//! 2. Provision: every principal and keytab; `kinit -k -t` works as cp-kafka on every host.
//! 3. Second run: changed=0, kvnos and keytab files (inode, mtime) unchanged.
//! 4. A key rotated at the KDC behind roller's back: kinit fails, `roller keytab doctor`
//!    names the kvno mismatch and the error the broker would show, roller replaces the
//!    keytab; kinit works again.
//! 5. Wrong owner and mode (root 0600): the doctor names the unreadable keytab; roller
//!    fixes it in place, the content not rewritten (same inode, mtime).
//! 6. `kerberos_rotate=true`: every principal gets new keys once, every keytab follows.
//! 7. A refused kadmin query (exit code 0) fails the task with kadmin's message.
//! 8. kadmin authenticated with the admin's password (from a vars file, never argv).
//!
//! Needs root (the lab); skips without it.

mod lab_support;
mod support;

use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::time::Instant;

use lab_support::{Lab, kadmin, kadmin_stdin, lab_dir, running_as_root};
use serde_json::Value as Json;
use support::{repo_root, roller_bin};

const HOSTS: [&str; 3] = ["broker1.lab.test", "broker2.lab.test", "broker3.lab.test"];
const KEYTAB: &str = "/etc/security/keytabs/kafka_broker.keytab";

fn principal(host: &str) -> String {
    format!("kafka/{host}@LAB.TEST")
}

fn principals() -> Vec<String> {
    let mut p: Vec<String> = kadmin("listprincs")
        .lines()
        .filter(|l| !l.starts_with("Authenticating"))
        .map(str::to_string)
        .collect();
    p.sort();
    p
}

/// The KDC's kvno of PRINCIPAL (getprinc -terse field 9).
fn kvno(principal: &str) -> u32 {
    let out = kadmin(&format!("getprinc -terse {principal}"));
    let line = out
        .lines()
        .find(|l| l.starts_with('"'))
        .expect("terse line");
    line.split('\t').nth(8).unwrap().parse().unwrap()
}

struct Run {
    out: Output,
    stdout: String,
    took: f64,
}

impl Run {
    /// The recap's changed count per host.
    fn changed(&self) -> BTreeMap<String, u32> {
        self.stdout
            .lines()
            .filter(|l| l.contains(" : ok="))
            .map(|l| {
                let host = l.split_whitespace().next().unwrap().to_string();
                let n = l
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("changed="))
                    .unwrap()
                    .parse()
                    .unwrap();
                (host, n)
            })
            .collect()
    }

    /// `-v` results of the task named TASK, per host.
    fn results(&self, task: &str) -> BTreeMap<String, Json> {
        let mut in_task = false;
        let mut r = BTreeMap::new();
        for line in self.stdout.lines() {
            if line.starts_with("TASK [") {
                in_task = line.contains(task);
                continue;
            }
            if !in_task {
                continue;
            }
            if let Some((head, json)) = line.split_once(" => {") {
                let host = head
                    .split_once('[')
                    .and_then(|(_, h)| h.split_once(']'))
                    .map(|(h, _)| h.to_string())
                    .unwrap();
                r.insert(host, serde_json::from_str(&format!("{{{json}")).unwrap());
            }
        }
        r
    }
}

fn roller(args: &[&str]) -> Run {
    let start = Instant::now();
    let out = Command::new(roller_bin())
        .args([
            "playbook",
            "-i",
            "inventories/lab/hosts.yml",
            "playbooks/kerberos.yml",
        ])
        .args(args)
        .current_dir(repo_root())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let took = start.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Run { out, stdout, took }
}

/// `roller keytab doctor -i INV HOSTS...`.
fn doctor(hosts: &[&str]) -> Run {
    let mut args = vec!["doctor", "-i", "inventories/lab/hosts.yml"];
    args.extend_from_slice(hosts);
    keytab_cli(&args)
}

/// `roller keytab ARGS...` (the bundled playbooks from inside the binary).
fn keytab_cli(args: &[&str]) -> Run {
    let start = Instant::now();
    let out = Command::new(roller_bin())
        .arg("keytab")
        .args(args)
        .current_dir(repo_root())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let took = start.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Run { out, stdout, took }
}

fn assert_ok(run: &Run) {
    assert!(
        run.out.status.success(),
        "roller failed:\n{}\n{}",
        run.stdout,
        String::from_utf8_lossy(&run.out.stderr)
    );
}

/// kinit with the host's keytab as the service user, credentials in memory.
fn kinit(lab: &Lab, host: &str) -> Output {
    lab.ssh(
        host,
        &format!(
            "sudo -u cp-kafka env KRB5CCNAME=MEMORY:t kinit -k -t {KEYTAB} {}",
            principal(host)
        ),
    )
}

/// `inode mtime(ns) owner group mode` of the keytab, or "missing".
fn keytab_stat(lab: &Lab, host: &str) -> String {
    lab.ssh_ok(
        host,
        &format!("stat -c '%i %.9Y %U %G %a' {KEYTAB} 2>/dev/null || echo missing"),
    )
}

/// The files in the host's keytab directory (no temporary files may stay behind).
fn keytab_dir(lab: &Lab, host: &str) -> String {
    lab.ssh_ok(host, "ls -A /etc/security/keytabs")
}

/// roller's private directories on the controller (exports, credential caches): none may
/// outlive a run.
fn private_dirs() -> Vec<String> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("roller-krb5."))
        .collect()
}

#[test]
fn kerberos_provisioning_on_the_lab() {
    if !running_as_root("kerberos_provisioning_on_the_lab") {
        return;
    }
    let mut lab = Lab::up(&["--no-kafka"]);
    let phases = Instant::now();

    // 1. --check on a fresh lab: everything would be created, nothing is.
    let before = principals();
    let check = keytab_cli(&[
        "provision",
        "-i",
        "inventories/lab/hosts.yml",
        "--check",
        "--diff",
    ]);
    assert_ok(&check);
    eprintln!("--check on a fresh lab: {:.2}s", check.took);
    for h in HOSTS {
        assert!(
            check
                .stdout
                .contains(&format!("would create principal {}", principal(h))),
            "{}",
            check.stdout
        );
        assert!(
            check
                .stdout
                .contains(&format!("would write {h}:{KEYTAB} (missing)")),
            "{}",
            check.stdout
        );
        assert_eq!(check.changed()[h], 2, "{}", check.stdout);
        assert_eq!(keytab_stat(&lab, h), "missing");
        assert_eq!(keytab_dir(&lab, h), "");
    }
    assert_eq!(principals(), before, "--check changed the KDC");

    // 2. Provision.
    let first = roller(&["-v"]);
    assert_ok(&first);
    eprintln!("provisioning 3 brokers: {:.2}s", first.took);
    let keytabs = first.results("Keytab of");
    for h in HOSTS {
        assert_eq!(first.changed()[h], 2, "{}", first.stdout);
        assert_eq!(keytabs[h]["verified"], true, "{}", keytabs[h]);
        assert_eq!(keytabs[h]["reasons"], serde_json::json!(["missing"]));
        assert_eq!(
            keytab_stat(&lab, h).split(' ').skip(2).collect::<Vec<_>>(),
            ["cp-kafka", "confluent", "640"]
        );
        let k = kinit(&lab, h);
        assert!(
            k.status.success(),
            "{h}: kinit: {}",
            String::from_utf8_lossy(&k.stderr)
        );
    }
    for h in HOSTS {
        assert_eq!(keytab_dir(&lab, h), "kafka_broker.keytab");
    }
    assert_eq!(private_dirs(), Vec::<String>::new());
    // The doctor finds nothing wrong.
    let healthy = doctor(&[]);
    assert_ok(&healthy);
    eprintln!("keytab doctor, 3 healthy brokers: {:.2}s", healthy.took);
    // No key material in roller's output.
    assert!(!first.stdout.contains("0x"), "{}", first.stdout);

    // 3. A second run changes nothing: same kvnos, same files.
    let kvnos: Vec<u32> = HOSTS.iter().map(|h| kvno(&principal(h))).collect();
    let stats: Vec<String> = HOSTS.iter().map(|h| keytab_stat(&lab, h)).collect();
    let second = roller(&[]);
    assert_ok(&second);
    eprintln!("second run (nothing to do): {:.2}s", second.took);
    for h in HOSTS {
        assert_eq!(second.changed()[h], 0, "{}", second.stdout);
    }
    assert_eq!(
        HOSTS
            .iter()
            .map(|h| kvno(&principal(h)))
            .collect::<Vec<_>>(),
        kvnos
    );
    assert_eq!(
        HOSTS
            .iter()
            .map(|h| keytab_stat(&lab, h))
            .collect::<Vec<_>>(),
        stats
    );

    // 4. broker1's key rotated at the KDC behind roller's back: its keytab is stale.
    kadmin(&format!("cpw -randkey {}", principal(HOSTS[0])));
    let stale = kinit(&lab, HOSTS[0]);
    assert!(!stale.status.success(), "kinit with a stale keytab worked");
    // The doctor names the cause and the error the broker would show.
    let diagnosis = doctor(&[HOSTS[0]]);
    assert!(!diagnosis.out.status.success(), "{}", diagnosis.stdout);
    let line = format!("kvno: keytab kvno {}, KDC kvno {}", kvnos[0], kvnos[0] + 1);
    assert!(diagnosis.stdout.contains(&line), "{}", diagnosis.stdout);
    assert!(
        diagnosis
            .stdout
            .contains("Specified version of key is not available (44)"),
        "{}",
        diagnosis.stdout
    );
    assert!(
        diagnosis.stdout.contains("1 of 9 checks failed"),
        "{}",
        diagnosis.stdout
    );
    let preview = roller(&["--check", "-l", HOSTS[0]]);
    assert_ok(&preview);
    let want = format!("kvno {} vs KDC {}", kvnos[0], kvnos[0] + 1);
    assert!(
        preview
            .stdout
            .contains(&format!("would replace {}:{KEYTAB} ({want})", HOSTS[0])),
        "{}",
        preview.stdout
    );
    let fix = roller(&["-v"]);
    assert_ok(&fix);
    let keytabs = fix.results("Keytab of");
    assert_eq!(fix.changed()[HOSTS[0]], 1, "{}", fix.stdout);
    assert_eq!(keytabs[HOSTS[0]]["reasons"], serde_json::json!([want]));
    assert_eq!(keytabs[HOSTS[0]]["verified"], true);
    for h in &HOSTS[1..] {
        assert_eq!(fix.changed()[*h], 0, "{}", fix.stdout);
    }
    assert!(kinit(&lab, HOSTS[0]).status.success());

    // 5. Wrong owner and mode on broker2: fixed without rewriting the keytab.
    lab.ssh_ok(
        HOSTS[1],
        &format!("chown root:root {KEYTAB} && chmod 600 {KEYTAB}"),
    );
    let broken = keytab_stat(&lab, HOSTS[1]);
    // The doctor: cp-kafka cannot read it, and what the broker would say.
    let diagnosis = doctor(&[HOSTS[1]]);
    assert!(!diagnosis.out.status.success(), "{}", diagnosis.stdout);
    assert!(
        diagnosis.stdout.contains(&format!(
            "keytab_readable: {KEYTAB} not readable by cp-kafka -> the service would show: \
             javax.security.auth.login.LoginException: Unable to obtain password from user"
        )),
        "{}",
        diagnosis.stdout
    );
    let attrs = roller(&["-v", "-l", HOSTS[1]]);
    assert_ok(&attrs);
    let r = &attrs.results("Keytab of")[HOSTS[1]];
    assert_eq!(r["content_written"], false, "{r}");
    assert_eq!(
        r["reasons"],
        serde_json::json!([
            "owner root vs cp-kafka",
            "group root vs confluent",
            "mode 0600 vs 0640"
        ])
    );
    let fixed = keytab_stat(&lab, HOSTS[1]);
    let (b, f): (Vec<&str>, Vec<&str>) = (broken.split(' ').collect(), fixed.split(' ').collect());
    assert_eq!(
        b[..2],
        f[..2],
        "inode and mtime must stay: {broken} -> {fixed}"
    );
    assert_eq!(f[2..], ["cp-kafka", "confluent", "640"]);
    assert!(kinit(&lab, HOSTS[1]).status.success());

    // 6. Rotation on request: new keys for every principal, every keytab updated, kinit
    //    works; the next run changes nothing.
    let kvnos: Vec<u32> = HOSTS.iter().map(|h| kvno(&principal(h))).collect();
    let rotation = roller(&["-v", "-e", "kerberos_rotate=true"]);
    assert_ok(&rotation);
    eprintln!("rotating 3 principals: {:.2}s", rotation.took);
    let keytabs = rotation.results("Keytab of");
    for (i, h) in HOSTS.iter().enumerate() {
        assert_eq!(rotation.changed()[*h], 1, "{}", rotation.stdout);
        assert_eq!(keytabs[*h]["rotated"], true, "{}", keytabs[*h]);
        assert_eq!(kvno(&principal(h)), kvnos[i] + 1);
        assert!(kinit(&lab, h).status.success(), "{h}: kinit after rotation");
    }
    let after = roller(&[]);
    assert_ok(&after);
    for h in HOSTS {
        assert_eq!(after.changed()[h], 0, "{}", after.stdout);
    }

    // 7. kadmin exits 0 when a query is refused: roller reads its stderr instead. An admin
    //    principal without privileges (not in kadm5.acl) asks for a principal.
    let scratch = support::TempDir::new("kerberos-nopriv");
    let nopriv_keytab = scratch.path().join("nopriv.keytab");
    kadmin("addprinc -randkey nopriv@LAB.TEST");
    kadmin(&format!(
        "ktadd -k {} nopriv@LAB.TEST",
        nopriv_keytab.display()
    ));
    let kdc = lab_dir().join("kdc");
    let raw = Command::new("kadmin")
        .env("KRB5_CONFIG", kdc.join("krb5.conf"))
        .args(["-p", "nopriv@LAB.TEST", "-k", "-t"])
        .arg(&nopriv_keytab)
        .args(["-s", "127.0.0.1:17749", "-q"])
        .arg(format!("getprinc {}", principal(HOSTS[0])))
        .output()
        .unwrap();
    assert!(raw.status.success(), "kadmin's exit code changed");
    assert!(String::from_utf8_lossy(&raw.stderr).contains("privilege"));
    let playbook = scratch.path().join("nopriv.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: broker1.lab.test\n  gather_facts: false\n  tasks:\n    - name: Unprivileged\n\
             \x20     krb5_principal:\n        name: {}\n        kadmin_principal: nopriv@LAB.TEST\n\
             \x20       kadmin_keytab: {}\n",
            principal(HOSTS[0]),
            nopriv_keytab.display()
        ),
    )
    .unwrap();
    let refused = Command::new(roller_bin())
        .args(["playbook", "-i", "inventories/lab/hosts.yml"])
        .arg(&playbook)
        .current_dir(repo_root())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&refused.stdout);
    assert!(!refused.status.success(), "{stdout}");
    assert!(
        stdout.contains("kadmin refused: get_principal: Operation requires ``get'' privilege"),
        "{stdout}"
    );

    // 8. kadmin with the admin's password instead of a keytab (kinit with the password on
    //    stdin, then kadmin -c): the password is given in a vars file, never in argv.
    //    Last: the admin's keytab is stale afterwards.
    let password: String = std::fs::read("/proc/sys/kernel/random/uuid")
        .map(|b| String::from_utf8_lossy(&b).trim().replace('-', ""))
        .unwrap();
    kadmin_stdin(
        "cpw lab/admin@LAB.TEST",
        &format!("{password}\n{password}\n"),
    );
    let scratch = support::TempDir::new("kerberos-password");
    let vars = scratch.path().join("vars.yml");
    let playbook = scratch.path().join("password.yml");
    std::fs::write(
        &playbook,
        "- hosts: broker1.lab.test\n  gather_facts: false\n  tasks:\n    - name: With a password\n\
         \x20     krb5_principal:\n        name: kafka/extra.lab.test\n\
         \x20       state: \"{{ state }}\"\n        kadmin_password: \"{{ admin_password }}\"\n",
    )
    .unwrap();
    let with_password = |pw: &str, state: &str| {
        std::fs::write(&vars, format!("admin_password: \"{pw}\"\nstate: {state}\n")).unwrap();
        let out = Command::new(roller_bin())
            .args(["playbook", "-i", "inventories/lab/hosts.yml", "-v"])
            .arg(&playbook)
            .arg("-e")
            .arg(format!("@{}", vars.display()))
            .current_dir(repo_root())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!stdout.contains(pw), "the password was printed: {stdout}");
        Run {
            out,
            stdout,
            took: 0.0,
        }
    };
    let created = with_password(&password, "present");
    assert_ok(&created);
    let r = &created.results("With a password")["broker1.lab.test"];
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(r["kvno"], 1, "{r}");
    let again = with_password(&password, "present");
    assert_ok(&again);
    assert_eq!(again.changed()["broker1.lab.test"], 0);
    // state: absent deletes it (read back: gone), once.
    let deleted = with_password(&password, "absent");
    assert_ok(&deleted);
    assert_eq!(
        deleted.changed()["broker1.lab.test"],
        1,
        "{}",
        deleted.stdout
    );
    let gone = with_password(&password, "absent");
    assert_ok(&gone);
    assert_eq!(gone.changed()["broker1.lab.test"], 0, "{}", gone.stdout);
    let wrong = with_password("not-the-password", "present");
    assert!(!wrong.out.status.success());
    assert!(
        wrong
            .stdout
            .contains("kinit for the admin principal failed: kinit: Password incorrect"),
        "{}",
        wrong.stdout
    );

    assert_eq!(private_dirs(), Vec::<String>::new());
    eprintln!(
        "lab up {:.1}s, all phases {:.1}s",
        lab.up_took.as_secs_f64(),
        phases.elapsed().as_secs_f64()
    );
    assert_eq!(lab.down(), "", "lab leftovers");
}
