"""A report of a problem in public space, in the words themselves: what (a public thing), what is wrong
with it, and whether it is a report at all (not one's own bin, a permit, collecting one's things).

Pure text rules (no Rasa import): the melding gate (bot/actions/understanding/gates.py) reads the words;
the NLU component ``request_classifier`` puts ``melding`` first for a terse report or a statement about a
nuisance (``plain_report``), which the classifier reads as the nearest topic.
"""

from __future__ import annotations

import re

from bot.components.status_cues import refers_to_earlier_report

# Things in public space that residents report (Dutch and English).
PUBLIC_THING = re.compile(
    r"\b(lantaa?rn\w*|lant[ae]r\w*paal|straatla\w+|straatverlichting|lamp\w*|verlichting|stoep\w*|tegel\w*|klinker\w*|"
    r"\w*paal(tje)?s?|\w*lamp\w*|bus ?hokje\w*|abri|hek\w*|brug\w*|viaduct|tunnel|zebrapad|drempel\w*|brandkraan\w*|bank|fiets\w*|kabel\w*|\w*bak|\w*bord|\w*put|"
    r"trottoir|wegdek|asfalt|gat(en)?|kuil\w*|fietspad\w*|boom|bomen|(boom)?tak(ken)?|struik\w*|heg|gras\w*|"
    r"zwerf\w*|afval|vuil\w*|rommel|dump\w*|vuilniszak\w*|container\w*|prullenba\w+|afvalba\w+|graffiti|"
    r"hondenpoep|poep|putdeksel\w*|put|\w*kolk\w*|riool\w*|speel(toestel|tuin|veld|plaats|plek|plein)\w*|klimrek\w*|klimtoestel\w*|schommel|glijbaan|"
    r"bankje\w*|verkeersbord\w*|bord|straatnaambord\w*|verkeerslicht\w*|stoplicht\w*|\w*wrak|"
    # the verge, a bus stop, the road itself; building or bulky waste left outside
    r"berm\w*|bushalte\w*|rijbaan|bouwafval|bouwpuin|puin|"
    r"glas|scherven|glasscherven|water op de weg|wateroverlast|ratten|ongedierte|"
    r"street ?light\w*|lamp ?post|pothole|pavement|paving( slab| stone)?s?|slabs?|kerb|curb|sidewalk|footpath|litter|rubbish|trash|garbage|fly-?tipping|"
    r"tree|branch|street sign|sign|drain|bus stop|bench|playground|swing|slide|fence|bin|manhole|traffic light|"
    r"cycle path|bike path|bike lane)\b",
    re.IGNORECASE,
)
# Words that say something is wrong with it.
PROBLEM = re.compile(
    r"\b(kapot\w*|kapp?o[td]\w*|kaput|kaduk|stuk|los\w*|verzakte?|scheef|scheve|omgeval\w*|omgewaai\w*|gebroken|vernield\w*|beschadigd\w*|gedump?t|achtergelaten|defect\w*|lek|lekt|lekken|lekkage|lekkend\w*|"
    r"brand[dt]? (\w+ )?niet|(geeft|geven) (\w+ ){0,4}geen licht|geen licht meer|werk(t|en) (\w+ )?niet|gaat (\w+ )?niet (meer )?aan|no light|not lit|"
    r"doet (het|t|ie|die) (\w+ )?niet|uit|donker|knippert|stinkende|(put|kolk|goot|afvalbak|prullenbak|vuilniszak\w*) (\w+ ){0,2}stink\w*|(af)?gebro+ken?|verstopte?|blank|overhel\w*|helt (\w+ )?over|(loopt|lopen) over|overloopt|versperd|ligt|liggen|slingert|puilt|overhangend\w*|"
    r"(duw\w*|drukk?\w*|gedrukt|komt|steekt|steken) (\w+ ){0,3}omhoog|opgedrukt|ongelijk\w*|steekt (\w+ )?uit|uitstekend\w*|"
    r"gevaarlijke?|vies|vieze|overvol\w*|(functioneert|functioneren) (\w+ ){0,3}niet|niet (meer )?(\w+ )?(functioneert|functioneren)|"
    r"buiten werking|out of order|overflowing|gat(en)?|kuil(en)?|hangt|gevallen|omver|(niet )?geleegd|niet meer|(door|ver)?(ge)?roest\w*|wiebel\w*|wankel|afgebroken|onveilig|"
    r"pushed up|sticking (out|up)|uneven|broken|damaged|dumped|blocked|loose|tripped|out|not working|knocked over|fallen|vandali[sz]ed|leak|leaks|leaking)\b",
    re.IGNORECASE,
)
# Things that are a problem wherever they are ("graffiti op het viaduct", "glas op het fietspad"):
# naming one names the problem too.
NUISANCE = re.compile(
    r"\b(graffiti|bekladd\w*|beklad|(glas|scherven|glasscherven) (op|in|bij|langs)|zwerfafval|zwerfvuil|hondenpoep|gedump?t\w*|vol (met )?(vuilniszak\w*|afval|rommel|zwerfvuil|glas)|"
    # a wreck left in the street ("autowrak zonder kenteken", "weesfietsen")
    r"(auto|fiets|brommer|scooter|boot|car)wrak\w*|weesfiets\w*|abandoned (car|bike|bicycle|vehicle|scooter)|"
    # water where it should not be, litter everywhere, bags of rubbish left out
    r"wateroverlast|(overal|veel) (\w+ ){0,2}(blikjes|flesjes|peuken|plastic|troep|rommel|afval|zakjes)|"
    r"(blikjes|flesjes|peuken|troep) (\w+ ){0,3}(langs|op|in|bij|rond) (de|het)|"
    r"vuilniszak\w* (\w+ ){0,4}(stink\w*|opgestapeld|gedump?t)|(staan|liggen) (\w+ ){0,3}vuilniszak\w*|"
    r"dumping|fly-?tipping|litter|"
    # a dead animal in the street or the water ("dode zwaan in de sloot", "a dead fox on the path")
    r"dode (\w+ )?(dier\w*|vogel\w*|kat|katten|egel\w*|zwaan|zwanen|eend\w*|duif|duiven|meeuw\w*|vis|vissen|ree\w*|vos|vossen|rat|ratten|konijn\w*|haas|hazen|das)|"
    r"kadaver\w*|karkas\w*|dead (\w+ )?(animal|bird|cat|hedgehog|swan|duck|pigeon|gull|fish|deer|fox|rat|rabbit|badger)s?|"
    # a full litter bin in the street (not one's own "vuilnisbak" or "container", the waste collection topic)
    r"(volle|overvolle) (afval|prullen|glas|papier|hondenpoep)ba\w+|(afval|prullen|glas|papier|hondenpoep)ba\w+ (\w+ ){0,3}((te )?(vol|overvol)|puil\w* (\w+ ){0,2}uit|loopt (\w+ ){0,2}over)|"
    # something that does not belong on the road or path ("boomtak op straat", "puin op de stoep")
    r"((boom)?tak(ken)?|boom|bomen|puin|olie|modder|stenen|spijkers|branch\w*|tree) (ligt |liggen |lies |lying )?(op|over|on|across) "
    r"(de |het |the )?(straat|weg|stoep|fietspad|rijbaan|road|street|path|pavement))\b",
    re.IGNORECASE,
)
# Private ground or a request for a permit or service: a question, not a report.
NOT_PUBLIC = re.compile(
    r"\b(in (onze|mijn|m'n|de) (eigen )?(tuin|achtertuin|voortuin|huis|woning|schuur)|eigen (tuin|huis|grond|terrein)|"
    r"bouwen|verbouwen|aansluiting|vergunning|aanvragen|kappen|in my (garden|house))\b",
    re.IGNORECASE,
)
# Asking to have one's own things collected or where to leave them, or whether something is
# allowed: a service or a permit (bulky waste, lost property, a sign on one's shop), not a report,
# unless a problem is named ("de bank" is a sofa as often as a bench).
COLLECTION = re.compile(
    r"\b(op(ge)?halen|opgehaald|mee(ge)?nomen|meenemen|kwijt|verloren|afgeven|afgegeven|inleveren|ingeleverd|pick(ed)? up|collect(ed)?|take away|lost|"
    r"mag (ik|dat|het|er|je)|mogen (we|wij|ik|er)|toegestaan|toestemming|may i|am i allowed|allowed to)\b",
    re.IGNORECASE,
)
# A question about how reporting works is answered with the article, not the form.
ASKS_HOW = re.compile(r"^\s*(hoe|waar|wat|kan ik|mag ik|how|where|what|can i)\b", re.IGNORECASE)


