#!/usr/bin/env python3
"""The official Kite Connect Python client's own tick parser, timed on the same frames as
`algo bench ticks --vs-python`. Tried with kiteconnect 5.2.2.

Usage: ticks_python.py FRAMES_FILE [SECONDS]
FRAMES_FILE holds frames as [u32 big-endian length][frame bytes], repeated.
Prints one JSON line: {"ticks_per_sec": N, "frames": F, "ticks": T}.
"""
import json
import struct
import sys
import time

from kiteconnect import KiteTicker


def main():
    path = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    data = open(path, "rb").read()
    frames, i = [], 0
    while i + 4 <= len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        frames.append(data[i + 4:i + 4 + n])
        i += 4 + n
    ticker = KiteTicker("bench", "bench")  # never connects
    ticks = 0
    frames_done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for frame in frames:
            ticks += len(ticker._parse_binary(frame))
            frames_done += 1
    elapsed = time.perf_counter() - start
    print(json.dumps({"ticks_per_sec": ticks / elapsed, "frames": frames_done, "ticks": ticks}))


if __name__ == "__main__":
    main()
