"""The derivation of the neuron's gradient as numbered theorems, with their machine checks.

See proofs/README.md; run the checks with ``neuron proofs`` (installed, this package is
``neuron_proofs``) or, in a checkout, ``python -m proofs.checks``.
"""
