"""Identity rules: GB 11643 check digits, masking, age, expiry, keyed hashes,
and that no full ID number reaches a log line or a repr."""

from __future__ import annotations

import io
import logging
from datetime import date

import pytest

from common.identity import Identity, InvalidIdentity, id_check_char, mask_id, mask_name, validate_id_number
from common.privacy import IdNumberScrubber, scrub

VALID = "11010519491231002X"


def test_check_digit_from_the_standard():
    assert id_check_char(VALID[:17]) == "X"
    assert validate_id_number(" 11010519491231002x ") == VALID


@pytest.mark.parametrize(
    "number,why",
    [
        ("110105194912310021", "check digit"),
        ("11010519491231002", "17 digits"),
        ("1101051949123100AX", "17 digits"),
        ("110105194902300028", "birth date"),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(number, why):
    if why == "birth date":  # 1949-02-30 with a correct check digit
        number = number[:17] + id_check_char(number[:17])
    with pytest.raises(InvalidIdentity) as err:
        validate_id_number(number)
    assert why in str(err.value) and err.value.reason == "invalid_id"


def test_masking():
    assert mask_id(VALID) == "1101**********002X"
    assert (mask_name("张伟明"), mask_name("张三"), mask_name("欧阳娜娜"), mask_name("Jan Peeters")) == (
        "张*明",
        "张*",
        "欧阳**",
        "J** P******",
    )


def test_age_expiry_and_keyed_hash():
    person = Identity(name="张伟明", id_number=VALID, birth_date=date(1949, 12, 31), valid_to=date(2030, 1, 1))
    assert person.age_on(date(2026, 12, 30)) == 76 and person.age_on(date(2026, 12, 31)) == 77
    assert not person.expired_on(date(2029, 12, 31)) and person.expired_on(date(2030, 1, 2))
    assert not Identity(name="x", id_number=VALID, birth_date=date(1949, 12, 31)).expired_on(date(2999, 1, 1))
    h1, h2 = person.keyed_hash(b"k" * 32), person.keyed_hash(b"j" * 32)
    assert h1 == person.keyed_hash(b"k" * 32) and h1 != h2 and VALID not in h1 and len(h1) == 64


def test_repr_and_logs_never_show_the_full_number(caplog):
    person = Identity(name="张伟明", id_number=VALID, birth_date=date(1949, 12, 31))
    assert VALID not in repr(person) and VALID not in str(person) and "张伟明" not in repr(person)
    logger = logging.getLogger("test.privacy")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(IdNumberScrubber())
    logger.addHandler(handler)
    try:
        logger.warning("card %s read for %s", VALID, "x")
        logger.warning(f"inline {VALID}")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert VALID not in text and text.count("1101**********002X") == 2
    assert scrub("order 20261121123456789012 and 13800138000") == "order 20261121123456789012 and 13800138000"


def test_tracebacks_are_scrubbed_too():
    logger = logging.getLogger("test.privacy.exc")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(IdNumberScrubber())
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"bad card {VALID.lower()}")
        except ValueError:
            logger.exception("reading failed")
        logger.warning("where", stack_info=True, extra={})
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "ValueError: bad card 1101**********002X" in text and VALID.lower() not in text
