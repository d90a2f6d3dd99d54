"""Files an agent sends to a resident: stored in ``files``, sent as a link on every channel.

A link works on every channel (web chat, SMS, WhatsApp, e-mail) without each channel
uploading media of its own. The file id is a random token, like a conversation id: it is
the capability to download the file, and the only way to find it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web
from bson import Binary
from motor.motor_asyncio import AsyncIOMotorDatabase

from handover.routing import DeskError
from hub.core.appkeys import DB
from hub.core.models import new_id, utcnow

ALLOWED_TYPES = {
    "application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
}
SAFE_NAME = re.compile(r"[^A-Za-z0-9._\- ]+")


def clean_filename(name: str) -> str:
    name = unquote(name)  # some clients percent-encode the multipart file name
    name = SAFE_NAME.sub("_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .") or "bijlage"
    return name[:120]


async def store(
    db: AsyncIOMotorDatabase, conversation_id: str, uploaded_by: str, filename: str, content_type: str, data: bytes, public_url: str
) -> dict[str, Any]:
    if content_type not in ALLOWED_TYPES:
        raise DeskError(415, "file_type", "Dit soort bestand kunt u niet versturen. Gebruik pdf, een foto of een tekstbestand.")
    if not data:
        raise DeskError(400, "empty_file", "Het bestand is leeg.")
    file_id = new_id()
    name = clean_filename(filename)
    await db.files.insert_one(
        {
            "_id": file_id,
            "conversation_id": conversation_id,
            "filename": name,
            "content_type": content_type,
            "size": len(data),
            "data": Binary(data),
            "uploaded_by": uploaded_by,
            "created_at": utcnow(),
        }
    )
    return {
        "stored_id": file_id,
        "filename": name,
        "content_type": content_type,
        "size": len(data),
        "url": f"{public_url.rstrip('/')}/api/v1/handover/files/{file_id}/{quote(name)}",
    }


async def for_reply(db: AsyncIOMotorDatabase, conversation_id: str, ids: list[str], public_url: str) -> list[dict[str, Any]]:
    """The attachments an agent picked for a reply; they must belong to this conversation."""
    found = {
        f["_id"]: f
        async for f in db.files.find({"_id": {"$in": ids}, "conversation_id": conversation_id}, {"data": 0})
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise DeskError(404, "unknown_file", "Een bijlage bestaat niet (meer). Voeg hem opnieuw toe.")
    return [
        {
            "stored_id": f["_id"],
            "filename": f["filename"],
            "content_type": f["content_type"],
            "size": f["size"],
            "url": f"{public_url.rstrip('/')}/api/v1/handover/files/{f['_id']}/{quote(f['filename'])}",
        }
        for f in (found[i] for i in ids)
    ]


async def download(request: web.Request) -> web.StreamResponse:
    doc = await request.app[DB].files.find_one({"_id": request.match_info["id"]})
    if doc is None:
        return web.json_response({"error": {"code": "unknown_file", "message": "Dit bestand bestaat niet."}}, status=404)
    return web.Response(
        body=bytes(doc["data"]),
        content_type=doc["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc['filename'])}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )
