"""The status of a case: one home for its words.

Pure text rules (no Rasa import). The request cue (``request_cues.requested_step``), the status gate
(bot/actions/understanding/status_gate.py) and the melding gate (bot/actions/understanding/gates.py) read
these; they differ only in how much evidence they ask for. A status needs the resident's own case in the
words ("mijn aanvraag", "ik heb ... gemeld") or a terse question ("stand van zaken vergunning").
"""

from __future__ import annotations

import re

# The request cue (``requested_step``), the status gate (bot/actions/understanding/status_gate.py) and
# the melding gate (bot/actions/understanding/gates.py) read these; they differ only in how much
# evidence they ask for.

# A case number as residents type it ("Z-2026-000512", "z 2026000512"): year and number (the status form reads them).
CASE_NUMBER = re.compile(r"\bz-?\s?(\d{4})-?(\d{6})\b", re.IGNORECASE)
# Asking how far one's own case is, in words strong enough to overrule the classifier's guess
# (with the resident's own case in the message, or in a terse one).
ASKS_HOW_FAR = re.compile(
    r"\b(stand (van )?zaken|voortgang|status|stats|statuss|hoe sta\w* (het|'t|t)|hoe ?ver (is|zijn|staat|bent)|"
    r"hoe ?ver (mijn|m'n|mn|ons|onze)|afhandeling van (mijn|m'n|mn|ons|onze)|"
    r"afhandeling van (de|het) (\w+ )?(aanvraag|melding|bezwaar\w*|verzoek|zaak)|informeer\w* (\w+ ){0,2}naar (de|het) (stand|voortgang|status|afhandeling)|"
    # how long one's own case still takes ("de resterende behandeltermijn van mijn aanvraag")
    r"resterende (behandel|wacht|beslis)?(termijn|tijd|duur)|"
    r"wanneer (\w+ )?(ik|wij|we) (een |het |de )?(beschikking|besluit|beslissing|uitspraak|antwoord|reactie|bericht) (\S+ ){0,5}(verwachten|tegemoet|krijg|krijgen|ontvang|ontvangen)"
    r"(?!.*\b(als|if) (ik|we|wij|je|u|i)\b)|"
    r"(besluit|beslissing|uitspraak|beschikking) (is )?(genomen|gevallen)|"
    r"(al|reeds) (een )?(besluit|beslissing|uitspraak)|"
    r"(is er|komt er|krijg ik|hebben jullie|heeft u|have you) (al|reeds|already|any) (een )?(antwoord|reactie|bericht|nieuws|answer|news)|"
    r"wann?e+r (krijg|hoor|ontvang) (ik|wij|we) (\w+ ){0,2}(besluit|beslissing|uitspraak|antwoor[dt]|reactie|bericht|uitslag)|"
    r"(is|zijn|wordt|werd|ligt|staat) (mijn|m'n|mn|ons|onze|het|die|dat|deze|de) (\w+ ){0,4}(al|reeds) (\w+ )?"
    r"(goedgekeur[dt]|behandel[dt]|afgehandel[dt]|verwerkt|bekeken|opgepakt|beoordeeld|besloten|binnen|klaar\w*|gereed|opgelost|gerepareerd|gemaakt|afgegeven|verleend)|"
    # someone asked to look whether one's thing is done yet ("kan u kijken of mn rijbewijs al gemaakt is")
    r"(kijken|nagaan|nakijken|checken|controleren|zien) of (mijn|m'n|mn|ons|onze|de|het) .{0,40}\b(al|reeds)\b|"
    r"(nagaan|nakijken|opzoeken|checken|kijken|navragen|informeren|berichten|mededelen)\b.{0,40}\b(hoe ver|hoever|waar .{0,20}(ligt|staat|blijft)|hoe het (staat|gaat|zit)|stand|status|of er (al|reeds))|"
    r"(informeren|vernemen|verneem|op de hoogte|inform|update|let me know)\b.{0,40}\b(mijn|m'n|onze?|my|our) (\w+ ){0,2}"
    r"(aanvraag|melding|bezwaar\w*|zaak|dossier|verzoek\w*|application|request|case|report)|"
    r"(aanvraag|melding|zaak|bezwaar\w*|verzoek) (\S+ ){0,12}((staat|ligt) (\S+ ){0,6}|is (nog )?(steeds )?)open\b(?! voor)|"
    r"where is my|what is happening with my|any (news|update)|update on|progress (of|on)|"
    r"(whether|if) .{0,60}\b(has|have) been (approved|processed|decided|handled|fixed|granted)|"
    r"(has|have) (it|my \w+|they|you) (\w+ ){0,2}(been )?(approved|processed|decided|handled|fixed|looked at)|"
    r"(is|wordt) (er|daar|hier) (al|nog) (iets|wat|niks|niets) (mee |aan )?(gedaan|gebeurd)|er (is|gebeurt) (nog )?(niks|niets)|"
    r"(al|reeds) (iets |wat )?(over |van |mee )?(nieuws|bekend)|(al|reeds) (\w+ )?(besloten|behandeld|afgehandeld|in behandeling)|"
    r"(hebben|heeft) (jullie|u|iemand) (mijn|m'n|ons|onze) .{0,40}(al|reeds) (bekeken|behandeld|beoordeeld)|"
    # (not what one will apply for: "wanneer is mijn VOG klaar als ik hem vandaag aanvraag?")
    r"wanneer (word|wordt|is|zijn|worden) (mijn|m'n|mn|ons|onze) .{0,40}(afgehandel[dt]|behandel[dt]|goedgekeur[dt]|beoordeeld|klaar|gereed|verwerkt|opgelost|gerepareerd)"
    r"(?!.*\b(als|if) (ik|we|wij|je|u|i)\b)|"
    r"hoe (gaat|staat) het (er ?|daar ?)?(mee|ervoor|met (mijn|m'n|ons|onze))|hoe het (er ?voor |er ?mee |daar ?mee |daarmee )?(staat|gaat)|hoe het met (mijn|m'n|ons|onze) .{0,40}(gaat|staat)|"
    r"(is|blijft|bleef) het (\w+ )?stil\b|het (bleef|blijft) stil\b|"
    r"nog (steeds )?geen (antwoord|reactie|bericht|besluit|uitspraak)( (gehad|ontvangen|gekregen|van (jullie|u|de gemeente)))?\s*([.!?,]|$)|"
    r"(hoor|horen) (\w+ ){0,2}(niks|niets) (meer|terug)|nog (niks|niets) (van \w+ |over \w+ )?(gehoord|ontvangen)|"
    r"(niks|niets) meer (van |over )?(\w+ )?gehoord|nooit meer iets (van |over )?(\w+ )?gehoord|"
    r"wanneer (krijg|hoor|ontvang) (ik|wij|we) (\w+ ){0,3}(iets|wat) (over|van) (mijn|m'n|ons|onze)|hoe sta(at|an) (mijn|m'n|onze?) |stadium|stand van (mijn|m'n|ons|onze)|"
    r"wacht(en)? (nog steeds |nog |al )?op (een |het )?(antwoord|reactie|besluit|beslissing|bericht) (op|over|van|voor) (mijn|m'n|ons|onze)|"
    r"hoe lang (nog|(duurt|gaat|moet) (\w+ ){0,3}nog)\b|(looked at|checked|seen|processed|approved) (it|them|my \w+( \w+)?) yet|"
    r"how far (along )?(is|are)|(ready|done|approved|processed|decided|fixed) yet|(al|reeds) (\w+ )?naar (mijn|m'n|ons|onze) .{0,40}(gekeken|kijken)|where (my|our) \w+ (is|stands)|"
    r"heard (nothing|anything) (back|about)|still (waiting|not heard)|not heard (anything|back)|"
    # a decision asked after in English ("has a decision been made yet?", "any decision yet on my permit")
    r"(has|have) (a|any|the) (final )?(decision|ruling|verdict) (\w+ ){0,2}been (made|taken|reached)|(any|a) (final )?decision (\w+ ){0,3}yet)\b",
    re.IGNORECASE,
)
# Weaker words about how far something is ("al klaar", "in behandeling", "any progress"): enough to
# confirm the classifier's own status guess, not to overrule another one ("Mijn paspoort is al
# klaar, waar haal ik het op?" is the topic).
HOW_FAR_HINT = re.compile(
    r"\b(hoe ?ver(?! van tevoren)|hoe sta\w* ervoor|in behandeling|"
    r"(al|reeds) (\w+ )?(klaar\w*|gereed|rond|binnen|verwerkt|bekeken|beoordeeld|goedgekeur[dt]|afgekeur[dt]|besloten|verstuurd|onderweg|opgepakt|afgegeven|verleend|"
    r"opgelost|gerepareerd|opgeruimd|behandeld|iets (mee )?gedaan|gebeurd)|"
    r"wanneer (hoor|krijg) ik (iets|bericht|antwoord|uitspraak|een (besluit|reactie|antwoord|uitspraak))|nog (niks|niets) (gehoord|ontvangen)|"
    r"is (my|it) (\w+ )?(\w+ )?(ready|approved)|approved yet|any progress|heard back|how far|"
    r"(status|stand van zaken|voortgang) (van |of )?(mijn |m'n |my )?(klacht|complaint))\b",  # a complaint's own status
    re.IGNORECASE,
)
# A terse message that starts with how far or with a decision ("hoever vergunning dakkapel",
# "uitspraak bezwaar parkeerboete"): a status question when it has five words or fewer.
# What one applies for or objects to, named in a terse status question ("wanneer besluit kwijtschelding").
CASE_NOUN = (
    r"bezwaar\w*|[\w-]*aanvraag|verzoek|zaak|\w*melding|\w*vergunning|kwijtschelding|\w*bijstand|uitkering|wmo\w*|voorziening|"
    r"subsidie\w*|ontheffing|\w*parkeerkaart|parkeerplaats"
)
TERSE_STATUS = re.compile(
    r"^\s*(hoe ?ver\b|(wanneer )?(uitspraak|uitslag|besluit|beslissing) (op |over |van )?(mijn |m'n |het |de )?(\w+ )?"
    rf"({CASE_NOUN})\b|"
    r"(terugkoppeling|terugmelding|reactie|antwoord) (op |over |van )?(mijn |m'n |de |het )?(\w*aanvraag|bezwaar\w*|melding|verzoek|zaak)\b|"
    r"stand (van )?(mijn |m'n |de |het )?(\w*aanvraag|bezwaar\w*|melding|verzoek|zaak|dossier)\b|"
    r".*\bhoe ?ver\s*\??\s*$|"
    rf".*\b({CASE_NOUN})\b.*\b(stand|status|voortgang)\s*\??\s*$)"
    r"(?!.*\b(termijn|hoe lang|duur\w*)\b)",
    re.IGNORECASE,
)
TERSE_WORDS = 5
# A terse question whether one's document or permit is ready ("id kaart klaar om op te halen?",
# "vergunning al gereed?"): a status question when it has eight words or fewer, a question mark and no
# question word ("wanneer paspoort klaar?" asks how long it takes, "waar paspoort ophalen als het klaar is?"
# where to go: the articles say).
TERSE_READY = re.compile(
    r"\b(klaar\w*|gereed|ready|(al|reeds) (\w+ )?(rond|goedgekeur[dt]|verleend|verwerkt|behandel[dt]|afgehandel[dt]|beoordeeld|besloten|binnen|afgegeven))\b|"
    r"\b(rond|verwerkt|goedgekeur[dt]|verleend|afgehandel[dt]|behandel[dt])\s*\?|\b(nog|al|reeds) in behandeling\b",
    re.IGNORECASE,
)
READY_WORDS = 8
# Done already, in so many words (the part of ``TERSE_READY`` that needs no question mark in a terse message).
ALREADY_DONE = re.compile(
    r"\b(al|reeds) (\w+ )?(goedgekeur[dt]|verleend|verwerkt|behandel[dt]|afgehandel[dt]|beoordeeld|besloten|afgegeven)\b|"
    r"\b(nog|al|reeds) in behandeling\b",
    re.IGNORECASE,
)
# ... unless it is about documents in general or how long it takes ("Is een rijbewijs al klaar na een week?").
GENERAL_READY = re.compile(r"\b(een|a|an|na|binnen(?!\s*\??\s*$)|meestal|normaal|after|within|usually)\b", re.IGNORECASE)
# A terse yes/no question without a question mark starts with its verb ("is de bijstand al goedgekeurd").
VERB_FIRST = re.compile(r"^\s*(is|zijn|wordt|worden|ligt|staat)\b", re.IGNORECASE)
# Question words that make a sentence about being ready a question the articles answer.
TOPIC_QUESTION = re.compile(
    r"\b(waar|hoe|wat|welke|waarom|wanneer|hoelang|where|how|what|which|why|when)\b", re.IGNORECASE
)
# Something the resident already sent in or reported ("ik heb ... aangevraagd", "stuurde ik een bezwaar").
EARLIER_DONE = re.compile(
    r"\b(aangevraag[dt]|ingediend|ingestuurd|opgestuurd|(stuurde|stuurden|diende|dienden) (ik|wij|we)|gemeld|"
    r"door (mij|ons) (\w+ )?(aangevraagde|ingediende|ingestuurde|gemelde|gedane)|"
    # one's report or application of a date or about a thing ("mijn melding van 9 januari over de tegels")
    r"(mijn|m'n|mn|onze) (melding|aanvraag|bezwaar\w*|aanmelding) (van|over|betreffende|inzake)|"
    r"(melding|aanvraag|bezwaar\w*|verzoek) (die|dat) (ik|wij|we) (\w+ ){0,4}(heb|hebben) (gedaan|gemaakt|gedaan)|"
    r"(ik|wij|we) (stuurde|stuurden|diende|dienden)|"
    r"bezwaar (gemaakt|aangetekend)|ontvangstbevestiging|"
    r"melding (gedaan|gemaakt)|wacht (nog )?op (een |het |uw )?(antwoord|reactie|besluit|bericht|beslissing)|"
    r"i (have )?(already )?(applied|reported|submitted|filed)|reported|applied)\b",
    re.IGNORECASE,
)
# The resident's own request, report or case named as such ("mijn aanvraag", "my application", a case file).
MY_CASE = re.compile(
    r"\b((mijn|m'n|mn|onze|ons) (\w+ )?(aanvraa?[gc]h?|\w*melding|zaak|dossier|bezwaar\w*|[\w-]+aanvraa?[gc]h?|verzoek)\b|zaaknummer|dossiernummer|"
    r"my (\w+ ){0,3}(application|report|case|request|objection))\b",
    re.IGNORECASE,
)
# A complaint about how a case went is the complaint topic, not a status question or a request for
# a person ("klacht over de afhandeling van mijn aanvraag", "ik wil klagen over een medewerker").
COMPLAINT = re.compile(r"\b(klacht\w*|klagen|ontevreden|complain\w*)\b", re.IGNORECASE)
# Words that tie a strong status question to the resident's own case (``own_case``).
OWN_WORDS = re.compile(
    r"\b(mijn|m'n|ons|onze|mn|my|our|ik heb|i have|i've|gestuurd|aanvraag|melding|bezwaar\w*|zaak|zaaknummer)\b",
    re.IGNORECASE,
)


