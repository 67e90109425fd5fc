"""E-mail settings from the environment (kisarazu_reform/settings.py, README "Settings")."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from kisarazu_reform.settings import email_settings


def test_smtp_with_starttls_and_quoted_credentials():
    found = email_settings("smtp+tls://kaikaku%40city.example.jp:p%2Fss@mail.city.example.jp")
    assert found == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.city.example.jp", "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "kaikaku@city.example.jp", "EMAIL_HOST_PASSWORD": "p/ss",
        "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False,
    }


def test_other_schemes():
    assert email_settings("smtps://mail.example.jp")["EMAIL_PORT"] == 465
    assert email_settings("smtps://mail.example.jp")["EMAIL_USE_SSL"] is True
    assert email_settings("smtp://mail.example.jp:2525")["EMAIL_PORT"] == 2525
    assert email_settings("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert email_settings("file:///var/tmp/reform-mail") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": "/var/tmp/reform-mail",
    }
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_settings("http://mail.example.jp")
