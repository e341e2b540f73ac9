"""Stage 2, LP: the relaxation, its bound, and the plan drawn from it.

``master`` is the master LP (one HiGHS object kept with its basis); ``pricing`` finds the
columns not built that price out at the master's duals; ``transport`` is the transportation
subproblem giving tighter Lagrangian bounds and columns on large instances; ``solve`` drives
them (``Planner``: the whole model or column generation, then crossover) and hands the LP
solution to the repair stage; ``replan`` re-solves warm after a change.

Imports the build stage, and the repair stage to turn the LP solution into a plan (``solve``
runs the whole pipeline) and the greedy plan (the first columns, and the fallback).
"""
