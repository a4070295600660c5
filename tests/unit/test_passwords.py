"""Password rules from the manuals."""
import pytest

from services.identity.accounts import hash_password, password_problems


@pytest.mark.parametrize("pw", ["Abcdefg1", "abcdef1!", "ABCDEF1!", "Abc!defg", "Aa1!Aa1!Aa1!Aa1!Aa"])
def test_acceptable(pw: str) -> None:
    assert password_problems(pw) == []


@pytest.mark.parametrize("pw,fragment", [
    ("Abc1!", "8–18"), ("Aa1!Aa1!Aa1!Aa1!Aa1", "8–18"), ("abcdefgh", "3 种"), ("abcdefg1", "3 种"),
    ("12345678", "3 种"), ("Abcdef 1!", "不能包含"), ("Abcdef1中文", "不能包含"),
])
def test_rejected_with_named_rule(pw: str, fragment: str) -> None:
    problems = password_problems(pw)
    assert any(fragment in p for p in problems), problems


def test_username_and_phone_not_allowed() -> None:
    assert any("用户名" in p for p in password_problems("Zhang3Feng!", username="zhang3feng"))
    assert any("手机号" in p for p in password_problems("Aa13912345678", phone="13912345678"))
    assert password_problems("Zhang3Feng!", username="li") == []


def test_recent_passwords_refused() -> None:
    old = [hash_password("Old@pass1"), hash_password("Older@pass2")]
    assert any("最近" in p for p in password_problems("Older@pass2", previous_hashes=old))
    assert password_problems("Brand@new3", previous_hashes=old) == []
