"""Requests a resident makes in so many words: a person, a call back, the status of a case.

Pure text rules (no Rasa import): the NLU component ``request_classifier`` reads them to put
the asked-for step first, and the action gates read ``asks_for_person``. A resident who writes
"Kan iemand mij terugbellen?" wants a call back, whatever the story before it is about; one
who writes "Ik verzoek u mij met een medewerker te verbinden" wants a person, however formal
the words. A story ends in its request, so the last sentence that asks for a call back or a
person decides; within one sentence a call back beats a person ("kan een medewerker mij
bellen?"). Words about a case's status count only when neither is asked for: they are often
the story itself ("Ik wacht al weken op mijn vergunning. Kan ik iemand spreken?").

The rules are narrow on purpose (they overrule the classifier): a clause that says the call
did not happen or was promised is a complaint, not a request ("niemand belt terug", "jullie
zouden me terugbellen"); a question whether the bot is a person ("praat ik met een mens?") is
small talk; a complaint about a case or a member of staff is the complaint topic; a status
needs the resident's own case in the words ("mijn aanvraag", "ik heb ... gemeld").

The words of the other steps have homes of their own beside this one: ``status_cues`` (how far a case is),
``report_cues`` (a problem in public space) and ``out_of_scope_cues`` (things a municipality does not answer).
"""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA  # one letter dropped, added, changed, or two neighbours swapped

from bot.components.status_cues import COMPLAINT, status_sentence

# Sentences, and the clauses within one (commas, dashes, "maar"/"but").
SENTENCE_BREAK = re.compile(r"(?:[!?;\n]|\.(?!\d))+")  # not the dot in "14.00 uur"
CLAUSE_BREAK = re.compile(r",|\s[-–]\s|\s(?:maar|but)\s", re.IGNORECASE)

# The clause (or one after it in the sentence that is about a call) says the call did not happen:
# a complaint, not a request ("niemand belt terug"); so does a call someone promised ("jullie
# zouden me terugbellen"), unlike a polite "zou u mij kunnen bellen?" or "gaarne zou ik ... worden".
NEGATED = re.compile(r"\b(niet|nooit|niemand|geen|not|never|nobody|no one|didn't|don't|hasn't|haven't)\b", re.IGNORECASE)
PROMISED = re.compile(
    r"\b(beloofd|toegezegd|promised|was going to|were going to|said (you|they|he|she|someone) would)\b|"
    r"\b(jullie|u|ze|zij|hij|iemand|de gemeente|men|they|you|someone) (zou|zouden|would)\b(?!.*\b(willen|kunnen|mind|like)\b)",
    re.IGNORECASE,
)

CALL_WORD = re.compile(r"\b(bel\w*|gebeld|opgebeld|call\w*|phon\w*|rang|ring\w*)\b", re.IGNORECASE)

# Is the bot a person? (small talk, not a request for one)
ASKS_WHAT_BOT_IS = re.compile(
    r"^\s*(ben (jij|je)|bent u|praat ik|chat ik|spreek ik|is dit|zit (er|daar)|wie (ben|zit)|"
    r"am i|are you|is this|who (am|are))\b",
    re.IGNORECASE,
)

# Typing errors in the words the call-back and person rules hinge on ("medewerkr", "iemnd", "terugbelen",
# "gebeld wordne", "gemeete"): a word one letter off (one dropped, added, changed or two swapped) reads as the
# cue word. Only words of six letters or more, and never another real word ("niemand", "woorden", "spreker").
CUE_WORDS = frozenset({
    "medewerker", "medewerkers", "medewerkster", "iemand", "spreken", "chatten", "praten", "terugbellen",
    "teruggebeld", "terugbelt", "gemeente", "worden", "telefonisch", "ambtenaar", "doorverbinden", "persoon",
    "menselijke", "alstublieft", "alsjeblieft",
})
NOT_TYPOS = frozenset({
    "niemand", "woorden", "wonden", "orden", "borden", "morden", "spreker", "sprekers", "sprekend", "gemeenten",
    "gemeentes", "personen", "person", "prater", "platen", "chatter", "menselijk", "telefonische", "doorverbonden",
})
WORD = re.compile(r"[^\W\d_]{5,}")
LONG_CUES = tuple(sorted(cue for cue in CUE_WORDS if len(cue) >= 6))  # a fixed order: the same mend in every process


