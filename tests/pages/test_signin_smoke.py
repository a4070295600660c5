"""Sign-in through the real app script."""
from tests.factories import PASSWORD, make_admin
from tests.pages.conftest import sign_in


def test_admin_signs_in_and_sees_only_admin_pages(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_xw_t")
    at = sign_in(app, "admin_xw_t", PASSWORD)
    assert not at.exception
    assert at.title[0].value.startswith("您好")
    assert at.session_state["actor"].username == "admin_xw_t"
