from django import template

from accounts.access import role_allows
from accounts.access import role_label as _role_label
from accounts.selectors import accounts_of_request, active_account

register = template.Library()


@register.simple_tag(takes_context=True)
def user_accounts(context):
    """The logged-in user's accounts; sets ``active_account_id`` in the context."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    accounts = accounts_of_request(request)
    if len(accounts) > 1:
        active = active_account(request)
        context["active_account_id"] = active.pk if active else None
    return accounts


@register.simple_tag(takes_context=True)
def active_can(context, capability: str) -> bool:
    """Whether the login's role on the active account has ``capability``
    (accounts/access.py): what the menu offers. The server checks it again
    on the page itself."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    account = active_account(request)
    return account is not None and role_allows(getattr(account, "role", None), capability)


@register.filter
def role_label(role):
    """The Russian name of a role on an account (accounts/access.py)."""
    return _role_label(role)
