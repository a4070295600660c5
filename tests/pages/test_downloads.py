"""components.downloads: a file is built only when asked, and only offered for what it was built from."""
from streamlit.testing.v1 import AppTest


def _script() -> None:
    import streamlit as st

    from components.downloads import prepared_download
    query = st.text_input("筛选", key="q")
    st.session_state.setdefault("builds", 0)

    def build() -> bytes:
        st.session_state["builds"] += 1
        return query.encode()

    prepared_download("t", query, build, "生成", "下载", "t.txt", "text/plain")


def test_built_on_request_and_dropped_when_the_source_changes() -> None:
    at = AppTest.from_function(_script).run()
    assert at.session_state["builds"] == 0 and not at.download_button
    at.button(key="t_prepare").click().run()
    assert at.session_state["builds"] == 1 and [b.label for b in at.download_button] == ["下载"]
    at.run()  # an unrelated rerun keeps the file and builds nothing
    assert at.session_state["builds"] == 1 and [b.label for b in at.download_button] == ["下载"]
    at.text_input(key="q").set_value("x").run()
    assert not at.download_button and "t_file" not in at.session_state
    assert [b.key for b in at.button] == ["t_prepare"]
    at.button(key="t_prepare").click().run()
    assert at.session_state["builds"] == 2 and at.session_state["t_file"] == ("x", b"x")
