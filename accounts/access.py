"""Who may do what on a personal account: the one place that decides.

An account has one **holder** (the login of its ``AccountLink``, who proved
it with the bill amount) and any number of household **members**
(``Membership``) with a role. Each role is a set of capabilities:

=================  ====  ========  ===  ========  ======
role               view  readings  pay  requests  invite
=================  ====  ========  ===  ========  ======
holder             yes   yes       yes  yes       yes
representative     yes   yes       yes  yes       —
payer («оплата»)   yes   yes       yes  —         —
readings           yes   yes       —    —         —
viewer             yes   —         —    —         —
=================  ====  ========  ===  ========  ======

``view`` is charges, receipts, payments, readings history and the dashboard;
``readings`` hands in readings (the form and the API, whose tokens serve only
that); ``pay`` pays; ``requests`` orders certificates and files requests
(обращения); ``invite`` manages the household.

Resident views ask through ``accounts.decorators.account_required`` (the
active account with its ``role`` annotated by ``accounts.selectors``); code
without a request (the API's tokens) asks :func:`user_can`. A login that
holds no role on an account does not see it at all (404); a role that lacks
the capability gets 403. Roles are read from the database on every request,
never from the session, so a removal or a new role takes effect at once.
"""

from __future__ import annotations

from accounts.models import AccountLink, MemberRole, Membership


class Capability:
    VIEW = "view"
    READINGS = "readings"
    PAY = "pay"
    REQUESTS = "requests"
    INVITE = "invite"


HOLDER = "holder"

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    HOLDER: frozenset({Capability.VIEW, Capability.READINGS, Capability.PAY, Capability.REQUESTS, Capability.INVITE}),
    MemberRole.REPRESENTATIVE: frozenset({Capability.VIEW, Capability.READINGS, Capability.PAY, Capability.REQUESTS}),
    MemberRole.PAYER: frozenset({Capability.VIEW, Capability.READINGS, Capability.PAY}),
    MemberRole.READINGS: frozenset({Capability.VIEW, Capability.READINGS}),
    MemberRole.VIEWER: frozenset({Capability.VIEW}),
}

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def role_allows(role: str | None, capability: str) -> bool:
    """Whether ``role`` (a ``MemberRole`` value, ``HOLDER`` or None) has ``capability``."""
    return capability in ROLE_CAPABILITIES.get(role or "", frozenset())


def role_label(role: str | None) -> str:
    """The role's Russian name for the switcher and the household page."""
    if role == HOLDER:
        return "владелец"
    return MemberRole(role).label if role in MemberRole.values else ""


def role_of(*, user, account_id) -> str | None:
    """The role of ``user`` on the account: ``HOLDER``, a member's role, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if AccountLink.objects.filter(user=user, account_id=account_id).exists():
        return HOLDER
    return Membership.objects.filter(user=user, account_id=account_id).values_list("role", flat=True).first()


def user_can(*, user, account_id, capability: str) -> bool:
    """Whether ``user`` may use ``capability`` on the account now (one or two queries)."""
    return role_allows(role_of(user=user, account_id=account_id), capability)


def required_for(method: str, *, needs: str, write: str | None) -> str:
    """The capability a request needs: ``needs`` to read, ``write`` (if
    given) for any method that changes something."""
    return needs if method in SAFE_METHODS or write is None else write
