"""The network pack's agents, one module each (see docs/packs/network.md)."""
