"""What one line looks like: furniture patterns and shape tests, without any context.

Each pattern is a kind of site furniture that news sites print in many phrasings; the phrasings
below are the common English ones (WordPress, feed readers, newsletter widgets, comment systems),
not lines copied from the evaluation pages. Every pattern applies to *short* lines only (a word
limit per kind), so an article paragraph that happens to mention a newsletter is never a match.

The word limits were set on the project's cleaning corpus (``tests/data/cleaning``) and checked
on the HTML benchmarks (``benchmarks/extraction.py``); re-run both after changing one.
"""

from __future__ import annotations

import re

__all__ = [
    "FURNITURE_REASONS",
    "classify",
    "is_byline",
    "is_comment_meta",
    "is_comments_header",
    "is_related_header",
    "is_sentence",
    "is_title",
    "language_hint",
]

FURNITURE_REASONS: tuple[str, ...] = (
    "feed_footer",
    "newsletter",
    "comment_form",
    "share_buttons",
    "hashtags",
    "related_links",
    "widget",
    "byline",
)
"""Reasons :func:`classify` gives, one kind of furniture each."""

_I = re.IGNORECASE

# (reason, most words a matching line may have, trigger substrings, pattern). Alternatives
# anchored with ``^`` are tried at the line's start only; the others run only on lines
# (lower-cased) holding one of the triggers, which every unanchored alternative needs. Both keep
# cleaning fast: a case-insensitive search of every alternative at every position cost 40 us a
# line, 5 ms a document.
_RULES: tuple[tuple[str, int, tuple[str, ...], re.Pattern[str]], ...] = (
    (
        "feed_footer",
        60,
        ("rights reserved",),
        re.compile(
            r"^the (post|article|entry)\b.{1,400}\b(appeared|was published) first (on|in)\b"
            r"|^(this|the) (article|story|post|piece|item) (was |is |first |originally )*"
            r"(appeared|published|posted|republished|reprinted)\b"
            r"|^(originally|first) (published|appeared|posted)\b"
            r"|^(republished|reprinted|syndicated) (from|with permission)\b"
            r"|^read the (full|original) (article|story|post)\b"
            r"|^(continue|keep) reading\b.{0,80}$"
            r"|^(source|via|h/t|hat tip|courtesy of)\s*:\s*\S.{0,60}$"
            r"|^(©|\(c\)|copyright\b).{0,120}$"
            r"|\ball rights reserved\b",
            _I,
        ),
    ),
    (
        "newsletter",
        45,
        (
            "newsletter",
            "sign up",
            "signup",
            "sign-up",
            "signing up",
            "subscrib",
            "regist",
            "inbox",
            "mail",
            "clicking",
        ),
        re.compile(
            r"\bnewsletters?\b.*\b(sign(ing)? ?up|subscrib\w*|inbox|e-?mail|deliver\w*|free|daily|weekly|join|get)\b"
            r"|\b(sign(ing)? ?up|subscrib\w*|register)\b.*\b(newsletters?|inbox|e-?mail|updates|briefing|alerts?|digest)\b"
            r"|\b(inbox|e-?mail|newsletters?|briefing|digest|roundup)\b.*\b(sign(ing)? ?up|subscribe)( now| today| here)?\b"
            r"|\b(get|receive|have)\b.*\b(delivered|sent)\b.*\b(to|in|into) your (inbox|e-?mail)\b"
            r"|\b(straight|right|directly|delivered) (to|into|in) your inbox\b"
            r"|^(thanks|thank you) for (signing ?up|subscribing|registering)\b"
            r"|\bby (signing ?up|subscribing|registering|clicking)\b.*\b(agree|consent|privacy|terms)\b"
            r"|^(enter )?your e-?mail( address)?( here)?\s*\*?:?$"
            r"|^(sign ?up|subscribe)( now| today| here| for free)?[.!]?$"
            r"|\byou can unsubscribe\b|\bunsubscribe at any time\b"
            r"|^newsletter$",
            _I,
        ),
    ),
    (
        "comment_form",
        40,
        (
            "mail",
            "required fields",
            "save my name",
            "notify me",
            "you must be",
            "comment",
            "reserve the right",
            "please",
            "community",
            "akismet",
        ),
        re.compile(
            r"^(leave|post|add|write|submit|share) (a |your |the )?(comment|reply|response|thoughts?)\b"
            r"|\byour e-?mail (address )?will not be (published|shared|displayed)\b"
            r"|\brequired fields are marked\b"
            r"|^(name|e-?mail|website|url|comment|message|your name|your comment)\s*\*?\s*(\(required\))?\s*:?\s*\*?$"
            r"|\bsave my name,? e-?mail\b"
            r"|\bnotify me (of|when)\b.{0,40}\b(comments?|posts?|replies|repl(y|ies))\b"
            r"|\byou must be (logged|signed) in to\b"
            r"|^comments? (are|is|have been) (now )?(closed|moderated|disabled|turned off)\b"
            r"|^(log ?in|sign ?in|register|subscribe)\b.{0,30}\bto (comment|reply|join the|post a)\b"
            r"|^cancel reply$|^(post|submit|send|publish) (a )?(comment|reply)$"
            r"|\bcomments?\b.{0,60}\b(will|may|might) (not be (published|posted|approved)|be (removed|deleted|moderated))\b"
            r"|\b(we|editors?) reserve the right to (remove|delete|edit|moderate)\b"
            r"|\bplease (keep|be|remain) (your )?(comments?|it|respectful|civil|on[- ]topic)\b"
            r"|\bcommunity (guidelines|standards|rules)\b"
            r"|\bthis site uses akismet\b"
            r"|^(be the first to comment|no comments yet|there are no comments)\b",
            _I,
        ),
    ),
    (
        "related_links",
        30,
        (),
        re.compile(
            r"^[\[(]?\s*(related|read more|more|read also|also read|see also|recommended|read next|"
            r"next|previous|prev|read|watch|listen|more on this( story)?|also on [\w.]+|"
            r"related (articles?|stor(y|ies)|coverage|content|posts?|links?)|more (from|on) [\w .'-]{1,30}|"
            r"(you (may|might) )?also (like|see)|don'?t miss|see more|check out)\s*(:|\||—|–|>>|»)\s*\S"
            r"|^(next|previous) (article|story|post)\s*:?"
            r"|^\[(related|read more|see also)\b.*\]$",
            _I,
        ),
    ),
    (
        "widget",
        10,
        ("size", "›", "»", " > ", " | ", " / "),  # font-size widgets; breadcrumbs
        re.compile(
            r"^\d[\d.,]*\s*[km]?\s*(comments?|shares?|views?|likes?|reads?|reactions?|responses?|replies|claps?)$"
            r"|^(comments?|shares?|views?|likes?)\s*[:(]?\s*\d[\d.,]*\s*[km]?\)?$"
            r"|\b(font|text|type)[ -]?size\b"
            r"|^(a\s*[-+]?\s*){2,4}$|^a[-+]\s*a[-+]?$"
            r"|^(increase|decrease|reset|larger|smaller) (font|text)\b"
            r"|^listen to (this|the) (article|story|podcast|episode)\b"
            r"|^\d+\s*(min|minute|mins|minutes)\.? (read|listen|watch)$"
            r"|^(estimated )?(reading|read) time\s*:?\s*\d+"
            r"|^(advertisement|advert|ad|sponsored( content)?|story continues (below|after)( advertisement)?"
            r"|article continues (below|after)( advertisement)?|scroll to continue( with content)?"
            r"|continue reading (below|the main story))\.?$"
            r"|^(skip to (main )?(content|navigation)|menu|search|close|back to top|top|print|save|bookmark|"
            r"follow( us)?|log ?in|sign ?in|log ?out|home|sections?|toggle navigation|open menu|close menu|"
            r"show more|load more|view more|expand|collapse|play video|watch video|zoom|enlarge( image)?|"
            r"view (image|gallery|slideshow)|image \d+ of \d+|\d+ of \d+|photos?|gallery|video)\.?$"
            r"|^(photo|photograph|image|picture|video|credit|illustration)s?( credit)?\s*:\s*\S.{0,60}$"
            r"|\A[\w&'.-]+(\s[\w&'.-]+){0,3}((\s*[›»]\s*|\s[>|/]\s)[\w&'.-]+(\s[\w&'.-]+){0,3}){2,}$",
            _I,
        ),
    ),
)


