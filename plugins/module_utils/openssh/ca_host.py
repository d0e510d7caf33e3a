# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ssh_ca_host module's work on a managed host, in one execution.

1. Files sshd_config will point to, installed and checked before it does:
   the trusted user CA keys (``TrustedUserCAKeys``), one principals file per
   account (``AuthorizedPrincipalsFile``, root-owned 0644 in a root-owned
   0755 directory), and the KRL (``RevokedKeys``). A KRL is installed only
   when ``ssh-keygen -Q -l`` accepts it and it revokes none of the trusted CA
   keys; it is compared by listing (without its generation time), so a KRL
   rebuilt from the same data changes nothing.
2. The host keys sshd really uses (``sshd -T`` ``hostkey`` lines), with
   their public keys and the certificates next to them (``<key>-cert.pub``),
   for the controller to decide what to sign.
3. Signed certificates installed next to their keys; when the live
   configuration already serves them (``HostCertificate``), ``sshd -t`` and a
   reload, because OpenSSH 10.0 keeps serving the old certificate until then.

Every file goes through fileio.py; every ssh-keygen command of the CA through keygen.py; the
host keys sshd serves are loaded with sshd_host.load_public_key (one reader for the CA, SSHFP and facts).
"""

from __future__ import annotations

import base64
import binascii
import os
import socket
from typing import Any, Dict, List, Mapping, Optional

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    ca,
    fileio,
    keygen,
    keys,
    sshd_host,
    text,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    ApplyFailed,
    OpenSSHConfigError,
)

#: what a play gives the ssh_ca_host action (checked on the controller; the module accepts it too)
CONTROLLER_SPEC: Dict[str, Any] = dict(
    host_ca=dict(type="dict", options=ca.CA_SPEC),
    host_principals=dict(type="list", elements="str"),
    host_principals_from_host=dict(type="bool", default=True),
    host_validity=dict(type="str", default="52w"),
    host_key_types=dict(type="list", elements="str", default=[], no_log=False),
    renew_fraction=dict(type="float", default=ca.DEFAULT_RENEW_FRACTION),
    user_ca_keys=dict(type="list", elements="str", default=[], no_log=False),
    trusted_user_ca_keys_path=dict(type="path", default="/etc/ssh/ssh_ca/trusted_user_ca_keys.pub", no_log=False),
    principals=dict(type="dict"),
    principals_directory=dict(type="path", default="/etc/ssh/auth_principals"),
    revoked=dict(type="dict"),
    krl_path=dict(type="path", default="/etc/ssh/ssh_ca/revoked_keys.krl"),
    krl_content=dict(type="str"),
    state_dir=dict(type="path"),
    config_path=dict(type="path", default="/etc/ssh/sshd_config"),
    reload=dict(type="bool", default=True),
    service=dict(type="str"),
    header=dict(type="str", default="Managed by Ansible (sshsuite.openssh.ssh_ca). Local changes will be overwritten."),
)

#: what the action plugin sends the host (built and checked on the controller)
HOST_SPEC: Dict[str, Any] = dict(
    install_trusted_user_ca_keys=dict(type="dict", no_log=False, options=dict(
        path=dict(type="path", required=True),
        content=dict(type="str", required=True),
    )),
    install_principals=dict(type="dict", options=dict(
        directory=dict(type="path", required=True),
        files=dict(type="dict", required=True),
        exclusive=dict(type="bool", default=True),
    )),
    install_krl=dict(type="dict", options=dict(
        path=dict(type="path", required=True),
        content=dict(type="str", required=True),
    )),
    install_certificates=dict(type="list", elements="dict", default=[], options=dict(
        path=dict(type="path", required=True),
        content=dict(type="str", required=True),
    )),
    collect_host_keys=dict(type="bool", default=False),
)

ARGUMENT_SPEC: Dict[str, Any] = dict(CONTROLLER_SPEC, **HOST_SPEC)

FILE_MODE = 0o644
DIRECTORY_MODE = 0o755
CERT_SUFFIX = "-cert.pub"


def _ensure(path: str, data: bytes, check_mode: bool) -> bool:
    """Make ``path`` (in a root-owned directory, created when missing) hold ``data``, root 0644."""
    text.check_path(path, path)
    directory_path = os.path.dirname(path)
    if not os.path.isdir(directory_path):
        if check_mode:
            return True
        fileio.Directory.open(directory_path, trusted=False, create_mode=DIRECTORY_MODE).close()
    with fileio.Directory.open(directory_path, trusted=True) as directory:
        name = os.path.basename(path)
        old, info = directory.read(name)
        if old == data:
            if (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (0, 0, FILE_MODE):
                return False
            if not check_mode:
                directory.set_metadata(name, 0, 0, FILE_MODE)
            return True
        if not check_mode:
            directory.write(name, data, 0, 0, FILE_MODE)
        return True


def _principals(spec: Mapping[str, Any], check_mode: bool) -> Dict[str, Any]:
    path = text.check_path(spec["directory"], "principals.directory")
    report: Dict[str, Any] = {"directory": path, "changed": [], "removed": []}
    files = spec["files"] or {}
    for account in files:
        if "/" in account or account.startswith(".") or not account:
            raise OpenSSHConfigError("%r is not an account name" % account, "principals.files")
        for line in text.split_lines(files[account]):
            text.check_text(line, "principals.files.%s" % account)
    if not os.path.isdir(path):
        report["changed"] = sorted(files)
        if check_mode:
            return report
        fileio.Directory.open(path, trusted=False, create_mode=DIRECTORY_MODE).close()
    with fileio.Directory.open(path, trusted=True) as directory:
        if not check_mode and directory.set_own_metadata(0, 0, DIRECTORY_MODE):
            report["changed"].append(".")
        for account in sorted(files):
            data = files[account].encode("utf-8")
            old, info = directory.read(account)
            if old == data and (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (0, 0, FILE_MODE):
                continue
            if account not in report["changed"]:
                report["changed"].append(account)
            if check_mode:
                continue
            if old == data:
                directory.set_metadata(account, 0, 0, FILE_MODE)
            else:
                directory.write(account, data, 0, 0, FILE_MODE, sync=False)
        if spec.get("exclusive", True):
            for name in sorted(os.listdir(directory.fd)):
                if name in files or name.startswith("."):
                    continue
                info = directory.lstat(name)
                if info is None or not (info.st_mode & 0o170000 in (0o100000, 0o120000)):
                    continue
                report["removed"].append(name)
                if not check_mode:
                    directory.unlink(name)
        directory.sync()
    return report


def _krl(run, spec: Mapping[str, Any], trusted: Optional[bytes], check_mode: bool) -> Dict[str, Any]:
    path = text.check_path(spec["path"], "krl.path")
    try:
        data = base64.b64decode(spec["content"], validate=True)
    except (binascii.Error, ValueError):
        raise OpenSSHConfigError("krl.content must be the KRL in base64", "krl.content")
    report: Dict[str, Any] = {"path": path, "changed": False, "valid": False}
    with fileio.PrivateDirectory(prefix="sshsuite-krl-") as work:
        candidate = work.file_path("candidate")
        work.write("candidate", data, 0, 0, 0o600)
        ok, listing = keygen.krl_listing(run, candidate)
        if not ok:
            raise OpenSSHConfigError("refusing to install the KRL: ssh-keygen -Q -l rejects it (%s); %s is unchanged "
                                     "and RevokedKeys will not point at it" % (listing, path), "krl")
        # A KRL that revokes a trusted CA key refuses every certificate of that CA.
        for index, line in enumerate(text.split_lines((trusted or b"").decode("utf-8", "replace"))):
            if keys.is_comment_line(line):
                continue
            name = "ca%d.pub" % index
            work.write(name, (line.strip() + "\n").encode("utf-8"), 0, 0, 0o600)
            if keygen.krl_revokes(run, candidate, work.file_path(name)):
                raise OpenSSHConfigError("refusing to install the KRL: it revokes the trusted user CA key %s, which "
                                         "would refuse every certificate it signed; remove the CA from the trusted "
                                         "keys first (a rotation) or from the revocations" % line.strip()[:80], "krl")
        report["entries"] = listing.split("\n")
        existing = None
        if os.path.exists(path):
            try:
                old = fileio.read_file(path, owners=None)
            except OpenSSHConfigError:
                old = None
            if old is not None:
                work.write("existing", old, 0, 0, 0o600)
                valid, existing = keygen.krl_listing(run, work.file_path("existing"))
                if not valid:
                    existing = None
        if existing == listing:
            info = os.lstat(path)
            if (info.st_uid, info.st_gid, info.st_mode & 0o7777) != (0, 0, FILE_MODE):
                report["changed"] = True
                if not check_mode:
                    fileio.set_metadata(path, 0, 0, FILE_MODE)
        else:
            report["changed"] = True
            if not check_mode:
                fileio.write_file(path, data, 0, 0, FILE_MODE, create_dirs=True)
                # check what sshd will read, not what was meant
                installed = fileio.read_file(path)
                work.write("installed", installed or b"", 0, 0, 0o600)
                valid, again = keygen.krl_listing(run, work.file_path("installed"))
                if not valid or again != listing:
                    raise OpenSSHConfigError("the KRL installed at %s does not list as the candidate did (%s)"
                                             % (path, again), "krl")
    # valid: the file at path is (now) this KRL, so RevokedKeys may point at it
    report["valid"] = not (check_mode and report["changed"] and existing is None)
    return report


def collect_host_keys(run, effective: Mapping[str, List[str]], types: List[str]) -> List[Dict[str, Any]]:
    """The host keys sshd uses (sshd -T), with the public key sshd serves and the certificate next to it."""
    found = []
    for path in effective.get("hostkey", []):
        path = path.strip()
        if not path.startswith("/"):
            continue
        key = sshd_host.load_public_key(path, run)[0]
        if key is None:
            continue
        family = key.key_type.family
        if types and family not in types:
            continue
        cert_text = None
        try:
            cert = fileio.read_file(path + CERT_SUFFIX, owners=None)
            cert_text = cert.decode("utf-8", "replace").strip() if cert else None
        except OpenSSHConfigError:
            cert_text = None
        found.append({"path": path, "type": family, "public_key": key.with_comment("").text(),
                      "fingerprint": key.fingerprint, "certificate_path": path + CERT_SUFFIX,
                      "certificate": cert_text})
    return found


def apply(params: Mapping[str, Any], run, check_mode: bool = False, want_diff: bool = False,
          backup=None) -> Dict[str, Any]:
    result: Dict[str, Any] = {"changed": False, "warnings": []}
    trusted = None
    spec = params.get("install_trusted_user_ca_keys")
    if spec:
        path = text.check_path(spec["path"], "install_trusted_user_ca_keys.path")
        for line in text.split_lines(spec["content"]):
            text.check_text(line, "install_trusted_user_ca_keys.content")
        trusted = spec["content"].encode("utf-8")
        changed = _ensure(path, trusted, check_mode)
        result["trusted_user_ca_keys"] = {"path": path, "changed": changed}
        result["changed"] |= changed
    if params.get("install_principals"):
        report = _principals(params["install_principals"], check_mode)
        result["principals"] = report
        result["changed"] |= bool(report["changed"] or report["removed"])
    if params.get("install_krl"):
        report = _krl(run, params["install_krl"], trusted, check_mode)
        result["krl"] = report
        result["changed"] |= report["changed"]

    effective = None
    if params.get("collect_host_keys") or params.get("install_certificates"):
        effective = sshd_host.dump_effective(run, params["config_path"], create=not check_mode)
    if params.get("collect_host_keys"):
        result["host_keys"] = collect_host_keys(run, effective, params.get("host_key_types") or [])
        result["hostname"] = socket.gethostname()
        result["fqdn"] = socket.getfqdn()

    installed = []
    if params.get("install_certificates"):
        allowed = {path.strip() + CERT_SUFFIX for path in effective.get("hostkey", [])}
        for index, item in enumerate(params["install_certificates"]):
            where = "install_certificates[%d]" % index
            path = text.check_path(item["path"], where + ".path")
            if path not in allowed:
                raise OpenSSHConfigError("%s is not <host key>%s of a HostKey sshd uses; refusing to write it"
                                         % (path, CERT_SUFFIX), where)
            cert = keys.parse_public_key(item["content"].strip(), where + ".content")
            if cert.certificate is None or cert.certificate.cert_type != "host":
                raise OpenSSHConfigError("the content is not a host certificate", where)
            if _ensure(path, (cert.text() + "\n").encode("ascii"), check_mode):
                installed.append(path)
        result["certificates_installed"] = installed
        result["changed"] |= bool(installed)

    served = {path.strip() for path in (effective or {}).get("hostcertificate", [])}
    if installed and not check_mode and params.get("reload") and served & set(installed):
        ok, message = sshd_host.sshd_test(run, params["config_path"])
        if not ok:
            raise ApplyFailed("sshd -t fails with the new host certificates, sshd was not reloaded: %s" % message,
                              **result)
        service = sshd_host.Service(run, params.get("service"))
        ok, action, message = service.reload()
        result["service_action"] = action
        if not ok:
            raise ApplyFailed("%s failed after installing host certificates: %s" % (action, message), **result)
        serving, missing = sshd_host.wait_serving(service.endpoints(effective), 10.0)
        if not serving:
            raise ApplyFailed("sshd does not answer on %s after %s" % (", ".join(missing), action), **result)
    return result
