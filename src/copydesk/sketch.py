"""MinHash signatures of word shingles, computed for a whole batch of documents at once.

The scheme is one-permutation MinHash (Li, Owen & Zhang, 2012) with optimal densification
(Shrivastava, 2017): every shingle is hashed once, the top bits pick one of ``num_perm`` bins
and the next 32 bits are the value; each bin keeps its minimum, and empty bins borrow from a
bin chosen by a fixed probe sequence. Two signatures agree in a bin with probability equal to
the Jaccard similarity of the shingle sets, as with ``num_perm`` independent permutations, at
1/num_perm of the hashing cost.

Tokens are hashed straight from the bytes of the normalised text, so no Python object is built
per word. Two kernels compute the same signatures bit for bit: the compiled extension
``copydesk._sketch`` (built by ``pip install`` where a C compiler is present, about twice as fast)
and a vectorised numpy path, used when the extension is missing or ``COPYDESK_NO_EXT=1`` is set.
:data:`KERNEL` names the one in use. Query results are estimates: verify after (see
:func:`copydesk.index.verify_near`).

Example:
    >>> hasher = MinHasher(num_perm=128, ngram=5)
    >>> sigs = hasher.signatures(["the cat sat on the mat today", "the cat sat on the mat today"])
    >>> float(estimate_jaccard(sigs[0], sigs[1]))
    1.0
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import ModuleType

import numpy as np
import xxhash

from copydesk.text import normalize, token_stream
from copydesk.types import SIGNATURE_EMPTY, Signature, Signatures, SignatureScheme

__all__ = ["EMPTY", "KERNEL", "KERNEL_NOTE", "MinHasher", "estimate_jaccard", "exact_key"]

EMPTY = np.uint32(SIGNATURE_EMPTY)
"""Bin value of a document without shingles; real values are capped one below it."""

_U64 = np.uint64
_MIX1, _MIX2 = _U64(0xBF58476D1CE4E5B9), _U64(0x94D049BB133111EB)
# _LOW_BYTES[n] keeps the n lowest bytes of a 64-bit word (the first n bytes of a token).
_LOW_BYTES = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)
# Word bytes after normalisation: ASCII letters, digits, underscore, and every UTF-8 byte of a
# non-ASCII character (token_stream keeps only word characters there).
_IS_WORD = np.zeros(256, dtype=bool)
_IS_WORD[list(b"abcdefghijklmnopqrstuvwxyz0123456789_")] = True
_IS_WORD[128:] = True
# The compiled kernel's interface version this module speaks (API_VERSION in _sketch.c).
_C_API_VERSION = 1


def _load_c_kernel() -> tuple[ModuleType | None, str]:
    """The compiled kernel, or None and why not."""
    if os.environ.get("COPYDESK_NO_EXT", "") not in ("", "0"):
        return None, "COPYDESK_NO_EXT is set"
    try:
        from copydesk import _sketch
    except ImportError as exc:
        return None, f"the compiled kernel is not built ({exc}); reinstall with a C compiler: pip install -e ."
    version = getattr(_sketch, "API_VERSION", None)
    if version != _C_API_VERSION:
        # A .so left from another checkout: its values may differ, so it is not used at all.
        return None, (f"the compiled kernel is stale (API {version}, expected {_C_API_VERSION}); "
                      "rebuild it: pip install -e .")
    return _sketch, "compiled extension copydesk._sketch"


_C, KERNEL_NOTE = _load_c_kernel()
KERNEL = "c" if _C is not None else "numpy"
"""Signature kernel used by default: ``"c"`` (compiled extension) or ``"numpy"``; both give
identical signatures. :data:`KERNEL_NOTE` says why."""

# Texts are hashed in chunks of about this many bytes: large enough to amortise numpy's
# per-call overhead, small enough that the working arrays stay in the CPU caches' vicinity.
_CHUNK_BYTES = 1 << 20


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place: spreads every input bit over the whole word."""
    x ^= x >> _U64(30)
    x *= _MIX1
    x ^= x >> _U64(27)
    x *= _MIX2
    x ^= x >> _U64(31)
    return x


def exact_key(text: str) -> bytes:
    """128-bit fingerprint of the normalised text: equal for copies that differ only in typesetting."""
    return xxhash.xxh3_128_digest(normalize(text).encode("utf-8"))


def estimate_jaccard(a: Signature | np.ndarray, b: Signature | np.ndarray) -> float:
    """Share of bins on which two signatures agree; 0.0 when either has no shingles.

    Args:
        a: A :class:`~copydesk.types.Signature` (its scheme is checked), or a bare row of
            :meth:`MinHasher.signatures` (only its length is).
        b: The other, of the same kind.

    Raises:
        copydesk.errors.SchemeMismatch: two signature records of different schemes.
        ValueError: if the signatures differ in length (different schemes never compare).
    """
    if isinstance(a, Signature) or isinstance(b, Signature):
        if not (isinstance(a, Signature) and isinstance(b, Signature)):
            raise TypeError("compare two Signature records (MinHasher.sign), or two bare arrays, not one of each")
        return a.jaccard(b)
    if a.shape != b.shape:
        raise ValueError(f"signatures of different lengths ({a.shape} vs {b.shape}) do not compare")
    return Signature.agreement(a, b)


