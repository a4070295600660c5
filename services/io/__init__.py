"""Excel templates, imports (row-level error reports) and exports."""