def _cue_word(word: str) -> str:
    low = word.lower()
    if low in CUE_WORDS or low in NOT_TYPOS:
        return word
    return next((cue for cue in LONG_CUES if OSA.distance(low, cue, score_cutoff=1) <= 1), word)


def mended(text: str) -> str:
    """``text`` with typing errors in the cue words mended (for the call-back and person rules only)."""
    return WORD.sub(lambda m: _cue_word(m.group(0)), text or "")


# --- a call back -------------------------------------------------------------------------
CALLBACK = re.compile(
    r"\b(terug\s?bel\w*|terug\s?gebel[dt]|terug te bellen|terugbelverzoek\w*|belverzoek\w*|call\s?back|callback|(call|ring|phone|telephone|calling|ringing|phoning) me\b|"
    r"give (me|us) a (call|ring)|be (called|phoned|rung)|(prefer|like|want|need) a (phone |telephone )?call\b|(?<!ik )\bbel (\w+ )?terug\b|"
    r"(bel|belt|bellen|opbellen|opbelt|opgebeld) (u |jij |je |jullie |iemand )?(me|mij|ons)\b|"
    r"(me|mij|(kan|kunt|wil|wilt|kunnen|willen|mag|laat) (\w+ ){0,2}ons) ((?!(ik|u|jullie|we|wij|ze|zij|hij|je|jij|men|of|wanneer|welk|welke|hoe|waar|waarom|wie) )\S+ ){0,6}"
    r"(op)?(bellen|belt|opbellen)\b|"
    r"gebeld (te )?worden|(?<!hem )(?<!haar )(?<!hen )(?<!ze )(?<!him )(?<!her )(?<!them )\b(bel|bellen|call|ring) ((me|mij|ons|maar|even|ff|graag|aub|svp|please|terug|back) )*((op|on|at) )?(\+31 ?|0)[1-9][\d -]{7,}|opgebeld (te )?worden|contact met (mij|me|ons) (\w+ ){0,2}op( te)? ?(nemen|neemt)|"
    r"neem(t)? (\w+ ){0,4}contact met (mij|me|ons) op|(contact|reach) me\b|get in touch with me|(mij|me|ons) (\w+ ){0,2}(te )?contacteren\b|"
    r"(mij|me|ons) (\w+ ){0,2}telefonisch (\w+ ){0,2}(te )?(bereiken|contacteren|benaderen|spreken)\b|"
    r"telefonisch (\w+ ){0,2}(benader\w*|gebeld|terug|te woord|van (u|jullie|iemand|een (medewerker|collega|ambtenaar)))|"
    r"(hoor|horen) (\w+ ){0,3}telefonisch|per telefoon (\w+ ){0,3}(benader|terugbel|bel)\w*|"
    # a phone call wished for, not how to ring the town hall ("telefonisch contact gewenst", "verzoek om telefonisch contact";
    # not "ik wil telefonisch contact opnemen met de gemeente")
    r"telefonisch contact (\w+ )?(gewenst|verzocht|graag|aub|svp|a\.u\.b\.?|please)|"
    r"(graag|verzoek (om |tot )?|verzoeke|wens (ik )?|ik wens|ik verzoek (om )?)telefonisch contact\b(?! (\w+ )?(op|opnemen|met))|"
    r"(phone call|call back) (wanted|requested|please))",
    re.IGNORECASE,
)

