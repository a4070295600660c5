"""The platform core every system uses: errors, permissions, jurisdiction as SQL, audit, notifications,
China time, lengths and numbers, rules, start-up, spec checks, demo data."""
