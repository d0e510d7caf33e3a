# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The keyword catalogue: lookups, version translations, Match rules, coverage.

Three kinds of test:

* pure data/API tests (always run);
* coverage: every keyword a release's man page documents
  (tests/unit/fixtures/keywords/<file>-<version>.txt, extracted from the
  openssh-portable tags) is known to the catalogue as available then;
* live: the controller's own sshd/ssh (skipped when missing) accepts every
  keyword the catalogue says its version has, prints it under the key the
  catalogue names, and allows it inside Match exactly when the catalogue says.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshd_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import catalogue
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "keywords")
SSHD = "/usr/sbin/sshd"
SSH = shutil.which("ssh") or "/usr/bin/ssh"

# A valid value per keyword, used by the live tests. "{tmp}" is a directory
# holding host keys, a host certificate and a CA public key.
SAMPLES = {
    "sshd": {
        "AcceptEnv": "LANG LC_*",
        "AddressFamily": "inet",
        "AllowAgentForwarding": "no",
        "AllowGroups": "sshusers wheel",
        "AllowStreamLocalForwarding": "local",
        "AllowTcpForwarding": "local",
        "AllowUsers": "alice bob@192.0.2.*",
        "AuthenticationMethods": "publickey,password publickey",
        "AuthorizedKeysCommand": "/usr/bin/true %u",
        "AuthorizedKeysCommandUser": "nobody",
        "AuthorizedKeysFile": ".ssh/authorized_keys /etc/ssh/authorized_keys/%u",
        "AuthorizedPrincipalsCommand": "/usr/bin/true %u",
        "AuthorizedPrincipalsCommandUser": "nobody",
        "AuthorizedPrincipalsFile": "/etc/ssh/principals/%u",
        "Banner": "/etc/issue.net",
        "CASignatureAlgorithms": "ssh-ed25519,rsa-sha2-512",
        "ChannelTimeout": "session=5m agent-connection=1h",
        "ChrootDirectory": "/srv/chroot/%u",
        "Ciphers": "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
        "ClientAliveCountMax": "2",
        "ClientAliveInterval": "5m",
        "Compression": "no",
        "DenyGroups": "nossh",
        "DenyUsers": "mallory",
        "DisableForwarding": "yes",
        "ExposeAuthInfo": "yes",
        "FingerprintHash": "md5",
        "ForceCommand": "internal-sftp -d /upload",
        "GatewayPorts": "clientspecified",
        "GSSAPIAuthentication": "yes",
        "GSSAPICleanupCredentials": "no",
        "GSSAPIDelegateCredentials": "no",
        "GSSAPIStrictAcceptorCheck": "no",
        "HostbasedAcceptedAlgorithms": "ssh-ed25519",
        "HostbasedAuthentication": "yes",
        "HostbasedUsesNameFromPacketOnly": "yes",
        "HostCertificate": "{tmp}/hostkey2-cert.pub",
        "HostKey": "{tmp}/hostkey2",
        "HostKeyAgent": "{tmp}/agent.sock",
        "HostKeyAlgorithms": "ssh-ed25519,rsa-sha2-512",
        "IgnoreRhosts": "no",
        "IgnoreUserKnownHosts": "yes",
        "Include": "{tmp}/conf.d/*.conf",
        "IPQoS": "af21 cs1",
        "KbdInteractiveAuthentication": "no",
        "KerberosAuthentication": "yes",
        "KerberosGetAFSToken": "no",
        "KerberosOrLocalPasswd": "no",
        "KerberosTicketCleanup": "no",
        "KexAlgorithms": "curve25519-sha256,diffie-hellman-group16-sha512",
        "ListenAddress": "127.0.0.1:2222",
        "LoginGraceTime": "1m",
        "LogLevel": "VERBOSE",
        "LogVerbose": "kex.c:*:1000",
        "MACs": "hmac-sha2-512-etm@openssh.com",
        "MaxAuthTries": "3",
        "MaxSessions": "5",
        "MaxStartups": "10:30:60",
        "ModuliFile": "/etc/ssh/moduli",
        "PAMServiceName": "sshd",
        "PasswordAuthentication": "no",
        "PermitEmptyPasswords": "no",
        "PermitListen": "localhost:8080 9000",
        "PermitOpen": "localhost:3306 db.example.org:5432",
        "PermitRootLogin": "forced-commands-only",
        "PermitTTY": "no",
        "PermitTunnel": "point-to-point",
        "PermitUserEnvironment": "LANG,LC_*",
        "PermitUserRC": "no",
        "PerSourceMaxStartups": "5",
        "PerSourceNetBlockSize": "24:56",
        "PerSourcePenalties": "crash:90s authfail:5s max:10m",
        "PerSourcePenaltyExemptList": "192.0.2.0/24",
        "PidFile": "{tmp}/sshd.pid",
        "Port": "2222",
        "PrintLastLog": "no",
        "PrintMotd": "no",
        "PubkeyAcceptedAlgorithms": "ssh-ed25519,rsa-sha2-256",
        "PubkeyAuthentication": "yes",
        "PubkeyAuthOptions": "touch-required verify-required",
        "RDomain": "%D",
        "RefuseConnection": "no",
        "RekeyLimit": "1G 1h",
        "RequiredRSASize": "3072",
        "RevokedKeys": "{tmp}/revoked_keys",
        "SecurityKeyProvider": "internal",
        "SetEnv": "TZ=UTC LANG=C.UTF-8",
        "SshdAuthPath": "/usr/lib/openssh/sshd-auth",
        "SshdSessionPath": "/usr/lib/openssh/sshd-session",
        "StreamLocalBindMask": "0177",
        "StreamLocalBindUnlink": "yes",
        "StrictModes": "no",
        "Subsystem": "backup /usr/lib/openssh/sftp-server -l INFO",
        "SyslogFacility": "AUTHPRIV",
        "TCPKeepAlive": "no",
        "TrustedUserCAKeys": "{tmp}/ca.pub",
        "UnusedConnectionTimeout": "10m",
        "UseDNS": "yes",
        "UsePAM": "yes",
        "VersionAddendum": "managed by sshsuite",
        "X11DisplayOffset": "12",
        "X11Forwarding": "yes",
        "X11UseLocalhost": "no",
        "XAuthLocation": "/usr/bin/xauth",
        # old names, deprecated and removed keywords
        "AFSTokenPassing": "no",
        "AuthorizedKeysFile2": ".ssh/authorized_keys2",
        "ChallengeResponseAuthentication": "no",
        "CheckMail": "no",
        "DSAAuthentication": "no",
        "HostbasedAcceptedKeyTypes": "ssh-ed25519",
        "HostDSAKey": "{tmp}/hostkey2",
        "KeepAlive": "no",
        "KerberosTgtPassing": "no",
        "KeyRegenerationInterval": "1h",
        "PAMAuthenticationViaKbdInt": "no",
        "Protocol": "2",
        "PubkeyAcceptedKeyTypes": "ssh-ed25519",
        "ReverseMappingCheck": "no",
        "RhostsAuthentication": "no",
        "RhostsRSAAuthentication": "no",
        "RSAAuthentication": "yes",
        "ServerKeyBits": "1024",
        "SKeyAuthentication": "no",
        "UseLogin": "no",
        "UsePrivilegeSeparation": "sandbox",
        "VerifyReverseMapping": "no",
        # Debian patches
        "DebianBanner": "no",
        "GSSAPIKexAlgorithms": "gss-curve25519-sha256-",
        "GSSAPIKeyExchange": "yes",
        "GSSAPIStoreCredentialsOnRekey": "yes",
        "PermitBlacklistedKeys": "no",
    },
    "ssh": {
        "AddKeysToAgent": "confirm",
        "AddressFamily": "inet",
        "BatchMode": "yes",
        "BindAddress": "127.0.0.1",
        "BindInterface": "lo",
        "CanonicalDomains": "example.org example.net",
        "CanonicalizeFallbackLocal": "no",
        "CanonicalizeHostname": "always",
        "CanonicalizeMaxDots": "2",
        "CanonicalizePermittedCNAMEs": "*.example.org:*.example.net",
        "CASignatureAlgorithms": "ssh-ed25519",
        "CertificateFile": "~/.ssh/id_ed25519-cert.pub",
        "ChannelTimeout": "session=5m",
        "CheckHostIP": "yes",
        "Ciphers": "aes256-gcm@openssh.com",
        "ClearAllForwardings": "yes",
        "Compression": "yes",
        "ConnectionAttempts": "3",
        "ConnectTimeout": "10",
        "ControlMaster": "auto",
        "ControlPath": "~/.ssh/cm-%C",
        "ControlPersist": "10m",
        "DynamicForward": "127.0.0.1:1080",
        "EnableEscapeCommandline": "yes",
        "EnableSSHKeysign": "yes",
        "EscapeChar": "none",
        "ExitOnForwardFailure": "yes",
        "FingerprintHash": "md5",
        "ForkAfterAuthentication": "no",
        "ForwardAgent": "yes",
        "ForwardX11": "yes",
        "ForwardX11Timeout": "20m",
        "ForwardX11Trusted": "yes",
        "GatewayPorts": "yes",
        "GlobalKnownHostsFile": "/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2",
        "GSSAPIAuthentication": "yes",
        "GSSAPIDelegateCredentials": "yes",
        "HashKnownHosts": "yes",
        "HostbasedAcceptedAlgorithms": "ssh-ed25519",
        "HostbasedAuthentication": "yes",
        "HostKeyAlgorithms": "ssh-ed25519,rsa-sha2-512",
        "HostKeyAlias": "alias.example.org",
        "Hostname": "203.0.113.7",
        "IdentitiesOnly": "yes",
        "IdentityAgent": "none",
        "IdentityFile": "~/.ssh/id_sample",
        "IgnoreUnknown": "UseKeychain",
        "Include": "{tmp}/ssh.d/*.conf",
        "IPQoS": "lowdelay throughput",
        "KbdInteractiveAuthentication": "no",
        "KbdInteractiveDevices": "pam,bsdauth",
        "KexAlgorithms": "curve25519-sha256",
        "KnownHostsCommand": "/usr/bin/true %H",
        "LocalCommand": "echo connected to %h",
        "LocalForward": "127.0.0.1:5432 db.internal:5432",
        "LogLevel": "ERROR",
        "LogVerbose": "kex.c:*:1000",
        "MACs": "hmac-sha2-256-etm@openssh.com",
        "NoHostAuthenticationForLocalhost": "yes",
        "NumberOfPasswordPrompts": "1",
        "ObscureKeystrokeTiming": "interval:20",
        "PasswordAuthentication": "no",
        "PermitLocalCommand": "yes",
        "PermitRemoteOpen": "localhost:8080",
        "PKCS11Provider": "/usr/lib/sample-pkcs11.so",
        "Port": "2222",
        "PreferredAuthentications": "publickey,keyboard-interactive",
        "ProxyCommand": "ssh -W %h:%p bastion",
        "ProxyJump": "bastion.example.org",
        "ProxyUseFdpass": "yes",
        "PubkeyAcceptedAlgorithms": "ssh-ed25519",
        "PubkeyAuthentication": "no",
        "RefuseConnection": "no",
        "RekeyLimit": "1G 1h",
        "RemoteCommand": "tmux attach",
        "RemoteForward": "8080 localhost:80",
        "RequestTTY": "force",
        "RequiredRSASize": "2048",
        "RevokedHostKeys": "/etc/ssh/revoked_host_keys",
        "SecurityKeyProvider": "internal",
        "SendEnv": "LANG LC_*",
        "ServerAliveCountMax": "5",
        "ServerAliveInterval": "30",
        "SessionType": "none",
        "SetEnv": "FOO=bar",
        "StdinNull": "yes",
        "StreamLocalBindMask": "0111",
        "StreamLocalBindUnlink": "yes",
        "StrictHostKeyChecking": "accept-new",
        "SyslogFacility": "LOCAL3",
        "Tag": "work",
        "TCPKeepAlive": "no",
        "Tunnel": "ethernet",
        "TunnelDevice": "any:any",
        "UpdateHostKeys": "ask",
        "User": "deploy",
        "UserKnownHostsFile": "~/.ssh/known_hosts ~/.ssh/known_hosts.extra",
        "VerifyHostKeyDNS": "ask",
        "VersionAddendum": "sshsuite",
        "VisualHostKey": "yes",
        "WarnWeakCrypto": "no-pq-kex",
        "XAuthLocation": "/usr/local/bin/xauth",
        # old names, deprecated and removed keywords
        "AFSTokenPassing": "no",
        "ChallengeResponseAuthentication": "no",
        "Cipher": "3des",
        "CompressionLevel": "6",
        "DSAAuthentication": "no",
        "FallBackToRsh": "no",
        "GlobalKnownHostsFile2": "/etc/ssh/ssh_known_hosts2",
        "HostbasedAlgorithms": "ssh-ed25519",
        "HostbasedKeyTypes": "ssh-ed25519",
        "IdentityFile2": "~/.ssh/id_sample2",
        "KeepAlive": "no",
        "KerberosAuthentication": "no",
        "KerberosTGTPassing": "no",
        "Protocol": "2",
        "PubkeyAcceptedKeyTypes": "ssh-ed25519",
        "RhostsAuthentication": "no",
        "RhostsRSAAuthentication": "no",
        "RSAAuthentication": "no",
        "SKeyAuthentication": "no",
        "SmartcardDevice": "/usr/lib/sample-pkcs11.so",
        "TISAuthentication": "no",
        "UsePrivilegedPort": "no",
        "UserKnownHostsFile2": "~/.ssh/known_hosts2",
        "UseRoaming": "no",
        "UseRsh": "no",
        # Debian patches
        "GSSAPIClientIdentity": "alice@EXAMPLE.ORG",
        "GSSAPIKexAlgorithms": "gss-curve25519-sha256-",
        "GSSAPIKeyExchange": "yes",
        "GSSAPIRenewalForcesRekey": "yes",
        "GSSAPIServerIdentity": "host/server.example.org",
        "GSSAPITrustDns": "yes",
        "ProtocolKeepAlives": "45",
        "SetupTimeOut": "12",
        "UseBlacklistedKeys": "no",
    },
}

