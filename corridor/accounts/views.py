"""Staff login, second factor, onboarding, recovery and administration of staff and keys."""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import auth, messages
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import actions
from corridor.accounts.decorators import (
    REAUTH_SESSION_KEY,
    duress_allowed,
    public,
    require_permission,
    require_reauth,
    staff_user,
    user_verified,
)
from corridor.accounts.forms import (
    AgeRecipientForm,
    CompartmentForm,
    DeactivateForm,
    DuressForm,
    InviteAcceptForm,
    InviteForm,
    LoginForm,
    MemberForm,
    NewPassphraseForm,
    ReauthForm,
    RecoverForm,
    RoleForm,
    TokenForm,
)
from corridor.accounts.models import User
from corridor.vault.actions import (
    compartment_create,
    compartment_index_rebuild,
    membership_grant,
    membership_revoke,
    user_keys_unlock,
    user_recovery_kit_issue,
)
from corridor.vault.keyring import Keyring, NotAMember
from corridor.vault.models import Compartment, Membership, UserKeyPair
from corridor.vault.session import vault_session_keyring

DEVICE_COOKIE = "corridor_device"
DEVICE_COOKIE_AGE = 180 * 24 * 3600
GET_POST = require_http_methods(["GET", "POST"])


def _form_page(
    request: HttpRequest, form: Any, *, title: str, submit: str, intro: str = ""
) -> HttpResponse:
    return render(
        request,
        "accounts/form.html",
        {"form": form, "title": title, "submit": submit, "intro": intro},
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _device_token(request: HttpRequest, username: str) -> str | None:
    """The random token of this browser's device cookie, if it was issued for `username`."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt="corridor.device", max_age=DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return None
    user_id = User.objects.filter(username__iexact=username).values_list("pk", flat=True).first()
    return str(data.get("t")) if user_id is not None and data.get("u") == user_id else None


def _keyring(request: HttpRequest) -> Keyring:
    keyring: Keyring | None = getattr(request, "keyring", None)
    if keyring is None:
        raise Http404
    return keyring


def _too_many_failures(wait: int) -> str:
    return ngettext(
        "Too many failed attempts. Try again in %(seconds)d second.",
        "Too many failed attempts. Try again in %(seconds)d seconds.",
        wait,
    ) % {"seconds": wait}


# --- login -------------------------------------------------------------------------------


def _duress_user(username: str, passphrase: str) -> User | None:
    """The user whose duress passphrase this is, or None. Always pays one Argon2id, as the
    real path pays one to unwrap the private key (a decoy for users without one: 0026)."""
    user = User.objects.filter(username=username, is_active=True).first()
    matches = actions.duress_passphrase_matches(
        user_id=user.pk if user is not None else None, passphrase=passphrase
    )
    # Only with a confirmed second factor: a duress session must never enrol one (that would
    # issue a recovery kit for its throwaway key over the real one).
    if user is None or not matches or actions.totp_device_for(user) is None:
        return None
    return user


@public
@GET_POST
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username, passphrase = form.cleaned_data["username"], form.cleaned_data["passphrase"]
        bucket = actions.throttle_bucket(username, _device_token(request, username))
        wait = actions.throttle_wait(bucket)
        user = None if wait else auth.authenticate(request, username=username, password=passphrase)
        duress = None if wait or user is not None else _duress_user(username, passphrase)
        if wait:
            form.add_error(None, _too_many_failures(wait))
        elif duress is not None:
            # The duress passphrase: a login like any other, into an account that holds
            # nothing (decision 0026). Same answer, same redirect, same Argon2id cost.
            actions.throttle_clear(bucket)
            actions.session_start_duress(request, user=duress)
            return _login_next(request, duress)
        elif user is None or not UserKeyPair.objects.filter(user_id=user.pk).exists():
            actions.throttle_fail(bucket)
            form.add_error(None, _("Wrong username or passphrase."))
        else:
            private_key = user_keys_unlock(user_id=user.pk, passphrase=passphrase)
            actions.throttle_clear(bucket)
            actions.session_start(request, user=user, private_key=private_key)  # type: ignore[arg-type]
            return _login_next(request, user)  # type: ignore[arg-type]
    return _form_page(request, form, title=_("Log in"), submit=_("Continue"))


def _login_next(request: HttpRequest, user: User) -> HttpResponse:
    target = "accounts:login_otp" if actions.totp_device_for(user) else "accounts:enrol_totp"
    target_next = _next_url(request)
    query = f"?{urlencode({'next': target_next})}" if target_next != "/" else ""
    return redirect(reverse(target) + query)


@public
@GET_POST
def login_otp(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):
        return redirect("accounts:login")
    device = actions.totp_device_for(user)
    if device is None:
        return redirect("accounts:enrol_totp")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.totp_verify(device, form.cleaned_data["token"]):
            actions.session_verify(request, device=device)
            request.session[REAUTH_SESSION_KEY] = time.time()
            response = redirect(_next_url(request))
            response.set_cookie(
                DEVICE_COOKIE,
                signing.dumps(
                    {"u": user.pk, "t": secrets.token_urlsafe(16)}, salt="corridor.device"
                ),
                max_age=DEVICE_COOKIE_AGE,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Strict",
            )
            return response
        form.add_error("token", _("This code is wrong, expired or already used."))
    return _form_page(request, form, title=_("Second factor"), submit=_("Log in"))


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    actions.session_end(request)
    return redirect("accounts:login")


# --- onboarding --------------------------------------------------------------------------


@public
@GET_POST
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        actions.invitation_find(token)
    except actions.InvitationInvalid:
        return render(
            request,
            "accounts/message.html",
            {
                "title": _("Invitation not valid"),
                "text": _(
                    "This invitation link is unknown, already used or expired. Ask an administrator for a new one."
                ),
            },
            status=404,
        )
    form = InviteAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, private_key = actions.invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                passphrase=form.cleaned_data["passphrase"],
            )
        except actions.UsernameTaken:
            form.add_error("username", _("This username is taken."))
        except actions.InvitationInvalid:
            form.add_error(None, _("This invitation was used or expired meanwhile."))
        else:
            actions.session_start(request, user=user, private_key=private_key)
            return redirect("accounts:enrol_totp")
    return _form_page(
        request,
        form,
        title=_("Join Corridor"),
        submit=_("Create my account"),
        intro=_(
            "Choose a username and a long passphrase that you use nowhere else. Next you will set up an authenticator app."
        ),
    )


@public
@GET_POST
def enrol_totp(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):
        return redirect("accounts:login")
    if actions.totp_device_for(user) is not None:
        # Enrolment is for a first device only: swapping the second factor of an account
        # from a live session would let a hijacked session lock its owner out.
        return redirect("core:home" if user_verified(user) else "accounts:login_otp")
    device = actions.totp_device_pending(user) if request.method == "POST" else None
    form = TokenForm(request.POST or None)
    if device is not None and form.is_valid():
        if actions.totp_device_confirm(device=device, token=form.cleaned_data["token"]):
            actions.session_verify(request, device=device)
            request.session[REAUTH_SESSION_KEY] = time.time()
            keyring = vault_session_keyring(request)
            if keyring is None:
                return redirect("accounts:login")
            with transaction.atomic():
                code = user_recovery_kit_issue(user_id=user.pk, private_key=keyring.private_key)
            return render(request, "accounts/recovery_kit.html", {"code": code})
        form.add_error(
            "token", _("This code is wrong. Check the clock of your phone and try again.")
        )
    if device is None:
        device = actions.totp_device_start(user)
    secret = base64.b32encode(device.bin_key).decode("ascii")
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(
        request,
        "accounts/totp_enrol.html",
        {"form": form, "secret": secret, "uri": device.config_url, "qr": qr},
    )


@public
@GET_POST
def recover(request: HttpRequest) -> HttpResponse:
    """Forgotten passphrase: the recovery kit re-wraps the private key under a new one."""
    form = RecoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        username = data["username"]
        # Per browser, as at the login: an attacker's failures fill their own bucket only.
        bucket = actions.throttle_bucket(username, _device_token(request, username), "recover")
        wait = actions.throttle_wait(bucket)
        if wait:
            form.add_error(None, _too_many_failures(wait))
        else:
            try:
                user, private_key = actions.recovery_unlock(
                    username=username, recovery_code=data["recovery_code"], token=data["token"]
                )
            except actions.RecoveryRefused:
                actions.throttle_fail(bucket)
                form.add_error(None, _("These details do not match."))
            else:
                if actions.duress_passphrase_matches(
                    user_id=user.pk, passphrase=data["passphrase"]
                ):
                    form.add_error(
                        "passphrase",
                        _(
                            "This is your duress passphrase. Your passphrase must be a different one."
                        ),
                    )
                    return _form_page(
                        request,
                        form,
                        title=_("Recover access"),
                        submit=_("Set new passphrase"),
                        intro=_("You need your recovery kit and your authenticator app."),
                    )
                actions.staff_passphrase_set(
                    user=user,
                    private_key=private_key,
                    passphrase=data["passphrase"],
                    action="user.recover",
                )
                actions.sessions_end_all(user=user)
                actions.throttle_clear(bucket)
                messages.success(request, _("Your passphrase was changed. Log in with it now."))
                return redirect("accounts:login")
    return _form_page(
        request,
        form,
        title=_("Recover access"),
        submit=_("Set new passphrase"),
        intro=_("You need your recovery kit and your authenticator app."),
    )


# --- the logged-in user's own account ---------------------------------------------------


@GET_POST
@duress_allowed
def reauth(request: HttpRequest) -> HttpResponse:
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = staff_user(request)
        device = actions.totp_device_for(user)
        passphrase = form.cleaned_data["passphrase"]
        # A duress session confirms with the passphrase it logged in with (decision 0026).
        if (
            (
                actions.duress_passphrase_matches(user_id=user.pk, passphrase=passphrase)
                if actions.session_is_duress(request)
                else user.check_password(passphrase)
            )
            and device
            and actions.totp_verify(device, form.cleaned_data["token"])
        ):  # type: ignore[union-attr]
            request.session[REAUTH_SESSION_KEY] = time.time()
            return redirect(_next_url(request))
        form.add_error(None, _("Wrong passphrase or code."))
    return _form_page(
        request,
        form,
        title=_("Confirm it is you"),
        submit=_("Confirm"),
        intro=_("This action needs your passphrase and a fresh code."),
    )


@require_http_methods(["GET"])
def security(request: HttpRequest) -> HttpResponse:
    sessions = staff_user(request).staff_sessions.count()
    return render(request, "accounts/security.html", {"sessions": sessions})


@require_POST
@duress_allowed
def logout_all(request: HttpRequest) -> HttpResponse:
    actions.sessions_end_all(user=staff_user(request))
    actions.session_end(request)
    return redirect("accounts:login")


@GET_POST
@require_reauth
def passphrase_change(request: HttpRequest) -> HttpResponse:
    form = NewPassphraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = staff_user(request)
        if actions.duress_passphrase_matches(
            user_id=user.pk, passphrase=form.cleaned_data["passphrase"]
        ):
            form.add_error(
                "passphrase",
                _("This is your duress passphrase. Your passphrase must be a different one."),
            )
            return _form_page(
                request, form, title=_("Change passphrase"), submit=_("Change passphrase")
            )
        actions.staff_passphrase_set(
            user=user,
            private_key=_keyring(request).private_key,
            passphrase=form.cleaned_data["passphrase"],
            action="user.passphrase",
        )
        auth.update_session_auth_hash(request, user)
        messages.success(request, _("Your passphrase was changed."))
        return redirect("accounts:security")
    return _form_page(request, form, title=_("Change passphrase"), submit=_("Change passphrase"))


@GET_POST
@require_reauth
def duress_passphrase(request: HttpRequest) -> HttpResponse:
    """Set a second passphrase for the day someone forces the login (decision 0026)."""
    form = DuressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.duress_passphrase_set(
            user=staff_user(request), passphrase=form.cleaned_data["passphrase"]
        ):
            messages.success(request, _("Your duress passphrase was set."))
            return redirect("accounts:security")
        form.add_error(
            "passphrase",
            _("This is your passphrase. The duress passphrase must be a different one."),
        )
    return _form_page(
        request,
        form,
        title=_("Duress passphrase"),
        submit=_("Set duress passphrase"),
        intro=_(
            "If someone forces you to log in, log in with this passphrase and a code as usual. "
            "You will see an empty account; at that moment your keys and your other sessions "
            "are destroyed, and the administrators and the coordinator on duty are alerted "
            "silently. Your colleagues can give you access again later."
        ),
    )


@GET_POST
@require_reauth
def age_key(request: HttpRequest) -> HttpResponse:
    """Register one's own age public key: sensitive exports are encrypted to it (decision 0037)."""
    user = staff_user(request)
    form = AgeRecipientForm(request.POST or None, initial={"age_recipient": user.age_recipient})
    if request.method == "POST" and form.is_valid():
        recipient = form.cleaned_data["age_recipient"]
        actions.age_recipient_set(user=user, recipient=recipient)
        messages.success(
            request,
            _("Your age public key was saved.")
            if recipient
            else _("Your age public key was removed."),
        )
        return redirect("accounts:security")
    return _form_page(
        request,
        form,
        title=_("Age key for exports"),
        submit=_("Save age key"),
        intro=_(
            "Exports that contain anything sensitive (donor reports, for instance) are encrypted "
            "to this key with age, so that only you can open them: age --decrypt -i my-key.txt "
            "file.age. Corridor never sees the secret half."
        ),
    )


# --- administration ----------------------------------------------------------------------


@require_http_methods(["GET"])
@require_permission("user.manage")
def staff(request: HttpRequest) -> HttpResponse:
    users = User.objects.order_by("username").prefetch_related("memberships__compartment")
    return render(request, "accounts/staff.html", {"users": users})


@require_http_methods(["GET"])
@require_permission("user.manage")
def staff_member(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(User, pk=user_id)
    form = RoleForm(initial={"role": member.role})
    return render(request, "accounts/staff_member.html", {"member": member, "form": form})


@require_POST
@require_permission("user.manage")
@require_reauth
def staff_role(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(User, pk=user_id)
    form = RoleForm(request.POST)
    if member.pk == staff_user(request).pk:
        messages.error(request, _("You cannot change your own role."))
    elif form.is_valid():
        actions.staff_role_change(
            actor_id=staff_user(request).pk, user=member, role=form.cleaned_data["role"]
        )
        messages.success(request, _("Role changed."))
    else:
        messages.error(request, _("Choose a role."))
    return redirect("accounts:staff_member", user_id=member.pk)


@GET_POST
@require_permission("user.manage")
@require_reauth
def staff_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    """One page, one typed username, after a fresh re-authentication: quick when a colleague
    is detained, never a single click (T3)."""
    member = get_object_or_404(User, pk=user_id, is_active=True)
    if member.pk == staff_user(request).pk:
        messages.error(request, _("You cannot deactivate yourself."))
        return redirect("accounts:staff_member", user_id=member.pk)
    form = DeactivateForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        pending = actions.staff_deactivate(
            keyring=_keyring(request), actor_id=staff_user(request).pk, user=member
        )
        messages.success(request, _("Deactivated: sessions ended and key wraps destroyed."))
        if pending:
            messages.error(
                request,
                _("These compartments still need a re-key by one of their members: %(names)s")
                % {"names": ", ".join(pending)},
            )
        return redirect("accounts:staff_member", user_id=member.pk)
    compartments = member.memberships.select_related("compartment").order_by("compartment__name")
    return render(
        request,
        "accounts/staff_deactivate.html",
        {"member": member, "form": form, "compartments": compartments},
    )


@GET_POST
@require_permission("user.invite")
@require_reauth
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _invitation, token = actions.invitation_create(
            actor_id=staff_user(request).pk, role=form.cleaned_data["role"]
        )
        link = request.build_absolute_uri(f"/accounts/invite/{token}/")
        return render(request, "accounts/invite_link.html", {"link": link})
    return _form_page(
        request, form, title=_("Invite a staff member"), submit=_("Create invitation link")
    )


def _key_holders(request: HttpRequest) -> Any:
    """Who may be given a compartment key: active staff with a key pair, the actor aside."""
    return (
        User.objects.filter(is_active=True, keypair__isnull=False)
        .exclude(pk=staff_user(request).pk)
        .order_by("username")
    )


@GET_POST
@require_permission("compartment.manage")
def compartments(request: HttpRequest) -> HttpResponse:
    actor = staff_user(request)
    form = CompartmentForm(request.POST or None, users=_key_holders(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member_ids = [user.pk for user in data["members"]] + ([actor.pk] if data["join"] else [])
        if Compartment.objects.filter(name__iexact=data["name"]).exists():
            form.add_error("name", _("A compartment with this name exists."))
        else:
            compartment_create(actor_id=actor.pk, name=data["name"], member_ids=member_ids)
            if data["join"]:
                messages.success(request, _("Compartment created. You are a member."))
            else:
                messages.success(
                    request,
                    _("Compartment created. You are not a member and cannot read its cases."),
                )
            return redirect("accounts:compartments")
    mine = set(Membership.objects.filter(user_id=actor.pk).values_list("compartment_id", flat=True))
    rows = [(c, c.pk in mine) for c in Compartment.objects.order_by("name")]
    return render(request, "accounts/compartments.html", {"form": form, "rows": rows})


@require_POST
def compartment_hashes_rebuild(request: HttpRequest, compartment_id: int) -> HttpResponse:
    """Rebuild the keyed hashes of a compartment this member holds under the code's reading:
    offered where an older reading built them (decision 0045), audited, and only then.

    The compartment's row is locked first, as a re-key locks it: a rebuild started under a
    key version that a re-key has just replaced would write hashes under the old index key.
    """
    actor = staff_user(request)
    keyring = _keyring(request)
    held = dict(keyring.searchable())
    with transaction.atomic():
        compartment = (
            Compartment.objects.select_for_update(no_key=True).filter(pk=compartment_id).first()
        )
        if (
            compartment is None
            or held.get(compartment_id) != compartment.key_version
            or not Membership.objects.filter(user_id=actor.pk, compartment=compartment).exists()
        ):
            raise Http404
        if compartment.hashes_outdated:
            compartment_index_rebuild(keyring=keyring, compartment=compartment, actor_id=actor.pk)
            messages.success(
                request,
                _(
                    "The search hashes of %(name)s were rebuilt: duplicates and watch-list "
                    "hits are found again."
                )
                % {"name": compartment.name},
            )
        else:
            messages.info(
                request,
                _("The search hashes of %(name)s are up to date.") % {"name": compartment.name},
            )
    return redirect(_next_url(request))


@GET_POST
@require_permission("membership.manage")
def compartment_members(request: HttpRequest, compartment_id: int) -> HttpResponse:
    compartment = get_object_or_404(Compartment, pk=compartment_id)
    members = User.objects.filter(memberships__compartment=compartment).order_by("username")
    candidates = (
        User.objects.filter(is_active=True, keypair__isnull=False)
        .exclude(pk__in=members)
        .order_by("username")
    )
    form = MemberForm(request.POST or None, users=candidates)
    return render(
        request,
        "accounts/compartment.html",
        {"compartment": compartment, "members": members, "form": form},
    )


@require_POST
@require_permission("membership.manage")
@require_reauth
def member_grant(request: HttpRequest, compartment_id: int) -> HttpResponse:
    compartment = get_object_or_404(Compartment, pk=compartment_id)
    candidates = User.objects.filter(is_active=True, keypair__isnull=False)
    form = MemberForm(request.POST, users=candidates)
    if not form.is_valid():
        messages.error(request, _("Choose a staff member."))
    else:
        try:
            membership_grant(
                keyring=_keyring(request),
                actor_id=staff_user(request).pk,
                compartment=compartment,
                user_id=form.cleaned_data["user"].pk,
            )
        except NotAMember:
            messages.error(
                request,
                _("You are not a member of this compartment, so you cannot pass its key on."),
            )
        else:
            messages.success(request, _("Membership granted."))
    return redirect("accounts:compartment", compartment_id=compartment.pk)


@require_POST
@require_permission("membership.manage")
@require_reauth
def member_revoke(request: HttpRequest, compartment_id: int, user_id: int) -> HttpResponse:
    compartment = get_object_or_404(Compartment, pk=compartment_id)
    if not Membership.objects.filter(compartment=compartment, user_id=user_id).exists():
        raise Http404
    try:
        count = membership_revoke(
            keyring=_keyring(request),
            actor_id=staff_user(request).pk,
            compartment=compartment,
            user_id=user_id,
        )
    except NotAMember:
        messages.error(
            request, _("You are not a member of this compartment, so you cannot re-key it.")
        )
    else:
        messages.success(
            request,
            _("Membership revoked; the compartment was re-keyed (%(count)d records).")
            % {"count": count},
        )
    return redirect("accounts:compartment", compartment_id=compartment.pk)
