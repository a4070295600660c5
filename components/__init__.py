"""Reusable Streamlit widgets. They call services; they never touch the database themselves."""
