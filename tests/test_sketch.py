import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import copydesk.sketch as sketch
from copydesk.sketch import EMPTY, MinHasher, estimate_jaccard, exact_key
from copydesk.text import token_stream, tokenize

needs_c = pytest.mark.skipif(sketch.KERNEL != "c", reason=f"C kernel not in use: {sketch.KERNEL_NOTE}")


def reference_signature(hasher: MinHasher, text: str) -> np.ndarray:
    """Slow, obviously-correct one-permutation MinHash with optimal densification."""
    words = [t.norm for t in tokenize(text)]
    hashes, _ = hasher.shingle_hashes([token_stream(text)])
    k, b = hasher.num_perm, hasher.num_perm.bit_length() - 1
    sig = [int(EMPTY)] * k
    for h in hashes.tolist():
        bin_ = h >> (64 - b)
        value = min((h << b & (2**64 - 1)) >> 32, int(EMPTY) - 1)
        sig[bin_] = min(sig[bin_], value)
    if not words or all(v == EMPTY for v in sig):
        return np.array(sig, dtype=np.uint32)
    out = list(sig)
    for j in range(k):
        if sig[j] != EMPTY:
            continue
        for attempt in range(len(hasher._probes)):
            src = sig[hasher._probes[attempt, j]]
            if src != EMPTY:
                out[j] = src
                break
        else:
            filled = [i for i in range(k) if sig[i] != EMPTY]
            out[j] = sig[next((i for i in filled if i >= j), filled[0])]
    return np.array(out, dtype=np.uint32)


def shingles(text: str, n: int = 5) -> set:
    words = [t.norm for t in tokenize(text)]
    if 0 < len(words) < n:
        return {tuple(words)}
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@pytest.mark.parametrize("kernel", ["numpy", pytest.param("c", marks=needs_c)])
def test_signature_values_are_pinned(kernel):
    # Changing these values changes every stored signature: bump MinHasher.scheme's version
    # (and API_VERSION in _sketch.c if the compiled kernel changes).
    hasher = MinHasher(kernel=kernel)
    sig = hasher.signatures(["The quick brown fox jumps over the lazy dog near the river bank."])[0]
    assert hasher.scheme == "oph128_words5_s1_v2"
    assert sig[:4].tolist() == PINNED


PINNED = [3722735661, 3516157862, 4170565461, 870762533]


words = st.lists(st.sampled_from([f"w{i}" for i in range(60)]), min_size=0, max_size=300)


@given(words)
def test_fast_signature_equals_reference(ws):
    hasher = MinHasher(num_perm=64)
    text = " ".join(ws)
    assert hasher.signatures([text])[0].tolist() == reference_signature(hasher, text).tolist()


@given(st.lists(words, min_size=1, max_size=8))
def test_signature_does_not_depend_on_the_batch(batch):
    hasher = MinHasher()
    texts = [" ".join(ws) for ws in batch]
    together = hasher.signatures(texts)
    for text, sig in zip(texts, together):
        assert sig.tolist() == hasher.signatures([text])[0].tolist()


@given(words, words)
def test_estimate_is_symmetric(a, b):
    sigs = MinHasher().signatures([" ".join(a), " ".join(b)])
    assert estimate_jaccard(sigs[0], sigs[1]) == estimate_jaccard(sigs[1], sigs[0])


def test_estimate_is_close_to_exact_on_random_sets():
    rng = np.random.default_rng(7)
    hasher = MinHasher()
    vocab = [f"v{i}" for i in range(3000)]
    errors = []
    for _ in range(200):
        a = list(rng.choice(vocab, size=int(rng.integers(50, 600))))
        b = list(a)
        for _ in range(int(rng.integers(0, len(a)))):
            b[int(rng.integers(0, len(b)))] = vocab[int(rng.integers(0, len(vocab)))]
        ta, tb = " ".join(a), " ".join(b)
        sa, sb = shingles(ta), shingles(tb)
        exact = len(sa & sb) / len(sa | sb)
        sig = hasher.signatures([ta, tb])
        errors.append(estimate_jaccard(sig[0], sig[1]) - exact)
    errors = np.array(errors)
    # 128 bins: standard error at most 0.5/sqrt(128) = 0.044; the mean must show no bias.
    assert abs(errors.mean()) < 0.01
    assert np.abs(errors).max() < 0.2
    assert errors.std() < 0.045