#: keywords a Linux build rejects although its version has them
LINUX_REJECTS = {("sshd", "rdomain")}

#: lines a keyword cannot stand without (sshd refuses the config otherwise)
COMPANIONS = {
    ("sshd", "AuthorizedKeysCommand"): "AuthorizedKeysCommandUser nobody\n",
    ("sshd", "AuthorizedPrincipalsCommand"): "AuthorizedPrincipalsCommandUser nobody\n",
}

#: the host ssh -G is asked about: an address, so nothing is ever looked up
SSH_TARGET = "192.0.2.1"


def _all(daemon):
    return sorted(catalogue.keywords(daemon).values(), key=lambda kw: kw.name.lower())


def _ids(keywords):
    return [kw.name for kw in keywords]


# ---------------------------------------------------------------------------
# schema and data sanity
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("daemon", catalogue.DAEMONS)
def test_every_entry_follows_the_schema(daemon):
    seen = set()
    for kw in _all(daemon):
        assert kw.daemon == daemon, kw.name
        assert kw.name.lower() not in seen, kw.name
        seen.add(kw.name.lower())
        assert kw.value in catalogue.VALUE_TYPES, kw.name
        assert kw.multi in catalogue.MULTI_KINDS, kw.name
        assert bool(kw.choices) == (kw.value == "choice"), kw.name
        assert all(c == c.lower() for c in kw.choices), kw.name
        for version in (kw.since, kw.removed, kw.deprecated, kw.renamed_in, kw.match_since) + kw.missing_in:
            if version is not None:
                assert re.match(r"^\d+\.\d+$", version), (kw.name, version)
        assert (kw.renamed_to is None) == (kw.renamed_in is None), kw.name
        if kw.renamed_to:
            assert catalogue.lookup(daemon, kw.renamed_to).renamed_to is None, kw.name
        if kw.effective_key:
            assert kw.effective_key == kw.effective_key.lower(), kw.name
        assert kw.vendor in (None, "debian"), kw.name
        if daemon == "ssh":
            assert kw.match, "every ssh_config keyword may stand under Host/Match: %s" % kw.name
    assert set(catalogue.keywords(daemon)) == seen


