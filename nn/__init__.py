"""chainrule's neural-network layer, built only from ``autograd.Value`` nodes."""