def test_documents_without_words_match_nothing():
    sig = MinHasher().signatures(["", "  ...  ", "one two three four five six"])
    assert (sig[0] == EMPTY).all() and (sig[1] == EMPTY).all()
    assert estimate_jaccard(sig[0], sig[1]) == 0.0
    assert (sig[2] != EMPTY).all()


def test_short_documents_get_one_shingle():
    sig = MinHasher().signatures(["breaking news", "Breaking  NEWS!", "breaking story"])
    assert estimate_jaccard(sig[0], sig[1]) == 1.0
    assert estimate_jaccard(sig[0], sig[2]) == 0.0


def test_exact_key_ignores_typesetting_only():
    assert exact_key("“Hello”  World") == exact_key('"hello" world')
    assert exact_key("Hello world") != exact_key("Hello, world")


def test_invalid_parameters_are_refused():
    with pytest.raises(ValueError, match="power of two"):
        MinHasher(num_perm=100)
    with pytest.raises(ValueError, match="ngram"):
        MinHasher(ngram=0)
    a, b = np.zeros(64, np.uint32), np.zeros(128, np.uint32)
    with pytest.raises(ValueError, match="do not compare"):
        estimate_jaccard(a, b)


def reference_token_hash(token: bytes) -> int:
    """The token hash by its definition: first and last 8 bytes and length; xxh64 past 16 bytes."""
    import xxhash

    if len(token) > 16:
        return xxhash.xxh64_intdigest(token)
    m = 2**64 - 1

    def mix(x):
        x ^= x >> 30
        x = x * 0xBF58476D1CE4E5B9 & m
        x ^= x >> 27
        x = x * 0x94D049BB133111EB & m
        return x ^ (x >> 31)

    first = int.from_bytes(token[:8], "little")
    last = int.from_bytes(token[-8:], "little") if len(token) > 8 else 0
    return mix(first ^ mix(last ^ (len(token) << 56)))


@given(st.lists(st.text(alphabet=st.sampled_from("abcxyz019_éß日本"), min_size=1, max_size=30), max_size=30))
def test_token_hashes_equal_the_definition(tokens):
    stream = " ".join(tokens)
    hashes, doc = MinHasher().token_hashes([token_stream(stream)])
    expected = [reference_token_hash(t.norm.encode()) for t in tokenize(stream)]
    assert hashes.tolist() == expected


# ------------------------------------------------------------- compiled kernel against numpy ---

# Texts that reach every branch of both kernels: any unicode (non-ASCII streams go through
# tokenize), tokens of 1 to 40 bytes (the first/last-word hash up to 16, xxh64 above, 32+ for
# xxh64's four-lane loop), a token at the very end of a string (fewer than 8 bytes readable), no
# word at all, a single token, fewer tokens than ngram.
_pieces = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from("abcXYZ019_éß日本ǅ"), min_size=1, max_size=40),
    st.sampled_from(["", " ", "...", "\n", "—", "\u00a0", "x" * 17, "y" * 32, "z" * 33, "Ünïcödé" * 5]),
)
texts = st.lists(_pieces, max_size=40).map(" ".join)


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(texts, min_size=1, max_size=12), st.sampled_from([(16, 1), (64, 3), (128, 5), (256, 16)]),
       st.integers(0, 2**32))
def test_c_kernel_equals_numpy(batch, shape, seed):
    num_perm, ngram = shape
    fast = MinHasher(num_perm, ngram, seed, kernel="c").signatures(batch)
    slow = MinHasher(num_perm, ngram, seed, kernel="numpy").signatures(batch)
    assert fast.dtype == slow.dtype == np.uint32
    assert fast.tolist() == slow.tolist()


