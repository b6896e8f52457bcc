# The lab's KDC: MIT krb5kdc + kadmind for realm LAB.TEST, run without systemd on loopback
# and on the bridge address (so lab hosts reach it too), configured entirely from files in
# the lab directory. Secrets (master password, admin keytab) stay in a root-only directory.

kdc_port=17088
kadmin_port=17749
kpasswd_port=17464
kdc_admin_principal="lab/admin@$lab_realm"

kdc_dir() { printf '%s/kdc' "$lab_dir"; }

# krb5.conf for a client that reaches the KDC at ADDRESS (loopback on the jumphost, the
# bridge address on lab hosts).
kdc_write_krb5_conf() { # ADDRESS FILE
  cat >"$2" <<CONF
[libdefaults]
  default_realm = $lab_realm
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
  udp_preference_limit = 1

[realms]
  $lab_realm = {
    kdc = $1:$kdc_port
    admin_server = $1:$kadmin_port
    kpasswd_server = $1:$kpasswd_port
  }

[domain_realm]
  .$lab_domain = $lab_realm
  $lab_domain = $lab_realm
CONF
}

kdc_up() {
  local d; d="$(kdc_dir)"
  mkdir -p "$d"
  chmod 700 "$d"
  local listen="127.0.0.1:$kdc_port, $lab_gateway:$kdc_port"
  cat >"$d/kdc.conf" <<CONF
[kdcdefaults]
  kdc_listen = $listen
  kdc_tcp_listen = $listen

[realms]
  $lab_realm = {
    database_name = $d/principal
    key_stash_file = $d/stash
    acl_file = $d/kadm5.acl
    kadmind_listen = 127.0.0.1:$kadmin_port, $lab_gateway:$kadmin_port
    kpasswd_listen = 127.0.0.1:$kpasswd_port, $lab_gateway:$kpasswd_port
    max_life = 10h
    max_renewable_life = 7d
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }

[logging]
  kdc = FILE:$d/krb5kdc.log
  admin_server = FILE:$d/kadmind.log
CONF
  # kadmind needs the extract privilege (e) for `ktadd -norandkey`; `*` does not include it.
  printf '%s admcilspe\n' "$kdc_admin_principal" >"$d/kadm5.acl"
  kdc_write_krb5_conf 127.0.0.1 "$d/krb5.conf"
  kdc_write_krb5_conf "$lab_gateway" "$d/krb5-hosts.conf"
  chmod 644 "$d/krb5.conf" "$d/krb5-hosts.conf"

  export KRB5_CONFIG="$d/krb5.conf" KRB5_KDC_PROFILE="$d/kdc.conf"
  # The master password goes through stdin, never argv; only the stash keeps it afterwards.
  local master; master="$(head -c 24 /dev/urandom | base64)"
  printf '%s\n%s\n' "$master" "$master" | kdb5_util create -s -r "$lab_realm" >/dev/null
  unset master
  kadmin.local -q "addprinc -randkey $kdc_admin_principal" >>"$d/setup.log" 2>&1
  (umask 077 && kadmin.local -q "ktadd -k $d/admin.keytab $kdc_admin_principal" >>"$d/setup.log" 2>&1)

  setsid krb5kdc -n -P "$d/krb5kdc.pid" </dev/null 7>&- >>"$d/krb5kdc.out" 2>&1 &
  echo $! >"$d/krb5kdc.pid"
  setsid kadmind -nofork -P "$d/kadmind.pid" </dev/null 7>&- >>"$d/kadmind.out" 2>&1 &
  echo $! >"$d/kadmind.pid"
  unset KRB5_CONFIG KRB5_KDC_PROFILE
}

kdc_wait() {
  local i
  for i in $(seq 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/$kdc_port) 2>/dev/null &&
      (exec 3<>/dev/tcp/127.0.0.1/$kadmin_port) 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  die "KDC did not start: see $(kdc_dir)/*.log"
}

kdc_down() {
  local d p; d="$(kdc_dir)"
  for p in krb5kdc kadmind; do stop_group "$d/$p.pid"; done
}
