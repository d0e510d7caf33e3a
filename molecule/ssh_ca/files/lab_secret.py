"""The lab's CA passphrase, read from the Ansible Vault file in-process (never on a command line)."""
from ansible.constants import DEFAULT_VAULT_ID_MATCH
from ansible.parsing.vault import VaultLib, VaultSecret


def passphrase(vault_file, password_file):
    with open(password_file, "rb") as handle:
        secret = VaultSecret(handle.read().strip())
    with open(vault_file) as handle:
        text = handle.read()
    block = text.split("!vault |", 1)[1]
    lines = block.split("\n")[1:]
    payload = "\n".join(line.strip() for line in lines if line.startswith(" ") and line.strip())
    return VaultLib([(DEFAULT_VAULT_ID_MATCH, secret)]).decrypt(payload).decode()
