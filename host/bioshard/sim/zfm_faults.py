"""Damage to a simulated ZFM sensor's reply, to test the card's driver against a bad line.

A fault is (kind, packet, arg): packet number `packet` of the reply (0 = the acknowledge) is

    checksum: its checksum bits flipped;   truncate: cut to `arg` bytes;   drop: byte `arg` lost;
    garbage: `arg` random bytes before it;  delay: `arg` ms of silence before it;
    pid: its packet ID replaced by `arg`;   silent: nothing sent from it on;
    stop: sent, then nothing after it.
"""
from __future__ import annotations

import os

FAULT_KINDS = ("checksum", "truncate", "drop", "garbage", "delay", "silent", "stop", "pid")


def check_kind(kind: str) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError("fault kind must be one of %s" % ", ".join(FAULT_KINDS))


def apply_faults(packets: list[bytes], faults: list[tuple[str, int, object]]) -> list[bytes | float]:
    """The reply as sent: packets (bytes) and pauses (float seconds), in order."""
    out: list[bytes | float] = []
    for i, pkt in enumerate(packets):
        here = [(k, a) for k, p, a in faults if p == i]
        pkt = bytearray(pkt)
        stop = False
        for kind, arg in here:
            if kind == "silent":
                return out
            if kind == "checksum":
                pkt[-1] ^= 0x5A
            elif kind == "truncate":
                pkt = pkt[: int(arg)]
            elif kind == "drop":
                del pkt[int(arg)]
            elif kind == "garbage":
                pkt[0:0] = os.urandom(int(arg or 1))
            elif kind == "delay":
                out.append(float(arg or 100) / 1000)
            elif kind == "pid":
                pkt[6] = int(arg)
            elif kind == "stop":
                stop = True
        out.append(bytes(pkt))
        if stop:
            break
    return out
