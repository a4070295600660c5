"""Use cases and rules. Services own their transactions and enforce permissions; no Streamlit here."""
