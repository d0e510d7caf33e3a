#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ssh_ca_host
short_description: Install the files of an SSH certificate authority on a host and certify its host keys
version_added: "0.1.0"
description:
  - The host side of the SSH certificate authority, in one module execution for an unchanged run.
  - Installs, before sshd_config points at them, the trusted user CA keys (C(TrustedUserCAKeys)), one
    principals file per account (C(AuthorizedPrincipalsFile), root-owned 0644 in a root-owned 0755
    directory; files of accounts no longer listed are removed) and the key revocation list (C(RevokedKeys)).
  - The KRL is built on the controller from data and installed only when C(ssh-keygen -Q -l) accepts it and it
    revokes none of the trusted CA keys. It is compared with the installed one by listing, without the
    generation time that makes every KRL differ, so the same data changes nothing.
  - Reads the host keys sshd really uses (the C(hostkey) lines of C(sshd -T)) with the certificate next to each
    (C(<key>-cert.pub)). The action plugin signs on the controller only what is missing or due (configured share
    of the validity passed, principals changed, CA changed) and installs it with a second execution, followed by
    C(sshd -t) and a reload when sshd_config already serves the certificate (OpenSSH 10.0 keeps serving the old
    one until then).
  - The CA private key and its passphrase never leave the controller; see M(sshsuite.openssh.ssh_ca_sign) and
    docs/ssh_ca.md.
  - Returns C(sshd_contribution), the settings for the sshd role, each only when the file it names is in place.
author:
  - sshsuite.openssh contributors (@sshsuite)
attributes:
  check_mode:
    support: full
    description: Reports what would be installed or signed; writes nothing on the host and signs nothing.
  diff_mode:
    support: none
    description: Files are reported by name in the result.
options:
  host_ca:
    description:
      - The host CA on the controller. Without it, no host certificates are managed. Its private key and passphrase
        never leave the controller.
    type: dict
    suboptions:
      public_key:
        description: The CA public key, as text or a controller path. Default C(<private_key>.pub).
        type: str
      private_key:
        description: Controller path of the CA private key.
        type: path
      passphrase:
        description:
          - Passphrase of the private key (for example from Ansible Vault), or the PIN of the PKCS#11 token. It reaches
            C(ssh-add) through C(SSH_ASKPASS), never a command line or a file.
        type: str
      pkcs11_provider:
        description: A PKCS#11 library whose token holds the CA key (loaded into the private agent with C(ssh-add -s)).
        type: path
      agent_socket:
        description: An ssh-agent that already holds the CA key.
        type: path
      signature_algorithm:
        description: Signature algorithm of an RSA CA (default C(rsa-sha2-512); never C(ssh-rsa)).
        type: str
        choices: [rsa-sha2-256, rsa-sha2-512, ssh-ed25519]
  host_principals:
    description:
      - Names and addresses in the host certificates (what clients type). Default the inventory name and
        C(ansible_host).
    type: list
    elements: str
  host_principals_from_host:
    description: Also add the host's own host name and FQDN.
    type: bool
    default: true
  host_validity:
    description: Validity of a host certificate (C(52w), C(30d), or C(forever)).
    type: str
    default: 52w
  host_key_types:
    description: Only certify host keys of these types (C(ed25519), C(rsa), C(ecdsa)); empty means every key sshd uses.
    type: list
    elements: str
    default: []
  renew_fraction:
    description: Re-sign a certificate when this share of its validity has passed.
    type: float
    default: 0.5
  user_ca_keys:
    description: Public keys of the user CAs sshd trusts (several during a rotation).
    type: list
    elements: str
    default: []
  trusted_user_ca_keys_path:
    description: File for O(user_ca_keys).
    type: path
    default: /etc/ssh/ssh_ca/trusted_user_ca_keys.pub
  principals:
    description: Account -> principals accepted for it. Omit to leave principals files alone.
    type: dict
  principals_directory:
    description: Directory of the principals files (one per account, named after it).
    type: path
    default: /etc/ssh/auth_principals
  revoked:
    description:
      - Revocations - C(serials) (numbers or ranges such as C(20-30)), C(key_ids), C(keys) (plain public keys),
        C(certificates) (whole certificates). Serials and key IDs are revoked under every trusted user CA.
        Omit to manage no KRL; an empty mapping installs an empty KRL.
    type: dict
  krl_content:
    description:
      - A KRL built elsewhere, in base64, instead of O(revoked). It is checked the same way (C(ssh-keygen -Q -l), no
        trusted CA revoked) and refused, leaving the installed KRL alone, when it is empty or broken.
    type: str
  krl_path:
    description: Where the KRL is installed.
    type: path
    default: /etc/ssh/ssh_ca/revoked_keys.krl
  state_dir:
    description: Controller directory of the serial registry and issuance log (required to sign).
    type: path
  config_path:
    description: sshd configuration file whose C(sshd -T) names the host keys.
    type: path
    default: /etc/ssh/sshd_config
  reload:
    description: Reload sshd after installing a certificate that the live configuration serves.
    type: bool
    default: true
  service:
    description: systemd unit of sshd; detected when omitted.
    type: str
  header:
    description: Comment line at the top of the trusted CA keys file.
    type: str
    default: Managed by Ansible (sshsuite.openssh.ssh_ca). Local changes will be overwritten.
  install_trusted_user_ca_keys:
    description: Internal, set by the action plugin - the trusted CA keys file it built.
    type: dict
    suboptions:
      path:
        description: Where the file goes.
        type: path
        required: true
      content:
        description: The file's text.
        type: str
        required: true
  install_principals:
    description: Internal, set by the action plugin - the principals files it built.
    type: dict
    suboptions:
      directory:
        description: The principals directory.
        type: path
        required: true
      files:
        description: Account -> file text.
        type: dict
        required: true
      exclusive:
        description: Remove the files of accounts not listed.
        type: bool
        default: true
  install_krl:
    description: Internal, set by the action plugin - the KRL it built (or O(krl_content)).
    type: dict
    suboptions:
      path:
        description: Where the KRL goes.
        type: path
        required: true
      content:
        description: The KRL in base64.
        type: str
        required: true
  install_certificates:
    description: Internal, set by the action plugin - host certificates it signed.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: C(<host key>-cert.pub) of a host key sshd uses.
        type: path
        required: true
      content:
        description: The certificate text.
        type: str
        required: true
  collect_host_keys:
    description: Internal, set by the action plugin - return the host keys sshd uses and their certificates.
    type: bool
    default: false
