"""The B1 readability indicator."""

from __future__ import annotations

from knowledge.readability import jargon, score, syllables


def test_plain_b1_text_scores_high() -> None:
    result = score(
        "U vraagt een paspoort aan in het gemeentehuis. Maak eerst een afspraak. Neem een pasfoto mee."
    )
    assert result["score"] >= 90 and result["level"] == "B1"
    assert result["hints"] == ["Goed leesbaar op B1-niveau."]
    assert result["sentences"] == 3 and result["avg_sentence_words"] < 8


def test_long_sentences_long_words_and_jargon_give_concrete_hints() -> None:
    text = (
        "Indien u reeds woonachtig bent in de gemeente, dient u middels het daartoe bestemde aanvraagformulier "
        "conform de geldende voorschriften een verzoek tot vergunningverlening in te dienen ten behoeve van uw evenement."
    )
    result = score(text)
    assert result["score"] < 60 and result["level"] == "moeilijker dan B1"
    found = {j["word"] for j in result["jargon"]}
    assert {"indien", "reeds", "woonachtig", "middels", "conform", "ten behoeve van"} <= found
    hints = " ".join(result["hints"])
    assert "Maak ze korter" in hints and "Vermijd “indien”: schrijf liever “als”" in hints
    assert "vergunningverlening" in result["long_words"]
    assert result["long_sentences"]


def test_bullets_count_as_sentences_and_empty_text() -> None:
    assert score("Neem mee:\n- uw paspoort\n- een pasfoto")["sentences"] == 3
    empty = score("")
    assert empty["score"] == 0 and empty["hints"] == ["Er is nog geen tekst."]


def test_syllables_and_jargon_list() -> None:
    assert syllables("paspoort") == 2 and syllables("identiteitskaart") == 5
    assert jargon()["indien"] == "als"


def test_each_hard_sentence_and_word_is_flagged_in_place() -> None:
    long = (
        "Indien u in het buitenland woonachtig bent en u beschikt op dit moment niet over een geldig "
        "identiteitsbewijs, dient u zich te wenden tot de ambassade in het land waar u verblijft."
    )
    text = f"U kunt een paspoort aanvragen. Dat kan op het stadhuis. {long} Neem een foto mee."
    result = score(text)
    long_flags = [f for f in result["flags"] if f["long"]]
    assert [f["sentence"] for f in long_flags] == [long] and long_flags[0]["index"] == 2
    assert long_flags[0]["words"] > 20
    assert "identiteitsbewijs" in long_flags[0]["hard_words"]
    assert {"indien", "woonachtig"} <= set(long_flags[0]["jargon"])
    assert all(f["sentence"] != "Dat kan op het stadhuis." for f in result["flags"])
    # the average of the short sentences does not hide it: not B1
    assert result["avg_sentence_words"] < 12 and result["score"] < 80 and result["level"] != "B1"
