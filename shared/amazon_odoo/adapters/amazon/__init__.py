"""amazon."""