def _alternatives(pattern: str) -> list[str]:
    """Top-level alternatives of a regular expression."""
    parts, depth, in_class, escaped, start = [], 0, False, False, 0
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def _compile_rule(
    reason: str, max_words: int, triggers: tuple[str, ...], pattern: re.Pattern[str]
) -> tuple[str, int, re.Pattern[str] | None, tuple[str, ...] | None, re.Pattern[str] | None]:
    alts = _alternatives(pattern.pattern)
    anchored = [a[1:] for a in alts if a.startswith("^")]
    floating = [a for a in alts if not a.startswith("^")]
    if floating and not triggers:
        raise ValueError(f"rule {reason}: unanchored alternatives need trigger substrings")
    return (
        reason,
        max_words,
        re.compile("|".join(f"(?:{a})" for a in anchored), pattern.flags) if anchored else None,
        tuple(triggers) if floating else None,
        re.compile("|".join(f"(?:{a})" for a in floating), pattern.flags) if floating else None,
    )


_COMPILED_RULES = tuple(_compile_rule(*rule) for rule in _RULES)
_MAX_RULE_WORDS = max(r[1] for r in _RULES)


_HEADER_RELATED = re.compile(
    r"^(related( articles?| stor(y|ies)| posts?| coverage| content| news| reading| links?| topics)?|"
    r"read more|read also|also read|see also|more (stories|news|articles|headlines|coverage)( from [\w .'&-]+)?|"
    r"more from [\w .'&-]+|more on this( story| topic)?|more in [\w .'&-]+|you (may|might|will) also (like|enjoy|be interested in)|"
    r"recommended( for you| stories| reading| articles)?|most (read|popular|viewed|shared|commented)( stories| articles)?|"
    r"trending( now| stories| today)?|don'?t miss( this)?|popular( on [\w .'&-]+| now| today| stories)?|"
    r"what to read next|read next|up next|what'?s next|editor'?s (picks?|choice)|top stories|"
    r"latest( news| stories| headlines| articles)?|also on [\w .'&-]+|in other news|more headlines|"
    r"(also|more|elsewhere) in (the )?news( today)?|elsewhere( on [\w .'&-]+)?|other news|"
    r"other stories|around the web|from around the web|sponsored stories|promoted stories|"
    r"we recommend|recommended by|further reading|keep reading|more to explore|"
    r"sponsored( content| links| stories)?|promoted( content| stories)?|partner content|paid (content|post)|"
    r"from our partners|advertiser content)\s*[:.!]?$",
    _I,
)

