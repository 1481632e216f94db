"""The signature covers method, path, query, time, nonce and body."""

from common import signing

SECRET = b"s" * 32


def _headers(**kw):
    args = {"method": "POST", "path_and_query": "/api/v1/x?a=1", "body": b'{"n":1}'}
    args.update(kw)
    return args, signing.sign(
        SECRET, args["method"], args["path_and_query"], args["body"], "kiosk-1", now=1_700_000_000, nonce="n" * 32
    )


def test_roundtrip_and_every_part_is_covered():
    args, h = _headers()
    ok = {
        "timestamp": h[signing.HEADER_TIMESTAMP],
        "nonce": h[signing.HEADER_NONCE],
        "signature": h[signing.HEADER_SIGNATURE],
    }
    assert signing.verify(SECRET, args["method"], args["path_and_query"], args["body"], **ok)
    assert not signing.verify(SECRET, "GET", args["path_and_query"], args["body"], **ok)
    assert not signing.verify(SECRET, "POST", "/api/v1/x?a=2", args["body"], **ok)
    assert not signing.verify(SECRET, "POST", args["path_and_query"], b'{"n":2}', **ok)
    assert not signing.verify(SECRET, "POST", args["path_and_query"], args["body"], **{**ok, "timestamp": "1700000001"})
    assert not signing.verify(SECRET, "POST", args["path_and_query"], args["body"], **{**ok, "nonce": "m" * 32})
    assert not signing.verify(b"t" * 32, "POST", args["path_and_query"], args["body"], **ok)


def test_derived_secrets_differ_per_kiosk_and_generation():
    master = b"m" * 32
    a0 = signing.derive_kiosk_secret(master, "a", 0)
    assert a0 == signing.derive_kiosk_secret(master, "a", 0)
    assert len({a0, signing.derive_kiosk_secret(master, "a", 1), signing.derive_kiosk_secret(master, "b", 0)}) == 3