def test_keywords_are_keyed_by_lower_case_name_and_include_old_names():
    sshd = catalogue.keywords("sshd")
    assert sshd["permitrootlogin"].name == "PermitRootLogin"
    for old in ("pubkeyacceptedkeytypes", "challengeresponseauthentication",
                "useprivilegeseparation", "protocol", "uselogin", "rsaauthentication"):
        assert old in sshd
    ssh = catalogue.keywords("ssh")
    for old in ("pubkeyacceptedkeytypes", "hostbasedkeytypes", "cipher", "useroaming"):
        assert old in ssh


def test_keywords_returns_a_copy():
    table = catalogue.keywords("sshd")
    table.clear()
    assert catalogue.keywords("sshd")


def test_list_separators_follow_the_man_pages():
    sshd = catalogue.keywords("sshd")
    for name in ("kexalgorithms", "ciphers", "macs", "hostkeyalgorithms",
                 "pubkeyacceptedalgorithms", "casignaturealgorithms"):
        assert sshd[name].multi == "comma", name
    for name in ("allowusers", "allowgroups", "denyusers", "denygroups", "acceptenv",
                 "authorizedkeysfile", "authenticationmethods", "permitopen",
                 "permitlisten", "channeltimeout", "setenv"):
        assert sshd[name].multi == "space", name
    for name in ("hostkey", "hostcertificate", "port", "listenaddress", "include", "subsystem"):
        assert sshd[name].multi == "repeat", name
        assert not sshd[name].first_wins, name
    ssh = catalogue.keywords("ssh")
    for name in ("identityfile", "certificatefile", "localforward", "remoteforward", "dynamicforward"):
        assert ssh[name].multi == "repeat", name
    assert ssh["sendenv"].multi == "space" and not ssh["sendenv"].first_wins


