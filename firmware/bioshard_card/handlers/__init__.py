# The card's RPC handlers, one module per request group. Each handler is `handler(card,
# params)`: it checks the host's parameters, runs its flow through card.run_flow (one flow at a
# time, the idle screen after) and updates the card's records; app.py's dispatch table routes
# the methods to them behind the secure-session guard.
