"""Huiqi (惠企) entry point: page config, sign-in, and navigation built from the user's permissions."""
from __future__ import annotations

import streamlit as st

from components import feedback, nav, signin
from components.text import md
from db.engine import get_engine
from services.core import notify
from services.core.bootstrap import init_db
from services.core.production import refuse_unsafe_start
from services.core.permissions import ROLES, Actor
from services.reference import region_full_name

st.set_page_config(page_title="惠企 · 企业服务数据平台", page_icon="🏛️", layout="wide")
# No table offers Streamlit's own "Download as CSV" or copy: it writes a cell such as =HYPERLINK(…) as a live
# formula. Users export through the app's formula-safe Excel (services/io/excel.py). .streamlit/config.toml
# sets this; here it also holds when the app was started elsewhere (the file is read from the working
# directory). The browser learns the option at the start of each run, hence the one rerun.
if not st.get_option("client.disableDataExport"):
    st.set_option("client.disableDataExport", True)
    st.rerun()


@st.cache_resource(show_spinner="正在准备数据库……")
def _ready(url: str) -> bool:
    init_db()
    refuse_unsafe_start()  # production: not while a demo account still has the public demo password
    return True


def _sidebar(actor: Actor) -> None:
    roles = "、".join(ROLES[r].name for r in sorted(actor.roles) if r in ROLES)
    st.markdown(f"**{md(actor.display_name)}**  \n{md(roles)}")
    if actor.region_code:
        st.caption(f"辖区：{md(region_full_name(actor.region_code))}")
    if unread := notify.unread_count(actor):
        st.page_link("pages/common/inbox.py", label=f"未读消息 {unread:d} 条", icon=":material/mark_email_unread:")
    if st.button("退出登录", key="signout", width="stretch"):
        signin.sign_out()  # forgets every piece of this user's UI state
        st.session_state["actor"] = None
        st.rerun()


# Everything runs inside the one error boundary: domain errors in Chinese, the rest logged with an id
# the user can quote; never a traceback, a class name or a file path. A request id a successful action
# used is renewed only when the run ends (not when it stops for a rerun): a double click replays.
with feedback.renewing_requests(), feedback.error_boundary():
    _ready(get_engine().url.render_as_string(hide_password=True))
    actor = signin.current_actor()
    st.session_state["actor"] = actor
    signin.sync_cookie()
    # navigation first: the sidebar's page link below may only point to a page it knows; expanded: every
    # page listed (Streamlit would fold long menus behind an English "View N more")
    page = st.navigation(nav.navigation_for(actor, nav.landing_page(actor)), expanded=True)
    if actor is not None:
        with st.sidebar, feedback.error_boundary():
            _sidebar(actor)
    nav.close_sidebar_on_phone(page.url_path)
    page.run()