# Saying in so many words that they want to report something.
WANTS_REPORT = re.compile(r"\b(melding|melden|meld|report|reporting|doorgeven|doorgegeven)\b", re.IGNORECASE)


def report_evidence(text: str) -> tuple[str | None, bool, bool]:
    """(the public-space thing named, a problem is named, the resident says they want to report)."""
    nuisance = NUISANCE.search(text)  # "overal blikjes langs de dijk": the nuisance is the thing and its problem
    thing = PUBLIC_THING.search(text) or nuisance
    problem = bool(PROBLEM.search(text) or nuisance)
    return (thing.group(0).lower() if thing else None), problem, bool(WANTS_REPORT.search(text))


def names_a_public_problem(text: str) -> bool:
    """A public thing and what is wrong with it, or a nuisance, named somewhere in ``text`` (a question or not)."""
    thing, problem, _ = report_evidence(text)
    return bool(thing and problem)


TERSE_REPORT_WORDS = 6
# A household's own bins and sewer connection have their own topics (waste collection, the sewer
# connection): "container niet geleegd", "riool verstopt" are not read as a terse report.
HOUSEHOLD = re.compile(
    r"\b(mijn|m'n|onze?|my|our|container\w*|kliko\w*|gft\w*|pmd\w*|restafval\w*|recycle bin|wheelie bin|riool\w*|drain)\b",
    re.IGNORECASE,
)


