"""Read-side queries, one module per screen, returning DataFrames or plain values.

Every query takes the user's `Scope` and filters on the server: a district officer's query never
returns another district's rows.
"""
