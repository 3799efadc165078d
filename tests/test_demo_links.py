"""What a role cannot use is not offered to it: every link a demo sign-in is shown works.

Each demo sign-in follows the links its pages offer, breadth first from its home page, as a
new user clicking around would. Every page reached must answer 200 (or redirect to a page
that does): a link that leads to a refusal (403/404), an error (500) or the sign-in page
is a page offering something its reader may not use. Links that change state are forms
(POST), never links, so following every link is safe.
"""

from __future__ import annotations

import re
from collections import deque
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from safeguard.accounts.models import User

# Per sign-in: enough pages to reach the child record's every tab and each list's first
# rows, few enough that the whole demo stays a short test.
PAGES_PER_USER = 45
HREF = re.compile(r'href="([^"#]*)"')
# Not pages of the service: static files, the sign-out (it ends the crawl), downloads
# checked elsewhere (CSV exports are tested with their pages), and external sites.
SKIP = re.compile(r"^/(static/|sign-out|favicon\.ico)|\.csv$|[?&]format=csv")


def _links(body: str, base: str) -> list[str]:
    found = []
    for href in HREF.findall(body):
        url = urljoin(base, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith("/") and not SKIP.search(path):
            found.append(path)
    return found


def crawl(user) -> list[str]:
    """Problems met by `user` following the links of its pages (empty when none)."""
    client = Client()
    client.force_login(user)
    seen, queue, problems = {"/"}, deque([("/", "(home)")]), []
    pages = 0
    while queue and pages < PAGES_PER_USER:
        path, came_from = queue.popleft()
        response = client.get(path, follow=True)
        pages += 1
        final = response.request["PATH_INFO"]
        if response.status_code != 200 or final.startswith("/sign-in"):
            problems.append(
                f"{user.username} ({user.role}): {path} answered {response.status_code}"
                f"{' (sent to sign-in)' if final.startswith('/sign-in') else ''}, "
                f"linked from {came_from}"
            )
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in _links(response.content.decode(), path):
            if link not in seen:
                seen.add(link)
                queue.append((link, path))
    return problems


@pytest.mark.django_db
def test_every_link_each_demo_sign_in_is_shown_works(settings):
    settings.SAFEGUARD_REQUIRE_OTP = False
    call_command("demo", "--no-serve", stdout=StringIO())
    users = list(User.objects.filter(is_active=True).order_by("username"))
    assert len(users) > 20
    problems = [problem for user in users for problem in crawl(user)]
    assert not problems, "\n".join(problems)