class MinHasher:
    """One-permutation MinHash over word ``ngram``-shingles of normalised text.

    Args:
        num_perm: Signature length; a power of two from 16 to 4096.
        ngram: Words per shingle (documents shorter than this get one shingle of all words).
        seed: Changes every hash; signatures of different seeds never compare.
        kernel: ``"auto"`` (the compiled kernel where built, else numpy), ``"c"`` or ``"numpy"``.
            Both give identical signatures; the choice is speed only.

    Raises:
        ValueError: on an invalid parameter, or ``kernel="c"`` where the extension is not built.

    Example:
        >>> MinHasher(kernel="numpy").kernel
        'numpy'
    """

    def __init__(self, num_perm: int = 128, ngram: int = 5, seed: int = 1, kernel: str = "auto") -> None:
        if num_perm < 16 or num_perm > 4096 or num_perm & (num_perm - 1):
            raise ValueError(f"num_perm must be a power of two from 16 to 4096, not {num_perm}")
        if not 1 <= ngram <= 16:
            raise ValueError(f"ngram must be from 1 to 16 words, not {ngram}")
        if kernel not in ("auto", "c", "numpy"):
            raise ValueError(f"kernel must be 'auto', 'c' or 'numpy', not {kernel!r}")
        if kernel == "c" and _C is None:
            raise ValueError(f"kernel 'c' is not available: {KERNEL_NOTE}")
        self.num_perm, self.ngram, self.seed = num_perm, ngram, seed
        self.kernel = KERNEL if kernel == "auto" else kernel
        self._bin_bits = num_perm.bit_length() - 1
        rng = np.random.default_rng(seed)
        self._seed_word = _U64(rng.integers(1, 2**63, dtype=np.uint64))
        self._position_keys = rng.integers(1, 2**63, size=ngram, dtype=np.uint64) | _U64(1)
        # Probe sequence for densification: attempt k of bin j reads bin _probes[k, j]. It
        # depends only on (k, j), which is what keeps densified signatures comparable.
        self._probes = rng.integers(0, num_perm, size=(64, num_perm)).astype(np.intp)
        self._probes_i32 = self._probes.astype(np.int32)  # the compiled kernel's layout

    @property
    def signature_scheme(self) -> SignatureScheme:
        """What this hasher's signatures mean (the kernel is not part of it: both give the same values)."""
        # Version 2: the values of a text change whenever the hashing or densification does; bump it then.
        return SignatureScheme(self.num_perm, self.ngram, self.seed, "words", 2)

    @property
    def scheme(self) -> str:
        """Versioned name of what a signature means; change it whenever results would change."""
        return self.signature_scheme.name

    def sign(self, texts: Sequence[str]) -> Signatures:
        """:meth:`signatures` as a record that carries its scheme, so it refuses to compare with another's.

        Example:
            >>> a = MinHasher(seed=1).sign(["the cat sat on the mat today"])[0]
            >>> a.jaccard(MinHasher(seed=1).sign(["the cat sat on the mat today"])[0])
            1.0
            >>> a.jaccard(MinHasher(seed=2).sign(["the cat sat on the mat today"])[0])  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            copydesk.errors.SchemeMismatch: signatures of scheme oph128_words5_s1_v2 and oph128_words5_s2_v2 ...
        """
        return Signatures(self.signature_scheme, self.signatures(texts))

    def sign_streams(self, streams: Sequence[str]) -> Signatures:
        """As :meth:`sign`, for texts already passed through :func:`token_stream`."""
        return Signatures(self.signature_scheme, self.signatures_of_streams(streams))

    def token_hashes(self, streams: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Hash every token of already-normalised token streams.

        A token of up to 16 bytes is read whole as two (unaligned) 64-bit words, its first and
        last 8 bytes, and mixed with its length: no work per byte beyond finding the words, and no
        collision between distinct short tokens. The rare longer token is hashed with xxh64.

        Args:
            streams: Outputs of :func:`copydesk.text.token_stream`.

        Returns:
            ``(hashes, doc)``: one uint64 per token in order, and the index in ``streams`` of the
            document each token belongs to.
        """
        data = " ".join(streams).encode("utf-8")
        size = len(data)
        if not size:
            return np.empty(0, np.uint64), np.empty(0, np.intp)
        buf = np.zeros(size + 16, dtype=np.uint8)
        buf[:size] = np.frombuffer(data, dtype=np.uint8)
        word = np.zeros(size + 2, dtype=bool)
        word[1:-1] = _IS_WORD[buf[:size]]
        inside = word[1:-1]
        starts = np.flatnonzero(inside & ~word[:-2])
        ends = np.flatnonzero(inside & ~word[2:]) + 1
        lengths = ends - starts
        # Every byte offset as the start of a little-endian 64-bit word (the padding keeps the
        # last reads inside the buffer).
        words = np.ndarray((size + 9,), dtype="<u8", buffer=buf.data, strides=(1,))
        first = words[starts] & _LOW_BYTES[np.minimum(lengths, 8)]
        last = np.where(lengths > 8, words[np.maximum(ends - 8, 0)], _U64(0))
        with np.errstate(over="ignore"):
            hashes = _mix(first ^ _mix(last ^ (lengths.astype(np.uint64) << _U64(56))))
        for k in np.flatnonzero(lengths > 16).tolist():
            hashes[k] = xxhash.xxh64_intdigest(data[starts[k] : ends[k]])
        # Document of each token: the separators between streams are single spaces.
        stream_bytes = np.fromiter((len(s.encode("utf-8")) + 1 for s in streams), np.intp, len(streams))
        doc_starts = np.cumsum(stream_bytes) - stream_bytes
        doc = np.searchsorted(doc_starts, starts, side="right") - 1
        return hashes, doc

    def shingle_hashes(self, streams: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Hash every word ``ngram``-shingle of each normalised token stream.

        Returns:
            ``(hashes, doc)`` as in :meth:`token_hashes`, one entry per shingle. A document with
            fewer than ``ngram`` (but at least one) tokens yields one shingle of all its tokens.
        """
        tok, doc = self.token_hashes(streams)
        n = len(tok)
        if n == 0:
            return tok, doc
        k = self.ngram
        mixed = _mix(tok ^ self._seed_word)
        # Shingles that would cross a document boundary are dropped, so the terms need no mask;
        # only a document shorter than ngram tokens needs its one shingle built apart.
        m = n - k + 1
        with np.errstate(over="ignore"):
            if m > 0:
                acc = mixed[:m] * self._position_keys[0]
                for j in range(1, k):
                    acc += mixed[j : j + m] * self._position_keys[j]
                inside = doc[k - 1 :] == doc[:m]
                hashes, hdoc = acc[inside], doc[:m][inside]
            else:
                hashes, hdoc = np.empty(0, np.uint64), np.empty(0, np.intp)
            counts = np.bincount(doc, minlength=len(streams))
            short = np.flatnonzero((counts > 0) & (counts < k))
            if len(short):
                first = np.searchsorted(doc, short)
                extra = np.zeros(len(short), np.uint64)
                for j in range(k - 1):
                    has = counts[short] > j
                    extra[has] += mixed[first[has] + j] * self._position_keys[j]
                hashes, hdoc = np.concatenate((hashes, extra)), np.concatenate((hdoc, short))
                order = np.argsort(hdoc, kind="stable")  # back to document order for callers
                hashes, hdoc = hashes[order], hdoc[order]
        return _mix(hashes), hdoc

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        """MinHash signatures of raw texts (normalised here).

        Args:
            texts: Original document texts.

        Returns:
            ``uint32`` array of shape ``(len(texts), num_perm)``; a text without a word is all
            :data:`EMPTY` and matches nothing.
        """
        return self.signatures_of_streams([token_stream(t) for t in texts])

    def signatures_of_streams(self, streams: Sequence[str]) -> np.ndarray:
        """As :meth:`signatures`, for texts already passed through :func:`token_stream`."""
        out = np.empty((len(streams), self.num_perm), dtype=np.uint32)
        if self.kernel == "c":
            _C.signatures(streams, self.ngram, self._bin_bits, int(self._seed_word), self._position_keys,
                          self._probes_i32, out)
            return out
        lo, size = 0, 0
        for i, s in enumerate(streams):
            size += len(s)
            if size >= _CHUNK_BYTES or i == len(streams) - 1:
                out[lo : i + 1] = self._signature_chunk(streams[lo : i + 1])
                lo, size = i + 1, 0
        return out

    def _signature_chunk(self, streams: Sequence[str]) -> np.ndarray:
        hashes, doc = self.shingle_hashes(streams)
        b = self._bin_bits
        bins = (hashes >> _U64(64 - b)).astype(np.intp)
        values = np.minimum((hashes << _U64(b)) >> _U64(32), _U64(EMPTY - 1)).astype(np.uint32)
        sig = np.full((len(streams), self.num_perm), EMPTY, dtype=np.uint32)
        np.minimum.at(sig.ravel(), doc * self.num_perm + bins, values)
        return self._densify(sig)

    def _densify(self, sig: np.ndarray) -> np.ndarray:
        rows, cols = np.nonzero(sig == EMPTY)
        if len(rows) == 0:
            return sig
        out = sig.copy()
        # Documents with no shingle at all stay EMPTY.
        has_any = (sig != EMPTY).any(axis=1)
        keep = has_any[rows]
        rows, cols = rows[keep], cols[keep]
        for attempt in range(len(self._probes)):
            if len(rows) == 0:
                return out
            borrowed = sig[rows, self._probes[attempt, cols]]
            found = borrowed != EMPTY
            out[rows[found], cols[found]] = borrowed[found]
            rows, cols = rows[~found], cols[~found]
        # Rare (a document with one or two shingles): take the next filled bin to the right.
        for r, c in zip(rows.tolist(), cols.tolist()):
            filled = np.flatnonzero(sig[r] != EMPTY)
            out[r, c] = sig[r, filled[np.searchsorted(filled, c) % len(filled)]]
        return out