def test_debian_only_keywords_are_marked_as_debian_patches():
    for daemon, names in (("sshd", ("DebianBanner", "GSSAPIKeyExchange", "GSSAPIKexAlgorithms")),
                          ("ssh", ("GSSAPIKeyExchange", "GSSAPIKexAlgorithms", "GSSAPITrustDns"))):
        for name in names:
            kw = catalogue.lookup(daemon, name)
            assert kw.vendor == "debian"
            assert "Debian" in kw.note


def test_no_keyword_lacks_a_live_sample():
    """The live tests below need a value for every keyword of every daemon."""
    for daemon in catalogue.DAEMONS:
        missing = [kw.name for kw in _all(daemon) if not kw.block and kw.name not in SAMPLES[daemon]]
        assert not missing, (daemon, missing)
        unknown = [name for name in SAMPLES[daemon] if name.lower() not in catalogue.keywords(daemon)]
        assert not unknown, (daemon, unknown)


# ---------------------------------------------------------------------------
# lookup / suggest
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["PermitRootLogin", "permitrootlogin", "PERMITROOTLOGIN", " PermitRootLogin "])
def test_lookup_ignores_case(spelling):
    assert catalogue.lookup("sshd", spelling).name == "PermitRootLogin"


def test_lookup_of_an_unknown_keyword_names_the_closest_one():
    with pytest.raises(OpenSSHConfigError) as caught:
        catalogue.lookup("sshd", "PermitRootLogon")
    assert str(caught.value) == (
        "unknown sshd_config keyword 'PermitRootLogon'; did you mean 'PermitRootLogin'?"
    )
    with pytest.raises(OpenSSHConfigError, match=r"unknown ssh_config keyword 'StrictHostKeyCheck'; "
                                                 r"did you mean 'StrictHostKeyChecking'\?"):
        catalogue.lookup("ssh", "StrictHostKeyCheck")


def test_lookup_keeps_daemons_apart():
    with pytest.raises(OpenSSHConfigError, match="unknown ssh_config keyword 'PermitRootLogin'"):
        catalogue.lookup("ssh", "PermitRootLogin")
    with pytest.raises(OpenSSHConfigError, match="unknown sshd_config keyword 'ProxyJump'"):
        catalogue.lookup("sshd", "ProxyJump")


def test_lookup_of_nonsense_offers_no_guess():
    with pytest.raises(OpenSSHConfigError) as caught:
        catalogue.lookup("sshd", "Xyzzy")
    assert "did you mean" not in str(caught.value)


def test_suggest():
    assert catalogue.suggest("sshd", "PasswordAuth") == "PasswordAuthentication"
    assert catalogue.suggest("sshd", "x11forwarding") == "X11Forwarding"
    assert catalogue.suggest("ssh", "ProxyJmp") == "ProxyJump"
    assert catalogue.suggest("ssh", "Xyzzy") is None


def test_unknown_daemon_is_an_error():
    with pytest.raises(OpenSSHConfigError, match="unknown daemon"):
        catalogue.keywords("telnetd")