_HEADER_COMMENTS = re.compile(
    r"^(\d+\s+)?(comments?|responses?|replies|reader comments?|readers'? comments?|reactions|discussion|"
    r"conversation|your comments?|reader (reactions|views|responses))(\s*\(\s*\d+\s*\))?\s*:?$"
    # German and French threads (most threads of trafilatura's evaluation set; issue 13)
    r"|^(\d+\s+)?(kommentare?|leserkommentare?|commentaires?|réactions)(\s*\(\s*\d+\s*\))?\s*:?$"
    r"|^\d+\s+(gedanken|antworten|kommentare?) (zu|auf)\b|^\d+\s+(réponses?|commentaires?) (à|a|sur)\b"
    r"|^(join|start|enter) the (discussion|conversation|debate)\b"
    r"|^(what|here'?s what) (readers|you|our readers|people) (say|think|said|are saying)\b"
    r"|^(show|view|load|see|read) (all |more |the )?\d*\s*(comments?|responses|replies)\b"
    r"|^comments? (on|for) this (article|story|post)\b"
    r"|^\d+\s+(thoughts?|responses?|comments?|replies) (on|to)\b"
    r"|^(most )?(recent|newest|oldest|top|best) (comments|first)$"
    r"|^sort( comments)? by\b",
    _I,
)

