"""The study: what the runs of a store mean, with no drawing in it.

Analysis (speedup, efficiency, Amdahl's law, time to a target, estimates), human units, the
key-metrics report, and each scene's plan: the words and numbers a scene shows, computed from
runs and settings as a small typed value that the scene only draws.
"""
