"""The pure core: the registry's rules, with no I/O, no clock and no environment."""
