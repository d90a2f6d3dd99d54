"""A B1 readability indicator for Dutch answers: sentence length, long words, jargon.

Not a formal leesbaarheidsindex: three simple signals that editors can act on, with a
score from 0 to 100 and concrete hints in Dutch. Besides the score, ``flags`` names each
hard sentence (more than ``LONG_SENTENCE_WORDS`` words) and each hard word (five syllables
or more, or officialese from ``jargon.txt``) where it stands, so the editor page marks them
in the text: one long sentence is flagged even when the average is fine.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.search.analysis import fold, sentences

JARGON_FILE = Path(__file__).with_name("jargon.txt")
TARGET_SENTENCE_WORDS = 12  # B1: most sentences short
LONG_SENTENCE_WORDS = 20
LONG_WORD_SYLLABLES = 4  # words of four syllables or more are hard for B1 readers
HARD_WORD_SYLLABLES = 5  # flagged in place: fewer false alarms on everyday compounds (gemeentehuis)
TARGET_LONG_WORD_SHARE = 0.08
_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'-]*")
_VOWELS = re.compile(r"[aeiouyàáâäèéêëìíîïòóôöùúûü]+", re.IGNORECASE)


@lru_cache(maxsize=1)
def jargon() -> dict[str, str]:
    table = {}
    for line in JARGON_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            word, better = line.split("\t", 1)
            table[fold(word.strip())] = better.strip()
    return table


def syllables(word: str) -> int:
    return max(1, len(_VOWELS.findall(word)))


def _find_jargon(text: str) -> list[dict[str, str]]:
    folded = " " + " ".join(_WORD.findall(fold(text))) + " "
    found = []
    for word, better in jargon().items():
        if f" {word} " in folded:
            found.append({"word": word, "better": better})
    return found


def sentence_flags(parts: list[str]) -> list[dict[str, Any]]:
    """Per sentence that needs work: its text, word count, whether it is too long, its hard words."""
    flags = []
    for index, sentence in enumerate(parts):
        words = _WORD.findall(sentence)
        hard = list(dict.fromkeys(w for w in words if syllables(w) >= HARD_WORD_SYLLABLES))
        officialese = [item["word"] for item in _find_jargon(sentence)]
        long = len(words) > LONG_SENTENCE_WORDS
        if long or hard or officialese:
            flags.append({
                "index": index,
                "sentence": sentence,
                "words": len(words),
                "long": long,
                "hard_words": hard,
                "jargon": officialese,
            })
    return flags


def score(text: str) -> dict[str, Any]:
    """Score (0-100), level and hints for one text."""
    parts = sentences(text or "")
    words_per_sentence = [len(_WORD.findall(s)) for s in parts]
    words = [w for s in parts for w in _WORD.findall(s)]
    n_words = len(words)
    n_sentences = len([n for n in words_per_sentence if n]) or 1
    avg = n_words / n_sentences if n_words else 0.0
    long_words = [w for w in words if syllables(w) >= LONG_WORD_SYLLABLES]
    share = len(long_words) / n_words if n_words else 0.0
    long_sentences = [
        s for s, n in zip(parts, words_per_sentence, strict=False) if n > LONG_SENTENCE_WORDS
    ]
    found_jargon = _find_jargon(text or "")

    points = 100.0
    points -= max(0.0, avg - TARGET_SENTENCE_WORDS) * 4
    points -= max(0.0, share - TARGET_LONG_WORD_SHARE) * 100 * 1.5
    points -= 5 * len(found_jargon)
    points -= 4 * len(long_sentences)
    value = int(max(0, min(100, round(points))))
    if not n_words:
        value = 0
    elif long_sentences:  # one long sentence is enough to miss B1, whatever the average
        value = min(value, 79)

    hints = []
    if avg > TARGET_SENTENCE_WORDS:
        hints.append(
            f"Uw zinnen zijn gemiddeld {avg:.0f} woorden lang. Maak ze korter: niet meer dan {TARGET_SENTENCE_WORDS} woorden."
        )
    for sentence in long_sentences[:3]:
        hints.append(
            f"Deze zin is lang, maak er twee zinnen van: “{sentence[:90]}{'…' if len(sentence) > 90 else ''}”"
        )
    if share > TARGET_LONG_WORD_SHARE:
        examples = ", ".join(list(dict.fromkeys(w.lower() for w in long_words))[:6])
        hints.append(
            f"Veel lange woorden ({share:.0%}). Kies kortere woorden waar het kan, bijvoorbeeld voor: {examples}."
        )
    for item in found_jargon:
        hints.append(f"Vermijd “{item['word']}”: schrijf liever “{item['better']}”.")
    if not n_words:
        hints.append("Er is nog geen tekst.")
    elif not hints:
        hints.append("Goed leesbaar op B1-niveau.")

    level = "B1" if value >= 80 else "bijna B1" if value >= 60 else "moeilijker dan B1"
    return {
        "score": value,
        "level": level,
        "words": n_words,
        "sentences": n_sentences if n_words else 0,
        "avg_sentence_words": round(avg, 1),
        "long_word_share": round(share, 3),
        "long_words": list(dict.fromkeys(w.lower() for w in long_words))[:20],
        "long_sentences": long_sentences[:10],
        "jargon": found_jargon,
        "hints": hints,
        "flags": sentence_flags(parts),
    }
