#!/usr/bin/env python3
"""Times the official Kite Connect Python client's own tick parser on the frames that
`algo bench ticks --vs-python` decodes in Rust, for a like-for-like ticks/s figure.

Usage: ticks_python.py FRAMES_FILE [SECONDS]   (SECONDS defaults to 2)

FRAMES_FILE holds binary ticker frames, each as [u32 big-endian length][frame bytes], repeated.
Every frame is parsed once untimed (a warm-up that also checks it parses), then all frames in
turn, repeatedly, for SECONDS. Prints one JSON line:
    {"ticks_per_sec": N, "frames": F, "ticks": T}
where F and T count the frames and ticks parsed in the timed part.

Tried with kiteconnect 5.2.2 (pip install kiteconnect) on CPython 3.11. It calls the private
`KiteTicker._parse_binary(bytes)`, which is what the client runs on every binary message; the
ticker is created with dummy credentials and never connects.
"""
import json
import struct
import sys
import time

from kiteconnect import KiteTicker


def read_frames(path):
    """The frames in a length-prefixed file; exits with a message if the file is malformed."""
    with open(path, "rb") as f:
        data = f.read()
    frames, at = [], 0
    while at < len(data):
        if at + 4 > len(data):
            sys.exit(f"{path}: {len(data) - at} stray bytes at offset {at}, not a length")
        (length,) = struct.unpack_from(">I", data, at)
        frame = data[at + 4:at + 4 + length]
        if len(frame) != length:
            sys.exit(f"{path}: frame at offset {at} claims {length} bytes, {len(frame)} remain")
        frames.append(frame)
        at += 4 + length
    if not frames:
        sys.exit(f"{path}: no frames")
    return frames


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    frames = read_frames(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) == 3 else 2.0

    ticker = KiteTicker("bench", "bench")  # never connects
    parse = ticker._parse_binary
    if sum(len(parse(frame)) for frame in frames) == 0:
        sys.exit(f"{sys.argv[1]}: the frames hold no ticks")

    ticks = frames_done = 0
    clock = time.perf_counter
    start = clock()
    deadline = start + seconds
    while True:
        for frame in frames:
            ticks += len(parse(frame))
        frames_done += len(frames)
        now = clock()
        if now >= deadline:
            break
    elapsed = now - start
    print(json.dumps({"ticks_per_sec": round(ticks / elapsed), "frames": frames_done, "ticks": ticks}))


if __name__ == "__main__":
    main()
