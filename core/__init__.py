"""The shared library at the bottom of the house: money, states, uploads, markup, realtime, the
live-consumer base, the Redis client. It imports no app of the project."""
