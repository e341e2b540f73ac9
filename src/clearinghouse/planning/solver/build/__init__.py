"""Stage 1, build: the instance and the model, no solver run yet.

``instance`` validates a ``clearinghouse-instance/1`` document (JSON Schema, then the meaning of
each section) into arrays; ``supply`` lists the supplies (pledges and fund x offer purchases)
and the feasible columns (supply, need, hub, ship week) with numpy joins; ``purchase`` folds
the fund x offer pairs into purchases by offer; ``model`` writes the LP's rows, its matrix over
any set of columns, and the HiGHS helpers every later stage uses.

Imports nothing from the other stages.
"""
