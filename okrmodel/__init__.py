"""The OKR domain: config schema, periods and windows, KR math, storage. No network."""
