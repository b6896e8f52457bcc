# Lab hosts: their files, their network (a netns with a veth on the lab bridge), and the
# supervisors that boot them.

# Prints "FQDN SHORT_ID ADDRESS GROUP" for each host of a lab with N brokers (1..100) and an
# optional second group (zookeeper or kafka_controller) of three hosts. Brokers 1..9 are at
# .11-.19 and brokers 10..100 at .40-.130, so the second group keeps .21-.23 at any size.
broker_addr() { # I
  if [ "$1" -le 9 ]; then echo "$lab_net_prefix.$((10 + $1))"; else echo "$lab_net_prefix.$((30 + $1))"; fi
}
# Broker N's broker.id: N, except for the broker chosen with `lab up --active-controller`,
# which gets id 0, the id librdkafka's mock always names as the active controller.
broker_id_of() { # N
  if [ "$(lab_setting active-controller "")" = "$1" ]; then echo 0; else echo "$1"; fi
}

hosts_plan() { # N [zookeeper|kafka_controller]
  local i
  for i in $(seq "$1"); do
    echo "broker$i.$lab_domain b$i $(broker_addr "$i") kafka_broker"
  done
  case "${2:-}" in
    zookeeper) for i in 1 2 3; do echo "zookeeper$i.$lab_domain z$i $lab_net_prefix.$((20 + i)) zookeeper"; done ;;
    kafka_controller) for i in 1 2 3; do echo "controller$i.$lab_domain c$i $lab_net_prefix.$((20 + i)) kafka_controller"; done ;;
  esac
}

net_up() {
  ip link add "$lab_bridge" type bridge
  ip addr add "$lab_gateway/24" dev "$lab_bridge"
  ip link set "$lab_bridge" up
}

host_net_up() { # FQDN
  local d ns addr; d="$(host_dir "$1")"; ns="$(cat "$d/netns")"; addr="$(cat "$d/addr")"
  ip netns add "$ns"
  ip link add "$ns" type veth peer name eth0 netns "$ns"
  ip link set "$ns" master "$lab_bridge" up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
}

# Unit file of a Confluent service on a lab host: real unit-file semantics, run by
# docker-systemctl-replacement; the process only stands in for the Java service.
write_unit() { # NAME FILE
  cat >"$2" <<UNIT
[Unit]
Description=Lab stand-in for $1
After=network.target

[Service]
Type=simple
Environment=LAB_DIR=$lab_dir
ExecStart=$lab_tools/host/service $1
TimeoutStopSec=10

[Install]
WantedBy=multi-user.target
UNIT
}

host_files() { # FQDN SHORT ADDRESS GROUP
  local d; d="$(host_dir "$1")"
  mkdir -p "$d"/{etc-systemd-system/multi-user.target.wants,keytabs,var-log,state,faults,srv,tmp}
  chmod 1777 "$d/tmp"
  apt_host_files "$d"
  rpm_host_files "$d"
  echo "$1" >"$d/fqdn"
  echo "rlab-$2" >"$d/netns"
  echo "$3" >"$d/addr"
  echo "$4" >"$d/group"
  local unit
  case "$4" in
    kafka_broker) unit=confluent-server; broker_id_of "${2#b}" >"$d/broker_id" ;;
    zookeeper) unit=confluent-zookeeper ;;
    kafka_controller) unit=confluent-kcontroller ;;
  esac
  write_unit "$unit" "$d/etc-systemd-system/$unit.service"
  host_accounts "$d"
  ln -s "../$unit.service" "$d/etc-systemd-system/multi-user.target.wants/$unit.service"
  ssh-keygen -q -t ed25519 -N '' -C "root@$1" -f "$d/ssh_host_ed25519_key"
  cat >"$d/sshd_config" <<CONF
ListenAddress $3
Port 22
HostKey $d/ssh_host_ed25519_key
PidFile /run/sshd.pid
AuthorizedKeysFile $lab_dir/ssh/authorized_keys .ssh/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 100:30:200
MaxSessions 100
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
}

# Accounts for privilege escalation tests (tests/lab_become.rs): the login user `labop`
# (the lab's SSH key, sudo with a password, NOPASSWD only as `nobody`) and a root password
# for su. Random per lab, in .lab/accounts/ (mode 600): ansible-playbook and roller are
# given them like any other secret.
lab_user=labop
lab_uid=4242
service_user=cp-kafka
service_group=confluent
service_uid=4300
accounts_secrets() {
  local a="$lab_dir/accounts"
  mkdir -p "$a" && chmod 700 "$a"
  (umask 077
    head -c 12 /dev/urandom | base64 | tr -d '/+=' >"$a/$lab_user.password"
    head -c 12 /dev/urandom | base64 | tr -d '/+=' >"$a/root.password")
}

