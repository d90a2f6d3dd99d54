"""The partner directory: the shipped entries, matching a question or a melding, and the one-line referral."""

from __future__ import annotations

from knowledge import partners


def test_the_shipped_directory_names_each_partner_with_a_way_to_reach_it() -> None:
    found = {p.id: p for p in partners.seed_partners()}
    assert set(found) == {"provincie", "waterschap", "omgevingsdienst", "politie", "belastingdienst"}
    assert found["politie"].phone == "0900-8844"
    assert all(p.phone or p.url for p in found.values())


def test_a_question_goes_to_the_partner_it_names_most_specifically() -> None:
    directory = partners.seed_partners()
    cases = {
        "De dijk achter ons huis lijkt te lekken": "waterschap",
        "Er zit een gat in de provinciale weg bij de rotonde": "provincie",
        "Een fabriek op het industrieterrein stinkt al dagen": "omgevingsdienst",
        "Mijn fiets is gestolen bij het station": "politie",
        "Ik wil aangifte doen van een inbraak": "politie",
        "Hoe vraag ik zorgtoeslag aan?": "belastingdienst",
        "Vraag over mijn aangifte inkomstenbelasting": "belastingdienst",
    }
    for question, partner in cases.items():
        hit = partners.match(directory, question)
        assert hit is not None and hit.id == partner, (question, hit)
    for municipal in ("Wanneer wordt het grofvuil opgehaald?", "Ik wil een paspoort aanvragen", "Geboorteaangifte doen"):
        assert partners.match(directory, municipal) is None, municipal


def test_a_melding_about_a_partners_asset_gets_its_form() -> None:
    directory = partners.seed_partners()
    board = partners.match(directory, "Er ligt een omgevallen boom in de sloot", assets_only=True)
    assert board is not None and board.id == "waterschap"
    text = partners.referral_text(board, melding=True)
    assert text.startswith("Dit regelt het waterschap") and board.form_url in text and "niet de gemeente" in text
    assert partners.match(directory, "Mijn fiets is gestolen", assets_only=True) is None  # the police own no assets
    assert partners.match(directory, "De lantaarnpaal op de stoep is kapot", assets_only=True) is None
