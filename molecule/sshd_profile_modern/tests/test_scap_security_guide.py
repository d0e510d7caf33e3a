"""The SSH rules of the SCAP Security Guide against a converged `modern` host
(issue 19): OpenSCAP evaluates each container's file system offline, from
the controller, through `podman mount` (the containers have no network and
no scanner of their own).

Every SSH rule of the Debian content must pass, except the rules listed in
NOT_PASSED, each of which is obsolete, contradicts another rule of the same
content, or contradicts a decision of this collection (docs/profiles.md,
"SCAP Security Guide", gives the reasons). A listed rule that starts to pass
fails the test too, so the list and the page stay true.

How the offline scan works, and the two adjustments it needs:
  * OSCAP_PROBE_ROOT points every OVAL probe at the mounted root (what
    `oscap-chroot` does). The dpkginfo probe then builds an APT cache inside
    that root; APT_CONFIG points it at an empty configuration so that the
    controller's own apt.conf.d (a "docker-clean" file that sets
    Dir::Cache::pkgcache "" is common) cannot break it. The cache files it
    leaves in the container's /var/cache/apt are removed afterwards.
  * The Debian content declares its benchmark for one Debian release
    (cpe:/o:debian:debian_linux:12) and its SSH group for a "system with a
    kernel" (the linux-image package). A lab container has no kernel package
    and trixie is not Debian 12, so a copy of the content without those two
    applicability marks is evaluated: the rules themselves are unchanged.
"""
import os
import re
import shutil
import subprocess
import tempfile
from xml.etree import ElementTree

import pytest

from testlib import suite

XCCDF = "{http://checklists.nist.gov/xccdf/1.2}"
RULE_PREFIX = "xccdf_org.ssgproject.content_rule_"
PROFILE_PREFIX = "xccdf_org.ssgproject.content_profile_"
#: where lab/host-setup.sh unpacks the content (see there why it is trixie's ssg-debian)
CONTENT_DIR = os.environ.get("SSHSUITE_SSG_CONTENT", "/opt/sshsuite-lab/ssg/content")
#: the Debian content each lab release is judged with (no Debian 13 content exists yet)
CONTENT = {"bullseye": ("debian11",), "bookworm": ("debian12",), "trixie": ("debian13", "debian12")}

#: SSH rules a converged modern host does not pass, on purpose: rule -> reason.
#: docs/profiles.md ("SCAP Security Guide") gives the same list with the reasons.
NOT_PASSED = {
    # selected by Debian profiles of the content
    "sshd_set_keepalive_0": "ClientAliveCountMax 0 disables the dead-peer disconnect since OpenSSH 8.2; "
                            "sshd_audit fails it",
    "sshd_set_keepalive": "wants ClientAliveCountMax equal to one value (0 by default: see keepalive_0; "
                          "1 in standard); modern's dead-peer policy sends 3 probes",
    "sshd_set_idle_timeout": "ClientAliveInterval passes, but the rule includes sshd_set_keepalive",
    "sshd_allow_only_protocol2": "obsolete: Protocol was removed in OpenSSH 7.4 (SSH-1 is gone)",
    # selected by no Debian profile
    "package_openssh-server_removed": "contradicts package_openssh-server_installed",
    "service_sshd_disabled": "contradicts a managed SSH server (and systemd is not probed offline)",
    "iptables_sshd_disabled": "firewall rule without an automated check (notchecked)",
    "sshd_disable_pubkey_auth": "contradicts sshd_enable_pubkey_auth",
    "sshd_enable_gssapi_auth": "contradicts sshd_disable_gssapi_auth",
    "sshd_enable_x11_forwarding": "contradicts sshd_disable_x11_forwarding",
    "sshd_set_loglevel_info": "contradicts sshd_set_loglevel_verbose",
    "sshd_disable_root_password_login": "wants PermitRootLogin prohibit-password; modern's no is stricter "
                                        "(sshd_disable_root_login)",
    "sshd_disable_rhosts_rsa": "obsolete: RhostsRSAAuthentication was SSH-1 only, removed in OpenSSH 7.4",
    "sshd_use_priv_separation": "obsolete: UsePrivilegeSeparation is always on since OpenSSH 7.5",
    "sshd_enable_warning_banner": "site policy: the legal text is the site's (sshd_audit: review)",
    "sshd_enable_warning_banner_net": "site policy: the legal text is the site's (sshd_audit: review)",
    "sshd_limit_user_access": "site policy: AllowUsers/AllowGroups (sshd_audit: review)",
    "sshd_print_last_log": "literal: wants the default PrintLastLog yes written in sshd_config",
    "sshd_rekey_limit": "RekeyLimit 512M 1h is left to the site: OpenSSH rekeys by cipher block limits",
}
#: the only result that counts as passing: notapplicable, notchecked, unknown and error do not
PASSING = {"pass"}