seealso:
  - module: sshsuite.openssh.ssh_ca_sign
  - module: sshsuite.openssh.sshd_config
"""

EXAMPLES = r"""
- name: Trust the user CA, install principals and the KRL, certify the host keys
  sshsuite.openssh.ssh_ca_host:
    host_ca:
      private_key: /srv/ca/host_ca
      passphrase: "{{ vault_host_ca_passphrase }}"
    user_ca_keys: ["{{ lookup('file', '/srv/ca/user_ca.pub') }}"]
    principals:
      deploy: [deploy, ops]
    revoked:
      serials: [42]
      key_ids: [bob-laptop]
    state_dir: /srv/ca/state
  register: ssh_ca_result

- name: Hand the settings to the sshd role
  ansible.builtin.set_fact:
    sshd_contribution_ssh_ca: "{{ ssh_ca_result.sshd_contribution }}"
"""

RETURN = r"""
sshd_contribution:
  description: Settings for the sshd role (C(sshd_contribution_ssh_ca)), each only when its file is in place.
  returned: always
  type: dict
  sample: {settings: {HostCertificate: [/etc/ssh/ssh_host_ed25519_key-cert.pub],
           TrustedUserCAKeys: /etc/ssh/ssh_ca/trusted_user_ca_keys.pub, RevokedKeys: /etc/ssh/ssh_ca/revoked_keys.krl,
           AuthorizedPrincipalsFile: /etc/ssh/auth_principals/%u}}
host_certificates:
  description: One entry per certified host key - path (C(name)), serial, key ID, principals, validity, whether it was
    renewed now and why.
  returned: when host_ca is given
  type: list
  elements: dict
krl:
  description: Path, whether it changed, whether it is valid, and its listing.
  returned: when revoked is given
  type: dict
principals:
  description: Accounts whose principals file changed or was removed.
  returned: when principals is given
  type: dict
host_keys:
  description: The host keys sshd uses, with public key and existing certificate (module only, first execution).
  returned: when collect is true
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import ca_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import run_apply


def main():
    module = AnsibleModule(argument_spec=ca_host.ARGUMENT_SPEC, supports_check_mode=True)
    run_apply(module, ca_host.apply)


if __name__ == "__main__":
    main()
