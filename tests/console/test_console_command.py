"""``okr console`` as ops start it: a process listening on 127.0.0.1, its secret kept in a
file only its owner reads, the sign-in link's token never in its log, a broken config one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.console.conftest import TOKEN, TOKEN_ENV
from tests.smtp import free_port

OKR = [str(Path(sys.executable).parent / "okr")]


def _wait_for(url: str, process: subprocess.Popen) -> None:
    while True:
        assert process.poll() is None, process.stdout.read()
        try:
            urllib.request.urlopen(url)
            return
        except OSError:
            time.sleep(0.1)  # polling until the server listens, not timing it


def test_okr_console_serves_the_sign_in_page_and_keeps_link_tokens_out_of_its_log(company_config: Path):
    port = free_port()
    environment = {**os.environ, TOKEN_ENV: TOKEN}
    process = subprocess.Popen([*OKR, "console", "-c", str(company_config), "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
    try:
        _wait_for(f"http://127.0.0.1:{port}/signin", process)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/signin/link?token=abc.secret-part-of-a-link")
        except urllib.error.HTTPError as error:
            assert error.code == 400
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    assert f"OKR console for Acme Cloud: http://127.0.0.1:{port}/" in output
    assert "GET /signin/link?token=[hidden]" in output and "secret-part-of-a-link" not in output
    assert TOKEN not in output
    secret = company_config.parent / ".okr" / "console-secret"
    assert secret.stat().st_mode & 0o777 == 0o600 and secret.read_text().strip() not in output


def test_okr_console_refuses_a_broken_config_in_one_line(tmp_path: Path):
    path = tmp_path / "okrs.yaml"
    path.write_text("company: Acme\n")
    result = subprocess.run([*OKR, "console", "-c", str(path), "--port", str(free_port())], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}: period:") and "Traceback" not in result.stderr


def _cookie_over_proxy(company_config: Path, *options: str) -> str:
    """The Set-Cookie a request forwarded by a TLS proxy (X-Forwarded-Proto: https) gets."""
    port = free_port()
    process = subprocess.Popen([*OKR, "console", "-c", str(company_config), "--port", str(port), *options], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(f"http://127.0.0.1:{port}/signin", process)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/signin", headers={"X-Forwarded-Proto": "https"})
        return urllib.request.urlopen(request).headers["Set-Cookie"]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)


def test_cookies_are_secure_behind_a_trusted_proxy_and_only_then(company_config: Path):
    assert "secure" in _cookie_over_proxy(company_config, "--trusted-proxy", "127.0.0.1").lower()
    # Anyone may send the header: from a proxy not named, it changes nothing.
    assert "secure" not in _cookie_over_proxy(company_config).lower()
    assert "secure" not in _cookie_over_proxy(company_config, "--trusted-proxy", "10.0.0.7").lower()
