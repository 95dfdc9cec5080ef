"""The commands: the only code that calls a backend (read, decide, write)."""
