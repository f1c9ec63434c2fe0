"""The demo zones: deterministic synthetic data calibrated to published figures."""