# --- a person ---------------------------------------------------------------------------
PERSON_NOUN = (
    r"(mensch|mens|persoon|medewerker\w*|medewerkr|meedewerker|me\w{0,3}w\w{0,2}rk(er|r|ers)|iemand|collega|ambtenaar|ambtenaren|deskundige|specialist|"
    r"verantwoordelijke|"
    r"contactpersoon|behandelaar|dossierhouder|consulent|klantmanager|casemanager|contact person|caseworker|case worker|case officer|"
    r"klantenservice|klantcontact|human|person|someone|somebody|anyone|anybody|agent|employee|staff|operator|representative|"
    r"advisor|adviser|manager|supervisor|leidinggevende|teamleider|chef|functionaris|official)"
)
# The words for staff (not "iemand": "is er iemand die de zorg even overneemt?" asks for respite care).
STAFF = (
    r"(een |a |an |the |de )?(echte? |menselijke? |real |live )?"
    r"(mensch|mens|persoon|medewerker\w*|medewerkr|meedewerker|me\w{0,3}w\w{0,2}rk(er|r|ers)|collega|ambtenaar|ambtenaren|functionaris|klantenservice|leidinggevende|teamleider|"
    r"contactpersoon|behandelaar|dossierhouder|consulent|klantmanager|casemanager|"
    r"human|person|agent|employee|operator|manager|supervisor|contact person|caseworker|case worker|case officer|"
    # someone who works there ("iemand van jullie", "someone from the council")
    r"(iemand|someone|somebody|anyone) (van|bij|uit|from|at|in) (jullie|u|uw \w+|de gemeente|het gemeentehuis|het loket|de balie|"
    r"the (council|municipality|town hall|office|team)|your (office|team|staff)))\b"
)
PERSON_VERB = (
    r"(spreken|spreek|spreke|sprekn|praten|praat|prate|chatten|chat|bespreken|bespreek|doorspreken|overleggen|overleg|te woord|aan de lijn|aan de telefoon (krijgen|hebben)|"
    r"in contact|contact met|in contact (te )?(stellen|brengen|gebracht)|voor te leggen|voorleggen|voorleg|verbinden|verbindt|doorverbinden|doorverbind|doorzetten|geholpen|"
    # asked for, not told of ("wens ik te worden doorverwezen naar een consulent"; not "ik werd doorverwezen naar ...")
    r"doorverwijzen|door te verwijzen|(word|worden) doorverwezen|"
    r"talk|speak|chat|connect|put me through|transfer|deal with|sort this|sort it)"
)
PERSON = re.compile(
    rf"\b{PERSON_VERB}\b.*\b{PERSON_NOUN}\b|\b{PERSON_NOUN}\b.*\b{PERSON_VERB}\b|"
    r"\b(geef|give|get) (me|mij) (maar |nu |gewoon |even |ff |a |an |een |iemand|someone|echte? |real |actual |proper |live )*"
    r"(mensch|mens|persoon|medewerker|iemand|collega|leidinggevende|human|person|someone|agent|manager|supervisor)\b|"
    r"\b(i )?(need|want|would like|'d like) (\w+ ){0,2}(real |actual |live )?(person|human|agent|someone|somebody)\b|"
    r"\b(echte?|menselijke?|live) (mensch|mens|persoon|medewerker|collega)\b|"
    # a human to talk to ("verzoek om een menselijke gesprekspartner", "liever menselijk contact")
    r"\bmenselijke? (tussenkomst|blik|gesprekspartner|aanspreekpunt|contact|stem|hulp)\b|"
    # not a computer ("geen computer maar ...", "ik wil niet met een bot chatten"; not "ik heb geen computer")
    r"\b(geen|not a|no) (computer|robot|chatbot|bot|machine)( \w+)?,? (maar|but)\b|"
    r"\b(niet|not) (met|tegen|with|to) (een|de|die|deze|zo'?n|a|the|this) (computer|robot|chatbot|bot|machine) (\w+ )?"
    r"(praten|chatten|spreken|communiceren|talk|chat|speak)\b|"
    r"\bhuman (intervention|review)\b|\bdoorverbind\w*|\bput (me|us) through\b|"
    r"\b(whoever|the person who|degene die) (\w+ ){0,2}(handles|deals with|is dealing with|behandelt|afhandelt|over (mijn|m'n|ons|onze) \w+ gaat)\b|"
    r"\bdoorverbonden\b|\bdoorschakel\w*|"
    # a question put before an official ("graag leg ik dit voor aan een ambtenaar")
    rf"\bleg(gen)? (\w+ ){{0,4}}voor aan (\w+ ){{0,3}}{PERSON_NOUN}\b|"
    r"\bdoor te (verbinden|schakelen|zetten)\b|\b(verbind|zet|schakel) (me|mij|ons) (\w+ )?door\b|"
    rf"\b(mag|kan|can|may|could) (ik|i) (\w+ ){{0,2}}{STAFF}|"
    rf"\b(ik wil|ik wens|ik zou graag|i want|i'd like|i would like) (\w+ ){{0,3}}{STAFF}|"
    rf"{STAFF} (\w+ ){{0,3}}(helpen|help|overnemen|overneemt|take over|take this over|in behandeling (neemt|nemen)|oppakt|oppakken)\b|"
    # "Is there anyone who can actually help me?", "is er iemand die mij kan helpen?" (the sentence ends there)
    r"\b(is there|is er|zit er|is daar) (\w+ )?(anyone|anybody|someone|somebody|iemand|een mens|a (real )?(person|human))\b"
    r"( \w+){0,2} (who|that|die) (\w+ ){0,3}(help|helpen)( (me|mij|us|ons)( verder| out)?)?\s*$|"
    # someone who sorts it out ("ik wil nu iemand die het gewoon regelt", "I need somebody who knows")
    r"\b(ik wil|ik wens|ik zou graag|wil ik|i want|i need|i'd like|i would like|we want|we need) (\w+ ){0,2}(iemand|someone|somebody) (die|who|that|to) (\w+ ){0,4}"
    r"(regelt|regelen|oplost|oplossen|uitzoekt|uitzoeken|fixt|afhandelt|snapt|weet|begrijpt|sort|sorts|fix|fixes|handle|handles|knows|understands)\b|"
    # asking for a conversation with someone ("ik verlang een gesprek met een leidinggevende")
    rf"\b(wil|wens|verlang|vraag|verzoek|graag|zou|want|would like|request)\b (\w+ ){{0,4}}(een |a )?(persoonlijk |personal )?"
    rf"(gesprek|conversation|word) (met|with) (\w+ ){{0,3}}{PERSON_NOUN}\b",
    re.IGNORECASE,
)
# A terse message that is only a word for staff ("medewerker", "klantenservice aub", "human agent").
TERSE_STAFF = re.compile(
    r"^\s*((ik wil|i want|graag|liever|liefst|nu|even|ff|gewoon|maar|just|please|pls|aub) )*(een |a |an |echte? |real |live )?"
    r"(mensch|mens|persoon|medewerker\w*|medewerkr|collega|klantenservice|klantcontact|"
    r"human|person|agent|employee|operator)( (\w+)){0,3}[\s.!?]*$",
    re.IGNORECASE,
)
# No computer, as a clause of its own in a short message ("mevrouw of meneer graag, geen chatbot").
NO_BOT_CLAUSE = re.compile(
    r"^\s*((liever|alsjeblieft|aub|graag|please) )?(geen|niet (de|die|deze)|not a|no) (chat)?(bot|robot|computer|machine)"
    r"( (meer|aub|graag|please|pls|svp|alsjeblieft))*[\s.!?]*$",
    re.IGNORECASE,
)
ANSWER_WORD = re.compile(r"^\s*(nee|neen|ja|no|yes|nope)\b", re.IGNORECASE)
# A word for a person or for being put through at all ("mensen" in "we zijn met veertig mensen"
# is no such word): a longer message guessed as a handover without one is no handover.
ANY_PERSON = re.compile(
    r"\b(mensch|mens|persoon|medewerker\w*|medewerkr|collega|ambtenaar|klantenservice|iemand|human|person|agent|someone|"
    r"somebody|employee|staff|operator|manager|supervisor|leidinggevende|wie|who)\b|\bdoorverbind\w*",
    re.IGNORECASE,
)

