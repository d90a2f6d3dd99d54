"""The one rights check (hub.staff.auth): roles, rights by name and rights a role brings."""

from __future__ import annotations

from hub.staff.auth import PRIVACY, PUBLISH_KNOWLEDGE, SOCIAL_DOMAIN, has_right, has_role

AGENT = {"_id": "a", "roles": ["agent"], "rights": []}
CLEARED_AGENT = {"_id": "b", "roles": ["agent"], "rights": [SOCIAL_DOMAIN]}
SUPERVISOR = {"_id": "s", "roles": ["supervisor", "agent"], "rights": []}
PRIVACY_OFFICER = {"_id": "p", "roles": ["editor"], "rights": [PRIVACY]}
ADMIN = {"_id": "x", "roles": ["admin"]}


def test_roles_and_admin_passes_every_role_check():
    assert has_role(AGENT, "agent") and not has_role(AGENT, "supervisor")
    assert has_role(SUPERVISOR, "editor", "supervisor") and not has_role(SUPERVISOR, "editor")
    assert has_role(ADMIN, "agent") and has_role(ADMIN, "supervisor")
    assert not has_role({"_id": "n"}, "agent") and not has_role(AGENT)


def test_rights_by_name_by_role_and_for_admins():
    assert not has_right(AGENT, SOCIAL_DOMAIN) and has_right(CLEARED_AGENT, SOCIAL_DOMAIN)
    assert has_right(SUPERVISOR, SOCIAL_DOMAIN)  # the role brings it
    assert not has_right(SUPERVISOR, PRIVACY)  # but not the privacy officer's right
    assert has_right(PRIVACY_OFFICER, PRIVACY) and not has_right(PRIVACY_OFFICER, SOCIAL_DOMAIN)
    assert has_right(ADMIN, SOCIAL_DOMAIN) and has_right(ADMIN, PRIVACY)


def test_publishing_knowledge_is_a_right_by_name():
    editor = {"_id": "e", "roles": ["editor"], "rights": []}
    final_editor = {"_id": "f", "roles": ["editor"], "rights": [PUBLISH_KNOWLEDGE]}
    assert not has_right(editor, PUBLISH_KNOWLEDGE) and has_right(final_editor, PUBLISH_KNOWLEDGE)
    assert not has_right(SUPERVISOR, PUBLISH_KNOWLEDGE) and has_right(ADMIN, PUBLISH_KNOWLEDGE)
