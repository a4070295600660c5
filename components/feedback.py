"""Showing service errors and giving each form submission a request id (double submits do nothing twice)."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from services.errors import ServiceError, ValidationFailed

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


def run_action(form_key: str, action: Callable[[str], T], success: str | None = None) -> T | None:
    """Call ``action(request_id)``; show Chinese errors; on success show ``success`` and renew the id."""
    try:
        result = action(request_id(form_key))
    except ValidationFailed as err:
        for msgs in err.problems.values():
            for msg in msgs:
                st.error(msg)
        return None
    except ServiceError as err:
        st.error(str(err))
        return None
    new_request(form_key)
    if success:
        st.success(success)
    return result
