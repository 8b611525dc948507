"""`jianbao serve` beyond loopback: refused without an editor account, log-in everywhere with one, HTTPS."""

from __future__ import annotations

import datetime as dt
import os
import re
import ssl
import subprocess
import sys
import time

import httpx2 as httpx
import pytest

from tests.web.portal_util import PASSWORDS, portal_ws, token_of


def _self_signed(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    import ipaddress

    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _serve(root, *args):
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    return subprocess.Popen([sys.executable, "-m", "composer", "-C", str(root), "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _url(proc) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        m = re.search(r"(https?://[\d.]+:\d+)/", line)
        if m:
            return m[1]
        if proc.poll() is not None:
            break
    raise AssertionError("server did not start: " + proc.stderr.read())


def test_non_loopback_without_editor_refused(make_ws):
    root = make_ws()
    proc = _serve(root, "--host", "0.0.0.0")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "refusing to listen on 0.0.0.0" in err and "jianbao user add" in err


def test_https_on_all_addresses_with_editor_account(make_ws, tmp_path):
    root = portal_ws(make_ws, git=False)
    cert, key = _self_signed(tmp_path)
    proc = _serve(root, "--host", "0.0.0.0", "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        url = _url(proc)
        assert url.startswith("https://")
        with httpx.Client(verify=ssl.create_default_context(cafile=str(cert)), follow_redirects=False, timeout=10) as c:
            r = c.get(url + "/issues")
            assert r.status_code == 303 and r.headers["location"].startswith("/login")  # log-in everywhere
            r = c.get(url + "/login")
            assert r.status_code == 200
            r = c.post(url + "/login", data={"username": "editor1", "password": PASSWORDS["editor1"],
                                             "csrf_token": token_of(r.text)})
            assert r.status_code == 303
            cookie = r.headers["set-cookie"].lower()
            assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
            assert c.get(url + "/issues").status_code == 200
        with pytest.raises(httpx.HTTPError):  # plain HTTP on the TLS port gets nothing
            httpx.get(url.replace("https://", "http://") + "/login", timeout=5)
    finally:
        proc.terminate()
        proc.wait(10)
