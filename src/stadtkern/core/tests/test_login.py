"""Login, logout and throttling of repeated failures."""

from conftest import PASSWORD


def test_login_and_logout(client, personas):
    response = client.post(
        "/login/", {"username": "editor", "password": PASSWORD, "next": "/m/alpha/"}
    )
    assert response.status_code == 302 and response["Location"] == "/m/alpha/"
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_refuses_an_outside_next_url(client, personas):
    response = client.post(
        "/login/", {"username": "editor", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_repeated_failures_are_throttled(client, personas, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": "editor", "password": "wrong"})
    response = client.post("/login/", {"username": "editor", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
