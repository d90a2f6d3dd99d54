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
"""

from __future__ import annotations

import re

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


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one dropped, added or changed letter, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _cue_word(word: str) -> str:
    low = word.lower()
    if low in CUE_WORDS or low in NOT_TYPOS:
        return word
    return next((cue for cue in CUE_WORDS if len(cue) >= 6 and _one_edit(low, cue)), word)


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

# --- out of scope: things a municipality does not answer ----------------------------------------
# Words that name such a thing beyond doubt: a sports competition or club, a lottery, the weather forecast,
# train times, a recipe, a joke, a shop chain, shares and crypto, flights and holiday homes. In a few words
# ("uitslag staatsloterij", "vertrektijden intercity") the classifier reads them as the nearest topic.
OUT_OF_SCOPE_THING = re.compile(
    r"\b(eredivisie|eerste divisie|champions ?league|europa league|premier league|formule ?1|grand prix|tour de france|"
    r"ajax|feyenoord|psv|az alkmaar|fc \w+|voetbaluitslag\w*|voetbalwedstrijd\w*|landskampioen\w*|landstitel|"
    r"\w*loterij\w*|lotto\w*|eurojackpot|krasloten|trekkingsuitslag\w*|"
    r"weerbericht\w*|weersverwachting\w*|weersvoorspelling\w*|weersomstandigheden|buienradar|weerman|"
    r"treintijden|vertrektijd\w*|intercity|sprinter|perron|ns-app|treinkaartje\w*|"
    r"recept(en)? (voor |van )?(\w+ )?\w*(soep|taart|stamppot|kool|lasagne|pasta|cake|koek|koekjes|brood|saus|stoof\w*|salade|curry|"
    r"pannenkoeken|gehakt|vis|kip|risotto|toetje|dessert)\b|"
    r"(een |goede |leuke )?(mop|grap|grapje|moppen|grappen) (vertellen|weten|horen)|(vertel|weet|ken) (\w+ ){0,2}(mop|grap|grapje|moppen)|"
    r"supermarkt\w*|albert heijn|jumbo|lidl|aldi|dirk van den broek|vomar|hoogvliet|hema|ikea|mediamarkt|coolblue|kruidvat|etos|"
    r"bol\.com|primark|zeeman|blokker|gamma|praxis|karwei|intratuin|decathlon|intertoys|h&m|c&a|zara|wibra|xenos|"
    r"bitcoin|crypto\w*|aandelen|beurskoers\w*|"
    r"vliegticket\w*|vliegtickets|vakantiehuis\w*|all ?inclusive|"
    r"weather forecast|lottery|train times|recipe|football (score|result|match)\w*|tell me a joke)\b",
    re.IGNORECASE,
)
# ... unless the message is about something the municipality does deal with ("vergunning voor een loterij",
# "mag de Jumbo op zondag open", "parkeren bij de Albert Heijn").
MUNICIPAL = re.compile(
    r"\b(gemeente\w*|vergunning\w*|ontheffing\w*|aanvra\w*|aangevraagd|belasting\w*|melding\w*|melden|subsidie\w*|"
    r"loket|balie|standplaats\w*|weekmarkt|markt(dag|kraam|kramen)|terras\w*|horeca\w*|evenement\w*|paspoort|rijbewijs|id-?kaart|uitkering|bijstand|parkeer\w*|parkeren|afval\w*|container\w*|"
    r"mag (ik|de|het|er|je|een)|mogen|toegestaan|regels?|permit|licence|license|council|municipality)\b",
    re.IGNORECASE,
)
OUT_OF_SCOPE_WORDS = 15


def out_of_scope_words(text: str) -> bool:
    """A message of a few words that names a thing a municipality does not answer, and nothing it does."""
    text = text or ""
    return (len(text.split()) <= OUT_OF_SCOPE_WORDS and bool(OUT_OF_SCOPE_THING.search(text))
            and not MUNICIPAL.search(text))


# --- a report of a problem in public space (the melding gate, and the terse report below) --------

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

# --- the status of a case: one home for its words ----------------------------------------
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
    r"heard (nothing|anything) (back|about)|still (waiting|not heard)|not heard (anything|back))\b",
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
# Talking to someone in so many words: a complaint that says it still asks for a person ("ik ben
# ontevreden over de afhandeling en wil een medewerker spreken"), unlike "ik wil klagen over een medewerker".
TALK = re.compile(
    # not a conversation told of ("hoe de medewerker mij te woord heeft gestaan")
    r"\b((be)?spreken|praten|chatten|te woord(?! (\w+ ){0,2}(gestaan|stond|stonden)\b)|aan de lijn|doorverbind\w*|talk|speak|"
    r"(wil|wens|verlang|vraag|verzoek|graag|zou) (\w+ ){0,4}(een )?(persoonlijk )?gesprek)\b",
    re.IGNORECASE,
)
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


def _status_sentence(sentence: str, text: str) -> bool:
    if terse_status(text) or CASE_NUMBER.search(sentence):
        return True
    if (HOW_FAR_HINT.search(sentence) and EARLIER_DONE.search(text) and not TOPIC_QUESTION.search(sentence)
            and not COMPLAINT.search(text)):
        return True  # "Drie weken geleden hebben we haar paspoort aangevraagd. ... Kunt u zien of het al klaarligt?"
    if not ASKS_HOW_FAR.search(sentence) or COMPLAINT.search(sentence):
        return False
    return own_case(text) or len(text.split()) <= TERSE_WORDS  # "stand van zaken vergunning"


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
    if any(_status_sentence(sentence, text) for sentence in parts):
        return "status"
    return None


def sent_around(text: str) -> bool:
    """Tells of being sent from desk to desk ("van het kastje naar de muur", "sent from pillar to post")."""
    return bool(SENT_AROUND.search(text or ""))


def names_a_person(text: str) -> bool:
    """Any word for a person or for being put through (a handover needs one in a longer message)."""
    return bool(ANY_PERSON.search(text or ""))
