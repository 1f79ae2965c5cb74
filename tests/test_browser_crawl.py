"""Every page of the demo, as its visitors meet it: Chromium follows the links from `/` and
`/en/`, anonymously and as an editor, and each page answers without an error, logs no
console error or warning, does not scroll sideways at 1280, 390 or 360 px, and has no
serious or critical accessibility violation (axe-core)."""

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from stadtkern.core.models import User
from stadtkern.data.demo import demo_load_data
from stadtkern.indicators.demo import demo_load_indicators, demo_load_neighbour
from stadtkern.participation.demo import demo_load_participation
from stadtkern.sensors.demo import demo_load_sensors
from stadtkern.steering.demo import demo_load_steering
from stadtkern.strategy.demo import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "crawl-the-demo-42"
# Machine interfaces, files and actions are not pages; they have their own tests.
SKIP = re.compile(
    r"^/(en/)?(api/|sta/|ogcapi/|catalog\.|admin/|static/|logout/)"
    r"|/export/|/image$|\.(pb|csv|xlsx|ods|ttl|rdf|jsonld|geojson|json|svg|png|ics)$|/codes/|/rows$"
)
MAX_PAGES = 220
WIDTHS = (1280, 390, 360)


@pytest.fixture
def demo():
    demo_load(password=PASSWORD)
    from stadtkern.core.models import Municipality

    musterstadt = Municipality.objects.get(slug="musterstadt")
    demo_load_data(musterstadt, User.objects.get(username="anna"))
    demo_load_sensors(musterstadt)
    demo_load_participation(musterstadt, PASSWORD)
    demo_load_indicators(musterstadt, User.objects.get(username="anna"))
    demo_load_neighbour(
        Municipality.objects.get(slug="beispielhausen"), User.objects.get(username="bruno")
    )
    demo_load_steering(musterstadt, Municipality.objects.get(slug="beispielhausen"))
    return musterstadt


def _pattern(path: str) -> str:
    """Pages that differ only in ids (or indicator keys) are one kind of page: one of each
    is enough."""
    path = re.sub(r"/(cockpit|indicators)/[a-z][a-z0-9_]+/", r"/\1/K/", path)
    return re.sub(r"\d+", "N", path)


def _crawl(page, base: str, starts: list[str]) -> list[str]:
    problems, seen, queue = [], set(), list(starts)
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    visited = 0
    while queue and visited < MAX_PAGES:
        path = queue.pop(0)
        if _pattern(path) in seen:
            continue
        seen.add(_pattern(path))
        visited += 1
        console.clear()
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(base + path)
        page.wait_for_load_state("networkidle")
        if response is None or response.status >= 400:
            problems.append(f"{path}: HTTP {response.status if response else '?'}")
            continue
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(50)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                wide = page.evaluate(
                    """w => Array.from(document.querySelectorAll('body *'))
                        .filter(e => e.getBoundingClientRect().right > w + 1
                                     || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')
                        .slice(0, 3).map(e => e.tagName + '.' + e.className)""",
                    width,
                )
                problems.append(f"{path} at {width} px: {overflow} px sideways {wide}")
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        results = Axe().run(page)
        serious = [
            v["id"]
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            problems.append(f"{path}: axe {serious}")
        if console:
            problems.append(f"{path}: console {console[:3]}")
        for href in page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.getAttribute('href'))"
        ):
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.search(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if _pattern(target) not in seen:
                queue.append(target)
    assert visited > 30, f"only {visited} pages reached"
    return problems


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_every_page_answers_fits_a_phone_and_is_accessible(page, live_server, demo, who):
    if who == "editor":
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Benutzername").fill("erik")
        page.get_by_label("Passwort").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Anmelden").click()
    problems = _crawl(page, live_server.url, ["/", "/en/"])
    assert problems == [], "\n".join(problems)
