# The lab's dnf world (like apt.sh for apt): a local file:// rpm repository of tiny noarch
# packages, and per-host rpm and dnf state. host/init binds the host's own directories over
# /etc/rpm (a macro file setting the rpm database to /var/lib/rpm: Debian's rpm otherwise
# keeps it in ~/.rpmdb), /var/lib/rpm, /etc/dnf, /etc/yum.repos.d (only the lab's
# repository, gpgcheck off), /var/lib/dnf and /var/cache/dnf; /var/log is the host's already.
# So a host's dnf installs only into its own rpm database and its own /srv.

rpm_repo_dir() { printf '%s/rpm-repo' "$lab_dir"; }

# Builds one package: NAME VERSION [REQUIRES]. Its only file is /srv/lab-rpm/NAME.
rpm_package() {
  local name="$1" version="$2" requires="${3:-}" top
  top="$(mktemp -d "$lab_dir/rpm-build.XXXXXX")"
  mkdir -p "$top/SPECS"
  {
    echo "Name: $name"
    echo "Version: $version"
    echo "Release: 1"
    echo "Summary: lab package $name"
    echo "License: MIT"
    echo "BuildArch: noarch"
    [ -n "$requires" ] && echo "Requires: $requires"
    echo "%description"
    echo "Installs /srv/lab-rpm/$name and nothing else."
    echo "%install"
    echo "mkdir -p %{buildroot}/srv/lab-rpm"
    echo "echo '$name $version' >%{buildroot}/srv/lab-rpm/$name"
    echo "%files"
    echo "%attr(0644,root,root) /srv/lab-rpm/$name"
  } >"$top/SPECS/$name.spec"
  # Reproducible (build time and host), and no rpm database of the jumphost's touched.
  SOURCE_DATE_EPOCH=946684800 HOME="$top" rpmbuild --quiet -bb \
    --define "_topdir $top" --define "_dbpath $top/db" --define "_buildhost lab.test" \
    --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
    --define "_rpmdir $(rpm_repo_dir)" \
    --define "_build_name_fmt %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm" \
    "$top/SPECS/$name.spec" >/dev/null
  rm -rf "$top"
}

# The repository: lab-rpm-tool 1.0 and 1.1 (an upgrade to find), lab-rpm-extra 1.0 which
# requires lab-rpm-lib (a dependency dnf installs with it).
rpm_repo_build() {
  local d; d="$(rpm_repo_dir)"
  mkdir -p "$d"
  rpm_package lab-rpm-tool 1.0
  rpm_package lab-rpm-tool 1.1
  rpm_package lab-rpm-lib 1.0
  rpm_package lab-rpm-extra 1.0 lab-rpm-lib
  createrepo_c -q "$d"
}

# A host's rpm and dnf directories: an empty rpm database, dnf.conf and the lab's repository.
rpm_host_files() { # HOST_DIR
  local d="$1/rpm"
  mkdir -p "$d"/{etc-rpm,db,etc-dnf/vars,etc-dnf/protected.d,repos,lib-dnf,cache-dnf}
  echo '%_dbpath /var/lib/rpm' >"$d/etc-rpm/macros"
  HOME="$d" rpm --initdb --dbpath "$d/db"
  cat >"$d/etc-dnf/dnf.conf" <<CONF
[main]
gpgcheck=False
installonly_limit=3
clean_requirements_on_remove=True
best=False
skip_if_unavailable=False
reposdir=/etc/yum.repos.d
CONF
  echo lab >"$d/etc-dnf/vars/releasever"
  cat >"$d/repos/lab.repo" <<CONF
[lab]
name=lab
baseurl=file://$(rpm_repo_dir)
gpgcheck=0
enabled=1
CONF
}