# ---------------------------------------------------------------------------
# resolve: translations and version errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "daemon, asked, version, written",
    [
        # new name on a target that only knows the old one
        ("sshd", "PubkeyAcceptedAlgorithms", "8.4", "PubkeyAcceptedKeyTypes"),
        ("sshd", "HostbasedAcceptedAlgorithms", "8.4p1", "HostbasedAcceptedKeyTypes"),
        ("ssh", "PubkeyAcceptedAlgorithms", "8.4", "PubkeyAcceptedKeyTypes"),
        ("ssh", "HostbasedAcceptedAlgorithms", "8.4", "HostbasedKeyTypes"),
        ("ssh", "HostbasedAcceptedAlgorithms", "8.5", "HostbasedKeyTypes"),
        # before 8.7 ChallengeResponseAuthentication decides keyboard-interactive
        ("sshd", "KbdInteractiveAuthentication", "8.4", "ChallengeResponseAuthentication"),
        ("ssh", "KbdInteractiveAuthentication", "8.4", "ChallengeResponseAuthentication"),
        # old name on a target that knows the new one
        ("sshd", "PubkeyAcceptedKeyTypes", "9.2", "PubkeyAcceptedAlgorithms"),
        ("sshd", "PubkeyAcceptedKeyTypes", "8.5", "PubkeyAcceptedAlgorithms"),
        ("sshd", "ChallengeResponseAuthentication", "9.2", "KbdInteractiveAuthentication"),
        ("sshd", "ChallengeResponseAuthentication", "10.0p2", "KbdInteractiveAuthentication"),
        ("sshd", "SKeyAuthentication", "10.0", "KbdInteractiveAuthentication"),
        ("ssh", "HostbasedKeyTypes", "9.2", "HostbasedAcceptedAlgorithms"),
        ("ssh", "HostbasedAlgorithms", "9.2", "HostbasedAcceptedAlgorithms"),
        ("ssh", "HostbasedAlgorithms", "8.4", "HostbasedKeyTypes"),
        ("ssh", "TISAuthentication", "9.2", "KbdInteractiveAuthentication"),
        # plain aliases
        ("sshd", "KeepAlive", "8.4", "TCPKeepAlive"),
        ("sshd", "HostDSAKey", "9.2", "HostKey"),
        ("ssh", "IdentityFile2", "9.2", "IdentityFile"),
        ("ssh", "ProtocolKeepAlives", "9.2", "ServerAliveInterval"),
        # names that need no translation
        ("sshd", "ChallengeResponseAuthentication", "8.4", "ChallengeResponseAuthentication"),
        ("sshd", "PubkeyAcceptedAlgorithms", "9.2", "PubkeyAcceptedAlgorithms"),
        ("sshd", "KbdInteractiveAuthentication", "9.2", "KbdInteractiveAuthentication"),
        ("sshd", "ChannelTimeout", "9.2", "ChannelTimeout"),
        ("sshd", "permitrootlogin", "7.4", "PermitRootLogin"),
        ("sshd", "PerSourcePenalties", "10.5", "PerSourcePenalties"),
        ("sshd", "PerSourcePenalties", "11.0", "PerSourcePenalties"),
        # deprecated no-ops are still written (callers warn with deprecated_in)
        ("sshd", "UsePrivilegeSeparation", "9.2", "UsePrivilegeSeparation"),
        ("sshd", "Protocol", "8.4", "Protocol"),
        ("sshd", "SKeyAuthentication", "8.4", "SKeyAuthentication"),
    ],
)
def test_resolve_writes_the_name_the_target_understands(daemon, asked, version, written):
    assert catalogue.resolve(daemon, asked, version).name == written


@pytest.mark.parametrize(
    "daemon, asked, version, message",
    [
        ("sshd", "ChannelTimeout", "8.4", "ChannelTimeout needs OpenSSH 9.2 or newer; the target runs 8.4"),
        ("sshd", "PerSourcePenalties", "9.2p1", "PerSourcePenalties needs OpenSSH 9.8 or newer; the target runs 9.2"),
        ("sshd", "RequiredRSASize", "8.4", "RequiredRSASize needs OpenSSH 9.1 or newer; the target runs 8.4"),
        ("sshd", "Include", "7.9", "Include needs OpenSSH 8.2 or newer; the target runs 7.9"),
        ("sshd", "SshdAuthPath", "9.9", "SshdAuthPath needs OpenSSH 10.0 or newer; the target runs 9.9"),
        ("ssh", "Tag", "9.2", "Tag needs OpenSSH 9.4 or newer; the target runs 9.2"),
        ("ssh", "WarnWeakCrypto", "10.0", "WarnWeakCrypto needs OpenSSH 10.1 or newer; the target runs 10.0"),
        ("sshd", "PAMAuthenticationViaKbdInt", "10.4", "PAMAuthenticationViaKbdInt was removed in OpenSSH 10.4; "
                                                       "the target runs 10.4"),
        ("sshd", "GSSAPIAuthentication", "10.4", "OpenSSH 10.4 rejects GSSAPIAuthentication"),
        ("sshd", "PermitRootLogin", "7.2", "OpenSSH 7.2 is older than 7.4"),
    ],
)
def test_resolve_refuses_keywords_the_target_lacks(daemon, asked, version, message):
    with pytest.raises(OpenSSHConfigError) as caught:
        catalogue.resolve(daemon, asked, version)
    assert str(caught.value).startswith(message)


