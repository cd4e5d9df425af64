"""A minimal Standard MIDI File writer (format 0, one track), enough to script notes for
fluidsynth: program changes and note on/off at millisecond times."""

from __future__ import annotations

import struct
from pathlib import Path

TICKS_PER_QUARTER = 1000
MICROSECONDS_PER_QUARTER = 1_000_000  # with 1000 ticks per quarter: 1 tick = 1 ms


def _varlen(value: int) -> bytes:
    """MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def write_midi(path: str | Path, events: list[tuple[int, bytes]]) -> None:
    """Write ``events`` ``[(time_ms, message bytes)]`` (sorted by time) as a format-0 file."""
    track = bytearray(b"\x00\xff\x51\x03" + MICROSECONDS_PER_QUARTER.to_bytes(3, "big"))
    now = 0
    for time_ms, message in sorted(events, key=lambda e: e[0]):
        track += _varlen(time_ms - now) + message
        now = time_ms
    track += b"\x00\xff\x2f\x00"  # end of track
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_QUARTER)
    Path(path).write_bytes(header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track))


def program_change(channel: int, program: int) -> bytes:
    return bytes([0xC0 | channel, program])


def note_on(channel: int, note: int, velocity: int) -> bytes:
    return bytes([0x90 | channel, note, velocity])


def note_off(channel: int, note: int) -> bytes:
    return bytes([0x80 | channel, note, 0])