def content_file(name):
    for base in CONTENT[name]:
        path = os.path.join(CONTENT_DIR, "ssg-%s-ds.xml" % base)
        if os.path.exists(path):
            return base, path
    pytest.fail("no SCAP Security Guide content for %s under %s (run `make setup` as root: "
                "lab/host-setup.sh unpacks it)" % (name, CONTENT_DIR))


def read_content(path):
    """The SSH rules of a data stream, the SSH rules each profile selects, the profiles that give an
    SSH variable a value other than its default, and the content's version."""
    benchmark = next(ElementTree.parse(path).getroot().iter(XCCDF + "Benchmark"))
    rules = [r.get("id") for r in benchmark.iter(XCCDF + "Rule")
             if re.search(r"sshd|openssh-server", r.get("id"))]
    defaults = {}
    for value in benchmark.iter(XCCDF + "Value"):
        options = {v.get("selector") or "": v.text for v in value.findall(XCCDF + "value")}
        defaults[value.get("id")] = (options, options.get(""))
    selected, refining = {}, set()
    for profile in benchmark.iter(XCCDF + "Profile"):
        chosen = {s.get("idref") for s in profile.iter(XCCDF + "select") if s.get("selected") == "true"}
        selected[profile.get("id")] = chosen & set(rules)
        for refine in profile.findall(XCCDF + "refine-value"):
            options, default = defaults.get(refine.get("idref"), ({}, None))
            if "ssh" in refine.get("idref") and options.get(refine.get("selector")) != default:
                refining.add(profile.get("id"))
    return rules, selected, refining, benchmark.find(XCCDF + "version").text