# A host's own /etc/passwd, shadow, group and sudoers.d (bind-mounted by host/init), so the
# jumphost's accounts never change. The user's home is in the host's state directory.
host_accounts() { # HOST_DIR
  local d="$1" a="$lab_dir/accounts" e="$1/etc" hash_user hash_root
  mkdir -p "$e/sudoers.d" "$d/state/home/.ssh"
  # sshd reads a user's keys as that user: the lab's key, where labop can read it.
  cp "$lab_dir/ssh/id_ed25519.pub" "$d/state/home/.ssh/authorized_keys"
  chown -R "$lab_uid:$lab_uid" "$d/state/home"
  hash_user="$(openssl passwd -6 -stdin <"$a/$lab_user.password")"
  hash_root="$(openssl passwd -6 -stdin <"$a/root.password")"
  cp /etc/passwd /etc/group "$e/"
  (umask 077; cp /etc/shadow "$e/shadow")
  echo "$lab_user:x:$lab_uid:$lab_uid:lab operator:/var/lib/lab/home:/bin/sh" >>"$e/passwd"
  echo "$lab_user:x:$lab_uid:" >>"$e/group"
  echo "$lab_user:$hash_user:19000:0:99999:7:::" >>"$e/shadow"
  # cp-ansible's service account and group (kafka_broker_user, kafka_broker_group): the
  # owner of the keytabs (tests/lab_kerberos.rs), without a login.
  echo "$service_user:x:$service_uid:$service_uid:Confluent services:/nonexistent:/usr/sbin/nologin" >>"$e/passwd"
  echo "$service_group:x:$service_uid:" >>"$e/group"
  echo "$service_user:!:19000:0:99999:7:::" >>"$e/shadow"
  sed -i "s|^root:[^:]*:|root:$hash_root:|" "$e/shadow"
  chmod 640 "$e/shadow"
  chgrp shadow "$e/shadow" 2>/dev/null || true
  cp -a /etc/sudoers.d/. "$e/sudoers.d/"
  # No lecture: it would be recorded in /var/lib/sudo, which the hosts share.
  printf '%s\n' "Defaults:$lab_user lecture=never" "$lab_user ALL=(ALL:ALL) ALL" \
    "$lab_user ALL=(nobody) NOPASSWD: ALL" >"$e/sudoers.d/lab"
  chmod 440 "$e/sudoers.d/lab"
}

# The lab's commands that each host sees layered over its /usr (see host/init).
hostfs_files() {
  local fs="$lab_dir/hostfs"
  mkdir -p "$fs/bin" "$fs/sbin" "$fs/local-sbin"
  ln -sfn "$lab_tools/host/systemctl" "$fs/bin/systemctl"
  local c
  for c in shutdown reboot poweroff halt; do ln -sfn "$lab_tools/host/power" "$fs/sbin/$c"; done
  ln -sfn "$lab_tools/host/os-update" "$fs/sbin/huk-server-update"
  ln -sfn "$lab_tools/host/os-update" "$fs/local-sbin/os-update"
  {
    echo "127.0.0.1 localhost"
    echo "$lab_gateway jumphost.$lab_domain kdc.$lab_domain"
    local fqdn short addr group
    while read -r fqdn short addr group; do echo "$addr $fqdn ${fqdn%%.*}"; done <"$lab_dir/hosts.plan"
  } >"$lab_dir/etc-hosts"
}

host_boot() { # FQDN
  local d; d="$(host_dir "$1")"
  LAB_DIR="$lab_dir" setsid "$lab_tools/host/supervisor" "$1" </dev/null 7>&- >>"$d/supervisor.log" 2>&1 &
}

# Waits until each host has started its enabled units (first boot only: `lab up`).
hosts_wait_units() { # TIMEOUT_SECONDS FQDN...
  local deadline=$(($(date +%s) + $1)) h
  shift
  for h in "$@"; do
    until grep -q ' units-started' "$(host_dir "$h")/events" 2>/dev/null; do
      [ "$(date +%s)" -lt "$deadline" ] || die "$h: units did not start within the timeout"
      sleep 0.05
    done
  done
}

# Waits until each host's sshd answers with its SSH banner.
hosts_wait_ssh() { # TIMEOUT_SECONDS FQDN...
  local deadline=$(($(date +%s) + $1)) h addr banner
  shift
  for h in "$@"; do
    addr="$(host_addr "$h")"
    while :; do
      banner="$(timeout 1 bash -c "exec 3<>/dev/tcp/$addr/22 && head -c 7 <&3" 2>/dev/null || true)"
      [ "$banner" = "SSH-2.0" ] && break
      [ "$(date +%s)" -lt "$deadline" ] || die "$h: sshd did not answer within the timeout"
      sleep 0.05
    done
  done
}

host_stop() { # FQDN: ends the host's supervisor and every process in its namespaces
  local d ns p; d="$(host_dir "$1")"; ns="$(cat "$d/netns" 2>/dev/null)"
  if [ -s "$d/supervisor.pid" ]; then
    p="$(cat "$d/supervisor.pid")"
    kill "$p" 2>/dev/null
    for _ in $(seq 50); do alive "$p" || break; sleep 0.05; done
    kill -9 "$p" 2>/dev/null
  fi
  [ -n "$ns" ] && ns_kill "$ns"
  return 0
}

ns_kill() { # NETNS: kills what still runs in a network namespace and deletes it
  local pids
  if ip netns list | grep -qw "^$1"; then
    for _ in $(seq 50); do
      pids="$(ip netns pids "$1" 2>/dev/null)"
      [ -z "$pids" ] && break
      kill -9 $pids 2>/dev/null
      sleep 0.05
    done
    ip netns del "$1" 2>/dev/null
  fi
  return 0
}
