"""The event vocabulary: every step of a conversation, and every notification of the agent desk.

``EventType`` names them all. ``hub.core.events.emit`` is the one way to say that a step
happened: a *logged* type is written to the ``events`` collection as
``{_id, type, conversation_id, at (UTC), **fields}`` and then published on the bus; a
*desk-only* type (``logged`` false: a note, a presence change, a resident's message while
an agent has the conversation) is only published, for the router, the wait notifier, Slack
and the consoles. The stored ``type`` strings never change: statistics and old events read them.

Statistics (``hub.stats.figures``) are computed from the logged events only, so this module
is the contract between the modules that write events and the figures supervisors see.

Every event also carries ``channel``, ``team`` and ``topic`` where the writer knows them
(``COMMON_FIELDS``), so figures can be filtered. When an event lacks one of them, the
statistics take it from the other events of the same conversation: the channel of the
conversation, its last team, its last topic (else the last article the bot showed, else the
last topic intent).

No event carries personal data: no names, phone numbers, e-mail addresses, BSNs or message
texts. Staff are named by username (``agent``); figures about staff are shown per team only.
Contact events name contacts by id only (``hub.gdpr.rights`` removes those ids on erasure).

Some steps have two names: the one in this vocabulary and the one the first writers used
(``transferred`` for ``transfer``, ``agent_reply`` for every agent message, ``handover`` for
entering the queue, ``callback_attempt`` with outcome ``done``, ``case_status`` with status
``afgehandeld``). The groups at the end of this module list which types count as which step,
so the figures are right for both. The statistics name types as module constants
(``event_types.CLOSED``); those are the ``EventType`` members themselves.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

COMMON_FIELDS = ("channel", "team", "topic")
BOT_PREFIX = "bot_"  # the pipeline writes bot_<action> for every action of hub.core.models.Action


def _logged(value: str, doc: str, *fields: str) -> tuple[str, str, tuple[str, ...], bool]:
    return value, doc, fields, True


def _desk(value: str, doc: str, *fields: str) -> tuple[str, str, tuple[str, ...], bool]:
    return value, doc, fields, False


class EventType(StrEnum):
    """One step or desk notification; the member's value is the stored ``type`` string.

    ``doc`` says what happened, ``fields`` what the event carries besides ``conversation_id``
    and ``at``, ``logged`` whether it is written to the ``events`` collection.
    """

    doc: str
    fields: tuple[str, ...]
    logged: bool

    def __new__(cls, value: str, doc: str, fields: tuple[str, ...], logged: bool) -> EventType:
        member = str.__new__(cls, value)
        member._value_ = value
        member.doc = doc
        member.fields = fields
        member.logged = logged
        return member

    @classmethod
    def for_bot(cls, action: str) -> EventType:
        """The type of the bot's answer with ``action`` (one of ``hub.core.models.Action``)."""
        return cls(f"{BOT_PREFIX}{action}")

    # ------------------------------------------------------------ messages and the bot
    CONVERSATION_OPENED = _logged(
        "conversation_opened", "A new conversation started on a channel (first message of an address); contact_id "
        "lets the statistics find a follow-up contact on the same topic.", "channel", "contact_id"
    )
    MESSAGE_IN = _logged(
        "message_in", "A resident's message was stored (the consoles hear it as 'message').", "channel"
    )
    MESSAGE_OUT = _logged(
        "message_out", "A reply was stored for delivery; author is bot, agent or system.", "author", "channel"
    )
    DELIVERY_FAILED = _logged(
        "delivery_failed", "A reply could not be delivered on its channel after every retry; the agents see it.",
        "channel", "message_id",
    )
    BOT_ANSWER = _logged(
        "bot_answer", "The bot answered from the knowledge base (article = the article shown).",
        "intent", "article", "channel",
    )
    BOT_CLARIFY = _logged(
        "bot_clarify", "The bot was unsure and offered a few articles to choose from.",
        "intent", "article", "channel", "question_key",
    )
    BOT_FALLBACK = _logged(
        "bot_fallback", "The bot did not understand the question. question_key (optional) is the group key "
        "of knowledge.unanswered, without personal data; else the statistics group on intent.",
        "intent", "article", "channel", "question_key",
    )
    BOT_STATUS = _logged("bot_status", "The bot told the resident the status of their case.", "intent", "channel")
    BOT_MELDING = _logged("bot_melding", "The bot took a report (melding openbare ruimte).", "intent", "channel")
    BOT_CALLBACK = _logged("bot_callback", "The bot took a callback request.", "intent", "channel")
    BOT_APPOINTMENT = _logged(
        "bot_appointment", "The bot offered, booked, moved or cancelled a desk appointment (issue 17).", "intent", "channel"
    )
    BOT_DATA_ACCESS = _logged(
        "bot_data_access", "The bot answered 'who has looked at my data?' (from the audit log; issue 9).", "intent", "channel"
    )
    BOT_HANDOVER = _logged(
        "bot_handover", "The bot handed the conversation to the agents (a handover event follows).", "intent", "channel"
    )
    BOT_GREET = _logged("bot_greet", "The bot answered a greeting.", "intent", "channel")
    BOT_NOTIFY = _logged("bot_notify", "The bot asked or recorded how the resident wants news (issue 17).", "intent", "channel")
    BOT_REFERRAL = _logged("bot_referral", "The bot referred the resident to a partner organisation.", "intent", "channel")
    BOT_THANKS = _logged("bot_thanks", "The bot answered a thank-you.", "intent", "channel")
    BOT_OUT_OF_SCOPE = _logged(
        "bot_out_of_scope", "The bot said the question is not for the municipality.", "intent", "channel"
    )

    # ------------------------------------------------------------ the agent desk
    HANDOVER = _logged(
        "handover", "The conversation was handed to the agents (reason: asked_for_person, angry, "
        "bot_could_not_help, bot_unavailable, ...); it enters the queue of team. The consoles hear it as 'queued'.",
        "reason", "team", "priority", "topic",
    )
    QUEUED = _logged("queued", "The conversation entered (or re-entered) the queue of a team.", "team", "priority")
    ASSIGNED = _logged(
        "assigned", "An agent took the conversation (how: auto, manual, transfer).", "agent", "team", "how", "waited_s"
    )
    REQUEUED = _logged(
        "requeued", "An agent's conversation went back to the front of the queue.", "agent", "why", "team"
    )
    AGENT_REPLY = _logged(
        "agent_reply", "An agent sent a message to the resident (the consoles hear it as 'agent_message').",
        "agent", "channel", "article",
    )
    FIRST_AGENT_REPLY = _logged("first_agent_reply", "The first message of an agent in this conversation.", "agent")
    TRANSFER = _logged("transfer", "The conversation moved to another agent or team.", "by", "to_agent", "to_team")
    TRANSFERRED = _logged(
        "transferred", "Same as transfer (name used by handover.lifecycle).", "by", "to_agent", "to_team"
    )
    HANDED_BACK = _logged("handed_back", "The agent gave the conversation back to the bot.", "by")
    SPECIALIST_ASKED = _logged(
        "specialist_asked", "An agent asked a backoffice specialist (to_agent) or department (to_team) to help "
        "(mode: consult = read along and write notes, the agent keeps the conversation; transfer = the specialist "
        "takes it over).", "by", "mode", "to_agent", "to_team", "team",
    )
    SPECIALIST_ACCEPTED = _logged(
        "specialist_accepted", "The specialist (agent) accepted the request; with mode transfer they hold the "
        "conversation now.", "agent", "mode", "to_team", "team",
    )
    SPECIALIST_RETURNED = _logged(
        "specialist_returned", "The specialist (agent) gave the request back to the KCC with a note (to: the agent "
        "who got it back, or none when it went to the front of the team's queue).", "agent", "mode", "to", "team",
    )
    CLOSED = _logged(
        "closed", "The conversation was closed (outcome: answered, case_created, callback_created, referred, "
        "no_answer_needed).", "by", "outcome", "team",
    )
    ABANDONED = _logged(
        "abandoned", "The resident left before an agent came (closed the chat, or no reaction while queued).", "team"
    )
    AGENT_PRESENCE = _logged(
        "agent_presence", "An agent's status changed (status: available, busy, away, offline). The interval "
        "until the agent's next presence event counts as online when the status is available or busy.",
        "agent", "status", "team",
    )
    AFTER_HOURS_REQUEST = _logged(
        "after_hours_request", "Outside office hours the resident left a phone number or e-mail address "
        "(kind: phone or email; the value stays on the conversation).", "kind", "team",
    )
    CONTACT_MOMENT = _logged(
        "contact_moment", "An agent registered a phone call or a visit at the desk as a closed conversation.",
        "channel", "outcome", "by",
    )

    # ------------------------------------------------------------ cases and callbacks
    CASE_CREATED = _logged(
        "case_created", "A case (zaak) was created; case_type is its type (hub.cases.store.CASE_TYPES; older events: kind).",
        "case_number", "case_type",
    )
    CASE_STATUS = _logged(
        "case_status", "A case changed status; afgehandeld means answered.", "case_number", "status"
    )
    CASE_STATUS_NOT_PUSHED = _logged(
        "case_status_not_pushed", "A case's new status could not be told to the resident (reason: no_conversation).",
        "case_number", "reason",
    )
    ANSWER_DEADLINE_MET = _logged(
        "answer_deadline_met", "A case was answered within its answer deadline (five working days).", "case_number", "due_at"
    )
    ANSWER_DEADLINE_MISSED = _logged(
        "answer_deadline_missed", "A case was answered after its answer deadline.", "case_number", "due_at"
    )
    CALLBACK_CREATED = _logged(
        "callback_created", "A resident asked to be called back; due_at is the deadline (two working days). "
        "Without due_at the statistics compute it with the hub's working-day calendar.",
        "callback_id", "due_at",
    )
    CALLBACK_ATTEMPT = _logged(
        "callback_attempt", "A call attempt (outcome: done or not_reached); done closes the request.",
        "callback_id", "outcome",
    )
    CALLBACK_DONE = _logged("callback_done", "The resident was called back.", "callback_id", "on_time")
    CALLBACK_OVERDUE = _logged("callback_overdue", "An open callback request passed its deadline.", "callback_id")
    APPOINTMENT_BOOKED = _logged(
        "appointment_booked", "An appointment was booked in a product's calendar; by is 'resident', 'bot' or a username.",
        "appointment", "product", "by",
    )
    APPOINTMENT_MOVED = _logged("appointment_moved", "An appointment moved to another slot.", "appointment", "product", "by")
    APPOINTMENT_CANCELLED = _logged(
        "appointment_cancelled", "An appointment was cancelled; its calendar event is gone.", "appointment", "product", "by"
    )
    APPOINTMENT_REMINDED = _logged(
        "appointment_reminded", "The resident was reminded the working day before (sent: false when there was no "
        "conversation to send it in).", "appointment", "sent",
    )
    CASE_OVERDUE = _logged("case_overdue", "An open case passed its answer deadline.", "case_number")
    # ------------------------------------------------------------ notifications, crisis mode, referrals (issue 17)
    CONSENT_RECORDED = _logged(
        "consent_recorded", "A resident said yes or no to messages (topics, given, channel; the wording is on the contact).",
        "topics", "given", "channel",
    )
    NOTICE_QUEUED = _logged(
        "notice_queued", "A case event for the resident was queued (kind: received, status, missing_document, "
        "term_at_risk, decided); wakes the notifier.", "notice", "kind", "case_number",
    )
    NOTICE_SENT = _logged("notice_sent", "A queued notice was stored and handed to the resident's chosen channel.",
                          "notice", "kind", "channel")
    NOTICE_SKIPPED = _logged("notice_skipped", "A queued notice was not sent (reason: no_consent, no_contact).",
                             "notice", "kind", "reason")
    CRISIS_ON = _logged("crisis_on", "Crisis mode was switched on (by, article).", "crisis", "by", "article")
    CRISIS_OFF = _logged("crisis_off", "Crisis mode was switched off.", "crisis", "by")
    CRISIS_BROADCAST = _logged(
        "crisis_broadcast", "A crisis broadcast made progress or finished (sent, skipped, total).", "crisis", "sent", "done",
    )
    REFERRAL = _logged(
        "referral", "The bot or an agent referred the resident to a partner organisation (partner: its id).",
        "partner", "by", "channel",
    )
    CONVERSATION_MARKED = _logged(
        "conversation_marked", "A conversation became confidential (social domain): staff with the right only. "
        "by is a username, the bot or a case's creator; why says which topic or case.", "by", "why", "social_domain",
    )
    CONVERSATION_UNMARKED = _logged(
        "conversation_unmarked", "Staff with the right took a conversation's confidential mark away.", "by", "why"
    )

    # ------------------------------------------------------------ contacts
    IDENTITY_CONFLICT = _logged(
        "identity_conflict", "A signed identity named another contact than the channel address's; the message "
        "was linked to the identity's contact and the two were not mixed.", "contact_id", "other_contact_id",
    )
    CONTACT_LINKED = _logged(
        "contact_linked", "Staff tied a conversation to a contact.", "contact_id", "by"
    )
    CONTACTS_MERGED = _logged(
        "contacts_merged", "Two contacts were merged (source into target; merge_id undoes it).",
        "merge_id", "target_id", "source_id", "by",
    )
    CONTACTS_UNMERGED = _logged("contacts_unmerged", "A merge of two contacts was undone.", "merge_id", "by")

    # ------------------------------------------------------------ the resident's verdict
    SATISFACTION = _logged(
        "satisfaction", "The resident's answer to the satisfaction question: a Dutch school grade 1-10 with "
        "scale 10 (events without scale are the former 1-5 scores, shown apart). Optional for the resident; "
        "one per conversation.", "score", "scale", "channel", "team", "topic",
    )

    # ------------------------------------------------------------ desk only (not logged)
    RESIDENT_MESSAGE = _desk(
        "resident_message", "The resident wrote while the conversation is queued or with an agent "
        "(agent: the assignee, state: the conversation's state).", "message_id", "agent", "state",
    )
    REASSIGNED = _desk(
        "reassigned", "A transfer gave the conversation straight to a colleague, who holds it now (the log has "
        "it as transferred; the consoles hear it as 'assigned' with how transfer).", "agent", "team", "how",
    )
    NOTE = _desk("note", "An internal note was added to the conversation (transfer, hand-back, case, ...).")
    MARKED = _desk("marked", "Staff marked a conversation confidential or took the mark away.", "team")
    PRESENCE = _desk(
        "presence", "An agent's presence was set or changed (presence: available, busy, away, offline; "
        "teams when the agent set it).", "agent", "presence", "teams",
    )
    RESIDENT_LEFT = _desk(
        "resident_left", "The resident ended the chat while an agent has the conversation; the agent closes it.",
        "team", "text",
    )
    CALLBACK_REQUEST = _desk(
        "callback_request", "Outside office hours the resident left an address or number the agents "
        "answer when the desk opens.", "team",
    )


