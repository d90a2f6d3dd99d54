"""The event vocabulary: every step of a conversation, as written to the ``events`` collection.

An event is ``{_id, type, conversation_id, at (UTC), **fields}`` (``hub.core.events.record``).
Statistics (``hub.stats.figures``) are computed from these events only, so this module is the
contract between the modules that write events and the figures supervisors see.

Every event also carries ``channel``, ``team`` and ``topic`` where the writer knows them
(``COMMON_FIELDS``), so figures can be filtered. When an event lacks one of them, the
statistics take it from the other events of the same conversation: the channel of the
conversation, its last team, its last topic (else the last article the bot showed, else the
last topic intent).

No event carries personal data: no names, phone numbers, e-mail addresses, BSNs or message
texts. Staff are named by username (``agent``); figures about staff are shown per team only.

Some steps have two names: the one in this vocabulary and the one the first writers used
(``transferred`` for ``transfer``, ``agent_reply`` for every agent message, ``handover`` for
entering the queue, ``callback_attempt`` with outcome ``done``, ``case_status`` with status
``afgehandeld``). The groups at the end of this module list which types count as which step,
so the figures are right for both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    doc: str
    fields: tuple[str, ...] = ()


COMMON_FIELDS = ("channel", "team", "topic")
VOCABULARY: dict[str, EventType] = {}


def _define(name: str, doc: str, *fields: str) -> str:
    VOCABULARY[name] = EventType(name, doc, fields)
    return name


# ---------------------------------------------------------------- messages and the bot
CONVERSATION_OPENED = _define(
    "conversation_opened", "A new conversation started on a channel (first message of an address).", "channel"
)
MESSAGE_IN = _define("message_in", "A resident's message was stored.", "channel")
MESSAGE_OUT = _define(
    "message_out", "A reply was stored for delivery; author is bot, agent or system.", "author", "channel"
)
BOT_ANSWER = _define(
    "bot_answer", "The bot answered from the knowledge base (article = the article shown).",
    "intent", "article", "channel",
)
BOT_CLARIFY = _define(
    "bot_clarify", "The bot was unsure and offered a few articles to choose from.",
    "intent", "article", "channel", "question_key",
)
BOT_FALLBACK = _define(
    "bot_fallback", "The bot did not understand the question. question_key (optional) is the group key "
    "of knowledge.unanswered, without personal data; else the statistics group on intent.",
    "intent", "article", "channel", "question_key",
)
BOT_STATUS = _define("bot_status", "The bot told the resident the status of their case.", "intent", "channel")
BOT_MELDING = _define("bot_melding", "The bot took a report (melding openbare ruimte).", "intent", "channel")
BOT_CALLBACK = _define("bot_callback", "The bot took a callback request.", "intent", "channel")
BOT_DATA_ACCESS = _define(
    "bot_data_access", "The bot answered 'who has looked at my data?' (from the audit log; issue 9).", "intent", "channel"
)
BOT_PREFIX = "bot_"  # the pipeline writes bot_<action> for every action of hub.core.models.Action

# ---------------------------------------------------------------- the agent desk
HANDOVER = _define(
    "handover", "The conversation was handed to the agents (reason: asked_for_person, angry, "
    "bot_could_not_help, bot_unavailable, ...); it enters the queue of team.",
    "reason", "team", "priority", "topic",
)
QUEUED = _define("queued", "The conversation entered (or re-entered) the queue of a team.", "team", "priority")
ASSIGNED = _define(
    "assigned", "An agent took the conversation (how: auto, manual, transfer).", "agent", "team", "how", "waited_s"
)
REQUEUED = _define("requeued", "An agent's conversation went back to the front of the queue.", "agent", "why", "team")
AGENT_REPLY = _define("agent_reply", "An agent sent a message to the resident.", "agent", "channel", "article")
FIRST_AGENT_REPLY = _define("first_agent_reply", "The first message of an agent in this conversation.", "agent")
TRANSFER = _define("transfer", "The conversation moved to another agent or team.", "by", "to_agent", "to_team")
TRANSFERRED = _define("transferred", "Same as transfer (name used by handover.lifecycle).", "by", "to_agent", "to_team")
HANDED_BACK = _define("handed_back", "The agent gave the conversation back to the bot.", "by")
CLOSED = _define(
    "closed", "The conversation was closed (outcome: answered, case_created, callback_created, referred, "
    "no_answer_needed).", "by", "outcome", "team",
)
ABANDONED = _define(
    "abandoned", "The resident left before an agent came (closed the chat, or no reaction while queued).", "team"
)
AGENT_PRESENCE = _define(
    "agent_presence", "An agent's status changed (status: available, busy, away, offline). The interval "
    "until the agent's next presence event counts as online when the status is available or busy.",
    "agent", "status", "team",
)

# ---------------------------------------------------------------- cases and callbacks
CASE_CREATED = _define(
    "case_created", "A case (zaak) was created; case_type is its type (hub.cases.store.CASE_TYPES; older events: kind).",
    "case_number", "case_type",
)
CASE_STATUS = _define("case_status", "A case changed status; afgehandeld means answered.", "case_number", "status")
ANSWER_DEADLINE_MET = _define(
    "answer_deadline_met", "A case was answered within its answer deadline (five working days).", "case_number", "due_at"
)
ANSWER_DEADLINE_MISSED = _define(
    "answer_deadline_missed", "A case was answered after its answer deadline.", "case_number", "due_at"
)
CALLBACK_CREATED = _define(
    "callback_created", "A resident asked to be called back; due_at is the deadline (two working days). "
    "Without due_at the statistics compute it with the hub's working-day calendar.",
    "callback_id", "due_at",
)
CALLBACK_ATTEMPT = _define(
    "callback_attempt", "A call attempt (outcome: done or not_reached); done closes the request.", "callback_id", "outcome"
)
CALLBACK_DONE = _define("callback_done", "The resident was called back.", "callback_id", "on_time")
CALLBACK_OVERDUE = _define("callback_overdue", "An open callback request passed its deadline.", "callback_id")
CASE_OVERDUE = _define("case_overdue", "An open case passed its answer deadline.", "case_number")
CONVERSATION_MARKED = _define(
    "conversation_marked", "A conversation became confidential (social domain): staff with the right only. "
    "by is a username, the bot or a case's creator; why says which topic or case.", "by", "why", "social_domain",
)
CONVERSATION_UNMARKED = _define(
    "conversation_unmarked", "Staff with the right took a conversation's confidential mark away.", "by", "why"
)

# ---------------------------------------------------------------- the resident's verdict
SATISFACTION = _define(
    "satisfaction", "The resident's answer to the satisfaction question (score 1-5; optional for the "
    "resident). The last score of a conversation counts.", "score", "channel", "team",
)

# ---------------------------------------------------------------- groups the statistics use
#: the bot handled the request without a person
BOT_RESOLVED = (BOT_ANSWER, BOT_STATUS, BOT_MELDING)
#: the bot could not answer: counted in "top unanswered questions"
BOT_UNANSWERED = (BOT_FALLBACK, BOT_CLARIFY)
#: the conversation entered the agents' queue (the first of these is the start of the wait)
QUEUE_ENTRY = (HANDOVER, QUEUED)
#: an agent wrote to the resident (the first of these ends "time to first agent reply")
AGENT_REPLIES = (FIRST_AGENT_REPLY, AGENT_REPLY)
TRANSFERS = (TRANSFER, TRANSFERRED)
#: the agent's handling ended (closed, or given back to the bot)
HANDLING_ENDS = (CLOSED, HANDED_BACK)
#: a case counts as answered at the first of these
CASE_ANSWERED = (ANSWER_DEADLINE_MET, ANSWER_DEADLINE_MISSED)
CASE_ANSWERED_STATUS = "afgehandeld"
CASE_WITHDRAWN_STATUS = "ingetrokken"
CALLBACK_DONE_OUTCOME = "done"
#: presence statuses in which an agent is working at the desk
ONLINE_STATUSES = ("available", "busy")
CALLBACK_TYPES = (CALLBACK_CREATED, CALLBACK_ATTEMPT, CALLBACK_DONE, CALLBACK_OVERDUE)
CASE_TYPES = (CASE_CREATED, CASE_STATUS, *CASE_ANSWERED, CASE_OVERDUE)


def describe() -> list[dict[str, object]]:
    """The vocabulary as data (for the API documentation and the dashboard's help)."""
    return [{"type": t.name, "description": t.doc, "fields": [*t.fields]} for t in VOCABULARY.values()]