def terse_report(text: str) -> bool:
    """A few words that name a public thing and what is wrong with it ("kapotte bank speeltuin").

    Search-box style: no question, nothing about one's own ground, a permit, collecting one's own
    things, or a report made earlier. The classifier reads such words as a topic ("kapotte" looks
    like "kappen"); the words themselves are a report.
    """
    text = (text or "").strip()
    if not text or len(text.split()) > TERSE_REPORT_WORDS or "?" in text or ASKS_HOW.search(text):
        return False
    if not PUBLIC_THING.search(text) or not (PROBLEM.search(text) or NUISANCE.search(text)):
        return False
    if HOUSEHOLD.search(text):
        return False
    return not (NOT_PUBLIC.search(text) or COLLECTION.search(text) or refers_to_earlier_report(text))


REPORT_STATEMENT_WORDS = 25
# One's own bin or drain ("onze container puilt uit"): the waste collection or sewer topic.
OWN_BIN = re.compile(
    r"\b(mijn|m'n|mn|onze?|my|our) (\w+ )?(container\w*|kliko\w*|\w*bak|vuilniszak\w*|riool\w*|afvoer|drain|bin)\b", re.IGNORECASE
)


# Something clearly broken (not the weaker words of ``PROBLEM`` such as "ligt", "uit", "donker").
BROKEN = re.compile(
    r"\b(kapot\w*|kapp?o[td]\w*|kaput|kaduk|vernield\w*|vernielt|beschadigd\w*|defect\w*|omgevallen|omgewaaid\w*|verzakt\w*|"
    r"losliggend\w*|(af)?gebro+ken?|broken|damaged|knocked over|vandali[sz]ed)\b",
    re.IGNORECASE,
)
# A question without a question mark ("wie moet ik bellen voor een kapotte lantaarn").
QUESTION_START = re.compile(
    r"^\s*(hoe|waar|wat|wie|welke|waarom|wanneer|kan|kun|kunt|mag|moet|how|where|what|who|which|why|when|can|could|should|do|does)\b",
    re.IGNORECASE,
)


def report_statement(text: str) -> bool:
    """A statement, not a question, that names a nuisance in public space ("afvalbak bij de bushalte puilt uit
    al dagen", "iemand heeft een koelkast gedumpt naast de containers") or a public thing that is clearly broken
    ("het klimrek in de speeltuin is kapot, er steekt een schroef uit"; not one's own: ``HOUSEHOLD``).

    Dumped waste, litter, graffiti, glass on a path, a wreck, a full street bin are a problem wherever they are
    (``NUISANCE``); told without a question they are a report, however many words surround them (up to
    ``REPORT_STATEMENT_WORDS``). Not one's own bin, ground or permit, collecting one's own things or an earlier report.
    """
    text = (text or "").strip()
    if not text or len(text.split()) > REPORT_STATEMENT_WORDS or "?" in text or QUESTION_START.search(text):
        return False
    broken = bool(PUBLIC_THING.search(text) and BROKEN.search(text) and not HOUSEHOLD.search(text))
    if not (NUISANCE.search(text) or broken) or OWN_BIN.search(text):
        return False
    return not (NOT_PUBLIC.search(text) or COLLECTION.search(text) or refers_to_earlier_report(text))


def plain_report(text: str) -> bool:
    """A report in so many words: a terse one (``terse_report``) or a statement about a nuisance (``report_statement``)."""
    return terse_report(text) or report_statement(text)