@needs_c
def test_c_kernel_equals_numpy_on_edge_cases():
    batch = ["", "one", "a b c d", "a b c d e", "x" * 16, "x" * 17, "w" * 1000, "日本語 テキスト",
             "tail" + " " * 9 + "é", "The quick brown fox jumps over the lazy dog near the river bank."]
    for num_perm in (16, 4096):
        fast = MinHasher(num_perm, kernel="c").signatures(batch)
        slow = MinHasher(num_perm, kernel="numpy").signatures(batch)
        assert fast.tolist() == slow.tolist()
    assert MinHasher(kernel="c").signatures([]).shape == (0, 128)


@needs_c
def test_c_kernel_refuses_what_is_not_a_stream():
    with pytest.raises(TypeError, match="not str"):
        MinHasher(kernel="c").signatures_of_streams(["fine", b"bytes"])


def test_default_kernel_is_the_compiled_one_where_built():
    assert sketch.KERNEL in ("c", "numpy")
    assert MinHasher().kernel == sketch.KERNEL
    with pytest.raises(ValueError, match="kernel"):
        MinHasher(kernel="fortran")


def test_asking_for_a_missing_c_kernel_says_why(monkeypatch):
    monkeypatch.setattr(sketch, "_C", None)
    monkeypatch.setattr(sketch, "KERNEL_NOTE", "the compiled kernel is not built")
    with pytest.raises(ValueError, match="not built"):
        MinHasher(kernel="c")


def test_no_ext_environment_variable_selects_numpy():
    env = dict(os.environ, COPYDESK_NO_EXT="1")
    code = "import copydesk.sketch as s; print(s.KERNEL, s.MinHasher().kernel)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["numpy", "numpy"]


# --- Signature records: a signature carries its scheme and refuses another scheme's ---


def test_signatures_of_different_schemes_refuse_to_compare():
    from copydesk.errors import SchemeMismatch
    from copydesk.types import Signatures

    text = ["Heavy rain flooded the lower town overnight and the river rose two metres"]
    one = MinHasher(seed=1).sign(text)[0]
    assert one.jaccard(MinHasher(seed=1, kernel="numpy").sign(text)[0]) == 1.0  # the kernel is no part of it
    # Same length, other seed: bare arrays would compare (as noise); the records refuse, naming both schemes.
    with pytest.raises(SchemeMismatch, match="oph128_words5_s1_v2 and oph128_words5_s2_v2"):
        one.jaccard(MinHasher(seed=2).sign(text)[0])
    with pytest.raises(SchemeMismatch, match="words3"):
        estimate_jaccard(one, MinHasher(ngram=3).sign(text)[0])
    with pytest.raises(TypeError):
        estimate_jaccard(one, MinHasher().signatures(text)[0])
    with pytest.raises(SchemeMismatch):
        Signatures.concat([MinHasher(seed=1).sign(text), MinHasher(seed=2).sign(text)])
    with pytest.raises(ValueError, match="128 values a row"):
        Signatures(MinHasher(num_perm=128).signature_scheme, MinHasher(num_perm=64).signatures(text))


@given(st.lists(st.text(alphabet="ab c", max_size=30), min_size=1, max_size=6))
@settings(max_examples=30, deadline=None)
def test_signature_records_hold_the_hashers_values(texts):
    from copydesk.types import Signatures

    hasher = MinHasher(num_perm=32)
    signed = hasher.sign(texts)
    assert signed.scheme.name == hasher.scheme and len(signed) == len(texts)
    assert np.array_equal(signed.values, hasher.signatures(texts))
    both = Signatures.concat([signed, hasher.sign(texts)])
    pairs = np.array([(k, k + len(texts)) for k in range(len(texts))] + [(0, k) for k in range(len(texts))])
    expected = [estimate_jaccard(both.values[a], both.values[b]) for a, b in pairs]
    # The LSH filter's vectorised estimate is estimate_jaccard wherever a side has shingles.
    nonempty = [both.values[a, 0] != EMPTY and both.values[b, 0] != EMPTY for a, b in pairs]
    assert np.allclose(both.estimates(pairs)[nonempty], np.array(expected)[nonempty])