# Being sent from one desk to the next: frustration that wants a person (a warm handover with
# priority, through the angry intent), however the rest of the message reads.
SENT_AROUND = re.compile(
    r"(steeds|telkens|weer|alleen maar|elke keer|constant|continu|nu al) (\w+ )?(doorverwezen|doorgestuurd|doorverbonden)|"
    r"(elke keer|steeds|telkens|iedere keer)\b.{0,40}\bnaar (een )?(andere|volgende) (afdeling|balie|loket|medewerker|instantie)|"
    r"van loket naar loket|van afdeling naar afdeling|van de ene (afdeling|medewerker|persoon|balie|instantie) naar de andere|"
    r"heen en weer (ge)?(stuurd|sturen|stuurt|verwezen|verwijzen)|(sturen|stuurt|stuurden|gestuurd|verwijzen|verwezen|kaatsen) (\w+ ){0,3}heen en weer|"
    r"van hot naar her|van (de )?ene naar (de )?andere|van de een naar de ander|"
    r"kastje naar (de )?muur|niemand (voelt zich|is|wil zich) verantwoordelijk|"
    r"pillar to post|round in circles|run-?around|run around|"
    r"(passed|sent|bounced|shunted) (around|back and forth|from one)|"
    r"(keep|kept) (being|getting) (sent|passed|transferred|referred|bounced)|(keep|kept|you) (sending|passing|bouncing|referring) me (around|back|from|on)|"
    r"(every time|each time|always|again and again)\b.{0,40}\b(sent|passed|transferred|referred|redirected) (\w+ )?to (another|a different|the next)|"
    r"no ?one (takes|will take|feels) responsib",
    re.IGNORECASE,
)