_COMMENT_META = re.compile(
    r"^@?[\w.' -]{2,40}\s+(says|said|wrote|writes|replied|replies|commented|comments)\s*:?$"
    r"|^(reply|report|flag|like|dislike|share|permalink|quote)(\s*[·|•-]\s*(reply|report|flag|like|dislike|share|permalink|quote|\d+))*\s*\d*$"
    r"|^(posted |submitted )?\d+\s+(seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b.{0,40}$"
    r"|^(user )?avatar\b|^profile (picture|photo)\b|^\w[\w.' -]{1,40}'s avatar$|^@?\w[\w.' -]{1,40} avatar$"
    r"|^\d+\s+(upvotes?|downvotes?|points?|likes?|replies)$"
    r"|^(in reply to|replying to|reply to)\b.{0,60}$"
    r"|^(load|show|view) (more )?(replies|responses)\b",
    _I,
)

_BYLINE = re.compile(
    r"^(?i:by|written by|words by|reporting by|story by|text by|von|par|por)\s+[A-Z][\w.'’-]*(\s+(?:[A-Z][\w.'’-]*|van|von|de|da|del|la|le)){0,4}"
    r"(\s*(,|and|&|\||·|-|—|–|/)\s*.{0,80})?$"
)
_DIGIT = re.compile(r"\d")
_BYLINE_I = re.compile(r"^(published|updated|posted|last updated|modified|first published)\b", _I)
_MONTH = re.compile(
    r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|"
    r"nov(ember)?|dec(ember)?)\.?\s+\d{1,2}\b|\b\d{1,2}\s+(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|"
    r"july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)\b|\b\d{4}-\d{2}-\d{2}\b|"
    r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b\d{1,2}:\d{2}\s*(am|pm|a\.m\.|p\.m\.)?",
    _I,
)
_SHARE_CORE = frozenset(
    (
        "share shares sharing tweet retweet facebook twitter linkedin whatsapp pinterest reddit telegram "
        "flipboard messenger email e-mail mail print tumblr bluesky mastodon threads sms x pin"
    ).split()
)
_SHARE_FILLER = frozenset(
    (
        "this article story post page on via opens in new window click to the it a with friend friends "
        "copy link url save send your or and share: google plus more options social"
    ).split()
)
_TOKEN = re.compile(r"[#@]?[\w'’-]+")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
_TITLE_START = re.compile(r"^[\"'“‘«(\[]?[A-Z0-9À-ÖØ-Þ]")


def classify(line: str, words: int) -> str | None:
    """The kind of furniture ``line`` is by itself, or ``None``.

    Args:
        line: One line, whitespace-trimmed.
        words: Its number of ``\\w+`` words.

    Returns:
        One of :data:`FURNITURE_REASONS`, or ``None`` for a line that may be article text.

    Example:
        >>> classify("Sign up for our daily newsletter", 6)
        'newsletter'
        >>> classify("The council voted on Tuesday to close the bridge.", 9) is None
        True
    """
    if words == 0:
        return "widget"  # separators, bullets, lone symbols: no text to match on
    low = line.lower()
    for reason, max_words, anchored, triggers, floating in (
        _COMPILED_RULES if words <= _MAX_RULE_WORDS else ()
    ):
        if words > max_words:
            continue
        if anchored is not None and anchored.match(line):
            return reason
        if floating is not None:
            for trigger in triggers:  # type: ignore[union-attr]
                if trigger in low:  # substring tests: a regex of literal alternatives is 5x slower
                    if floating.search(line):
                        return reason
                    break
    if words <= 14 and _FOLLOW.search(line):
        return "share_buttons"
    if words <= 40 and (_CREDITS.match(line) or ("contributed" in low and _CONTRIBUTED.search(line))):
        return "byline"
    if words <= 14:
        tokens = _TOKEN.findall(line.lower())
        tags = sum(1 for t in tokens if t.startswith("#") and len(t) > 1)
        if tags and tags * 5 >= len(tokens) * 3:
            return "hashtags"
        core = sum(1 for t in tokens if t.strip("'’") in _SHARE_CORE)
        filler = sum(1 for t in tokens if t.strip("'’") in _SHARE_FILLER)
        if core and (core + filler) * 5 >= len(tokens) * 4:
            return "share_buttons"
    if words <= 40 and _TAGS_LINE.match(line):
        return "hashtags"
    if words <= 14 and is_byline(line, words):
        return "byline"
    if words <= _MAX_HINT_WORDS:
        return language_hint(line, words)
    return None


