"""Showing errors, the one error boundary of every page, and a request id for each form submission
(double submits do nothing twice).

A user never sees a traceback, a class name or a file path: domain errors (``ServiceError``, and a
database lock that outlasted its wait, mapped to ``Busy``) are shown as their Chinese message;
anything else is logged with a short id and the user sees only that id to quote.
"""
from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

from components.text import md
from services.core.errors import ServiceError, ValidationFailed, as_service_error

log = logging.getLogger("huiqi")

T = TypeVar("T")


SPENT = "_rid_spent"   # form keys whose id an action used in a run that has not ended yet


def request_id(form_key: str) -> str:
    """Return the id of the current submission of ``form_key`` (stable until ``new_request``)."""
    slot = f"_rid_{form_key}"
    if slot not in st.session_state:
        st.session_state[slot] = uuid.uuid4().hex
    return str(st.session_state[slot])


def new_request(form_key: str) -> None:
    """Start a fresh submission id after a successful action."""
    st.session_state.pop(f"_rid_{form_key}", None)


def spend_request(form_key: str) -> None:
    """Mark ``form_key``'s id as used by a successful action: it is renewed once this run (or a later one)
    runs to its end, not before. A click that reaches the server while the run that handled the first
    click is still going interrupts that run (``RerunException``) and is handled by the next one with the
    SAME id, so the service recognises the replay instead of doing the action twice."""
    spent = list(st.session_state.get(SPENT, []))
    if form_key not in spent:
        st.session_state[SPENT] = [*spent, form_key]


@contextmanager
def renewing_requests() -> Iterator[None]:
    """Around a whole run (app.py) or a fragment: when it ends — normally, with ``st.stop()`` or with an
    error shown — the browser shows fresh forms, so every id spent in it is renewed. A run stopped for a
    rerun (``st.rerun()``, or a new click interrupting it) keeps them for the run that follows."""
    try:
        yield
    except RerunException:
        raise
    except BaseException:
        _renew_spent()
        raise
    _renew_spent()


def _renew_spent() -> None:
    for key in st.session_state.pop(SPENT, []):
        new_request(key)


def user_messages(exc: Exception) -> list[str]:
    """Return what the user is told about ``exc`` (Chinese); an unexpected error is logged with an id."""
    err = as_service_error(exc)
    if isinstance(err, ValidationFailed):
        return [m for msgs in err.problems.values() for m in msgs] or [str(err)]
    if err is not None:
        return [str(err)]
    eid = uuid.uuid4().hex[:8]
    log.error("unexpected error %s", eid, exc_info=exc)
    return [f"系统出现异常，操作未完成。请稍后重试；如仍出现，请向管理员提供错误编号 {eid}。"]


def show_error(exc: Exception) -> None:
    for msg in user_messages(exc):
        st.error(md(msg), icon=":material/error:")  # a message may quote what the user typed


@contextmanager
def error_boundary() -> Iterator[None]:
    """Run a page (or a fragment) so that no exception reaches the user as a traceback.

    Streamlit's own control flow (``st.rerun``, ``st.stop``) derives from BaseException and passes."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the boundary: everything becomes a Chinese message
        show_error(exc)


def fragment(func: Callable[..., Any]) -> Callable[..., Any]:
    """``st.fragment`` whose reruns go through the error boundary too (a fragment rerun runs alone)."""
    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        with renewing_requests(), error_boundary():
            return func(*args, **kwargs)
    return st.fragment(guarded)


def run_action(form_key: str, action: Callable[[str], T], success: str | None = None) -> T | None:
    """Call ``action(request_id)``; show Chinese errors; on success show ``success``. The id is renewed when
    the run ends (``renewing_requests``), so the same click handled again by a rerun replays, never repeats."""
    try:
        result = action(request_id(form_key))
    except Exception as exc:  # noqa: BLE001 - shown as a message, logged when unexpected
        show_error(exc)
        return None
    spend_request(form_key)
    if success:
        st.success(md(success))
    return result
