"""Short answers and the melding form's words per channel, without the stack.

The end-to-end behaviour (real Rasa and action server, the widget in Chromium) is in
tests/e2e/test_short_answers.py and tests/e2e/test_melding_form.py.
"""

from __future__ import annotations

import pytest

from bot.actions.follow_up import aspect_of
from bot.actions.melding_prompts import change_named, confirm_prompt, photo_prompt, where_prompt
from bot.actions.short_answer import first_aspect, has_more, rest_of, short_answer
from channels.capabilities import WIDGET_LOCATION, WIDGET_PHOTO, can_send, sniff_image
from hub.core.settings import ROOT
from knowledge.importer import read_path, validate
from knowledge.models import NewArticle, NewProduct

CONTENT = ROOT / "knowledge" / "content"


def _record(kind: str, slug: str) -> NewArticle | NewProduct:
    record = next(r for r in read_path(CONTENT).records if r.kind == kind and r.data.get("slug") == slug)
    model, errors = validate(record)
    assert model is not None, errors
    return model


def _article(slug: str) -> NewArticle:
    return _record("article", slug)  # type: ignore[return-value]


def _product(slug: str) -> NewProduct:
    return _record("product", slug)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("asked", "aspect"),
    [
        ("Wat kost een paspoort?", "costs"),
        ("hoeveel moet ik betalen voor een id kaart", "costs"),
        ("how much does a new passport cost?", "costs"),
        ("Hoe lang duurt het voordat mijn paspoort klaar is?", "lead_time"),
        ("Wat moet ik meenemen naar de afspraak?", "bring"),
        ("ik heb een hond gekocht, moet ik belasting betalen", None),  # a topic question, not a fee
        ("hoe lang is mijn paspoort geldig", None),
        ("ik wil een nieuw paspoort aanvragen", None),
    ],
)
def test_a_first_question_names_the_field_it_asks_for(asked, aspect):
    assert first_aspect(asked) == aspect


def test_the_fee_question_gets_the_fee_and_the_rest_on_request():
    article, product = _article("paspoort-aanvragen"), _product("paspoort")
    text, aspect = short_answer(article.answer, [product], "Wat kost een paspoort?")
    assert aspect == "costs" and "€ 84,70" in text and "\n\n" not in text
    assert "vingerafdrukken" not in text  # not the whole article
    assert has_more(article.answer, [product], text)
    rest = rest_of(article.answer, [product], "https://www.lindewaard.nl", text)
    assert "vingerafdrukken" in rest and rest.endswith("Meer over Paspoort: https://www.lindewaard.nl/paspoort")


def test_an_open_question_gets_the_first_paragraph_and_the_rest_without_it():
    article = _article("paspoort-aanvragen")
    text, aspect = short_answer(article.answer, [], "ik wil een nieuw paspoort aanvragen")
    assert aspect is None and text == article.answer.split("\n\n")[0].strip()
    rest = rest_of(article.answer, [], "https://www.lindewaard.nl", text)
    assert text not in rest and "Neem mee:" in rest


def test_a_question_about_a_field_the_product_lacks_falls_back_to_the_first_paragraph():
    article, product = _article("paspoort-aanvragen"), _product("paspoort").model_copy(update={"costs": ""})
    text, aspect = short_answer(article.answer, [product], "Wat kost een paspoort?")
    assert aspect is None and text.startswith("U vraagt een paspoort aan")


@pytest.mark.parametrize(
    ("text", "aspect"),
    [("meer", "more"), ("/follow_up", "more"), ("ik wil meer weten", "more"), ("tell me more", "more"),
     ("en wat kost dat?", "costs"), ("hoe lang duurt het?", "lead_time"), ("en hoe werkt dat dan", "apply")],
)
def test_meer_asks_for_the_rest_and_other_follow_ups_for_a_field(text, aspect):
    assert aspect_of(text) == aspect


def test_the_form_offers_photo_and_location_only_where_they_can_be_sent():
    text, buttons = where_prompt("webchat")
    assert "Deel mijn locatie" in text and buttons == [{"title": "Deel mijn locatie", "payload": WIDGET_LOCATION}]
    text, buttons = where_prompt("whatsapp")
    assert "locatie sturen" in text and buttons == []
    text, buttons = where_prompt("sms")
    assert "locatie" not in text and buttons == []
    assert not can_send("sms", "photo") and not can_send("sms", "location")
    assert can_send("whatsapp", "photo") and can_send("webchat", "photo")
    text, buttons = photo_prompt("webchat")
    assert [b["payload"] for b in buttons] == [WIDGET_PHOTO, "geen foto"]
    text, _ = photo_prompt("whatsapp")
    assert "Stuur die nu mee" in text


def test_the_summary_names_what_will_be_sent_and_a_no_asks_what_to_change():
    slots = {"melding_what": "kapotte lantaarnpaal", "melding_where": "Kerkstraat 12", "melding_photo": "geen",
             "melding_contact": "anoniem"}
    text, buttons = confirm_prompt(slots, "webchat", said_no=False)
    assert text.startswith("Klopt dit?") and "kapotte lantaarnpaal" in text and "Kerkstraat 12" in text
    assert "Foto: geen" in text and [b["payload"] for b in buttons] == ["ja", "nee"]
    sms_text, _ = confirm_prompt(slots, "sms", said_no=False)
    assert "Foto" not in sms_text  # never asked there, so never listed
    _, buttons = confirm_prompt(slots, "sms", said_no=True)
    assert [b["title"] for b in buttons] == ["Omschrijving", "Adres", "Contactgegevens", "Stoppen"]
    assert change_named("adres aanpassen", "webchat") == "melding_where"
    assert change_named("de foto wil ik anders", "sms") is None
    assert change_named("Kerkstraat 5", "webchat") is None


def test_images_are_recognised_by_their_bytes():
    assert sniff_image(b"\x89PNG\r\n\x1a\n" + b"\0" * 20) == "image/png"
    assert sniff_image(b"\xff\xd8\xff\xe0" + b"\0" * 20) == "image/jpeg"
    assert sniff_image(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert sniff_image(b"\0\0\0\x18ftypheic\0\0\0\0") == "image/heic"
    assert sniff_image(b"%PDF-1.7 ...") is None
    assert sniff_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


async def test_asking_in_so_many_words_to_make_a_report_starts_the_form_whatever_the_score():
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from bot.actions.understanding.gates import ActionMeldingGate

    text = "ik wil een melding maken van een kapotte lantaarnpaal"
    latest = {"text": text, "intent": {"name": "melding-openbare-ruimte", "confidence": 0.35}, "intent_ranking": [], "entities": []}
    tracker = Tracker("t1", {}, latest, [], False, None, None, "action_listen")
    events = await ActionMeldingGate().run(CollectingDispatcher(), tracker, {})
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["melding_go"] is True and slots["melding_what"] == text
