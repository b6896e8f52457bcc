# The lab's apt world: a local file:// repository of tiny packages, and per-host apt/dpkg
# state. A host's apt-get sees only the lab's repository and changes only the host's own
# files (see host/init): its /var/lib/dpkg is an overlay over the machine's (the host has
# everything the machine has installed, changes go to the host's upper directory), and
# /etc/apt, /var/lib/apt and /var/cache/apt are the host's own directories.

apt_repo_dir() { printf '%s/apt-repo' "$lab_dir"; }

# Builds one package: NAME VERSION [DEPENDS]. Its only file is /srv/lab-pkg/NAME, so that an
# install touches nothing outside the host's /srv.
apt_package() {
  local name="$1" version="$2" depends="${3:-}" tree
  tree="$(mktemp -d "$lab_dir/apt-build.XXXXXX")"
  mkdir -p "$tree/DEBIAN" "$tree/srv/lab-pkg"
  {
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: all"
    echo "Maintainer: roller lab <lab@lab.test>"
    [ -n "$depends" ] && echo "Depends: $depends"
    echo "Section: misc"
    echo "Priority: optional"
    echo "Description: lab package $name"
    echo " Installs /srv/lab-pkg/$name and nothing else."
  } >"$tree/DEBIAN/control"
  echo "$name $version" >"$tree/srv/lab-pkg/$name"
  chmod -R go-w "$tree"
  # Reproducible: the same bytes (and sizes in apt's output) in every lab.
  find "$tree" -exec touch -h -d @946684800 {} +
  SOURCE_DATE_EPOCH=946684800 dpkg-deb --root-owner-group -Zgzip --build "$tree" "$(apt_repo_dir)/${name}_${version}_all.deb" >/dev/null
  rm -rf "$tree"
}

# The repository: lab-tool 1.0 and 1.1 (an upgrade to find), lab-extra 1.0 which depends on
# lab-lib (an automatically installed dependency for autoremove).
apt_repo_build() {
  local d; d="$(apt_repo_dir)"
  mkdir -p "$d"
  apt_package lab-tool 1.0
  apt_package lab-tool 1.1
  apt_package lab-lib 1.0
  apt_package lab-extra 1.0 lab-lib
  (cd "$d" && dpkg-scanpackages --multiversion . 2>/dev/null >Packages)
}

# A host's apt directories: sources naming only the lab's repository, no configuration from
# the machine's /etc/apt, empty lists and caches, and the dpkg overlay's directories.
apt_host_files() { # HOST_DIR
  local d="$1/apt"
  mkdir -p "$d"/etc/{apt.conf.d,preferences.d,sources.list.d,trusted.gpg.d,keyrings,auth.conf.d} \
    "$d"/lib/lists/partial "$d"/lib/periodic "$d"/cache/archives/partial \
    "$1"/dpkg-upper "$1"/dpkg-work "$1"/var-log/apt
  echo "deb [trusted=yes] file:$(apt_repo_dir) ./" >"$d/etc/sources.list.d/lab.list"
  # An old cache: the first update changes its time whatever the second it runs in.
  touch -d 2000-01-01 "$d/lib/lists"
}