# Wire-story credits and author contact lines: "(Reporting by ...; Editing by ...)",
# "... contributed to this report.", "Email Ana at ana@example.org or follow her @ana".
_CREDITS = re.compile(
    r"[(\[]?(additional |writing and |)(reporting|writing|editing|research|compiled|produced) by\b"
    r"|(have a tip\?|email|e-mail|contact|reach) .{0,60}(@|\bat [\w.-]+\.(com|org|net)\b|on twitter\b)"
    r"|follow (him|her|them|me) (on|at|@)\b",
    _I,
)
_CONTRIBUTED = re.compile(r"\bcontributed (reporting )?to this (report|story|article)\b", _I)
_FOLLOW = re.compile(
    r"^(follow|like|find|join) (us|@?[\w.]+( [\w.]+){0,3}) (on|via|at)\b.*\b(instagram|tiktok|facebook|twitter|x|youtube|"
    r"linkedin|threads|bluesky|mastodon|telegram|whatsapp|social( media)?)\b",
    _I,
)
_TAGS_LINE = re.compile(
    r"^(tags|tagged( with)?|topics|filed under|categories|category|keywords|labels)\s*:", _I
)


def is_byline(line: str, words: int) -> bool:
    """A byline or a date line: ``By Ana Ruiz``, ``Updated: 3 March 2024, 10:15``."""
    if words > 14:
        return False
    if _BYLINE.match(line):
        return True
    if not _DIGIT.search(line):
        return False  # every date pattern below holds a digit
    if _BYLINE_I.match(line) and _MONTH.search(line):
        return True
    # a line that is nothing but a date and time ("March 3, 2024 10:15 am", "2024-03-03")
    if (
        words <= 8
        and _MONTH.search(line)
        and not _SENTENCE_END.search(line.rstrip("."))
        and not line.endswith(".")
    ):
        rest = _MONTH.sub(" ", line)
        return len(re.findall(r"[A-Za-z]{3,}", rest)) <= 2
    return False


def is_sentence(line: str, words: int) -> bool:
    """Whether ``line`` has sentence structure: ends like a sentence, or is long prose."""
    return words >= 20 or (words >= 5 and bool(_SENTENCE_END.search(line)))


def is_title(line: str, words: int) -> bool:
    """Whether ``line`` could be a headline: 3 to 25 words, capitalised, no closing full stop."""
    return 3 <= words <= 25 and not line.endswith((".", ",", ";", ":")) and bool(_TITLE_START.match(line))


def is_related_header(line: str) -> bool:
    """A heading that opens a list of links to other articles (``Related stories``)."""
    return len(line) <= 80 and bool(_HEADER_RELATED.match(line))


def is_comments_header(line: str) -> bool:
    """A heading that opens a reader comment thread (``12 Comments``, ``Join the discussion``)."""
    return len(line) <= 100 and bool(_HEADER_COMMENTS.match(line))


def is_comment_meta(line: str) -> bool:
    """A line of comment-thread furniture: ``jdoe says:``, ``Reply``, ``3 hours ago``."""
    return len(line) <= 100 and bool(_COMMENT_META.match(line))


