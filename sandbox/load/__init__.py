"""Load mode: Poisson callers and simulated agents through the sandbox and the project's own
agent API, measured against Erlang C (`manage.py sandbox_load`, docs/sandbox.md)."""
