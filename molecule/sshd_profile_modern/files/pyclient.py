"""Log in as alice@127.0.0.1 with the lab's Ed25519 key using paramiko or
AsyncSSH (whichever copy is first on sys.path), run `id -un`, print
"OK <library> <version> <user>" or "ERROR <library> <version> <message>".
A second argument `compress` makes the client ask for zlib compression first."""
import sys

KEY = "/root/.ssh/id_ed25519"
lib = sys.argv[1]
compress = sys.argv[2:] == ["compress"]


def run_paramiko():
    import paramiko
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", 22, username="alice", key_filename=KEY, look_for_keys=False,
                   allow_agent=False, timeout=10, compress=compress)
    _unused, out, _unused = client.exec_command("id -un")
    user = out.read().decode().strip()
    client.close()
    return paramiko.__version__, user


def run_asyncssh():
    import asyncio
    import asyncssh

    extra = {"compression_algs": ["zlib@openssh.com", "zlib", "none"]} if compress else {}

    async def main():
        async with asyncssh.connect("127.0.0.1", 22, username="alice", client_keys=[KEY],
                                    known_hosts=None, agent_path=None, **extra) as conn:
            result = await conn.run("id -un", check=True)
            return result.stdout.strip()

    loop = asyncio.new_event_loop()
    return asyncssh.__version__, loop.run_until_complete(main())


try:
    version, user = {"paramiko": run_paramiko, "asyncssh": run_asyncssh}[lib]()
    print("OK %s %s %s" % (lib, version, user))
except Exception as exc:  # noqa: BLE001 - report any failure with its text
    mod = sys.modules.get(lib)
    print("ERROR %s %s %s: %s" % (lib, getattr(mod, "__version__", "?"), type(exc).__name__, exc))
    sys.exit(1)
