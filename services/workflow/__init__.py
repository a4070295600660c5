"""Review chains as definitions: ``specs/workflows/*.yaml`` (definitions.py), one engine (engine.py)."""