def own_case(text: str) -> bool:
    """The message is about the resident's own request, report or case."""
    return bool(OWN_WORDS.search(text) or EARLIER_DONE.search(text) or CASE_NUMBER.search(text))


def terse_status(text: str) -> bool:
    """A message of a few words that starts with how far or a decision ("uitspraak bezwaar parkeerboete"),
    or asks whether something is ready ("id kaart klaar om op te halen?")."""
    if COMPLAINT.search(text):
        return False
    if len(text.split()) <= TERSE_WORDS and TERSE_STATUS.search(text):
        return True
    if (len(text.split()) <= TERSE_WORDS and ALREADY_DONE.search(text)
            and not TOPIC_QUESTION.search(text) and not GENERAL_READY.search(text)):
        return True  # "vergunning verbouwing al goedgekeurd": no question mark needed in five words
    return (len(text.split()) <= READY_WORDS and ("?" in text or bool(VERB_FIRST.search(text))) and bool(TERSE_READY.search(text))
            and not TOPIC_QUESTION.search(text) and not GENERAL_READY.search(text))


def asks_how_far(text: str) -> bool:
    """Asks how far something is, in strong or weaker words, or gives a case number.

    The strong words do not count in a complaint ("klacht over de afhandeling van mijn aanvraag").
    """
    if CASE_NUMBER.search(text) or HOW_FAR_HINT.search(text) or terse_status(text):
        return True
    return bool(ASKS_HOW_FAR.search(text)) and not COMPLAINT.search(text)