# Talking to someone in so many words: a complaint that says it still asks for a person ("ik ben
# ontevreden over de afhandeling en wil een medewerker spreken"), unlike "ik wil klagen over een medewerker".
TALK = re.compile(
    # not a conversation told of ("hoe de medewerker mij te woord heeft gestaan")
    r"\b((be)?spreken|praten|chatten|te woord(?! (\w+ ){0,2}(gestaan|stond|stonden)\b)|aan de lijn|doorverbind\w*|talk|speak|"
    r"(wil|wens|verlang|vraag|verzoek|graag|zou) (\w+ ){0,4}(een )?(persoonlijk )?gesprek)\b",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    return [c.strip() for c in SENTENCE_BREAK.split(text or "") if c and c.strip()]


def clauses(sentence: str) -> list[str]:
    return [c.strip() for c in CLAUSE_BREAK.split(sentence) if c and c.strip()]


def asks_for_callback(sentence: str) -> bool:
    """A clause of ``sentence`` asks to be called back (and neither it nor a later one says nobody did)."""
    parts = clauses(mended(sentence))
    return any(
        CALLBACK.search(c) and not NEGATED.search(c) and not PROMISED.search(c)
        and not any(NEGATED.search(later) and CALL_WORD.search(later) for later in parts[i + 1:])
        for i, c in enumerate(parts)
    )


def asks_for_person(text: str) -> bool:
    """Asks for a person in so many words somewhere in ``text`` ("is there a human I can chat with")."""
    return any(_person_sentence(s) for s in sentences(text))


# A short message may say who it wants in a clause of its own ("bot snapt niks, mens graag").
TERSE_CLAUSE_WORDS = 8


def _person_sentence(sentence: str) -> bool:
    sentence = mended(sentence)
    if COMPLAINT.search(sentence) and not TALK.search(sentence):
        return False  # "ik wil klagen over een medewerker" is a complaint (its own topic)
    if ASKS_WHAT_BOT_IS.search(sentence) and not re.search(r"\b(kan|mag|can|may|could)\b", sentence, re.IGNORECASE):
        return False  # "praat ik met een mens?" asks what the bot is
    if PERSON.search(sentence) or TERSE_STAFF.search(sentence):
        return True
    if len(sentence.split()) > TERSE_CLAUSE_WORDS:
        return False
    parts = clauses(sentence)
    if any(TERSE_STAFF.search(c) for c in parts[1:]):
        return True
    # "geen computer" beside another clause, not an answer to a question ("nee, geen computer")
    return len(parts) > 1 and not ANSWER_WORD.search(parts[0]) and any(NO_BOT_CLAUSE.search(c) for c in parts)


def requested_step(text: str) -> str | None:
    """"callback", "handover" or "status" when the message asks for one in so many words, else None.

    A call back or a person asked for anywhere beats words about a case's status (those are often
    the story: "I applied in May and heard nothing. Can I talk to someone?"); between a call back
    and a person the last sentence that asks decides, and within one sentence the call back.
    """
    parts = sentences(text)
    for sentence in reversed(parts):
        if asks_for_callback(sentence):
            return "callback"
        if _person_sentence(sentence):
            return "handover"
    if any(status_sentence(sentence, text) for sentence in parts):
        return "status"
    return None


def sent_around(text: str) -> bool:
    """Tells of being sent from desk to desk ("van het kastje naar de muur", "sent from pillar to post")."""
    return bool(SENT_AROUND.search(text or ""))


def names_a_person(text: str) -> bool:
    """Any word for a person or for being put through (a handover needs one in a longer message)."""
    return bool(ANY_PERSON.search(text or ""))
