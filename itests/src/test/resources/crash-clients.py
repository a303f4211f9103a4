"""NBD clients writing until their server dies, for the crash tests (Debian's /usr/bin/python3, with libnbd).

usage: crash-clients.py SECONDS JOURNAL_DIR SEED CLIENT...   where CLIENT is URI,OFFSET,LENGTH,ID

One thread per client, each with its own connection, one request at a time on its own region of an export:
writes (1 to 8 blocks of 4 KiB whose content names the client, the block and the write), writes of zeroes and
flushes, until the connection fails (the server was killed) or SECONDS have passed. Each client keeps a journal
JOURNAL_DIR/client-ID.log, one line per step, written before a request goes out and after its reply:
    W SEQ BLOCK COUNT   a write issued      Z SEQ BLOCK COUNT   a write of zeroes issued
    A SEQ               its reply           F / FA              a flush issued / its reply
    E MESSAGE           the connection failed
The test reads the journals to know what each region must hold after the crash (CrashJournal.java).
"""
import random
import sys
import threading
import time
from array import array

import nbd

BLOCK = 4096


def content(client, block, seq):
    """A block's data: 512 big-endian 64-bit words, base + i, where base names client, block and write."""
    base = (client << 48) | (block << 32) | (seq << 9)
    words = array("Q", range(base, base + BLOCK // 8))
    if sys.byteorder == "little":
        words.byteswap()
    return words.tobytes()


def run(uri, offset, length, client, journal, deadline, rng):
    blocks = length // BLOCK
    seq = 0
    with open(journal, "w", buffering=1) as j:
        try:
            h = nbd.NBD()
            h.connect_uri(uri)
            while time.monotonic() < deadline:
                op = rng.random()
                if op < 0.1:
                    j.write("F\n")
                    h.flush()
                    j.write("FA\n")
                    continue
                seq += 1
                n = rng.choice((1, 1, 2, 4, 8))
                first = rng.randrange(blocks - n + 1)
                if op < 0.15:
                    j.write(f"Z {seq} {first} {n}\n")
                    h.zero(n * BLOCK, offset + first * BLOCK)
                else:
                    data = b"".join(content(client, first + k, seq) for k in range(n))
                    j.write(f"W {seq} {first} {n}\n")
                    h.pwrite(data, offset + first * BLOCK)
                j.write(f"A {seq}\n")
        except nbd.Error as e:
            j.write(f"E {e}\n")


def main():
    seconds, journals, seed = float(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    deadline = time.monotonic() + seconds
    threads = []
    for spec in sys.argv[4:]:
        uri, offset, length, client = spec.rsplit(",", 3)
        t = threading.Thread(target=run, args=(uri, int(offset), int(length), int(client),
                                               f"{journals}/client-{client}.log", deadline,
                                               random.Random(seed * 1000 + int(client))))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()


main()
