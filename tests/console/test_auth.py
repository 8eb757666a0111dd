"""Who may do what: every page needs a session, ops sign in with the admin token, owners with a
mailed link that works once and expires; every form needs its CSRF token; the cookie is HttpOnly,
SameSite and, over https, Secure; an altered cookie signs nobody in."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from console.sessions import COOKIE
from tests.console.conftest import MARIA, SAM, TOKEN, csrf_of, open_console, post_form, sign_in_ops, sign_in_owner

PAGES = ["/", "/c/acme-cloud/", "/c/acme-cloud/kr/leads", "/kr/leads", "/c/acme-cloud/actions", "/c/acme-cloud/runs", "/c/acme-cloud/metrics"]
FORMS = ["/c/acme-cloud/kr/training/checkin", "/c/acme-cloud/actions", "/c/acme-cloud/runs/sync", "/c/acme-cloud/metrics/preview", "/c/acme-cloud/metrics/save", "/signout"]


@pytest.mark.parametrize("path", PAGES)
def test_a_page_without_a_session_sends_to_sign_in(console, path):
    answer = console.client.get(path)
    # Sign-in then opens the page asked for.
    assert answer.status_code == 303 and answer.headers["location"] == ("/signin" if path == "/" else f"/signin?{urlencode({'next': path})}")


@pytest.mark.parametrize("path", FORMS)
def test_a_form_without_a_session_is_refused(console, path):
    page = console.client.get("/signin")  # an anonymous session, with its CSRF token
    answer = console.client.post(path, data={"csrf": csrf_of(page.text), "value": "3"})
    assert answer.status_code == 401
    assert console.store().checkins("training") == []


def test_ops_sign_in_with_the_admin_token_and_not_with_another(console):
    refused = sign_in_ops(console.client, token=TOKEN + "x")
    assert refused.status_code == 403 and "not the admin token" in refused.text
    assert console.client.get("/c/acme-cloud/").status_code == 303
    assert sign_in_ops(console.client, token="").status_code == 403
    signed_in = sign_in_ops(console.client)
    assert signed_in.status_code == 303
    overview = console.client.get("/c/acme-cloud/")
    assert overview.status_code == 200 and "Win 300 leads" in overview.text
    assert TOKEN not in overview.text and TOKEN not in signed_in.headers.get("set-cookie", "")


@pytest.mark.parametrize("path", [form for form in FORMS if form != "/signout"])
def test_a_form_without_its_csrf_token_is_refused(console, path):
    sign_in_ops(console.client)
    missing = console.client.post(path, data={"value": "3", "name": "x", "definition": "{}"})
    assert missing.status_code == 403 and "CSRF" in missing.text
    stale = console.client.post(path, data={"csrf": "a-token-of-another-session", "value": "3"})
    assert stale.status_code == 403
    assert console.store().checkins("training") == []


def test_sign_in_forms_need_their_csrf_token_too(console):
    console.client.get("/signin")
    assert console.client.post("/signin/ops", data={"token": TOKEN}).status_code == 403
    assert console.client.post("/signin/email", data={"email": MARIA}).status_code == 403
    assert console.inbox.messages == []


def test_an_owner_signs_in_through_the_mailed_link_once(console):
    signed_in = sign_in_owner(console, MARIA)
    assert signed_in.status_code == 303
    assert "Win 300 leads" in console.client.get("/c/acme-cloud/").text
    message = console.inbox.messages[-1]
    assert message["To"] == MARIA and "Acme Cloud" in message["Subject"]
    link = console.inbox.link_to(MARIA)
    assert link.startswith("http://testserver/signin/link?token=")
    # The same link again, even from the signed-in browser: refused.
    confirm = console.client.get(link.removeprefix("http://testserver"))
    token = re.search(r'name="token" value="([^"]+)"', confirm.text).group(1)
    again = console.client.post("/signin/link", data={"csrf": csrf_of(confirm.text), "token": token})
    assert again.status_code == 400 and "used already" in again.text


def test_an_owner_whose_people_entry_has_a_display_name_signs_in_by_their_address(console):
    """``people:`` may give ``Name <address>`` (the README's own example); the owner types the address alone."""
    console.path.write_text(console.path.read_text().replace(f"Sam: {SAM}", f'Sam: "Sam Reed <{SAM.upper()}>"'))
    console.client.app.state.console.companies[0].reload()
    assert sign_in_owner(console, SAM).status_code == 303
    assert "Close 20 deals" in console.client.get("/c/acme-cloud/kr/deals").text
    assert 'action="/c/acme-cloud/kr/deals/checkin"' in console.client.get("/c/acme-cloud/kr/deals").text


def test_the_sign_in_mail_carries_a_date_and_a_message_id_in_the_senders_domain(console):
    """Mail without Date breaks RFC 5322 (and spam filters mark it); a sender with a display name must not
    put its closing bracket into the Message-ID."""
    console.path.write_text(console.path.read_text().replace("sender: okr@acme.example", 'sender: "OKR Autopilot <okr@acme.example>"'))
    console.client.app.state.console.companies[0].reload()
    sign_in_owner(console, MARIA)
    message = console.inbox.messages[-1]
    assert message["Date"] is not None and message["Date"].datetime.tzinfo is not None
    assert re.fullmatch(r"<[^<>@]+@acme\.example>", message["Message-ID"])


def test_a_reminders_link_opens_its_key_result_once_the_owner_signed_in(console):
    """The reminder links to /kr/ID; signing in on the way must not drop the owner on the overview."""
    asked = console.client.get("/kr/training")
    assert (asked.status_code, asked.headers["location"]) == (303, "/signin?next=%2Fkr%2Ftraining")
    page = console.client.get(asked.headers["location"]).text
    assert '<input type="hidden" name="next" value="/kr/training">' in page
    console.client.post("/signin/email", data={"csrf": csrf_of(page), "email": MARIA, "next": "/kr/training"})
    confirm = console.client.get(console.inbox.link_to(MARIA).removeprefix("http://testserver"))
    token = re.search(r'name="token" value="([^"]+)"', confirm.text).group(1)
    signed_in = console.client.post("/signin/link", data={"csrf": csrf_of(confirm.text), "token": token})
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/kr/training")
    assert console.client.get("/kr/training").headers["location"] == "/c/acme-cloud/kr/training"


def test_ops_signing_in_go_to_the_page_they_asked_for(console):
    page = console.client.get("/signin", params={"next": "/c/acme-cloud/runs"}).text
    signed_in = console.client.post("/signin/ops", data={"csrf": csrf_of(page), "token": TOKEN, "next": "/c/acme-cloud/runs"})
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/c/acme-cloud/runs")


@pytest.mark.parametrize("elsewhere", ["//evil.example/kr/x", "https://evil.example/", "/\\evil.example", "evil", "/signin/link?token=x", "/kr/x\r\nSet-Cookie: a=b"])
def test_signing_in_never_sends_anyone_off_the_console(console, elsewhere):
    page = console.client.get("/signin", params={"next": elsewhere}).text
    assert '<input type="hidden" name="next" value="/">' in page
    signed_in = console.client.post("/signin/ops", data={"csrf": csrf_of(page), "token": TOKEN, "next": elsewhere})
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/")


def test_a_link_followed_in_another_browser_after_its_use_is_refused(console, inbox):
    sign_in_owner(console, MARIA)
    link = inbox.link_to(MARIA).removeprefix("http://testserver")
    other = open_console(console.paths, inbox)
    confirm = other.client.get(link)
    token = re.search(r'name="token" value="([^"]+)"', confirm.text).group(1)
    answer = other.client.post("/signin/link", data={"csrf": csrf_of(confirm.text), "token": token})
    assert answer.status_code == 400 and "used already" in answer.text
    assert other.client.get("/c/acme-cloud/").status_code == 303


def test_an_expired_link_is_refused(console):
    page = console.client.get("/signin")
    console.client.post("/signin/email", data={"csrf": csrf_of(page.text), "email": MARIA})
    link = console.inbox.link_to(MARIA).removeprefix("http://testserver")
    console.clock[0] += timedelta(minutes=30, seconds=1)
    answer = console.client.get(link)
    assert answer.status_code == 400 and "has expired" in answer.text
    assert console.client.get("/c/acme-cloud/").status_code == 303


def test_an_altered_link_is_refused(console):
    page = console.client.get("/signin")
    console.client.post("/signin/email", data={"csrf": csrf_of(page.text), "email": MARIA})
    link = console.inbox.link_to(MARIA).removeprefix("http://testserver")
    body, mac = link.split("token=")[1].split(".")
    forged = link.split("token=")[0] + "token=" + body.replace(body[5], "A" if body[5] != "A" else "B") + "." + mac
    assert console.client.get(forged).status_code == 400


def test_the_answer_to_an_address_says_nothing_of_who_is_known(console):
    page = console.client.get("/signin")
    known = console.client.post("/signin/email", data={"csrf": csrf_of(page.text), "email": SAM})
    unknown = console.client.post("/signin/email", data={"csrf": csrf_of(page.text), "email": "mallory@evil.example"})
    strip = lambda html: re.sub(r'name="csrf" value="[^"]+"', "", html)  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known.text) == strip(unknown.text)
    assert [message["To"] for message in console.inbox.messages] == [SAM]


