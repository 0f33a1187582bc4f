"""Omtanke's domain: the knowledge-base schema, loader/validator and matcher.

Pure Python: this package imports neither telegram nor sqlalchemy.
"""
