"""The recorder's audio file: PCM16 WAV that turns into RF64 when it passes 4 GiB.

A plain WAV stores its sizes in 32 bits, so past 4 GiB of samples (about 6 h at
48 kHz stereo) the header wraps and the file reads as a few minutes of sound. Our
header therefore reserves room for RF64's ``ds64`` chunk from the start (a 28-byte
``JUNK`` chunk, EBU Tech 3306): the file is an ordinary WAV while it is small and the
same 80 bytes are rewritten in place as an RF64 header once the sizes need 64 bits.
The samples always start at ``HEADER_BYTES``, so the header can be rebuilt from the
file size alone (what recovery does after a crash).

Files written before this layout have the canonical 44-byte header; ``repair`` reads
where a file's ``data`` chunk starts instead of assuming either.
"""
from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

HEADER_BYTES = 80            # RIFF/RF64 12 + JUNK/ds64 36 + fmt 24 + data header 8
LEGACY_HEADER_BYTES = 44     # canonical WAV header of recordings made before RF64 support
_FMT = b"fmt "
_U32_MAX = 0xFFFFFFFF
# Everything in the file after the RIFF size field, except the samples: a RIFF size
# of this plus the data must fit in 32 bits, or the file becomes RF64.
_RIFF_OVERHEAD = HEADER_BYTES - 8


def needs_rf64(data_bytes: int) -> bool:
    return _RIFF_OVERHEAD + data_bytes > _U32_MAX


def _fmt_chunk(samplerate: int, channels: int) -> bytes:
    block_align = channels * 2
    return struct.pack("<4sIHHIIHH", _FMT, 16, 1, channels, samplerate, samplerate * block_align, block_align, 16)


def header(data_bytes: int, samplerate: int, channels: int) -> bytes:
    """The 80-byte header for ``data_bytes`` of PCM16 samples: WAV (with a JUNK chunk
    keeping the room) while the sizes fit in 32 bits, RF64 with a ds64 chunk after that."""
    if data_bytes < 0:
        raise ValueError("negative data size")
    fmt = _fmt_chunk(samplerate, channels)
    if not needs_rf64(data_bytes):
        out = (struct.pack("<4sI4s", b"RIFF", _RIFF_OVERHEAD + data_bytes, b"WAVE")
               + struct.pack("<4sI", b"JUNK", 28) + bytes(28)
               + fmt + struct.pack("<4sI", b"data", data_bytes))
    else:
        frames = data_bytes // (channels * 2)
        ds64 = struct.pack("<4sIQQQI", b"ds64", 28, _RIFF_OVERHEAD + data_bytes, data_bytes, frames, 0)
        out = (struct.pack("<4sI4s", b"RF64", _U32_MAX, b"WAVE") + ds64
               + fmt + struct.pack("<4sI", b"data", _U32_MAX))
    assert len(out) == HEADER_BYTES
    return out


def legacy_header(data_bytes: int, samplerate: int, channels: int) -> bytes:
    """The canonical 44-byte header (files from before RF64 support; sizes capped at 32 bits)."""
    riff = min(36 + data_bytes, _U32_MAX)
    return (struct.pack("<4sI4s", b"RIFF", riff, b"WAVE") + _fmt_chunk(samplerate, channels)
            + struct.pack("<4sI", b"data", min(data_bytes, _U32_MAX)))


@dataclass
class Layout:
    """What the start of one of our files says: where the samples begin and their format."""
    data_offset: int
    samplerate: int
    channels: int


def read_layout(head: bytes) -> Layout | None:
    """Walk the chunks of a RIFF/RF64 header; None when it is not one of ours."""
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        return None
    pos, samplerate, channels = 12, 0, 0
    while pos + 8 <= len(head):
        cid, size = struct.unpack("<4sI", head[pos:pos + 8])
        if cid == b"data":
            return Layout(pos + 8, samplerate, channels) if samplerate and channels else None
        if cid == _FMT and pos + 16 <= len(head):
            channels, samplerate = struct.unpack("<HI", head[pos + 10:pos + 16])
        if size > len(head):      # only small chunks come before our data
            return None
        pos += 8 + size + (size & 1)
    return None


