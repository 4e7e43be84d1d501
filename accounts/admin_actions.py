"""Staff-assisted recovery at the office (identity checked by document).

Both actions call the services in ``accounts.services`` and are recorded as
``SecurityEvent`` (kind ``staff_reset``) with the operator. Wire them into the
User admin (``accounts/admin.py``)::

    from accounts.admin_actions import send_reset_link, set_temporary_password

    class UserAdmin(...):
        actions = [send_reset_link, set_temporary_password]
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services
from eirc.errors import DomainError


@admin.action(
    description=gettext_lazy("Отправить ссылку для сброса пароля на почту пользователя"), permissions=["change"]
)
def send_reset_link(modeladmin, request, queryset):
    sent = 0
    for user in queryset:
        try:
            services.staff_reset_link_send(operator=request.user, user=user)
            sent += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{user}: {exc.message}", messages.ERROR)
    if sent:
        modeladmin.message_user(request, _("Ссылок отправлено: %(n)d.") % {"n": sent}, messages.SUCCESS)


@admin.action(description=gettext_lazy("Выдать временный пароль (сменить при входе)"), permissions=["change"])
def set_temporary_password(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Выберите ровно одного пользователя."), messages.ERROR)
        return
    user = queryset.get()
    temporary = services.staff_temporary_password_set(operator=request.user, user=user)
    # Shown once to the operator, who hands it to the resident; never stored or logged.
    modeladmin.message_user(
        request,
        _("Временный пароль для %(u)s: %(p)s — передайте его лично; при входе его нужно будет сменить.")
        % {"u": user, "p": temporary},
        messages.WARNING,
    )


@admin.action(description=gettext_lazy("Сбросить двухфакторный вход (потерян телефон и коды)"), permissions=["change"])
def reset_two_factor(modeladmin, request, queryset):
    from accounts import two_factor

    for user in queryset:
        two_factor.staff_reset(operator=request.user, user=user)
    modeladmin.message_user(
        request, _("Двухфакторный вход сброшен: %(n)d.") % {"n": queryset.count()}, messages.SUCCESS
    )
