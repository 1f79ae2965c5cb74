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
    assert response["Location"] == "/m/alpha/"  # the editor's own municipality


def test_a_member_lands_on_their_own_municipality(client, personas):
    """Not on the start page (an editor of Beta landed where Alpha was listed first)."""
    for name, landing in [("other_editor", "/m/beta/"), ("viewer", "/m/alpha/"), ("staff", "/")]:
        response = client.post("/login/", {"username": name, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == landing, name
        # outside a municipality the switcher starts at the member's own
        page = client.get("/data/").content.decode()
        mine = landing.strip("/").removeprefix("m/")
        if mine:
            assert f'<option value="{mine}" selected>' in page
        client.post("/logout/")


def test_repeated_failures_are_throttled(client, personas, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": "editor", "password": "wrong"})
    response = client.post("/login/", {"username": "editor", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def _fail(client, path, username, times):
    for _ in range(times):
        client.post(path, {"username": username, "password": "wrong", "next": "/admin/"})


def test_spelling_variants_of_a_name_count_as_the_name(client, personas, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    _fail(client, "/login/", " editor", 1)
    _fail(client, "/login/", "ｅｄｉｔｏｒ", 1)
    _fail(client, "/login/", "editor\t", 1)
    response = client.post("/login/", {"username": "editor", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Zu viele Anmeldeversuche" in response.content.decode()


def test_admin_login_is_throttled_with_the_same_count(client, personas, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    _fail(client, "/admin/login/", "staff", 3)
    client.post("/login/", {"username": "staff", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    client.post("/admin/login/", {"username": "staff", "password": PASSWORD, "next": "/admin/"})
    assert "_auth_user_id" not in client.session


def test_other_names_and_a_success_start_afresh(client, personas, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    _fail(client, "/login/", "editor", 2)
    assert client.post("/login/", {"username": "editor", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    _fail(client, "/login/", "editor", 2)
    assert client.post("/login/", {"username": "editor", "password": PASSWORD}).status_code == 302
    _fail(client, "/login/", "viewer", 3)
    client.post("/logout/")
    assert client.post("/login/", {"username": "admin", "password": PASSWORD}).status_code == 302


def test_one_address_trying_many_names_is_stopped_too(client, personas, settings):
    settings.LOGIN_ADDRESS_LIMIT = 5
    for name in ("a1", "a2", "a3", "a4", "a5"):
        _fail(client, "/login/", name, 1)
    client.post("/login/", {"username": "editor", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    other = client.post(
        "/login/", {"username": "editor", "password": PASSWORD}, REMOTE_ADDR="198.51.100.9"
    )
    assert other.status_code == 302  # another address is not held back


def test_successful_logins_from_one_address_do_not_use_up_its_allowance(client, personas, settings):
    settings.LOGIN_ADDRESS_LIMIT = 3
    for _ in range(6):  # an office behind one address, everyone logging in
        assert (
            client.post("/login/", {"username": "viewer", "password": PASSWORD}).status_code == 302
        )
        client.post("/logout/")
