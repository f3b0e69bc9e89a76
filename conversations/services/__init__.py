"""Writes to the conversation core, by concept: customers, calls, call events, messages."""
