"""Stage 3, repair: whole units from the LP, and the greedy plan.

``rounding`` rounds the LP solution down to whole units of indivisible items and repairs it
with small MIPs over the LP's support and its neighbourhood, keeping every row; ``greedy`` is
the first-come-first-served plan, the benchmark's comparison and the solver's fallback.

Imports the build stage only (and ``result`` for the plan it returns).
"""
