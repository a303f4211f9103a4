"""Block status queries through libnbd, for BlockStatusAgreementTest.

usage: /usr/bin/python3 blockstatus.py QUERY... -- (URI | SERVER-COMMAND...)

Connects to URI, or starts SERVER-COMMAND with systemd socket activation (as nbdinfo's [ CMD ] does), with the
contexts base:allocation and qemu:allocation-depth, and sends each QUERY (OFFSET:LENGTH, or OFFSET:LENGTH:one
for NBD_CMD_FLAG_REQ_ONE) as one NBD_CMD_BLOCK_STATUS. Prints one JSON object: the export's size and, per query, the
extents each context replied, as [length, flags] pairs exactly as the server sent them.
"""
import json
import sys

import nbd

CONTEXTS = ["base:allocation", "qemu:allocation-depth"]


def main(argv):
    split = argv.index("--")
    queries = [q.split(":") for q in argv[:split]]
    target = argv[split + 1:]
    h = nbd.NBD()
    for c in CONTEXTS:
        h.add_meta_context(c)
    if len(target) == 1 and target[0].startswith("nbd"):
        h.connect_uri(target[0])
    else:
        h.connect_systemd_socket_activation(target)
    replies = []
    for q in queries:
        offset, length, one = int(q[0]), int(q[1]), q[2:] == ["one"]
        reply = {}

        def extent(context, _offset, entries, _error, reply=reply):
            reply[context] = [entries[i:i + 2] for i in range(0, len(entries), 2)]
            return 0

        h.block_status(length, offset, extent, nbd.CMD_FLAG_REQ_ONE if one else 0)
        replies.append({"offset": offset, "length": length, "one": one, "extents": reply})
    result = {"size": h.get_size(), "contexts": [c for c in CONTEXTS if h.can_meta_context(c)], "replies": replies}
    h.shutdown()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
