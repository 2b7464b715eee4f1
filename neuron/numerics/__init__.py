"""Floating-point numerics with no neuron inside: ulps, double words, derivative bounds,
finite differences."""
