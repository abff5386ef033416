"""The HTML report of an output folder: one self-contained page, no network.

``copydesk report OUT -o report.html`` (or ``copydesk run ... --report``) writes a page with:

- the clusters, copy clusters inside their story cluster, with their members;
- every match, by kind, strongest first;
- a view per pair: both texts side by side, passages highlighted by kind (verbatim, rewrite),
  site furniture and comment spans greyed, the article segments of a page marked, and the scores.

The data (matches, clusters, spans, and the texts of matched documents from ``texts.sqlite``)
is embedded once as JSON; a small script renders the pair the address names (``#pair-3``).
Every highlighted piece of text carries its offsets (``data-s``, ``data-e``, in code points of
the original text, as every output file counts them), so a test can check that it sits at
the right characters.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from copydesk.store import span_bounds

__all__ = ["write_report"]


def _records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def report_data(output: Path, max_pairs: int = 5000) -> dict[str, Any]:
    """What the page shows, as one JSON-ready object.

    Args:
        output: A copydesk output folder.
        max_pairs: Pairs given a side-by-side view (the strongest first); the others are
            listed without their texts, so the page of a huge run stays openable.
    """
    from copydesk.pipeline import KIND_RANK
    from copydesk.report import find_texts

    matches = _records(output / "matches.jsonl")
    matches.sort(key=lambda m: (KIND_RANK.get(m["kind"], 99), -m["score"], m["a"], m["b"]))
    viewed = matches[:max_pairs]
    ids = sorted({d for m in viewed for d in (m["a"], m["b"])})
    texts = find_texts(output, set(ids)) if ids else {}
    wanted = set(ids)
    docs = {}
    for d in _records(output / "documents.jsonl"):
        if d["id"] in wanted:
            docs[d["id"]] = {
                "text": texts.get(d["id"]),
                "source": d.get("source"), "url": d.get("url"), "published": d.get("published"),
                "boilerplate": [[*span_bounds(s), s["reason"] if isinstance(s, dict) else s[2]]
                                for s in d.get("boilerplate", [])],
                "segments": [list(span_bounds(s)) for s in d.get("segments", [])],
            }
    pairs = [{"a": m["a"], "b": m["b"], "kind": m["kind"], "score": m["score"], "jaccard": m.get("jaccard"),
              "containment_a": m.get("containment_a"), "containment_b": m.get("containment_b"),
              "method": m.get("method"), "viewed": k < max_pairs,
              "passages": [{"a": list(span_bounds(p["a"])), "b": list(span_bounds(p["b"])), "kind": p["kind"],
                            "score": p["score"]} for p in m["passages"]]}
             for k, m in enumerate(matches)]
    run = json.loads((output / "run.json").read_text(encoding="utf-8")) if (output / "run.json").exists() else {}
    return {"output": str(output), "counts": run.get("counts", {}), "pairs": pairs,
            "clusters": _records(output / "clusters.jsonl"), "docs": docs}


def write_report(output: str | os.PathLike[str], dest: str | os.PathLike[str], max_pairs: int = 5000) -> Path:
    """Write the HTML report of an output folder.

    Args:
        output: A copydesk output folder.
        dest: The HTML file to write.
        max_pairs: Pairs given a side-by-side view (see :func:`report_data`).

    Returns:
        ``dest``.

    Raises:
        FileNotFoundError: ``output`` is not an output folder.
    """
    output, dest = Path(output), Path(dest)
    if not (output / "matches.jsonl").exists():
        raise FileNotFoundError(f"{output} is not a copydesk output folder (no matches.jsonl); "
                                "run `copydesk run` first")
    data = json.dumps(report_data(output, max_pairs), ensure_ascii=False, separators=(",", ":"))
    # "</" would end the script element early; "<\/" is the same string to JSON.parse.
    data = data.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    page = (_PAGE.replace("__TITLE__", html.escape(f"copydesk report: {output.name}"))
            .replace("__CSS__", _CSS).replace("__JS__", _JS).replace("__DATA__", data))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, dest)
    return dest


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<script>window.copydeskErrors = []; window.addEventListener("error", function (e) {
  window.copydeskErrors.push(String(e.message));
  var d = document.getElementById("js-errors"); if (d) { d.textContent = window.copydeskErrors.join("\\n"); }
});</script>
<style>__CSS__</style></head>
<body>
<header><h1>copydesk report</h1><nav><a href="#clusters">Clusters</a> <a href="#matches">Matches</a></nav>
<div id="summary"></div></header>
<pre id="js-errors"></pre>
<main id="main"></main>
<script type="application/json" id="copydesk-data">__DATA__</script>
<script>__JS__</script>
</body></html>
"""

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; }
header { padding: 10px 20px; background: #23395d; color: #fff; }
header h1 { font-size: 18px; margin: 0 16px 0 0; display: inline-block; }
header a { color: #cfe0ff; margin-right: 12px; }
#summary { font-size: 13px; opacity: .85; }
#js-errors:empty { display: none; }
#js-errors { background: #fdd; color: #900; padding: 8px; }
main { padding: 12px 20px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
td, th { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
.story { border: 1px solid #c9d3e3; border-radius: 6px; padding: 6px 10px; margin: 10px 0; background: #fff; }
.copy { border-left: 4px solid #2f7d32; padding: 2px 8px; margin: 6px 0; background: #f3faf3; }
.members { font-size: 13px; word-break: break-all; }
.kind { font-weight: 600; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.side { background: #fff; border: 1px solid #ccc; border-radius: 6px; padding: 10px; min-width: 0; }
.side h3 { font-size: 14px; word-break: break-all; margin: 0 0 6px; }
.text { white-space: pre-wrap; word-wrap: break-word; font: 14px/1.5 Georgia, serif; }
.pv { background: #ffe58a; }
.pr { background: #b9dcff; }
.pv.pr { background: linear-gradient(#ffe58a, #b9dcff); }
.bp { color: #9a9a9a; background: #eee; }
.bp.pv, .bp.pr { outline: 1px dashed #999; }
.seg { border-left: 3px solid #8e44ad; }
.segstart::before { content: "article " attr(data-seg); font: 11px system-ui; color: #8e44ad;
  display: inline-block; padding: 0 4px; }
.legend span { padding: 1px 6px; margin-right: 6px; border-radius: 3px; }
.muted { color: #777; font-size: 13px; }
"""

_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("copydesk-data").textContent);
  var main = document.getElementById("main");
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  function num(x) { return x === null || x === undefined ? "" : Number(x).toFixed(3); }
  var pairsOf = {};
  data.pairs.forEach(function (p, k) {
    [p.a, p.b].forEach(function (d) { (pairsOf[d] = pairsOf[d] || []).push(k); });
  });
  function docLink(d) {
    var ks = pairsOf[d] || [];
    return esc(d) + (ks.length ? ' <a href="#pair-' + ks[0] + '" title="a pair of this document">&rarr;</a>' : "");
  }
  var c = data.counts || {};
  document.getElementById("summary").textContent = data.output + ": " + (c.documents || 0) + " documents, " +
    data.pairs.length + " matches, " + (c.copy_clusters || 0) + " copy clusters, " +
    (c.story_clusters || 0) + " story clusters";

  function clustersView() {
    var copies = data.clusters.filter(function (x) { return x.kind === "copy"; });
    var stories = data.clusters.filter(function (x) { return x.kind === "story"; });
    var copyOf = {};
    copies.forEach(function (x) { x.members.forEach(function (m) { copyOf[m] = x; }); });
    var placed = {};
    var h = ['<h2 id="clusters">Clusters</h2>'];
    function copyBox(x) {
      placed[x.id] = true;
      return '<div class="copy" id="' + esc(x.id) + '"><b>' + esc(x.id) + "</b> copy cluster, " +
        x.members.length + " documents, representative " + esc(x.representative) +
        '<div class="members">' + x.members.map(docLink).join("<br>") + "</div></div>";
    }
    stories.forEach(function (s) {
      var inner = [], seen = {}, loose = [];
      s.members.forEach(function (m) {
        var x = copyOf[m];
        if (x) { if (!seen[x.id]) { seen[x.id] = true; inner.push(x); } } else { loose.push(m); }
      });
      h.push('<div class="story" id="' + esc(s.id) + '"><b>' + esc(s.id) + "</b> story cluster, " +
        s.members.length + " documents" + inner.map(copyBox).join("") +
        (loose.length ? '<div class="members">' + loose.map(docLink).join("<br>") + "</div>" : "") + "</div>");
    });
    copies.forEach(function (x) { if (!placed[x.id]) { h.push(copyBox(x)); } });
    if (!data.clusters.length) { h.push('<p class="muted">No clusters.</p>'); }
    return h.join("");
  }

  function matchesView() {
    var h = ['<h2 id="matches">Matches</h2><table><tr><th>kind</th><th>score</th><th>a</th><th>b</th>' +
             "<th>passages</th></tr>"];
    data.pairs.forEach(function (p, k) {
      var a = p.viewed ? '<a href="#pair-' + k + '">' + esc(p.a) + "</a>" : esc(p.a);
      h.push('<tr><td class="kind">' + esc(p.kind) + "</td><td>" + num(p.score) + "</td><td>" + a +
             "</td><td>" + esc(p.b) + "</td><td>" + p.passages.length + "</td></tr>");
    });
    h.push("</table>");
    return h.join("");
  }

  // The pieces of one text: cut at every span boundary; each piece says which passages,
  // furniture and segment cover it. Offsets count code points, as the output files do.
  function render(doc, passages, side) {
    var chars = Array.from(doc.text || "");
    var cuts = {0: true}; cuts[chars.length] = true;
    passages.forEach(function (p) { cuts[p[side][0]] = true; cuts[p[side][1]] = true; });
    doc.boilerplate.forEach(function (s) { cuts[s[0]] = true; cuts[s[1]] = true; });
    doc.segments.forEach(function (s) { cuts[s[0]] = true; cuts[s[1]] = true; });
    var points = Object.keys(cuts).map(Number).filter(function (x) { return x <= chars.length; })
      .sort(function (x, y) { return x - y; });
    var out = [];
    for (var i = 0; i + 1 < points.length; i++) {
      var s = points[i], e = points[i + 1];
      var cls = [], ps = [], reason = "", seg = -1;
      passages.forEach(function (p, k) {
        if (p[side][0] <= s && e <= p[side][1]) {
          ps.push(k); cls.push(p.kind === "rewrite" ? "pr" : "pv");
        }
      });
      doc.boilerplate.forEach(function (b) { if (b[0] <= s && e <= b[1]) { reason = b[2]; } });
      if (reason) { cls.push("bp"); }
      doc.segments.forEach(function (g, k) { if (g[0] <= s && e <= g[1]) { seg = k; } });
      var attrs = ' data-s="' + s + '" data-e="' + e + '"';
      if (seg >= 0) {
        cls.push("seg");
        if (s === doc.segments[seg][0]) { cls.push("segstart"); attrs += ' data-seg="' + (seg + 1) + '"'; }
      }
      if (ps.length) { attrs += ' data-p="' + ps.join(" ") + '"'; }
      if (reason) { attrs += ' title="' + esc(reason) + '" data-reason="' + esc(reason) + '"'; }
      out.push('<span class="' + Array.from(new Set(cls)).join(" ") + '"' + attrs + ">" +
               esc(chars.slice(s, e).join("")) + "</span>");
    }
    return out.join("");
  }

  function pairView(k) {
    var p = data.pairs[k];
    if (!p || !p.viewed) { return '<p class="muted">No such pair in this report.</p>'; }
    var h = ['<p><a href="#">&larr; all clusters and matches</a></p>', "<h2>" + esc(p.kind) + ": " +
             esc(p.a) + " &harr; " + esc(p.b) + "</h2>"];
    h.push('<table id="scores"><tr><th>kind</th><td>' + esc(p.kind) + "</td></tr><tr><th>score</th><td>" +
           num(p.score) + "</td></tr><tr><th>jaccard</th><td>" + num(p.jaccard) +
           "</td></tr><tr><th>containment a</th><td>" + num(p.containment_a) +
           "</td></tr><tr><th>containment b</th><td>" + num(p.containment_b) +
           "</td></tr><tr><th>method</th><td>" + esc(p.method || "") + "</td></tr><tr><th>passages</th><td>" +
           p.passages.map(function (q, i) {
             return (i + 1) + ". " + esc(q.kind) + " " + num(q.score) + " a[" + q.a[0] + ":" + q.a[1] +
                    "] b[" + q.b[0] + ":" + q.b[1] + "]";
           }).join("<br>") + "</td></tr></table>");
    h.push('<p class="legend"><span class="pv">verbatim passage</span><span class="pr">rewrite passage</span>' +
           '<span class="bp">furniture, comments</span><span class="seg">article segment</span></p>');
    h.push('<div class="sides">');
    ["a", "b"].forEach(function (side) {
      var d = data.docs[p[side]];
      h.push('<div class="side" id="side-' + side + '"><h3>' + esc(p[side]) + "</h3>");
      if (!d || d.text === null || d.text === undefined) {
        h.push('<p class="muted">The text is not in the output folder.</p>');
      } else {
        h.push('<div class="text" data-doc="' + esc(p[side]) + '">' + render(d, p.passages, side) + "</div>");
      }
      h.push("</div>");
    });
    h.push("</div>");
    return h.join("");
  }

  function route() {
    var m = /^#pair-(\d+)$/.exec(location.hash);
    main.innerHTML = m ? pairView(Number(m[1])) : clustersView() + matchesView();
    document.body.setAttribute("data-view", m ? "pair-" + m[1] : "index");
    document.body.setAttribute("data-ready", "1");
  }
  window.addEventListener("hashchange", route);
  route();
})();
"""
