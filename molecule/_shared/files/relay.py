"""stdin/stdout <-> 127.0.0.1:PORT inside the container: the ProxyCommand
through which the controller's Ansible reaches a --network none container
(`podman exec -i CONTAINER python3 /opt/scenario/relay.py 22`)."""
import os
import socket
import sys
import threading

sock = socket.create_connection(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 22))


def upstream():
    while True:
        data = os.read(0, 65536)
        if not data:
            sock.shutdown(socket.SHUT_WR)
            return
        sock.sendall(data)


threading.Thread(target=upstream, daemon=True).start()
while True:
    data = sock.recv(65536)
    if not data:
        break
    os.write(1, data)
