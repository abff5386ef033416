/* Compiled kernel of copydesk.sketch.MinHasher: one-permutation MinHash with densification.
 *
 * Optional: setup.py builds it when a C compiler is present; copydesk.sketch falls back to its
 * numpy path otherwise. Both paths compute bit-identical signatures (tests/test_sketch.py checks
 * it on generated texts and on the pinned values), so any change here that alters a signature
 * needs the same change in sketch.py and a new scheme version there.
 *
 * One call computes the signatures of a sequence of token streams (copydesk.text.token_stream):
 *
 *     signatures(streams, ngram, bin_bits, seed_word, keys, probes, out) -> None
 *
 * keys: ngram uint64 position keys; probes: 64 * num_perm int32 densification probes;
 * out: writable uint32 buffer of len(streams) * num_perm values. The GIL is released while
 * hashing.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Bumped whenever the call signature or the computed values change; sketch.py refuses a
   build whose number differs (a stale .so from an older checkout) and uses numpy instead. */
#define API_VERSION 1
#define EMPTY 0xFFFFFFFFu
#define MAX_NGRAM 16
#define MAX_NUM_PERM 4096
#define PROBE_ROUNDS 64

static unsigned char IS_WORD[256];

static inline uint64_t mix(uint64_t x) { /* splitmix64 finaliser, as sketch._mix */
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

static inline uint64_t rd64(const unsigned char *p) { /* unaligned little-endian read */
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t rd32(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t xround(uint64_t acc, uint64_t in) {
    acc += in * P2;
    acc = rotl(acc, 31);
    return acc * P1;
}

static inline uint64_t xmerge(uint64_t acc, uint64_t v) {
    acc ^= xround(0, v);
    return acc * P1 + P4;
}

/* XXH64 with seed 0, what xxhash.xxh64_intdigest computes: the hash of tokens over 16 bytes. */
static uint64_t xxh64(const unsigned char *p, size_t len) {
    const unsigned char *end = p + len;
    uint64_t h;
    if (len >= 32) {
        uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = (uint64_t)0 - P1;
        const unsigned char *lim = end - 32;
        do {
            v1 = xround(v1, rd64(p));
            v2 = xround(v2, rd64(p + 8));
            v3 = xround(v3, rd64(p + 16));
            v4 = xround(v4, rd64(p + 24));
            p += 32;
        } while (p <= lim);
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
        h = xmerge(h, v1);
        h = xmerge(h, v2);
        h = xmerge(h, v3);
        h = xmerge(h, v4);
    } else {
        h = P5;
    }
    h += (uint64_t)len;
    while (p + 8 <= end) {
        h ^= xround(0, rd64(p));
        h = rotl(h, 27) * P1 + P4;
        p += 8;
    }
    if (p + 4 <= end) {
        h ^= (uint64_t)rd32(p) * P1;
        h = rotl(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= (*p) * P5;
        h = rotl(h, 11) * P1;
        p++;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* The token hash of MinHasher.token_hashes: first and last 8 bytes mixed with the length, xxh64
   above 16 bytes. Token [s, e) lies in a buffer ending at limit: a Python string's own bytes,
   so the first word is read whole only when 8 bytes remain before the end. */
static inline uint64_t token_hash(const unsigned char *s, const unsigned char *e,
                                  const unsigned char *limit) {
    size_t len = (size_t)(e - s);
    if (len > 16) return xxh64(s, len);
    uint64_t first;
    if (limit - s >= 8) {
        first = rd64(s);
        if (len < 8) first &= (((uint64_t)1) << (8 * len)) - 1;
    } else {
        unsigned char tail[8] = {0};
        memcpy(tail, s, len); /* len < 8 here: the token ends before limit */
        first = rd64(tail);
    }
    uint64_t last = len > 8 ? rd64(e - 8) : 0;
    return mix(first ^ mix(last ^ ((uint64_t)len << 56)));
}

static inline void take(uint32_t *sig, uint64_t shingle, int bin_bits) {
    uint64_t x = mix(shingle);
    uint64_t bin = x >> (64 - bin_bits);
    uint64_t v = (x << bin_bits) >> 32;
    if (v > EMPTY - 1) v = EMPTY - 1; /* EMPTY is reserved for "no shingle" */
    if ((uint32_t)v < sig[bin]) sig[bin] = (uint32_t)v;
}

/* Signature of one token stream, written to o[0:1 << bin_bits]. */
static void signature(const unsigned char *p, Py_ssize_t size, int ngram, int bin_bits,
                      uint64_t seed_word, const uint64_t *keys, const int32_t *probes, uint32_t *o) {
    const int num_perm = 1 << bin_bits;
    const unsigned char *end = p + size;
    /* Mixed token hashes, each stored twice (at i and i + ngram) so that the last ngram tokens
       are always the contiguous window ring[pos : pos + ngram]. */
    uint64_t ring[2 * MAX_NGRAM];
    int pos = 0;
    int64_t ntok = 0;
    for (int j = 0; j < num_perm; j++) o[j] = EMPTY;
    for (;;) {
        while (p < end && !IS_WORD[*p]) p++;
        if (p >= end) break;
        const unsigned char *s = p;
        while (p < end && IS_WORD[*p]) p++;
        uint64_t h = mix(token_hash(s, p, end) ^ seed_word);
        ring[pos] = ring[pos + ngram] = h;
        if (++pos == ngram) pos = 0;
        if (++ntok >= ngram) {
            const uint64_t *w = ring + pos;
            uint64_t acc = 0;
            for (int j = 0; j < ngram; j++) acc += w[j] * keys[j];
            take(o, acc, bin_bits);
        }
    }
    if (ntok == 0) return; /* no word: all EMPTY, matches nothing */
    if (ntok < ngram) {    /* one shingle of all the tokens */
        uint64_t acc = 0;
        for (int j = 0; j < ntok; j++) acc += ring[j] * keys[j];
        take(o, acc, bin_bits);
    }
    /* Densification, reading the bins as they were before any was filled. */
    uint32_t sig[MAX_NUM_PERM];
    int empty = 0;
    for (int j = 0; j < num_perm; j++) empty += o[j] == EMPTY;
    if (!empty) return;
    memcpy(sig, o, sizeof(uint32_t) * (size_t)num_perm);
    for (int j = 0; j < num_perm; j++) {
        if (sig[j] != EMPTY) continue;
        int k;
        for (k = 0; k < PROBE_ROUNDS; k++) {
            uint32_t b = sig[probes[k * num_perm + j]];
            if (b != EMPTY) {
                o[j] = b;
                break;
            }
        }
        if (k == PROBE_ROUNDS) { /* rare: the next filled bin to the right, wrapping */
            for (int t = 1; t < num_perm; t++) {
                uint32_t b = sig[(j + t) & (num_perm - 1)];
                if (b != EMPTY) {
                    o[j] = b;
                    break;
                }
            }
        }
    }
}

typedef struct {
    const unsigned char *data;
    Py_ssize_t size;
} Text;

static PyObject *py_signatures(PyObject *self, PyObject *args) {
    PyObject *streams;
    int ngram, bin_bits;
    unsigned long long seed_word;
    Py_buffer keys = {0}, probes = {0}, out = {0};
    PyObject *items = NULL, *result = NULL;
    Text *texts = NULL;
    if (!PyArg_ParseTuple(args, "OiiKy*y*w*:signatures", &streams, &ngram, &bin_bits, &seed_word,
                          &keys, &probes, &out))
        return NULL;
    if (ngram < 1 || ngram > MAX_NGRAM || bin_bits < 1 || (1 << bin_bits) > MAX_NUM_PERM) {
        PyErr_Format(PyExc_ValueError, "ngram must be 1 to %d and num_perm 2 to %d", MAX_NGRAM,
                     MAX_NUM_PERM);
        goto done;
    }
    const int num_perm = 1 << bin_bits;
    /* A tuple keeps every string alive while the GIL is released. */
    items = PySequence_Tuple(streams);
    if (!items) goto done;
    const Py_ssize_t n = PyTuple_GET_SIZE(items);
    if (keys.len != (Py_ssize_t)(ngram * sizeof(uint64_t)) ||
        probes.len != (Py_ssize_t)(PROBE_ROUNDS * num_perm * sizeof(int32_t)) ||
        out.len != (Py_ssize_t)(n * num_perm * sizeof(uint32_t))) {
        PyErr_SetString(PyExc_ValueError, "keys, probes or out has the wrong size");
        goto done;
    }
    const int32_t *pr = (const int32_t *)probes.buf;
    for (Py_ssize_t i = 0; i < PROBE_ROUNDS * num_perm; i++) {
        if (pr[i] < 0 || pr[i] >= num_perm) {
            PyErr_SetString(PyExc_ValueError, "a probe is outside the signature");
            goto done;
        }
    }
    texts = PyMem_Malloc(sizeof(Text) * (size_t)(n ? n : 1));
    if (!texts) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = PyTuple_GET_ITEM(items, i);
        if (!PyUnicode_Check(s)) {
            PyErr_Format(PyExc_TypeError, "stream %zd is %.100s, not str", i, Py_TYPE(s)->tp_name);
            goto done;
        }
        /* For an ASCII string this is its own buffer: nothing is copied. */
        const char *d = PyUnicode_AsUTF8AndSize(s, &texts[i].size);
        if (!d) goto done;
        texts[i].data = (const unsigned char *)d;
    }
    {
        const uint64_t *k = (const uint64_t *)keys.buf;
        uint32_t *o = (uint32_t *)out.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++)
            signature(texts[i].data, texts[i].size, ngram, bin_bits, (uint64_t)seed_word, k, pr,
                      o + i * num_perm);
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(texts);
    Py_XDECREF(items);
    PyBuffer_Release(&keys);
    PyBuffer_Release(&probes);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"signatures", py_signatures, METH_VARARGS,
     "signatures(streams, ngram, bin_bits, seed_word, keys, probes, out) -> None\n\n"
     "MinHash signatures of token streams into out; see copydesk.sketch.MinHasher."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sketch", "Compiled kernel of copydesk.sketch.MinHasher.", -1, methods,
};

PyMODINIT_FUNC PyInit__sketch(void) {
    /* Word bytes of a token stream: ASCII letters, digits, underscore and every UTF-8 byte of a
       non-ASCII character, as sketch._IS_WORD. */
    for (int c = 0; c < 256; c++)
        IS_WORD[c] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c >= 128;
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddIntConstant(m, "API_VERSION", API_VERSION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
