"""Stage 4, explain: why each need the plan leaves short is short.

``explain`` analyses a plan against the instance (network reach, compatible supplies, what
the plan used instead); ``unmet`` writes the plan's ``unmet`` section from it: per need the
missing and late quantities and the contract's reason codes with their messages.

Imports the build stage (and ``result`` for the plan it reads).
"""
