"""On the wire: exactly the built request, an untouched session, proxies and CAs, no redirects.

Every server here is on loopback and is not dtmfkit's emulator unless it says so: a raw capture
server, a forward proxy, a TLS server trusted only through a private CA.
"""

import copy
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import trustme

import dtmfkit
from dtmfkit import CatapultClient, DtmfSyntaxError, Emulator, RedirectError, TransportError
from tests.conftest import SECRET, TOKEN
from tests.servers import capture_server, forward_proxy, wire_bytes


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_the_server_receives_exactly_the_built_request(no_proxy_env: None) -> None:
    with capture_server() as (url, capture):
        client = CatapultClient("u-1", TOKEN, SECRET, base_url=url)
        built = client.build_request("c-9", "1WWW,59#")
        client.send_dtmf("c-9", "1WWW,59#")
    assert capture.requests == [wire_bytes(built)]
    assert b'{"dtmfOut": "1WWW,59#"}' in capture.requests[0]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_after_exactly_one_request(
    emulator: Emulator, client: CatapultClient, status: int
) -> None:
    call_id = emulator.create_call()
    elsewhere = f"{emulator.base_url}/v1/users/u-test/calls/{call_id}"
    emulator.inject(status=status, headers={"Location": elsewhere})
    with pytest.raises(RedirectError, match=rf"{status} .* to '{elsewhere}'") as caught:
        client.send_dtmf(call_id, "1")
    assert (caught.value.status, caught.value.location) == (status, elsewhere)
    assert caught.value.may_have_played is False
    assert [r.method for r in emulator.requests] == ["POST"]
    assert emulator.heard(call_id) == []


def snapshot(session: requests.Session) -> tuple[object, ...]:
    return (
        dict(session.headers),
        session.auth,
        session.trust_env,
        dict(session.adapters),
        copy.deepcopy(session.proxies),
        session.verify,
        session.cert,
        sorted(session.cookies.items()),
        session.max_redirects,
    )


def test_a_callers_session_is_never_modified(emulator: Emulator, no_proxy_env: None) -> None:
    session = requests.Session()
    session.headers["X-Mine"] = "kept"
    before = snapshot(session)
    client = CatapultClient(*emulator.credentials, base_url=emulator.base_url, session=session)
    client.send_dtmf(emulator.create_call(), "5")
    client.close()
    assert snapshot(session) == before
    # The caller's next request to another host carries no Catapult credentials.
    with capture_server() as (url, capture):
        session.get(url, timeout=5)
    assert b"Authorization" not in capture.requests[0]
    assert b"X-Mine: kept" in capture.requests[0]


def test_netrc_never_provides_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_proxy_env: None
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login intruder password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with capture_server() as (url, capture):
        client = CatapultClient("u-1", TOKEN, SECRET, base_url=url)
        client.send_dtmf("c-1", "1")
    assert wire_bytes(client.build_request("c-1", "1")) == capture.requests[0]
    assert b"intruder" not in capture.requests[0]


def test_the_environment_proxy_is_used_and_no_proxy_respected(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, no_proxy_env: None
) -> None:
    with forward_proxy() as (proxy, relayed):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        client = CatapultClient(*emulator.credentials, base_url=emulator.base_url)
        call_id = emulator.create_call()
        client.send_dtmf(call_id, "1W2")
        assert [(r.method, r.target) for r in relayed] == [
            ("POST", f"{emulator.base_url}/v1/users/u-test/calls/{call_id}/dtmf")
        ]
        assert relayed[0].body == b'{"dtmfOut": "1W2"}'
        assert emulator.heard(call_id) == ["1W2"]
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        client.send_dtmf(call_id, "3")
        assert len(relayed) == 1  # straight to the emulator
    assert emulator.heard(call_id) == ["1W2", "3"]


def test_an_explicit_proxy_wins_over_the_environment(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, no_proxy_env: None
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with forward_proxy() as (proxy, relayed):
        client = CatapultClient(*emulator.credentials, base_url=emulator.base_url, proxy=proxy)
        call_id = emulator.create_call()
        client.send_dtmf(call_id, "7")
    assert [r.method for r in relayed] == ["POST"]
    assert emulator.heard(call_id) == ["7"]


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_emulator(authority: trustme.CA) -> Iterator[Emulator]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with Emulator(user_id="u-test", api_token=TOKEN, api_secret=SECRET, tls=context) as running:
        yield running


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_private_ca_from_the_environment_is_trusted(
    tls_emulator: Emulator,
    authority: trustme.CA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy_env: None,
    variable: str,
) -> None:
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv(variable, str(bundle))
    client = CatapultClient(*tls_emulator.credentials, base_url=tls_emulator.base_url)
    call_id = tls_emulator.create_call()
    assert client.send_dtmf(call_id, "1#").status == 200
    assert tls_emulator.heard(call_id) == ["1#"]


def test_an_untrusted_certificate_sends_nothing(
    tls_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, no_proxy_env: None
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    client = CatapultClient(
        *tls_emulator.credentials, base_url=tls_emulator.base_url, connect_retries=1, backoff=0.01
    )
    refused = r"TLS connection failed .* nothing was sent"
    with pytest.raises(TransportError, match=refused) as caught:
        client.send_dtmf(tls_emulator.create_call(), "1")
    assert caught.value.may_have_played is False
    assert tls_emulator.requests == []


def test_another_grammar_never_reaches_the_network(
    emulator: Emulator, client: CatapultClient
) -> None:
    bxml = dtmfkit.PROFILES["bandwidth-bxml"].grammar
    sequence = dtmfkit.parse("1a", grammar=bxml)
    with pytest.raises(DtmfSyntaxError) as parsed:
        dtmfkit.parse("1a")
    with pytest.raises(DtmfSyntaxError) as sent:
        client.send_dtmf(emulator.create_call(), sequence)
    assert str(sent.value) == str(parsed.value)
    assert sent.value.position == parsed.value.position == 2
    assert emulator.requests == []
    # A sequence of another grammar whose text Catapult accepts is sent as it is.
    call_id = emulator.create_call()
    client.send_dtmf(call_id, dtmfkit.parse("12", grammar=bxml))
    assert emulator.heard(call_id) == ["12"]
