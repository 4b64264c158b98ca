"""The knowledge base: ingest → chunk → embed → store → retrieve → decide → compose.

The rest of Deskbot uses one object: `KnowledgeBase.answer(question, audience) -> Answer`.
This package imports nothing from `bot`, `handlers` or `jobs`.
"""
