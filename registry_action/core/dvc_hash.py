"""The md5 DVC records for a file, computed over a stream of chunks (no I/O here).

DVC 3 (`hash: md5`) records the plain md5 of the bytes. DVC 2 outputs (no `hash`) record
`md5-dos2unix`: dvc-data reads the file in 1 MiB chunks and, for each chunk whose first
512 bytes look like text, hashes it with CRLF turned into LF (`fobj_md5` and
`Dos2UnixHashStreamFile` in dvc_data/hashfile/hash.py, `istextblock` in istextfile.py).
Reproducing it means cutting the stream into the same 1 MiB chunks.
"""

from __future__ import annotations

import hashlib

CHUNK = 2**20  # `fobj_md5`'s chunk_size
TEXT_BLOCK = 512  # `DEFAULT_CHUNK_SIZE` of istextfile.py
_TEXT_CHARS = bytes(range(32, 127)) + b"\n\r\t\f\b"


def is_text_block(block: bytes) -> bool:
    """`istextblock`: no NUL, and at most 30% of the bytes outside printable ASCII."""
    if not block:
        return True
    if b"\x00" in block:
        return False
    return len(block.translate(None, _TEXT_CHARS)) / len(block) <= 0.30


class DvcMd5:
    """Feed chunks of any size; `hexdigest()` is the md5 DVC records (legacy or not)."""

    def __init__(self, *, legacy: bool) -> None:
        self.legacy = legacy
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._pending = bytearray()  # legacy only: bytes of the current 1 MiB chunk

    def update(self, data: bytes | memoryview) -> None:
        if not self.legacy:
            self._md5.update(data)
            return
        self._pending += data
        while len(self._pending) >= CHUNK:
            self._chunk(bytes(self._pending[:CHUNK]))
            del self._pending[:CHUNK]

    def _chunk(self, chunk: bytes) -> None:
        text = is_text_block(chunk[:TEXT_BLOCK])
        self._md5.update(chunk.replace(b"\r\n", b"\n") if text else chunk)

    def hexdigest(self) -> str:
        if self.legacy and self._pending:
            self._chunk(bytes(self._pending))
            self._pending.clear()
        return self._md5.hexdigest()
