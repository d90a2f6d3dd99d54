"""English questions: detect them and translate municipal terms into Dutch search words."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

GLOSSARY = Path(__file__).with_name("english.tsv")

EN_FUNCTION = frozenset(
    "a an the my our your his her their i i'm im we you he she they it me us them is are was were be been "
    "am do does did can could should would will shall may might must how what where when who why which "
    "there this that these those to of for from with without about into at on in by and or but if not "
    "no any some have has had get got need want please hi hello thanks just also there's it's don't "
    "can't cannot isn't wasn't what's how's".split()
)
NL_FUNCTION = frozenset(
    "de het een en van ik je jij u we wij mijn onze uw is zijn was kan kun moet mag wil hoe wat waar "
    "wanneer wie waarom welke dat dit die er op aan met voor naar bij om te niet geen ook nog al maar "
    "of als dan heb hebt heeft hebben ben bent".split()
)
_WORD = re.compile(r"[a-z0-9']+(?:-[a-z0-9]+)*")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def looks_english(text: str) -> bool:
    """At least two English function words, and more of them than Dutch ones."""
    tokens = words(text)
    en = sum(t in EN_FUNCTION for t in tokens)
    nl = sum(t in NL_FUNCTION for t in tokens)
    return en >= 2 and en > nl


@lru_cache(maxsize=1)
def glossary() -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        english, dutch = line.split("\t", 1)
        table[tuple(words(english))] = dutch.strip()
    return table


def translate(text: str) -> str:
    """Glossary phrases become Dutch words, English function words go, other words stay."""
    table = glossary()
    longest = max((len(k) for k in table), default=1)
    tokens = words(text)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            phrase = tuple(tokens[i : i + n])
            if phrase in table:
                out.append(table[phrase])
                i += n
                break
        else:
            if tokens[i] not in EN_FUNCTION:
                out.append(tokens[i])
            i += 1
    return " ".join(out)
