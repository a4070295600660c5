"""Sign-in on top of streamlit-authenticator's cookie model, with its known gaps closed.

streamlit-authenticator signs a re-authentication cookie (JWT, HS256) with ``cookie_key`` and
writes it through extra-streamlit-components. Its own token holds just a username, so a copied
cookie outlives logout. Here the signed token holds a random *session id* instead; every rerun
asks ``services.identity.auth.resume`` whether that server-side session is still live, so logout,
password change, reset or disabling revoke it at once. Credentials live in the database.
"""
from __future__ import annotations

import datetime as dt

import jwt
import streamlit as st
import extra_streamlit_components as stx
from extra_streamlit_components.CookieManager import _component_func as stx_cookie_component
from streamlit_authenticator.models.cookie_model import CookieModel

import clock
from components.text import md
from config import settings
from services.identity import auth
from services.core.errors import ServiceError
from services.core.permissions import Actor

TOKEN_KEY = "auth_token"
COOKIE_TRIES = 5


class RevocableCookie(CookieModel):
    """streamlit-authenticator's cookie model carrying a revocable session id.

    Its cookie manager is built without the "getAll" component that ``CookieManager()`` mounts:
    cookies are read server-side (``st.context.cookies``), and every mounted component costs the
    browser a rerun that could swallow a click made at that moment.
    """

    def __init__(self) -> None:
        self.cookie_name, self.cookie_key = settings.cookie_name, settings.secret_key
        self.cookie_expiry_days = settings.session_days
        self.cookie_manager = object.__new__(stx.CookieManager)
        self.cookie_manager.cookie_manager = stx_cookie_component
        self.cookie_manager.cookies = {}
        self.token = None
        self.exp_date: float | None = None
        self._sid: str | None = None

    def _token_encode(self) -> str:
        return jwt.encode({"sid": self._sid, "exp_date": self.exp_date}, self.cookie_key, algorithm="HS256")

    def _set_exp_date(self) -> float:
        """The signed token's own expiry, on the product's clock (the server checks it with ``clock.now()``)."""
        return (clock.now() + dt.timedelta(days=self.cookie_expiry_days)).timestamp()

    def store(self, sid: str, key: str) -> None:
        """Write the signed cookie for session ``sid`` (component ``key``) with every attribute a cookie
        written by page JavaScript can carry: SameSite=Strict, Path=/, Secure when ``HUIQI_COOKIE_SECURE``
        (served over HTTPS). HttpOnly cannot be set from JavaScript; the cookie holds only a signed,
        revocable session id (see the module docstring and README)."""
        self._sid = sid
        self.exp_date = self._set_exp_date()
        self.cookie_manager.set(self.cookie_name, self._token_encode(), key=key, path="/", same_site="strict",
                                secure=settings.cookie_secure,  # the browser judges expires_at by its own clock
                                expires_at=clock.browser_now() + dt.timedelta(days=self.cookie_expiry_days))

    def drop(self, key: str) -> None:
        """Delete the cookie in the browser (component ``key``)."""
        try:
            self.cookie_manager.delete(self.cookie_name, key=key)
        except KeyError:  # the component's cookie list was not loaded yet; the delete is sent anyway
            pass



def read_sid() -> str | None:
    """Return the session id of a validly signed, unexpired cookie sent by the browser.

    Reads the request's cookies server-side, so no browser component is mounted on ordinary
    reruns (mounting one costs an extra rerun that can swallow a quick click).
    """
    cookies = st.context.cookies
    raw = cookies.get(settings.cookie_name) if settings.cookie_name in cookies else None
    if not isinstance(raw, str) or not raw:
        return None
    try:
        data = jwt.decode(raw, settings.secret_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    if data.get("exp_date", 0) <= clock.now().timestamp():
        return None
    sid = data.get("sid")
    return sid if isinstance(sid, str) else None


def client_id() -> str:
    """Return the address used to throttle sign-in attempts per client (services.identity.auth.client_of:
    the socket peer, or the client named by a trusted proxy's X-Forwarded-For / X-Real-IP)."""
    headers = st.context.headers
    peer = st.context.ip_address  # None for localhost (and under AppTest)
    return auth.client_of(peer if isinstance(peer, str) and peer else None, headers.get_all("X-Forwarded-For"),
                          headers.get("X-Real-IP"))


def current_actor() -> Actor | None:
    """Return the signed-in actor, resuming from this session or the browser's cookie."""
    token = st.session_state.get(TOKEN_KEY)
    if token is None and not st.session_state.get("signed_out"):
        token = read_sid()
    actor = auth.resume(token)
    if actor is None:
        st.session_state.pop(TOKEN_KEY, None)
    else:
        st.session_state[TOKEN_KEY] = token
    return actor


def sign_in_form() -> Actor | None:
    """Render the sign-in form; on success return the actor and queue the cookie for the next run."""
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
        st.error(md(err))
        return None
    remember(token)
    return actor


def _fresh_state(**keep: object) -> None:
    """Forget every piece of UI state (drill-down paths, filters, pages, drafts, downloads) but the
    cookie bookkeeping, then set ``keep``: a new user never inherits the previous one's screens."""
    seq = st.session_state.get("cookie_seq", 0)
    st.session_state.clear()
    st.session_state["cookie_seq"] = seq
    for k, v in keep.items():
        st.session_state[k] = v


def remember(token: str) -> None:
    """Sign this browser session in, starting clean, and queue the cookie (written by ``sync_cookie`` next run)."""
    _fresh_state(**{TOKEN_KEY: token, "cookie_op": ("store", token)})


def sign_out() -> None:
    """Revoke the server-side session, forget the user's UI state and queue the browser cookie's deletion."""
    auth.sign_out(st.session_state.get(TOKEN_KEY))
    _fresh_state(signed_out=True, cookie_op=("delete", None))


def sync_cookie() -> None:
    """Write or delete the browser cookie queued by sign-in / sign-out.

    The component is mounted on the runs *after* the action (so the ``st.rerun()`` that follows
    a sign-in cannot tear it down) and until the browser reports the change done, at most
    ``COOKIE_TRIES`` runs; on ordinary reruns nothing is mounted.
    """
    op = st.session_state.get("cookie_op")
    if op is None:
        return
    kind, token = op[0], op[1]
    tries = int(op[2]) if len(op) > 2 else 0
    key = f"cookie_{kind}_{st.session_state.setdefault('cookie_seq', 0)}"
    if st.session_state.get(key) or tries >= COOKIE_TRIES:
        del st.session_state["cookie_op"]
        st.session_state["cookie_seq"] += 1
        return
    st.session_state["cookie_op"] = (kind, token, tries + 1)
    cookie = RevocableCookie()
    if kind == "store":
        cookie.store(token, key)
    else:
        cookie.drop(key)
