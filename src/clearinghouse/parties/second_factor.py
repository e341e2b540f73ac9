"""The second factor of signing in (issue 14, "Trust"): a TOTP authenticator app, with one-time
recovery codes beside it (django-otp's TOTP and static devices).

Who must have one: coordinators and administrators (and superusers) when
``CLEARINGHOUSE_REQUIRE_2FA`` is on, as it always is in production. Anyone else may set one up,
and is then asked for it like them. A session that owes its code reaches only the pages of
signing in (``SecondFactorMiddleware``); the API's sign-in, ``/api/token/``, asks for the code
in its ``otp`` field.

Guessing is bounded twice: each device doubles the wait after every wrong code (django-otp's
throttling, kept in the database, reset only by a right code, so signing in again with the
password does not reset it), and every wrong code counts as a failed sign-in for the lockout
(django-axes), like a wrong password.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.security.roles import Role, has_role

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

RECOVERY_CODES = 10
APP_NAME = "Authenticator app"
CODES_NAME = "Recovery codes"


# -- Who must have one, and what a session still owes ------------------------------------------


def required_for(user: AbstractBaseUser) -> bool:
    """Whether ``user`` must have a second factor: coordinators, administrators and superusers,
    while ``CLEARINGHOUSE_REQUIRE_2FA`` is on. (Not every staff member: every account may read
    its records' history in the admin, which shows it no more than its pages do.)"""
    return bool(settings.CLEARINGHOUSE_REQUIRE_2FA and user.is_authenticated and (
        user.is_superuser or has_role(user, Role.COORDINATOR, Role.ADMINISTRATOR)))


def app_of(user: AbstractBaseUser, confirmed: bool = True) -> TOTPDevice | None:
    """The user's authenticator app (confirmed, or the one being set up)."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def has_second_factor(user: AbstractBaseUser) -> bool:
    # The app alone: recovery codes are made with it and removed with it.
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


VERIFY, ENROL = "verify", "enrol"


def owed(user: AbstractBaseUser) -> str | None:
    """What a signed-in session still owes before it counts: ``VERIFY`` (a code, the user has
    a second factor), ``ENROL`` (setting one up, the user must have one) or None."""
    if not user.is_authenticated or (hasattr(user, "is_verified") and user.is_verified()):
        return None
    if has_second_factor(user):
        return VERIFY
    return ENROL if required_for(user) else None


# -- Checking a code ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    device: Device | None
    problem: str = ""


def normalise(code: str) -> str:
    """A code as typed: spaces and dashes dropped, letters in lower case."""
    return re.sub(r"[\s-]+", "", code or "").lower()


def _wait(device: Device) -> int:
    """Seconds before ``device`` takes another code (0: now)."""
    allowed, _ = device.verify_is_allowed()
    if allowed or device.throttling_failure_timestamp is None:
        return 0
    delay = device.get_throttle_factor() * 2 ** (device.throttling_failure_count - 1)
    left = delay - (timezone.now() - device.throttling_failure_timestamp).total_seconds()
    return max(1, math.ceil(left))


def _in_words(seconds: int) -> str:
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            seconds, name = math.ceil(seconds / size), unit
            break
    else:
        name = "second"
    return f"{seconds} {name}{'s' * (seconds > 1)}"


def check_code(user: AbstractBaseUser, code: str, request: HttpRequest | None,
               device: TOTPDevice | None = None) -> Check:
    """Whether ``code`` is the current code of the user's app or one of its unused recovery
    codes (used up by this). A wrong code counts as a failed sign-in for the lockout.

    Six digits go to the app, anything else to the recovery codes, so that a mistyped code
    slows down only the device it was meant for. ``device``: an app being set up."""
    code = normalise(code)
    if re.fullmatch(r"\d{6}", code):
        candidates = [device] if device is not None else list(
            TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        candidates = [] if device is not None else list(
            StaticDevice.objects.filter(user=user, confirmed=True))
    for candidate in candidates:
        wait = _wait(candidate)
        if wait:
            return Check(None, f"Too many wrong codes: wait {_in_words(wait)} and try again.")
        with transaction.atomic():  # locked: one code verifies once, even at the same moment
            locked = type(candidate).objects.select_for_update().get(pk=candidate.pk)
            if locked.verify_token(code):
                return Check(locked)
    if request is not None:
        user_login_failed.send(sender=__name__, request=request,
                               credentials={"username": user.get_username()})
    if device is not None:
        return Check(None, "That code is not right. Enter the six digits your app shows now "
                           "(if it is right, check that your phone's clock is).")
    return Check(None, "That code is not right, or was used already. Enter the six digits your "
                       "app shows now, or one of your recovery codes.")


def verified(request: HttpRequest, device: Device) -> None:
    """Mark the session as having entered its second factor with ``device``."""
    otp_login(request, device)


# -- Setting one up, recovery codes, removing ----------------------------------------------------


def start_app(user: AbstractBaseUser) -> TOTPDevice:
    """The app being set up: the one started before (the same secret when the page is opened
    again), or a new one."""
    return app_of(user, confirmed=False) or TOTPDevice.objects.create(
        user=user, name=APP_NAME, confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` address as a QR code, an SVG element to place in the page
    (drawn here: the Content Security Policy allows no script)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage,
                        box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg).replace(
        "<svg ", '<svg role="img" aria-label="QR code of the secret key" class="qr" ', 1)


def secret_text(device: TOTPDevice) -> str:
    """The secret key to type into an app that reads no QR code: base 32, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def confirm_app(device: TOTPDevice) -> list[str]:
    """The app confirmed by its first right code: it replaces any other, and a new set of
    recovery codes is made; returns them (shown once)."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(device.user)


@transaction.atomic
def new_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """A new set of recovery codes, replacing the old ones: each works once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def remove(user: AbstractBaseUser) -> None:
    """The user's app and recovery codes removed: the account signs in with its password alone
    (or, if it must have a second factor, is sent to set one up again)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# -- The gate -------------------------------------------------------------------------------------

# The pages a session may reach while it owes its second factor: signing in and out, and the
# step it owes. Other pages send it to that step; the API answers 403.
SIGN_IN = {"login", "logout", "admin:login", "admin:logout", "api-token", "rest_framework:login",
           "rest_framework:logout"}
OPEN = {VERIFY: SIGN_IN | {"accounts:verify"},
        ENROL: SIGN_IN | {"accounts:two-factor", "accounts:enrol"}}
REFUSAL = {
    VERIFY: "Enter the code of your second factor first: sign in at /accounts/verify/.",
    ENROL: "Your account must have a second factor: set it up at /accounts/two-factor/ first.",
}
STEP_URL = {VERIFY: "accounts:verify", ENROL: "accounts:enrol"}


class SecondFactorMiddleware:
    """A signed-in session that owes its second factor (``owed``) reaches only the pages of
    signing in and the step it owes: every other page, the admin's included, sends it there,
    and the API refuses it (403, saying why). Callers with an API key pass: their key was given
    for a password and a code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable, args: Any,
                     kwargs: Any) -> HttpResponse | None:
        step = owed(request.user)
        request.second_factor_owed = step  # the pages' header shows no navigation then
        if step is None or request.resolver_match.view_name in OPEN[step]:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": REFUSAL[step]}, status=403)
        return redirect_to_login(request.get_full_path(), reverse(STEP_URL[step]))
