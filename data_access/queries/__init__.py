"""Read-side queries, one module per screen, returning typed rows (frozen dataclasses).

Every query that shows the city takes the user's `Scope` and applies it on the server through
one helper (`data_access.scope.scoped`): a district officer's query never returns another
district's rows, an enterprise's only its own. Queries that many screens repeat opt into the
shared cache with `@cached(seconds)` (`data_access.cache`), kept per scope.
"""
