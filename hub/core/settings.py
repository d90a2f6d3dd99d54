"""All configuration, read from the environment (prefix ``KCC_``), documented in .env.example."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KCC_", env_file=".env", extra="ignore")

    # --- the hub's own HTTP server
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = Field(
        "http://127.0.0.1:8080",
        description="URL at which providers and residents reach the hub (webhook signatures use it)",
    )
    municipality: str = "Lindewaard"
    site_url: str = "https://www.lindewaard.nl"
    log_level: str = "INFO"
    data_dir: Path = ROOT / "var"

    # --- storage: any MongoDB; without a URL the scripts start SecantusDB on mongo_port
    mongodb_url: str | None = None
    mongodb_db: str = "kcc"
    mongo_port: int = 27217
    mongo_server_selection_timeout_ms: int = Field(
        2000, ge=100, description="give up on an unreachable MongoDB after this long (requests answer 503, not hang)"
    )
    storage_retry_after_s: int = Field(5, ge=1, description="Retry-After of a 503 while MongoDB is unreachable")
    bus: Literal["local", "mongo"] = Field(
        "local",
        description="live updates (web chat and console sockets): 'local' in this process only (one hub); 'mongo' "
        "also to the other hubs on the same database, through the capped collection 'bus' and its change stream",
    )

    # --- Rasa server and action server
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_port: int = 5005
    rasa_timeout_s: float = 15.0
    rasa_pause_s: float = Field(
        5.0, ge=0, description="after Rasa failed to answer, hand over without asking it for this long (circuit breaker)"
    )
    pipeline_concurrency: int = Field(
        3, ge=1,
        description="resident messages whose database steps (open, store the answer, hand over) run at once per hub; "
        "the rest wait their turn, so a burst does not crowd the database and the agents' consoles stay quick",
    )
    bot_concurrency: int = Field(
        8, ge=1,
        description="questions with Rasa at once per hub; the rest wait in line outside Rasa's time-out",
    )
    actions_url: str = "http://127.0.0.1:5055"
    actions_port: int = 5055
    rasa_model_dir: Path = ROOT / "var" / "models"
    rasa_tracker_database: str = Field(
        "", description="the database of Rasa's MongoDB tracker store on the hub's MongoDB server (compose: rasa); "
        "empty: Rasa keeps trackers in memory. Erasure deletes a resident's trackers there",
    )

    # --- knowledge search: embedded Tantivy unless an Elasticsearch URL is given
    elasticsearch_url: str | None = None
    elasticsearch_index: str = "kcc-articles"
    elasticsearch_api_key: str | None = Field(
        None, description="Elasticsearch API key: the encoded key, or 'id:api_key'"
    )
    elasticsearch_username: str | None = Field(None, description="basic auth instead of an API key")
    elasticsearch_password: str | None = None
    elasticsearch_ca_certs: Path | None = Field(
        None, description="PEM file of the CA that signed the server's certificate (https URLs)"
    )
    elasticsearch_verify_certs: bool = True
    elasticsearch_request_timeout_s: float = Field(10.0, gt=0)
    elasticsearch_max_retries: int = Field(
        3, ge=0, description="the client's retries on another node or connection after a failure"
    )
    elasticsearch_retry_on_timeout: bool = Field(True, description="also retry a timed-out request")
    knowledge_content_dir: Path = ROOT / "knowledge" / "content"
    knowledge_schedule_sweep_s: float = Field(
        60.0, gt=0, description="safety sweep of scheduled article publication (a hub wakes at its own schedules' moment)"
    )

    # --- web chat and public endpoints
    max_text_chars: int = 4000
    max_body_bytes: int = 64 * 1024
    webchat_photo_max_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="largest photo a resident may send in the web chat (jpeg, png, heic, webp)"
    )
    webchat_rate_per_minute: int = Field(30, ge=0, description="messages per web chat session per minute; 0 = no limit")
    webchat_openers_file: Path = ROOT / "channels" / "webchat_openers.yaml"
    webchat_welcome_file: Path = ROOT / "channels" / "webchat_welcome.yaml"
    # --- look and feel: NL Design System components from var/node, tokens from a theme file (hub/web/theme.py)
    theme_file: Path = Field(
        ROOT / "hub" / "web" / "nlds" / "theme" / "theme.json",
        description="the municipality's design tokens (colours, font, logo) as JSON; files it names sit beside it",
    )
    node_dir: Path = Field(ROOT / "var" / "node", description="npm packages installed by scripts/setup.sh (NLDS CSS)")
    webchat_origins: str = Field(
        "*",
        description="web sites whose pages may embed the chat: '*' (any) or a comma list such as "
        "'https://www.lindewaard.nl,https://lindewaard.nl'; CORS on the web chat API only, never on staff APIs",
    )
    # rate limits (hub/web/ratelimit.py): each hub process counts on its own
    rate_limits_enabled: bool = Field(True, description="false switches every rate limit off (load benches)")
    rate_limit_per_ip_per_minute: int = Field(
        600, ge=0, description="requests per client IP per minute to /api/v1/webchat/* and /webhooks/*; 0 = no limit"
    )
    trusted_proxy_hops: int = Field(
        0, ge=0, description="reverse proxies of our own in front of the hub; X-Forwarded-For is read only when > 0"
    )

    # --- demo mode (make run): demo staff accounts and demo channel secrets
    demo: bool = False

    # --- handover: agent queue, routing, office hours, console and the Slack desk (handover/)
    handover_teams: dict[str, str] = Field(
        {}, description="topic -> team; a topic is an article/intent slug or an article's department"
    )
    handover_default_team: str = "kcc"
    handover_priorities: dict[str, int] = Field(
        {"angry": 2, "bot_unavailable": 1, "bot_error": 1},
        description="handover reason or topic -> priority (higher is served first; default 0)",
    )
    handover_max_per_agent: int = Field(3, ge=1, description="concurrent conversations per agent")
    handover_answer_timeout_s: float = Field(
        120.0, description="an assigned agent who has not answered by then loses the conversation"
    )
    handover_offline_after_s: float = Field(
        30.0, description="an agent with no open console (no heartbeat) this long is offline"
    )
    handover_sweep_s: float = Field(
        30.0, gt=0, description="safety sweep of the router: how often it routes every team with a queue and looks "
        "for what another replica or a crash left; timeouts and offline agents are checked when they fall due",
    )
    handover_handle_minutes: float = Field(
        6.0, description="handling time per conversation used for the wait estimate until there is history"
    )
    handover_office_hours: dict[str, str] = Field(
        {d: "08:30-17:00" for d in ("mon", "tue", "wed", "thu", "fri")},
        description="weekday (mon..sun) -> 'HH:MM-HH:MM' in Europe/Amsterdam; missing day = closed",
    )
    handover_open_on_holidays: bool = Field(
        False, description="public holidays (hub.core.workdays calendar) are closed unless true"
    )
    handover_closed_days: list[date] = Field([], description="extra closed days, e.g. a staff day")
    handover_webchat_update_s: float = Field(
        20.0, description="web chat: at most one position/wait update per this many seconds"
    )
    handover_update_other_s: float = Field(
        300.0, description="other channels: a wait update only when it changed a lot, at most this often"
    )
    handover_abandon_after_s: float = Field(
        300.0, description="a queued web chat whose page has been gone this long is abandoned (0 = never)"
    )
    handover_max_attachment_bytes: int = 10 * 1024 * 1024
    slack_bot_token: str | None = Field(None, description="Slack desk: bot token (xoxb-...); off when empty")
    slack_channel: str | None = Field(None, description="Slack channel id where handover threads open")
    slack_signing_secret: str | None = None
    slack_api_base: str = "https://slack.com/api/"
    slack_agents: dict[str, str] = Field({}, description="Slack user id -> staff username")

    # --- channels (WhatsApp/SMS via Twilio, Telegram, Messenger/Instagram via Meta, e-mail)
    # A channel whose secrets are missing is switched off: its webhook answers 404.
    webhook_answer_s: float = Field(3.0, description="answer a provider webhook after at most this long")
    delivery_max_attempts: int = Field(5, description="tries per provider request before a send fails")
    delivery_backoff_s: float = Field(1.0, description="first wait after a 429/5xx; doubles every try")
    delivery_backoff_max_s: float = 30.0
    delivery_timeout_s: float = Field(15.0, description="time limit of one provider request")
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_from: str | None = Field(None, description="WhatsApp sender, e.g. +14155238886")
    twilio_sms_from: str | None = Field(None, description="SMS sender number")
    twilio_api_base: str = "https://api.twilio.com"
    whatsapp_template_sid: str | None = Field(
        None, description="approved template (Content SID, one variable {{1}}) for replies outside the 24-hour window"
    )
    whatsapp_window_h: float = 24.0
    telegram_bot_token: str | None = None
    telegram_secret_token: str | None = None
    telegram_api_base: str = "https://api.telegram.org"
    meta_verify_token: str | None = None
    meta_app_secret: str | None = None
    meta_page_token: str | None = None
    meta_graph_base: str = "https://graph.facebook.com/v21.0"
    email_address: str = Field("kcc@lindewaard.nl", description="the hub's own e-mail address (From, accepted To)")
    email_display_name: str | None = Field(None, description="From name; default 'Gemeente <municipality>'")
    email_extra_recipients: str = Field("", description="more accepted To addresses, comma-separated")
    webform_answer_days: int = Field(
        5, ge=1, le=30, description="web contact form: the answer term in working days (told in the receipt)"
    )
    email_max_bytes: int = Field(15 * 1024 * 1024, description="larger mail is refused (MongoDB keeps files up to 16 MB)")
    smtp_listen_host: str = "127.0.0.1"
    smtp_listen_port: int | None = Field(None, description="inbound SMTP listener (aiosmtpd); off when empty")
    smtp_relay_host: str | None = Field(None, description="outbound relay; e-mail replies fail without it")
    smtp_relay_port: int = 587
    smtp_relay_username: str | None = None
    smtp_relay_password: str | None = None
    smtp_relay_tls: Literal["none", "starttls", "tls"] = "starttls"
    imap_host: str | None = Field(None, description="mailbox to poll; off when empty")
    imap_port: int = 993
    imap_tls: bool = True
    imap_username: str | None = None
    imap_password: str | None = None
    imap_mailbox: str = "INBOX"
    imap_poll_s: float = 60.0

    # --- identity token from the municipality's portal (DigiD / eHerkenning), cases, callbacks
    identity_jwt_key: str | None = Field(
        None, description="HS256 shared secret, or RS256 public key (PEM text or path to a PEM file)"
    )
    identity_jwt_alg: Literal["HS256", "RS256"] = "HS256"
    identity_jwt_audience: str | None = None
    identity_jwt_issuer: str | None = None
    liberation_day_every_year: bool = True
    good_friday_off: bool = False
    callback_working_days: int = 2
    callback_max_attempts: int = 3
    # --- appointments (hub.cases.appointments): a CalDAV server; without a URL `kcc run` starts Radicale
    caldav_url: str | None = Field(None, description="the municipality's CalDAV server, e.g. https://agenda.example.nl/dav/")
    caldav_username: str | None = Field(None, description="CalDAV user; the local Radicale accepts any (default 'kcc')")
    caldav_password: str | None = None
    caldav_port: int = Field(5232, description="port of the local Radicale when KCC_CALDAV_URL is empty")
    caldav_timeout_s: float = Field(10.0, gt=0)
    caldav_create_calendars: bool | None = Field(
        None, description="create a missing product calendar on first use; default: only on the local Radicale"
    )
    appointment_min_lead_minutes: int = Field(60, ge=0, description="no slot starts sooner than this from now")
    appointment_horizon_days: int = Field(42, ge=1, description="slots are offered this many days ahead")
    appointment_reminder_hour: int = Field(
        9, ge=0, le=23, description="reminders go out at this hour (Europe/Amsterdam) on the working day before"
    )
    appointment_reminder_sweep_s: float = Field(900.0, gt=0, description="safety sweep of the reminder loop")
    answer_working_days: int = 5
    case_number_prefix: str = "Z"
    deadline_sweep_s: float = Field(
        300.0, gt=0, description="how often overdue callback requests and cases are looked for (deadlines are days)"
    )
    # --- notifications the resident chose, crisis mode, referrals (issue 17)
    whatsapp_notice_template_sid: str | None = Field(
        None, description="approved template for case notices outside WhatsApp's 24-hour window ({{1}} case number, "
        "{{2}} the news); without it the general KCC_WHATSAPP_TEMPLATE_SID carries the text",
    )
    notice_sweep_s: float = Field(300.0, gt=0, description="safety sweep of the notifier (it wakes on notice events)")
    notice_at_risk_working_days: int = Field(
        1, ge=0, description="a case's term counts as at risk this many working days before it runs out"
    )
    crisis_broadcast_per_minute: int = Field(60, ge=1, description="crisis broadcast messages per minute, per channel")
    crisis_sweep_s: float = Field(60.0, gt=0, description="safety sweep of the crisis broadcast (it wakes on crisis events)")
    private_chat_url: str | None = Field(
        None, description="where the bot sends residents from Facebook and Instagram for anything personal (default: the hub's /chat)"
    )

    # --- connectors: each one is switched on by its URL; without them the hub keeps its own records
    connector_timeout_s: float = 10.0
    connector_sync_s: float = 15.0
    brp_url: str | None = None
    brp_api_key: str | None = None
    brp_doelbinding: str = "BRPACT-AlgemeneTaken"
    brp_verwerking: str = "Klantcontact@KCC"
    kvk_url: str | None = None
    kvk_api_key: str | None = None
    zaken_url: str | None = None
    zaken_client_id: str | None = None
    zaken_secret: str | None = None
    zaken_bronorganisatie: str = "000000000"
    zaken_zaaktypen: dict[str, str] = {}
    zaken_statustypen: dict[str, str] = {}
    zaken_roltype_initiator: str | None = None
    zaken_resultaattypen: dict[str, str] = {}  # closing case status -> resultaattype URL (set before the eindstatus)
    klantinteracties_url: str | None = None
    klantinteracties_token: str | None = None
    klantinteracties_actor_uuid: str | None = None  # the team's actor for callbacks; unset: the bot's own actor

    # --- statistics: supervisor dashboard, figures API and service norms (hub/stats*.py, issue 8)
    norm_wait_p90_s: float = Field(120.0, description="norm: 90% of residents wait at most this long in the queue")
    norm_containment: float = Field(0.6, ge=0, le=1, description="norm: at least this share answered by the bot alone")
    norm_callback_on_time: float = Field(0.9, ge=0, le=1, description="norm: share of callbacks done within two working days")
    norm_answer_5_days: float = Field(0.9, ge=0, le=1, description="norm: share of questions (cases) answered within five working days")
    norm_abandoned: float = Field(0.1, ge=0, le=1, description="norm: at most this share of queued residents leaves before an agent comes")
    norm_satisfaction: float = Field(7.5, ge=1, le=10, description="norm: average satisfaction grade (1-10) at least this")
    # --- the KCC's response terms per channel (hub/cases/norms.py; callbacks: KCC_CALLBACK_WORKING_DAYS)
    norm_chat_pickup_s: float = Field(60.0, gt=0, description="term: an agent picks up a live web chat within this many seconds")
    norm_email_working_days: int = Field(5, ge=1, description="term: an e-mail is answered within this many working days")
    norm_webform_working_days: int = Field(5, ge=1, description="term: a web form is answered within this many working days")
    norm_social_working_days: int = Field(
        1, ge=1, description="term: a message on WhatsApp, SMS, Telegram, Messenger or Instagram is answered within this many working days"
    )
    norm_within_term: float = Field(0.95, ge=0, le=1, description="norm: at least this share of contacts handled within their term")
    norm_first_contact_resolution: float = Field(
        0.8, ge=0, le=1, description="norm: at least this share resolved without a follow-up contact on the same topic"
    )
    norm_follow_up_days: int = Field(7, ge=1, description="a contact on the same topic within this many days counts as a follow-up")
    norm_interim_hours: float = Field(
        4.0, gt=0, description="an interim message goes to the resident this many hours before a written or social term runs out"
    )
    norm_interim_sweep_s: float = Field(300.0, gt=0, description="how often the interim-message loop looks for terms about to run out")
    stats_min_group: int = Field(
        5, ge=1, description="satisfaction figures (and unanswered examples) about fewer than this many are suppressed"
    )
    stats_min_agents: int = Field(3, ge=1, description="figures about staff (occupancy) need at least this many agents")
    stats_refresh_s: float = Field(
        30.0, gt=0, description="how often the figures take in new events while the hub logs some (every 5 minutes without)"
    )

    # --- need-to-know and audit (hub/privacy/need_to_know.py, hub/gdpr/my_data_log.py, issue 9)
    social_domain_topics: list[str] = Field(
        [
            "bijstandsuitkering", "bijzondere-bijstand", "wmo-ondersteuning", "jeugdhulp", "schuldhulpverlening",
            "leerlingenvervoer", "mantelzorg", "gehandicaptenparkeerkaart",
        ],
        description="topics (intent / article slugs) that make a conversation social domain: staff with the right only",
    )
    data_access_max_items: int = Field(10, ge=1, le=100, description="web chat 'who looked at my data': lines shown")

    # --- staff accounts and sessions (hub/staff/auth.py, hub/staff/api.py, hub/staff/oidc.py, issue 9)
    session_ttl_hours: float = Field(9.0, gt=0, description="a staff session ends this long after log-in")
    session_idle_minutes: float = Field(30.0, gt=0, description="a staff session ends after this long without a request")
    login_max_failures: int = Field(5, ge=1, description="wrong passwords for one username before log-in waits")
    login_lockout_s: int = Field(300, ge=1, description="how long log-in waits after too many wrong passwords")
    oidc_issuer: str | None = Field(None, description="OpenID Connect provider of the municipality; log-in button when set")
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile email"
    oidc_roles_claim: str = Field("groups", description="ID-token claim holding the user's groups or roles")
    oidc_role_map: dict[str, str] = Field(
        {}, description="claim value -> hub role (agent, editor, supervisor, admin); no match = no access"
    )

    # --- AVG/GDPR: retention of closed conversations (hub/gdpr/retention.py, issue 9)
    retention_closed_conversation_days: int = Field(
        365, ge=0, description="closed conversations older than this are anonymised or deleted; 0 = keep for ever"
    )
    retention_mode: Literal["anonymise", "delete"] = "anonymise"
    retention_interval_minutes: float = Field(60.0, ge=0, description="how often the hub runs the retention job; 0 = off")

    @property
    def webchat_origin_list(self) -> list[str]:
        """``KCC_WEBCHAT_ORIGINS`` as origins (scheme://host[:port], no trailing slash); ``["*"]`` for any."""
        found = [o.strip().rstrip("/") for o in self.webchat_origins.split(",") if o.strip()]
        return ["*"] if not found or "*" in found else found

    @property
    def caldav_effective_url(self) -> str:
        """``KCC_CALDAV_URL``, else the local Radicale that ``kcc run`` and the tests start."""
        return self.caldav_url or f"http://127.0.0.1:{self.caldav_port}/"

    @property
    def cookies_secure(self) -> bool:
        """Cookies carry ``Secure`` whenever the hub is reached over https (TLS may end at the proxy)."""
        return self.public_url.lower().startswith("https://")


@lru_cache
def get_settings() -> Settings:
    return Settings()
