"""Languages (issue 18): identification, per-language text analysis, furniture hints, and the
nine-language reuse corpus built from the SemEval-2022 dev texts."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copydesk.cli import main
from copydesk.clean.rules import classify
from copydesk.config import Config, ConfigError
from copydesk.languages import identify, language_filter, semantic_skip, skipped_pairs
from copydesk.pipeline import find_reuse
from copydesk.store import span_bounds
from copydesk.text import normalize

REPO = Path(__file__).resolve().parents[1]
MIXED = REPO / "tests" / "data" / "languages" / "mixed.jsonl"
DEV = "semeval2022_task8_multi_dev"
# sha256 of pairs.csv + texts.jsonl of the dev folder the figures below were measured on
# (benchmarks/languages.py prints it); a different folder must be measured again.
DEV_DIGEST = "192b1175506c31762cc0172c08f5f14427f7581a9358367ca015ed60728328fb"

sys.path.insert(0, str(REPO / "tests"))
import languages_corpus  # noqa: E402


def _dev(shared_data: Path) -> Path:
    folder = shared_data / DEV
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{folder} is missing: the languages gates need it under CI")
        pytest.skip(f"{folder} not found")
    digest = hashlib.sha256((folder / "pairs.csv").read_bytes() + (folder / "texts.jsonl").read_bytes()).hexdigest()
    assert digest == DEV_DIGEST, "the dev folder changed: re-run benchmarks/languages.py and re-pin"
    return folder


@pytest.fixture
def dev() -> Path:
    from conftest import SHARED_DATA

    if not SHARED_DATA.is_dir() and os.environ.get("CI") != "true":
        pytest.skip(f"evaluation data not found at {SHARED_DATA}")
    return _dev(SHARED_DATA)


# --- identification ----------------------------------------------------------------------------


def test_identify_names_each_language_of_the_mixed_sample():
    got = {r["id"]: identify(r["text"]).language for r in map(json.loads, MIXED.read_text("utf-8").splitlines())}
    assert got == {"de-1": "de", "de-2": "de", "fr-1": "fr", "zh-1": "zh", "ru-1": "ru"}


def test_short_text_is_undetermined_and_bad_characters_do_not_fail():
    assert identify("ok").language == "und" and identify("").confidence == 0.0
    found = identify("\x00\ud800 Der Bundestag hat am Donnerstag das neue Gesetz beschlossen.")
    assert found.language == "de" and 0.5 <= found.confidence <= 1.0


def test_a_page_in_two_languages_gets_runs_with_offsets_into_the_text():
    de = "Der Bundestag hat am Donnerstag mit großer Mehrheit ein neues Gesetz beschlossen. " * 5
    zh = "国家统计局周三发布数据显示，今年前三季度国内生产总值同比增长百分之四点九。" * 8
    found = identify(de + zh, spans=True)
    assert [s.language for s in found.spans] == ["de", "zh"]
    first, second = found.spans
    assert first.start == 0 and second.end == len(de + zh) and first.end <= second.start
    assert identify(de, spans=True).spans == ()


def test_language_filter_keeps_and_drops():
    keep = language_filter(keep=["de", "fr"], drop=["fr"])
    assert [keep(x) for x in ("de", "fr", "en")] == [True, False, False]
    assert language_filter()("zh")
    with pytest.raises(ConfigError, match="ISO 639-1"):
        Config.from_mapping({"ingest": {"languages": ["German"]}})


def test_language_identification_on_the_dev_texts(dev):
    """Gate: accuracy >= 0.98 against the folder's labels. Measured 0.9991 (2 of 2,110 differ:
    a text labelled zh written in Spanish, one labelled fr written in German)."""
    rows = [json.loads(line) for line in (dev / "texts.jsonl").read_text("utf-8").splitlines()]
    right = sum(identify(r["text"]).language == r["lang"] for r in rows)
    assert right / len(rows) >= 0.995


# --- the text-analysis module ------------------------------------------------------------------


from copydesk.languages import analysis  # noqa: E402 - its tools (the languages extra) load on first use


@pytest.fixture(scope="module")
def analyzer():
    return analysis.TextAnalyzer()


def test_chinese_is_cut_into_words(analyzer):
    text = "习近平在北京会见了美国总统。"
    words = [t.norm for t in analyzer.words(text, "zh")]
    assert words[:6] == ["习近平", "在", "北京", "会见", "了", "美国"]


@given(st.text(alphabet=st.sampled_from(list("国家统计局周三发布数据 abc，。Ünï12")), max_size=60),
       st.sampled_from(["zh", "ja", "de"]))
def test_words_point_into_the_text(analyzer, text, language):
    for t in analyzer.words(text, language):
        assert 0 <= t.start < t.end <= len(text)
        assert t.norm == normalize(text[t.start : t.end]) or language == "ja"


@given(st.text(alphabet=st.sampled_from(list("Ab c.!?。؟ \n«»")), max_size=80),
       st.sampled_from(["de", "tr", "zh", "ar"]))
def test_sentences_are_ordered_non_empty_spans_of_the_text(analyzer, text, language):
    spans = analyzer.sentences(text, language)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_sentences_for_a_language_pysbd_has_and_one_it_has_not(analyzer):
    de = "Dr. Müller kam um 3 Uhr. Er sagte: „Nein.“ Dann ging er."
    assert [de[s:e] for s, e in analyzer.sentences(de, "de")][0] == "Dr. Müller kam um 3 Uhr."
    tr = "Bugün Ankara'da toplandılar. Erdoğan konuştu! Sonra ne oldu?"
    assert [tr[s:e] for s, e in analyzer.sentences(tr, "tr")] == [
        "Bugün Ankara'da toplandılar.", "Erdoğan konuştu!", "Sonra ne oldu?"]


def test_stems_and_stop_words_are_the_language_s_own(analyzer):
    assert analyzer.terms("Die Regierungen haben das Gesetz beschlossen", "de") == ["regier", "gesetz", "beschloss"]
    assert {analyzer.stem(w, "tr") for w in ("evler", "evlerde", "evleri")} == {"ev"}
    assert {analyzer.stem(w, "pl") for w in ("rządu", "rząd", "rządem")} == {"rząd"}
    assert analyzer.stem("الحكومة", "ar") == analyzer.stem("حكومة", "ar")
    assert "и" in analyzer.stopwords("ru") and "的" in analyzer.stopwords("zh")


def test_mojibake_is_repaired_for_the_warning_and_clean_text_is_left(analyzer):
    assert analysis.repair_mojibake("TÃ¼rkiye'de Ã§ok gÃ¼zel") == "Türkiye'de çok güzel"
    assert analysis.repair_mojibake("Türkiye'de çok güzel") is None
    assert "mojibake" in analysis.mojibake_warning("TÃ¼rkiye'de Ã§ok gÃ¼zel", "x.jsonl:3")


def test_story_signals_meet_across_scripts(analyzer):
    from copydesk.languages.signals import signal_features, story_signals

    ru = story_signals("Путин встретился с Эрдоганом в Анкаре; погибли 2 300 человек.", "ru", analyzer)
    en = story_signals("Putin met Erdogan in Ankara; 2,300 people were killed.", "en", analyzer)
    assert {"putin", "ankare"} & ru.names and "putin" in en.names
    assert ru.numbers == en.numbers == {"2300"}
    features = signal_features(ru, en, {}, 10)
    assert features[0] == 0.0 and features[1] > 0 and features[2] == 1.0 and features[-1] == 1.0


# --- furniture hints ---------------------------------------------------------------------------


@pytest.mark.parametrize("line, reason", [
    ("Lesen Sie auch: Neue Regeln für Mieter", "related_links"),
    ("Lee también: El Gobierno aprueba el presupuesto", "related_links"),
    ("© 2020 Hürriyet. Tüm hakları saklıdır.", "feed_footer"),
    ("İlgili haberler", "related_links"),
    ("分享到：微信 微博", "share_buttons"),
    ("相关阅读", "related_links"),
    ("Все права защищены", "feed_footer"),
    ("اقرأ أيضا: الحكومة تقر الميزانية", "related_links"),
    ("Condividi su Facebook", "share_buttons"),
    ("Czytaj także: Rząd przyjął budżet", "related_links"),
])
def test_furniture_phrases_of_other_languages_are_hints_on_short_lines(line, reason):
    assert classify(line, len(re.findall(r"\w+", line))) == reason


@pytest.mark.parametrize("line", [
    "Druckenmiller sagte am Montag, die Märkte würden sich erholen.",
    "Il governo ha deciso di condividere i dati con le regioni entro venerdì prossimo, ha detto il ministro.",
    "The stampede killed 12 people.",
])
def test_article_lines_are_not_furniture(line):
    assert classify(line, len(re.findall(r"\w+", line))) is None


# --- the pipeline ------------------------------------------------------------------------------


def test_documents_carry_their_language_and_the_run_counts_them(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(MIXED), "-o", str(out), "--quiet", "--languages", "de,zh",
                 "--rewrite-model", "none"]) == 0
    docs = {r["id"]: r for r in map(json.loads, (out / "documents.jsonl").read_text().splitlines())}
    assert {d: r["language"] for d, r in docs.items()} == {"de-1": "de", "de-2": "de", "zh-1": "zh"}
    assert all(0.5 <= r["language_confidence"] <= 1 for r in docs.values())
    counts = json.loads((out / "run.json").read_text())["counts"]
    assert counts["languages"] == {"de": 2, "zh": 1}
    assert counts["filtered_by_language"] == {"fr": 1, "ru": 1}


def test_the_english_rewrite_models_skip_other_languages():
    de = "Der Bundestag hat am Donnerstag mit großer Mehrheit ein neues Gesetz beschlossen."
    en = "The parliament passed a new climate law by a large majority on Thursday afternoon."
    assert semantic_skip(en, en, "none") is None
    assert semantic_skip(de, en, "mpnet") == "de-en"
    assert semantic_skip("ok", en, "none") is None  # undetermined: left to the models
    assert skipped_pairs([(identify(de), identify(en)), (identify(en), identify(en))], "none") == {"de-en": 1}
    # run.json: skipped by the English models, and compared by the language-aware scorer or by nothing.
    from copydesk.languages import routed_pair_counts

    assert routed_pair_counts({"de-en": 1}, language_scorer=True) == {"story_by_language_model": {"de-en": 1}}
    assert routed_pair_counts({"de-en": 1}, language_scorer=False) == {"semantic_skipped_by_language": {"de-en": 1}}
    assert routed_pair_counts({}, language_scorer=True) == {}


# --- the nine-language reuse corpus -----------------------------------------------------------


@pytest.fixture(scope="module")
def reuse_run(tmp_path_factory):
    from conftest import SHARED_DATA

    if not (SHARED_DATA / DEV).is_dir() and os.environ.get("CI") != "true":
        pytest.skip("evaluation data not found")
    folder = _dev(SHARED_DATA)
    corpus = languages_corpus.build(folder / "texts.jsonl")
    tmp = tmp_path_factory.mktemp("languages")
    path = corpus.write(tmp / "docs.jsonl")
    out = tmp / "out"
    find_reuse([path], out, Config.from_mapping({"rewrite": {"model": "none"}}), progress=False)
    docs = {r["id"]: r for r in map(json.loads, (out / "documents.jsonl").read_text("utf-8").splitlines())}
    matches = [json.loads(line) for line in (out / "matches.jsonl").read_text("utf-8").splitlines()]
    texts = {r["id"]: r["text"] for r in corpus.records}
    return corpus, docs, matches, texts


@pytest.mark.parametrize("language", languages_corpus.LANGUAGES)
def test_every_planted_pair_is_found_with_exact_passages(reuse_run, language):
    corpus, docs, matches, texts = reuse_run
    found = {(m["a"], m["b"]): m for m in matches}
    planted = {p: k for p, k in corpus.planted.items() if corpus.language[p[0]] == language}
    expected = {"copy": {"near_duplicate"}, "edit": {"near_duplicate"}, "excerpt": {"excerpt", "shared_passages"}}
    for pair, kind in planted.items():
        assert pair in found, f"{language}: planted {kind} {pair} not found"
        assert found[pair]["kind"] in expected[kind], (pair, found[pair]["kind"])
        for p in found[pair]["passages"]:
            if p["kind"] == "verbatim" and kind != "edit":
                a = normalize(texts[pair[0]][slice(*span_bounds(p["a"]))])
                b = normalize(texts[pair[1]][slice(*span_bounds(p["b"]))])
                assert a == b and len(a) >= 100, f"{language}: passage offsets are not exact"


@pytest.mark.parametrize("language", languages_corpus.LANGUAGES)
def test_no_false_relation_and_every_document_in_its_language(reuse_run, language):
    corpus, docs, matches, texts = reuse_run
    ours = [d for d in docs if corpus.language[d] == language]
    assert {docs[d]["language"] for d in ours} == {language}
    # Copy relations only: the corpus's texts are dev texts a fixed stride apart, and some of them
    # report one event (a zoo fire in Krefeld in two Spanish texts; Trump's troops after the
    # Baghdad embassy attack in Italian and Polish), which the language-aware story scorer rightly
    # relates as same_story. Its false relations are gated on people's ratings instead
    # (tests/test_languages_story.py).
    false = [(m["a"], m["b"], m["kind"]) for m in matches
             if (m["a"], m["b"]) not in corpus.planted and m["kind"] != "same_story"
             and language in (corpus.language[m["a"]], corpus.language[m["b"]])]
    assert false == []


@pytest.mark.parametrize("language", languages_corpus.LANGUAGES)
def test_furniture_is_marked_in_every_language(reuse_run, language):
    """Gate: >= 0.9 of the furniture characters marked. Measured 1.000 in all nine (main before
    issue 18: 0.65-0.73)."""
    corpus, docs, matches, texts = reuse_run
    total = marked = 0
    for d, spans in corpus.furniture.items():
        if corpus.language[d] != language:
            continue
        for s, e in spans:
            total += e - s
            marked += sum(max(0, min(e, b["end"]) - max(s, b["start"])) for b in docs[d]["boilerplate"])
    assert marked / total >= 0.95


# --- same story on the dev pairs ---------------------------------------------------------------


def test_the_default_scorer_relates_one_event_across_languages(analyzer):
    from copydesk.languages.signals import SameStoryScorer, story_signals

    scorer = SameStoryScorer.default()
    de = story_signals("Erdbeben in der Türkei: Mindestens 2.300 Tote in Gaziantep und Kahramanmaraş. "
                       "Präsident Erdoğan rief den Notstand aus.", "de", analyzer)
    en = story_signals("Earthquake in Turkey kills at least 2,300 in Gaziantep and Kahramanmaras. "
                       "President Erdogan declared a state of emergency.", "en", analyzer)
    other = story_signals("Der FC Bayern gewann am Samstag mit 3:1 gegen Borussia Dortmund in München.",
                          "de", analyzer)
    df = {}
    assert scorer.same_story(de, en, df, 1000)
    assert not scorer.same_story(other, en, df, 1000)
