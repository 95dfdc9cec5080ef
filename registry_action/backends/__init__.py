"""Repository backends: the GitHub API (the action) and a local git clone (the command line).

Both implement `registry_action.backends.base.Backend`.
"""
