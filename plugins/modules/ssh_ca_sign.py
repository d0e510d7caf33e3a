#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is implemented as an action plugin (plugins/action/ssh_ca_sign.py) and runs on the
# controller only; this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ssh_ca_sign
short_description: Issue SSH user certificates on the controller, renewing only what is due
version_added: "0.1.0"
description:
  - Signs user certificates with a user CA on the controller. Nothing runs on a managed host.
  - Each certificate is compared with the one already in O(directory) (C(<name>-cert.pub)). It is signed again only
    when it is missing, certifies another key, was signed by another CA (a rotation), or its principals, key ID,
    critical options, extensions or validity changed, or when O(renew_fraction) of its validity has passed. An
    unchanged run signs nothing and never decrypts the CA key.
  - Signing uses a private C(ssh-agent) (socket in a 0700 temporary directory, killed by PID when signing ends).
    The CA passphrase reaches C(ssh-add) through C(SSH_ASKPASS) with C(SSH_ASKPASS_REQUIRE=force), never on a
    command line or in a file. A PKCS#11 token (C(ca.pkcs11_provider)) is loaded into the same agent with C(ssh-add -s).
  - Serials come from the registry in O(state_dir) (C(serials.json), under a file lock so parallel forks never get
    one serial twice; never 0, never reused) and every certificate issued is appended to C(issued.jsonl) (serial,
    key ID, principals, validity, key and CA fingerprints, reasons).
  - A certificate whose key, key ID or serial is revoked (O(revoked)) is not renewed - revocation wins.
author:
  - sshsuite.openssh contributors (@sshsuite)
attributes:
  check_mode:
    support: full
    description: Reports what would be signed and why; signs and writes nothing.
  diff_mode:
    support: none
    description: The result lists the certificates signed.
options:
  ca:
    description:
      - The user CA. C(public_key) (text or controller path; default C(<private_key>.pub)), C(private_key)
        (controller path), C(passphrase) (for example from Ansible Vault), C(pkcs11_provider), C(agent_socket),
        C(signature_algorithm) (RSA CAs; default C(rsa-sha2-512)).
    type: dict
    required: true
  certificates:
    description:
      - One mapping per certificate - C(name) (file name stem and default key ID), C(public_key), C(principals),
        C(validity) (C(8h), C(30d), renewed) or C(valid_from)/C(valid_to) (a fixed UTC window), C(key_id),
        C(force_command), C(source_address) (list of addresses or CIDR networks), C(verify_required),
        C(no_pty), C(no_port_forwarding), C(no_agent_forwarding), C(no_x11_forwarding), C(no_user_rc),
        C(extensions) (mapping; replaces the defaults), C(critical_options) (other critical options).
    type: list
    elements: raw
    required: true
  directory:
    description: Controller directory of the certificates (C(<name>-cert.pub)).
    type: path
    required: true
  state_dir:
    description: Controller directory of the serial registry and issuance log.
    type: path
    required: true
  renew_fraction:
    description: Re-sign a certificate when this share of its validity has passed.
    type: float
    default: 0.5
  revoked:
    description: The revocations (C(serials), C(key_ids), C(keys), C(certificates)), so that nothing revoked is renewed.
    type: dict
  return_certificates:
    description: Return each certificate's text (turn off for very large batches).
    type: bool
    default: true
seealso:
  - module: sshsuite.openssh.ssh_ca_host
"""

EXAMPLES = r"""
- name: Issue the user certificates
  sshsuite.openssh.ssh_ca_sign:
    ca:
      private_key: /srv/ca/user_ca
      passphrase: "{{ vault_user_ca_passphrase }}"
    directory: /srv/ca/issued
    state_dir: /srv/ca/state
    certificates:
      - name: alice-laptop
        public_key: "{{ lookup('file', 'keys/alice.pub') }}"
        principals: [alice, ops]
        validity: 8h
      - name: backup
        public_key: "{{ lookup('file', 'keys/backup.pub') }}"
        principals: [backup]
        validity: 30d
        force_command: /usr/local/bin/backup-receive
        source_address: [10.1.2.0/24]
        no_pty: true
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
certificates:
  description: Per name - path, serial, key ID, principals, valid_from/valid_to (UTC), renewed, reasons, revoked,
    certificate text.
  returned: always
  type: dict
signed:
  description: Names signed in this run.
  returned: always
  type: list
  elements: str
ca_fingerprint:
  description: SHA256 fingerprint of the CA.
  returned: always
  type: str
"""
