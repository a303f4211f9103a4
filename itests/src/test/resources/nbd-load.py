"""One NBD client under load, for the upgrade and load tests (run with Debian's /usr/bin/python3, which has libnbd).

usage: nbd-load.py URI OFFSET LENGTH SEED STOPFILE [TRIM_SHARE]

Writes random data, zeroes, flushes and reads back its own region of an export, in random order and sizes,
until STOPFILE exists; it keeps a model of what the region must hold and checks every read against it, and
the whole region once more at the end. With TRIM_SHARE (a fraction of the requests, default 0) it also trims:
a trimmed block may then read as anything (zeroes, a backing file's data), but the same on every read, so the
first read after a trim fills the model in. Then it writes the model to STOPFILE.SEED (what the image must hold
there) and prints one JSON line: requests, failures, wrong_bytes, disconnects, longest_ms, first_error.
Exits 0 when every request succeeded with the right data.
"""
import json
import os
import random
import sys
import time

import nbd

BLOCK = 4096

uri, offset, length, seed, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
trim_share = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
rng = random.Random(seed)
stats = {"requests": 0, "failures": 0, "wrong_bytes": 0, "disconnects": 0, "longest_ms": 0.0, "first_error": None}

h = nbd.NBD()
h.connect_uri(uri)
model = bytearray(h.pread(length, offset))
unknown = set()  # blocks trimmed since the model last knew them


def timed(request):
    """Runs one request: (True, its result), or (False, None) when it failed (counted)."""
    start = time.monotonic()
    try:
        return True, request()
    except nbd.Error as e:
        stats["failures"] += 1
        stats["first_error"] = stats["first_error"] or str(e)
        if h.aio_is_dead() or h.aio_is_closed():
            stats["disconnects"] += 1
            raise
        return False, None
    finally:
        stats["requests"] += 1
        stats["longest_ms"] = max(stats["longest_ms"], (time.monotonic() - start) * 1000)


def verify(start, n):
    ok, got = timed(lambda: h.pread(n, offset + start))
    if ok:
        for block in range(start // BLOCK, (start + n) // BLOCK):
            if block in unknown:
                unknown.discard(block)
                i = block * BLOCK - start
                model[block * BLOCK:(block + 1) * BLOCK] = got[i:i + BLOCK]
    expected = model[start:start + n]
    if ok and got != expected:
        stats["wrong_bytes"] += sum(1 for a, b in zip(got, expected) if a != b)


try:
    while not os.path.exists(stop):
        start = rng.randrange(length // BLOCK) * BLOCK
        n = min(rng.choice((1, 2, 4, 16, 32)) * BLOCK, length - start)
        op = rng.random()
        if op < trim_share:
            if timed(lambda: h.trim(n, offset + start))[0]:
                unknown.update(range(start // BLOCK, (start + n) // BLOCK))
        elif op < 0.4:
            data = rng.randbytes(n)
            if timed(lambda: h.pwrite(data, offset + start))[0]:
                model[start:start + n] = data
                unknown.difference_update(range(start // BLOCK, (start + n) // BLOCK))
        elif op < 0.55:
            if timed(lambda: h.zero(n, offset + start))[0]:
                model[start:start + n] = bytes(n)
                unknown.difference_update(range(start // BLOCK, (start + n) // BLOCK))
        elif op < 0.6:
            timed(h.flush)
        else:
            verify(start, n)
    verify(0, length)
    timed(h.flush)
    h.shutdown()
except nbd.Error:
    pass  # a disconnect, counted

with open(stop + "." + str(seed), "wb") as f:
    f.write(model)
print(json.dumps(stats), flush=True)
sys.exit(0 if stats["failures"] == 0 and stats["wrong_bytes"] == 0 else 1)
