"""Pure decisions: a request and one read of the repository give a plan or an answer."""
