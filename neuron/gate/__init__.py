"""The gate: the protocol a target implements, how it is called, the tolerance policies, the
input domains, the property catalogue, the runner and its report."""
