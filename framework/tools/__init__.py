"""Command-line tools: `python -m framework.tools.dump` (the compiled graph after every pass)."""
