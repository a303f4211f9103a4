#!/usr/bin/python3
"""Records NBD sessions for the fuzz seeds: listens on 127.0.0.1:LISTEN, forwards each connection to
127.0.0.1:TARGET, and writes what the client sent to DIR/NAME.client and what the server sent to DIR/NAME.server,
one connection per NAME, in the order given.

    nbd-record.py LISTEN TARGET DIR NAME...
"""
import socket
import sys
import threading


def pump(src, dst, path):
    with open(path, "wb") as f:
        while True:
            data = src.recv(65536)
            if not data:
                break
            f.write(data)
            dst.sendall(data)
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def main():
    listen, target, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen))
    server.listen()
    print("listening", flush=True)
    for name in sys.argv[4:]:
        client, _ = server.accept()
        upstream = socket.create_connection(("127.0.0.1", target))
        pumps = [threading.Thread(target=pump, args=(client, upstream, f"{out}/{name}.client")),
                 threading.Thread(target=pump, args=(upstream, client, f"{out}/{name}.server"))]
        for p in pumps:
            p.start()
        for p in pumps:
            p.join()
        client.close()
        upstream.close()


main()