def status_evidence(text: str) -> bool:
    """Enough to go on with the classifier's status guess: how far, or a case of one's own that exists.

    "Hoe lang duurt het?" alone is no evidence (the articles say how long things take), nor is a
    complaint about how a request was handled, unless it asks how far it is.
    """
    if asks_how_far(text):
        return True
    return bool(EARLIER_DONE.search(text) or MY_CASE.search(text)) and not COMPLAINT.search(text)


def refers_to_earlier_report(text: str) -> bool:
    """A report or request that was already made, or how far one is ("Ik heb het gemeld, is het al gerepareerd?").

    The melding gate's test: "mijn zaak" alone is no such reference there (it is also one's shop).
    """
    return asks_how_far(text) or bool(EARLIER_DONE.search(text))


def status_sentence(sentence: str, text: str) -> bool:
    """A sentence of ``text`` asks how far the resident's own case is (the status part of ``requested_step``)."""
    if terse_status(text) or CASE_NUMBER.search(sentence):
        return True
    if (HOW_FAR_HINT.search(sentence) and EARLIER_DONE.search(text) and not TOPIC_QUESTION.search(sentence)
            and not COMPLAINT.search(text)):
        return True  # "Drie weken geleden hebben we haar paspoort aangevraagd. ... Kunt u zien of het al klaarligt?"
    if not ASKS_HOW_FAR.search(sentence) or COMPLAINT.search(sentence):
        return False
    return own_case(text) or len(text.split()) <= TERSE_WORDS  # "stand van zaken vergunning"
