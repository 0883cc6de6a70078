"""manage.py demo_account: a local admin login with a fresh random password."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create or reset the local demo superuser and print its login. The password is "
        "generated anew on every run, so no fixed default password ever exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--username", default="demo", help="Account name (default: %(default)s)."
        )
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/admin/",
            help="Where the admin will be served, for the message (default: %(default)s).",
        )

    def handle(self, *, username, url, **options):
        password = secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@localhost"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        state = "created" if created else "reset"
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin login {state}: {url}  user {username!r}  password {password!r}"
            )
        )
