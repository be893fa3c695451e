"""Writes of the candidates app, by sub-domain: people, links, data rights, imports."""
