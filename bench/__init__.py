"""``make bench``: the benchmarks side by side (``python -m bench``; see ``bench/__main__.py``)."""

__all__: list[str] = []