def test_resolve_works_again_after_a_regression_release():
    assert catalogue.resolve("sshd", "GSSAPIAuthentication", "10.5").name == "GSSAPIAuthentication"
    assert catalogue.resolve("sshd", "GSSAPIAuthentication", "10.3").name == "GSSAPIAuthentication"


@pytest.mark.parametrize("version", ["8.4", "8.4p1", "OpenSSH_8.4p1 Debian-5+deb11u3", (8, 4)])
def test_resolve_accepts_version_spellings(version):
    assert catalogue.resolve("sshd", "PubkeyAcceptedAlgorithms", version).name == "PubkeyAcceptedKeyTypes"


@pytest.mark.parametrize("version", ["", "nine", "9", None])
def test_resolve_rejects_bad_versions(version):
    with pytest.raises(OpenSSHConfigError, match="not an OpenSSH version"):
        catalogue.resolve("sshd", "Port", version)


def test_resolve_reports_unknown_names_like_lookup():
    with pytest.raises(OpenSSHConfigError, match="did you mean 'ChannelTimeout'"):
        catalogue.resolve("sshd", "ChannelTimout", "9.2")


@pytest.mark.parametrize("daemon", catalogue.DAEMONS)
def test_translations_table_agrees_with_the_keyword_data(daemon):
    for old, new, version, note in catalogue.TRANSLATIONS[daemon]:
        old_kw = catalogue.lookup(daemon, old)
        new_kw = catalogue.lookup(daemon, new)
        assert old_kw.renamed_to == new_kw.name, old
        assert old_kw.renamed_in == version, old
        assert note
    listed = {t[0].lower() for t in catalogue.TRANSLATIONS[daemon]}
    for kw in _all(daemon):
        if kw.renamed_to:
            assert kw.name.lower() in listed, "%s is renamed but not in TRANSLATIONS" % kw.name


@pytest.mark.parametrize("daemon", catalogue.DAEMONS)
@pytest.mark.parametrize("version", ["7.4", "8.4", "8.5", "8.7", "9.2", "10.0", "10.4", "10.5"])
def test_resolve_only_ever_returns_a_keyword_the_target_has(daemon, version):
    for kw in _all(daemon):
        try:
            written = catalogue.resolve(daemon, kw.name, version)
        except OpenSSHConfigError:
            assert not kw.exists_in(version) or kw.renamed_to
            continue
        assert written.exists_in(version), (kw.name, written.name)


def test_deprecated_in():
    privsep = catalogue.lookup("sshd", "UsePrivilegeSeparation")
    assert not privsep.deprecated_in("7.4")
    assert privsep.deprecated_in("7.5")
    skey = catalogue.lookup("sshd", "SKeyAuthentication")
    assert not skey.deprecated_in("7.4")
    assert skey.deprecated_in("8.4")
    assert not skey.deprecated_in("9.2")
    assert not catalogue.lookup("sshd", "PermitRootLogin").deprecated_in("9.2")


# ---------------------------------------------------------------------------
# Match criteria and Match-allowed keywords
# ---------------------------------------------------------------------------


def test_match_criteria_of_both_daemons():
    sshd = {name: c.since for name, c in catalogue.MATCH_CRITERIA["sshd"].items()}
    assert sshd == {
        "all": "7.4", "user": "7.4", "group": "7.4", "host": "7.4", "address": "7.4",
        "localaddress": "7.4", "localport": "7.4", "rdomain": "7.7", "invalid-user": "9.9",
        "version": "10.0",
    }
    ssh = {name: c.since for name, c in catalogue.MATCH_CRITERIA["ssh"].items()}
    assert ssh == {
        "all": "7.4", "canonical": "7.4", "exec": "7.4", "host": "7.4", "localuser": "7.4",
        "originalhost": "7.4", "user": "7.4", "final": "8.0", "localnetwork": "9.4",
        "tagged": "9.4", "command": "10.0", "sessiontype": "10.0", "version": "10.0",
    }
    assert not catalogue.MATCH_CRITERIA["sshd"]["invalid-user"].takes_argument
    assert not catalogue.MATCH_CRITERIA["sshd"]["all"].takes_argument
    assert catalogue.MATCH_CRITERIA["sshd"]["user"].takes_argument
    for name in ("all", "canonical", "final"):
        assert not catalogue.MATCH_CRITERIA["ssh"][name].takes_argument


def test_criterion_checks_the_version():
    assert catalogue.criterion("sshd", "User", "7.4").name == "User"
    assert catalogue.criterion("sshd", "invalid-user", "10.0").name == "Invalid-User"
    with pytest.raises(OpenSSHConfigError, match="Match Invalid-User needs OpenSSH 9.9 or newer; the target runs 9.2"):
        catalogue.criterion("sshd", "Invalid-User", "9.2")
    with pytest.raises(OpenSSHConfigError, match="Match tagged needs OpenSSH 9.4 or newer; the target runs 8.4"):
        catalogue.criterion("ssh", "Tagged", "8.4p1")
    with pytest.raises(OpenSSHConfigError, match="Match version needs OpenSSH 10.0"):
        catalogue.criterion("ssh", "version", "9.2")
    with pytest.raises(OpenSSHConfigError, match="unknown Match criterion 'Usr' in sshd_config; did you mean 'User'"):
        catalogue.criterion("sshd", "Usr", "9.2")


