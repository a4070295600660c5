"""Script rendered by bench_forms.py under AppTest: one form page, as the fill page would."""
import streamlit as st

from components.form_renderer import render_response

render_response(st.session_state["actor"], st.session_state["rid"])
