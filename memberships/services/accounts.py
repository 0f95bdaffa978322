"""Accounts: registering and signing in with an email and a password."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from causeloop.core.errors import Conflict, NotAuthenticated, ValidationFailed
from memberships.models import User
from memberships.verification import add_unverified_email
from organizations.validation import clean_email, clean_optional_text


def user_register(*, email: str, password: str, name: str = "") -> User:
    """Create an account; the email must be free (case-insensitively), and stays unverified
    until the link mailed to it is followed (`memberships.verification`)."""
    email = clean_email(email)
    name = clean_optional_text(name, field="name", max_length=200, label="Name")
    if not isinstance(password, str) or not password:
        raise ValidationFailed(
            "Password is required.", fields={"password": ["This field is required."]}
        )
    if len(password) > 4096 or "\x00" in password:
        raise ValidationFailed(
            "Password is not acceptable.", fields={"password": ["Invalid password."]}
        )
    try:
        password_validation.validate_password(password, User(email=email, name=name))
    except ValidationError as error:
        raise ValidationFailed(
            " ".join(error.messages), code="weak_password", fields={"password": error.messages}
        ) from None
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            "An account with this email already exists.",
            code="email_taken",
            fields={"email": ["An account with this email already exists."]},
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
            add_unverified_email(user)
            return user
    except IntegrityError:
        raise Conflict("An account with this email already exists.", code="email_taken") from None


def user_authenticate(*, email: object, password: object) -> User:
    """The active account with this email and password, or `invalid_credentials`."""
    failed = NotAuthenticated("Wrong email or password.", code="invalid_credentials")
    if not isinstance(email, str) or not isinstance(password, str) or len(password) > 4096:
        raise failed
    user = User.objects.by_email(email) if len(email) <= 254 else None
    if user is None:
        User().set_password(password)  # the same work as a real check: no timing oracle
        raise failed
    if not user.check_password(password) or not user.is_active:
        raise failed
    return user
