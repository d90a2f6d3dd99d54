"""What the bot remembers of a conversation (Rasa's tracker), forgotten on erasure and retention.

Rasa keeps each conversation's events (the resident's words among them) in its tracker store,
keyed by the hub's conversation id. Two places, both handled:

- the tracker Rasa holds in memory (the default of ``make run``): replaced by an empty one
  with Rasa's ``PUT /conversations/{id}/tracker/events``. Best effort: when Rasa is down the
  in-memory tracker is gone with the process anyway; the report counts what was reached.
- a MongoDB tracker store (the compose deployment: database ``rasa`` on the hub's own
  replica set, ``KCC_RASA_TRACKER_DATABASE=rasa``): the tracker documents are deleted there
  directly, because Rasa's replace only appends to a stored tracker.
"""

from __future__ import annotations

import logging

from motor.motor_asyncio import AsyncIOMotorDatabase

from hub.conversations.bot_client import BotClient

log = logging.getLogger(__name__)

TRACKER_COLLECTION = "conversations"  # Rasa's MongoTrackerStore default (docker/endpoints.yml)


class BotMemory:
    def __init__(self, bot: BotClient | None, db: AsyncIOMotorDatabase, tracker_database: str = ""):
        self.bot = bot
        self.trackers = db.client[tracker_database][TRACKER_COLLECTION] if tracker_database else None

    async def forget(self, conversation_ids: list[str]) -> dict[str, int]:
        """Empty Rasa's trackers of these conversations; counts of what was reached."""
        report = {"bot_trackers_cleared": 0, "bot_trackers_deleted": 0}
        if self.bot is not None:
            for conv_id in conversation_ids:
                report["bot_trackers_cleared"] += await self.bot.forget(conv_id)
            if len(conversation_ids) > report["bot_trackers_cleared"]:
                log.warning("bot memory not cleared for every conversation (Rasa not reachable)",
                            extra={"asked": len(conversation_ids), "cleared": report["bot_trackers_cleared"]})
        if self.trackers is not None and conversation_ids:
            deleted = await self.trackers.delete_many({"sender_id": {"$in": conversation_ids}})
            report["bot_trackers_deleted"] = deleted.deleted_count
        return report
