"""Things a municipality does not answer, named in so many words (a lottery, the weather forecast,
train times, a sports club, a recipe, a shop chain).

Pure text rules (no Rasa import): the NLU component ``request_classifier`` puts ``out_of_scope`` first
for a message of a few words that names one and nothing the municipality deals with.
"""

from __future__ import annotations

import re

from bot.components.report_cues import names_a_public_problem

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
    """A message of a few words that names a thing a municipality does not answer, and nothing it does.

    A problem in public space named beside a shop or a station is the municipality's business ("kapotte
    lantaarnpaal bij de jumbo", "glas op de stoep voor het station"): the shop only says where.
    """
    text = text or ""
    return (len(text.split()) <= OUT_OF_SCOPE_WORDS and bool(OUT_OF_SCOPE_THING.search(text))
            and not MUNICIPAL.search(text) and not names_a_public_problem(text))
