"""Headless subcommands. Each module adds its parsers; heavy imports stay inside handlers."""
