"""Tier-based assessments declared by their definition's ``assessment:`` block (see flow.py)."""