def without_applicability(path, workdir):
    """A copy of the data stream without the release CPE and the system_with_kernel mark."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    text, count = re.subn(r'<xccdf-1\.2:platform idref="(?:cpe:/o:debian:debian_linux:\d+|#system_with_kernel)"/>',
                          "", text)
    assert count, "the content has no applicability marks to remove: the format changed"
    copy = os.path.join(workdir, os.path.basename(path))
    with open(copy, "w", encoding="utf-8") as handle:
        handle.write(text)
    return copy


def oscap_eval(root, datastream, rules, workdir, profile=None):
    """{rule id: result} of `oscap xccdf eval` against a mounted root."""
    apt_parts = os.path.join(workdir, "apt.conf.d")
    os.makedirs(apt_parts, exist_ok=True)
    apt_config = os.path.join(workdir, "apt.conf")
    with open(apt_config, "w") as handle:
        handle.write('Dir::Etc::parts "%s";\nDir::Etc::main "/dev/null";\n' % apt_parts)
    results = os.path.join(workdir, "results-%s.xml" % (profile or "default").rsplit("_", 1)[-1])
    argv = ["oscap", "xccdf", "eval", "--results", results]
    if profile:
        argv += ["--profile", profile]
    for rule in rules:
        argv += ["--rule", rule]
    env = dict(os.environ, OSCAP_PROBE_ROOT=root, APT_CONFIG=apt_config, OSCAP_PROBE_OS_NAME="Linux")
    done = subprocess.run(argv + [datastream], capture_output=True, text=True, env=env, timeout=600, check=False)
    # oscap exits 2 when a rule fails: only a missing results file is an error.
    assert os.path.exists(results), "oscap rc=%d: %s" % (done.returncode, (done.stderr + done.stdout)[-2000:])
    errors = [line for line in done.stderr.splitlines() if line.startswith("E:")]
    assert not errors, "oscap reported errors (a probe did not run, results would lie):\n%s" % "\n".join(errors)
    found = {}
    for item in ElementTree.parse(results).getroot().iter(XCCDF + "rule-result"):
        if item.get("idref") in rules:
            found[item.get("idref")] = item.find(XCCDF + "result").text
    missing = set(rules) - set(found)
    assert not missing, "oscap did not evaluate %s" % sorted(missing)
    return found


@pytest.fixture(scope="module")
def mounted_root(host):
    """The container's root file system on the controller, and cleanup of oscap's APT cache."""
    name = host.backend.name
    if shutil.which("oscap") is None:
        pytest.fail("oscap is missing (Debian package openscap-scanner): run `make setup` as root")
    root = subprocess.run(["podman", "mount", name], capture_output=True, text=True, check=True).stdout.strip()
    cache = os.path.join(root, "var/cache/apt")
    before = set(os.listdir(cache)) if os.path.isdir(cache) else set()
    try:
        yield root
    finally:
        if os.path.isdir(cache):
            for entry in set(os.listdir(cache)) - before:
                if entry.endswith(".bin"):
                    os.unlink(os.path.join(cache, entry))
        subprocess.run(["podman", "unmount", name], capture_output=True, check=False)


def test_ssg_ssh_rules(host, mounted_root):
    name = suite(host)
    base, path = content_file(name)
    rules, profiles, refining, version = read_content(path)
    assert rules, "no SSH rules found in %s" % path
    workdir = tempfile.mkdtemp(prefix="ssg-%s-" % name)
    try:
        datastream = without_applicability(path, workdir)
        results = {"default values": oscap_eval(mounted_root, datastream, rules, workdir)}
        # The profiles that give a rule's variable another value (e.g. standard: ClientAliveCountMax 1)
        # are run once more with that profile; every other profile uses the defaults.
        for profile in sorted(p for p in refining if profiles[p]):
            results[profile] = oscap_eval(mounted_root, datastream, sorted(profiles[profile]), workdir, profile)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    default = results["default values"]
    lines = ["%s: SCAP Security Guide %s, content ssg-%s-ds.xml, %d SSH rules"
             % (name, version, base, len(rules))]
    for rule in rules:
        short = rule[len(RULE_PREFIX):]
        per_profile = ["%s=%s" % (p[len(PROFILE_PREFIX):], r[rule]) for p, r in results.items()
                       if p != "default values" and rule in r]
        in_profiles = sorted(p[len(PROFILE_PREFIX):] for p, sel in profiles.items() if rule in sel)
        lines.append("%s %-40s %-13s profiles: %s%s" % (
            name, short, default.get(rule), ",".join(in_profiles) or "-",
            (" (" + ", ".join(per_profile) + ")") if per_profile else ""))
    report = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", tempfile.gettempdir()),
                          "ssg-%s.txt" % name)
    with open(report, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    unexpected, stale = [], []
    for rule in rules:
        short = rule[len(RULE_PREFIX):]
        outcomes = {default.get(rule)} | {r[rule] for p, r in results.items() if rule in r}
        if short in NOT_PASSED:
            if outcomes <= PASSING:
                stale.append("%s now passes: remove it from NOT_PASSED and docs/profiles.md" % short)
        elif not outcomes <= PASSING:
            unexpected.append("%s: %s" % (short, ", ".join(sorted(str(o) for o in outcomes))))
    assert not unexpected, "SSH rules that fail on a converged modern host:\n%s" % "\n".join(unexpected)
    assert not stale, "\n".join(stale)
