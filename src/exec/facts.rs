//! `gather_facts`: a small fact set read with plain shell (no Python on the target).

use crate::connection::{Command, Connection};
use crate::vars::{Key, Map, Value};

const SCRIPT: &str = r#"
echo "hostname=$(hostname -s 2>/dev/null || hostname)"
echo "fqdn=$(hostname -f 2>/dev/null || hostname)"
echo "nodename=$(uname -n)"
echo "system=$(uname -s)"
echo "kernel=$(uname -r)"
echo "architecture=$(uname -m)"
echo "boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)"
echo "user_id=$(id -un)"
echo "user_uid=$(id -u)"
echo "user_dir=$HOME"
if [ -r /etc/os-release ]; then . /etc/os-release; echo "os_id=$ID"; echo "os_like=$ID_LIKE"; echo "os_name=$NAME"; echo "os_version=$VERSION_ID"; echo "os_codename=$VERSION_CODENAME"; fi
ip -4 route get 198.18.0.1 2>/dev/null | sed -n 's/.* dev \([^ ]*\).* src \([^ ]*\).*/ipv4_iface=\1\nipv4_address=\2/p'
"#;

pub(crate) fn family(id: &str, like: &str) -> &'static str {
    let any = |names: &[&str]| {
        names
            .iter()
            .any(|n| id == *n || like.split_whitespace().any(|l| l == *n))
    };
    if any(&["debian", "ubuntu"]) {
        "Debian"
    } else if any(&["rhel", "fedora", "centos", "rocky", "almalinux"]) {
        "RedHat"
    } else if any(&["sles", "suse", "opensuse"]) {
        "Suse"
    } else {
        "Linux"
    }
}

fn distribution(id: &str) -> String {
    match id {
        "rhel" => "RedHat".into(),
        "sles" => "SLES".into(),
        "centos" => "CentOS".into(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

/// Gather facts; keys without the `ansible_` prefix, as in `ansible_facts`.
pub async fn gather(conn: &dyn Connection) -> Result<Map, String> {
    let out = conn
        .run(&Command::new(format!(
            "{SCRIPT}\n{}",
            crate::modules::pkg_mgr::probe_script()
        )))
        .await
        .map_err(|e| e.to_string())?;
    let text = out.stdout_text();
    let raw: std::collections::HashMap<&str, &str> =
        text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| raw.get(k).copied().unwrap_or("").to_string();
    let mut f = Map::new();
    let mut put = |k: &str, v: Value| {
        f.insert(Key::from(k), v);
    };
    put("hostname", Value::Str(get("hostname")));
    put("fqdn", Value::Str(get("fqdn")));
    put("nodename", Value::Str(get("nodename")));
    put("system", Value::Str(get("system")));
    put("kernel", Value::Str(get("kernel")));
    put("architecture", Value::Str(get("architecture")));
    put("machine", Value::Str(get("architecture")));
    put("user_id", Value::Str(get("user_id")));
    put(
        "user_uid",
        Value::Int(get("user_uid").parse().unwrap_or(-1)),
    );
    put("user_dir", Value::Str(get("user_dir")));
    let id = get("os_id");
    let os_family = family(&id, &get("os_like"));
    put("os_family", Value::Str(os_family.into()));
    let fields: std::collections::HashMap<String, String> = raw
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    put(
        "pkg_mgr",
        Value::Str(crate::modules::pkg_mgr::decide(&fields, os_family)),
    );
    put("distribution", Value::Str(distribution(&id)));
    let version = get("os_version");
    put("distribution_version", Value::Str(version.clone()));
    put(
        "distribution_major_version",
        Value::Str(version.split('.').next().unwrap_or("").to_string()),
    );
    put("distribution_release", Value::Str(get("os_codename")));
    let boot_id = get("boot_id");
    if !boot_id.is_empty() {
        put("boot_id", Value::Str(boot_id));
    }
    let mut ipv4 = Map::new();
    if !get("ipv4_address").is_empty() {
        ipv4.insert("address".into(), Value::Str(get("ipv4_address")));
        ipv4.insert("interface".into(), Value::Str(get("ipv4_iface")));
    }
    put("default_ipv4", Value::Map(ipv4));
    put("gather_subset", Value::List(vec![Value::Str("all".into())]));
    put("service_mgr", Value::Str("systemd".into()));
    Ok(f)
}
