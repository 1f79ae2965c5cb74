"""Personal API tokens are hashed, work as bearer tokens and stop working when revoked."""

import json

from stadtkern.core.models import ApiToken
from stadtkern.core.services import token_create, token_revoke


def test_token_is_stored_hashed_and_authenticates(client, personas):
    token, secret = token_create(user=personas["editor"], name="Skript")
    assert secret not in token.digest and token.prefix in secret
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.json()["username"] == "editor"
    assert response.json()["memberships"] == [{"municipality": "alpha", "role": "editor"}]


def test_revoked_token_is_refused(client, personas):
    token, secret = token_create(user=personas["editor"], name="Skript")
    token_revoke(token=token)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_wrong_token_is_refused_not_ignored(client, personas):
    response = client.get("/api/v1/municipalities", HTTP_AUTHORIZATION="Bearer sk_deadbeef_nope")
    assert response.status_code == 401


def test_tokens_are_created_and_revoked_through_the_api(client, personas):
    _token, secret = token_create(user=personas["viewer"], name="first")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    created = client.post(
        "/api/v1/tokens",
        data=json.dumps({"name": "Import"}),
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201 and created.json()["token"].startswith("sk_")
    token_id = created.json()["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", **headers).status_code == 204
    assert ApiToken.objects.get(pk=token_id).revoked_at is not None


def test_token_page_shows_the_secret_once(client, personas):
    client.force_login(personas["viewer"])
    response = client.post("/account/tokens/", {"name": "Dashboard"})
    secret = response.context["secret"]
    assert secret.startswith("sk_") and secret in response.content.decode()
    assert secret not in client.get("/account/tokens/").content.decode()
