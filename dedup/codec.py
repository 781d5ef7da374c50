"""How prepared articles are packed into bytes: zstd frames of their pickles, made with a
dictionary trained on an index's own articles, or without one.

A prepared news article pickles to ~4 kB, too little for a compressor to learn its repeats
(pickle's framing, field names, common words) from the article alone. A dictionary trained on
a few thousand of them carries those: on 4,000 articles of the 1M benchmark index, 2,002 bytes
an article with zlib, 2,111 with zstd alone, 1,617 with zstd and a 112 kB dictionary, which
also packs in 37 µs and unpacks in 15 against zlib's 93–111 and 20–39 (``bench/README.md``).
A decompressor with a dictionary also reads frames made without one, so the articles of a new
batch (packed without it) and of the index go through the same one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import zstandard

LEVEL = 3  # zstd's default: level 9 packs 10% tighter at six times the cost
DICTIONARY_BYTES = 112_640  # zstd's default dictionary size


class Codec:
    """Packs and unpacks bytes, with ``dictionary`` (zstd's trained dictionary) or without."""

    def __init__(self, dictionary: bytes | None = None) -> None:
        self.dictionary = dictionary
        data = zstandard.ZstdCompressionDict(dictionary) if dictionary else None
        self._compressor = zstandard.ZstdCompressor(level=LEVEL, dict_data=data)
        self._decompressor = zstandard.ZstdDecompressor(dict_data=data)

    @classmethod
    def trained(cls, samples: Sequence[bytes]) -> Codec:
        """A codec whose dictionary is trained on ``samples`` (raw, not packed)."""
        return cls(zstandard.train_dictionary(DICTIONARY_BYTES, list(samples)).as_bytes())

    def pack(self, data: bytes) -> bytes:
        return self._compressor.compress(data)

    def unpack(self, data: bytes) -> bytes:
        """``data`` as it was before :meth:`pack`, by this codec or by one without a dictionary."""
        return self._decompressor.decompress(data)

    def __reduce__(self) -> tuple[Any, ...]:
        return Codec, (self.dictionary,)  # zstd's objects do not pickle: a worker makes its own


PLAIN = Codec()
