from __future__ import annotations

from datetime import date

import pytest

from repository.identifiers import InvalidIdentifier, mask, normalize_owner, parse_personal_id


def test_personal_id_structure() -> None:
    pid = parse_personal_id("001190012345")
    assert (pid.province_code, pid.female, pid.birth_year) == ("001", True, 1990)
    assert parse_personal_id("079 2 05 123456").birth_year == 2005


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("00119001234", "12"),
        ("0011900123456", "12"),
        ("00119001234a", "12"),
        ("003190012345", "tỉnh"),  # 003 is no province code
        ("001999012345", "tương lai"),  # century digit 9 -> 2299
    ],
)
def test_personal_id_rejected(value: str, why: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        parse_personal_id(value)
    assert why in str(info.value)
    assert value not in str(info.value)  # messages never repeat the identifier


def test_personal_id_against_date_of_birth() -> None:
    parse_personal_id("001190012345", date(1990, 3, 12))
    with pytest.raises(InvalidIdentifier):
        parse_personal_id("001190012345", date(1991, 3, 12))


def test_owner_normalization() -> None:
    assert normalize_owner("công dân", " 001190012345 ") == ("citizen", "001190012345")
    assert normalize_owner("organization", "0101234565") == ("organization", "0101234565")
    assert normalize_owner("tổ chức", "0101234565-001") == ("organization", "0101234565001")
    with pytest.raises(InvalidIdentifier):
        normalize_owner("organization", "0101234566")  # wrong check digit
    with pytest.raises(InvalidIdentifier):
        normalize_owner("robot", "0101234565")


def test_mask() -> None:
    assert mask("001190012345") == "001*******45"
    assert "190012" not in mask("001190012345")
