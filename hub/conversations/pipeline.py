"""The message pipeline: store first, link, then let the bot or an agent answer.

Order of work for every inbound message (see ARCHITECTURE.md):
1. insert it into ``messages`` (deduplicated on the channel's message id) before anything else;
2. find or open the conversation for the channel address and link the contact (``opening``);
3. by conversation state: ask the bot, or hand the message to the agent desk (``turns``: the desk
   and the satisfaction grade, the turns without the bot);
4. store every reply, then hand it to the channel for delivery.
A failure after step 1 never loses the message: it stays stored with its status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.conversations import satisfaction
from hub.conversations.bot_client import BotAnswer, BotClient, BotUnavailable, bot_event
from hub.conversations.crisis import CrisisState
from hub.conversations.desk import Desk
from hub.conversations.opening import SEQ_BLOCK, Opening
from hub.conversations.outbound import Outbound, Sender, message_view, until_stored
from hub.conversations.turns import Turns
from hub.core import events
from hub.core.bus import LiveBus
from hub.core.event_types import EventType
from hub.core.events import Event
from hub.core.loops import Tasks
from hub.core.models import (
    InboundMessage,
    Meta,
    PipelineResult,
    Reply,
    State,
    new_id,
    utcnow,
)
from hub.privacy import need_to_know

log = logging.getLogger(__name__)

BOT_DOWN_TEXT = (
    "Onze chatbot werkt op dit moment niet. Uw bericht is goed aangekomen. "
    "Een medewerker van het klantcontactcentrum neemt uw vraag over. U hoeft niets te doen."
)

# A stored message still unhandled this long after it came in was broken off (the hub stopped).
RESUME_AFTER_S = 60
# The bot path's events are logged this long after the answer, together with those of the messages
# answered meanwhile (one write for several messages, off the next message's way; hub.core.events.Buffer).
# Nothing waits for them: the router, the notifier and Slack wake on desk events, written at once; a
# console hears a bot conversation's message this much later; a staff figure calls ``log_events`` first.
EVENTS_AFTER_S = 0.25
# Statuses of a stored inbound message whose handling has not finished ("handled").
UNFINISHED = ("received", "linked", "interrupted")
AFTER = ReturnDocument.AFTER


class Pipeline(Opening, Turns, Outbound):
    def __init__(
        self, db: AsyncIOMotorDatabase, bot: BotClient, live: LiveBus, desk: Desk, concurrency: int | None = None
    ):
        self.db = db
        # motor makes a new collection object on every attribute access: the path holds its two
        self.messages = db.messages
        self.conversations = db.conversations
        self.desk = desk
        self.bot = bot
        self.live = live
        self.senders: dict[str, Sender] = {}
        self.in_band: set[str] = set()
        self.desk_only: set[str] = set()
        self._tasks = Tasks("pipeline")
        self._events = events.Buffer(db, live)
        self._interrupted: set[str] = set()
        self._in_flight: dict[str, asyncio.Future[PipelineResult]] = {}  # dedup key -> the answer being made  # ids of messages whose handling raised (resumed on a retry)
        # A bulkhead: stored messages wait here for their turn, so a burst of residents does not
        # put hundreds of operations in front of the router's and the consoles' (None: no limit).
        self._turns = asyncio.Semaphore(concurrency) if concurrency else contextlib.nullcontext()
        self.crisis = CrisisState()  # loaded and kept current by hub/conversations/crisis.run

    def register_sender(self, channel: str, sender: Sender) -> None:
        self.senders[channel] = sender

    def register_desk_only(self, channel: str) -> None:
        """A channel the bot never answers (the web contact form): its messages go to the desk with a receipt."""
        self.desk_only.add(channel)

    def register_in_band(self, channel: str) -> None:
        """A channel whose replies reach the resident from the store itself (the web chat): nothing to send."""
        self.in_band.add(channel)

    # ------------------------------------------------------------------ inbound
    async def receive(self, msg: InboundMessage, on_stored: Callable[[], None] | None = None) -> PipelineResult:
        """Store ``msg`` first, then handle it; ``on_stored`` is called as soon as it is stored (or found stored).

        The same message handed in again while this hub is still handling it (a double click, a
        provider's quick retry) shares that answer: the slot is taken before the first write, so
        the second can never look between the first's write and its registration.
        """
        message_id = new_id()
        dedup_key = f"{msg.channel}:{msg.channel_message_id or message_id}"
        answered: asyncio.Future[PipelineResult] = asyncio.get_running_loop().create_future()
        first = self._in_flight.setdefault(dedup_key, answered)
        if first is not answered:
            result = await asyncio.shield(first)
            if on_stored:
                on_stored()
            return result.model_copy(update={"duplicate": True})
        try:
            result = await self._receive(msg, message_id, dedup_key, on_stored)
        except Exception as exc:
            answered.set_exception(exc)
            answered.exception()  # retrieved: a resend that was not waiting must not log it as unhandled
            raise
        else:
            answered.set_result(result)
            return result
        finally:
            self._in_flight.pop(dedup_key, None)

    async def _receive(
        self, msg: InboundMessage, message_id: str, dedup_key: str, on_stored: Callable[[], None] | None
    ) -> PipelineResult:
        started = time.perf_counter()
        doc = {
            "_id": message_id,
            "dedup_key": dedup_key,
            "direction": "in",
            "author": "resident",
            "channel": msg.channel,
            "address": msg.address,
            "channel_message_id": msg.channel_message_id,
            "text": msg.text,
            "payload": msg.payload,
            "attachments": [a.model_dump() for a in msg.attachments],
            "location": msg.location.model_dump() if msg.location else None,
            # the signed identity token carries a BSN in readable form: never stored
            "metadata": {k: v for k, v in msg.metadata.items() if k != "identity_token"}
            | ({"identity_token_presented": True} if "identity_token" in msg.metadata else {}),
            "status": "received",
            "created_at": msg.received_at,
        }
        try:
            await self.messages.insert_one(doc)  # 1. stored before anything else
        except DuplicateKeyError:
            if on_stored:
                on_stored()
            unfinished = await self._claim_unfinished(dedup_key)
            if unfinished is None:
                return await self._duplicate(dedup_key)
            doc, message_id = unfinished, unfinished["_id"]  # a retry finishes what an outage broke off
        else:
            if on_stored:
                on_stored()
        stored_ms = _ms_since(started)
        try:
            timings = {"turn": 0.0}
            result = await self._process(msg, message_id, doc, timings)
            result.timings.update(store=stored_ms, turn=timings["turn"], hub=_ms_since(started))
            return result
        except Exception:
            # stored, not handled (MongoDB went away half-way): the sender's retry resumes it
            self._interrupted.add(message_id)
            with contextlib.suppress(Exception):
                await self.messages.update_one(
                    {"_id": message_id, "status": {"$in": [*UNFINISHED, "resuming"]}}, {"$set": {"status": "interrupted"}}
                )
            raise

    async def _claim_unfinished(self, dedup_key: str) -> dict[str, Any] | None:
        """The stored message of a retried delivery whose handling broke off, claimed by one retry only."""
        first = await self.messages.find_one({"dedup_key": dedup_key}, {"status": 1, "created_at": 1})
        if first is None or first.get("status") not in UNFINISHED:
            return None
        broken_off = (
            first["status"] == "interrupted"
            or first["_id"] in self._interrupted
            or first["created_at"] < utcnow() - timedelta(seconds=RESUME_AFTER_S)  # the hub stopped half-way
        )
        if not broken_off:
            return None  # still being handled: an ordinary duplicate
        claimed = await self.messages.find_one_and_update(
            {"_id": first["_id"], "status": first["status"]},
            {"$set": {"status": "resuming"}},
            return_document=ReturnDocument.AFTER,
        )
        self._interrupted.discard(first["_id"])
        return claimed

    @contextlib.asynccontextmanager
    async def _turn(self, timings: dict[str, float]) -> AsyncIterator[None]:
        """The bulkhead around the database work of a message (not around the bot: Rasa queues its own)."""
        waiting = time.perf_counter()
        async with self._turns:
            timings["turn"] = timings.get("turn", 0.0) + _ms_since(waiting)
            yield

    async def _process(
        self, msg: InboundMessage, message_id: str, doc: dict[str, Any], timings: dict[str, float]
    ) -> PipelineResult:
        """Conversation and contact, then the bot or the desk; the message's link is written with its outcome."""
        async with self._turn(timings):
            opening = time.perf_counter()
            # a new conversation is written while Rasa thinks (the web form's has no bot: written now)
            conv, opened, create = await self._plan_conversation(msg, defer=msg.channel not in self.desk_only)
            if satisfaction.awaits_grade(conv):  # the satisfaction question went out: is this the grade?
                grade = satisfaction.parse_grade(msg.text, msg.payload)
                if grade is not None:
                    return await self._grade_turn(conv, msg, message_id, doc, grade)
            if conv["state"] == State.CLOSED.value:  # kept its address only for the grade: a new question opens a new one
                await self.conversations.update_one(
                    {"_id": conv["_id"], "open_key": conv["open_key"]}, {"$set": {"open_key": f"closed:{conv['_id']}"}}
                )
                conv, opened = await self._open_conversation(msg)
            timings["open"] = _ms_since(opening)
        seq = conv["seq"] - SEQ_BLOCK + 1  # this message's number; the block's next ones are for its replies
        link = {"conversation_id": conv["_id"], "contact_id": conv["contact_id"], "seq": seq}
        self.live.publish(conv["_id"], message_view({**doc, "seq": seq}))
        steps = [events.event(EventType.CONVERSATION_OPENED, conv["_id"], channel=msg.channel,
                              contact_id=conv["contact_id"])] if opened else []
        steps.append(events.event(EventType.MESSAGE_IN, conv["_id"], channel=msg.channel))
        state = State(conv["state"])
        if msg.channel in self.desk_only:
            async with self._turn(timings):
                return await self._desk_turn(conv, msg, message_id, link, steps)
        if state is State.BOT:
            return await self._bot_turn(conv, msg, message_id, doc, link, steps, timings, create)
        async with self._turn(timings):  # queued or with an agent
            return await self._agent_turn(conv, msg, message_id, link, steps)

    async def _duplicate(self, dedup_key: str) -> PipelineResult:
        """A provider retried: answer with what the first delivery produced, store nothing new."""
        first = await self.messages.find_one({"dedup_key": dedup_key})
        conv_id = first.get("conversation_id") if first else None
        if first and not conv_id:  # the first delivery is still being answered: its conversation is the open one
            found = await self.conversations.find_one({"open_key": f"{first['channel']}:{first['address']}"}, {"_id": 1})
            conv_id = found["_id"] if found else None
        conv = await self.conversations.find_one({"_id": conv_id}) if conv_id else None
        replies: list[Reply] = []
        if first and conv:
            cursor = self.messages.find(
                {"conversation_id": conv_id, "in_reply_to": first["_id"]}
            ).sort("seq", 1)
            replies = [Reply(text=m["text"], buttons=m.get("buttons", [])) async for m in cursor]
        state = State(conv["state"]) if conv else State.BOT
        meta = Meta(state=state, **(first or {}).get("meta", {"action": "fallback"}))
        return PipelineResult(conversation_id=conv_id or "", replies=replies, meta=meta, duplicate=True)

    # ------------------------------------------------------------------ bot
    async def _bot_turn(
        self,
        conv: dict[str, Any],
        msg: InboundMessage,
        message_id: str,
        doc: dict[str, Any],
        link: dict[str, Any],
        steps: list[Event],
        timings: dict[str, float],
        create: Callable[[], Awaitable[dict[str, Any]]] | None = None,
    ) -> PipelineResult:
        """Ask the bot; store its replies and the message's outcome; events are written after the answer.

        ``create`` writes a new conversation (and contact): it runs while the bot thinks, and is done
        before anything else is stored. Should a first message of the same address have opened the
        conversation meanwhile (the unique key says so), this message is handled again in that one.
        """
        creating = self._tasks.spawn(create()) if create is not None else None
        asked = time.perf_counter()
        crisis = self.crisis.answer(msg.text) if msg.text and not msg.payload else None
        if crisis is not None:  # crisis mode: a question about the crisis gets its article at once (hub/conversations/crisis.py)
            answer, failure = BotAnswer(replies=[crisis.article_reply()], meta={"action": "answer", "article": crisis.article,
                                                                                 "intent": "crisis"}), None
            # Rasa's record of the conversation gets the answer too: a later "bedankt" is then a sign-off
            # after a question dealt with (the satisfaction question), as after any answer of the bot.
            self._tasks.spawn(self.bot.tracker_event(conv["_id"], bot_event(answer.replies[0].text, answer.meta)))
        else:
            answer, failure = await self._ask_bot(conv, msg)
        timings["bot"] = _ms_since(asked)
        if creating is not None and (await creating)["_id"] != conv["_id"]:  # raced: answer in the other conversation
            log.info("a first message raced another: answered again in its conversation", extra={"conversation_id": conv["_id"]})
            return await self._process(msg, message_id, doc, timings)
        async with self._turn(timings):
            saving = time.perf_counter()
            if failure:  # the bot could not answer: an agent takes over and the resident is told so
                replies, author = [Reply(text=BOT_DOWN_TEXT)], "system"
                meta = Meta(state=State.QUEUED, action="handover")
                handover: tuple[str, dict[str, Any]] | None = (failure, {"reason": failure})
            else:
                raw = answer.meta
                action = raw.get("action") or "fallback"
                meta = Meta(
                    state=State.QUEUED if action == "handover" else State.BOT,
                    intent=raw.get("intent"), confidence=raw.get("confidence"), article=raw.get("article"), action=action,
                    appointment=raw.get("appointment") if action == "appointment" else None,
                )
                replies, author = answer.replies, "bot"
                handover = (raw.get("reason", "bot"), raw.get("summary", {})) if action == "handover" else None
                steps.append(events.event(
                    EventType.for_bot(action), conv["_id"], intent=meta.intent, article=meta.article, channel=msg.channel,
                    **({"question_key": raw["question_key"]} if raw.get("question_key") else {}),
                ))
                if satisfaction.after_answer(raw):  # signs off after a question the bot dealt with
                    replies = await self.ask_satisfaction(conv, replies)
                if not conv.get("social_domain"):  # need-to-know: a social-domain topic restricts the conversation
                    await need_to_know.mark_for_topics(self.db, conv["_id"], [meta.intent, meta.article], by="bot")
            notice = None if crisis else self.crisis.first_reply_notice(link["seq"])
            if notice is not None:  # crisis mode: the first reply of a new conversation starts with the notice
                replies = [notice, *replies]
            first_seq = link["seq"] + 1
            if len(replies) >= SEQ_BLOCK:  # more replies than the message reserved numbers for: take fresh ones
                updated = await self.conversations.find_one_and_update(
                    {"_id": conv["_id"]}, {"$inc": {"seq": len(replies)}}, return_document=AFTER
                )
                first_seq = updated["seq"] - len(replies) + 1
            outcome = {**link, "status": "handled", "meta": meta.model_dump(exclude={"state"})}  # a retry answers the same
            outs = await self._store_replies(
                conv, replies, author, message_id, first_seq=first_seq, steps=steps, outcome=(message_id, outcome)
            )
            timings["save"] = _ms_since(saving)
            if self._events.add(steps):
                self._tasks.spawn(self._log_events_soon())
            self._deliver_all(conv, outs)
            if handover:  # after the bot's words: an agent's greeting must not come before them
                await self.handover(conv["_id"], reason=handover[0], summary=handover[1])
        return PipelineResult(conversation_id=conv["_id"], replies=replies, meta=meta, timings=timings)

    async def _log_events_soon(self) -> None:
        await asyncio.sleep(EVENTS_AFTER_S)
        await until_stored(self._events.flush)

    async def _ask_bot(self, conv: dict[str, Any], msg: InboundMessage) -> tuple[Any, str | None]:
        """The bot's answer, or why there is none (``bot_unavailable``, ``bot_error``)."""
        metadata = {
            "channel": msg.channel,
            "conversation_id": conv["_id"],
            "contact_id": conv["contact_id"],
            **{k: v for k, v in msg.metadata.items() if k in ("page_url", "location")},
        }
        if msg.location:
            metadata["location"] = msg.location.model_dump()
        if msg.attachments:
            metadata["attachments"] = [a.model_dump() for a in msg.attachments]
        # Rasa's NLU fails on an empty text: a photo or a location alone is an "inform"
        # (the forms read the attachment or place from the metadata).
        text = msg.payload or msg.text or "/inform"
        try:
            answer = await self.bot.ask(conv["_id"], text, metadata)
        except BotUnavailable as exc:
            log.warning("bot unavailable, conversation queued", extra={"conversation_id": conv["_id"], "reason": str(exc)})
            return None, "bot_unavailable"
        if not answer.replies and not answer.meta:
            # Rasa answers 200 with nothing when a custom action fails (the action server is down
            # or raised): the resident would wait for ever, so an agent takes over.
            log.warning("bot gave no answer, conversation queued", extra={"conversation_id": conv["_id"]})
            return None, "bot_error"
        return answer, None

    # ------------------------------------------------------------------ state
    async def handover(self, conversation_id: str, reason: str, summary: dict[str, Any]) -> None:
        """Queue the conversation for its team (the desk port); Rasa pauses its side."""
        if await self.desk.enqueue(self, conversation_id, reason, summary):
            self._tasks.spawn(self.bot.tracker_event(conversation_id, {"event": "pause"}))

    async def log_events(self) -> None:
        """Write the bot path's events now (before a staff figure that counts them)."""
        if len(self._events):
            await self._events.flush()

    async def drain(self) -> None:
        """Wait for background deliveries and event writes (used at shutdown and by tests)."""
        await self._tasks.drain()

    # ------------------------------------------------------------------ reads
    async def messages_after(self, conversation_id: str, after: int) -> list[dict[str, Any]] | None:
        conv = await self.conversations.find_one({"_id": conversation_id}, {"state": 1})
        if conv is None:
            return None
        cursor = self.messages.find({"conversation_id": conversation_id, "seq": {"$gt": after}}).sort("seq", 1)
        return [message_view(m) async for m in cursor]

    async def conversation_state(self, conversation_id: str) -> State | None:
        conv = await self.conversations.find_one({"_id": conversation_id}, {"state": 1})
        return State(conv["state"]) if conv else None


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
