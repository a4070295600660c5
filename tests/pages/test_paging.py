"""components.paging: the count, the page number, and page 1 again when the filter changes."""
from streamlit.testing.v1 import AppTest


def _script() -> None:
    import streamlit as st

    from components.paging import paged
    query = st.text_input("筛选", key="q")
    rows = paged("t", query, lambda page: (45, [f"{query}{page}"]), 20, "条")
    st.write(rows[0])


def test_pages_reset_on_a_new_filter() -> None:
    at = AppTest.from_function(_script).run()
    assert not at.exception
    assert at.caption[0].value == "共 45 条，第 1/3 页" and at.markdown[0].value == "0"
    at.number_input(key="t_page").set_value(3).run()
    assert at.caption[0].value == "共 45 条，第 3/3 页" and at.markdown[0].value == "2"
    at.text_input(key="q").set_value("x").run()
    assert at.caption[0].value == "共 45 条，第 1/3 页" and at.markdown[0].value == "x0"
