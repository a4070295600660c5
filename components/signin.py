"""Sign-in on top of streamlit-authenticator's cookie model, with its known gaps closed.

streamlit-authenticator signs a re-authentication cookie (JWT, HS256) with ``cookie_key`` and
writes it through extra-streamlit-components. Its own token holds just a username, so a copied
cookie outlives logout. Here the signed token holds a random *session id* instead; every rerun
asks ``services.auth.resume`` whether that server-side session is still live, so logout,
password change, reset or disabling revoke it at once. Credentials live in the database.
"""
from __future__ import annotations

import datetime as dt

import jwt
import streamlit as st
from streamlit_authenticator.models.cookie_model import CookieModel

from config import settings
from services import auth
from services.errors import ServiceError
from services.permissions import Actor

TOKEN_KEY = "auth_token"


class RevocableCookie(CookieModel):
    """streamlit-authenticator's cookie model carrying a revocable session id."""

    def __init__(self) -> None:
        super().__init__(settings.cookie_name, settings.secret_key, settings.session_days)
        self._sid: str | None = None

    def _token_encode(self) -> str:
        return jwt.encode({"sid": self._sid, "exp_date": self.exp_date}, self.cookie_key, algorithm="HS256")

    def store(self, sid: str) -> None:
        """Write the signed cookie for session ``sid``."""
        self._sid = sid
        self.set_cookie()

    def read_sid(self) -> str | None:
        """Return the session id of a validly signed, unexpired cookie sent by the browser."""
        raw = st.context.cookies.get(self.cookie_name) if self.cookie_name in st.context.cookies else None
        if not isinstance(raw, str) or not raw:
            return None
        try:
            data = jwt.decode(raw, self.cookie_key, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        if data.get("exp_date", 0) <= dt.datetime.now().timestamp():
            return None
        return data.get("sid")


def client_id() -> str:
    """Return the identity used to throttle sign-in attempts per client."""
    ip = st.context.ip_address
    return ip if isinstance(ip, str) and ip else "local"  # no address under AppTest / behind some proxies


def current_actor(cookie: RevocableCookie | None = None) -> Actor | None:
    """Return the signed-in actor, resuming from this session or the browser's cookie."""
    token = st.session_state.get(TOKEN_KEY)
    if token is None and cookie is not None and not st.session_state.get("signed_out"):
        token = cookie.read_sid()
    actor = auth.resume(token)
    if actor is None:
        st.session_state.pop(TOKEN_KEY, None)
    else:
        st.session_state[TOKEN_KEY] = token
    return actor


def sign_in_form(cookie: RevocableCookie | None) -> Actor | None:
    """Render the sign-in form; on success return the actor (cookie written, no rerun needed)."""
    with st.form("signin", clear_on_submit=False):
        st.subheader("账户登录")
        username = st.text_input("用户名", key="signin_username", autocomplete="username")
        password = st.text_input("密码", type="password", key="signin_password", autocomplete="current-password")
        submitted = st.form_submit_button("登录", type="primary", width="stretch")
    if not submitted:
        return None
    if not username or not password:
        st.error("请输入用户名和密码。")
        return None
    try:
        token, actor = auth.sign_in(username, password, client_id())
    except ServiceError as err:
        st.error(str(err))
        return None
    st.session_state[TOKEN_KEY] = token
    st.session_state.pop("signed_out", None)
    if cookie is not None:
        cookie.store(token)
    return actor


def sign_out(cookie: RevocableCookie | None) -> None:
    """Revoke the server-side session and drop the browser cookie."""
    auth.sign_out(st.session_state.pop(TOKEN_KEY, None))
    st.session_state["signed_out"] = True
    if cookie is not None:
        try:
            cookie.delete_cookie()
        except Exception:  # noqa: BLE001 - the session is revoked server-side anyway
            pass


def make_cookie() -> RevocableCookie:
    """Return the cookie helper (renders streamlit-authenticator's invisible cookie component)."""
    return RevocableCookie()
