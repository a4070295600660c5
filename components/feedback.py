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

from components.text import md
from services.core.errors import ServiceError, ValidationFailed, as_service_error

log = logging.getLogger("huiqi")

T = TypeVar("T")


def request_id(form_key: str) -> str:
    """Return the id of the current submission of ``form_key`` (stable until ``new_request``)."""
    slot = f"_rid_{form_key}"
    if slot not in st.session_state:
        st.session_state[slot] = uuid.uuid4().hex
    return str(st.session_state[slot])


def new_request(form_key: str) -> None:
    """Start a fresh submission id after a successful action."""
    st.session_state.pop(f"_rid_{form_key}", None)


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
        with error_boundary():
            return func(*args, **kwargs)
    return st.fragment(guarded)


def run_action(form_key: str, action: Callable[[str], T], success: str | None = None) -> T | None:
    """Call ``action(request_id)``; show Chinese errors; on success show ``success`` and renew the id."""
    try:
        result = action(request_id(form_key))
    except Exception as exc:  # noqa: BLE001 - shown as a message, logged when unexpected
        show_error(exc)
        return None
    new_request(form_key)
    if success:
        st.success(md(success))
    return result
