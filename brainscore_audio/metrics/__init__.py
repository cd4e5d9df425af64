"""Pure metric functions on arrays (shapes and units in each docstring; deterministic)."""
