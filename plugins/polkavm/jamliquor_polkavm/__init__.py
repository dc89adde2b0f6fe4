"""JamLiquor PVM plugin (GP v0.7.2 appendix A)."""
