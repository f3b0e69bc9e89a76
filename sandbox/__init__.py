"""A local stand-in for Vonage: the Voice and Messages APIs, signed webhooks, NCCO execution,
a number pool, a browser phone and caller scripts (docs/architecture.md, "Sandbox").

It is a separate process that plays Vonage's part and talks to the project only over HTTP(S);
it keeps its state in memory and never touches the project's database.
"""
