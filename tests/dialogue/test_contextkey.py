"""The signed conversation context token (issue 16, finding 4): signature checked before
anything is parsed, strict parsing, nothing of it echoed, an invalid one restarts the
conversation (never an error, even for an urgent message), and the key shared by workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from chatbot.api.app import create_app
from chatbot.bot import Bot
from chatbot.config import Settings
from chatbot.dialogue.context import Context
from chatbot.errors import ConfigError, RequestError


def _client(bot: Bot, **settings: Any) -> FlaskClient:
    return create_app(Settings(**{"rate_limit": "off", **settings}), bot=bot).test_client()


def _signed(payload: str, key: bytes, *, body: str | None = None) -> str:
    import base64

    from chatbot.dialogue import context as conversation

    body = body or base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"c2.{body}.{conversation._sign(key, body)}"


def test_an_unsigned_or_forged_token_is_refused(bot: Bot) -> None:
    from chatbot.dialogue.context import decode_context, encode_context, read_context

    unsigned = "c1.eyJ2IjoxLCJ0b3BpYyI6WyJib3RveCJdfQ"  # what the chatbot issued before: accepted then
    forged = _signed('{"v":1,"topic":["botox"]}', b"another key")
    for token in (unsigned, forged, forged[:-1] + ("A" if forged[-1] != "A" else "B")):
        assert read_context(token, bot.context_key) is None
        with pytest.raises(RequestError):
            decode_context(token, bot.context_key)
    genuine = _signed('{"v":1,"topic":["botox"]}', bot.context_key)
    assert read_context(genuine, bot.context_key) == read_context(
        encode_context(Context(("botox",)), bot.context_key), bot.context_key
    )


@pytest.mark.parametrize(
    "payload",
    [
        '{"v":1,"topic":["botox\\n"]}',  # a trailing newline passed `$`
        '{"v":1,"topic":["botox"],"topic":["mvd"]}',  # duplicate keys
        '{"v":true,"topic":["botox"]}',  # True == 1
        '{"v":1.0,"topic":["botox"]}',
    ],
    ids=["newline", "duplicate-key", "v-true", "v-float"],
)
def test_the_payload_is_parsed_strictly_even_when_signed(bot: Bot, payload: str) -> None:
    from chatbot.dialogue.context import read_context

    assert read_context(_signed(payload, bot.context_key), bot.context_key) is None


def test_non_canonical_base64_is_refused(bot: Bot) -> None:
    import base64

    from chatbot.dialogue.context import read_context

    body = base64.urlsafe_b64encode(b'{"v":1,"topic":["botox"]}').decode().rstrip("=")
    assert read_context(_signed("", bot.context_key, body=body), bot.context_key) is not None
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # The same bytes with the unused low bits of the last character set: another spelling.
    twin = body[:-1] + alphabet[alphabet.index(body[-1]) + 1]
    assert base64.urlsafe_b64decode(twin + "=" * (-len(twin) % 4)) == base64.urlsafe_b64decode(body + "==")
    assert read_context(_signed("", bot.context_key, body=twin), bot.context_key) is None


def test_words_of_the_context_are_never_echoed_in_corrections(bot: Bot) -> None:
    token = _signed('{"v":1,"topic":["carbamezapine"]}', bot.context_key)
    reply = bot.ask("what are the risks of it?", context=token)
    assert all(c.original != "carbamezapine" for c in reply.corrections)
    assert "carbamezapine" not in reply.to_json_bytes().decode()


def test_an_invalid_context_never_stops_an_urgent_reply(bot: Bot) -> None:
    from chatbot.dialogue.wording import RESTARTED_LINE as RESTARTED

    client = _client(bot, rate_limit="off")
    for context in ("c1.eyJ2IjoxLCJ0b3BpYyI6WyJtdmQiXX0", "garbage", "c2." + "A" * 600):
        response = client.post(
            "/api/chat", json={"message": "my face is drooping and i cant lift my arm", "context": context}
        )
        assert response.status_code == 200
        body = response.get_json()
        assert body["type"] == "urgent" and body["reply"].endswith(RESTARTED)
        assert body["reply"].startswith("This could be a medical emergency")


def test_the_key_is_made_once_in_the_index_folder_and_shared(tmp_path: Path) -> None:
    from chatbot.config import load_settings
    from chatbot.dialogue.contextkey import KEY_FILE, context_key

    settings = load_settings(env={"CHATBOT_INDEX_CACHE": str(tmp_path / "index")})
    first = context_key(settings)
    assert (tmp_path / "index" / KEY_FILE).stat().st_mode & 0o777 == 0o600
    from chatbot.dialogue import contextkey

    contextkey._key.cache_clear()  # another process reading the same folder
    assert context_key(settings) == first and len(first) == 32
    configured = load_settings(env={"CHATBOT_CONTEXT_KEY": "k" * 32})
    assert context_key(configured) != first
    with pytest.raises(ConfigError):
        load_settings(env={"CHATBOT_CONTEXT_KEY": "short"})
    assert "k" * 32 not in repr(configured)
