#!/bin/sh
# Vault password of the lab (ANSIBLE_VAULT_PASSWORD_FILE in molecule.yml): made up
# at the first call and kept in the scenario's ephemeral directory, so neither
# the password nor the TSIG secret it protects is ever committed.
set -eu
dir=${MOLECULE_EPHEMERAL_DIRECTORY:-${TMPDIR:-/tmp}/sshfp_dnssec-vault}
mkdir -p "$dir"
if [ ! -s "$dir/vault-password" ]; then
  (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n' >"$dir/vault-password")
fi
cat "$dir/vault-password"
