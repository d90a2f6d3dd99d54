"""The melding form: started when asked, a place in words, a summary before sending, and a
photo and location only where the channel can send them (the widget: upload and geolocation).

Real web chat API, Rasa server with the trained model and action server; the widget in
real headless Chromium with a fixed geolocation.
"""

from __future__ import annotations

import struct
import zlib

import pytest

from tests.e2e.browser import browser
from tests.webchat_client import say

ANSWERS = ".kcc-out[data-author=bot]:not(.kcc-intro)"
START = "ik wil een melding maken van een kapotte lantaarnpaal"


def png_bytes(size: int = 4) -> bytes:
    """A real (tiny, grey) PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\x80" * size for _ in range(size))
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def upload(http, stack, session_id: str, data: bytes, name: str, content_type: str):  # noqa: ANN001, ANN201
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("session_id", session_id)
    form.add_field("file", data, filename=name, content_type=content_type)
    async with http.post(f"{stack.hub_url}/api/v1/webchat/photos", data=form) as resp:
        return resp.status, await resp.json()


async def test_the_form_starts_understands_a_place_in_words_and_summarises_before_sending(bot_stack, http, db, session_id):
    first = await say(http, bot_stack, session_id, START)
    assert first["meta"]["action"] == "melding", first  # the form, not the article about reporting
    where = first["replies"][0]
    assert where["text"].startswith("Waar is het?") and "Deel mijn locatie" in where["text"]
    assert {"title": "Deel mijn locatie", "payload": "widget:location"} in where["buttons"]

    photo = await say(http, bot_stack, session_id, "op de hoek van de Kerkstraat en de Molenweg")
    assert "foto" in photo["replies"][0]["text"].lower(), photo  # the place was understood: next question
    assert [b["payload"] for b in photo["replies"][0]["buttons"]] == ["widget:photo", "geen foto"]
    contact = await say(http, bot_stack, session_id, "geen foto")
    assert "bereiken" in contact["replies"][0]["text"]

    summary = await say(http, bot_stack, session_id, "anoniem")
    text = summary["replies"][0]["text"]
    assert text.startswith("Klopt dit?"), summary
    assert "kapotte lantaarnpaal" in text and "hoek van de Kerkstraat en de Molenweg" in text and "anoniem" in text
    assert await db.cases.count_documents({"conversation_ids": summary["conversation_id"]}) == 0  # not sent yet

    change = await say(http, bot_stack, session_id, "nee")
    assert change["replies"][0]["text"].startswith("Wat wilt u aanpassen?"), change
    again = await say(http, bot_stack, session_id, "Adres", payload="adres aanpassen")
    assert again["replies"][0]["text"].startswith("Waar is het?"), again
    summary = await say(http, bot_stack, session_id, "Molenweg 3")
    assert "Molenweg 3" in summary["replies"][0]["text"] and summary["replies"][0]["text"].startswith("Klopt dit?")

    done = await say(http, bot_stack, session_id, "Ja, versturen", payload="ja")
    assert done["meta"]["action"] == "melding" and "Z-" in done["replies"][0]["text"], done
    case = await db.cases.find_one({"conversation_ids": done["conversation_id"]})
    assert case["location"]["address"] == "Molenweg 3" and "lantaarnpaal" in case["description"]


async def test_a_too_large_or_non_image_upload_is_refused_clearly_and_nothing_is_lost(bot_stack, http, db, session_id):
    await say(http, bot_stack, session_id, START)
    asked = await say(http, bot_stack, session_id, "Kerkstraat 12")
    assert "foto" in asked["replies"][0]["text"].lower(), asked
    conv_id = asked["conversation_id"]
    messages = await db.messages.count_documents({"conversation_id": conv_id})
    files = await db.attachments.count_documents({})

    status, body = await upload(http, bot_stack, session_id, b"%PDF-1.7 not a photo", "brief.pdf", "application/pdf")
    assert status == 415 and body["error"]["code"] == "file_type" and "foto" in body["error"]["message"]
    fake = b"<svg xmlns='http://www.w3.org/2000/svg'/>"  # called a png, but is none
    status, body = await upload(http, bot_stack, session_id, fake, "lamp.png", "image/png")
    assert status == 415 and body["error"]["code"] == "file_type"
    big = png_bytes() + b"\0" * (5 * 1024 * 1024)
    status, body = await upload(http, bot_stack, session_id, big, "groot.png", "image/png")
    assert status == 413 and body["error"]["code"] == "file_too_large" and "5 MB" in body["error"]["message"]
    assert await db.messages.count_documents({"conversation_id": conv_id}) == messages  # nothing stored
    assert await db.attachments.count_documents({}) == files

    # the form still waits for the photo: a real one goes on
    status, body = await upload(http, bot_stack, session_id, png_bytes(), "lamp.png", "image/png")
    assert status == 200, body
    assert "bereiken" in body["replies"][0]["text"], body
    stored = await db.messages.find_one({"conversation_id": conv_id, "direction": "in", "attachments.0": {"$exists": True}})
    attachment = stored["attachments"][0]
    assert attachment["content_type"] == "image/png" and attachment["filename"] == "lamp.png"
    assert await db.attachments.find_one({"_id": attachment["stored_id"]}) is not None


@pytest.mark.browser
async def test_the_widget_sends_a_location_and_a_photo_in_the_melding_form(bot_stack, db):
    latitude, longitude = 52.09071, 5.12142
    async with browser() as b:
        context = await b.new_context(geolocation={"latitude": latitude, "longitude": longitude}, permissions=["geolocation"])
        page = await context.new_page()
        await page.goto(f"{bot_stack.hub_url}/chat")
        await page.locator(".kcc-intro").first.wait_for(timeout=10_000)
        await page.fill("#kcc-text", START)
        await page.press("#kcc-text", "Enter")
        await page.locator(ANSWERS).first.wait_for(timeout=20_000)

        await page.get_by_role("button", name="Deel mijn locatie").click()
        await page.get_by_role("button", name="Foto toevoegen").wait_for(timeout=20_000)
        assert await page.locator(".kcc-in", has_text="Locatie gedeeld").count() == 1
        async with page.expect_file_chooser() as chooser:
            await page.get_by_role("button", name="Foto toevoegen").click()
        await (await chooser.value).set_files({"name": "lantaarn.png", "mimeType": "image/png", "buffer": png_bytes()})
        await page.get_by_role("button", name="Anoniem melden").wait_for(timeout=20_000)
        assert await page.locator(".kcc-in", has_text="Foto verstuurd: lantaarn.png").count() == 1
        await page.get_by_role("button", name="Anoniem melden").click()
        await page.get_by_role("button", name="Ja, versturen").click()
        await page.locator(ANSWERS, has_text="Bedankt voor uw melding").wait_for(timeout=20_000)
        session_id = await page.evaluate("localStorage.getItem('kcc-session')")
        await context.close()

    conv = await db.conversations.find_one({"address": session_id})
    case = await db.cases.find_one({"conversation_ids": conv["_id"]})
    assert abs(case["location"]["latitude"] - latitude) < 1e-4 and abs(case["location"]["longitude"] - longitude) < 1e-4
    assert case["attachments"][0]["stored_id"]
    sent = await db.messages.find_one({"conversation_id": conv["_id"], "location": {"$ne": None}})
    assert abs(sent["location"]["latitude"] - latitude) < 1e-4  # stored with the message