# a sample of the "Available keywords" list of sshd_config(5) at V_9_2_P1,
# and of keywords the page leaves out of that list
MAN_MATCH_ALLOWED = ("AcceptEnv", "AllowTcpForwarding", "AuthenticationMethods", "AuthorizedKeysFile",
                     "Banner", "ChrootDirectory", "ClientAliveInterval", "DenyGroups", "ForceCommand",
                     "LogLevel", "MaxSessions", "PasswordAuthentication", "PermitOpen", "PermitListen",
                     "PermitRootLogin", "PermitTTY", "SetEnv", "X11Forwarding", "ChannelTimeout",
                     "UnusedConnectionTimeout", "PubkeyAcceptedAlgorithms", "RDomain")
MAN_MATCH_REFUSED = ("Port", "ListenAddress", "HostKey", "Ciphers", "KexAlgorithms", "MACs", "UsePAM",
                     "LoginGraceTime", "MaxStartups", "PidFile", "Compression", "UseDNS", "PrintMotd",
                     "StrictModes", "SyslogFacility", "TCPKeepAlive", "AddressFamily", "HostKeyAlgorithms")


@pytest.mark.parametrize("name", MAN_MATCH_ALLOWED)
def test_keywords_the_man_page_allows_in_match(name):
    assert catalogue.allowed_in_match("sshd", name)
    assert catalogue.allowed_in_match("sshd", name, "9.2")


@pytest.mark.parametrize("name", MAN_MATCH_REFUSED)
def test_keywords_the_man_page_keeps_out_of_match(name):
    assert not catalogue.allowed_in_match("sshd", name)


def test_match_permission_that_came_later():
    assert not catalogue.allowed_in_match("sshd", "Subsystem", "9.2")
    assert catalogue.allowed_in_match("sshd", "Subsystem", "9.5")
    assert not catalogue.allowed_in_match("sshd", "LogLevel", "7.4")
    assert catalogue.allowed_in_match("sshd", "LogLevel", "7.6")
    assert not catalogue.allowed_in_match("sshd", "IgnoreRhosts", "8.2")
    assert catalogue.allowed_in_match("sshd", "IgnoreRhosts", "8.3")


def test_block_keywords_are_not_settings():
    assert not catalogue.allowed_in_match("sshd", "Match")
    assert catalogue.lookup("sshd", "Match").block
    assert catalogue.lookup("ssh", "Host").block
    assert not catalogue.allowed_in_match("ssh", "Host")
    assert catalogue.allowed_in_match("ssh", "ProxyJump")


# ---------------------------------------------------------------------------
# coverage per release: every keyword the man page documents is known
# ---------------------------------------------------------------------------


def _fixture_files():
    found = []
    for entry in sorted(os.listdir(FIXTURES)):
        matched = re.match(r"^(sshd_config|ssh_config)-(\d+\.\d+)\.txt$", entry)
        if matched:
            found.append((matched.group(1), matched.group(2)))
    return found


def _documented(page, version):
    with open(os.path.join(FIXTURES, "%s-%s.txt" % (page, version))) as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def test_fixtures_cover_the_lab_versions_and_the_newest_release():
    versions = {version for _page, version in _fixture_files()}
    assert {"7.4", "8.4", "9.2", "10.0", catalogue.NEWEST_KNOWN} <= versions
    assert len(_fixture_files()) == 2 * len(versions)


@pytest.mark.parametrize("page, version", _fixture_files())
def test_every_documented_keyword_is_known_at_that_version(page, version):
    daemon = "sshd" if page == "sshd_config" else "ssh"
    names = _documented(page, version)
    assert len(names) > 80
    problems = []
    for name in names:
        try:
            kw = catalogue.lookup(daemon, name)
        except OpenSSHConfigError as exc:
            problems.append(str(exc))
            continue
        if not kw.exists_in(version):
            problems.append("%s: catalogue says absent in %s" % (name, version))
        elif kw.deprecated_in(version):
            problems.append("%s: documented but catalogue says deprecated in %s" % (name, version))
    assert not problems


@pytest.mark.parametrize("page, version", _fixture_files())
def test_current_keywords_missing_from_the_man_page_are_explained(page, version):
    """A keyword the catalogue offers as current on a version must be in that page.

    Exceptions: old names kept as aliases, deprecated no-ops and Debian patches.
    """
    daemon = "sshd" if page == "sshd_config" else "ssh"
    documented = {name.lower() for name in _documented(page, version)}
    unexplained = [
        kw.name for kw in _all(daemon)
        if kw.exists_in(version) and kw.name.lower() not in documented
        and not kw.renamed_to and not kw.deprecated_in(version) and not kw.vendor
    ]
    assert not unexplained


# ---------------------------------------------------------------------------
# live: the controller's own OpenSSH
# ---------------------------------------------------------------------------


def _controller_version():
    if not os.path.exists(SSHD) or not os.path.exists(SSH):
        return None, ""
    result = subprocess.run([SSH, "-V"], capture_output=True, text=True, timeout=30, check=False)
    text = result.stderr + result.stdout
    matched = re.search(r"OpenSSH_(\d+\.\d+)", text)
    return (matched.group(1) if matched else None), text


