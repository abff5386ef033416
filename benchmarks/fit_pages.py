"""Fit the page model on the train sites of ``benchmarks/pages.py`` and score it on held-out sites.

Fits :mod:`copydesk.clean.page_model` (line labels: multinomial logistic regression + learnt
label transitions; second-article start: binary logistic regression with its threshold) on the
pages of *train* hosts only, writes ``src/copydesk/clean/data/page_model_v1.npz``, then scores
the cleaner (rules alone, and rules + page model) on the *held-out* hosts, with trafilatura on
the same pages' HTML beside it.

Run: ``python benchmarks/fit_pages.py`` (``--eval`` scores the shipped model without fitting).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pages import LABELS, Page, build_pages, data_digests, load_pages  # noqa: E402

from copydesk.clean import CleanConfig, LineStats, clean_document, line_keys  # noqa: E402
from copydesk.clean.document import rule_pass  # noqa: E402
from copydesk.clean.page_model import (  # noqa: E402
    MODEL_FILE,
    PageModel,
    _SOFT,
    boundary_features,
    candidates,
    load_model,
    page_state,
)

RULES = CleanConfig(page_model=False)
_WORD = re.compile(r"\w+")


def corpus_stats(pages: list[Page]) -> LineStats:
    """Line statistics learnt from the base pages (sources = hosts), as copydesk learns them."""
    base = [p for p in pages if p.kind in ("page", "comments")]
    return LineStats.build(((p.host, line_keys(p.text, RULES)) for p in base), RULES)


def _nonblank(p: Page) -> tuple[list[str], dict[int, int]]:
    """Labels of the non-blank lines, and page line index -> non-blank index."""
    labels, where = [], {}
    for i, (ln, lab) in enumerate(zip(p.lines, p.labels)):
        if ln.strip():
            where[i] = len(labels)
            labels.append(lab)
    return labels, where


def fit(pages: list[Page], stats: LineStats, C: float = 1.0) -> PageModel:
    from sklearn.linear_model import LogisticRegression

    train = [p for p in pages if not p.held_out]
    xs, ys, seqs = [], [], []
    states = {}
    for p in train:
        lines, reasons, sentence, meta, thread, starts = rule_pass(p.text, p.host, stats, RULES)
        labels, _ = _nonblank(p)
        assert len(labels) == len(lines), p.name
        from copydesk.clean.page_model import line_features
        from collections import Counter

        counts = Counter(ln.text for ln in lines)
        feats = line_features(lines, reasons, sentence, meta, thread, [counts[ln.text] for ln in lines])
        y = np.array([LABELS.index(lab) for lab in labels])
        xs.append(feats)
        ys.append(y)
        seqs.append(y)
        states[p.name] = (lines, reasons, sentence, meta, thread)
    X = np.vstack(xs)
    Y = np.concatenate(ys)
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=C, max_iter=3000)
    clf.fit((X - mean) / scale, Y)
    weights = clf.coef_.T.copy()
    weights[0] += clf.intercept_  # the bias column is 1 after standardisation (mean 0, scale 1)
    k = len(LABELS)
    trans = np.ones((k, k))
    for y in seqs:
        np.add.at(trans, (y[:-1], y[1:]), 1)
    log_trans = np.log(trans / trans.sum(axis=1, keepdims=True))
    prior = np.bincount(Y, minlength=k) + 1.0
    log_prior = np.log(prior / prior.sum())
    nb = 15
    model = PageModel(mean, scale, weights, log_trans, log_prior, np.zeros(nb), np.ones(nb), np.zeros(nb), 1.0)
    # second-article model: candidates of every train page, positive near the true boundary
    bx, by, single_best = [], [], []
    for p in train:
        lines, reasons, sentence, meta, thread = states[p.name]
        feats, probs, labels = page_state(lines, list(reasons), sentence, meta, thread, model)
        _, where = _nonblank(p)
        lo = where.get(p.first_end, -1) if p.first_end is not None else None
        hi = where.get(p.boundary) if p.boundary is not None else None
        cands = candidates(lines, labels, reasons, RULES.min_segment_chars)
        prose_idx = [i for i in range(len(lines)) if labels[i] == 0 and reasons[i] is None]
        for i in cands:
            bx.append(boundary_features(lines, i, prose_idx, probs, feats, labels))
            by.append(int(hi is not None and lo < i <= hi + 1))
    BX, BY = np.array(bx), np.array(by)
    b_mean, b_scale = BX.mean(axis=0), BX.std(axis=0)
    b_mean[0], b_scale[0] = 0.0, 1.0
    b_scale[b_scale == 0] = 1.0
    bclf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    bclf.fit((BX - b_mean) / b_scale, BY)
    b_weights = bclf.coef_[0].copy()
    b_weights[0] += bclf.intercept_[0]
    model = replace(model, b_mean=b_mean, b_scale=b_scale, b_weights=b_weights)
    # threshold: the best candidate score of 99 % of single-article train pages stays below it
    for p in train:
        if p.kind == "two_articles":
            continue
        lines, reasons, sentence, meta, thread = states[p.name]
        feats, probs, labels = page_state(lines, list(reasons), sentence, meta, thread, model)
        prose_idx = [i for i in range(len(lines)) if labels[i] == 0 and reasons[i] is None]
        scores = [model.boundary_score(boundary_features(lines, i, prose_idx, probs, feats, labels))
                  for i in candidates(lines, labels, reasons, RULES.min_segment_chars)]
        single_best.append(max(scores, default=0.0))
    thr = float(np.quantile(single_best, 0.99)) if single_best else 0.5
    return replace(model, b_threshold=max(0.5, min(thr + 1e-6, 0.999)))


# ------------------------------------------------------------ scoring ---------------------------

def _shingle_f1(pred: str, gold: str, n: int = 4) -> tuple[float, float]:
    from collections import Counter

    def sh(t):
        toks = _WORD.findall(t.lower())
        return Counter(tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1)))
    a, b = sh(pred), sh(gold)
    tp = sum((a & b).values())
    return (tp / max(1, sum(a.values())), tp / max(1, sum(b.values())))


def evaluate(pages: list[Page], stats: LineStats, config: CleanConfig, held_out: bool = True,
             trafilatura: dict[str, str] | None = None) -> dict:
    """The issue's figures on the pages of one split."""
    sel = [p for p in pages if p.held_out == held_out]
    tp = fp = fn = 0
    com_hit = com_all = art_lost = art_all = 0
    cap_hit = cap_all = 0
    cut_ok = cut_all = cut_pos_ok = 0
    single_ok = single_all = 0
    sh_p, sh_r, tr_p, tr_r = [], [], [], []
    seconds = 0.0
    for p in sel:
        t0 = time.perf_counter()
        cleaned = clean_document(p.text, p.host, stats, config)
        seconds += time.perf_counter() - t0
        from copydesk.clean.lines import split_lines

        lines = split_lines(p.text)
        labels, where = _nonblank(p)
        marked = np.zeros(len(lines), dtype=bool)
        reason = [None] * len(lines)
        j = 0
        for s in cleaned.boilerplate:
            for i, ln in enumerate(lines):
                if ln.start >= s.start and ln.end <= s.end:
                    marked[i] = True
                    reason[i] = s.reason
        seg_starts = []
        for s in cleaned.segments[1:]:
            seg_starts.append(next(i for i, ln in enumerate(lines) if ln.start >= s.start))
        if p.kind in ("page", "comments", "captions"):
            single_all += 1
            single_ok += not cleaned.segments
        if p.kind == "page":
            for ln, lab, m in zip(lines, labels, marked):
                if lab == "title":
                    continue  # headlines: the gold article bodies leave them out; neutral here
                n = len(ln.text)
                if lab == "article":
                    tp += n * (not m)
                    fn += n * m
                else:
                    fp += n * (not m)
            gold = "\n".join(ln.text for ln, lab in zip(lines, labels) if lab == "article")
            kept = "\n".join(ln.text for ln, lab, m in zip(lines, labels, marked) if not m and lab != "title")
            pr, rc = _shingle_f1(kept, gold)
            sh_p.append(pr)
            sh_r.append(rc)
            if trafilatura is not None:
                pr, rc = _shingle_f1(trafilatura.get(p.name, ""), gold)
                tr_p.append(pr)
                tr_r.append(rc)
        if p.kind == "comments":
            for ln, lab, m, r in zip(lines, labels, marked, reason):
                if lab == "comment":
                    com_all += 1
                    com_hit += r == "comments"
                elif lab == "article":  # silver (trafilatura's article), weighed by characters
                    art_all += len(ln.text)
                    art_lost += len(ln.text) * bool(m)
        if p.kind == "captions":
            cap = p.lines[0]
            for ln, m in zip(lines, marked):
                if ln.text == cap:
                    cap_all += 1
                    cap_hit += bool(m)
        if p.kind == "two_articles":
            cut_all += 1
            lo, hi = where[p.first_end], where[p.boundary]
            # within one paragraph: after the first article's last paragraph, at most one
            # paragraph past the second article's first line
            cut_ok += len(seg_starts) == 1 and lo < seg_starts[0] <= hi + 1
            # the cut as a position: anywhere between the first segment's last line and the
            # second's first line (the furniture between them belongs to neither); right when
            # that stretch meets the true one, i.e. no article line of A in the second segment
            # and nothing past B's first line in the first
            if len(seg_starts) == 1:
                end_first = max(i for i, ln in enumerate(lines) if ln.end <= cleaned.segments[0].end)
                cut_pos_ok += end_first <= hi and seg_starts[0] > lo
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)

    def mf(ps, rs):
        if not ps:
            return None
        P, R = float(np.mean(ps)), float(np.mean(rs))
        return round(2 * P * R / (P + R), 4) if P + R else 0.0
    return {
        "split": "held-out" if held_out else "train",
        "pages": sum(p.kind == "page" for p in sel),
        "hosts": len({p.host for p in sel}),
        "article_char_f1": round(f1, 4),
        "article_char_precision": round(tp / max(1, tp + fp), 4),
        "article_char_recall": round(tp / max(1, tp + fn), 4),
        "shingle_f1": mf(sh_p, sh_r),
        "trafilatura_shingle_f1": mf(tr_p, tr_r),
        "comment_pages": sum(p.kind == "comments" for p in sel),
        "comment_line_recall": round(com_hit / max(1, com_all), 4),
        "comment_lines": com_all,
        "article_char_loss_on_comment_pages": round(art_lost / max(1, art_all), 4),
        "caption_pages": sum(p.kind == "captions" for p in sel),
        "repeated_captions_marked": round(cap_hit / max(1, cap_all), 4),
        "two_article_pages": cut_all,
        "two_article_cut_within_one_paragraph": round(cut_ok / max(1, cut_all), 4),
        "two_article_cut_position_within_one_paragraph": round(cut_pos_ok / max(1, cut_all), 4),
        "single_article_pages": single_all,
        "single_article_never_cut": round(single_ok / max(1, single_all), 4),
        "clean_seconds": round(seconds, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", action="store_true", help="score the shipped model only")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--speed", action="store_true", help="time the clean stage only")
    args = ap.parse_args()
    raw = load_pages()
    pages = build_pages(raw)
    stats = corpus_stats(pages)
    if args.speed:
        print(json.dumps(speed(pages, stats), indent=1))
        return
    if not args.eval:
        model = fit(pages, stats, args.C)
        MODEL_FILE.parent.mkdir(exist_ok=True)
        model.save(MODEL_FILE)
        load_model.cache_clear()
        print(f"wrote {MODEL_FILE} (threshold {model.b_threshold:.3f})", file=sys.stderr)
    traf = {p["name"]: p["trafilatura"] for p in raw}
    out = {"digests": data_digests()}
    for held in (False, True):
        out["rules" + ("_held_out" if held else "_train")] = evaluate(pages, stats, RULES, held, traf)
        out["model" + ("_held_out" if held else "_train")] = evaluate(pages, stats, CleanConfig(), held, traf)
    print(json.dumps(out, indent=1))



def speed(pages: list[Page], stats: LineStats, repeats: int = 3) -> dict:
    """Clean-stage CPU time per document, rules alone and rules + page model, side by side (best of
    ``repeats`` interleaved runs): the project's plain-text cleaning corpus and the rendered pages."""
    corpus = [json.loads(line) for line in (ROOT / "tests" / "data" / "cleaning" / "corpus.jsonl").open()]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from realtext import load_originals

    sets = {
        "real article bodies (realtext originals, plain text)": [(b, None) for _, b in load_originals()[:120]],
        "cleaning corpus (plain text in furniture, about 1,800 chars)": [(d["text"], d.get("source")) for d in corpus],
        "rendered pages (whole pages, about 12,000 chars)": [(p.text, p.host) for p in pages if p.kind == "page"][:120],
    }
    out = {}
    for name, docs in sets.items():
        best = {"rules": float("inf"), "rules + page model": float("inf")}
        for _ in range(repeats):
            for label, cfg in (("rules", RULES), ("rules + page model", CleanConfig())):
                # CPU time of this process: on the shared machine (load 8-25 on two cores) wall
                # time swung 0.8-3.2x between runs of the same code
                t0 = time.process_time()
                for text, source in docs:
                    clean_document(text, source, stats if "rendered" in name else None, cfg)
                best[label] = min(best[label], (time.process_time() - t0) / len(docs))
        out[name] = {k: round(v * 1000, 3) for k, v in best.items()}
        out[name]["ratio"] = round(best["rules + page model"] / best["rules"], 2)
    return out


if __name__ == "__main__":
    main()
