"""A reuse corpus in nine languages, built at test time from the SemEval-2022 dev texts (issue 18).

For each language (ar, de, es, fr, it, pl, ru, tr, zh) four sites publish pages whose article
is a dev text of that language under furniture written in that language: a navigation line,
a share bar, an address line of the site (only repetition can tell it is furniture), a
"read also" link and a copyright line. Planted among them: a copy of an article on another
site, an excerpt of one article quoted inside another, and a lightly edited copy (a few words
changed). Everything else is a different article: any relation found between two of them is
false.

The furniture phrasings are the usual ones of each language's news sites; the address lines
and site names are invented. Nothing here is copied into the repository: the articles are read
from ``../shared/data`` when the test runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGES = ("ar", "de", "es", "fr", "it", "pl", "ru", "tr", "zh")

# Per language: navigation, share bar, site address (repetition only), read-also prefix, copyright.
FURNITURE = {
    "ar": ("الرئيسية | سياسة | اقتصاد | رياضة", "شارك على فيسبوك | تويتر | واتساب",
           "{site} - شارع النيل 12، القاهرة", "اقرأ أيضا: ", "© 2020 {site}. جميع الحقوق محفوظة"),
    "de": ("Startseite › Politik › Ausland", "Teilen: Facebook | Twitter | WhatsApp | E-Mail",
           "{site} · Hauptstraße 5 · 10115 Berlin", "Lesen Sie auch: ", "© 2020 {site}. Alle Rechte vorbehalten."),
    "es": ("Portada | Política | Economía | Deportes", "Compartir en Facebook | Twitter | WhatsApp",
           "{site} · Calle Mayor 12 · 28013 Madrid", "Lee también: ", "© 2020 {site}. Todos los derechos reservados."),
    "fr": ("Accueil › Politique › International", "Partager sur Facebook | Twitter | E-mail",
           "{site} · 12 rue de Rivoli · 75004 Paris", "Lire aussi : ", "© 2020 {site}. Tous droits réservés."),
    "it": ("Home › Politica › Esteri", "Condividi su Facebook | Twitter | WhatsApp",
           "{site} · Via Roma 12 · 00184 Roma", "Leggi anche: ", "© 2020 {site}. Riproduzione riservata."),
    "pl": ("Strona główna › Polityka › Świat", "Udostępnij: Facebook | Twitter | E-mail",
           "{site} · ul. Marszałkowska 12 · 00-026 Warszawa", "Czytaj także: ",
           "© 2020 {site}. Wszelkie prawa zastrzeżone."),
    "ru": ("Главная › Политика › В мире", "Поделиться: ВКонтакте | Telegram | Twitter",
           "{site} · ул. Тверская 12 · Москва", "Читайте также: ", "© 2020 {site}. Все права защищены."),
    "tr": ("Anasayfa › Gündem › Dünya", "Paylaş: Facebook | Twitter | WhatsApp",
           "{site} · Atatürk Caddesi 12 · İstanbul", "İlginizi çekebilir: ", "© 2020 {site}. Tüm hakları saklıdır."),
    "zh": ("首页 > 新闻 > 国际", "分享到：微信 微博 QQ空间",
           "{site} 地址：北京市朝阳区建国路12号", "相关阅读：", "{site} 版权所有 未经授权禁止转载"),
}

SITES_PER_LANGUAGE = 4
PAGES_PER_SITE = 4


@dataclass
class Corpus:
    """The documents (JSONL records), where their furniture is, and the planted pairs."""

    records: list[dict] = field(default_factory=list)
    furniture: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    language: dict[str, str] = field(default_factory=dict)
    planted: dict[tuple[str, str], str] = field(default_factory=dict)  # (a, b) sorted -> kind planted

    def write(self, path: Path) -> Path:
        with open(path, "w", encoding="utf-8") as f:
            for r in self.records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        return path


def _light_edit(text: str, language: str) -> str:
    """Change three words of the middle of ``text`` (three characters in Chinese)."""
    if language == "zh":
        chars = list(text)
        for k in (len(chars) // 4, len(chars) // 2, 3 * len(chars) // 4):
            chars[k] = "的" if chars[k] != "的" else "了"
        return "".join(chars)
    words = text.split(" ")
    for k in (len(words) // 4, len(words) // 2, 3 * len(words) // 4):
        words[k] = words[k][::-1] + "x"
    return " ".join(words)


def build(texts_path: Path) -> Corpus:
    """The corpus from ``texts.jsonl`` of ``semeval2022_task8_multi_dev``."""
    by_language: dict[str, list[dict]] = {lang: [] for lang in LANGUAGES}
    for line in texts_path.read_text("utf-8").splitlines():
        r = json.loads(line)
        # Chinese says in 300 characters what the others say in 700.
        if r["lang"] in by_language and len(r["text"]) >= (300 if r["lang"] == "zh" else 700) and "\ufffd" not in r["text"]:
            by_language[r["lang"]].append(r)
    corpus = Corpus()
    for lang in LANGUAGES:
        pool = sorted(by_language[lang], key=lambda r: r["id"])
        # Texts spread evenly over the folder (not one story's pairs).
        wanted = SITES_PER_LANGUAGE * PAGES_PER_SITE
        if len(pool) < wanted:
            raise ValueError(f"{texts_path}: only {len(pool)} {lang} texts long enough; need {wanted}")
        articles = [r["text"].replace("\n", " ") for r in pool[:: len(pool) // wanted]][:wanted]
        nav, share, address, read_also, copyright = FURNITURE[lang]
        bodies = list(articles)
        ids = [f"{lang}-s{k // PAGES_PER_SITE}-p{k % PAGES_PER_SITE}" for k in range(len(bodies))]
        # Planted: site 1 page 0 copies site 0 page 0; site 2 page 0 is site 0 page 1 lightly
        # edited; site 3 page 0 quotes the first two thirds of site 0 page 2 inside its own article.
        bodies[PAGES_PER_SITE] = articles[0]
        bodies[2 * PAGES_PER_SITE] = _light_edit(articles[1], lang)
        half = articles[2][: 2 * len(articles[2]) // 3]
        cut = half.rfind(" ") if lang != "zh" else len(half)
        bodies[3 * PAGES_PER_SITE] = articles[3 * PAGES_PER_SITE] + " " + half[: cut if cut > 0 else len(half)]
        corpus.planted[tuple(sorted((ids[0], ids[PAGES_PER_SITE])))] = "copy"
        corpus.planted[tuple(sorted((ids[1], ids[2 * PAGES_PER_SITE])))] = "edit"
        corpus.planted[tuple(sorted((ids[2], ids[3 * PAGES_PER_SITE])))] = "excerpt"
        for k, (doc_id, body) in enumerate(zip(ids, bodies)):
            site = f"{lang.upper()}-Nachrichten-{k // PAGES_PER_SITE}" if lang == "de" else f"{lang}news{k // PAGES_PER_SITE}"
            other = articles[(k + 5) % len(articles)]
            headline = other[: other.find(" ", 50)] if lang != "zh" else other[:30]
            head = [nav, share]
            foot = [read_also + headline, address.format(site=site), copyright.format(site=site)]
            text, spans = "", []
            for line in head:
                spans.append((len(text), len(text) + len(line)))
                text += line + "\n"
            text += body + "\n"
            for line in foot:
                spans.append((len(text), len(text) + len(line)))
                text += line + "\n"
            corpus.records.append({"id": doc_id, "text": text, "source": site})
            corpus.furniture[doc_id] = spans
            corpus.language[doc_id] = lang
    return corpus
