"""The pure perceived-wait and satisfaction models (numpy only: no SimPy, no files), and the
codes of the journey records they read."""
