"""Unit tests of harness.secrets: the Secret wrapper and log redaction."""

from __future__ import annotations

import json
import logging
import pickle
from dataclasses import dataclass

import pytest

from harness.secrets import RedactingFilter, Secret, install_redaction, redact, register_secret

JWT = ("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL29yZy5jcm0uZHluYW1pY3MuY29tIn0"
       ".c2lnbmF0dXJlLXBhcnQ")


def test_secret_hides_its_value_everywhere_but_reveal():
    secret = Secret("hunter2-password")
    assert secret.reveal() == "hunter2-password"
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r:>30}", "%s" % (secret,)):  # noqa: UP031
        assert "hunter2" not in shown
    assert repr(secret) == "Secret('********')"


def test_secret_equality_hash_and_truthiness():
    assert Secret("a-value") == Secret("a-value")
    assert Secret("a-value") != Secret("b-value")
    assert Secret("a-value") != "a-value"  # no accidental comparison with plain text
    assert len({Secret("x-1"), Secret("x-1"), Secret("x-2")}) == 2
    assert not Secret("") and Secret("x")
    assert Secret(Secret("nested")).reveal() == "nested"
    with pytest.raises(TypeError):
        Secret(42)  # type: ignore[arg-type]


def test_secret_is_not_json_serializable_nor_a_str():
    with pytest.raises(TypeError):
        json.dumps({"password": Secret("value")})
    with pytest.raises(TypeError):
        "prefix-" + Secret("value")  # type: ignore[operator]


def test_secret_inside_a_dataclass_repr_and_pickle():
    @dataclass
    class Holder:
        password: Secret

    holder = Holder(Secret("dataclass-secret"))
    assert "dataclass-secret" not in repr(holder)
    assert pickle.loads(pickle.dumps(Secret("roundtrip"))) == Secret("roundtrip")


def test_redact_masks_registered_values_jwts_headers_and_form_fields():
    register_secret("registered-secret-42")
    register_secret(Secret("another-registered-1"))
    register_secret("ab")  # too short to register: would mask everything
    text = (f"pw registered-secret-42 and another-registered-1 jwt {JWT} "
            "Authorization: Bearer opaque.token-value Basic dXNlcjpwYXNz "
            "body grant_type=password&password=p%40ss&client_secret=s3cr&code=0.ABC&refresh_token=1.AX ab")
    out = redact(text)
    for leaked in ("registered-secret-42", "another-registered-1", JWT, "opaque.token-value", "dXNlcjpwYXNz",
                   "p%40ss", "s3cr", "0.ABC", "1.AX"):
        assert leaked not in out
    assert "Bearer ***" in out and "Basic ***" in out and "grant_type=password" in out
    assert out.endswith(" ab")


def test_redact_keeps_ordinary_text():
    text = "POST http://127.0.0.1:5000/contoso.onmicrosoft.com/oauth2/v2.0/token error_code=50126 response_type=code"
    assert redact(text) == text


def test_longer_secret_containing_a_shorter_one_is_masked_whole():
    register_secret("prefix-shared")
    register_secret("prefix-shared-and-longer")
    assert redact("x prefix-shared-and-longer y") == "x *** y"


def test_redacting_filter_on_a_logger(caplog):
    logger = logging.getLogger("harness.test.redaction")
    install_redaction(logger)
    install_redaction(logger)  # idempotent
    assert sum(isinstance(f, RedactingFilter) for f in logger.filters) == 1
    register_secret("log-secret-value")
    with caplog.at_level(logging.DEBUG, logger="harness.test.redaction"):
        logger.info("password=%s token %s", "log-secret-value", JWT)
        logger.debug("header Authorization: Bearer %s", "opaque-thing")
        try:
            raise ValueError("boom log-secret-value")
        except ValueError:
            logger.exception("failed with %r", {"secret": "log-secret-value"})
    assert "log-secret-value" not in caplog.text
    assert JWT not in caplog.text and "opaque-thing" not in caplog.text
    assert "boom ***" in caplog.text  # the traceback was masked too
    assert len(caplog.records) == 3


def test_redacting_filter_on_a_handler():
    register_secret("handler-secret-value")
    records: list[str] = []

    class ListHandler(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = ListHandler()
    install_redaction(handler)
    logger = logging.getLogger("harness.test.handler")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("value %s", "handler-secret-value")
    finally:
        logger.removeHandler(handler)
    assert records == ["value ***"]