CONTROLLER_VERSION, CONTROLLER_BANNER = _controller_version()
CONTROLLER_IS_DEBIAN = "Debian" in CONTROLLER_BANNER
needs_openssh = pytest.mark.skipif(CONTROLLER_VERSION is None, reason="no sshd/ssh on this machine")


def _live_keywords(daemon):
    if CONTROLLER_VERSION is None:
        return []
    return [
        kw for kw in _all(daemon)
        if kw.exists_in(CONTROLLER_VERSION) and not kw.block
        and (daemon, kw.name.lower()) not in LINUX_REJECTS
        and (kw.vendor is None or CONTROLLER_IS_DEBIAN)
    ]


@pytest.fixture(scope="module")
def live_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("catalogue-live")
    for key in ("hostkey", "hostkey2", "ca"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / key)],
                       check=True, capture_output=True, timeout=60)
    subprocess.run(["ssh-keygen", "-q", "-s", str(tmp / "ca"), "-I", "sample-host", "-h",
                    "-n", "server.example.org", str(tmp / "hostkey2.pub")],
                   check=True, capture_output=True, timeout=60)
    (tmp / "conf.d").mkdir()
    (tmp / "ssh.d").mkdir()
    return tmp


def _sample(daemon, kw, tmp):
    return SAMPLES[daemon][kw.name].replace("{tmp}", str(tmp))


def _sshd(tmp, body, *extra):
    config = tmp / "sshd_config"
    config.write_text("HostKey %s\n%s" % (tmp / "hostkey", body))
    return subprocess.run(sshd_host.sshd_argv([*extra, "-f", str(config)], SSHD), capture_output=True, text=True, timeout=60, check=False)


def _ssh_dump(tmp, body):
    config = tmp / "ssh_config"
    config.write_text(body)
    env = dict(os.environ, HOME=str(tmp))
    return subprocess.run([SSH, "-G", "-F", str(config), SSH_TARGET],
                          capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL, check=False)


def _printed_keys(stdout):
    return {line.split(" ", 1)[0].lower() for line in stdout.splitlines() if line.strip()}


def _expected_key(daemon, kw):
    """The key the running version prints for a line written as ``kw.name``."""
    if kw.renamed_to and catalogue.vtuple(CONTROLLER_VERSION) >= catalogue.vtuple(kw.renamed_in):
        return catalogue.lookup(daemon, kw.renamed_to).key
    return kw.key


@needs_openssh
@pytest.mark.parametrize("kw", _live_keywords("sshd"), ids=_ids(_live_keywords("sshd")))
def test_controller_sshd_accepts_keyword(kw, live_dir):
    line = "%s %s\n%s" % (kw.name, _sample("sshd", kw, live_dir), COMPANIONS.get(("sshd", kw.name), ""))
    checked = _sshd(live_dir, line, "-t")
    assert checked.returncode == 0, checked.stderr
    assert "Bad configuration option" not in checked.stderr
    if kw.deprecated_in(CONTROLLER_VERSION) and kw.name != "Protocol":
        # Protocol is ignored silently; the others say so
        assert re.search(r"(Deprecated|Unsupported) option", checked.stderr), checked.stderr
    else:
        assert "Deprecated option" not in checked.stderr


@needs_openssh
@pytest.mark.parametrize("kw", _live_keywords("sshd"), ids=_ids(_live_keywords("sshd")))
def test_controller_sshd_prints_keyword_under_catalogue_key(kw, live_dir):
    line = "%s %s\n%s" % (kw.name, _sample("sshd", kw, live_dir), COMPANIONS.get(("sshd", kw.name), ""))
    dumped = _sshd(live_dir, line, "-T")
    assert dumped.returncode == 0, dumped.stderr
    keys = _printed_keys(dumped.stdout)
    if kw.dumped:
        assert _expected_key("sshd", kw) in keys
    else:
        assert kw.key not in keys


@needs_openssh
@pytest.mark.parametrize("kw", _live_keywords("sshd"), ids=_ids(_live_keywords("sshd")))
def test_controller_sshd_allows_keyword_in_match_as_catalogue_says(kw, live_dir):
    if kw.name in ("Include",):
        pytest.skip("Include inside Match is accepted but reads files; covered by the plain test")
    body = "Match User nobody\n    %s %s\n    %s" % (
        kw.name, _sample("sshd", kw, live_dir), COMPANIONS.get(("sshd", kw.name), ""))
    checked = _sshd(live_dir, body, "-T", "-C", "user=nobody,host=client.example.org,addr=192.0.2.10")
    refused = "is not allowed within a Match block" in checked.stderr
    assert refused != catalogue.allowed_in_match("sshd", kw.name, CONTROLLER_VERSION), checked.stderr
    if not refused:
        assert checked.returncode == 0, checked.stderr


@needs_openssh
@pytest.mark.parametrize("kw", _live_keywords("ssh"), ids=_ids(_live_keywords("ssh")))
def test_controller_ssh_accepts_keyword(kw, live_dir):
    dumped = _ssh_dump(live_dir, "%s %s\n" % (kw.name, _sample("ssh", kw, live_dir)))
    assert dumped.returncode == 0, dumped.stderr
    assert "Bad configuration option" not in dumped.stderr
    keys = _printed_keys(dumped.stdout)
    if kw.dumped:
        assert _expected_key("ssh", kw) in keys
    else:
        assert kw.key not in keys