def test_the_cookie_is_httponly_and_samesite_and_secure_over_https(console, inbox):
    cookie = console.client.get("/signin").headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "secure" not in cookie.lower()
    over_tls = open_console(console.paths, inbox, base_url="https://testserver")
    assert "secure" in over_tls.client.get("/signin").headers["set-cookie"].lower()
    flagged = open_console(console.paths, inbox, secure_cookies=True)
    assert "secure" in flagged.client.get("/signin").headers["set-cookie"].lower()


def test_an_altered_session_cookie_signs_nobody_in(console):
    sign_in_ops(console.client)
    cookie = console.client.cookies[COOKIE]
    body, mac = cookie.split(".")
    console.client.cookies.clear()
    console.client.cookies.set(COOKIE, body + "." + mac[:-2] + ("AA" if not mac.endswith("AA") else "BB"))
    assert console.client.get("/c/acme-cloud/").status_code == 303


def test_a_session_ends_after_its_lifetime_and_sign_out_ends_it_at_once(console):
    sign_in_ops(console.client)
    assert console.client.get("/c/acme-cloud/").status_code == 200
    signed_out = post_form(console.client, "/c/acme-cloud/", "/signout", {})
    assert signed_out.status_code == 303 and console.client.get("/c/acme-cloud/").status_code == 303
    sign_in_ops(console.client)
    console.clock[0] += timedelta(hours=12, seconds=1)
    assert console.client.get("/c/acme-cloud/").status_code == 303


def test_pages_carry_headers_that_keep_them_out_of_frames_caches_and_referers(console):
    answer = console.client.get("/signin")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert "script-src" not in answer.headers["content-security-policy"]  # default-src 'none': no script at all
    assert answer.headers["referrer-policy"] == "no-referrer" and answer.headers["cache-control"] == "no-store"
