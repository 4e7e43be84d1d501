"""Enrol a TOTP device for a staff login: prints the otpauth URI (and a QR
code in the terminal) to scan with an authenticator app."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Создать TOTP-устройство для сотрудника и вывести otpauth-ссылку (и QR-код)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="Название устройства")
        parser.add_argument("--replace", action="store_true", help="Удалить прежние TOTP-устройства")
        parser.add_argument("--no-qr", action="store_true", help="Не печатать QR-код")

    def handle(self, *args, username, name, replace, no_qr, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Пользователь {username!r} не найден.")
        if not user.is_staff:
            raise CommandError(f"{username!r} не сотрудник (is_staff выключен).")
        if replace:
            TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        uri = device.config_url
        self.stdout.write(uri)
        if not no_qr:
            try:
                import segno

                segno.make(uri, error="m").terminal(out=self.stdout, compact=True)
            except Exception as exc:  # the URI above is enough
                self.stderr.write(f"QR-код не выведен: {exc.__class__.__name__}")
        self.stdout.write(self.style.SUCCESS(f"Устройство «{name}» создано для {username}."))