def is_complete(path: Path) -> bool:
    """True when the header already counts every whole frame in the file (it was
    finished properly, as when only its database row could not be saved)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(256)
    layout = read_layout(head)
    if layout is None:
        return False
    frame_bytes = 2 * layout.channels
    data_bytes = (size - layout.data_offset) // frame_bytes * frame_bytes
    if head[:4] == b"RF64":
        declared = struct.unpack("<Q", head[28:36])[0] if head[12:16] == b"ds64" else -1
    else:
        declared = struct.unpack("<I", head[layout.data_offset - 4:layout.data_offset])[0]
    return declared == data_bytes == size - layout.data_offset


def repair(path: Path, samplerate: int, channels: int) -> int:
    """Rewrite the header of one of our PCM16 files from its size; returns the frame count.

    The rate and channels the file itself declares win over the arguments when its
    header is intact. A torn last frame is trimmed. A file too short to hold a header
    gets a fresh one with no samples.
    """
    size = path.stat().st_size
    with open(path, "r+b") as f:
        layout = read_layout(f.read(256))
        if layout is None:
            layout = Layout(HEADER_BYTES, samplerate, channels)
        frame_bytes = 2 * layout.channels
        frames = max(0, (size - layout.data_offset) // frame_bytes)
        data_bytes = frames * frame_bytes
        if layout.data_offset == HEADER_BYTES:
            head = header(data_bytes, layout.samplerate, layout.channels)
        elif layout.data_offset == LEGACY_HEADER_BYTES:
            if 36 + data_bytes > _U32_MAX:  # no room for ds64 in the old layout: sizes saturate
                log.warning("%s is longer than a WAV header can say; its sizes are capped", path.name)
            head = legacy_header(data_bytes, layout.samplerate, layout.channels)
        else:  # someone else's WAV: leave its chunks alone, fix only the sizes we know
            log.warning("%s has an unexpected header; rebuilding it", path.name)
            head = header(data_bytes, layout.samplerate, layout.channels)
            layout = Layout(HEADER_BYTES, layout.samplerate, layout.channels)
        f.seek(0)
        f.write(head)
        f.truncate(layout.data_offset + data_bytes)
        f.flush()
        os.fsync(f.fileno())
    return frames


class WavWriter:
    """Appends PCM16 samples to a new file and keeps its header true.

    Writes are unbuffered (a killed process loses only what it had not handed over);
    ``sync()`` rewrites the header for the samples written so far and fsyncs, which
    the recorder does about once a second so a power cut loses about a second.
    """

    def __init__(self, path: Path, samplerate: int, channels: int) -> None:
        self.path = path
        self.samplerate = samplerate
        self.channels = channels
        self.data_bytes = 0
        self._synced = -1
        self._file = open(path, "wb", buffering=0)
        self._file.write(header(0, samplerate, channels))

    @property
    def frame_bytes(self) -> int:
        return 2 * self.channels

    @property
    def frames(self) -> int:
        return self.data_bytes // self.frame_bytes

    def write(self, samples: bytes) -> None:
        """Append samples. OSError (disk full...) propagates; what did reach the file is
        counted, so ``close`` can keep every whole frame of it."""
        view = memoryview(samples)
        while view:
            n = self._file.write(view) or 0   # a raw file may take only part of it
            self.data_bytes += n
            view = view[n:]

    def sync(self) -> None:
        """Header sizes up to date, then fsync. Never raises: recovery can fix a header."""
        if self.data_bytes == self._synced:
            return
        try:
            os.pwrite(self._file.fileno(), header(self.data_bytes, self.samplerate, self.channels), 0)
            os.fsync(self._file.fileno())
            self._synced = self.data_bytes
        except OSError as exc:
            log.warning("could not update the header of %s: %s", self.path.name, exc)

    def close(self) -> None:
        """Finish the file: a torn frame left by a failed write is cut off, and the final
        header is written and synced."""
        self.data_bytes = self.frames * self.frame_bytes
        try:
            self._file.truncate(HEADER_BYTES + self.data_bytes)
        except OSError as exc:
            log.warning("could not trim %s: %s", self.path.name, exc)
        self._synced = -1
        self.sync()
        self._file.close()

    def discard(self) -> None:
        """A start that failed: close and remove the file."""
        self._file.close()
        self.path.unlink(missing_ok=True)
