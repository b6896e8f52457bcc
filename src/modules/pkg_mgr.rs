//! The `pkg_mgr` fact, found as Ansible's `PkgMgrFactCollector` finds it: the last of its
//! known package-manager paths that exists, then the OS family's default (RedHat: dnf or
//! dnf5 from what `/usr/bin/dnf` is; Debian: apt), and APT-RPM told apart from APT.

use std::collections::HashMap;

/// Ansible's list, in its order (a later match wins).
const PKG_MGRS: &[(&str, &str)] = &[
    ("/usr/bin/rpm-ostree", "atomic_container"),
    ("/usr/bin/yum", "dnf"),
    ("/usr/bin/dnf-3", "dnf"),
    ("/usr/bin/dnf5", "dnf5"),
    ("/usr/bin/apt-get", "apt"),
    ("/usr/bin/zypper", "zypper"),
    ("/usr/sbin/urpmi", "urpmi"),
    ("/usr/bin/pacman", "pacman"),
    ("/bin/opkg", "opkg"),
    ("/usr/pkg/bin/pkgin", "pkgin"),
    ("/opt/local/bin/pkgin", "pkgin"),
    ("/opt/tools/bin/pkgin", "pkgin"),
    ("/opt/local/bin/port", "macports"),
    ("/usr/local/bin/brew", "homebrew"),
    ("/opt/homebrew/bin/brew", "homebrew"),
    ("/sbin/apk", "apk"),
    ("/usr/sbin/pkg", "pkgng"),
    ("/usr/sbin/swlist", "swdepot"),
    ("/usr/bin/emerge", "portage"),
    ("/usr/sbin/pkgadd", "svr4pkg"),
    ("/usr/bin/pkg", "pkg5"),
    ("/usr/bin/xbps-install", "xbps"),
    ("/usr/local/sbin/pkg", "pkgng"),
    ("/usr/bin/swupd", "swupd"),
    ("/usr/sbin/sorcery", "sorcery"),
    ("/usr/bin/installp", "installp"),
];

/// A shell snippet printing `pkg_mgr_*=` lines for `decide`.
pub fn probe_script() -> String {
    let mut s = String::from("pm=unknown; ");
    for (path, name) in PKG_MGRS {
        s.push_str(&format!("[ -e {path} ] && pm={name}; "));
    }
    s.push_str(
        "echo \"pkg_mgr_found=$pm\"; \
         [ -e /run/ostree-booted ] && echo pkg_mgr_ostree=1; \
         for b in /usr/bin/dnf /usr/bin/microdnf; do if [ -e $b ]; then \
         echo \"pkg_mgr_dnf=$(readlink -f $b)\"; break; fi; done; \
         if [ -e /usr/bin/rpm ] && /usr/bin/rpm -q --whatprovides /usr/bin/apt-get >/dev/null 2>&1; \
         then echo pkg_mgr_apt_rpm=1; fi; ",
    );
    s
}

/// The fact from the probe's fields and the OS family (`Debian`, `RedHat`, `Altlinux`...).
pub fn decide(fields: &HashMap<String, String>, os_family: &str) -> String {
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let mut name = match get("pkg_mgr_found") {
        "" => "unknown".to_string(),
        n => n.to_string(),
    };
    match os_family {
        "RedHat" => {
            name = if get("pkg_mgr_ostree") == "1" {
                "atomic_container".into()
            } else {
                match get("pkg_mgr_dnf") {
                    "" => "unknown".into(),
                    "/usr/bin/dnf5" => "dnf5".into(),
                    _ => "dnf".into(),
                }
            }
        }
        "Debian" if name != "apt" => name = "apt".into(),
        "Altlinux" if name == "apt" => name = "apt_rpm".into(),
        _ => {}
    }
    if name == "apt" && get("pkg_mgr_apt_rpm") == "1" {
        name = "apt_rpm".into();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn families_decide() {
        assert_eq!(decide(&f(&[("pkg_mgr_found", "apt")]), "Debian"), "apt");
        assert_eq!(decide(&f(&[("pkg_mgr_found", "zypper")]), "Debian"), "apt");
        assert_eq!(
            decide(
                &f(&[("pkg_mgr_found", "dnf"), ("pkg_mgr_dnf", "/usr/bin/dnf-3")]),
                "RedHat"
            ),
            "dnf"
        );
        assert_eq!(
            decide(
                &f(&[("pkg_mgr_found", "dnf5"), ("pkg_mgr_dnf", "/usr/bin/dnf5")]),
                "RedHat"
            ),
            "dnf5"
        );
        assert_eq!(decide(&f(&[("pkg_mgr_found", "dnf")]), "RedHat"), "unknown");
        assert_eq!(decide(&f(&[("pkg_mgr_found", "zypper")]), "Suse"), "zypper");
    }
}
