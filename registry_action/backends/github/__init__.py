"""The GitHub backend: GraphQL reads and REST writes through PyGithub's requester."""
