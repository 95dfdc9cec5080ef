"""The shells: the GitHub Action and the command line, each speaking its own words."""
