# Writes inventories/lab/ for the running lab: a cp-ansible style inventory that
# ansible-playbook (and roller) use unchanged. Connection details are ordinary Ansible
# variables; nothing in it tells a client that these hosts are a lab.

inventory_dir="$lab_repo/inventories/lab"

# ServerAlive: a connection (or a ControlPersist master) to a host that vanished without
# closing it, as in a power cut, fails within seconds instead of hanging.
ssh_common_args() {
  printf '%s' "-o UserKnownHostsFile=$lab_dir/ssh/known_hosts -o GlobalKnownHostsFile=/dev/null" \
    " -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=5" \
    " -o ServerAliveInterval=2 -o ServerAliveCountMax=3"
}

inventory_group() { # GROUP SERVICE_VAR SERVICE_NAME
  local fqdn short addr group
  grep -q " $1\$" "$lab_dir/hosts.plan" || return 0
  printf '    %s:\n      vars:\n        %s: %s\n      hosts:\n' "$1" "$2" "$3"
  while read -r fqdn short addr group; do
    [ "$group" = "$1" ] || continue
    printf '        %s:\n          ansible_host: %s\n' "$fqdn" "$addr"
    case "$group" in
      kafka_broker)
        printf '          broker_id: %s\n' "$(cat "$(host_dir "$fqdn")/broker_id")"
        printf '          kafka_broker_kerberos_principal: kafka/%s@%s\n' "$fqdn" "$lab_realm"
        printf '          kafka_broker_kerberos_keytab_path: /etc/security/keytabs/kafka_broker.keytab\n'
        ;;
      zookeeper)
        printf '          zookeeper_kerberos_principal: zookeeper/%s@%s\n' "$fqdn" "$lab_realm"
        printf '          zookeeper_kerberos_keytab_path: /etc/security/keytabs/zookeeper.keytab\n'
        ;;
      kafka_controller)
        printf '          kafka_controller_kerberos_principal: kafka/%s@%s\n' "$fqdn" "$lab_realm"
        printf '          kafka_controller_kerberos_keytab_path: /etc/security/keytabs/kafka_controller.keytab\n'
        ;;
    esac
  done <"$lab_dir/hosts.plan"
}

inventory_write() {
  mkdir -p "$inventory_dir"
  {
    echo "# Written by tests/lab/lab up for the lab in $lab_dir; rewritten by every lab up."
    echo "all:"
    echo "  vars:"
    echo "    ansible_user: root"
    echo "    ansible_ssh_private_key_file: $lab_dir/ssh/id_ed25519"
    echo "    ansible_ssh_common_args: \"$(ssh_common_args)\""
    echo "    ansible_python_interpreter: /usr/bin/python3"
    echo "    sasl_protocol: kerberos"
    echo "    kerberos_configure: true"
    echo "    kerberos:"
    echo "      realm: $lab_realm"
    echo "      kdc_hostname: \"$lab_gateway:$kdc_port\""
    echo "      admin_hostname: \"$lab_gateway:$kadmin_port\""
    echo "      kadmin_principal: $kdc_admin_principal"
    echo "      kadmin_keytab_path: $(kdc_dir)/admin.keytab"
    echo "      kadmin_krb5_config: $(kdc_dir)/krb5.conf"
    if [ -s "$lab_dir/kafka/bootstrap" ]; then
      # The lab's Kafka (librdkafka's mock cluster) speaks PLAINTEXT only: the listener
      # clients use says so, as a cluster with a plaintext internal listener would.
      echo "    kafka_bootstrap_servers: \"$(cat "$lab_dir/kafka/bootstrap")\""
      echo "    kafka_broker_custom_listeners:"
      echo "      internal:"
      echo "        sasl_protocol: none"
    fi
    echo "  children:"
    inventory_group kafka_controller kafka_controller_service_name confluent-kcontroller
    inventory_group zookeeper zookeeper_service_name confluent-zookeeper
    inventory_group kafka_broker kafka_broker_service_name confluent-server
  } >"$inventory_dir/hosts.yml"
}

inventory_remove() { rm -rf "$inventory_dir"; }