# --- the same kinds of furniture in other languages (issue 18) ---------------------------------
#
# Phrase lists per language, used only as hints on short lines: the cleaner's main evidence is
# repetition across a site's pages and position on the page (copydesk.clean.lines); these name
# the common phrasings of the nine languages of semeval2022_task8_multi_dev (de, es, fr, it,
# pl, ru, tr, ar, zh) that a single page shows once. They are the widgets' usual labels, not
# lines copied from evaluation pages. Every phrase must start the line or be most of it; one
# compiled alternation per kind keeps the cost to one regex search of a short line.
_HINTS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("share_buttons", 8, (
        "teilen", "auf facebook teilen", "artikel teilen", "per e-mail versenden", "drucken", "twittern",
        "compartir", "comparte", "enviar por correo", "imprimir",
        "partager", "envoyer par e-mail", "envoyer par mail", "imprimer",
        "condividi", "invia per email", "invia per e-mail", "stampa",
        "udostępnij", "podziel się", "wyślij e-mailem", "drukuj",
        "поделиться", "отправить по почте", "распечатать", "печать", "поделитесь",
        "paylaş", "tweetle", "e-posta ile gönder", "yazdır",
        "شارك", "مشاركة", "طباعة", "أرسل",
        "分享", "分享到", "转发", "打印", "收藏",
    )),
    ("feed_footer", 40, (
        "alle rechte vorbehalten", "todos los derechos reservados", "tous droits réservés",
        "tutti i diritti riservati", "riproduzione riservata", "wszelkie prawa zastrzeżone",
        "все права защищены", "tüm hakları saklıdır", "جميع الحقوق محفوظة", "版权所有", "未经授权",
        "未经许可", "转载请注明", "责任编辑", "quelle:", "fuente:", "source :", "fonte:", "źródło:",
        "источник:", "kaynak:", "المصدر:", "来源：", "来源:",
    )),
    ("related_links", 20, (
        "lesen sie auch", "mehr zum thema", "auch interessant", "weitere artikel", "das könnte sie auch interessieren",
        "lee también", "leer también", "lea también", "te puede interesar", "noticias relacionadas", "más información",
        "lire aussi", "à lire aussi", "a lire aussi", "voir aussi", "sur le même sujet", "lire la suite",
        "leggi anche", "potrebbe interessarti", "articoli correlati", "vedi anche", "leggi tutto",
        "czytaj też", "czytaj także", "zobacz też", "zobacz także", "polecamy", "czytaj więcej",
        "читайте также", "смотрите также", "новости по теме", "читать далее", "по теме",
        "ayrıca okuyun", "ilginizi çekebilir", "benzer haberler", "ilgili haberler", "devamını oku",
        "اقرأ أيضا", "اقرأ أيضاً", "مواضيع ذات صلة", "أخبار ذات صلة", "اقرأ المزيد",
        "相关阅读", "延伸阅读", "相关新闻", "推荐阅读", "阅读全文", "更多精彩", "相关报道",
    )),
    ("newsletter", 25, (
        "newsletter abonnieren", "jetzt abonnieren", "suscríbete", "suscríbase", "abonnez-vous",
        "inscrivez-vous", "iscriviti", "zapisz się", "subskrybuj", "подпишитесь", "подписаться",
        "abone ol", "bültenimize", "اشترك", "关注我们", "扫码关注", "订阅",
    )),
)
_MAX_HINT_WORDS = max(h[1] for h in _HINTS)


def language_hint(line: str, words: int) -> str | None:
    """The furniture kind a short non-English line's phrasing suggests, or ``None``.

    A phrase counts where the line starts with it (``Lesen Sie auch: ...``) or the line is
    little more than the phrase and a few words around it (``Facebook | Twitter | Teilen``).

    Example:
        >>> language_hint("Lesen Sie auch: Neue Regeln für Mieter", 6)
        'related_links'
        >>> language_hint("Die Regierung will Mieter besser schützen.", 6) is None
        True
    """
    # Turkish İ lower-cases to i + a combining dot: fold it so "İlgili haberler" meets "ilgili".
    low = line.lower().replace("i\u0307", "i").lstrip("»>•·-–—|[( ").rstrip()
    for reason, max_words, pattern in _HINT_PATTERNS:
        if words > max_words:
            continue
        for m in pattern.finditer(low):
            if m.start() == 0 or (m.end() - m.start()) * 2 >= len(low) - 12:
                return reason
    return None


def _hint_piece(phrase: str) -> str:
    # Whole words in scripts with spaces ("Drucken", not "Druckenmiller"); CJK has no word edges.
    cjk = "\u3000" <= phrase[-1] <= "\u9fff" or "\uff00" <= phrase[-1] <= "\uffef"
    piece = re.escape(phrase) + ("" if cjk or not phrase[-1].isalnum() else r"(?!\w)")
    return (r"(?<!\w)" if phrase[0].isalnum() and not cjk else "") + piece


_HINT_PATTERNS = tuple(
    (reason, max_words, re.compile("|".join(_hint_piece(p) for p in sorted(phrases, key=len, reverse=True))))
    for reason, max_words, phrases in _HINTS
)
