"""Accounts through django-allauth at the spec's paths: sign up, log in, log out, password
reset and change."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from zeal import zeal_ignore

from memberships.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_sign_up_log_out_and_log_in(client):
    response = client.post(
        "/signup/", {"name": "Sam", "email": "sam@example.com", "password1": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="sam@example.com")
    assert user.name == "Sam" and user.check_password(PASSWORD)
    assert client.get("/").status_code == 302  # no organization yet: the wizard
    client.post("/logout/")
    assert client.get("/onboarding/")["Location"].startswith("/login/")
    wrong = client.post("/login/", {"login": "sam@example.com", "password": "nope-nope-nope"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    right = client.post("/login/", {"login": "SAM@example.com", "password": PASSWORD})
    assert right.status_code == 302


def test_a_weak_password_or_a_taken_email_is_refused_next_to_the_field(client):
    UserFactory(email="taken@example.com")
    weak = client.post("/signup/", {"email": "new@example.com", "password1": "password"})
    assert weak.context["form"].errors["password1"]
    taken = client.post("/signup/", {"email": "TAKEN@example.com", "password1": PASSWORD})
    assert taken.context["form"].errors["email"]
    assert User.objects.count() == 1


def test_password_reset_by_email(client):
    user = UserFactory(email="forgetful@example.com")
    response = client.post("/password/reset/", {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+(/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(action, {"password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change(client):
    user = UserFactory(email="changer@example.com", password="correct-horse-battery")
    with zeal_ignore():
        client.force_login(user)
    response = client.post(
        "/password/change/",
        {"oldpassword": "correct-horse-battery", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
