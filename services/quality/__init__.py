"""The quality self-assessment's services beyond the generic flow (services/assessment): administrators'
list (admin), tier statistics (stats), clause examples (examples) — and the other modules of issue 17."""
