"""The README's reverse proxy (deploy/nginx.conf), run for real: Debian's nginx with a
self-signed certificate in front of `stadtkern serve` in production mode."""

import getpass
import http.client
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
HOST = "stadtkern.example.de"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture
def proxy(tmp_path, served):
    """Return (https port, http port) of nginx configured as deploy/ says."""
    app_port = served(
        STADTKERN_ENV="production", TRUSTED_PROXY="127.0.0.1", ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
    )  # fmt: skip
    subprocess.run(
        [shutil.which("openssl") or "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={HOST}", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    https_port, http_port = free_port(), free_port()
    site = (DEPLOY / "nginx.conf").read_text()
    site = (
        site.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
        .replace("/etc/ssl/stadtkern/fullchain.pem", str(tmp_path / "cert.pem"))
        .replace("/etc/ssl/stadtkern/privkey.pem", str(tmp_path / "key.pem"))
        .replace("/etc/nginx/stadtkern-proxy.conf", str(DEPLOY / "stadtkern-proxy.conf"))
        .replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    )
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)
    (tmp_path / "site.conf").write_text(site)
    for folder in ("body", "proxy", "logs"):
        (tmp_path / folder).mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"""
        # The workers write request bodies below this test's private folder, which only
        # its owner may enter (ignored, with a warning, when not started as root).
        user {getpass.getuser()};
        worker_processes 1;
        pid {tmp_path}/nginx.pid;
        error_log {tmp_path}/logs/error.log;
        events {{ worker_connections 256; }}
        http {{
            access_log off;
            client_body_temp_path {tmp_path}/body;
            proxy_temp_path {tmp_path}/proxy;
            fastcgi_temp_path {tmp_path}/proxy;
            uwsgi_temp_path {tmp_path}/proxy;
            scgi_temp_path {tmp_path}/proxy;
            include {tmp_path}/site.conf;
        }}
        """
    )
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    for port in (https_port, http_port):
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "logs" / "error.log").read_text()) from None
                time.sleep(0.1)
    yield https_port, http_port
    server.terminate()
    server.wait(10)


def _https(port: int) -> http.client.HTTPSConnection:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)


def test_requests_pass_through_tls_with_hsts(proxy):
    https, _http = proxy
    conn = _https(https)
    conn.request("GET", "/api/v1/sdg/goals", headers={"Host": HOST})
    response = conn.getresponse()
    assert response.status == 200
    assert len(response.read()) > 100
    assert "max-age=31536000" in response.getheader("Strict-Transport-Security")


def test_plain_http_is_sent_to_https(proxy):
    _https_port, http_port = proxy
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request("GET", "/m/", headers={"Host": HOST})
    response = conn.getresponse()
    assert response.status == 301
    assert response.getheader("Location").startswith(f"https://{HOST}/")


def test_bodies_over_the_limits_are_refused_by_the_proxy(proxy):
    https, _http = proxy
    conn = _https(https)
    conn.putrequest("POST", "/api/v1/sql", skip_host=True)
    conn.putheader("Host", HOST)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(5 * 2**20))
    conn.endheaders()
    assert conn.getresponse().status == 413  # before the 5 MB are sent
    # A proposal's picture of up to 8 MB passes the proxy (Stadtkern decides on it).
    conn = _https(https)
    conn.request(
        "POST", "/api/v1/participation/proposals/1/image", body=b"\0" * (9 * 2**20),
        headers={"Host": HOST, "Content-Type": "image/png"},
    )  # fmt: skip
    assert conn.getresponse().status in (401, 403, 404)
    conn = _https(https)
    conn.request("GET", "/", headers={"Host": HOST})
    assert conn.getresponse().status in (200, 302)


def test_stadtkern_sees_https_and_the_client_not_the_proxy(proxy):
    https, _http = proxy
    conn = _https(https)
    conn.request("GET", "/login/", headers={"Host": HOST})
    response = conn.getresponse()
    assert response.status == 200
    # Secure cookies are only set when Stadtkern knows the request came over HTTPS.
    assert "Secure" in (response.getheader("Set-Cookie") or "")
