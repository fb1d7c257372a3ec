"""Wire layer: pydantic models of the Interactions API and the async HTTP client.

Imports only httpx, httpx-sse and pydantic; never Textual.
"""