def __getattr__(name: str) -> Any:
    """``event_types.CLOSED`` is ``EventType.CLOSED`` (the statistics' pipelines name the types so)."""
    try:
        return EventType[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


# ---------------------------------------------------------------- groups the statistics use
#: the bot handled the request without a person
BOT_RESOLVED = (EventType.BOT_ANSWER, EventType.BOT_STATUS, EventType.BOT_MELDING)
#: the bot could not answer: counted in "top unanswered questions"
BOT_UNANSWERED = (EventType.BOT_FALLBACK, EventType.BOT_CLARIFY)
#: the conversation entered the agents' queue (the first of these is the start of the wait)
QUEUE_ENTRY = (EventType.HANDOVER, EventType.QUEUED)
#: an agent wrote to the resident (the first of these ends "time to first agent reply")
AGENT_REPLIES = (EventType.FIRST_AGENT_REPLY, EventType.AGENT_REPLY)
TRANSFERS = (EventType.TRANSFER, EventType.TRANSFERRED)
#: the agent's handling ended (closed, or given back to the bot)
HANDLING_ENDS = (EventType.CLOSED, EventType.HANDED_BACK)
#: a case counts as answered at the first of these
CASE_ANSWERED = (EventType.ANSWER_DEADLINE_MET, EventType.ANSWER_DEADLINE_MISSED)
CASE_ANSWERED_STATUS = "afgehandeld"
CASE_WITHDRAWN_STATUS = "ingetrokken"
CALLBACK_DONE_OUTCOME = "done"
#: presence statuses in which an agent is working at the desk
ONLINE_STATUSES = ("available", "busy")
CALLBACK_TYPES = (
    EventType.CALLBACK_CREATED, EventType.CALLBACK_ATTEMPT, EventType.CALLBACK_DONE, EventType.CALLBACK_OVERDUE
)
CASE_TYPES = (EventType.CASE_CREATED, EventType.CASE_STATUS, *CASE_ANSWERED, EventType.CASE_OVERDUE)


def describe() -> list[dict[str, object]]:
    """The logged vocabulary as data (for the API documentation and the dashboard's help)."""
    return [{"type": t.value, "description": t.doc, "fields": [*t.fields]} for t in EventType if t.logged]
