//! Each fault of the lab is observable from the jumphost, ends when healed or when its time
//! is up, and leaves nothing behind after `lab down`. These tests need root and skip without.

mod lab_support;

use lab_support::{Lab, lab_command, run_lab, running_as_root, wait_until};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

const HOST: &str = "broker1.lab.test";

/// Time to open a TCP connection to the host's sshd: one round trip. None when it fails.
fn connect_time(lab: &Lab, host: &str) -> Option<Duration> {
    let addr: SocketAddr = format!("{}:22", lab.addr(host)).parse().unwrap();
    let started = Instant::now();
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    Some(started.elapsed())
}

/// Runs COMMAND inside the host's namespaces without SSH (works while SSH does not).
fn on_host(host: &str, command: &str) -> String {
    let out = lab_command(&["exec", host, "sh", "-c", command])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn delay_adds_latency_to_each_round_trip() {
    if !running_as_root("delay_adds_latency_to_each_round_trip") {
        return;
    }
    let mut lab = Lab::up(&["--no-kafka", "--no-kdc", "--hosts", "2"]);
    let before = connect_time(&lab, HOST).expect("host reachable");
    assert!(before < Duration::from_millis(100), "{before:?}");

    run_lab(&["delay", HOST, "200ms"]);
    let delayed = connect_time(&lab, HOST).expect("host reachable");
    assert!(
        delayed >= Duration::from_millis(200) && delayed < Duration::from_millis(1000),
        "{delayed:?}"
    );
    let other = connect_time(&lab, "broker2.lab.test").unwrap();
    assert!(
        other < Duration::from_millis(100),
        "only {HOST} is delayed: {other:?}"
    );
    assert_eq!(lab.ssh_ok(HOST, "hostname"), HOST, "SSH works, slowly");

    run_lab(&["heal", HOST, "delay"]);
    let healed = connect_time(&lab, HOST).unwrap();
    assert!(healed < Duration::from_millis(100), "{healed:?}");

    // A fault ends by itself when its time is up.
    run_lab(&["delay", HOST, "300ms", "--for", "1"]);
    assert!(connect_time(&lab, HOST).unwrap() >= Duration::from_millis(300));
    assert!(wait_until(Duration::from_secs(5), || {
        connect_time(&lab, HOST).unwrap() < Duration::from_millis(100)
    }));

    // `lab down` undoes a fault that is still on.
    run_lab(&["delay", HOST, "200ms"]);
    assert_eq!(lab.down(), "", "lab down left things behind");
}

#[test]
fn cut_host_is_unreachable_but_running_until_healed() {
    if !running_as_root("cut_host_is_unreachable_but_running_until_healed") {
        return;
    }
    let mut lab = Lab::up(&["--no-kafka", "--no-kdc", "--hosts", "1"]);
    let boot_id = lab.boot_id(HOST);
    run_lab(&["cut", HOST]);
    assert_eq!(connect_time(&lab, HOST), None, "a cut host answers nothing");
    assert!(!lab.ssh(HOST, "true").status.success());
    // The host itself keeps running behind the cut.
    assert_eq!(
        on_host(HOST, "cat /proc/sys/kernel/random/boot_id"),
        boot_id
    );
    assert_eq!(
        on_host(HOST, "systemctl is-active confluent-server"),
        "active"
    );

    run_lab(&["heal", HOST]);
    assert!(wait_until(Duration::from_secs(5), || connect_time(
        &lab, HOST
    )
    .is_some()));
    assert_eq!(
        lab.ssh_ok(HOST, "cat /proc/sys/kernel/random/boot_id"),
        boot_id
    );

    run_lab(&["cut", HOST]);
    assert_eq!(lab.down(), "", "lab down left things behind");
}

#[test]
fn killed_sshd_stays_dead_for_the_fault_time() {
    if !running_as_root("killed_sshd_stays_dead_for_the_fault_time") {
        return;
    }
    let mut lab = Lab::up(&["--no-kafka", "--no-kdc", "--hosts", "1"]);
    let boot_id = lab.boot_id(HOST);
    run_lab(&["kill-sshd", HOST, "--for", "3"]);
    let killed_at = Instant::now();
    let refused = lab.ssh(HOST, "true");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Connection refused"));
    assert_eq!(on_host(HOST, "pgrep -c -x sshd || true"), "0");
    assert_eq!(
        on_host(HOST, "systemctl is-active confluent-server"),
        "active"
    );

    assert!(wait_until(Duration::from_secs(10), || lab
        .ssh(HOST, "true")
        .status
        .success()));
    assert!(
        killed_at.elapsed() >= Duration::from_secs(2),
        "sshd came back too early"
    );
    assert_eq!(
        lab.ssh_ok(HOST, "cat /proc/sys/kernel/random/boot_id"),
        boot_id,
        "no reboot"
    );

    run_lab(&["kill-sshd", HOST]);
    assert_eq!(lab.down(), "", "lab down left things behind");
}

#[test]
fn hung_reboot_never_returns_until_healed() {
    if !running_as_root("hung_reboot_never_returns_until_healed") {
        return;
    }
    let mut lab = Lab::up(&["--no-kafka", "--no-kdc", "--hosts", "1", "--outage", "1"]);
    let boot_id = lab.boot_id(HOST);
    run_lab(&["hang-reboot", HOST]);
    lab.ssh_ok(HOST, "shutdown -r now");
    // Five times the outage, and still down.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(connect_time(&lab, HOST), None);
    let status = String::from_utf8_lossy(&run_lab(&["status"]).stdout).into_owned();
    assert!(
        status.contains(HOST) && status.contains(" down "),
        "{status}"
    );
    assert!(lab.events(HOST).iter().any(|e| e.1 == "hang"));

    run_lab(&["heal", HOST, "hang-reboot"]);
    assert!(wait_until(Duration::from_secs(15), || lab
        .ssh(HOST, "true")
        .status
        .success()));
    assert_ne!(
        lab.ssh_ok(HOST, "cat /proc/sys/kernel/random/boot_id"),
        boot_id
    );

    // Left on at `lab down`: the next reboot hangs, and down ends the dark host too.
    run_lab(&["hang-reboot", HOST]);
    lab.ssh_ok(HOST, "reboot");
    assert!(wait_until(Duration::from_secs(5), || connect_time(
        &lab, HOST
    )
    .is_none()));
    assert_eq!(lab.down(), "", "lab down left things behind");
}
