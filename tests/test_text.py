from hypothesis import given
from hypothesis import strategies as st

from copydesk.sketch import MinHasher
from copydesk.text import normalize, token_stream, tokenize


def test_normalize_folds_typesetting():
    assert normalize("“Quoted”  —  ‘TEXT’\n\tﬁne") == '"quoted" - \'text\' fine'
    assert normalize("  Hello   WORLD ") == "hello world"
    assert normalize("Ｆｕｌｌｗｉｄｔｈ") == "fullwidth"


@given(st.text())
def test_normalize_is_idempotent(s):
    assert normalize(normalize(s)) == normalize(s)


@given(st.text())
def test_tokens_point_into_the_original(s):
    for t in tokenize(s):
        assert 0 <= t.start < t.end <= len(s)
        assert t.norm == "".join(ch for ch in normalize(s[t.start : t.end]) if ch.isalnum() or ch == "_") or t.norm


def test_tokenize_offsets_and_forms():
    text = "Don’t STOP — café ½"
    tokens = tokenize(text)
    assert [text[t.start : t.end] for t in tokens] == ["Don", "t", "STOP", "café", "½"]
    assert [t.norm for t in tokens] == ["don", "t", "stop", "café", "12"]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_token_stream_hashes_exactly_the_tokens(s):
    hashes, doc = MinHasher().token_hashes([token_stream(s)])
    assert len(hashes) == len(tokenize(s))


def test_token_hashes_depend_only_on_the_normalised_token():
    hasher = MinHasher()
    a, _ = hasher.token_hashes([token_stream("Hello, World!")])
    b, _ = hasher.token_hashes([token_stream("HELLO world")])
    assert a.tolist() == b.tolist()
